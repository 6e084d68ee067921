// SPDX-License-Identifier: GPL-3.0-or-later
// The IDE's main window with the real worker, clicked as a user would: the status bar, the
// console, the queue monitor, error recovery by each decision, the worker variables, a killed
// worker and its restart, the settings' environment check and the saved layout.
#include "app/actionids.h"
#include "app/actionregistry.h"
#include "app/console.h"
#include "app/consolepanel.h"
#include "app/docks.h"
#include "app/document.h"
#include "app/errorrecoverydialog.h"
#include "app/errorrecoverypolicy.h"
#include "app/mainwindow.h"
#include "app/projectactions.h"
#include "app/queuemonitorpanel.h"
#include "app/sessionhost.h"
#include "app/settingsdialog.h"
#include "app/variablespanel.h"
#include "app/workerbanner.h"
#include "app/workerstatuswidget.h"
#include "bridge/keras/layers.h"
#include "inspectors/codeview.h"
#include "inspectors/commanddetailview.h"
#include "inspectors/commandmodel.h"
#include "inspectors/variablemodel.h"
#include "support/idefixture.h"
#include "support/testsupport.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QComboBox>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScreen>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QUndoStack>
#include <QtTest>

#include <csignal>

using namespace qk;
using namespace qk::app;
using qk::inspectors::CommandModel;
using qk::test::errorOf;
using qk::test::waitFinished;
using qk::test::waitUntil;

class TestMainWindow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void statusBarShowsReadyAndVersions();
    void menusAndToolBarHoldRegisteredActions();
    void consoleRunsOnePlusOne();
    void monitorShowsFailedCommandAndTraceback();
    void longFailedLineKeepsTheDialogOnTheScreen();
    void ignoreRunsTheCommandsBehind();
    void replaceRunsTheEditedCode();
    void dropQueueDropsTheCommandsBehind();
    void restOfSessionChoiceSkipsTheDialog();
    void variablesAreListedAndDeleted();
    void settingsCheckTheEnvironment();
    void settingsSetTheAutosaveInterval();
    void killedWorkerShowsMessageAndRestarts();
    void killedWorkerMeetsItsDeadlines();
    void layoutIsRestored();

private:
    // The window's one widget of that class, found as a user finds it: on the screen.
    template <typename Panel>
    Panel* panel() const {
        return m_ide.window->findChild<Panel*>();
    }
    ErrorRecoveryDialog* waitForDialog();
    // A command that sleeps until the worker is killed, and the wait until it runs.
    QFuture<Value> runUntilKilled();
    bool waitForSleeper();
    QString stateOf(const QString& id) const;
    bool waitForState(const QString& id, const QString& state);

    qk::test::IdeFixture m_ide;
};

void TestMainWindow::initTestCase() {
    m_ide.start();
}

void TestMainWindow::cleanupTestCase() {
    m_ide.stop();
}

ErrorRecoveryDialog* TestMainWindow::waitForDialog() {
    waitUntil([this] { return m_ide.window->errorPolicy().openDialog() != nullptr; });
    ErrorRecoveryDialog* dialog = m_ide.window->errorPolicy().openDialog();
    if (dialog)
        waitUntil([dialog] { return dialog->isVisible(); });
    return dialog;
}

QFuture<Value> TestMainWindow::runUntilKilled() {
    return m_ide.host->session().run(QStringLiteral("import time\ntime.sleep(300)"));
}

bool TestMainWindow::waitForSleeper() {
    CommandModel& model = m_ide.window->commands();
    return waitUntil([&model] {
        for (int row = model.rowCount() - 1; row >= 0; --row) {
            const CommandInfo& info = model.info(row);
            if (info.code == QLatin1String("import time\ntime.sleep(300)"))
                return info.state == CommandState::Running;
        }
        return false;
    });
}

QString TestMainWindow::stateOf(const QString& id) const {
    CommandModel& model = m_ide.window->commands();
    const int row = model.rowOf(id);
    return row < 0 ? QStringLiteral("(no row)")
                   : model.index(row, CommandModel::StateColumn).data().toString();
}

bool TestMainWindow::waitForState(const QString& id, const QString& state) {
    return waitUntil([&] { return stateOf(id) == state; });
}

