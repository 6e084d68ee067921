// SPDX-License-Identifier: GPL-3.0-or-later
// Issue 14: the IDE as a daily tool, driven as a user drives it (the real window, the real
// worker, real Keras): runs that always end, dialogs that leave the keyboard alone, text from
// the worker without terminal codes, data that does not fit the model, legends that keep
// every run's name, and the rest of the issue's defects, one test (or more) each.
#include "app/actionids.h"
#include "app/actionregistry.h"
#include "app/console.h"
#include "app/consolepanel.h"
#include "app/datapanel.h"
#include "app/document.h"
#include "app/errorrecoverydialog.h"
#include "app/errorrecoverypolicy.h"
#include "app/layermodel.h"
#include "app/mainwindow.h"
#include "app/modelbuilder.h"
#include "app/parametereditor.h"
#include "app/projectactions.h"
#include "app/propertiespanel.h"
#include "app/queuemonitorpanel.h"
#include "app/sessionhost.h"
#include "app/shapechecker.h"
#include "app/trainingcontroller.h"
#include "app/trainingsettingspanel.h"
#include "app/workspace.h"
#include "bridge/keras/layers.h"
#include "bridge/keras/traininghistory.h"
#include "inspectors/codeview.h"
#include "inspectors/commanddetailview.h"
#include "inspectors/commandmodel.h"
#include "inspectors/metricchart.h"
#include "inspectors/traininghistoryview.h"
#include "inspectors/trainingrunmodel.h"
#include "support/idefixture.h"
#include "support/testsupport.h"

#include <QAbstractItemView>
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QGraphicsTextItem>
#include <QHeaderView>
#include <QImage>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollBar>
#include <QSettings>
#include <QTemporaryDir>
#include <QTextDocument>
#include <QTimer>
#include <QTreeView>
#include <QUndoStack>
#include <QValueAxis>
#include <QtTest>

#include <algorithm>
#include <csignal>

using namespace qk;
using namespace qk::app;
using qk::inspectors::TrainingRunModel;
using qk::test::waitFinished;
using qk::test::waitUntil;

class TestDailyUse : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void cleanup();

    // 1. Every run ends as finished, stopped, failed or lost, with the reason, at once.
    void failedFitEndsTheRunAtOnce();
    void killedWorkerEndsTheRunAsLost();
    void stopBeforeTheFitRunsStopsIt();

    // 2. The error dialog neither takes the keyboard nor decides on Enter or Escape.
    void errorDialogLeavesTheKeyboardAlone();

    // 3. Terminal escape codes from the worker are rendered or stripped wherever text shows.
    void terminalCodesAreNeverShownRaw();

    // 4. A model whose input or output does not fit the data is flagged before training.
    void dataThatDoesNotFitIsFlaggedBeforeTraining();

    // 5. With three runs and more, every chart's legend (and its export) names every run.
    void legendsNameEveryRun();

    // At 1280x800 the runs list and the queue's code pane show their content without
    // scrolling sideways.
    void smallWindowShowsRunsAndCodeWithoutScrolling();

    // 6. Selection and Properties follow undo and redo; Delete acts on what is selected.
    void selectionFollowsUndoAndRedo();

    // 7. Run names stay unique and colours stay the same across save and open.
    void runNamesAndColoursSurviveReopening();

    // 10. The Data panel says when a file has no rows or a column is left out, and can
    // one-hot encode text columns.
    void csvWithoutRowsIsRefusedWithTheReason();
    void columnsLeftOutAreNamedAndTextCanBeEncoded();

    // 11. Small things a user notices.
    void fractionInAnIntegerArgumentIsRefused();
    void choiceListsDoNotLookDisabled();
    void zoomingOutNeverShowsNegativeEpochs();
    void interruptIsNoErrorToDecideAbout();
    void timeLeftFollowsTheTypicalEpoch();

    // 12. Export says what it needs before asking for a file, completes the name, and scores
    // the test rows; a project named on the command line is opened.
    void exportSaysWhatItNeedsAndScoresTheTestRows();
    void projectOnTheCommandLineIsOpened();

    // 8. The dialog counts the commands that wait behind the failure, also those sent later.
    void waitingCountFollowsNewCommands();
    // 9. The queue shows how long a command ran apart from how long it waited for a decision.
    void durationExcludesTheWaitForADecision();

private:
    template <typename Panel>
    Panel* panel() const {
        return m_ide.window->findChild<Panel*>();
    }
    Document& document() const { return m_ide.window->document(); }
    TrainingController& trainer() const { return m_ide.window->workspace().trainer(); }
    inspectors::TrainingHistoryView& history() const {
        return *m_ide.window->workspace().historyView();
    }
    TrainingRunModel& runs() const { return history().runs(); }
    QString status(int row) const {
        return runs().index(row, TrainingRunModel::StatusColumn).data().toString();
    }
    QString statusTip(int row) const {
        return runs().index(row, TrainingRunModel::StatusColumn).data(Qt::ToolTipRole).toString();
    }
    QLabel* progressText() const {
        return history().findChild<QLabel*>(QStringLiteral("progressText"));
    }
    QPushButton* stopButton() const {
        return history().findChild<QPushButton*>(QStringLiteral("stop"));
    }
    // The iris network: 4 inputs, 3 classes.
    void useIrisNetwork();
    void setTraining(int epochs, int batchSize = 16);
    QString writeCsv(const QString& name, const QString& text);
    ErrorRecoveryDialog* waitForDialog() const;
    // Runs code in the console and waits until it has settled.
    bool runInConsole(const QString& code) const { return m_ide.runInConsole(code); }
    void train();
    // A run to look at: those of the tests before, or else the iris network trained for
    // `epochs`; false when that training does not end.
    bool haveARun(int epochs);
    // Whether the training ends within two minutes; if not, what the queue, the worker and
    // the console were doing, in the test's output.
    bool trainingEnds();
    // With QTKERAS_SCREENSHOT_DIR set, the widget as drawn, for a person to look at.
    static void screenshot(QWidget* widget, const QString& name) {
        qk::test::saveScreenshot(widget, name);
    }

    qk::test::IdeFixture m_ide;
    QTemporaryDir m_dir;
};

void TestDailyUse::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_ide.start(QSize(1600, 1000));
}

void TestDailyUse::cleanupTestCase() {
    m_ide.stop();
}

void TestDailyUse::init() {
    // Each test starts from a worker that waits for nothing.
    QVERIFY(waitUntil([this] { return !m_ide.window->errorPolicy().openDialog(); }));
    QVERIFY2(waitUntil([this] { return !trainer().isRunning(); }, 60000),
             qPrintable(m_ide.report()));
    QVERIFY2(waitFinished(m_ide.host->session().ready(), 60000), qPrintable(m_ide.report()));
}

void TestDailyUse::cleanup() {
    // A test that failed half-way leaves nothing behind: no dialog waits, no run trains.
    waitUntil(
        [this] {
            if (ErrorRecoveryDialog* dialog = m_ide.window->errorPolicy().openDialog())
                dialog->ignoreButton()->click();
            if (trainer().isRunning())
                trainer().stop();
            return !trainer().isRunning() && !m_ide.window->errorPolicy().openDialog();
        },
        60000);
}

