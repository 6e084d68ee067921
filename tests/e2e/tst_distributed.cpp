// SPDX-License-Identifier: GPL-3.0-or-later
// Distributed training through the C++ API with real workers (JAX on simulated CPU devices):
// DataParallel and ModelParallel on 4 devices and a job of 2 processes train as one device
// does (per-epoch losses equal to 1e-5), the layout report names a rule that matches nothing,
// a killed process is reported with its host and leaves no process behind, and the run
// resumes from its last checkpoint.
#include "bridge/keras/dataset.h"
#include "bridge/keras/distribution.h"
#include "bridge/keras/keras.h"
#include "bridge/keras/processgroup.h"
#include "bridge/session/session.h"
#include "support/testsupport.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <csignal>

using namespace qk;
namespace K = qk::keras;
using qk::test::waitFinished;
using qk::test::waitUntil;

namespace {

constexpr double tolerance = 1e-5;
constexpr int epochs = 4;
constexpr int longerEpochs = 40;

template <typename T>
T await(const QFuture<T>& future, int timeoutMs = 180000) {
    if (!waitFinished(future, timeoutMs))
        throw std::runtime_error("timed out");
    return future.result();
}

const K::PreparedData& iris() {
    static const K::PreparedData data = [] {
        K::PrepareOptions prepare;
        prepare.label = QStringLiteral("species");
        prepare.seed = 42;
        return K::Dataset::iris().prepare(prepare); // 120 training rows: batches of 16 and 8
    }();
    return data;
}

// The iris network, from the same initial weights in every worker (the seed), trained on
// the same batches (no shuffling). Returns the training; the model lives in `keep`.
K::Training train(Session& session, std::vector<std::unique_ptr<K::Sequential>>& keep,
                  K::FitOptions options = {}) {
    session.run(QStringLiteral("import keras\nkeras.utils.set_random_seed(1)"));
    auto model = std::make_unique<K::Sequential>(session);
    model->add(K::InputLayer({4}));
    model->add(K::Dense(16).activation(QStringLiteral("sigmoid")));
    model->add(K::Dense(8));
    model->add(K::Dense(3).activation(QStringLiteral("softmax")));
    model->compile(K::CategoricalCrossentropy(), K::Adam().learningRate(0.01), {"accuracy"});
    if (!options.epochs)
        options.epochs = epochs;
    options.batchSize = 16;
    options.shuffle = false;
    K::Training training = model->fit(iris().xTrain, iris().yTrain, options);
    keep.push_back(std::move(model));
    return training;
}

QString compare(const QList<double>& got, const QList<double>& want) {
    if (got.size() != want.size())
        return QStringLiteral("%1 epochs, not %2").arg(got.size()).arg(want.size());
    double worst = 0;
    for (qsizetype i = 0; i < got.size(); ++i)
        worst = std::max(worst, std::abs(got[i] - want[i]));
    qInfo("largest per-epoch loss difference: %.3g", worst);
    return worst <= tolerance ? QString() : QStringLiteral("losses differ by %1").arg(worst);
}

bool processGone(qint64 pid) {
    return !QFileInfo::exists(QStringLiteral("/proc/%1").arg(pid));
}

// Processes whose parent is `pid` (children a worker left behind would show here).
QList<qint64> childrenOf(qint64 pid) {
    QList<qint64> children;
    const auto entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    for (const QString& entry : entries) {
        bool number = false;
        const qint64 candidate = entry.toLongLong(&number);
        if (!number)
            continue;
        QFile stat(QStringLiteral("/proc/%1/stat").arg(candidate));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray text = stat.readAll();
        const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 1 && fields.at(1).toLongLong() == pid)
            children << candidate;
    }
    return children;
}

K::ProcessGroupOptions jobOptions() {
    K::ProcessGroupOptions options;
    options.processes = 2;
    options.session = test::workerOptions();
    return options;
}

} // namespace

class TestDistributed : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void dataParallelOnFourDevicesEqualsOneDevice();
    void modelParallelFollowsTheLayoutReportAndEqualsOneDevice();
    void layoutReportShowsARuleThatMatchesNothing();
    void twoProcessesEqualOneDevice();
    void killedPeerIsReportedWithItsHostWithin15SecondsAndNothingIsLeft();
    void preflightRefusesEveryInterfaceAndForeignAddresses_data();
    void preflightRefusesEveryInterfaceAndForeignAddresses();
    void headlessDemoOnDevicesAndProcesses_data();
    void headlessDemoOnDevicesAndProcesses();

