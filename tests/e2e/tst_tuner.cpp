// SPDX-License-Identifier: GPL-3.0-or-later
// Hyper-parameter search through the C++ API with the real worker and the real KerasTuner:
// trials on two worker processes at once, each streaming its epochs, scored by the objective;
// a trial whose process is killed ends as lost and the search goes on.
#include "bridge/keras/dataset.h"
#include "bridge/keras/keras.h"
#include "bridge/session/session.h"
#include "support/irishypermodel.h"
#include "support/testsupport.h"

#include <QtTest>

#include <csignal>
#include <map>
#include <set>

using namespace qk;
namespace K = qk::keras;
using qk::test::irisHyperModel;
using qk::test::waitFinished;
using qk::test::waitUntil;

class TestTuner : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void twoTrialProcessesRunTrialsSideBySide();
    void aKilledTrialProcessEndsItsTrialAsLost();
    void anAbandonedSearchEndsAtOnce();
    void aSearchThatCannotStartFailsOnceWithTheReason();

private:
    K::SearchOptions options() const;

    std::unique_ptr<Session> m_session;
    K::PreparedData m_iris;
};

void TestTuner::initTestCase() {
    m_session = std::make_unique<Session>(qk::test::workerOptions());
    QVERIFY2(waitFinished(m_session->ready(), 60000), "the worker did not start");
    K::PrepareOptions prepare;
    prepare.label = QStringLiteral("species");
    prepare.seed = 7;
    m_iris = K::Dataset::iris().prepare(prepare);
}

void TestTuner::cleanupTestCase() {
    m_session.reset();
}

K::SearchOptions TestTuner::options() const {
    K::SearchOptions options;
    options.objective = QStringLiteral("val_loss");
    options.fit.epochs = 2;
    options.fit.batchSize = 16;
    options.fit.validationSplit = 0.2;
    options.seed = 3;
    options.session = qk::test::workerOptions();
    return options;
}

void TestTuner::twoTrialProcessesRunTrialsSideBySide() {
    K::SearchOptions options = this->options();
    options.maxTrials = 4;
    options.parallelTrials = 2;
    K::Search search(*m_session, irisHyperModel(32), m_iris.xTrain, m_iris.yTrain, options);

    std::map<QString, int> liveEpochs; // trial id -> epochs seen while it ran
    int running = 0;
    int mostAtOnce = 0;
    // The connections end with this function, before what they use (declared after it).
    QObject scope;
    connect(&search, &K::Search::trialStarted, &scope, [&](const K::Trial& trial) {
        mostAtOnce = std::max(mostAtOnce, ++running);
        QVERIFY(!trial.label().isEmpty());
        connect(trial.history.get(), &K::TrainingHistory::epochEnded, &scope,
                [&liveEpochs, id = trial.id,
                 history = trial.history.get()](int, const QMap<QString, double>& logs) {
                    if (!history->isFinished() && logs.contains(QStringLiteral("val_loss")))
                        ++liveEpochs[id];
                });
    });
    connect(&search, &K::Search::trialEnded, &scope, [&](const K::Trial&) { --running; });

    const QFuture<K::SearchResult> future = search.start();
    QVERIFY2(waitFinished(future, 600000), "the search did not end");
    const K::SearchResult result = future.result();

    QCOMPARE(result.objective, QStringLiteral("val_loss"));
    QCOMPARE(result.direction, QStringLiteral("min"));
    QCOMPARE(static_cast<int>(result.trials.size()), 4);
    QVERIFY2(mostAtOnce == 2, "two trials never ran at the same time");
    std::set<int> workers;
    double lowest = std::numeric_limits<double>::infinity();
    for (const K::Trial& trial : result.trials) {
        QCOMPARE(trial.status, K::Trial::Status::Completed);
        QVERIFY(trial.score.has_value());
        QCOMPARE(liveEpochs[trial.id], 2);
        QCOMPARE(trial.history->epochCount(), 2);
        QCOMPARE(trial.history->outcome(), K::TrainingHistory::Outcome::Finished);
        // The score is the objective's best epoch.
        const QList<double> valLoss = trial.history->series(QStringLiteral("val_loss"));
        QCOMPARE(*trial.score, *std::min_element(valLoss.begin(), valLoss.end()));
        QVERIFY(trial.title().startsWith(QStringLiteral("trial %1 · units=").arg(trial.number())));
        QVERIFY(trial.title().contains(QStringLiteral(" lr=")));
        workers.insert(trial.worker);
        lowest = std::min(lowest, *trial.score);
    }
    QCOMPARE(workers, (std::set<int>{0, 1}));
    QVERIFY(result.best.has_value());
    QCOMPARE(*result.best->score, lowest);
    QCOMPARE(*result.trials.front().score, lowest);
    for (std::size_t i = 1; i < result.trials.size(); ++i)
        QVERIFY(*result.trials[i - 1].score <= *result.trials[i].score);
}