void TestDailyUse::useIrisNetwork() {
    Document& doc = document();
    QList<int> ids;
    for (const LayerItem& item : doc.layers())
        ids << item.id;
    if (!ids.isEmpty())
        doc.removeLayers(ids);
    doc.addLayer(keras::InputLayer({4}));
    doc.addLayer(keras::Dense(8));
    doc.addLayer(keras::Activation("relu"));
    doc.addLayer(keras::Dense(3));
    doc.addLayer(keras::Activation("softmax"));
    DataSource iris;
    if (doc.dataSource() != iris)
        doc.setDataSource(iris);
    QVERIFY2(waitUntil([this] { return m_ide.window->workspace().shapes().isUpToDate(); }, 60000),
             qPrintable(m_ide.report()));
}

void TestDailyUse::setTraining(int epochs, int batchSize) {
    TrainingSettings settings = document().trainingSettings();
    settings.epochs = epochs;
    settings.batchSize = batchSize;
    document().setTrainingSettings(settings);
}

bool TestDailyUse::haveARun(int epochs) {
    if (runs().rowCount() > 0)
        return true;
    useIrisNetwork();
    setTraining(epochs);
    train();
    return trainingEnds();
}

bool TestDailyUse::trainingEnds() {
    if (waitUntil([this] { return !trainer().isRunning(); }, 120000))
        return true;
    inspectors::CommandModel& commands = m_ide.window->commands();
    commands.flush();
    // The last commands, and every one that failed (the queue waits on a failure).
    for (int row = 0; row < commands.rowCount(); ++row) {
        const CommandInfo info = commands.info(row);
        if (row < commands.rowCount() - 8 && info.state != CommandState::Failed)
            continue;
        qWarning("command %s %s: %s", qPrintable(info.id), qPrintable(stateName(info.state)),
                 qPrintable(info.shownCode().left(300)));
        if (!info.error.isEmpty())
            qWarning("  %s", qPrintable(info.error.left(300)));
    }
    if (ErrorRecoveryDialog* dialog = m_ide.window->errorPolicy().openDialog())
        qWarning("an error dialog is open: %s", qPrintable(dialog->summary()));
    qWarning("worker: %s", qPrintable(workerStateName(m_ide.host->workerState())));
    qWarning("console: %s",
             qPrintable(panel<ConsolePanel>()->transcript()->toPlainText().right(800)));
    return false;
}

QString TestDailyUse::writeCsv(const QString& name, const QString& text) {
    const QString path = m_dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {};
    file.write(text.toUtf8());
    return path;
}

ErrorRecoveryDialog* TestDailyUse::waitForDialog() const {
    waitUntil([this] { return m_ide.window->errorPolicy().openDialog() != nullptr; }, 60000);
    return m_ide.window->errorPolicy().openDialog();
}

void TestDailyUse::train() {
    QAction* action = m_ide.window->actionRegistry().action(ids::modelTrain);
    QVERIFY(action->isEnabled());
    action->trigger();
    QVERIFY(trainer().isRunning());
}

// A fit that raises (data with 2 features for a model with 4 inputs) ends its run as failed
// as soon as the worker reports it, before anyone decides about the error: the clock stops,
// Stop is off, a later run takes the header, and the project keeps it as failed.
void TestDailyUse::failedFitEndsTheRunAtOnce() {
    useIrisNetwork();
    setTraining(5);
    QString csv = QStringLiteral("a,b,label\n");
    for (int i = 0; i < 30; ++i)
        csv += QStringLiteral("%1,%2,%3\n").arg(i).arg(i % 7).arg(i % 3 == 0 ? "x" : "y");
    DataSource narrow;
    narrow.kind = DataSource::Kind::Csv;
    narrow.csvPath = writeCsv(QStringLiteral("narrow.csv"), csv);
    narrow.label = QStringLiteral("label");
    document().setDataSource(narrow);

    train();
    const int row = runs().rowCount() - 1;
    ErrorRecoveryDialog* dialog = waitForDialog();
    QVERIFY(dialog);
    // The dialog reads as plain Keras: the model's own fit on the data's variables, the line
    // that failed marked; the worker's helpers are only in what the replacement edits.
    const QString shown = dialog->codeView()->code();
    static const QRegularExpression fitCall(
        QStringLiteral("^model_\\w+\\.fit\\(x_train_\\w+, y_train_\\w+, epochs=5, "),
        QRegularExpression::MultilineOption);
    QVERIFY2(fitCall.match(shown).hasMatch(), qPrintable(shown));
    static const QRegularExpression helper(QStringLiteral("\\bqk\\."));
    QVERIFY2(!shown.contains(helper), qPrintable(shown));
    const int marked = dialog->codeView()->markedLine();
    QVERIFY2(marked > 0, qPrintable(shown));
    QVERIFY2(fitCall.match(shown.section(u'\n', marked - 1, marked - 1)).hasMatch(),
             qPrintable(shown));
    QVERIFY(dialog->replacementEditor()->code().contains(QStringLiteral("qk.fit(")));
    // Ended while the dialog still asks.
    QTRY_COMPARE(status(row), QStringLiteral("failed"));
    QVERIFY2(statusTip(row).contains(QStringLiteral("ValueError")), qPrintable(statusTip(row)));
    QTRY_VERIFY2(progressText()->text().contains(QStringLiteral("failed")),
                 qPrintable(progressText()->text()));
    screenshot(m_ide.window.get(), QStringLiteral("failed-run"));
    QVERIFY(!progressText()->text().contains(QStringLiteral("left")));
    QVERIFY(!stopButton()->isEnabled());
    QCOMPARE(stopButton()->text(), QStringLiteral("Stop"));
    QTest::mouseClick(dialog->ignoreButton(), Qt::LeftButton);
    QVERIFY(waitUntil([this] { return !trainer().isRunning(); }));

    // The clock of the failed run stands still while the worker does other things.
    const double elapsed = runs().elapsedSeconds(row);
    QVERIFY(runInConsole(QStringLiteral("import time\ntime.sleep(0.3)")));
    QCOMPARE(runs().elapsedSeconds(row), elapsed);

    // The next run is the one the header follows.
    document().setDataSource(DataSource());
    setTraining(2);
    train();
    QVERIFY(trainingEnds());
    QCOMPARE(status(row + 1), QStringLiteral("finished"));
    QTRY_VERIFY2(
        progressText()->text().startsWith(runs().name(row + 1) + QStringLiteral(" finished")),
        qPrintable(progressText()->text()));

    // Saved and opened again, the failed run is still failed, with its reason.
    const QString path = m_dir.filePath(QStringLiteral("failed.qtkeras"));
    QString error;
    QVERIFY2(m_ide.window->project().saveAs(path, &error), qPrintable(error));
    QVERIFY2(m_ide.window->project().open(path, &error), qPrintable(error));
    QCOMPARE(status(row), QStringLiteral("failed"));
    QVERIFY2(statusTip(row).contains(QStringLiteral("ValueError")), qPrintable(statusTip(row)));
    QCOMPARE(status(row + 1), QStringLiteral("finished"));
}