private:
    // Losses of training on one device: the reference.
    QList<double> m_single;
    QList<double> m_singleLonger; // longerEpochs epochs, for resuming
};

void TestDistributed::initTestCase() {
    Session session(test::workerOptions());
    std::vector<std::unique_ptr<K::Sequential>> keep;
    K::Training one = train(session, keep);
    m_single = await(one.future())->series(QStringLiteral("loss"));
    QCOMPARE(m_single.size(), epochs);
    K::FitOptions longer;
    longer.epochs = longerEpochs;
    K::Training two = train(session, keep, longer);
    m_singleLonger = await(two.future())->series(QStringLiteral("loss"));
    QCOMPARE(m_singleLonger.mid(0, epochs), m_single);
}

void TestDistributed::dataParallelOnFourDevicesEqualsOneDevice() {
    SessionOptions options = test::workerOptions();
    options.worker.extraArguments << QStringLiteral("--cpu-devices") << QStringLiteral("4");
    Session session(options);
    const K::Devices devices = await(K::devices(session));
    QCOMPARE(devices.devices.size(), std::size_t(4));
    QCOMPARE(devices.platform, QStringLiteral("cpu"));

    const K::DistributionInfo info =
        await(K::setDistribution(session, K::Distribution::dataParallel()));
    QVERIFY(info.active);
    QCOMPARE(info.replicas, 4);
    QCOMPARE(info.devices, QStringList({"cpu:0", "cpu:1", "cpu:2", "cpu:3"}));
    std::vector<std::unique_ptr<K::Sequential>> keep;
    K::Training training = train(session, keep);
    const QString difference = compare(await(training.future())->series("loss"), m_single);
    QVERIFY2(difference.isEmpty(), qPrintable(difference));
}

void TestDistributed::modelParallelFollowsTheLayoutReportAndEqualsOneDevice() {
    SessionOptions options = test::workerOptions();
    options.worker.extraArguments << QStringLiteral("--cpu-devices") << QStringLiteral("4");
    Session session(options);
    K::Distribution mp = K::Distribution::modelParallel({2, 2}, {"batch", "model"});
    mp.rule(QStringLiteral(".*dense(_1)?/kernel"), {QString(), QStringLiteral("model")})
        .rule(QStringLiteral(".*dense(_1)?/bias"), {QStringLiteral("model")});
    await(K::setDistribution(session, mp));
    std::vector<std::unique_ptr<K::Sequential>> keep;
    K::Training training = train(session, keep);
    const K::LayoutReport report = await(K::layoutReport(*keep.front(), mp));
    QCOMPARE(report.problems, 0);
    QCOMPARE(report.variables.size(), std::size_t(6));
    for (const K::VariableLayout& v : report.variables) {
        // Keras laid every variable out as the report says it would.
        QVERIFY2(v.actual && *v.actual == v.axes, qPrintable(v.path));
    }
    const K::VariableLayout& kernel = report.variables.front();
    QCOMPARE(kernel.path, QStringLiteral("sequential/dense/kernel"));
    QCOMPARE(kernel.rule, QStringLiteral(".*dense(_1)?/kernel"));
    QCOMPARE(kernel.shardShape, std::vector<qint64>({4, 8}));
    QCOMPARE(kernel.copies, 2);
    const QString difference = compare(await(training.future())->series("loss"), m_single);
    QVERIFY2(difference.isEmpty(), qPrintable(difference));
}

