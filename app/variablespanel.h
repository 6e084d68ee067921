// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QWidget>

class QLabel;
class QTableView;
class QTimer;

namespace qk::inspectors {
class VariableModel;
}

namespace qk::app {

class SessionHost;

// The variables in the worker's scope: refreshed when the worker goes idle or on request;
// the selected ones can be deleted.
class VariablesPanel : public QWidget {
    Q_OBJECT
public:
    explicit VariablesPanel(SessionHost& host, QWidget* parent = nullptr);

    void refresh();
    void deleteSelected();

    inspectors::VariableModel* model() const { return m_model; }
    QTableView* view() const { return m_view; }

Q_SIGNALS:
    void refreshed();

private:
    SessionHost& m_host;
    inspectors::VariableModel* m_model;
    QTableView* m_view;
    QLabel* m_status;
    QTimer* m_refreshTimer;
};

} // namespace qk::app
