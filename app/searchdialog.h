// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/searchcontroller.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QSpinBox;
class QTableView;
class QTableWidget;

namespace qk::app {

class Document;

// Hyper-parameter search, from the Training panel: which arguments of the builder's layers
// and of the optimizer to vary and over which ranges, the tuner, the objective, how many trials
// and trial processes; the trials as they run, best first by the objective; and "Open Best in
// Builder". Each trial's curves go to the training-history chart as a run of its own.
class SearchDialog : public QDialog {
    Q_OBJECT
public:
    enum RangeColumn { SearchColumn, LayerColumn, ArgumentColumn, RangeTextColumn };

    SearchDialog(SearchController& controller, Document& document, QWidget* parent = nullptr);

    QTableWidget* rangeTable() const { return m_ranges; }
    // The row of a layer's argument (layerId 0: the optimizer's), or -1.
    int rangeRow(int layerId, const QString& argument) const;
    QComboBox* tunerCombo() const { return m_tuner; }
    QComboBox* objectiveCombo() const { return m_objective; }
    QSpinBox* maxTrialsSpin() const { return m_maxTrials; }
    QSpinBox* processesSpin() const { return m_processes; }
    QSpinBox* epochsSpin() const { return m_epochs; }
    QPushButton* startButton() const { return m_start; }
    QPushButton* stopButton() const { return m_stop; }
    QPushButton* openBestButton() const { return m_openBest; }
    QTableView* trialView() const { return m_trialView; }
    QLabel* statusLabel() const { return m_status; }

private:
    void fillRanges();
    void fillObjectives();
    void startSearch();
    void openBest();
    void updateButtons();
    void showStatus(const QString& text, bool error = false);

    SearchController& m_controller;
    Document& m_document;
    QTableWidget* m_ranges;
    QComboBox* m_tuner;
    QComboBox* m_objective;
    QSpinBox* m_maxTrials;
    QSpinBox* m_processes;
    QSpinBox* m_epochs;
    QPushButton* m_start;
    QPushButton* m_stop;
    QPushButton* m_openBest;
    QSortFilterProxyModel* m_sorted;
    QTableView* m_trialView;
    QLabel* m_status;
};

} // namespace qk::app
