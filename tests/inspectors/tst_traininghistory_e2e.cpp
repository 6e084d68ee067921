// SPDX-License-Identifier: GPL-3.0-or-later
// The training-history inspector showing real fits in the real worker (JAX backend): series
// grow while fit() runs, Stop ends a fit and keeps its weights, the GUI thread stays responsive
// through 500 epochs, and a picture of two overlaid runs.
#include "bridge/keras/dataset.h"
#include "bridge/keras/keras.h"
#include "bridge/session/session.h"
#include "inspectors/metricchart.h"
#include "inspectors/traininghistoryview.h"
#include "inspectors/trainingrunmodel.h"
#include "support/testsupport.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QFutureWatcher>
#include <QLineSeries>
#include <QProgressBar>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <ctime>
#include <memory>

using namespace qk;
namespace K = qk::keras;
using qk::inspectors::TrainingHistoryView;
using qk::test::waitFinished;

namespace {

// The paper's iris network.
std::unique_ptr<K::Sequential> irisModel(Session& session, K::Optimizer optimizer) {
    auto model = std::make_unique<K::Sequential>(session);
    model->add(K::InputLayer({4}));
    model->add(K::Dense(16));
    model->add(K::Activation("sigmoid"));
    model->add(K::Dense(3));
    model->add(K::Activation("softmax"));
    model->compile(K::CategoricalCrossentropy(), std::move(optimizer), {"accuracy"});
    return model;
}

// Runs the event loop (not a polling loop) until the training's future settles.
void runUntilFinished(const K::Training& training, int timeoutMs) {
    QEventLoop loop;
    QFutureWatcher<std::shared_ptr<K::TrainingHistory>> watcher;
    QObject::connect(&watcher, &QFutureWatcherBase::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    watcher.setFuture(training.future());
    if (!training.isFinished())
        loop.exec();
}

// CPU time the calling thread has used.
qint64 threadCpuNs() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<qint64>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

int points(TrainingHistoryView& view, const K::Training& training, const char* metric) {
    inspectors::MetricChart* chart = view.chart(QString::fromLatin1(metric));
    if (!chart)
        return 0;
    QLineSeries* line = chart->line(training.history().get(), QString::fromLatin1(metric));
    return line ? line->count() : 0;
}

} // namespace

class TestTrainingHistoryEndToEnd : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void chartGrowsWhileFitRuns();
    void stopButtonEndsTheFitAndKeepsTheWeights();
    void guiThreadStaysResponsiveThroughFiveHundredEpochs();
    void twoRunsOverlaid();

private:
    std::unique_ptr<Session> m_session;
    K::PreparedData m_iris;
};

void TestTrainingHistoryEndToEnd::initTestCase() {
    m_session = std::make_unique<Session>(qk::test::workerOptions());
    QVERIFY2(waitFinished(m_session->ready(), 60000), "the worker did not start");
    K::PrepareOptions prepare;
    prepare.label = QStringLiteral("species");
    prepare.seed = 11;
    m_iris = K::Dataset::iris().prepare(prepare);
    // Keras is imported in the background after the worker is ready; wait for it here so that
    // the first fit() below measures training, not the import.
    QVERIFY(
        waitFinished(m_session->run(QStringLiteral("import keras\nkeras.__version__")), 120000));
}

void TestTrainingHistoryEndToEnd::cleanupTestCase() {
    m_session.reset();
}