void TestMainWindow::statusBarShowsReadyAndVersions() {
    WorkerStatusWidget* status = panel<WorkerStatusWidget>();
    QVERIFY(waitUntil([&] { return status->stateText().contains(QStringLiteral("ready")); }));
    const WorkerInfo info = m_ide.host->workerInfo();
    QVERIFY(status->versionsText().contains(QStringLiteral("Python ") + info.python));
    QVERIFY(status->versionsText().contains(QStringLiteral("Keras ") + info.keras));
    QVERIFY(status->versionsText().contains(QStringLiteral("jax")));
    // The palette's catalog is asked for at start-up; the queue empties once it is answered.
    QVERIFY(waitUntil([&] { return status->queueText() == QStringLiteral("Queue: 0"); }));
    QVERIFY(!panel<WorkerBanner>()->isVisible());
}

void TestMainWindow::menusAndToolBarHoldRegisteredActions() {
    ActionRegistry& actions = m_ide.window->actionRegistry();
    QStringList menus;
    QStringList titles;
    for (QAction* entry : m_ide.window->menuBar()->actions()) {
        menus << entry->menu()->objectName();
        titles << entry->text();
    }
    QCOMPARE(menus, (QStringList{ids::fileMenu, ids::editMenu, ids::modelMenu, ids::graphMenu,
                                 ids::viewMenu, ids::workerMenu, ids::helpMenu}));
    QCOMPARE(titles,
             (QStringList{"&File", "&Edit", "&Model", "&Graph", "&View", "&Worker", "&Help"}));

    // Every entry of the menus and of the tool bar is a registered action or menu, found by its
    // id (the recent files, listed in a registered menu, are not actions of their own).
    QList<QWidget*> containers{m_ide.window->findChild<QToolBar*>(QStringLiteral("toolbar-model"))};
    QVERIFY(containers.first());
    for (QAction* entry : m_ide.window->menuBar()->actions())
        containers << entry->menu();
    int entries = 0;
    for (QWidget* container : std::as_const(containers)) {
        for (QAction* action : container->actions()) {
            if (action->isSeparator())
                continue;
            QAction* registered = action->menu()
                                      ? actions.menu(action->menu()->objectName())->menuAction()
                                      : actions.action(action->objectName());
            QVERIFY2(registered == action,
                     qPrintable(container->objectName() + QLatin1String(": ") + action->text()));
            ++entries;
        }
    }
    QVERIFY(entries > actions.ids().size());

    // A window-wide shortcut does one thing: Qt ignores a key that two actions share.
    QHash<QString, QString> owner;
    for (const QString& id : actions.ids()) {
        QAction* action = actions.action(id);
        if (action->shortcutContext() != Qt::WindowShortcut &&
            action->shortcutContext() != Qt::ApplicationShortcut)
            continue;
        for (const QKeySequence& key : action->shortcuts()) {
            const QString text = key.toString();
            QVERIFY2(!owner.contains(text),
                     qPrintable(text + QLatin1String(": ") + owner.value(text) +
                                QLatin1String(" and ") + id));
            owner.insert(text, id);
        }
    }
    QCOMPARE(owner.value(QStringLiteral("F5")), QString::fromLatin1(ids::modelTrain));

    // A toggle in the View menu shows and hides its dock.
    QDockWidget* variables = m_ide.window->docks().dock(DockSlot::Variables);
    QAction* toggle = actions.action(ids::viewVariables);
    QCOMPARE(toggle, variables->toggleViewAction());
    toggle->trigger();
    QVERIFY(variables->isHidden());
    toggle->trigger();
    QVERIFY(!variables->isHidden());
}

void TestMainWindow::consoleRunsOnePlusOne() {
    ConsolePanel* console = panel<ConsolePanel>();
    console->input()->setFocus();
    QTest::keyClicks(console->input(), QStringLiteral("1+1"));
    QTest::keyClick(console->input(), Qt::Key_Return);
    QVERIFY(console->input()->toPlainText().isEmpty());
    QVERIFY(waitUntil([&] {
        return console->transcript()->toPlainText().contains(QStringLiteral(">>> 1+1\n2\n"));
    }));
    // The command is in the monitor too, and the history recalls it.
    QVERIFY(waitForState(QStringLiteral("console-1"), QStringLiteral("succeeded")));
    QTest::keyClick(console->input(), Qt::Key_Up);
    QCOMPARE(console->input()->toPlainText(), QStringLiteral("1+1"));
    console->input()->clear();
}