void TestDistributed::layoutReportShowsARuleThatMatchesNothing() {
    Session session(test::workerOptions());
    std::vector<std::unique_ptr<K::Sequential>> keep;
    train(session, keep, {.epochs = 1});
    // "dense/kernel" is a part of "sequential/dense/kernel": Keras matches whole paths, so this
    // rule matches nothing, and Keras would say nothing.
    K::Distribution mp = K::Distribution::modelParallel({1, 2}, {"batch", "model"});
    mp.rule(QStringLiteral("dense/kernel"), {QString(), QStringLiteral("model")})
        .rule(QStringLiteral(".*dense_2/kernel"), {QString(), QStringLiteral("model")});
    const K::LayoutReport report = await(K::layoutReport(*keep.front(), mp));
    QCOMPARE(report.unmatchedRules(), QStringList({"dense/kernel"}));
    QCOMPARE(report.rules.front().partial, QStringList({"sequential/dense/kernel"}));
    // The output layer's 3 units do not split in 2: the error Keras would raise, up front.
    const auto out = std::find_if(report.variables.begin(), report.variables.end(),
                                  [](const auto& v) { return v.path.endsWith("dense_2/kernel"); });
    QVERIFY(out != report.variables.end());
    QVERIFY2(out->problem.contains("does not split into 2 equal shards"), qPrintable(out->problem));
    QCOMPARE(report.problems, 1);
}

void TestDistributed::twoProcessesEqualOneDevice() {
    K::ProcessGroup job(jobOptions());
    const K::GroupInfo info = await(job.start());
    QCOMPARE(info.devices.size(), 2);
    QVERIFY(info.coordinator.startsWith("127.0.0.1:"));
    QVERIFY(info.localDevices.at(0) != info.localDevices.at(1));
    await(job.setDistribution(K::Distribution::dataParallel()));
    std::vector<std::unique_ptr<K::Sequential>> keep;
    std::vector<K::Training> trainings;
    for (int i = 0; i < job.size(); ++i) // every process's commands before waiting on any
        trainings.push_back(train(job.session(i), keep));
    for (const K::Training& t : trainings) {
        const QString difference = compare(await(t.future())->series("loss"), m_single);
        QVERIFY2(difference.isEmpty(), qPrintable(difference));
    }
    QVERIFY(!job.isFailed());
}

void TestDistributed::killedPeerIsReportedWithItsHostWithin15SecondsAndNothingIsLeft() {
    QTemporaryDir checkpoints;
    QList<qint64> pids;
    int saved = 0;
    {
        K::ProcessGroup job(jobOptions());
        QSignalSpy failed(&job, &K::ProcessGroup::failed);
        const K::GroupInfo info = await(job.start());
        pids = {info.pids.begin(), info.pids.end()};
        await(job.setDistribution(K::Distribution::dataParallel()));
        std::vector<std::unique_ptr<K::Sequential>> keep;
        std::vector<K::Training> trainings;
        K::FitOptions options;
        options.epochs = 100000;
        options.checkpoint = checkpoints.path();
        for (int i = 0; i < job.size(); ++i)
            trainings.push_back(train(job.session(i), keep, options));
        // Curves come from process 0; wait for two epochs there (two checkpoints).
        QVERIFY(waitUntil([&] { return trainings.front().history()->epochCount() >= 2; }, 180000));
        saved = trainings.front().history()->epochCount();

        QElapsedTimer clock;
        clock.start();
        ::kill(static_cast<pid_t>(info.pids.at(1)), SIGKILL);
        QVERIFY(failed.wait(15000));
        const qint64 detected = clock.elapsed();
        qInfo("killed peer reported after %lld ms", static_cast<long long>(detected));
        QVERIFY(detected <= 15000);

        const K::ProcessFailure failure = failed.at(0).at(0).value<K::ProcessFailure>();
        QCOMPARE(failure.process, 1);
        QCOMPARE(failure.host, info.hosts.at(1));
        QCOMPARE(failure.pid, info.pids.at(1));
        QVERIFY2(failure.reason.contains("SIGKILL"), qPrintable(failure.reason));
        QVERIFY2(failure.message().startsWith(QStringLiteral("process 1 on %1 (pid %2)")
                                                  .arg(info.hosts.at(1))
                                                  .arg(info.pids.at(1))),
                 qPrintable(failure.message()));
        // Every process is stopped, with whatever it had started.
        QVERIFY(waitUntil([&] { return processGone(pids[0]) && processGone(pids[1]); }, 10000));
        QVERIFY(waitUntil([&] { return trainings.front().isFinished(); }, 10000));
        QCOMPARE(failed.size(), 1);
    }
    for (qint64 pid : pids)
        QVERIFY(childrenOf(pid).isEmpty());
    QVERIFY(saved >= 2);

    // A new job resumes from the last checkpoint and goes on as if nothing had happened.
    K::ProcessGroup job(jobOptions());
    await(job.start());
    await(job.setDistribution(K::Distribution::dataParallel()));
    std::vector<std::unique_ptr<K::Sequential>> keep;
    std::vector<K::Training> trainings;
    K::FitOptions options;
    options.epochs = longerEpochs;
    options.checkpoint = checkpoints.path();
    options.resume = true;
    for (int i = 0; i < job.size(); ++i)
        trainings.push_back(train(job.session(i), keep, options));
    const auto history = await(trainings.front().future());
    const QList<double> resumed = history->series("loss");
    const int before = history->epochsBefore();
    qInfo("resumed after epoch %d of %d", before, longerEpochs);
    QVERIFY2(before >= saved && before < longerEpochs, qPrintable(QString::number(before)));
    QCOMPARE(resumed.size(), longerEpochs - before);
    const QString difference = compare(resumed, m_singleLonger.mid(before));
    QVERIFY2(difference.isEmpty(), qPrintable(difference));
}