// A worker killed in the middle of a run: the run ends as lost, with how the worker ended,
// and the Stop button does not wait for it.
void TestDailyUse::killedWorkerEndsTheRunAsLost() {
    useIrisNetwork();
    setTraining(100000, 8);
    train();
    const std::shared_ptr<keras::TrainingHistory> run = trainer().history();
    const int row = runs().rowCount() - 1;
    QVERIFY2(waitUntil([&] { return run->epochCount() >= 2; }, 120000), qPrintable(m_ide.report()));
    QVERIFY(stopButton()->isEnabled());
    const qint64 pid = m_ide.host->workerInfo().pid;
    QVERIFY(pid > 0);
    ::kill(static_cast<pid_t>(pid), SIGKILL);

    QTRY_VERIFY2_WITH_TIMEOUT(status(row).startsWith(QStringLiteral("lost")),
                              qPrintable(status(row)), 10000);
    QVERIFY2(statusTip(row).contains(QStringLiteral("SIGKILL")), qPrintable(statusTip(row)));
    QTRY_VERIFY(!trainer().isRunning());
    QTRY_VERIFY(!stopButton()->isEnabled());
    QCOMPARE(stopButton()->text(), QStringLiteral("Stop"));
    QTRY_VERIFY2(progressText()->text().contains(QStringLiteral("lost")),
                 qPrintable(progressText()->text()));
    QVERIFY(!progressText()->text().contains(QStringLiteral("left")));
    QVERIFY2(waitUntil([this] { return m_ide.host->workerState() == WorkerState::Ready; }, 60000),
             qPrintable(m_ide.report()));
}

// Stop pressed while the run still waits for the commands before its fit: the fit stops
// after its first batch rather than training every epoch under a "Stopping…" button.
void TestDailyUse::stopBeforeTheFitRunsStopsIt() {
    useIrisNetwork();
    setTraining(100000, 8);
    qk::test::Gate gate;
    const QString held = m_ide.window->console().execute(gate.code(QStringLiteral("None")));
    QVERIFY(waitUntil([&] {
        const int at = m_ide.window->commands().rowOf(held);
        return at >= 0 && m_ide.window->commands().info(at).state == CommandState::Running;
    }));
    train();
    const std::shared_ptr<keras::TrainingHistory> run = trainer().history();
    QTRY_VERIFY(stopButton()->isEnabled());
    QTest::mouseClick(stopButton(), Qt::LeftButton);
    QCOMPARE(stopButton()->text(), QStringLiteral("Stopping…"));
    gate.open();
    QVERIFY2(waitUntil([&] { return run->isFinished(); }, 120000), qPrintable(m_ide.report()));
    QVERIFY2(status(runs().rowCount() - 1).startsWith(QStringLiteral("stopped")),
             qPrintable(status(runs().rowCount() - 1)));
    QVERIFY2(run->epochCount() <= 2, qPrintable(QString::number(run->epochCount())));
    QTRY_COMPARE(stopButton()->text(), QStringLiteral("Stop"));
}

// The user types in the console; a command fails. The dialog shows, but the keys typed next
// still go to the console, Enter runs the console's line, and inside the dialog neither
// Enter nor Escape discards anything: only a click on a decision does.
void TestDailyUse::errorDialogLeavesTheKeyboardAlone() {
    auto* console = panel<ConsolePanel>();
    QPlainTextEdit* input = console->input();
    m_ide.window->activateWindow();
    input->setFocus(Qt::OtherFocusReason);
    QTRY_COMPARE(QApplication::focusWidget(), input);

    QTest::keyClicks(QApplication::focusWidget(), QStringLiteral("1 / 0"));
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Return);
    ErrorRecoveryDialog* dialog = waitForDialog();
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    // Once the window system has had its say, the keyboard is still in the console.
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    QTRY_COMPARE(QApplication::activeWindow(), m_ide.window.get());
    QCOMPARE(QApplication::focusWidget(), input);

    // A line typed right after the error lands in the console, and Enter runs it there.
    QTest::keyClicks(QApplication::focusWidget(), QStringLiteral("after_error = 41 + 1"));
    QCOMPARE(input->toPlainText(), QStringLiteral("after_error = 41 + 1"));
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Return);
    QVERIFY(input->toPlainText().isEmpty());
    QCOMPARE(m_ide.window->errorPolicy().openDialog(), dialog);

    // Inside the dialog, Enter and Escape decide nothing.
    dialog->activateWindow();
    QTRY_COMPARE(QApplication::activeWindow(), dialog);
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Return);
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Escape);
    QCOMPARE(m_ide.window->errorPolicy().openDialog(), dialog);
    QVERIFY(dialog->isVisible());

    QTest::mouseClick(dialog->ignoreButton(), Qt::LeftButton);
    QVERIFY(waitUntil([this] { return m_ide.window->errorPolicy().openDialog() == nullptr; }));
    // The line typed during the dialog ran: its name holds 42. (Where the ignored error's
    // traceback lands among the lines after it is another matter.)
    QVERIFY(runInConsole(QStringLiteral("after_error")));
    const auto shown42 = [console] {
        const QString text = console->transcript()->toPlainText();
        const qsizetype asked = text.lastIndexOf(QStringLiteral(">>> after_error\n"));
        return asked >= 0 && text.indexOf(QStringLiteral("\n42\n"), asked) > asked;
    };
    QTRY_VERIFY2(shown42(), qPrintable(console->transcript()->toPlainText().right(300)));
}

// Keras formats some messages for a terminal (bold with ESC [1m); a program may print in
// colour. The console renders bold and colours; the dialog, the queue and the console's
// traceback show the plain text.
void TestDailyUse::terminalCodesAreNeverShownRaw() {
    const QChar esc(0x1b);
    auto* console = panel<ConsolePanel>();
    console->clearTranscript();
    QVERIFY(runInConsole(
        QStringLiteral("print('\\x1b[1mbold\\x1b[0m and \\x1b[31mred\\x1b[0m plain')")));
    const QString transcript = console->transcript()->toPlainText();
    QVERIFY2(!transcript.contains(esc), qPrintable(transcript));
    QVERIFY2(transcript.contains(QStringLiteral("bold and red plain")), qPrintable(transcript));
    // "bold" is drawn bold, "red" in red.
    QTextDocument* text = console->transcript()->document();
    const QTextCursor line = text->find(QStringLiteral("bold and red plain"));
    QVERIFY(!line.isNull());
    // The format of the word's first character, in the output line (not the input's echo).
    const auto formatAt = [text, &line](const QString& word) {
        QTextCursor at(text);
        at.setPosition(line.selectionStart() +
                       static_cast<int>(QStringLiteral("bold and red plain").indexOf(word)) + 1);
        return at.charFormat();
    };
    QCOMPARE(formatAt(QStringLiteral("bold")).fontWeight(), int(QFont::Bold));
    QVERIFY(formatAt(QStringLiteral("red")).foreground().color().red() > 150);
    QVERIFY(formatAt(QStringLiteral("red")).foreground().color().green() < 100);

    // A real Keras error: a layer called on the wrong shape (Keras writes it for a terminal).
    const QString id = m_ide.window->console().execute(
        QStringLiteral("import keras, numpy as np\n"
                       "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])\n"
                       "model(np.zeros((2, 2)))"));
    ErrorRecoveryDialog* dialog = waitForDialog();
    QVERIFY(dialog);
    QVERIFY2(!dialog->summary().contains(esc), qPrintable(dialog->summary()));
    QVERIFY2(!dialog->tracebackText().contains(esc), qPrintable(dialog->tracebackText()));
    m_ide.window->commands().flush();
    const int row = m_ide.window->commands().rowOf(id);
    QVERIFY(row >= 0);
    const QString error = m_ide.window->commands()
                              .index(row, inspectors::CommandModel::ResultColumn)
                              .data()
                              .toString();
    QVERIFY2(!error.isEmpty() && !error.contains(esc), qPrintable(error));
    QTest::mouseClick(dialog->ignoreButton(), Qt::LeftButton);
    QVERIFY(waitUntil(
        [&] { return inspectors::CommandModel::isSettled(m_ide.window->commands().info(row)); }));
    QTRY_VERIFY(console->transcript()->toPlainText().contains(QStringLiteral("ValueError")));
    QVERIFY2(!console->transcript()->toPlainText().contains(esc),
             qPrintable(console->transcript()->toPlainText().right(800)));
}