void TestMainWindow::monitorShowsFailedCommandAndTraceback() {
    QFuture<Value> bad = m_ide.host->session().run(
        QStringLiteral("def ratio(a, b):\n    return a / b\n\nratio(1, 0)"));
    ErrorRecoveryDialog* dialog = waitForDialog();
    QVERIFY(dialog);
    const QString id = dialog->failure().id;
    QVERIFY(waitForState(id, QStringLiteral("failed")));

    QueueMonitorPanel* monitor = panel<QueueMonitorPanel>();
    QVERIFY(monitor->selectCommand(id));
    inspectors::CommandDetailView* detail = monitor->detail();
    QCOMPARE(detail->shownId(), id);
    QVERIFY(detail->outcomeText().contains(QStringLiteral("ZeroDivisionError")));
    QVERIFY(detail->outcomeText().contains(QStringLiteral("return a / b")));
    QCOMPARE(detail->codeView()->code(),
             QStringLiteral("def ratio(a, b):\n    return a / b\n\nratio(1, 0)"));
    QVERIFY(detail->codeView()->markedLine() == 2 || detail->codeView()->markedLine() == 4);
    QVERIFY(panel<WorkerStatusWidget>()->stateText().contains(QStringLiteral("paused on error")));

    // The dialog says the same, with the failing line marked.
    QVERIFY(dialog->summary().contains(QStringLiteral("ZeroDivisionError")));
    QVERIFY(dialog->tracebackText().contains(QStringLiteral("return a / b")));
    QCOMPARE(dialog->codeView()->markedLine(), dialog->failure().lineno);
    QVERIFY(dialog->failure().lineno > 0);
    QTest::mouseClick(dialog->dropButton(), Qt::LeftButton);
    QVERIFY(waitFinished(bad));
    QCOMPARE(errorOf(bad)->state(), CommandState::Failed);
}

// A generated command can be one line of thousands of characters (a search's hypermodel with
// its whole graph): the dialog quotes the start of it, is no wider than for a short line and
// fits on the screen.
void TestMainWindow::longFailedLineKeepsTheDialogOnTheScreen() {
    const auto widthFor = [this](const QString& code) {
        QFuture<Value> bad = m_ide.host->session().run(code);
        ErrorRecoveryDialog* dialog = waitForDialog();
        if (!dialog)
            return -1;
        const int width = dialog->sizeHint().width();
        qk::test::saveScreenshot(dialog, QStringLiteral("error-dialog-long-line"));
        QTest::mouseClick(dialog->dropButton(), Qt::LeftButton);
        const bool closed = waitFinished(bad) &&
                            waitUntil([this] { return !m_ide.window->errorPolicy().openDialog(); });
        return closed ? width : -1;
    };
    const int shortLine = widthFor(QStringLiteral("undefined_thing"));
    const int longLine = widthFor(QStringLiteral("numbers = [%1]; undefined_thing")
                                      .arg(QStringLiteral("1, ").repeated(2000)));
    QVERIFY(shortLine > 0 && longLine > 0);
    const int screen = m_ide.window->screen()->availableGeometry().width();
    QVERIFY2(longLine <= shortLine + 40 && longLine <= screen,
             qPrintable(QStringLiteral("%1 px wide for the long line, %2 for a short one, on a "
                                       "screen of %3")
                            .arg(longLine)
                            .arg(shortLine)
                            .arg(screen)));
}

void TestMainWindow::ignoreRunsTheCommandsBehind() {
    Session& s = m_ide.host->session();
    QFuture<Value> bad = s.run(QStringLiteral("import time\ntime.sleep(0.2)\nundefined_thing"));
    QFuture<Value> behind1 = s.run(QStringLiteral("'first behind'"));
    QFuture<Value> behind2 = s.run(QStringLiteral("'second behind'"));
    ErrorRecoveryDialog* dialog = waitForDialog();
    QVERIFY(dialog);
    QVERIFY2(dialog->summary().contains(QStringLiteral("2 commands wait")),
             qPrintable(dialog->summary()));
    QVERIFY(dialog->summary().contains(QStringLiteral("NameError")));
    QVERIFY(!behind1.isFinished());
    QTest::mouseClick(dialog->ignoreButton(), Qt::LeftButton);
    for (const auto* f : {&bad, &behind1, &behind2})
        QVERIFY(waitFinished(*f));
    QCOMPARE(errorOf(bad)->state(), CommandState::Ignored);
    QCOMPARE(behind1.result(), Value(QStringLiteral("first behind")));
    QCOMPARE(behind2.result(), Value(QStringLiteral("second behind")));
    QVERIFY(waitForState(errorOf(bad)->failure().id, QStringLiteral("ignored")));
    QVERIFY(!m_ide.window->errorPolicy().openDialog());
}

