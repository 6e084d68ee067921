// SPDX-License-Identifier: GPL-3.0-or-later
// What users of notebooks expect of the IDE's workbench, driven as a user drives it (the real
// window, the real worker): tab completion in the console from the worker's scope, and the
// trained model and its data under readable names.
#include "app/actionids.h"
#include "app/actionregistry.h"
#include "app/appearance.h"
#include "app/console.h"
#include "app/consolepanel.h"
#include "app/document.h"
#include "app/helpwindow.h"
#include "app/mainwindow.h"
#include "app/modelbuilder.h"
#include "app/sessionhost.h"
#include "app/trainingcontroller.h"
#include "app/workspace.h"
#include "bridge/keras/layers.h"
#include "inspectors/codeview.h"
#include "inspectors/commanddetailview.h"
#include "inspectors/commandmodel.h"
#include "inspectors/metricchart.h"
#include "inspectors/pythonhighlighter.h"
#include "inspectors/theme.h"
#include "inspectors/traininghistoryview.h"
#include "support/idefixture.h"
#include "support/testsupport.h"

#include <QAbstractItemView>
#include <QAction>
#include <QApplication>
#include <QChart>
#include <QCompleter>
#include <QDir>
#include <QFile>
#include <QListView>
#include <QPlainTextEdit>
#include <QTextBlock>
#include <QTextBrowser>
#include <QValueAxis>
#include <QtTest>

using namespace qk;
using namespace qk::app;
using qk::test::waitFinished;
using qk::test::waitUntil;

class TestWorkbench : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    // Tab completes a name from the worker's scope; several names open a list.
    void tabCompletesFromTheWorkersScope();
    // Tab where no name is being typed indents; an unknown name changes nothing.
    void tabIndentsOrLeavesTheLineAlone();
    // After training, `model`, `x_test` and `y_test` are the run's in the console.
    void trainedModelHasAReadableName();
    // View ▸ Dark colours: everything follows the palette, code stays readable, and the
    // choice is kept; Light brings the light palette back.
    void darkThemeIsReadableEverywhere();
    // F1 opens the user guide shipped with the program: its screenshots, the console's
    // keys, the C++ API, and the window's own shortcuts.
    void f1OpensTheUserGuide();
    // Last: it stops the worker.
    void tabWithoutAWorkerSaysWhy();

private:
    template <typename Panel>
    Panel* panel() const {
        return m_ide.window->findChild<Panel*>();
    }
    QPlainTextEdit* input() const { return panel<ConsolePanel>()->input(); }
    bool runInConsole(const QString& code) const { return m_ide.runInConsole(code); }
    QString transcript() const { return panel<ConsolePanel>()->transcript()->toPlainText(); }
    static void screenshot(QWidget* widget, const QString& name) {
        qk::test::saveScreenshot(widget, name);
    }

    qk::test::IdeFixture m_ide;
};

void TestWorkbench::initTestCase() {
    m_ide.start(QSize(1600, 1000));
    QVERIFY2(waitFinished(m_ide.host->session().ready(), 60000), qPrintable(m_ide.report()));
}

void TestWorkbench::cleanupTestCase() {
    m_ide.stop();
}