void TestTrainingHistoryEndToEnd::chartGrowsWhileFitRuns() {
    TrainingHistoryView view;
    view.resize(1200, 500);
    view.show();
    auto model = irisModel(*m_session, K::Adam().learningRate(0.01));
    K::Training training = model->fit(m_iris.xTrain, m_iris.yTrain,
                                      {.epochs = 20, .batchSize = 1, .validationSplit = 0.2});
    view.addRun(training.history(), QStringLiteral("iris"));

    // Count the chart's points while fit() runs, in the event loop the IDE would run.
    QList<int> seenWhileRunning;
    QTimer sampler;
    sampler.setInterval(5);
    connect(&sampler, &QTimer::timeout, this, [&] {
        if (training.isFinished())
            return;
        const int count = points(view, training, "loss");
        if (count > 0 && (seenWhileRunning.isEmpty() || seenWhileRunning.back() != count))
            seenWhileRunning.append(count);
    });
    sampler.start();
    runUntilFinished(training, 300000);
    sampler.stop();
    QVERIFY(training.isFinished());
    qInfo() << "loss points seen while fit() ran:" << seenWhileRunning;
    QVERIFY2(seenWhileRunning.size() >= 2, "the chart did not grow during training");
    QVERIFY(seenWhileRunning.front() < 20);
    QVERIFY(std::is_sorted(seenWhileRunning.cbegin(), seenWhileRunning.cend()));

    const auto history = training.result();
    QTRY_COMPARE(points(view, training, "loss"), 20);
    QTRY_COMPARE(points(view, training, "val_loss"), 20);
    QCOMPARE(view.chart(QStringLiteral("val_accuracy")), view.chart(QStringLiteral("accuracy")));
    QCOMPARE(points(view, training, "accuracy"), 20);
    // The chart shows what Keras' History holds.
    QLineSeries* loss = view.chart(QStringLiteral("loss"))->line(history.get(), "loss");
    for (int e = 0; e < 20; ++e)
        QCOMPARE(loss->at(e), QPointF(e + 1, history->series(QStringLiteral("loss")).at(e)));
    QTRY_COMPARE(view.findChild<QProgressBar*>(QStringLiteral("progress"))->format(),
                 QStringLiteral("20 epochs done"));
}

void TestTrainingHistoryEndToEnd::stopButtonEndsTheFitAndKeepsTheWeights() {
    TrainingHistoryView view;
    view.show();
    Session* session = m_session.get();
    connect(&view, &TrainingHistoryView::stopRequested, session, &Session::stopTraining);
    auto model = irisModel(*m_session, K::Adam().learningRate(0.02));
    K::Training training = model->fit(m_iris.xTrain, m_iris.yTrain, {.epochs = 5000});
    view.addRun(training.history());
    auto* stop = view.findChild<QPushButton*>(QStringLiteral("stop"));
    QTRY_VERIFY_WITH_TIMEOUT(points(view, training, "loss") >= 60 && stop->isEnabled(), 120000);
    QTest::mouseClick(stop, Qt::LeftButton);
    runUntilFinished(training, 60000);
    QVERIFY(training.isFinished());
    const auto history = training.result();
    QVERIFY(history->stoppedEarly());
    QVERIFY(history->epochCount() < 5000);
    QTRY_COMPARE(points(view, training, "loss"), history->epochCount());
    QTRY_COMPARE(view.findChild<QProgressBar*>(QStringLiteral("progress"))->format(),
                 QStringLiteral("Stopped at epoch %1 of 5000").arg(history->epochCount()));
    // The weights were kept: the stopped model is as good as its last epoch said.
    const K::Scores scores = model->evaluate(m_iris.xTrain, m_iris.yTrain).result();
    QVERIFY2(std::abs(scores.value(QStringLiteral("accuracy")) -
                      history->last(QStringLiteral("accuracy"))) < 0.1,
             qPrintable(QString::number(scores.value(QStringLiteral("accuracy")))));
    QVERIFY(scores.value(QStringLiteral("accuracy")) > 0.7);
}