void TestMainWindow::replaceRunsTheEditedCode() {
    Session& s = m_ide.host->session();
    QFuture<Value> bad = s.run(QStringLiteral("base = 40\nbase + missing_offset"));
    QFuture<Value> behind = s.run(QStringLiteral("base * 2"));
    ErrorRecoveryDialog* dialog = waitForDialog();
    QVERIFY(dialog);
    const QString id = dialog->failure().id;
    QTest::mouseClick(dialog->replaceButton(), Qt::LeftButton);
    QVERIFY(dialog->replacementEditor()->isVisible());
    QCOMPARE(dialog->replacementEditor()->toPlainText(),
             QStringLiteral("base = 40\nbase + missing_offset"));
    dialog->replacementEditor()->setPlainText(QStringLiteral("base = 40\nbase + 2"));
    QTest::mouseClick(dialog->runReplacementButton(), Qt::LeftButton);
    QVERIFY(waitFinished(bad));
    QVERIFY(waitFinished(behind));
    QCOMPARE(bad.result(), Value(42));
    QCOMPARE(behind.result(), Value(80));
    QVERIFY(waitForState(id, QStringLiteral("replaced")));
    // The monitor shows "replaced" as soon as the replacement starts; its value follows.
    auto outcome = [this, &id] {
        return panel<QueueMonitorPanel>()->selectCommand(id)
                   ? panel<QueueMonitorPanel>()->detail()->outcomeText()
                   : QString();
    };
    QTRY_VERIFY2(outcome().startsWith(QStringLiteral("42\n")), qPrintable(outcome()));
    QVERIFY2(outcome().contains(QStringLiteral("missing_offset")), qPrintable(outcome()));
}

void TestMainWindow::dropQueueDropsTheCommandsBehind() {
    Session& s = m_ide.host->session();
    QFuture<Value> bad = s.run(QStringLiteral("import time\ntime.sleep(0.2)\nraise "
                                              "RuntimeError('bad batch')"));
    QList<QFuture<Value>> behind;
    for (int i = 0; i < 3; ++i)
        behind << s.run(QStringLiteral("%1").arg(i));
    ErrorRecoveryDialog* dialog = waitForDialog();
    QVERIFY(dialog);
    QVERIFY(dialog->summary().contains(QStringLiteral("3 commands wait")));
    QTest::mouseClick(dialog->dropButton(), Qt::LeftButton);
    QVERIFY(waitFinished(bad));
    QCOMPARE(errorOf(bad)->state(), CommandState::Failed);
    for (const auto& f : behind) {
        QVERIFY(waitFinished(f));
        QCOMPARE(errorOf(f)->state(), CommandState::Dropped);
    }
    QVERIFY(waitUntil([&] { return m_ide.window->commands().openCount() == 0; }));
    m_ide.window->commands().flush();
    QCOMPARE(stateOf(errorOf(bad)->failure().id), QStringLiteral("failed"));
    const int last = m_ide.window->commands().rowCount() - 1;
    for (int row = last - 2; row <= last; ++row)
        QCOMPARE(m_ide.window->commands().index(row, CommandModel::StateColumn).data().toString(),
                 QStringLiteral("dropped"));
    // The worker takes new commands afterwards.
    QFuture<Value> later = s.run(QStringLiteral("'still here'"));
    QVERIFY(waitFinished(later));
    QCOMPARE(later.result(), Value(QStringLiteral("still here")));
}