void TestWorkbench::tabCompletesFromTheWorkersScope() {
    QVERIFY(
        runInConsole(QStringLiteral("learning_rate = 0.5\nlearner = 'adam'\nunique_value = 7")));
    input()->setFocus();
    input()->clear();

    // One name: it is completed in the line.
    QTest::keyClicks(input(), QStringLiteral("print(uniq"));
    QTest::keyClick(input(), Qt::Key_Tab);
    QVERIFY(waitUntil(
        [this] { return input()->toPlainText() == QStringLiteral("print(unique_value"); }));

    // Several: what they share is completed, and a list offers them.
    input()->clear();
    QTest::keyClicks(input(), QStringLiteral("lea"));
    QTest::keyClick(input(), Qt::Key_Tab);
    QCompleter* completer = panel<ConsolePanel>()->completer();
    QVERIFY(waitUntil([completer] { return completer->popup()->isVisible(); }));
    QCOMPARE(input()->toPlainText(), QStringLiteral("learn"));
    QStringList offered;
    for (int row = 0; row < completer->completionModel()->rowCount(); ++row)
        offered << completer->completionModel()->index(row, 0).data().toString();
    QCOMPARE(offered, (QStringList{QStringLiteral("learner"), QStringLiteral("learning_rate")}));
    screenshot(completer->popup(), QStringLiteral("console-completion"));

    // Typing narrows the list; Enter takes the chosen name and does not run the line.
    QTest::keyClicks(input(), QStringLiteral("i"));
    QCOMPARE(completer->completionModel()->rowCount(), 1);
    QTest::keyClick(completer->popup(), Qt::Key_Down);
    QTest::keyClick(completer->popup(), Qt::Key_Return);
    QCOMPARE(input()->toPlainText(), QStringLiteral("learning_rate"));
    QVERIFY(!completer->popup()->isVisible());

    // Attributes of worker objects, looked up while nothing runs their code.
    input()->clear();
    QVERIFY(runInConsole(QStringLiteral("import keras")));
    QTest::keyClicks(input(), QStringLiteral("keras.layers.Globa"));
    QTest::keyClick(input(), Qt::Key_Tab);
    QVERIFY(waitUntil([completer] { return completer->popup()->isVisible(); }));
    QVERIFY(input()->toPlainText().startsWith(QStringLiteral("keras.layers.Global")));
    QTest::keyClick(completer->popup(), Qt::Key_Escape);
    QVERIFY(!completer->popup()->isVisible());
    input()->clear();
}

void TestWorkbench::tabIndentsOrLeavesTheLineAlone() {
    input()->setFocus();
    input()->clear();
    QTest::keyClicks(input(), QStringLiteral("for i in range(3):"));
    QTest::keyClick(input(), Qt::Key_Return, Qt::ShiftModifier);
    QTest::keyClick(input(), Qt::Key_Tab);
    QCOMPARE(input()->toPlainText(), QStringLiteral("for i in range(3):\n    "));

    // A name nothing completes: the line stays as typed and no list opens.
    input()->clear();
    QTest::keyClicks(input(), QStringLiteral("zzz_nothing"));
    QSignalSpy answered(panel<ConsolePanel>(), &ConsolePanel::completionAnswered);
    QTest::keyClick(input(), Qt::Key_Tab);
    // The answer may come within the key press (a worker quicker than the window); else
    // within the transport's deadline, a request that fails with why.
    QVERIFY2(!answered.isEmpty() || answered.wait(60000), qPrintable(m_ide.report()));
    QVERIFY2(answered.front().front().toInt() == 0, qPrintable(transcript().right(600)));
    QCOMPARE(input()->toPlainText(), QStringLiteral("zzz_nothing"));
    QVERIFY(!panel<ConsolePanel>()->completer()->popup()->isVisible());
    input()->clear();
}

void TestWorkbench::trainedModelHasAReadableName() {
    Document& doc = m_ide.window->document();
    doc.addLayer(keras::InputLayer({4}));
    doc.addLayer(keras::Dense(3));
    doc.addLayer(keras::Activation("softmax"));
    TrainingSettings settings = doc.trainingSettings();
    settings.epochs = 2;
    doc.setTrainingSettings(settings);
    TrainingController& trainer = m_ide.window->workspace().trainer();
    QAction* train = m_ide.window->actionRegistry().action(ids::modelTrain);
    QVERIFY(waitUntil([train] { return train->isEnabled(); }));
    train->trigger();
    QVERIFY2(waitUntil([&trainer] { return !trainer.isRunning(); }, 120000),
             qPrintable(m_ide.report()));

    QVERIFY(runInConsole(QStringLiteral(
        "model.count_params(), model.output_shape, x_test.shape[1], len(x_test) == len(y_test)")));
    QVERIFY2(transcript().contains(QStringLiteral("(15, (None, 3), 4, True)")),
             qPrintable(transcript().right(400)));
    input()->setFocus();
    input()->clear();
    QTest::keyClicks(input(), QStringLiteral("model.evalu"));
    QTest::keyClick(input(), Qt::Key_Tab);
    QVERIFY(
        waitUntil([this] { return input()->toPlainText() == QStringLiteral("model.evaluate"); }));
    input()->clear();
}

