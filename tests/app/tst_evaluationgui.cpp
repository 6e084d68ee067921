// SPDX-License-Identifier: GPL-3.0-or-later
// Evaluation in the IDE with the real window and worker: a run that finishes is scored on the
// Data panel's test rows in the history's Evaluation tab (scores equal to the worker's
// model.evaluate, a confusion matrix that counts every test row, predictions with the
// misclassified marked); a run whose model is gone, or still training, is refused with the
// reason; the learning rate of every epoch, under a schedule, is a curve and a CSV column.
#include "app/actionids.h"
#include "app/actionregistry.h"
#include "app/document.h"
#include "app/mainwindow.h"
#include "app/shapechecker.h"
#include "app/trainingcontroller.h"
#include "app/workspace.h"
#include "bridge/keras/layers.h"
#include "bridge/keras/schedules.h"
#include "bridge/keras/traininghistory.h"
#include "inspectors/confusionmatrixmodel.h"
#include "inspectors/evaluationview.h"
#include "inspectors/predictionmodel.h"
#include "inspectors/theme.h"
#include "inspectors/traininghistoryview.h"
#include "inspectors/trainingrunmodel.h"
#include "support/idefixture.h"
#include "support/testsupport.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QPushButton>
#include <QTabWidget>
#include <QTableView>
#include <QtTest>

#include <cmath>

using namespace qk;
using namespace qk::app;
using qk::test::waitFinished;
using qk::test::waitUntil;

class TestEvaluationGui : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void finishedRunIsScoredOnTheTestRows();
    void learningRateOfEveryEpochIsACurveAndAColumn();
    void runWhoseModelIsGoneIsRefused();
    void runningRunIsRefusedUntilItEnds();
    void runNotTrainedHereIsRefused();
    void evaluationReadsInTheDarkTheme();

private:
    TrainingController& trainer() const { return m_ide.window->workspace().trainer(); }
    inspectors::TrainingHistoryView* history() const {
        return m_ide.window->workspace().historyView();
    }
    inspectors::EvaluationView* view() const { return history()->evaluationView(); }
    QAction* action(const char* id) const { return m_ide.window->actionRegistry().action(id); }
    // Trains `epochs` epochs with the Train action and waits for the run to end.
    bool trainAndWait(int epochs);

    qk::test::IdeFixture m_ide;
};

void TestEvaluationGui::initTestCase() {
    m_ide.start(QSize(1600, 1000));
    if (QTest::currentTestFailed())
        return;
    Document& document = m_ide.window->document();
    document.addLayer(keras::InputLayer({4}));
    document.addLayer(keras::Dense(16));
    document.addLayer(keras::Activation("relu"));
    document.addLayer(keras::Dense(3));
    document.addLayer(keras::Activation("softmax"));
    // A rate that decays by a fifth every 15 steps: an epoch of the 120 training rows in
    // batches of 8.
    CompileSettings compile = document.compileSettings();
    compile.optimizer.set(QStringLiteral("learning_rate"), keras::ExponentialDecay(0.05, 15, 0.8));
    document.setCompileSettings(compile);
    QVERIFY2(waitUntil([this] { return m_ide.window->workspace().shapes().isUpToDate(); }, 60000),
             qPrintable(m_ide.report()));
}

void TestEvaluationGui::cleanupTestCase() {
    m_ide.stop();
}

bool TestEvaluationGui::trainAndWait(int epochs) {
    TrainingSettings settings = m_ide.window->document().trainingSettings();
    settings.epochs = epochs;
    settings.batchSize = 8;
    m_ide.window->document().setTrainingSettings(settings);
    QSignalSpy finished(&trainer(), &TrainingController::finished);
    action(ids::modelTrain)->trigger();
    return waitUntil([&] { return !finished.isEmpty(); }, 180000) &&
           finished.first().at(0).toBool();
}