void TestMainWindow::restOfSessionChoiceSkipsTheDialog() {
    Session& s = m_ide.host->session();
    QFuture<Value> first = s.run(QStringLiteral("first_missing_name"));
    ErrorRecoveryDialog* dialog = waitForDialog();
    QVERIFY(dialog);
    dialog->rememberBox()->setChecked(true);
    QTest::mouseClick(dialog->ignoreButton(), Qt::LeftButton);
    QVERIFY(waitFinished(first));
    QCOMPARE(errorOf(first)->state(), CommandState::Ignored);
    QCOMPARE(m_ide.window->errorPolicy().rememberedChoice(), Decision::Kind::Ignore);

    QSignalSpy opened(&m_ide.window->errorPolicy(), &ErrorRecoveryPolicy::dialogOpened);
    QFuture<Value> second = s.run(QStringLiteral("second_missing_name"));
    QFuture<Value> behind = s.run(QStringLiteral("'ran anyway'"));
    QVERIFY(waitFinished(second));
    QVERIFY(waitFinished(behind));
    QCOMPARE(errorOf(second)->state(), CommandState::Ignored);
    QCOMPARE(behind.result(), Value(QStringLiteral("ran anyway")));
    QCOMPARE(opened.count(), 0);
    QVERIFY(!m_ide.window->errorPolicy().openDialog());
    QVERIFY(waitForState(errorOf(second)->failure().id, QStringLiteral("ignored")));

    m_ide.window->errorPolicy().forgetChoice();
    QFuture<Value> third = s.run(QStringLiteral("third_missing_name"));
    QVERIFY(waitForDialog());
    QTest::mouseClick(m_ide.window->errorPolicy().openDialog()->ignoreButton(), Qt::LeftButton);
    QVERIFY(waitFinished(third));
}