void TestWorkbench::darkThemeIsReadableEverywhere() {
    using inspectors::contrastRatio;
    QAction* dark = m_ide.window->actionRegistry().action(ids::viewThemeDark);
    QVERIFY(dark && dark->isCheckable());
    dark->trigger();
    QVERIFY(dark->isChecked());
    QVERIFY(inspectors::isDark(QApplication::palette()));
    QCOMPARE(savedTheme(), Theme::Dark);

    // The code of the command queue's detail view: every colour of the highlighter reads on
    // the view's (dark) base.
    auto* code = m_ide.window->findChild<inspectors::CommandDetailView*>()->codeView();
    // Widgets take the application's new palette as their events come round.
    QVERIFY(waitUntil([code] { return inspectors::isDark(code->palette()); }));
    using Role = inspectors::PythonHighlighter::Role;
    for (Role role : {Role::Keyword, Role::Constant, Role::Builtin, Role::Number, Role::Decorator,
                      Role::Definition, Role::String})
        QVERIFY2(contrastRatio(code->highlighter().colour(role),
                               code->palette().color(QPalette::Base)) >= 4.5,
                 qPrintable(code->highlighter().colour(role).name()));
    QVERIFY(contrastRatio(code->highlighter().colour(Role::Comment),
                          code->palette().color(QPalette::Base)) >= 3.0);

    // Console lines written before the switch take the new colours; new ones have them.
    QPlainTextEdit* transcriptView = panel<ConsolePanel>()->transcript();
    const QTextBlock typedBefore =
        transcriptView->document()->find(QStringLiteral(">>> learning_rate")).block();
    QVERIFY(typedBefore.isValid());
    QVERIFY(waitUntil([&] {
        return contrastRatio(typedBefore.begin().fragment().charFormat().foreground().color(),
                             transcriptView->palette().color(QPalette::Base)) >= 4.5;
    }));
    QVERIFY(runInConsole(QStringLiteral("import sys\nprint('dark', file=sys.stderr)\n6 * 7")));
    QTextCursor cursor(panel<ConsolePanel>()->transcript()->document());
    cursor.movePosition(QTextCursor::End);
    cursor.movePosition(QTextCursor::PreviousBlock);
    QCOMPARE(cursor.block().text(), QStringLiteral("42"));
    const QColor resultText = cursor.charFormat().foreground().color();
    QVERIFY2(contrastRatio(resultText, panel<ConsolePanel>()->transcript()->palette().color(
                                           QPalette::Base)) >= 4.5,
             qPrintable(resultText.name()));
    for (inspectors::MetricChart* chart : m_ide.window->workspace().historyView()->charts()) {
        QCOMPARE(chart->chart()->backgroundBrush().color(), chart->palette().color(QPalette::Base));
        QCOMPARE(chart->epochAxis()->labelsBrush().color(), chart->palette().color(QPalette::Text));
    }
    const auto& commands = m_ide.window->commands();
    const QColor succeeded =
        commands.index(commands.rowCount() - 1, inspectors::CommandModel::StateColumn)
            .data(Qt::ForegroundRole)
            .value<QColor>();
    QVERIFY2(contrastRatio(succeeded, QApplication::palette().color(QPalette::Base)) >= 4.5,
             qPrintable(succeeded.name()));
    screenshot(m_ide.window.get(), QStringLiteral("theme-dark"));
    // The layer cards: their text on their fill.
    const QPalette cards = panel<ModelBuilder>()->findChild<QListView*>()->palette();
    QVERIFY(contrastRatio(cards.color(QPalette::Text), cards.color(QPalette::Base)) >= 7);

    QAction* light = m_ide.window->actionRegistry().action(ids::viewThemeLight);
    light->trigger();
    QVERIFY(!inspectors::isDark(QApplication::palette()));
    QVERIFY(waitUntil([code] { return !inspectors::isDark(code->palette()); }));
    QCOMPARE(savedTheme(), Theme::Light);
    m_ide.window->actionRegistry().action(ids::viewThemeSystem)->trigger();
    QCOMPARE(savedTheme(), Theme::System);
}