void TestTrainingHistoryEndToEnd::guiThreadStaysResponsiveThroughFiveHundredEpochs() {
    TrainingHistoryView view;
    view.resize(1200, 500);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    auto model = irisModel(*m_session, K::Adam().learningRate(0.01));
    K::Training training =
        model->fit(m_iris.xTrain, m_iris.yTrain, {.epochs = 500, .validationSplit = 0.2});
    view.addRun(training.history(), QStringLiteral("iris, 500 epochs"));

    // A 1 ms timer: how late each tick comes is how long the GUI thread could not run its
    // event loop. The thread's CPU time over the same gap tells work on the GUI thread apart
    // from the thread waiting for a core (the machine busy with the worker and others).
    QList<double> lateMs;
    QList<double> busyMs;
    QStringList stalls; // the long ones, with when they happened
    QElapsedTimer clock;
    qint64 last = -1;
    qint64 lastCpu = 0;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(1);
    connect(&probe, &QTimer::timeout, this, [&] {
        const qint64 now = clock.nsecsElapsed();
        const qint64 cpu = threadCpuNs();
        if (last >= 0) {
            const double late = std::max(0.0, (now - last) / 1e6 - 1.0);
            const double busy = (cpu - lastCpu) / 1e6;
            lateMs.append(late);
            busyMs.append(busy);
            if (late > 20)
                stalls.append(QStringLiteral("%1 ms (GUI thread busy %2 ms) at %3 s, epoch %4")
                                  .arg(late, 0, 'f', 1)
                                  .arg(busy, 0, 'f', 1)
                                  .arg(now / 1e9, 0, 'f', 2)
                                  .arg(training.history()->epochCount()));
        }
        last = now;
        lastCpu = cpu;
    });
    clock.start();
    probe.start();
    runUntilFinished(training, 600000);
    probe.stop();
    const double seconds = clock.elapsed() / 1000.0;
    QVERIFY(training.isFinished());
    QTRY_COMPARE(points(view, training, "loss"), 500);
    QCOMPARE(points(view, training, "val_loss"), 500);
    QCOMPARE(points(view, training, "accuracy"), 500);

    QVERIFY2(lateMs.size() > 100, qPrintable(QString::number(lateMs.size())));
    std::sort(lateMs.begin(), lateMs.end());
    std::sort(busyMs.begin(), busyMs.end());
    const auto p99 = [](const QList<double>& sorted) {
        return sorted.at(static_cast<qsizetype>(0.99 * static_cast<double>(sorted.size())));
    };
    qInfo("GUI latency during 500 epochs (%.1f s, %lld probe ticks, %d redraws): max stall "
          "%.1f ms, p99 %.2f ms; GUI thread busy between ticks: max %.1f ms, p99 %.2f ms",
          seconds, static_cast<long long>(lateMs.size()), view.redrawCount(), lateMs.back(),
          p99(lateMs), busyMs.back(), p99(busyMs));
    if (!stalls.isEmpty())
        qInfo() << "stalls over 20 ms:" << stalls;
    // Redraws were coalesced: far fewer than one per epoch.
    QVERIFY(view.redrawCount() < 500);
}

void TestTrainingHistoryEndToEnd::twoRunsOverlaid() {
    TrainingHistoryView view;
    view.resize(1400, 560);
    view.setSmoothing(0.6);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    auto adam = irisModel(*m_session, K::Adam().learningRate(0.01));
    K::Training first =
        adam->fit(m_iris.xTrain, m_iris.yTrain, {.epochs = 150, .validationSplit = 0.2});
    view.addRun(first.history(), QStringLiteral("Adam 0.01"));
    runUntilFinished(first, 300000);
    QVERIFY(first.isFinished());
    auto sgd = irisModel(*m_session, K::SGD().learningRate(0.1).momentum(0.9));
    K::Training second = sgd->fit(m_iris.xTrain, m_iris.yTrain,
                                  {.epochs = 1000, .batchSize = 8, .validationSplit = 0.2});
    view.addRun(second.history(), QStringLiteral("SGD 0.1"));
    Session* session = m_session.get();
    connect(&view, &TrainingHistoryView::stopRequested, session, &Session::stopTraining);
    // Picture the second run while it trains.
    QTRY_VERIFY_WITH_TIMEOUT(points(view, second, "loss") >= 120, 300000);
    QVERIFY(!second.isFinished());
    view.redrawNow();

    for (const char* metric : {"loss", "accuracy"}) {
        inspectors::MetricChart* chart = view.chart(QString::fromLatin1(metric));
        QLineSeries* a = chart->line(first.history().get(), QString::fromLatin1(metric));
        QLineSeries* b = chart->line(second.history().get(), QString::fromLatin1(metric));
        QVERIFY(a && b);
        QCOMPARE(a->count(), 150);
        QVERIFY(b->count() >= 120);
        QVERIFY(a->color() != b->color());
    }
    const QImage picture = view.grab().toImage();
    QVERIFY(!picture.isNull());
    const QString target = qEnvironmentVariable("QTKERAS_TRAINING_SCREENSHOT");
    QTemporaryDir dir;
    const QString path = target.isEmpty() ? dir.filePath(QStringLiteral("training.png")) : target;
    QVERIFY(picture.save(path));
    QVERIFY(QFileInfo(path).size() > 10000);

    // Enough seen: stop the second run; the first stays as it was.
    QTest::mouseClick(view.findChild<QPushButton*>(QStringLiteral("stop")), Qt::LeftButton);
    runUntilFinished(second, 120000);
    QVERIFY(second.result()->stoppedEarly());
    QTRY_COMPARE(points(view, second, "loss"), second.result()->epochCount());
    QCOMPARE(points(view, first, "loss"), 150);
}

QTEST_MAIN(TestTrainingHistoryEndToEnd)
#include "tst_traininghistory_e2e.moc"