void TestMainWindow::variablesAreListedAndDeleted() {
    VariablesPanel* panel = this->panel<VariablesPanel>();
    QAbstractItemModelTester tester(panel->model(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    QFuture<Value> f = m_ide.host->session().run(QStringLiteral("shown_in_panel = [1, 2, 3]"));
    QVERIFY(waitFinished(f));
    const auto rowOf = [panel](const QString& name) {
        for (int row = 0; row < panel->model()->rowCount(); ++row) {
            if (panel->model()->variable(row).name == name)
                return row;
        }
        return -1;
    };
    QVERIFY(waitUntil([&] { return rowOf(QStringLiteral("shown_in_panel")) >= 0; }));
    const int row = rowOf(QStringLiteral("shown_in_panel"));
    QCOMPARE(panel->model()->variable(row).type, QStringLiteral("list"));
    QCOMPARE(panel->model()->variable(row).repr, QStringLiteral("[1, 2, 3]"));
    panel->view()->selectRow(row);
    panel->deleteSelected();
    QVERIFY(waitUntil([&] { return rowOf(QStringLiteral("shown_in_panel")) < 0; }));
    QFuture<Value> gone =
        m_ide.host->session().run(QStringLiteral("'shown_in_panel' in globals()"));
    QVERIFY(waitFinished(gone));
    QCOMPARE(gone.result(), Value(false));
}

void TestMainWindow::settingsCheckTheEnvironment() {
    m_ide.window->openSettings();
    SettingsDialog* dialog = panel<SettingsDialog>();
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    QTest::mouseClick(dialog->checkButton(), Qt::LeftButton);
    QVERIFY2(waitUntil([&] { return dialog->checkButton()->isEnabled(); }, 60000),
             qPrintable(m_ide.report()));
    const QString report = dialog->reportText();
    QVERIFY2(report.contains(QStringLiteral("keras ") + m_ide.host->workerInfo().keras),
             qPrintable(report));
    QVERIFY2(report.contains(QStringLiteral("numpy ")), qPrintable(report));
    QVERIFY2(report.contains(QStringLiteral("msgpack ")), qPrintable(report));
    QVERIFY2(report.contains(QStringLiteral("Everything the worker needs")), qPrintable(report));

    dialog->pythonEdit()->setText(QStringLiteral("/nonexistent/bin/python3"));
    QTest::mouseClick(dialog->checkButton(), Qt::LeftButton);
    QVERIFY2(waitUntil([&] { return dialog->checkButton()->isEnabled(); }, 60000),
             qPrintable(m_ide.report()));
    QVERIFY2(
        dialog->reportText().contains(QStringLiteral("Could not run /nonexistent/bin/python3")),
        qPrintable(dialog->reportText()));
    QVERIFY2(dialog->reportText().contains(QStringLiteral("setup.sh")),
             qPrintable(dialog->reportText()));

    dialog->backendBox()->setCurrentText(QStringLiteral("torch"));
    dialog->pythonEdit()->setText(QStringLiteral(QTKERAS_TEST_PYTHON));
    QTest::mouseClick(dialog->checkButton(), Qt::LeftButton);
    QVERIFY2(waitUntil([&] { return dialog->checkButton()->isEnabled(); }, 60000),
             qPrintable(m_ide.report()));
    if (!dialog->reportText().contains(QStringLiteral("torch 2")))
        QVERIFY2(dialog->reportText().contains(QStringLiteral("pip install torch")),
                 qPrintable(dialog->reportText()));
    dialog->reject();
}

void TestMainWindow::settingsSetTheAutosaveInterval() {
    const int before = Autosave::defaultIntervalSeconds();
    const qint64 pid = m_ide.host->workerInfo().pid;
    // The dialog just opened (a closed one may wait for its deferred deletion).
    const auto openDialog = [this] {
        m_ide.window->openSettings();
        for (SettingsDialog* d : m_ide.window->findChildren<SettingsDialog*>())
            if (d->isVisible())
                return d;
        return static_cast<SettingsDialog*>(nullptr);
    };
    SettingsDialog* dialog = openDialog();
    QVERIFY(dialog);
    QCOMPARE(dialog->autosaveBox()->value(), before);
    dialog->autosaveBox()->setValue(0);
    QCOMPARE(dialog->autosaveBox()->text(), QStringLiteral("Off"));
    dialog->autosaveBox()->setValue(15);
    dialog->accept();
    // The window autosaves at the new interval, new windows too, and the worker stays.
    QCOMPARE(m_ide.window->project().autosave().intervalSeconds(), 15);
    QCOMPARE(Autosave::defaultIntervalSeconds(), 15);
    QCOMPARE(m_ide.host->workerInfo().pid, pid);

    dialog = openDialog();
    QVERIFY(dialog);
    QCOMPARE(dialog->autosaveBox()->value(), 15);
    dialog->autosaveBox()->setValue(before);
    dialog->accept();
    QCOMPARE(m_ide.window->project().autosave().intervalSeconds(), before);
}

void TestMainWindow::killedWorkerShowsMessageAndRestarts() {
    const qint64 pid = m_ide.host->workerInfo().pid;
    QVERIFY(pid > 0);
    // The project in the window: the worker's death must not touch it.
    Document& document = m_ide.window->document();
    document.addLayer(keras::InputLayer({4}));
    document.addLayer(keras::Dense(8));
    const auto projectSnapshot = [&document] {
        QStringList layers;
        for (const LayerItem& item : document.layers())
            layers << QString::number(item.id) + u' ' + item.layer.expr().source();
        return layers;
    };
    const QStringList projectBefore = projectSnapshot();
    const int undoBefore = document.undoStack()->count();

    QFuture<Value> running = runUntilKilled();
    std::vector<QFuture<Value>> queued;
    for (int i = 0; i < 10; ++i)
        queued.push_back(m_ide.host->session().run(QStringLiteral("%1").arg(i)));
    QVERIFY(waitForSleeper());

    ::kill(static_cast<pid_t>(pid), SIGKILL);
    QVERIFY(waitUntil([&] {
        return running.isFinished() && std::all_of(queued.begin(), queued.end(),
                                                   [](const auto& f) { return f.isFinished(); });
    }));
    QCOMPARE(errorOf(running)->state(), CommandState::Cancelled);
    for (const auto& f : queued) {
        QCOMPARE(errorOf(f)->state(), CommandState::Cancelled);
        QVERIFY(errorOf(f)->reason().contains(QStringLiteral("SIGKILL")));
    }

    WorkerBanner* banner = panel<WorkerBanner>();
    const bool shown = waitUntil([&] { return banner->isVisible(); });
    QVERIFY2(shown, qPrintable(panel<WorkerStatusWidget>()->stateText() + QLatin1Char(' ') +
                               workerStateName(m_ide.host->workerState())));
    QVERIFY2(banner->message().contains(QStringLiteral("The Python worker stopped:")),
             qPrintable(banner->message()));
    QVERIFY2(banner->message().contains(QStringLiteral("SIGKILL")), qPrintable(banner->message()));
    // The window stays usable: no modal dialog holds it.
    QVERIFY(!QApplication::activeModalWidget());

    QVERIFY(panel<ConsolePanel>()->transcript()->toPlainText().contains(
        QStringLiteral("The worker stopped:")));
    // The session starts a new worker by itself; the message says so and stays until the user
    // dismisses it or restarts.
    QVERIFY(waitUntil([&] { return banner->message().contains(QStringLiteral("A new worker")); },
                      60000));
    QVERIFY(banner->isVisible());
    const qint64 replacement = m_ide.host->workerInfo().pid;
    QVERIFY(replacement != pid);
    QCOMPARE(projectSnapshot(), projectBefore);
    QCOMPARE(document.undoStack()->count(), undoBefore);

    QTest::mouseClick(banner->restartButton(), Qt::LeftButton);
    QVERIFY2(waitUntil([&] { return m_ide.host->workerState() == WorkerState::Ready; }, 60000),
             qPrintable(m_ide.report()));
    QVERIFY(!banner->isVisible());
    QVERIFY(waitUntil([&] {
        return panel<WorkerStatusWidget>()->stateText().contains(QStringLiteral("ready")) &&
               !panel<WorkerStatusWidget>()->versionsText().isEmpty();
    }));
    QVERIFY(waitUntil([&] {
        return m_ide.host->workerInfo().pid != pid && m_ide.host->workerInfo().pid != replacement;
    }));
    QFuture<Value> again = m_ide.host->session().run(QStringLiteral("1+1"));
    QVERIFY(waitFinished(again));
    QCOMPARE(again.result(), Value(2));
}

// The deadlines are the point here (issue 6, item 1): after a SIGKILL the open commands fail
// within 1 s, a new worker is ready within 5 s, and meanwhile the GUI thread never stalls for
// 1 s. The figures are printed; bench/ measures them on an idle machine.
void TestMainWindow::killedWorkerMeetsItsDeadlines() {
    QVERIFY2(waitUntil([&] { return m_ide.host->workerState() == WorkerState::Ready; }, 60000),
             qPrintable(m_ide.report()));
    const qint64 pid = m_ide.host->workerInfo().pid;
    QFuture<Value> running = runUntilKilled();
    std::vector<QFuture<Value>> futures{running};
    for (int i = 0; i < 10; ++i)
        futures.push_back(m_ide.host->session().run(QStringLiteral("%1").arg(i)));
    QVERIFY(waitForSleeper());

    // An event-loop probe: how late a 1 ms timer fires while the worker dies and restarts.
    QElapsedTimer clock;
    clock.start();
    qint64 lastTick = 0, worstStall = 0;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(1);
    connect(&probe, &QTimer::timeout, this, [&] {
        const qint64 now = clock.elapsed();
        worstStall = std::max(worstStall, now - lastTick);
        lastTick = now;
    });
    probe.start();
    QElapsedTimer sinceKill;
    sinceKill.start();
    ::kill(static_cast<pid_t>(pid), SIGKILL);
    const bool failed = waitUntil(
        [&] {
            return std::all_of(futures.begin(), futures.end(),
                               [](const auto& f) { return f.isFinished(); });
        },
        1000);
    qInfo("all 11 futures failed %lld ms after SIGKILL", sinceKill.elapsed());
    QVERIFY2(failed, "the open commands did not fail within 1 s of the SIGKILL");
    const bool replaced = waitUntil(
        [&] {
            return m_ide.host->workerState() == WorkerState::Ready &&
                   m_ide.host->workerInfo().pid != pid;
        },
        5000);
    qInfo("a new worker was ready %lld ms after SIGKILL", sinceKill.elapsed());
    QVERIFY2(replaced, "no new worker was ready within 5 s of the SIGKILL");
    probe.stop();
    qInfo("largest GUI-thread stall from the kill to the new worker: %lld ms", worstStall);
    QVERIFY2(worstStall < 1000, "the GUI thread froze while the worker died and restarted");
}

void TestMainWindow::layoutIsRestored() {
    QDockWidget* variables = m_ide.window->docks().dock(DockSlot::Variables);
    QVERIFY(variables && variables->isVisible());
    variables->hide();
    m_ide.window->close(); // saves the layout
    MainWindow second(*m_ide.host);
    second.show();
    QVERIFY(QTest::qWaitForWindowExposed(&second));
    QVERIFY(!second.docks().dock(DockSlot::Variables)->isVisible());
    QVERIFY(second.docks().dock(DockSlot::Queue)->isVisible());
    QVERIFY(second.docks().dock(DockSlot::Console)->isVisible());
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
