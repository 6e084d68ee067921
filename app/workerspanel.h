// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QWidget>

class QPlainTextEdit;
class QPushButton;
class QTableView;

namespace qk::app {

class EnvironmentCheck;
class HostTasks;
class SessionHost;
class WorkersModel;
struct EnvironmentReport;

// The Workers dock: the session's worker and those a remote host still runs, with where each
// runs, its state, versions and devices; re-attach, stop, an environment check on its host,
// and setting up Python there.
class WorkersPanel : public QWidget {
    Q_OBJECT
public:
    explicit WorkersPanel(SessionHost& host, QWidget* parent = nullptr);

    WorkersModel* model() const { return m_model; }
    QTableView* view() const { return m_view; }
    QPushButton* reattachButton() const { return m_reattach; }
    QPushButton* stopButton() const { return m_stop; }
    QPushButton* checkButton() const { return m_check; }
    QPushButton* setupButton() const { return m_setup; }
    QPushButton* refreshButton() const { return m_refresh; }
    QString reportText() const;
    void selectRow(int row);

    // The selected worker's actions.
    void reattach();
    void stop();
    void checkEnvironment();
    void setUpPython();
    // Lists the workers the remote host (from the settings) still runs.
    void refresh();

protected:
    void showEvent(QShowEvent* event) override;

private:
    int selectedRow() const;
    void listOnce();
    void updateButtons();
    void report(const QString& text);
    void adopt(const QString& run);
    void showReport(const EnvironmentReport& report);

    SessionHost& m_host;
    WorkersModel* m_model;
    QTableView* m_view;
    QPushButton* m_reattach;
    QPushButton* m_stop;
    QPushButton* m_check;
    QPushButton* m_setup;
    QPushButton* m_refresh;
    QPlainTextEdit* m_report;
    HostTasks* m_tasks;
    EnvironmentCheck* m_checker;
    bool m_listed = false;
};

} // namespace qk::app
