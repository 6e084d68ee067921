#include "app/mainwindow.h"

#include "app/console.h"
#include "app/consolepanel.h"
#include "app/docks.h"
#include "app/document.h"
#include "app/errorrecoverypolicy.h"
#include "app/projectactions.h"
#include "app/queuemonitorpanel.h"
#include "app/sessionhost.h"
#include "app/setting.h"
#include "app/settingsdialog.h"
#include "app/variablespanel.h"
#include "app/workerbanner.h"
#include "app/workersettings.h"
#include "app/workerstatuswidget.h"
#include "app/workspace.h"
#include "inspectors/commandmodel.h"
#include "inspectors/traininghistoryview.h"

#include <QApplication>
#include <QCloseEvent>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>
#include <QUndoStack>
#include <QVBoxLayout>

namespace qk::app {

namespace {

const Setting<QByteArray> geometrySetting{"mainwindow/geometry"};
const Setting<QByteArray> stateSetting{"mainwindow/state"};
// Version 2: the bottom row spans the window, with the training history beside the console.
constexpr int layoutVersion = 2;

QWidget* modelBuilderPlaceholder(QWidget* parent) {
    auto* label = new QLabel(parent);
    label->setAlignment(Qt::AlignCenter);
    label->setWordWrap(true);
    label->setEnabled(false);
    label->setText(QObject::tr("<h2>Model builder</h2><p>The network you build appears here.</p>"
                               "<p>The Python console below runs code on the worker.</p>"));
    return label;
}

} // namespace

MainWindow::MainWindow(SessionHost& host, QWidget* parent)
    : QMainWindow(parent)
    , m_host(host)
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
    setCentralPanel(modelBuilderPlaceholder(central));

    m_consolePanel = new ConsolePanel(*m_console, this);
    m_queueMonitor = new QueueMonitorPanel(*m_commands, this);
    m_variablesPanel = new VariablesPanel(host, this);
    m_workerStatus = new WorkerStatusWidget(host, this);
    statusBar()->addPermanentWidget(m_workerStatus);

    createMenus();
    m_workspace = new Workspace(*this);
    m_project = new ProjectActions(*this, menuBar()->actions().constFirst()->menu());
    m_docks->add(DockSlot::History, m_workspace->historyView());
    m_docks->add(DockSlot::Console, m_consolePanel);
    m_docks->add(DockSlot::Queue, m_queueMonitor);
    m_docks->add(DockSlot::Variables, m_variablesPanel);
    m_docks->resetLayout();
    restoreLayout();

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
    connect(m_banner, &WorkerBanner::restartRequested, this, &MainWindow::restartWorker);
    connect(m_errorPolicy, &ErrorRecoveryPolicy::decidedAutomatically, this,
            [this](const CommandFailure& failure, Decision::Kind kind) {
                statusBar()->showMessage(
                    tr("%1 failed (%2); %3 as chosen for the rest of the session")
                        .arg(failure.id, failure.type,
                             kind == Decision::Kind::Ignore ? tr("ignored") : tr("queue dropped")),
                    8000);
            });
    m_errorPolicy->setWaitingCounter([this] { return qMax(0, m_commands->openCount() - 1); });
    host.setErrorPolicy(
        [policy = m_errorPolicy](const CommandFailure& failure) { return policy->decide(failure); },
        this);
    connect(m_document, &Document::modifiedChanged, this, &MainWindow::updateTitle);
    connect(m_document, &Document::fileNameChanged, this, &MainWindow::updateTitle);
    updateTitle();
    onWorkerState(host.workerState(), {});
}

MainWindow::~MainWindow() = default;

void MainWindow::createMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* settings = file->addAction(tr("&Settings…"), this, &MainWindow::openSettings);
    settings->setShortcut(QKeySequence(tr("Ctrl+,")));
    settings->setMenuRole(QAction::PreferencesRole);
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* undo = m_document->undoStack()->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    QAction* redo = m_document->undoStack()->createRedoAction(this, tr("&Redo"));
    redo->setShortcuts({QKeySequence(tr("Ctrl+Shift+Z")), QKeySequence(tr("Ctrl+Y"))});
    edit->addAction(undo);
    edit->addAction(redo);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    m_docks = new Docks(this, view);
    view->addAction(tr("Reset &layout"), this, &MainWindow::resetLayout);

    QMenu* worker = menuBar()->addMenu(tr("&Worker"));
    m_restart = worker->addAction(tr("&Restart worker"), this, &MainWindow::restartWorker);
    m_restart->setShortcut(QKeySequence(tr("Ctrl+Shift+R")));
    QAction* interrupt =
        worker->addAction(tr("&Interrupt"), this, [this] { m_host.session().interrupt(); });
    interrupt->setShortcut(QKeySequence(tr("Ctrl+Shift+I")));
    interrupt->setToolTip(tr("Raise KeyboardInterrupt in the running command"));
    worker->addSeparator();
    worker->addAction(tr("&Clear finished commands"), m_commands,
                      &inspectors::CommandModel::clearFinished);
    m_forgetChoice = worker->addAction(tr("&Ask again on errors"), m_errorPolicy,
                                       &ErrorRecoveryPolicy::forgetChoice);
    m_forgetChoice->setEnabled(false);
    connect(m_errorPolicy, &ErrorRecoveryPolicy::rememberedChoiceChanged, this,
            [this] { m_forgetChoice->setEnabled(m_errorPolicy->rememberedChoice().has_value()); });

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About QtKeras"), this, [this] {
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
