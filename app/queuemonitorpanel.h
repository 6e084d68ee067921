// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QWidget>

class QComboBox;
class QLabel;
class QTableView;

namespace qk::inspectors {
class CommandDetailView;
class CommandFilterModel;
class CommandModel;
} // namespace qk::inspectors

namespace qk::app {

// The command-queue monitor: every command with its state, filtered by state, and the
// selected one in full below.
class QueueMonitorPanel : public QWidget {
    Q_OBJECT
public:
    explicit QueueMonitorPanel(inspectors::CommandModel& model, QWidget* parent = nullptr);

    QTableView* view() const { return m_view; }
    QComboBox* stateFilter() const { return m_filter; }
    inspectors::CommandFilterModel* filterModel() const { return m_proxy; }
    inspectors::CommandDetailView* detail() const { return m_detail; }
    // Selects a command by id (if shown) and shows it in full.
    bool selectCommand(const QString& id);

private:
    void showCurrent();
    void applyFilter(int choice);
    void updateCount();

    inspectors::CommandModel& m_model;
    inspectors::CommandFilterModel* m_proxy;
    QTableView* m_view;
    QComboBox* m_filter;
    QLabel* m_count;
    inspectors::CommandDetailView* m_detail;
    bool m_follow = true;
};

} // namespace qk::app