// The iris network (4 inputs, 3 classes) with data of 2 features and 2 classes: the input's
// card and the output's card say so, and so does the Training panel, before any fit.
void TestDailyUse::dataThatDoesNotFitIsFlaggedBeforeTraining() {
    useIrisNetwork();
    const auto warnings = [this] {
        QStringList texts;
        for (QLabel* label : panel<TrainingSettingsPanel>()->findChildren<QLabel*>()) {
            if (label->isVisible() && !label->text().isEmpty())
                texts << label->text();
        }
        return texts.join(u'\n');
    };
    LayerModel* layers = m_ide.window->workspace().builder()->model();
    const auto cardTip = [layers](int row) {
        return layers->index(row, 0).data(Qt::ToolTipRole).toString();
    };
    QVERIFY2(!warnings().contains(QStringLiteral("features")), qPrintable(warnings()));
    QVERIFY2(!cardTip(0).contains(QStringLiteral("features")), qPrintable(cardTip(0)));

    QString csv = QStringLiteral("a,b,label\n");
    for (int i = 0; i < 30; ++i)
        csv += QStringLiteral("%1,%2,%3\n").arg(i).arg(i % 7).arg(i % 3 == 0 ? "x" : "y");
    QVERIFY(panel<DataPanel>()->openCsv(writeCsv(QStringLiteral("two.csv"), csv)));
    QCOMPARE(document().dataSource().label, QStringLiteral("label"));
    const int last = layers->rowCount() - 1;
    QTRY_VERIFY2(cardTip(0).contains(QStringLiteral("2 features")), qPrintable(cardTip(0)));
    QVERIFY2(cardTip(0).contains(QStringLiteral("4")), qPrintable(cardTip(0)));
    QTRY_VERIFY2(cardTip(last).contains(QStringLiteral("2 classes")), qPrintable(cardTip(last)));
    QTRY_VERIFY2(warnings().contains(QStringLiteral("2 features")), qPrintable(warnings()));
    QVERIFY2(warnings().contains(QStringLiteral("2 classes")), qPrintable(warnings()));
    screenshot(m_ide.window.get(), QStringLiteral("data-does-not-fit"));

    // Fixed in the builder, the warnings go.
    document().setLayerArgument(document().layerAt(0).id, QStringLiteral("shape"),
                                keras::Argument(Value::tuple({Value(2)})));
    document().setLayerArgument(document().layerAt(3).id, QStringLiteral("units"),
                                keras::Argument(2));
    QTRY_VERIFY2(!cardTip(0).contains(QStringLiteral("features")), qPrintable(cardTip(0)));
    QTRY_VERIFY2(!cardTip(last).contains(QStringLiteral("classes")), qPrintable(cardTip(last)));
    QTRY_VERIFY2(!warnings().contains(QStringLiteral("features")), qPrintable(warnings()));
    document().setDataSource(DataSource());
}

namespace {

// Whether the chart shows `label` in full, as text in its scene inside the view.
bool showsText(inspectors::MetricChart* chart, const QString& label) {
    const QRectF visible = chart->mapToScene(chart->viewport()->rect()).boundingRect();
    for (QGraphicsItem* item : chart->scene()->items()) {
        QString text;
        if (auto* simple = dynamic_cast<QGraphicsSimpleTextItem*>(item))
            text = simple->text();
        else if (auto* rich = dynamic_cast<QGraphicsTextItem*>(item))
            text = rich->toPlainText();
        if (text == label && item->isVisible() &&
            visible.contains(item->sceneBoundingRect().adjusted(1, 1, -1, -1)))
            return true;
    }
    return false;
}

} // namespace

void TestDailyUse::legendsNameEveryRun() {
    useIrisNetwork();
    TrainingSettings settings = document().trainingSettings();
    settings.epochs = 3;
    settings.batchSize = 16;
    settings.validationSplit = 0.2;
    document().setTrainingSettings(settings);
    runs().removeRows(0, runs().rowCount());
    for (int i = 0; i < 3; ++i) {
        train();
        QVERIFY(trainingEnds());
    }
    QCOMPARE(runs().rowCount(), 3);
    QStringList names;
    for (int row = 0; row < runs().rowCount(); ++row)
        names << runs().name(row);

    for (const QSize size : {QSize(1600, 1000), QSize(1280, 800)}) {
        m_ide.window->resize(size);
        history().redrawNow();
        const QList<inspectors::MetricChart*> charts = history().charts();
        QVERIFY(charts.size() >= 2);
        for (inspectors::MetricChart* chart : charts) {
            for (const QString& name : names)
                QTRY_VERIFY2(showsText(chart, name),
                             qPrintable(QStringLiteral("%1 at %2x%3: %4 not shown in full")
                                            .arg(chart->metricName())
                                            .arg(size.width())
                                            .arg(size.height())
                                            .arg(name)));
        }
        const QString png = m_dir.filePath(QStringLiteral("charts-%1.png").arg(size.width()));
        QString error;
        QVERIFY2(history().exportPng(png, &error), qPrintable(error));
        QVERIFY(!QImage(png).isNull());
        screenshot(m_ide.window.get(), QStringLiteral("legends-%1").arg(size.width()));
    }
    m_ide.window->resize(1600, 1000);
    settings.validationSplit = 0;
    document().setTrainingSettings(settings);
}