void TestDistributed::preflightRefusesEveryInterfaceAndForeignAddresses_data() {
    QTest::addColumn<QString>("address");
    QTest::addColumn<QString>("words");
    QTest::newRow("IPv4 wildcard") << "0.0.0.0"
                                   << "every interface";
    QTest::newRow("IPv6 wildcard") << "::"
                                   << "every interface";
    QTest::newRow("another host's") << "192.0.2.1"
                                    << "is not an address of this host";
}

void TestDistributed::preflightRefusesEveryInterfaceAndForeignAddresses() {
    QFETCH(QString, address);
    QFETCH(QString, words);
    K::ProcessGroupOptions options = jobOptions();
    options.coordinatorAddress = address;
    K::ProcessGroup job(options);
    QSignalSpy failed(&job, &K::ProcessGroup::failed);
    const QFuture<K::GroupInfo> started = job.start();
    QVERIFY(waitFinished(started, 120000));
    QVERIFY(failed.size() == 1);
    const K::ProcessFailure failure = failed.at(0).at(0).value<K::ProcessFailure>();
    QCOMPARE(failure.process, 0);
    QVERIFY2(failure.reason.contains(words), qPrintable(failure.reason));
    QVERIFY_THROWS_EXCEPTION(WorkerError, started.result());
    for (qint64 pid : job.info().pids)
        QVERIFY(waitUntil([pid] { return processGone(pid); }, 10000));
}

void TestDistributed::headlessDemoOnDevicesAndProcesses_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("devices");
    QTest::addColumn<int>("processes");
    QTest::newRow("4 devices") << QStringList{"--devices", "4"} << 4 << 1;
    QTest::newRow("2 processes") << QStringList{"--processes", "2"} << 2 << 2;
    QTest::newRow("2 processes of 2 devices")
        << QStringList{"--processes", "2", "--devices", "2"} << 4 << 2;
}

void TestDistributed::headlessDemoOnDevicesAndProcesses() {
    QFETCH(QStringList, arguments);
    QFETCH(int, devices);
    QFETCH(int, processes);
    QProcess program;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QTKERAS_PYTHON"), QStringLiteral(QTKERAS_TEST_PYTHON));
    env.insert(QStringLiteral("KERAS_BACKEND"), QStringLiteral("jax"));
    program.setProcessEnvironment(env);
    program.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    program.start(QStringLiteral(QTKERAS_TEST_APP),
                  QStringList{"--demo", "iris", "--headless", "--json", "--epochs", "60"} +
                      arguments);
    QVERIFY2(program.waitForFinished(300000), "qtkeras --headless did not exit");
    QCOMPARE(program.exitCode(), 0);
    const QByteArray last = program.readAllStandardOutput().trimmed().split('\n').last();
    const QJsonObject json = QJsonDocument::fromJson(last).object();
    QCOMPARE(json.value("devices").toInt(), devices);
    QCOMPARE(json.value("processes").toInt(), processes);
    QCOMPARE(json.value("distribution").toString(), QStringLiteral("data-parallel"));
    QCOMPARE(json.value("worker_host").toString(), QStringLiteral("localhost"));
    QCOMPARE(json.value("epochs").toInt(), 60);
    QVERIFY2(json.value("test_accuracy").toDouble() >= 0.8, last.constData());
}

QTEST_GUILESS_MAIN(TestDistributed)
#include "tst_distributed.moc"
