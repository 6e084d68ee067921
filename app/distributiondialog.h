// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/keras/distribution.h"

#include <QDialog>

#include <optional>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableView;

namespace qk::app {

class Document;
class LayoutReportModel;
class LayoutRulesModel;
class SessionHost;

// How training is spread over the worker's devices: on one device, data-parallel, or
// model-parallel on a mesh with LayoutMap rules; and how many CPU devices the worker simulates
// when there is no accelerator. "Show layout" builds the document's network in the worker and
// lists, for every variable, the rule that matches it, its sharding and shard shape, with the
// rules that match nothing and the problems Keras would raise.
class DistributionDialog : public QDialog {
    Q_OBJECT
public:
    DistributionDialog(SessionHost& host, const Document& document,
                       std::optional<keras::Distribution> current, QWidget* parent = nullptr);

    // The distribution as edited; nullopt: one device. Throws std::invalid_argument with the
    // reason when the mesh cannot be read.
    std::optional<keras::Distribution> distribution() const;
    // Simulated CPU devices for the worker as edited (0: none); a change restarts the worker.
    int cpuDevices() const;

    QComboBox* kindBox() const { return m_kind; }
    QSpinBox* devicesSpin() const { return m_devices; }
    QSpinBox* cpuDevicesSpin() const { return m_cpuDevices; }
    QLineEdit* meshEdit() const { return m_mesh; }
    QLineEdit* axesEdit() const { return m_axes; }
    LayoutRulesModel* rules() const { return m_rules; }
    LayoutReportModel* report() const { return m_report; }
    QPushButton* showLayoutButton() const { return m_showLayout; }
    QString summary() const;
    QString devicesText() const;

Q_SIGNALS:
    // A layout report (or its failure) is shown.
    void layoutShown();

private:
    void updateEnabled();
    void showLayout();
    void readDevices();

    SessionHost& m_host;
    const Document& m_document;
    QComboBox* m_kind;
    QSpinBox* m_devices;
    QSpinBox* m_cpuDevices;
    QLineEdit* m_mesh;
    QLineEdit* m_axes;
    QLineEdit* m_batchAxis;
    QLabel* m_deviceList;
    QLabel* m_summary;
    QPushButton* m_showLayout;
    QTableView* m_rulesView;
    QTableView* m_reportView;
    LayoutRulesModel* m_rules;
    LayoutReportModel* m_report;
    int m_generation = 0;
};

} // namespace qk::app