// The runs of the test before (or one of its own) in a 1280x800 window: the runs list keeps
// the name and status whole and leaves out, rather than scroll to, what does not fit (the name's
// tooltip still says it); the queue's code pane wraps the fit's long line.
void TestDailyUse::smallWindowShowsRunsAndCodeWithoutScrolling() {
    QVERIFY(haveARun(2));
    auto* tree = history().findChild<QTreeView*>(QStringLiteral("runs"));
    QVERIFY(tree);
    const QAbstractItemView* list = tree;
    QHeaderView* header = tree->header();
    const auto whole = [&](int column) {
        return !header->isSectionHidden(column) &&
               header->sectionSize(column) >= list->sizeHintForColumn(column);
    };
    for (const QSize size : {QSize(1280, 800), QSize(1600, 1000)}) {
        m_ide.window->resize(size);
        const QString where = QStringLiteral("%1x%2").arg(size.width()).arg(size.height());
        QTRY_VERIFY2(list->horizontalScrollBar()->maximum() == 0,
                     qPrintable(where + QStringLiteral(": the runs list scrolls sideways")));
        QVERIFY2(whole(TrainingRunModel::NameColumn), qPrintable(where));
        QVERIFY2(whole(TrainingRunModel::StatusColumn), qPrintable(where));
        const QString tip =
            runs().index(0, TrainingRunModel::NameColumn).data(Qt::ToolTipRole).toString();
        QVERIFY2(tip.contains(status(0)), qPrintable(tip));
        // The builder's header: title, shape status and total side by side, apart.
        const ModelBuilder* builder = m_ide.window->workspace().builder();
        const QRect title = builder->titleLabel()->geometry();
        const StatusLabel* status = builder->statusLabel();
        const QRect shapes = status->geometry();
        const QRect total = builder->totalLabel()->geometry();
        QVERIFY2(shapes.left() - title.right() >= 8 && total.left() - shapes.right() >= 8,
                 qPrintable(QStringLiteral("%1: title ends at %2, status spans %3..%4, total "
                                           "starts at %5")
                                .arg(where)
                                .arg(title.right())
                                .arg(shapes.left())
                                .arg(shapes.right())
                                .arg(total.left())));
        // The status fits its room: whole, or cut short with "…" and whole in its tool tip.
        QVERIFY2(status->fontMetrics().horizontalAdvance(status->text()) <=
                     status->contentsRect().width(),
                 qPrintable(where + QStringLiteral(": '") + status->text() +
                            QStringLiteral("' is wider than its label")));
        QVERIFY2(status->text() == status->status() || (status->text().endsWith(QChar(0x2026)) &&
                                                        status->toolTip() == status->status()),
                 qPrintable(status->text()));
    }

    m_ide.window->resize(1280, 800);
    auto& commands = m_ide.window->commands();
    commands.flush();
    QString fit;
    for (int row = commands.rowCount() - 1; row >= 0 && fit.isEmpty(); --row) {
        if (commands.info(row).id.startsWith(QStringLiteral("fit-")))
            fit = commands.info(row).id;
    }
    QVERIFY2(!fit.isEmpty(), "no fit command in the queue");
    // The queue lists it as the Keras call it is.
    const QModelIndex fitCode =
        commands.index(commands.rowOf(fit), inspectors::CommandModel::CodeColumn);
    QVERIFY2(fitCode.data().toString().startsWith(QStringLiteral("model_")) &&
                 fitCode.data().toString().contains(QStringLiteral(".fit(x_train_")),
             qPrintable(fitCode.data().toString()));
    m_ide.window->showCommand(fit);
    auto* queue = panel<QueueMonitorPanel>();
    auto* code = queue->detail()->findChild<inspectors::CodeView*>();
    QVERIFY(code);
    QTRY_VERIFY(code->isVisible());
    QTRY_VERIFY(code->toPlainText().contains(QStringLiteral("fit(")));
    int widest = 0;
    for (const QString& line : code->toPlainText().split(QLatin1Char('\n')))
        widest = std::max(widest, code->fontMetrics().horizontalAdvance(line));
    QVERIFY2(widest > code->viewport()->width(),
             "the fit's line is narrower than the pane: nothing to wrap");
    QTRY_COMPARE(code->horizontalScrollBar()->maximum(), 0);
    history().redrawNow(); // the picture shows the run as drawn 33 ms later
    screenshot(m_ide.window.get(), QStringLiteral("window-1280x800"));
    m_ide.window->resize(1600, 1000);
}

// Delete a layer (the Delete key), undo, redo (the Edit menu's actions): each time the layer that
// Properties shows is the one drawn selected, and the next Delete removes exactly that one.
void TestDailyUse::selectionFollowsUndoAndRedo() {
    useIrisNetwork();
    ModelBuilder* builder = m_ide.window->workspace().builder();
    QListView* view = builder->view();
    PropertiesPanel* properties = m_ide.window->workspace().properties();
    const auto shownId = [&] {
        const QModelIndexList rows = view->selectionModel()->selectedRows();
        return rows.size() == 1 ? builder->model()->layerId(rows.front()) : 0;
    };
    const auto consistent = [&] {
        const int id = shownId();
        return id != 0 && id == builder->currentLayerId() && properties->layerId() == id;
    };
    const int dense = document().layerAt(1).id;
    // Delete is a shortcut of the builder: the window has the keyboard.
    m_ide.window->activateWindow();
    QTRY_COMPARE(QApplication::activeWindow(), m_ide.window.get());
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {},
                      view->visualRect(builder->model()->indexOfLayer(dense)).center());
    QVERIFY(consistent());
    QCOMPARE(shownId(), dense);
    view->setFocus();
    QTest::keyClick(view, Qt::Key_Delete);
    QCOMPARE(document().indexOf(dense), -1);
    QVERIFY2(consistent(), "after Delete");

    QAction* undo = m_ide.window->actionRegistry().action(ids::editUndo);
    QAction* redo = m_ide.window->actionRegistry().action(ids::editRedo);
    undo->trigger();
    QCOMPARE(document().indexOf(dense), 1);
    QVERIFY2(consistent(), "after undo");
    QCOMPARE(shownId(), dense);
    redo->trigger();
    QCOMPARE(document().indexOf(dense), -1);
    QVERIFY2(consistent(), "after redo");
    const int visible = shownId();
    screenshot(builder, QStringLiteral("selection-after-redo"));

    // Delete removes the layer drawn selected, and only that one.
    const int before = document().layerCount();
    QTest::keyClick(view, Qt::Key_Delete);
    QCOMPARE(document().layerCount(), before - 1);
    QCOMPARE(document().indexOf(visible), -1);
    QVERIFY2(consistent(), "after the second Delete");
    undo->trigger();
    undo->trigger();
    QCOMPARE(document().indexOf(dense), 1);
}