void TestEvaluationGui::finishedRunIsScoredOnTheTestRows() {
    QVERIFY(!action(ids::modelEvaluate)->isEnabled());
    QVERIFY(trainAndWait(4));
    // The run that ended is scored at once, in the Evaluation tab; the curves stay in front.
    QVERIFY2(waitUntil([this] { return view()->hasEvaluation(); }, 120000),
             qPrintable(m_ide.report()));
    auto* tabs = history()->findChild<QTabWidget*>(QStringLiteral("historyTabs"));
    QVERIFY(tabs->currentWidget() != view());
    tabs->setCurrentWidget(view());
    QVERIFY(action(ids::modelEvaluate)->isEnabled());
    const keras::Evaluation& shown = view()->evaluation();
    const qint64 testRows = trainer().data()->prepared.xTest.shape().at(0);
    QCOMPARE(shown.rows, testRows);

    // The scores are the worker's model.evaluate() on the test rows.
    const keras::Scores keras = qk::test::await(trainer().evaluate());
    QCOMPARE(shown.scores, keras);
    const double accuracy = keras.value(QStringLiteral("accuracy"));
    QVERIFY(view()->scoresText().contains(QString::number(accuracy, 'g', 4)));
    QVERIFY(view()->scoresText().startsWith(
        QStringLiteral("loss <b>%1</b>").arg(QString::number(keras.value("loss"), 'g', 4))));
    qInfo("after 4 epochs: %s; %s", qPrintable(view()->statusText()),
          qPrintable(view()->scoresText()));

    // The matrix: class names on both axes, every test row counted once, the diagonal what
    // Keras' accuracy counted.
    inspectors::ConfusionMatrixModel& matrix = view()->matrix();
    QVERIFY(view()->matrixView()->isVisibleTo(view()));
    const QStringList classes = trainer().data()->prepared.classes;
    QCOMPARE(matrix.classCount(), 3);
    for (int c = 0; c < 3; ++c) {
        QCOMPARE(matrix.headerData(c, Qt::Horizontal).toString(), classes[c]);
        QCOMPARE(matrix.headerData(c, Qt::Vertical).toString(), classes[c]);
    }
    qint64 total = 0;
    qint64 diagonal = 0;
    for (int t = 0; t < 3; ++t) {
        qint64 rowSum = 0;
        for (int p = 0; p < 3; ++p) {
            const qint64 count =
                matrix.index(t, p).data(inspectors::ConfusionMatrixModel::CountRole).toLongLong();
            QCOMPARE(matrix.index(t, p).data().toString(), QString::number(count));
            // A cell with rows in it is shaded; an empty one is not.
            QCOMPARE(matrix.index(t, p).data(Qt::BackgroundRole).isValid(), count > 0);
            rowSum += count;
            diagonal += t == p ? count : 0;
        }
        // The margin: the class's rows.
        QCOMPARE(matrix.index(t, 3).data().toString(), QString::number(rowSum));
        total += rowSum;
    }
    QCOMPARE(total, testRows);
    QCOMPARE(diagonal, static_cast<qint64>(std::llround(accuracy * static_cast<double>(testRows))));

    // The predictions: one row per test row (30 fit under the cap), misclassified marked.
    QTableView* table = view()->predictionsView();
    const inspectors::PredictionModel& predictions = view()->predictions();
    QCOMPARE(table->model()->rowCount(), static_cast<int>(testRows));
    QCOMPARE(
        predictions.headerData(inspectors::PredictionModel::ScoreColumn, Qt::Horizontal).toString(),
        QStringLiteral("Confidence"));
    int marked = 0;
    for (int row = 0; row < predictions.rowCount(); ++row) {
        const QModelIndex predicted =
            predictions.index(row, inspectors::PredictionModel::PredictedColumn);
        const bool wrong = predicted.data(inspectors::PredictionModel::MisclassifiedRole).toBool();
        QCOMPARE(predicted.data().toString().startsWith(QStringLiteral("✗")), wrong);
        QCOMPARE(predicted.data(Qt::BackgroundRole).isValid(), wrong);
        QCOMPARE(predictions.index(row, inspectors::PredictionModel::TrueColumn).data().toString(),
                 classes[predictions.prediction(row).trueClass]);
        marked += wrong ? 1 : 0;
    }
    QCOMPARE(static_cast<qint64>(marked), testRows - diagonal);
    QVERIFY(view()->predictionsNote().isEmpty());
    auto* onlyWrong = view()->findChild<QCheckBox*>(QStringLiteral("onlyMisclassified"));
    QCOMPARE(onlyWrong->isEnabled(), marked > 0);
    if (marked > 0) {
        onlyWrong->click();
        QCOMPARE(table->model()->rowCount(), marked);
        onlyWrong->click();
        QCOMPARE(table->model()->rowCount(), static_cast<int>(testRows));
    }
    qk::test::saveScreenshot(history(), QStringLiteral("screenshot-evaluation"));
}