void TestWorkbench::f1OpensTheUserGuide() {
    m_ide.window->activateWindow();
    QTest::keyClick(m_ide.window.get(), Qt::Key_F1);
    QVERIFY(waitUntil([this] { return m_ide.window->helpWindow() != nullptr; }));
    HelpWindow* help = m_ide.window->helpWindow();
    QVERIFY(help->isVisible());
    QTextDocument* guide = help->browser()->document();
    const QString text = guide->toPlainText();
    QVERIFY(text.contains(QStringLiteral("QtKeras user guide")));
    QVERIFY(text.contains(QStringLiteral("Tab completes")));
    QVERIFY(text.contains(QStringLiteral("qk::keras::Sequential model(session);")));
    // The shortcuts are the window's own, read from its actions.
    QVERIFY(guide->find(QStringLiteral("Train")).isNull() == false);
    const QString trainKeys = m_ide.window->actionRegistry()
                                  .action(ids::modelTrain)
                                  ->shortcut()
                                  .toString(QKeySequence::NativeText);
    QVERIFY(!trainKeys.isEmpty());
    QVERIFY(HelpWindow::shortcutsMarkdown(m_ide.window->actionRegistry())
                .contains(QStringLiteral("| Train | %1 |").arg(trainKeys)));
    QVERIFY(text.contains(trainKeys));
    // The screenshots are shipped in the program and fit the guide's column.
    int images = 0;
    for (QTextBlock block = guide->begin(); block.isValid(); block = block.next()) {
        for (auto it = block.begin(); !it.atEnd(); ++it) {
            const QTextImageFormat image = it.fragment().charFormat().toImageFormat();
            if (!image.isValid())
                continue;
            ++images;
            const QImage picture =
                guide->resource(QTextDocument::ImageResource, QUrl(image.name())).value<QImage>();
            QVERIFY2(!picture.isNull(), qPrintable(image.name()));
            QVERIFY(image.width() <= 760);
        }
    }
    // Every picture the guide's text names.
    QFile source(QStringLiteral(":/qtkeras/help/USER_GUIDE.md"));
    QVERIFY(source.open(QIODevice::ReadOnly));
    const int named = static_cast<int>(
        QString::fromUtf8(source.readAll()).count(QStringLiteral("](screenshot-")));
    QVERIFY(named >= 6);
    QCOMPARE(images, named);
    screenshot(help, QStringLiteral("help"));
    // F1 again raises the same window.
    QTest::keyClick(m_ide.window.get(), Qt::Key_F1);
    QCOMPARE(m_ide.window->helpWindow(), help);
    help->close();
}

void TestWorkbench::tabWithoutAWorkerSaysWhy() {
    m_ide.host->session().stopWorker();
    QTRY_COMPARE(m_ide.host->workerState(), WorkerState::Stopped);
    input()->setFocus();
    input()->clear();
    QTest::keyClicks(input(), QStringLiteral("pri"));
    QSignalSpy answered(panel<ConsolePanel>(), &ConsolePanel::completionAnswered);
    QTest::keyClick(input(), Qt::Key_Tab);
    QVERIFY2(!answered.isEmpty() || answered.wait(60000), qPrintable(m_ide.report()));
    QCOMPARE(answered.front().front().toInt(), -1);
    // The line stays as typed, and the transcript says why nothing was completed.
    QCOMPARE(input()->toPlainText(), QStringLiteral("pri"));
    QVERIFY2(
        transcript().contains(QStringLiteral("Tab completion failed: the worker is not running")),
        qPrintable(transcript().right(400)));
}

QTEST_MAIN(TestWorkbench)
#include "tst_workbench.moc"