void TestTuner::aKilledTrialProcessEndsItsTrialAsLost() {
    K::SearchOptions options = this->options();
    options.maxTrials = 2;
    options.parallelTrials = 1;
    options.fit.epochs = 40;
    options.fit.batchSize = 4;
    K::Search search(*m_session, irisHyperModel(32), m_iris.xTrain, m_iris.yTrain, options);
    std::vector<K::Trial> started;
    std::vector<K::Trial> ended;
    QObject scope; // the connections end before the vectors they fill
    connect(&search, &K::Search::trialStarted, &scope,
            [&](const K::Trial& trial) { started.push_back(trial); });
    connect(&search, &K::Search::trialEnded, &scope,
            [&](const K::Trial& trial) { ended.push_back(trial); });
    const QFuture<K::SearchResult> future = search.start();

    QVERIFY(waitUntil([&] { return !started.empty() && started[0].history->epochCount() >= 1; },
                      300000));
    const qint64 pid = search.workerSession(0).workerInfo().pid;
    QVERIFY(pid > 0);
    QCOMPARE(::kill(static_cast<pid_t>(pid), SIGKILL), 0);

    QVERIFY2(waitUntil([&] { return !ended.empty(); }, 60000), "the killed trial did not end");
    QCOMPARE(ended[0].status, K::Trial::Status::Lost);
    QVERIFY2(!ended[0].reason.isEmpty(), "a lost trial says why");
    QCOMPARE(ended[0].history->outcome(), K::TrainingHistory::Outcome::Lost);

    // The restarted worker runs the next trial; the search ends with it as the best.
    QVERIFY2(waitFinished(future, 600000), "the search did not end");
    const K::SearchResult result = future.result();
    QCOMPARE(static_cast<int>(result.trials.size()), 2);
    QVERIFY(result.best.has_value());
    QCOMPARE(result.best->status, K::Trial::Status::Completed);
    QCOMPARE(result.best->history->epochCount(), 40);
    QCOMPARE(result.trials.back().status, K::Trial::Status::Lost);
    QVERIFY(!result.trials.back().score.has_value());
}

void TestTuner::anAbandonedSearchEndsAtOnce() {
    K::SearchOptions options = this->options();
    options.maxTrials = 2;
    options.fit.epochs = 1000;
    auto search = std::make_unique<K::Search>(*m_session, irisHyperModel(32), m_iris.xTrain,
                                              m_iris.yTrain, options);
    QSignalSpy started(search.get(), &K::Search::trialStarted);
    const QFuture<K::SearchResult> future = search->start();
    QVERIFY(started.wait(300000));
    search->abandon(QStringLiteral("the worker was restarted"));
    QVERIFY(future.isFinished());
    QVERIFY(search->isFinished());
    try {
        future.result();
        QFAIL("an abandoned search has no result");
    } catch (const std::exception& e) {
        QCOMPARE(QString::fromUtf8(e.what()), QStringLiteral("the worker was restarted"));
    }
    search.reset();
    // The chief goes on, without the search's variable.
    QCOMPARE(qk::test::await(m_session->run(QStringLiteral("6 * 7"))).toInt(), 42);
    const Value names = qk::test::await(m_session->variables());
    for (const Value& variable : names.items())
        QVERIFY(!variable[QStringLiteral("name")].toString().startsWith(QLatin1String("search_")));
}

void TestTuner::aSearchThatCannotStartFailsOnceWithTheReason() {
    K::SearchOptions options = this->options();
    options.objective = QStringLiteral("val_nothing"); // no such metric, no direction given
    options.maxTrials = 1;
    K::Search search(*m_session, irisHyperModel(32), m_iris.xTrain, m_iris.yTrain, options);
    const QFuture<K::SearchResult> future = search.start();
    const std::optional<QString> failure = qk::test::failureOf(future, 120000);
    QVERIFY(failure);
    QVERIFY2(failure->startsWith(QStringLiteral("the search could not start: ")) &&
                 failure->contains(QStringLiteral("val_nothing")),
             qPrintable(*failure));
    // start() again is the same ended search, not a second one.
    QVERIFY(search.start().isFinished());
    QVERIFY(search.trials().empty());
}

QTEST_GUILESS_MAIN(TestTuner)
#include "tst_tuner.moc"
