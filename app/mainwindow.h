#pragma once

#include "bridge/session/session.h"

#include <QMainWindow>

class QAction;
class QVBoxLayout;

namespace qk::inspectors {
class CommandModel;
}

namespace qk::app {

class Console;
class ConsolePanel;
class Docks;
class Document;
class ErrorRecoveryPolicy;
class ProjectActions;
class QueueMonitorPanel;
class SessionHost;
class VariablesPanel;
class WorkerBanner;
class WorkerStatusWidget;
class Workspace;

// The IDE's window: creates the panels in their docks, wires the menus to them and shows
// the worker's state. Features live in the panels and the objects they show.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(SessionHost& host, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Replaces the central panel (the model builder's place).
    void setCentralPanel(QWidget* panel);
    void openSettings();
    void saveLayout() const;
    void resetLayout();

    SessionHost& host() const { return m_host; }
    Docks& docks() const { return *m_docks; }
    Document& document() const { return *m_document; }
    inspectors::CommandModel& commands() const { return *m_commands; }
    Console& console() const { return *m_console; }
    ErrorRecoveryPolicy& errorPolicy() const { return *m_errorPolicy; }
    ConsolePanel* consolePanel() const { return m_consolePanel; }
    QueueMonitorPanel* queueMonitor() const { return m_queueMonitor; }
    VariablesPanel* variablesPanel() const { return m_variablesPanel; }
    WorkerStatusWidget* workerStatus() const { return m_workerStatus; }
    WorkerBanner* banner() const { return m_banner; }
    QAction* restartAction() const { return m_restart; }
    Workspace& workspace() const { return *m_workspace; }
    ProjectActions& project() const { return *m_project; }

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void createMenus();
    void restoreLayout();
    void onWorkerState(qk::WorkerState state, const QString& reason);
    void restartWorker();
    void updateTitle();

    SessionHost& m_host;
    Document* m_document;
    inspectors::CommandModel* m_commands;
    Console* m_console;
    ErrorRecoveryPolicy* m_errorPolicy;
    Docks* m_docks = nullptr;
    ConsolePanel* m_consolePanel = nullptr;
    QueueMonitorPanel* m_queueMonitor = nullptr;
    VariablesPanel* m_variablesPanel = nullptr;
    WorkerStatusWidget* m_workerStatus = nullptr;
    WorkerBanner* m_banner = nullptr;
    QVBoxLayout* m_centralLayout = nullptr;
    QWidget* m_centralPanel = nullptr;
    QAction* m_restart = nullptr;
    QAction* m_forgetChoice = nullptr;
    Workspace* m_workspace = nullptr;
    ProjectActions* m_project = nullptr;
};

} // namespace qk::app