// A project trained in one window (runs 1 and 2, the first removed) and opened in a new
// window, as after a restart: run 2 keeps its colour, and the next run is neither called
// "run 2" nor drawn in run 2's colour.
void TestDailyUse::runNamesAndColoursSurviveReopening() {
    const QString path = m_dir.filePath(QStringLiteral("runs.qtkeras"));
    QString error;
    QColor keptColour;
    QString keptName;
    {
        std::unique_ptr<MainWindow> first = m_ide.newWindow(QSize(1280, 800));
        Document& doc = first->document();
        doc.addLayer(keras::InputLayer({4}));
        doc.addLayer(keras::Dense(3));
        doc.addLayer(keras::Activation("softmax"));
        TrainingSettings settings;
        settings.epochs = 2;
        doc.setTrainingSettings(settings);
        TrainingController& firstTrainer = first->workspace().trainer();
        QVERIFY2(waitUntil([&] { return first->workspace().shapes().isUpToDate(); }, 60000),
                 qPrintable(m_ide.report()));
        for (int i = 0; i < 2; ++i) {
            first->actionRegistry().action(ids::modelTrain)->trigger();
            QVERIFY2(waitUntil([&] { return !firstTrainer.isRunning(); }, 120000),
                     qPrintable(m_ide.report()));
        }
        TrainingRunModel& firstRuns = first->workspace().historyView()->runs();
        QCOMPARE(firstRuns.rowCount(), 2);
        QVERIFY(firstRuns.colour(0) != firstRuns.colour(1));
        QVERIFY(firstRuns.removeRow(0));
        keptName = firstRuns.name(0);
        keptColour = firstRuns.colour(0);
        QVERIFY2(first->project().saveAs(path, &error), qPrintable(error));
        first->document().setModified(false);
    }
    {
        std::unique_ptr<MainWindow> second = m_ide.newWindow(QSize(1280, 800));
        QVERIFY2(second->project().open(path, &error), qPrintable(error));
        TrainingRunModel& secondRuns = second->workspace().historyView()->runs();
        QCOMPARE(secondRuns.rowCount(), 1);
        QCOMPARE(secondRuns.name(0), keptName);
        QCOMPARE(secondRuns.colour(0), keptColour);
        TrainingController& secondTrainer = second->workspace().trainer();
        QVERIFY2(waitUntil([&] { return second->workspace().shapes().isUpToDate(); }, 60000),
                 qPrintable(m_ide.report()));
        second->actionRegistry().action(ids::modelTrain)->trigger();
        QVERIFY2(waitUntil([&] { return !secondTrainer.isRunning(); }, 120000),
                 qPrintable(m_ide.report()));
        QCOMPARE(secondRuns.rowCount(), 2);
        QVERIFY2(secondRuns.name(1) != keptName, qPrintable(secondRuns.name(1)));
        QVERIFY(secondRuns.colour(1) != keptColour);
        // Saved and opened once more, both keep their names and colours.
        const QString newName = secondRuns.name(1);
        const QColor newColour = secondRuns.colour(1);
        QVERIFY2(second->project().saveAs(path, &error), qPrintable(error));
        QVERIFY2(second->project().open(path, &error), qPrintable(error));
        QCOMPARE(secondRuns.name(1), newName);
        QCOMPARE(secondRuns.colour(0), keptColour);
        QCOMPARE(secondRuns.colour(1), newColour);
        second->document().setModified(false);
    }
    // The main window asks about errors again (each new window took the session's policy).
    m_ide.host->setErrorPolicy(
        [policy = &m_ide.window->errorPolicy()](const CommandFailure& failure) {
            return policy->decide(failure);
        },
        m_ide.window.get());
}

void TestDailyUse::csvWithoutRowsIsRefusedWithTheReason() {
    document().setDataSource(DataSource());
    auto* data = panel<DataPanel>();
    const DataSource before = document().dataSource();
    QVERIFY(!data->openCsv(writeCsv(QStringLiteral("empty.csv"), QStringLiteral("a,b,label\n"))));
    QVERIFY2(data->errorText().contains(QStringLiteral("no rows")), qPrintable(data->errorText()));
    QVERIFY(document().dataSource() == before);
}

// Two numeric columns, a text column, an empty column and the label: the panel names the two
// columns it leaves out and why; encoding the text column one-hot makes it three features
// more, and a model with 2 + 3 inputs trains on them.
void TestDailyUse::columnsLeftOutAreNamedAndTextCanBeEncoded() {
    QString csv = QStringLiteral("x1,x2,colour,notes,label\n");
    const QStringList colours = {QStringLiteral("red"), QStringLiteral("green"),
                                 QStringLiteral("blue")};
    for (int i = 0; i < 40; ++i)
        csv += QStringLiteral("%1,%2,%3,,%4\n")
                   .arg(i * 0.1)
                   .arg((i * 7) % 5)
                   .arg(colours.at(i % 3))
                   .arg(i % 2 ? "yes" : "no");
    auto* data = panel<DataPanel>();
    QVERIFY(data->openCsv(writeCsv(QStringLiteral("mixed.csv"), csv)));
    QCOMPARE(document().dataSource().label, QStringLiteral("label"));
    const auto panelText = [data] {
        QStringList texts;
        for (QLabel* label : data->findChildren<QLabel*>()) {
            if (label->isVisible())
                texts << label->text();
        }
        return texts.join(u'\n');
    };
    QTRY_VERIFY2(panelText().contains(QStringLiteral("colour")), qPrintable(panelText()));
    QVERIFY2(panelText().contains(QStringLiteral("text")), qPrintable(panelText()));
    QVERIFY2(panelText().contains(QStringLiteral("notes")), qPrintable(panelText()));
    QVERIFY2(panelText().contains(QStringLiteral("empty")), qPrintable(panelText()));
    QPushButton* encode = nullptr;
    for (QPushButton* button : data->findChildren<QPushButton*>()) {
        if (button->isVisible() && button->text().contains(QStringLiteral("ncode")))
            encode = button;
    }
    QVERIFY(encode);
    screenshot(data, QStringLiteral("columns-left-out"));
    QTest::mouseClick(encode, Qt::LeftButton);
    screenshot(data, QStringLiteral("columns-encoded"));

    Document& doc = document();
    QList<int> ids;
    for (const LayerItem& item : doc.layers())
        ids << item.id;
    doc.removeLayers(ids);
    doc.addLayer(keras::InputLayer({5}));
    doc.addLayer(keras::Dense(2));
    doc.addLayer(keras::Activation("softmax"));
    setTraining(2, 8);
    QVERIFY2(waitUntil([this] { return m_ide.window->workspace().shapes().isUpToDate(); }, 60000),
             qPrintable(m_ide.report()));
    train();
    QVERIFY(trainingEnds());
    QVERIFY(!m_ide.window->errorPolicy().openDialog());
    QCOMPARE(status(runs().rowCount() - 1), QStringLiteral("finished"));
    QCOMPARE(trainer().data()->prepared.xTrain.shape().at(1), std::int64_t(5));
    document().setDataSource(DataSource());
}