void TestEvaluationGui::learningRateOfEveryEpochIsACurveAndAColumn() {
    // The run of the test before trained under ExponentialDecay(0.05, 15, 0.8).
    const std::shared_ptr<keras::TrainingHistory> run = trainer().history();
    const QList<double> rates = run->series(QStringLiteral("learning_rate"));
    QCOMPARE(rates.size(), 4);
    for (int e = 0; e < rates.size(); ++e) {
        QVERIFY2(std::abs(rates[e] - 0.05 * std::pow(0.8, e + 1)) < 1e-6,
                 qPrintable(QString::number(rates[e])));
        if (e > 0)
            QVERIFY(rates[e] < rates[e - 1]);
    }
    history()->redrawNow();
    QVERIFY(history()->chart(QStringLiteral("learning_rate")));
    const QString csv = history()->runs().toCsv();
    const QStringList header = csv.section(u'\n', 0, 0).split(u',');
    const auto column = header.indexOf(QStringLiteral("learning_rate"));
    QVERIFY2(column > 0, qPrintable(header.join(u' ')));
    QCOMPARE(csv.section(u'\n', 1, 1).split(u',').at(column).toDouble(), rates[0]);
    // A rate has no best epoch: no star on its chart.
    QVERIFY(!inspectors::hasBest(QStringLiteral("learning_rate")));
    history()->findChild<QTabWidget*>(QStringLiteral("historyTabs"))->setCurrentIndex(0);
    qk::test::saveScreenshot(history(), QStringLiteral("evaluation-learning-rate"));
}

void TestEvaluationGui::runWhoseModelIsGoneIsRefused() {
    QVERIFY(trainAndWait(3));
    QVERIFY2(waitUntil([this] { return view()->hasEvaluation(); }, 120000),
             qPrintable(m_ide.report()));
    QCOMPARE(history()->runs().rowCount(), 2);
    // The first run's model was replaced by the second's: refused, with the reason.
    history()->selectRun(0);
    auto* tabs = history()->findChild<QTabWidget*>(QStringLiteral("historyTabs"));
    tabs->setCurrentIndex(0);
    action(ids::modelEvaluate)->trigger();
    // Asked for, the evaluation comes to the front.
    QCOMPARE(tabs->currentWidget(), view());
    QVERIFY(!view()->hasEvaluation());
    QCOMPARE(view()->statusText(), QStringLiteral("Cannot evaluate ") + history()->runs().name(0));
    QVERIFY2(view()->matrixNote().contains(QStringLiteral("no longer in the worker")),
             qPrintable(view()->matrixNote()));
    qk::test::saveScreenshot(history(), QStringLiteral("evaluation-refused"));
    // The newest run is scored again on demand, from the runs list's button.
    history()->selectRun(1);
    history()->findChild<QPushButton*>(QStringLiteral("evaluateRun"))->click();
    QVERIFY2(waitUntil([this] { return view()->hasEvaluation(); }, 120000),
             qPrintable(m_ide.report()));
    QVERIFY(view()->statusText().startsWith(history()->runs().name(1)));
    QCOMPARE(view()->evaluation().rows, trainer().data()->prepared.xTest.shape().at(0));
}

