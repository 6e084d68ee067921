// SPDX-License-Identifier: GPL-3.0-or-later
// Training from the IDE with the real worker: the iris network of the document trained with
// the Train action, its history growing while fit() runs and shown in the history inspector;
// a long run stopped with the Stop action keeps its weights.
#include "app/actionids.h"
#include "app/actionregistry.h"
#include "app/document.h"
#include "app/mainwindow.h"
#include "app/sessionhost.h"
#include "app/shapechecker.h"
#include "app/trainingcontroller.h"
#include "app/workspace.h"
#include "bridge/keras/layers.h"
#include "bridge/keras/traininghistory.h"
#include "inspectors/traininghistoryview.h"
#include "inspectors/trainingrunmodel.h"
#include "support/idefixture.h"
#include "support/testsupport.h"

#include <QAction>
#include <QStandardPaths>
#include <QtTest>

using namespace qk;
using namespace qk::app;
using qk::test::waitFinished;
using qk::test::waitUntil;

class TestTraining : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void trainsTwentyEpochsAndTheHistoryGrowsWhileItRuns();
    void stoppedRunKeepsItsWeights();

private:
    TrainingController& trainer() const { return m_ide.window->workspace().trainer(); }
    void setEpochs(int epochs);

    qk::test::IdeFixture m_ide;
};

void TestTraining::initTestCase() {
    m_ide.start();
    if (QTest::currentTestFailed())
        return;
    Document& document = m_ide.window->document();
    document.addLayer(keras::InputLayer({4}));
    document.addLayer(keras::Dense(16));
    document.addLayer(keras::Activation("sigmoid"));
    document.addLayer(keras::Dense(3));
    document.addLayer(keras::Activation("softmax"));
    QVERIFY(waitUntil([this] { return m_ide.window->workspace().shapes().isUpToDate(); }, 60000));
    QCOMPARE(m_ide.window->workspace().shapes().totalParams(), 131);
}

void TestTraining::cleanupTestCase() {
    m_ide.stop();
}

void TestTraining::setEpochs(int epochs) {
    TrainingSettings settings = m_ide.window->document().trainingSettings();
    settings.epochs = epochs;
    settings.batchSize = 8;
    m_ide.window->document().setTrainingSettings(settings);
}

void TestTraining::trainsTwentyEpochsAndTheHistoryGrowsWhileItRuns() {
    setEpochs(20);
    QSignalSpy finished(&trainer(), &TrainingController::finished);
    QAction* train = m_ide.window->actionRegistry().action(ids::modelTrain);
    QVERIFY(train->isEnabled());
    train->trigger();
    QVERIFY(trainer().isRunning());
    QVERIFY(!train->isEnabled());
    QVERIFY(m_ide.window->actionRegistry().action(ids::modelStop)->isEnabled());
    const std::shared_ptr<keras::TrainingHistory> history = trainer().history();
    QVERIFY(history);
    // Epochs arrive while fit() still runs: the history's size at each arrival before the
    // run finished (an event-loop poll could miss the arrivals that come in a burst).
    QList<int> arrivals;
    connect(history.get(), &keras::TrainingHistory::epochEnded, this, [&] {
        if (!history->isFinished() && finished.isEmpty())
            arrivals.append(history->epochCount());
    });
    QVERIFY(waitUntil([&] { return !finished.isEmpty(); }, 120000));
    QStringList seen;
    for (const int count : arrivals)
        seen.append(QString::number(count));
    qInfo("epochs in the history at each arrival during fit(): %s", qPrintable(seen.join(u',')));
    QVERIFY2(
        !arrivals.isEmpty() && arrivals.first() < 20,
        qPrintable(QStringLiteral("epochs in the history at each arrival: ") + seen.join(u',')));
    QCOMPARE(finished.first().at(0).toBool(), true);
    QCOMPARE(history->epochCount(), 20);
    QVERIFY(history->metricNames().contains(QStringLiteral("accuracy")));
    QVERIFY(history->series(QStringLiteral("loss")).last() <
            history->series(QStringLiteral("loss")).first());
    QCOMPARE(m_ide.window->workspace().historyView()->runs().rowCount(), 1);
    QVERIFY(train->isEnabled());
}

void TestTraining::stoppedRunKeepsItsWeights() {
    setEpochs(5000);
    QSignalSpy finished(&trainer(), &TrainingController::finished);
    m_ide.window->actionRegistry().action(ids::modelTrain)->trigger();
    const std::shared_ptr<keras::TrainingHistory> history = trainer().history();
    QVERIFY(waitUntil([&] { return history->epochCount() >= 40; }, 120000));
    m_ide.window->actionRegistry().action(ids::modelStop)->trigger();
    QVERIFY(waitUntil([&] { return !finished.isEmpty(); }, 60000));
    QCOMPARE(finished.first().at(0).toBool(), true);
    QVERIFY(history->stoppedEarly());
    QVERIFY(history->epochCount() < 5000);
    QFuture<keras::Scores> scores = trainer().evaluate();
    QVERIFY(waitFinished(scores, 60000));
    // 60-odd epochs on iris: far above the one-in-three of chance.
    QVERIFY2(scores.result().value(QStringLiteral("accuracy")) > 0.8,
             qPrintable(QString::number(scores.result().value(QStringLiteral("accuracy")))));
    QCOMPARE(m_ide.window->workspace().historyView()->runs().rowCount(), 2);
}

QTEST_MAIN(TestTraining)
#include "tst_training.moc"