void TestDailyUse::fractionInAnIntegerArgumentIsRefused() {
    useIrisNetwork();
    const int dense = document().layerAt(1).id;
    m_ide.window->workspace().builder()->selectLayer(dense);
    PropertiesPanel* properties = m_ide.window->workspace().properties();
    QTRY_VERIFY(properties->editor(QStringLiteral("units")));
    QWidget* units = properties->editor(QStringLiteral("units"))->input();
    units->setFocus();
    QTest::keyClick(units, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(units, QStringLiteral("3.5"));
    QTest::keyClick(units, Qt::Key_Return);
    // Still Dense(8): not 35, not 3.
    QVERIFY2(document().layerAt(1).layer == keras::Layer(keras::Dense(8)),
             qPrintable(document().layerAt(1).layer.expr().source()));
    ParameterEditor* editor = properties->editor(QStringLiteral("units"));
    QVERIFY2(editor->errorText().contains(QStringLiteral("whole number")),
             qPrintable(editor->errorText()));
}

// The activation drop-down of an Activation layer whose argument is unset: its entries are
// drawn in the text colour, not greyed like disabled ones.
void TestDailyUse::choiceListsDoNotLookDisabled() {
    useIrisNetwork();
    // An Activation with its argument unset, as the palette makes it.
    m_ide.window->workspace().builder()->addLayer(QStringLiteral("Activation"));
    PropertiesPanel* properties = m_ide.window->workspace().properties();
    QTRY_VERIFY(properties->editor(QStringLiteral("activation")));
    QVERIFY(!properties->editor(QStringLiteral("activation"))->isSet());
    auto* combo =
        qobject_cast<QComboBox*>(properties->editor(QStringLiteral("activation"))->input());
    QVERIFY(combo);
    combo->showPopup();
    QAbstractItemView* list = combo->view();
    QTRY_VERIFY(list->isVisible());
    for (int row = 1; row < std::min(combo->count(), 5); ++row)
        QVERIFY(combo->model()->flags(combo->model()->index(row, 0)) & Qt::ItemIsEnabled);
    // The darkest pixel of the entries' text (not the current one's, drawn highlighted) is
    // as dark as the palette's text colour.
    const QImage shot = list->viewport()->grab().toImage();
    int darkest = 255;
    for (int row = 1; row < std::min(combo->count(), 6); ++row) {
        const QRect item = list->visualRect(combo->model()->index(row, 0)) & shot.rect();
        for (int y = item.top(); y <= item.bottom(); ++y)
            for (int x = item.left(); x <= item.right(); ++x)
                darkest = std::min(darkest, qGray(shot.pixel(x, y)));
    }
    const int text = qGray(list->palette().color(QPalette::Active, QPalette::Text).rgb());
    const int normal = qGray(QApplication::palette().color(QPalette::Active, QPalette::Text).rgb());
    QVERIFY2(std::abs(text - normal) < 40 && darkest < normal + 60,
             qPrintable(QStringLiteral("darkest %1, text %2, palette text %3")
                            .arg(darkest)
                            .arg(text)
                            .arg(normal)));
    combo->hidePopup();
}

void TestDailyUse::zoomingOutNeverShowsNegativeEpochs() {
    QVERIFY(haveARun(3));
    history().redrawNow();
    inspectors::MetricChart* chart = history().chart(QStringLiteral("loss"));
    QVERIFY(chart);
    const QPoint centre =
        chart->mapFromScene(chart->chart()->mapToScene(chart->chart()->plotArea().center()));
    for (int i = 0; i < 3; ++i) {
        QTest::mouseClick(chart->viewport(), Qt::RightButton, {}, centre);
        QVERIFY2(chart->epochAxis()->min() >= 0,
                 qPrintable(QStringLiteral("epoch axis from %1").arg(chart->epochAxis()->min())));
    }
    history().setFollowLatest(true);
}

// Ctrl+Shift+I while console code runs: the code stops, the console says it was interrupted,
// and no dialog asks what to do; the commands behind it run.
void TestDailyUse::interruptIsNoErrorToDecideAbout() {
    auto* console = panel<ConsolePanel>();
    const QString running = m_ide.window->console().execute(
        QStringLiteral("import time\nwhile True:\n    time.sleep(0.01)"));
    const QString after = m_ide.window->console().execute(QStringLiteral("'after the interrupt'"));
    auto& model = m_ide.window->commands();
    QVERIFY(waitUntil([&] {
        const int at = model.rowOf(running);
        return at >= 0 && model.info(at).state == CommandState::Running;
    }));
    QAction* interrupt = m_ide.window->actionRegistry().action(ids::workerInterrupt);
    QCOMPARE(interrupt->shortcut(), QKeySequence(QStringLiteral("Ctrl+Shift+I")));
    interrupt->trigger();
    QVERIFY(waitUntil(
        [&] {
            const int at = model.rowOf(after);
            return at >= 0 && inspectors::CommandModel::isSettled(model.info(at));
        },
        20000));
    QVERIFY(!m_ide.window->errorPolicy().openDialog());
    QCOMPARE(model.info(model.rowOf(after)).state, CommandState::Succeeded);
    QTRY_VERIFY2(console->transcript()->toPlainText().contains(QStringLiteral("interrupted")),
                 qPrintable(console->transcript()->toPlainText().right(300)));
}

// 100 epochs of iris: the time left shown once 15 epochs are done is the rest of the run at
// the pace of the epochs so far but the first: between the fastest and the slowest of them.
// The first epoch, which compiles the model and takes a hundred times as long as the others,
// must not weigh on it (it made "about 0:08 left" of a run that ended at 0:02). The paces are
// those the worker measured at that moment, so that a busy machine does not decide the
// outcome.
void TestDailyUse::timeLeftFollowsTheTypicalEpoch() {
    useIrisNetwork();
    setTraining(100, 2);
    train();
    const std::shared_ptr<keras::TrainingHistory> run = trainer().history();
    double estimate = -1;
    QString shown;
    QList<double> seconds; // of the epochs done when the estimate was shown
    const QRegularExpression left(QStringLiteral("about (\\d+):(\\d+) left"));
    QObject scope; // the connection ends with the locals it uses
    connect(run.get(), &keras::TrainingHistory::epochEnded, &scope, [&](int epoch) {
        if (estimate >= 0 || epoch < 15)
            return;
        history().redrawNow();
        shown = progressText()->text();
        seconds = run->epochSeconds().mid(0, run->epochCount());
        const QRegularExpressionMatch match = left.match(shown);
        if (match.hasMatch())
            estimate = match.captured(1).toInt() * 60 + match.captured(2).toInt();
    });
    QVERIFY2(waitUntil([&] { return !trainer().isRunning(); }, 300000), qPrintable(m_ide.report()));
    QVERIFY2(estimate >= 0, qPrintable(shown));
    QVERIFY(seconds.size() >= 15);
    const double first = seconds.front();
    seconds.removeFirst();
    const auto remaining = static_cast<double>(100 - seconds.size() - 1);
    const auto [fastest, slowest] = std::minmax_element(seconds.cbegin(), seconds.cend());
    qInfo("at epoch %lld: %s; the first epoch took %.2f s, the others %.3f to %.3f s",
          static_cast<long long>(seconds.size() + 1), qPrintable(shown), first, *fastest, *slowest);
    // Whole seconds are shown: one second either way is the display's own rounding.
    QVERIFY2(estimate <= remaining * *slowest + 1 && estimate >= remaining * *fastest - 1,
             qPrintable(QStringLiteral("estimated %1 s for %2 epochs of %3 to %4 s")
                            .arg(estimate)
                            .arg(remaining)
                            .arg(*fastest)
                            .arg(*slowest)));
}

void TestDailyUse::waitingCountFollowsNewCommands() {
    m_ide.window->console().execute(QStringLiteral("raise RuntimeError('stop here')"));
    ErrorRecoveryDialog* dialog = waitForDialog();
    QVERIFY(dialog);
    QVERIFY2(dialog->summary().contains(QStringLiteral("No commands wait behind it.")),
             qPrintable(dialog->summary()));
    m_ide.window->console().execute(QStringLiteral("waiting_a = 1"));
    m_ide.window->console().execute(QStringLiteral("waiting_b = 2"));
    QTRY_VERIFY2(dialog->summary().contains(QStringLiteral("2 commands wait behind it.")),
                 qPrintable(dialog->summary()));
    QTest::mouseClick(dialog->ignoreButton(), Qt::LeftButton);
    QVERIFY(runInConsole(QStringLiteral("waiting_a + waiting_b")));
}

// A command that runs for about 0.3 s and then raises: while the dialog waits, its duration
// stays its run time and the wait is counted apart; after the decision both stay apart.
void TestDailyUse::durationExcludesTheWaitForADecision() {
    const QString id = m_ide.window->console().execute(
        QStringLiteral("import time\ntime.sleep(0.3)\nraise RuntimeError('after a while')"));
    ErrorRecoveryDialog* dialog = waitForDialog();
    QVERIFY(dialog);
    auto& model = m_ide.window->commands();
    model.flush();
    const int row = model.rowOf(id);
    QVERIFY(row >= 0);
    const auto duration = [&] {
        return model.index(row, inspectors::CommandModel::DurationColumn).data().toString();
    };
    const auto seconds = [](const QString& text, const QString& after) {
        const QRegularExpression number(QRegularExpression::escape(after) +
                                        QStringLiteral("([0-9.]+) (ms|s)"));
        const QRegularExpressionMatch match = number.match(text);
        if (!match.hasMatch())
            return -1.0;
        return match.captured(1).toDouble() / (match.captured(2) == u"ms" ? 1000.0 : 1.0);
    };
    // The wait is shown as it grows, a second and more.
    QTRY_VERIFY2_WITH_TIMEOUT(seconds(duration(), QStringLiteral("waited ")) >= 1.0,
                              qPrintable(duration()), 10000);
    m_ide.window->showCommand(id);
    screenshot(panel<QueueMonitorPanel>(), QStringLiteral("waiting-for-a-decision"));
    QTest::mouseClick(dialog->ignoreButton(), Qt::LeftButton);
    QVERIFY(waitUntil([&] { return inspectors::CommandModel::isSettled(model.info(row)); }));
    model.flush();
    const double ran = seconds(duration(), QString());
    QVERIFY2(ran >= 0.25 && ran < 0.9, qPrintable(duration()));
    QVERIFY2(seconds(duration(), QStringLiteral("waited ")) >= 1.0, qPrintable(duration()));
}

// Export Python Script in a window that opened a project (the runs' curves, no trained model):
// it says so before asking for a file name. Trained, a name typed without ".py" gets it, and
// the script scores the model on the test rows the Data panel held out.
void TestDailyUse::exportSaysWhatItNeedsAndScoresTheTestRows() {
    useIrisNetwork();
    setTraining(3);
    const QString project = m_dir.filePath(QStringLiteral("export.qtkeras"));
    QString error;
    QVERIFY2(m_ide.window->project().saveAs(project, &error), qPrintable(error));

    // Every file dialog that shows is noted; given a name, it is accepted with it.
    int fileDialogs = 0;
    QString nameToType;
    QTimer watcher;
    watcher.setInterval(20);
    connect(&watcher, &QTimer::timeout, this, [&] {
        for (QWidget* widget : QApplication::topLevelWidgets()) {
            auto* dialog = qobject_cast<QFileDialog*>(widget);
            if (!dialog || !dialog->isVisible())
                continue;
            ++fileDialogs;
            if (nameToType.isEmpty()) {
                dialog->reject();
            } else {
                // Typed into the name field: selectFile() leaves the field alone while it
                // has the keyboard focus, and the dialog would then accept its folder.
                auto* name = dialog->findChild<QLineEdit*>(QStringLiteral("fileNameEdit"));
                QVERIFY(name);
                name->setText(nameToType);
                static_cast<QDialog*>(dialog)->accept(); // QFileDialog::accept is protected
            }
        }
    });
    watcher.start();
    const auto messageBox = [](QWidget* window) -> QMessageBox* {
        for (QMessageBox* box : window->findChildren<QMessageBox*>()) {
            if (box->isVisible())
                return box;
        }
        return nullptr;
    };
    {
        std::unique_ptr<MainWindow> reopened = m_ide.newWindow(QSize(1280, 800));
        QVERIFY2(reopened->project().open(project, &error), qPrintable(error));
        reopened->actionRegistry().action(ids::fileExportScript)->trigger();
        QMessageBox* box = nullptr;
        QTRY_VERIFY((box = messageBox(reopened.get())));
        QVERIFY2(box->text().contains(QStringLiteral("Train the model first")),
                 qPrintable(box->text()));
        QCOMPARE(fileDialogs, 0);
        screenshot(box, QStringLiteral("export-untrained"));
        box->accept();
        reopened->document().setModified(false);
    }
    m_ide.host->setErrorPolicy(
        [policy = &m_ide.window->errorPolicy()](const CommandFailure& failure) {
            return policy->decide(failure);
        },
        m_ide.window.get());

    train();
    QVERIFY(trainingEnds());
    nameToType = m_dir.filePath(QStringLiteral("trained"));
    m_ide.window->actionRegistry().action(ids::fileExportScript)->trigger();
    QCOMPARE(fileDialogs, 1);
    watcher.stop();
    QVERIFY(!messageBox(m_ide.window.get()));
    const QString script = nameToType + QStringLiteral(".py");
    QVERIFY2(QFileInfo::exists(script), qPrintable(script));
    QFile file(script);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(file.readAll());
    QVERIFY(text.contains(QStringLiteral("x_test = np.array(")));
    QVERIFY(text.contains(QStringLiteral("model.evaluate(x_test, y_test")));

    const qk::test::ScriptRun run = qk::test::runPythonScript(script, m_dir.path());
    QVERIFY(run.finished);
    QVERIFY2(run.exitCode == 0, run.standardError.constData());
    const QJsonObject test = run.lastLine.value(QStringLiteral("test")).toObject();
    QVERIFY2(test.contains(QStringLiteral("accuracy")) && test.contains(QStringLiteral("loss")),
             qPrintable(QJsonDocument(run.lastLine).toJson()));
    const double accuracy = test.value(QStringLiteral("accuracy")).toDouble();
    QVERIFY(accuracy >= 0 && accuracy <= 1);
    // The test rows are the ones the Data panel held out: 30 of iris' 150.
    QCOMPARE(trainer().data()->prepared.xTest.shape().at(0), std::int64_t(30));
}

// `qtkeras PROJECT` opens the project: the program itself, started with a path, lists it
// first among its recent files and shows its network.
void TestDailyUse::projectOnTheCommandLineIsOpened() {
    useIrisNetwork();
    const QString project = m_dir.filePath(QStringLiteral("command-line.qtkeras"));
    QString error;
    QVERIFY2(m_ide.window->project().saveAs(project, &error), qPrintable(error));
    QTemporaryDir home;
    QVERIFY(home.isValid());
    const QString config = home.filePath(QStringLiteral("config"));
    const QString shot = m_dir.filePath(QStringLiteral("command-line.png"));
    QProcess app;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), config);
    env.insert(QStringLiteral("XDG_DATA_HOME"), home.filePath(QStringLiteral("data")));
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("QTKERAS_PYTHON"), QStringLiteral(QTKERAS_TEST_PYTHON));
    app.setProcessEnvironment(env);
    app.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    app.start(QStringLiteral(QTKERAS_TEST_APP), {QStringLiteral("--screenshot"), shot, project});
    QVERIFY2(app.waitForStarted(), qPrintable(app.errorString()));
    const bool ended = app.waitForFinished(180000);
    if (!ended)
        app.kill();
    QVERIFY2(ended, "qtkeras did not write its screenshot");
    QCOMPARE(app.exitCode(), 0);
    QSettings settings(config + QStringLiteral("/QtKeras/QtKeras.conf"), QSettings::IniFormat);
    const QStringList recent = settings.value(QStringLiteral("project/recentFiles")).toStringList();
    QVERIFY2(recent.value(0) == QFileInfo(project).absoluteFilePath(),
             qPrintable(recent.join(u' ')));
    QVERIFY(!QImage(shot).isNull());
    const QByteArray dir = qgetenv("QTKERAS_SCREENSHOT_DIR");
    if (!dir.isEmpty())
        QFile::copy(shot,
                    QDir(QString::fromLocal8Bit(dir)).filePath(QStringLiteral("command-line.png")));
}

QTEST_MAIN(TestDailyUse)
#include "tst_dailyuse.moc"
