// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/mainwindow.h"

#include "app/actionids.h"
#include "app/actionregistry.h"
#include "app/appearance.h"
#include "app/console.h"
#include "app/consolepanel.h"
#include "app/docks.h"
#include "app/document.h"
#include "app/errorrecoverypolicy.h"
#include "app/helpwindow.h"
#include "app/modelbuilder.h"
#include "app/projectactions.h"
#include "app/queuemonitorpanel.h"
#include "app/searchcontroller.h"
#include "app/sessionhost.h"
#include "app/setting.h"
#include "app/settingsdialog.h"
#include "app/variablespanel.h"
#include "app/workerbanner.h"
#include "app/workersettings.h"
#include "app/workersmodel.h"
#include "app/workerspanel.h"
#include "app/workerstatuswidget.h"
#include "app/workspace.h"
#include "inspectors/commandmodel.h"
#include "inspectors/traininghistoryview.h"

#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>
#include <QToolBar>
#include <QUndoStack>
#include <QVBoxLayout>

namespace qk::app {

namespace {

const Setting<QByteArray> geometrySetting{"mainwindow/geometry"};
const Setting<QByteArray> stateSetting{"mainwindow/state"};
// Version 2: the bottom row spans the window, with the training history beside the console.
constexpr int layoutVersion = 2;

} // namespace

MainWindow::MainWindow(SessionHost& host, QWidget* parent)
    : QMainWindow(parent)
    , m_host(host)
    , m_actions(new ActionRegistry(this))
    , m_document(new Document(this))
    , m_commands(new inspectors::CommandModel(this))
    , m_console(new Console(host, this))
    , m_errorPolicy(new ErrorRecoveryPolicy(this)) {
    setDockOptions(AnimatedDocks | AllowTabbedDocks | AllowNestedDocks);
    setCorner(Qt::TopRightCorner, Qt::RightDockWidgetArea);
    setCorner(Qt::BottomRightCorner, Qt::BottomDockWidgetArea);
    setCorner(Qt::TopLeftCorner, Qt::LeftDockWidgetArea);
    setCorner(Qt::BottomLeftCorner, Qt::BottomDockWidgetArea);
    resize(1280, 800);

    auto* central = new QWidget(this);
    m_centralLayout = new QVBoxLayout(central);
    m_centralLayout->setContentsMargins(4, 4, 4, 4);
    m_banner = new WorkerBanner(central);
    m_centralLayout->addWidget(m_banner);
    setCentralWidget(central);

    m_consolePanel = new ConsolePanel(*m_console, this);
    m_queueMonitor = new QueueMonitorPanel(*m_commands, this);
    m_variablesPanel = new VariablesPanel(host, this);
    m_workerStatus = new WorkerStatusWidget(host, this);
    statusBar()->addPermanentWidget(m_workerStatus);

    m_docks = new Docks(this, *m_actions);
    m_workspace = new Workspace(host, *m_document, *m_docks, *m_actions, this);
    setCentralPanel(m_workspace->centralPanel());
    m_project = new ProjectActions(*m_document, *m_workspace->historyView(), m_workspace->trainer(),
                                   host, *m_actions, this);
    m_docks->add(DockSlot::Console, m_consolePanel);
    m_docks->add(DockSlot::Queue, m_queueMonitor);
    m_docks->add(DockSlot::Variables, m_variablesPanel);
    auto* workers = new WorkersPanel(host, this);
    m_docks->add(DockSlot::Workers, workers);
    connect(&m_workspace->searcher(), &SearchController::searchStarted, workers->model(),
            &WorkersModel::setSearch);
    createActions();
    createMenus();
    m_docks->resetLayout();
    restoreLayout();

    const auto showMessage = [this](const QString& text, int timeoutMs) {
        statusBar()->showMessage(text, timeoutMs);
    };
    connect(m_workspace, &Workspace::message, this, showMessage);
    connect(m_project, &ProjectActions::message, this, showMessage);

    connect(&host.events(), &SessionEvents::commandChanged, m_commands,
            &inspectors::CommandModel::apply);
    connect(&host.events(), &SessionEvents::commandFailed, m_commands,
            &inspectors::CommandModel::applyFailure);
    connect(&host, &SessionHost::sessionReplaced, m_commands, &inspectors::CommandModel::clear);
    connect(m_commands, &inspectors::CommandModel::openCountChanged, m_workerStatus,
            &WorkerStatusWidget::setOpenCommands);
    connect(&host.events(), &SessionEvents::workerStateChanged, this, &MainWindow::onWorkerState);
    connect(&host, &SessionHost::restarting, this, [this] {
        m_errorPolicy->closeDialog();
        m_errorPolicy->forgetChoice();
        m_banner->hide();
    });
    connect(&host.events(), &SessionEvents::workerLost, this, [this](const QString& reason) {
        m_errorPolicy->closeDialog();
        m_banner->showCrash(reason);
    });
    connect(&host.events(), &SessionEvents::workerRestarted, this,
            [this](const WorkerInfo& info) { m_banner->showReplacement(info.python); });
    connect(&host.events(), &SessionEvents::workerWarning, this,
            [this](const QString& message) { statusBar()->showMessage(message, 15000); });
    connect(&host.events(), &SessionEvents::workerDisconnected, this,
            [this](const QString& reason) {
                m_banner->showDisconnected(m_host.options().worker.remote, reason);
            });
    connect(&host.events(), &SessionEvents::workerReconnected, this,
            [this](const WorkerInfo& info) { m_banner->showReconnected(info.host); });
    connect(m_banner, &WorkerBanner::restartRequested, this, &MainWindow::restartWorker);
    connect(m_errorPolicy, &ErrorRecoveryPolicy::decidedAutomatically, this,
            [this](const CommandFailure& failure, Decision::Kind kind) {
                statusBar()->showMessage(
                    tr("%1 failed (%2); %3 as chosen for the rest of the session")
                        .arg(failure.id, failure.type,
                             kind == Decision::Kind::Ignore ? tr("ignored") : tr("queue dropped")),
                    8000);
            });
    connect(m_errorPolicy, &ErrorRecoveryPolicy::interrupted, this,
            [this](const CommandFailure& failure) {
                statusBar()->showMessage(
                    tr("Interrupted %1; the commands behind it go on").arg(failure.id), 8000);
            });
    m_errorPolicy->setWaitingCounter([this] { return qMax(0, m_commands->openCount() - 1); });
    connect(m_commands, &inspectors::CommandModel::openCountChanged, m_errorPolicy,
            &ErrorRecoveryPolicy::refreshWaiting);
    host.setErrorPolicy(
        [policy = m_errorPolicy](const CommandFailure& failure) { return policy->decide(failure); },
        this);
    connect(m_document, &Document::modifiedChanged, this, &MainWindow::updateTitle);
    connect(m_document, &Document::fileNameChanged, this, &MainWindow::updateTitle);
    updateTitle();
    onWorkerState(host.workerState(), {});
}

MainWindow::~MainWindow() = default;

void MainWindow::createActions() {
    const auto add = [this](const char* id, const QString& text, auto receiver, auto slot) {
        auto* action = new QAction(text, this);
        connect(action, &QAction::triggered, receiver, slot);
        return m_actions->add(id, action);
    };
    QAction* settings = add(ids::fileSettings, tr("&Settings…"), this, &MainWindow::openSettings);
    settings->setShortcut(QKeySequence(tr("Ctrl+,")));
    settings->setMenuRole(QAction::PreferencesRole);
    QAction* quit = add(ids::fileQuit, tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    QAction* undo = m_document->undoStack()->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    undo->setIcon(QIcon::fromTheme(QStringLiteral("edit-undo")));
    m_actions->add(ids::editUndo, undo);
    QAction* redo = m_document->undoStack()->createRedoAction(this, tr("&Redo"));
    redo->setShortcuts({QKeySequence(tr("Ctrl+Shift+Z")), QKeySequence(tr("Ctrl+Y"))});
    redo->setIcon(QIcon::fromTheme(QStringLiteral("edit-redo")));
    m_actions->add(ids::editRedo, redo);

    add(ids::viewResetLayout, tr("Reset &layout"), this, &MainWindow::resetLayout);
    auto* themes = new QActionGroup(this);
    const Theme current = savedTheme();
    struct ThemeChoice {
        const char* id;
        Theme theme;
        QString text;
    };
    for (const ThemeChoice& choice :
         {ThemeChoice{ids::viewThemeSystem, Theme::System, tr("&System colours")},
          ThemeChoice{ids::viewThemeLight, Theme::Light, tr("Li&ght colours")},
          ThemeChoice{ids::viewThemeDark, Theme::Dark, tr("&Dark colours")}}) {
        const Theme theme = choice.theme;
        QAction* action = add(choice.id, choice.text, this, [theme] {
            saveTheme(theme);
            applyTheme(theme);
        });
        action->setCheckable(true);
        action->setChecked(theme == current);
        themes->addAction(action);
    }

    add(ids::workerRestart, tr("&Restart worker"), this, &MainWindow::restartWorker)
        ->setShortcut(QKeySequence(tr("Ctrl+Shift+R")));
    QAction* interrupt =
        add(ids::workerInterrupt, tr("&Interrupt"), this, [this] { m_host.session().interrupt(); });
    interrupt->setShortcut(QKeySequence(tr("Ctrl+Shift+I")));
    interrupt->setToolTip(tr("Raise KeyboardInterrupt in the running command"));
    add(ids::workerClearFinished, tr("&Clear finished commands"), m_commands,
        &inspectors::CommandModel::clearFinished);
    QAction* forgetChoice = add(ids::workerAskAgain, tr("&Ask again on errors"), m_errorPolicy,
                                &ErrorRecoveryPolicy::forgetChoice);
    forgetChoice->setEnabled(false);
    connect(m_errorPolicy, &ErrorRecoveryPolicy::rememberedChoiceChanged, forgetChoice,
            [this, forgetChoice] {
                forgetChoice->setEnabled(m_errorPolicy->rememberedChoice().has_value());
            });

    add(ids::helpGuide, tr("QtKeras &User Guide"), this, &MainWindow::showHelp)
        ->setShortcut(QKeySequence::HelpContents);
    add(ids::helpAbout, tr("&About QtKeras"), this, [this] {
        auto* box = new QMessageBox(
            QMessageBox::Information, tr("About QtKeras"),
            tr("<h3>QtKeras %1</h3><p>Build, train and inspect Keras networks; Keras runs in "
               "a Python worker.</p>")
                .arg(QApplication::applicationVersion()),
            QMessageBox::Ok, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    });
}

// Where every action goes, by id: the one place that lays out the menus and the tool bar.
void MainWindow::createMenus() {
    using namespace ids;
    const auto menu = [this](const char* id, const QString& title,
                             std::initializer_list<QAnyStringView> entries) {
        QMenu* created = m_actions->addMenu(id, new QMenu(title, this));
        m_actions->fill(created, entries);
        menuBar()->addMenu(created);
    };
    menu(fileMenu, tr("&File"),
         {fileNew, fileOpen, recentMenu, fileImportKeras, fileSave, fileSaveAs, separator,
          fileExportScript, fileSaveModel, separator, fileSettings, separator, fileQuit});
    menu(editMenu, tr("&Edit"), {editUndo, editRedo});
    menu(modelMenu, tr("&Model"),
         {modelDeleteLayer, modelDuplicateLayer, separator, modelMoveUp, modelMoveDown, separator,
          modelEditAsGraph, separator, modelTrain, modelStop, modelEvaluate, modelDistribution,
          modelSearch});
    menu(graphMenu, tr("&Graph"),
         {graphDelete, graphDuplicate, graphCopy, graphPaste, graphShare, graphToggleBlock,
          separator, graphLayout, graphFit, graphZoomIn, graphZoomOut});
    menu(viewMenu, tr("&View"),
         {viewPalette, viewData, viewProperties, viewTraining, viewVariables, viewConsole,
          viewQueue, viewHistory, viewWorkers, separator, viewResetLayout, separator,
          viewThemeSystem, viewThemeLight, viewThemeDark});
    menu(workerMenu, tr("&Worker"),
         {workerRestart, workerInterrupt, separator, workerClearFinished, workerAskAgain});
    menu(helpMenu, tr("&Help"), {helpGuide, separator, helpAbout});

    QToolBar* toolBar = addToolBar(tr("Model"));
    toolBar->setObjectName(QStringLiteral("toolbar-model")); // saved in the window state
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_actions->fill(toolBar, {editUndo, editRedo, separator, modelDuplicateLayer, modelDeleteLayer,
                              separator, modelTrain, modelStop});
}

HelpWindow* MainWindow::helpWindow() const {
    return m_help;
}

void MainWindow::showHelp() {
    // One guide window, raised again when it is open.
    if (!m_help) {
        m_help = new HelpWindow(*m_actions, this);
        m_help->setAttribute(Qt::WA_DeleteOnClose);
    }
    m_help->show();
    m_help->raise();
    m_help->activateWindow();
}

void MainWindow::setCentralPanel(QWidget* panel) {
    if (m_centralPanel) {
        m_centralLayout->removeWidget(m_centralPanel);
        m_centralPanel->deleteLater();
    }
    m_centralPanel = panel;
    m_centralLayout->addWidget(panel, 1);
}

void MainWindow::onWorkerState(WorkerState state, const QString& reason) {
    // A worker that could not start, or that the session gave up restarting.
    if (state == WorkerState::Dead) {
        m_errorPolicy->closeDialog();
        if (!m_banner->isVisible())
            m_banner->showCrash(reason);
    }
}

void MainWindow::restartWorker() {
    m_host.restart();
    statusBar()->showMessage(tr("Restarting the worker…"), 3000);
}

void MainWindow::openSettings() {
    auto* dialog = new SettingsDialog(m_host.options().worker, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        Autosave::setDefaultIntervalSeconds(dialog->autosaveSeconds());
        m_project->autosave().setIntervalSeconds(dialog->autosaveSeconds());
        if (!dialog->changed())
            return;
        saveWorkerOptions(dialog->options());
        SessionOptions options = m_host.options();
        options.worker = dialog->options();
        m_host.reconfigure(options);
    });
    dialog->open();
}

void MainWindow::updateTitle() {
    setWindowTitle(tr("%1[*] — QtKeras").arg(m_document->displayName()));
    setWindowModified(m_document->isModified());
}

void MainWindow::saveLayout() const {
    geometrySetting.setValue(saveGeometry());
    stateSetting.setValue(saveState(layoutVersion));
}

void MainWindow::restoreLayout() {
    restoreGeometry(geometrySetting.value());
    // A layout saved by an older version keeps the new default arrangement.
    if (restoreState(stateSetting.value(), layoutVersion))
        m_docks->cancelDefaultSizes();
}

void MainWindow::resetLayout() {
    m_docks->resetLayout();
}

void MainWindow::showCommand(const QString& id) {
    m_queueMonitor->selectCommand(id);
    // The command queue in front of the tabs it shares.
    if (QDockWidget* queue = m_docks->dock(DockSlot::Queue))
        queue->raise();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    saveLayout();
    // Unsaved changes: the project asks Save / Discard / Cancel and closes the window again.
    if (!m_project->closeRequested()) {
        event->ignore();
        return;
    }
    QMainWindow::closeEvent(event);
}

} // namespace qk::app
