// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/session/session.h"

#include <QMainWindow>
#include <QPointer>

class QVBoxLayout;

namespace qk::inspectors {
class CommandModel;
}

namespace qk::app {

class ActionRegistry;
class Console;
class ConsolePanel;
class Docks;
class Document;
class ErrorRecoveryPolicy;
class HelpWindow;
class ProjectActions;
class QueueMonitorPanel;
class SessionHost;
class VariablesPanel;
class WorkerBanner;
class WorkerStatusWidget;
class Workspace;

// The IDE's window and the place where its parts are made and wired: it creates the
// document and services, hands each feature what it uses (the feature registers its actions
// and docks its panels), builds the menus and the tool bar from action ids, and shows the
// worker's state. Features live in their own classes, which do not know the window.
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
    // Selects the command in the queue monitor and brings its dock to the front.
    void showCommand(const QString& id);
    // The user guide (F1); null until it is opened.
    void showHelp();
    HelpWindow* helpWindow() const;

    // Every menu and tool-bar action, by id (actionids.h).
    ActionRegistry& actionRegistry() const { return *m_actions; }
    Document& document() const { return *m_document; }
    inspectors::CommandModel& commands() const { return *m_commands; }
    Console& console() const { return *m_console; }
    ErrorRecoveryPolicy& errorPolicy() const { return *m_errorPolicy; }
    Docks& docks() const { return *m_docks; }
    Workspace& workspace() const { return *m_workspace; }
    ProjectActions& project() const { return *m_project; }

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void createActions();
    void createMenus();
    void restoreLayout();
    void onWorkerState(qk::WorkerState state, const QString& reason);
    void restartWorker();
    void updateTitle();

    SessionHost& m_host;
    ActionRegistry* m_actions;
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
    Workspace* m_workspace = nullptr;
    ProjectActions* m_project = nullptr;
    QPointer<HelpWindow> m_help;
};

} // namespace qk::app