void TestEvaluationGui::runningRunIsRefusedUntilItEnds() {
    TrainingSettings settings = m_ide.window->document().trainingSettings();
    settings.epochs = 5000;
    m_ide.window->document().setTrainingSettings(settings);
    QSignalSpy finished(&trainer(), &TrainingController::finished);
    action(ids::modelTrain)->trigger();
    QVERIFY(!action(ids::modelEvaluate)->isEnabled());
    const std::shared_ptr<keras::TrainingHistory> run = trainer().history();
    QVERIFY2(waitUntil([&] { return run->epochCount() >= 2; }, 120000), qPrintable(m_ide.report()));
    const int row = history()->runs().rowCount() - 1;
    history()->selectRun(row);
    history()->findChild<QPushButton*>(QStringLiteral("evaluateRun"))->click();
    QVERIFY2(view()->matrixNote().contains(QStringLiteral("still training")),
             qPrintable(view()->matrixNote()));
    action(ids::modelStop)->trigger();
    QVERIFY2(waitUntil([&] { return !finished.isEmpty(); }, 60000), qPrintable(m_ide.report()));
    // Stopped keeps the weights: the run is scored as soon as it ends.
    QVERIFY2(waitUntil([this] { return view()->hasEvaluation(); }, 120000),
             qPrintable(m_ide.report()));
    QVERIFY(view()->statusText().startsWith(history()->runs().name(row)));
}

void TestEvaluationGui::runNotTrainedHereIsRefused() {
    // A finished run as a project file gives it back: its series, but no model in the worker.
    auto read = std::make_shared<keras::TrainingHistory>(
        QStringLiteral("fit-from-file"), 2, QStringList{QStringLiteral("loss")},
        QMap<QString, QList<double>>{{QStringLiteral("loss"), {0.9, 0.5}}}, QList<double>{1, 1},
        keras::TrainingHistory::Outcome::Finished);
    const int row = history()->addRun(read, QStringLiteral("from the project"));
    history()->selectRun(row);
    action(ids::modelEvaluate)->trigger();
    QVERIFY(!view()->hasEvaluation());
    QCOMPARE(view()->statusText(), QStringLiteral("Cannot evaluate from the project"));
    QVERIFY2(view()->matrixNote().contains(QStringLiteral("not trained in this session")),
             qPrintable(view()->matrixNote()));
    history()->runs().removeRow(row);
    // The newest run trained here is still scored on demand.
    action(ids::modelEvaluate)->trigger();
    QVERIFY2(waitUntil([this] { return view()->hasEvaluation(); }, 120000),
             qPrintable(m_ide.report()));
}

void TestEvaluationGui::evaluationReadsInTheDarkTheme() {
    QAction* dark = action(ids::viewThemeDark);
    dark->trigger();
    QVERIFY(waitUntil([this] { return inspectors::isDark(view()->palette()); }));
    // Every shaded cell's text reads on its shade.
    const inspectors::ConfusionMatrixModel& matrix = view()->matrix();
    for (int t = 0; t < matrix.classCount(); ++t) {
        for (int p = 0; p < matrix.classCount(); ++p) {
            const QVariant fill = matrix.index(t, p).data(Qt::BackgroundRole);
            if (!fill.isValid())
                continue;
            const QColor text = matrix.index(t, p).data(Qt::ForegroundRole).value<QColor>();
            QVERIFY2(inspectors::contrastRatio(text, fill.value<QColor>()) >= 4.5,
                     qPrintable(text.name() + QLatin1Char(' ') + fill.value<QColor>().name()));
            // The shade is dark too: no light box in a dark table.
            QVERIFY(fill.value<QColor>().lightnessF() < 0.5);
        }
    }
    qk::test::saveScreenshot(history(), QStringLiteral("screenshot-evaluation-dark"));
    action(ids::viewThemeLight)->trigger();
}

QTEST_MAIN(TestEvaluationGui)
#include "tst_evaluationgui.moc"
