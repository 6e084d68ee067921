// SPDX-License-Identifier: GPL-3.0-or-later
// The C++ session against the real worker with real Keras (JAX backend): values, errors and
// decisions, interrupts, a killed worker, bulk data and pipelining.
#include "bridge/session/readyfuture.h"
#include "bridge/session/session.h"
#include "support/testsupport.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QtTest>

#include <cmath>
#include <csignal>
#include <limits>
#include <mutex>
#include <numeric>

using namespace qk;
using qk::test::errorOf;
using qk::test::waitFinished;

namespace {

// A session whose failures are decided by a fixed answer, counting how often it was asked.
struct FixedPolicy {
    std::function<Decision(const CommandFailure&)> decide;
    int asked = 0;
    Session::ErrorPolicy policy() {
        return [this](const CommandFailure& failure) {
            ++asked;
            return qk::readyFuture(decide(failure));
        };
    }
};

Value roundTrip(Session& session, const Value& value) {
    QFuture<Value> f = session.send(Command(QStringLiteral("x")).bind(QStringLiteral("x"), value));
    if (!waitFinished(f, 60000))
        throw std::runtime_error("timeout");
    return f.result();
}

} // namespace

class TestSession : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void valueOfTrailingExpression();
    void sharedScope();
    void roundTripsThroughPython_data();
    void roundTripsThroughPython();
    void arraysArriveAsNumpy_data();
    void arraysArriveAsNumpy();
    void csrArrivesAsScipy();
    void pythonExceptionHasTracebackAndLine();
    void ignoreRunsTheRest();
    void replaceTakesTheReplacementsValue();
    void dropQueueDropsEveryQueuedCommand();
    void interruptStopsAnEndlessLoop();
    void sysExitIsAnErrorAndTheWorkerSurvives();
    void resultOnTheOwningThreadDoesNotDeadlock();
    void thousandPipelinedCommandsInOrder();
    void bulkBindingArrivesIntact();
    void largeResultsComeBackWholeAndInOrder();
    void resultLargerThanANotificationBody();
    void lostDownloadFailsItsCommandAlone();
    void workerKilledDuringADownload();
    void ownedReferenceIsReleased();
    void releaseWaitsForTheCommandsSentBeforeIt();
    void notPlainDataComesBackAsReference();
    void outputIsCapturedAsSignals();
    void runTimeIsKnownForQuickAndLongCommands();
    void kerasRunsOnJax();
    void killedWorkerFailsOpenCommandsWithinOneSecond();
    void workerThatCannotStartSaysWhy();

private:
    std::unique_ptr<Session> m_session;
    FixedPolicy m_policy;
};

void TestSession::initTestCase() {
    m_session = std::make_unique<Session>(qk::test::workerOptions());
    QFuture<WorkerInfo> ready = m_session->ready();
    QVERIFY2(waitFinished(ready, 60000), "the worker did not start");
    const WorkerInfo info = ready.result();
    QVERIFY(info.port > 0);
    QCOMPARE(info.backend, QStringLiteral("jax"));
    QVERIFY(!info.keras.isEmpty());
    m_policy.decide = [](const CommandFailure&) { return Decision::dropQueue(); };
    m_session->setErrorPolicy(m_policy.policy(), this);
}

void TestSession::cleanupTestCase() {
    m_session.reset();
}

void TestSession::valueOfTrailingExpression() {
    QFuture<Value> f = m_session->run(QStringLiteral("a = 20\na + 22"));
    QVERIFY(waitFinished(f));
    QCOMPARE(f.result(), Value(42));

    QFuture<Value> none = m_session->run(QStringLiteral("b = 1"));
    QVERIFY(waitFinished(none));
    QVERIFY(none.result().isNone());
}

void TestSession::sharedScope() {
    QVERIFY(waitFinished(m_session->run(QStringLiteral("shared_counter = 41"))));
    QFuture<Value> f = m_session->run(QStringLiteral("shared_counter + 1"));
    QVERIFY(waitFinished(f));
    QCOMPARE(f.result(), Value(42));
}

void TestSession::roundTripsThroughPython_data() {
    QTest::addColumn<Value>("value");
    QTest::addColumn<QString>("pythonType");
    QTest::newRow("None") << Value() << "NoneType";
    QTest::newRow("true") << Value(true) << "bool";
    QTest::newRow("false") << Value(false) << "bool";
    QTest::newRow("zero") << Value(0) << "int";
    QTest::newRow("int64 max") << Value(std::numeric_limits<qint64>::max()) << "int";
    QTest::newRow("int64 min") << Value(std::numeric_limits<qint64>::min()) << "int";
    QTest::newRow("uint64 max") << Value(std::numeric_limits<quint64>::max()) << "int";
    QTest::newRow("big int") << Value(BigInt{QStringLiteral("-123456789012345678901234567890")})
                             << "int";
    QTest::newRow("float") << Value(3.141592653589793) << "float";
    QTest::newRow("tiny float") << Value(5e-324) << "float";
    QTest::newRow("negative zero") << Value(-0.0) << "float";
    QTest::newRow("nan") << Value(std::numeric_limits<double>::quiet_NaN()) << "float";
    QTest::newRow("inf") << Value(std::numeric_limits<double>::infinity()) << "float";
    QTest::newRow("-inf") << Value(-std::numeric_limits<double>::infinity()) << "float";
    QTest::newRow("empty string") << Value(QString()) << "str";
    QTest::newRow("unicode") << Value(QStringLiteral("naïve ☃ 日本語 🎉 \"quotes\" \\ \n\t"))
                             << "str";
    QTest::newRow("NUL in string") << Value(QString::fromUtf16(u"a\u0000b")) << "str";
    QTest::newRow("bytes") << Value(QByteArray("\x00\xff\x01raw", 6)) << "bytes";
    QTest::newRow("empty list") << Value(Value::List{}) << "list";
    QTest::newRow("list") << Value(Value::List{1, 2.5, "three", Value(), true}) << "list";
    QTest::newRow("tuple") << Value::tuple({1, "two"}) << "tuple";
    QTest::newRow("one-tuple") << Value::tuple({1}) << "tuple";
    QTest::newRow("dict") << Value::dict({{QStringLiteral("a"), 1}, {QStringLiteral("b"), "x"}})
                          << "dict";
    QTest::newRow("dict with int keys")
        << Value(Value::Dict{{Value(1), Value("one")}, {Value(2), Value("two")}}) << "dict";
    QTest::newRow("dict with $qk key")
        << Value::dict({{QStringLiteral("$qk"), "not a tag"}}) << "dict";
    QTest::newRow("nested") << Value(Value::List{
                                   Value::dict({{QStringLiteral("k"), Value(Value::List{
                                                                          Value::tuple({1, 2}),
                                                                          Value::dict({}),
                                                                      })}}),
                                   Value(std::numeric_limits<double>::quiet_NaN())})
                            << "list";
}

void TestSession::roundTripsThroughPython() {
    QFETCH(Value, value);
    QFETCH(QString, pythonType);
    QCOMPARE(roundTrip(*m_session, value), value);
    QFuture<Value> type = m_session->send(
        Command(QStringLiteral("type(x).__name__")).bind(QStringLiteral("x"), value));
    QVERIFY(waitFinished(type));
    QCOMPARE(type.result().toString(), pythonType);
}

void TestSession::arraysArriveAsNumpy_data() {
    QTest::addColumn<Value>("array");
    QTest::addColumn<QString>("description");
    std::vector<float> f32(24);
    std::iota(f32.begin(), f32.end(), -3.5f);
    f32[5] = std::numeric_limits<float>::quiet_NaN();
    QTest::newRow("float32 2x3x4")
        << Value(NdArray::fromVector(f32, {2, 3, 4})) << "float32 (2, 3, 4)";
    QTest::newRow("float64 vector")
        << Value(NdArray::fromVector(std::vector<double>{1e300, -0.0, 2.5})) << "float64 (3,)";
    QTest::newRow("int32 matrix") << Value(NdArray::fromVector(
                                         std::vector<std::int32_t>{1, -2, 3, -4}, {2, 2}))
                                  << "int32 (2, 2)";
    QTest::newRow("int64 extremes")
        << Value(NdArray::fromVector(std::vector<std::int64_t>{
               std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()}))
        << "int64 (2,)";
    QTest::newRow("uint8 image") << Value(NdArray::fromVector(
                                        std::vector<std::uint8_t>(28 * 28, 255), {1, 28, 28}))
                                 << "uint8 (1, 28, 28)";
    QTest::newRow("bool") << Value(NdArray::fromVector(std::vector<bool>{true, false, true}))
                          << "bool (3,)";
    QTest::newRow("0-d") << Value(NdArray::scalar(2.5)) << "float64 ()";
    QTest::newRow("empty") << Value(NdArray::zeros(DType::Float32, {0})) << "float32 (0,)";
    QTest::newRow("empty 3x0") << Value(NdArray::zeros(DType::Int64, {3, 0})) << "int64 (3, 0)";
}

void TestSession::arraysArriveAsNumpy() {
    QFETCH(Value, array);
    QFETCH(QString, description);
    QCOMPARE(roundTrip(*m_session, array), array);
    QFuture<Value> f =
        m_session->send(Command(QStringLiteral("f'{type(x).__name__} {x.dtype.name} {x.shape}'"))
                            .bind(QStringLiteral("x"), array));
    QVERIFY(waitFinished(f));
    QCOMPARE(f.result().toString(), QStringLiteral("ndarray ") + description);
}

void TestSession::csrArrivesAsScipy() {
    CsrMatrix csr;
    csr.rows = 3;
    csr.cols = 4;
    csr.data = NdArray::fromVector(std::vector<double>{1.5, -2, 3});
    csr.indices = NdArray::fromVector(std::vector<std::int32_t>{0, 3, 1});
    csr.indptr = NdArray::fromVector(std::vector<std::int32_t>{0, 2, 2, 3});
    QCOMPARE(roundTrip(*m_session, Value(csr)), Value(csr));
    QFuture<Value> dense = m_session->send(
        Command(QStringLiteral("x.toarray().tolist()")).bind(QStringLiteral("x"), Value(csr)));
    QVERIFY(waitFinished(dense));
    QCOMPARE(dense.result().toDisplayString(),
             QStringLiteral("[[1.5, 0.0, 0.0, -2.0], [0.0, 0.0, 0.0, 0.0], [0.0, 3.0, 0.0, 0.0]]"));
}

void TestSession::pythonExceptionHasTracebackAndLine() {
    QSignalSpy failed(&m_session->events(), &SessionEvents::commandFailed);
    QFuture<Value> f =
        m_session->run(QStringLiteral("def helper(d):\n    return 1 / d\nx = 1\nhelper(0)\n"));
    QVERIFY(waitFinished(f));
    const std::optional<CommandError> error = errorOf(f);
    QVERIFY(error);
    QCOMPARE(error->state(), CommandState::Failed);
    QCOMPARE(error->failure().type, QStringLiteral("ZeroDivisionError"));
    QCOMPARE(error->failure().message, QStringLiteral("division by zero"));
    QVERIFY2(error->failure().traceback.contains(QStringLiteral("return 1 / d")),
             qPrintable(error->failure().traceback));
    QVERIFY(error->failure().lineno == 2 || error->failure().lineno == 4);
    QVERIFY(error->failure().line.contains(QStringLiteral("1 / d")) ||
            error->failure().line.contains(QStringLiteral("helper(0)")));
    QTRY_COMPARE(failed.count(), 1);
}

void TestSession::ignoreRunsTheRest() {
    m_policy.decide = [](const CommandFailure&) { return Decision::ignore(); };
    const int askedBefore = m_policy.asked;
    QFuture<Value> first = m_session->run(QStringLiteral("import time\ntime.sleep(0.2)\n1"));
    QFuture<Value> bad = m_session->run(QStringLiteral("undefined_name_for_ignore"));
    QFuture<Value> after1 = m_session->run(QStringLiteral("2"));
    QFuture<Value> after2 = m_session->run(QStringLiteral("3"));
    for (auto* f : {&first, &bad, &after1, &after2})
        QVERIFY(waitFinished(*f));
    QCOMPARE(first.result(), Value(1));
    const auto error = errorOf(bad);
    QVERIFY(error);
    QCOMPARE(error->state(), CommandState::Ignored);
    QCOMPARE(error->failure().type, QStringLiteral("NameError"));
    QCOMPARE(after1.result(), Value(2));
    QCOMPARE(after2.result(), Value(3));
    QCOMPARE(m_policy.asked, askedBefore + 1);
}

void TestSession::replaceTakesTheReplacementsValue() {
    m_policy.decide = [](const CommandFailure& failure) {
        QString code = failure.code;
        code.replace(QStringLiteral("10 / 0"), QStringLiteral("10 / 5"));
        return Decision::replace(Command(code));
    };
    QSignalSpy changed(&m_session->events(), &SessionEvents::commandChanged);
    QFuture<Value> bad = m_session->run(QStringLiteral("import time\ntime.sleep(0.1)\n10 / 0"));
    QFuture<Value> after = m_session->run(QStringLiteral("'after'"));
    QVERIFY(waitFinished(bad));
    QVERIFY(waitFinished(after));
    QCOMPARE(bad.result(), Value(2.0));
    QCOMPARE(after.result(), Value("after"));
    QTRY_VERIFY(std::any_of(changed.begin(), changed.end(), [&](const QList<QVariant>& args) {
        const auto info = args.at(0).value<CommandInfo>();
        return info.state == CommandState::Replaced && !info.finished.isNull() &&
               info.resultPreview == QStringLiteral("2.0");
    }));
}

void TestSession::dropQueueDropsEveryQueuedCommand() {
    m_policy.decide = [](const CommandFailure&) { return Decision::dropQueue(); };
    QFuture<Value> bad = m_session->run(QStringLiteral("import time\ntime.sleep(0.2)\nraise "
                                                       "ValueError('stop here')"));
    std::vector<QFuture<Value>> behind;
    for (int i = 0; i < 5; ++i)
        behind.push_back(m_session->run(QStringLiteral("dropped_marker_%1 = 1").arg(i)));
    QVERIFY(waitFinished(bad));
    for (auto& f : behind)
        QVERIFY(waitFinished(f));
    const auto error = errorOf(bad);
    QVERIFY(error);
    QCOMPARE(error->state(), CommandState::Failed);
    QCOMPARE(error->failure().type, QStringLiteral("ValueError"));
    QCOMPARE(error->failure().queued, 5);
    for (auto& f : behind) {
        const auto e = errorOf(f);
        QVERIFY(e);
        QCOMPARE(e->state(), CommandState::Dropped);
    }
    // None of them ran, and the worker takes new commands.
    QFuture<Value> check = m_session->run(QStringLiteral("'dropped_marker_0' in globals()"));
    QVERIFY(waitFinished(check));
    QCOMPARE(check.result(), Value(false));
}

void TestSession::interruptStopsAnEndlessLoop() {
    qk::test::CommandWatch watch(*m_session);
    QFuture<Value> loop =
        m_session->run(QStringLiteral("print('looping', flush=True)\nwhile True:\n    pass"));
    QVERIFY(watch.waitOutput(QStringLiteral("looping")));
    QElapsedTimer timer;
    timer.start();
    m_session->interrupt();
    QVERIFY(waitFinished(loop, 5000));
    qInfo("interrupt took %lld ms", timer.elapsed());
    const auto error = errorOf(loop);
    QVERIFY(error);
    QCOMPARE(error->failure().type, QStringLiteral("KeyboardInterrupt"));
    QFuture<Value> after = m_session->run(QStringLiteral("'alive'"));
    QVERIFY(waitFinished(after));
    QCOMPARE(after.result(), Value("alive"));
}

void TestSession::sysExitIsAnErrorAndTheWorkerSurvives() {
    const qint64 pid = m_session->workerInfo().pid;
    QVERIFY(waitFinished(m_session->run(QStringLiteral("survivor = 'kept'"))));
    for (const char* code : {"import sys\nsys.exit(3)", "exit()", "raise KeyboardInterrupt"}) {
        QFuture<Value> f = m_session->run(QString::fromUtf8(code));
        QVERIFY(waitFinished(f));
        const auto error = errorOf(f);
        QVERIFY2(error, code);
        QVERIFY2(error->failure().type == QStringLiteral("SystemExit") ||
                     error->failure().type == QStringLiteral("KeyboardInterrupt"),
                 qPrintable(error->failure().type));
    }
    QFuture<Value> after = m_session->run(QStringLiteral("import os\n(os.getpid(), survivor)"));
    QVERIFY(waitFinished(after));
    QCOMPARE(after.result(), Value::tuple({Value(pid), Value("kept")}));
}

void TestSession::resultOnTheOwningThreadDoesNotDeadlock() {
    // No event loop runs here: the value must arrive on the transport thread.
    QFuture<Value> f = m_session->run(QStringLiteral("import time\ntime.sleep(0.05)\n'done'"));
    QCOMPARE(f.result(), Value("done"));
    QFuture<Value> g = m_session->run(QStringLiteral("6 * 7"));
    g.waitForFinished();
    QCOMPARE(g.result(), Value(42));
}

void TestSession::thousandPipelinedCommandsInOrder() {
    QVERIFY(waitFinished(m_session->run(QStringLiteral("order = []"))));
    std::vector<QFuture<Value>> futures;
    std::vector<int> settledCount(1000, 0);
    for (int i = 0; i < 1000; ++i) {
        futures.push_back(m_session->run(QStringLiteral("order.append(%1)\n%1").arg(i)));
        futures.back().then([&settledCount, i](const Value&) { ++settledCount[i]; });
    }
    for (auto& f : futures)
        QVERIFY(waitFinished(f));
    for (int i = 0; i < 1000; ++i)
        QCOMPARE(futures[i].result(), Value(i));
    QFuture<Value> order = m_session->run(QStringLiteral("order == list(range(1000))"));
    QVERIFY(waitFinished(order));
    QCOMPARE(order.result(), Value(true));
    QTRY_VERIFY(
        std::all_of(settledCount.begin(), settledCount.end(), [](int n) { return n == 1; }));
}

void TestSession::bulkBindingArrivesIntact() {
    const std::int64_t n = 25 * 1024 * 1024; // 100 MiB of float32
    NdArray array = NdArray::zeros(DType::Float32, {n});
    float* data = array.mutableData<float>();
    double sum = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        data[i] = static_cast<float>((i % 1000) * 0.5);
        sum += static_cast<double>(data[i]);
    }
    QElapsedTimer timer;
    timer.start();
    QFuture<Value> f = m_session->send(
        Command(QStringLiteral("(big.dtype.name, big.shape, float(big.sum(dtype='float64')))"))
            .bind(QStringLiteral("big"), Value(array)));
    QVERIFY(waitFinished(f, 120000));
    qInfo("100 MB binding checked in %lld ms", timer.elapsed());
    const Value result = f.result();
    QCOMPARE(result.items().at(0).toString(), QStringLiteral("float32"));
    QCOMPARE(result.items().at(1), Value::tuple({Value(n)}));
    QCOMPARE(result.items().at(2).toDouble(), sum);
}

namespace {

// Code that makes the worker's answers to result downloads run `action` instead.
QString onDownload(const QString& action) {
    return QStringLiteral("import gc, os, signal\n"
                          "from qtkeras_worker.notifier import Notifier\n"
                          "_notifier = next(o for o in gc.get_objects() if isinstance(o, "
                          "Notifier))\n"
                          "_notifier.fetchable = lambda seq: %1\n")
        .arg(action);
}

} // namespace

void TestSession::largeResultsComeBackWholeAndInOrder() {
    QVERIFY(waitFinished(m_session->run(QStringLiteral("import numpy as np"))));
    // Arrays of 256 KiB and more are downloaded by the client, smaller values are posted; the
    // futures settle in the order the commands ran either way.
    const QStringList codes{
        QStringLiteral("np.arange(3_000_000, dtype=np.float32)"),
        QStringLiteral("'between'"),
        QStringLiteral("np.linspace(0.0, 1.0, 2_000_000)"),
        QStringLiteral("np.arange(10, dtype=np.int16)"),
        QStringLiteral("[np.full(400_000, 7, dtype=np.int32), 'and', np.ones(3, np.uint8)]"),
        QStringLiteral("'last'"),
    };
    std::mutex mutex;
    std::vector<int> order;
    std::vector<QFuture<Value>> futures;
    for (int i = 0; i < codes.size(); ++i) {
        futures.push_back(m_session->run(codes[i]));
        futures.back().then([&mutex, &order, i](const Value&) {
            std::lock_guard lock(mutex);
            order.push_back(i);
        });
    }
    for (auto& f : futures)
        QVERIFY(waitFinished(f, 60000));

    const NdArray first = futures[0].result().toArray();
    QCOMPARE(first.dtype(), DType::Float32);
    QCOMPARE(first.shape(), (std::vector<std::int64_t>{3'000'000}));
    const float* floats = first.data<float>();
    for (std::int64_t i = 0; i < 3'000'000; i += 999'999)
        QCOMPARE(floats[i], static_cast<float>(i));
    QCOMPARE(futures[1].result(), Value("between"));
    const NdArray third = futures[2].result().toArray();
    QCOMPARE(third.dtype(), DType::Float64);
    QCOMPARE(third.data<double>()[0], 0.0);
    QCOMPARE(third.data<double>()[1'999'999], 1.0);
    QCOMPARE(futures[3].result().toArray().data<std::int16_t>()[9], std::int16_t(9));
    const Value mixed = futures[4].result();
    QCOMPARE(mixed.items().size(), 3);
    QCOMPARE(mixed.items()[0].toArray().data<std::int32_t>()[399'999], 7);
    QCOMPARE(mixed.items()[1], Value("and"));
    QCOMPARE(mixed.items()[2].toArray().data<std::uint8_t>()[2], std::uint8_t(1));
    QCOMPARE(futures[5].result(), Value("last"));
    QTRY_COMPARE(order.size(), std::size_t(codes.size()));
    QCOMPARE(order, (std::vector<int>{0, 1, 2, 3, 4, 5}));
}

void TestSession::resultLargerThanANotificationBody() {
    // 300 MB: more than the notification server takes in one body (256 MiB).
    QFuture<Value> f = m_session->run(
        QStringLiteral("import numpy as np\nnp.full((300, 1000, 1000), 3, dtype=np.uint8)"));
    QVERIFY(waitFinished(f, 120000));
    const auto error = errorOf(f);
    QVERIFY2(!error, error ? qPrintable(error->reason()) : "");
    QVERIFY2(f.result().isArray(), qPrintable(kindName(f.result().kind())));
    const NdArray array = f.result().toArray();
    QCOMPARE(array.shape(), (std::vector<std::int64_t>{300, 1000, 1000}));
    QCOMPARE(array.bytes().size(), qsizetype(300'000'000));
    const std::uint8_t* data = array.data<std::uint8_t>();
    QCOMPARE(data[0], std::uint8_t(3));
    QCOMPARE(data[299'999'999], std::uint8_t(3));
}

void TestSession::lostDownloadFailsItsCommandAlone() {
    // The worker no longer offers the result for download (404): it comes from its journal.
    QVERIFY(waitFinished(m_session->run(onDownload(QStringLiteral("None")))));
    QFuture<Value> recovered =
        m_session->run(QStringLiteral("import numpy as np\nnp.full(1_000_000, 5, np.float32)"));
    QVERIFY(waitFinished(recovered));
    const auto failure = errorOf(recovered);
    QVERIFY2(!failure, failure ? qPrintable(failure->reason()) : "");
    QCOMPARE(recovered.result().toArray().data<float>()[999'999], 5.0f);

    // Nor does its journal hold it: that command fails alone, with the reason.
    QVERIFY(waitFinished(m_session->run(QStringLiteral(
        "_notifier.since = lambda seq, wait: {'messages': [], 'last': seq, 'missed': 0}"))));
    QFuture<Value> lost = m_session->run(QStringLiteral("np.ones(1_000_000, np.float32)"));
    QFuture<Value> after = m_session->run(QStringLiteral("'after'"));
    QVERIFY(waitFinished(lost));
    QVERIFY(waitFinished(after));
    const auto error = errorOf(lost);
    QVERIFY(error);
    QCOMPARE(error->state(), CommandState::Failed);
    QVERIFY2(error->reason().contains(QStringLiteral("could not be downloaded")) &&
                 error->reason().contains(QStringLiteral("no longer holds it")),
             qPrintable(error->reason()));
    QCOMPARE(after.result(), Value("after"));
    // Downloads work again once the worker answers them.
    QFuture<Value> again = m_session->run(QStringLiteral(
        "del _notifier.fetchable, _notifier.since\nnp.full(1_000_000, 2, np.float32)"));
    QVERIFY(waitFinished(again));
    QCOMPARE(again.result().toArray().data<float>()[999'999], 2.0f);
    QCOMPARE(m_session->workerState(), WorkerState::Ready);
}

void TestSession::workerKilledDuringADownload() {
    SessionOptions options = qk::test::workerOptions();
    options.restart.automatic = false;
    Session session(options);
    QVERIFY(waitFinished(session.ready(), 60000));
    QVERIFY(waitFinished(
        session.run(onDownload(QStringLiteral("os.kill(os.getpid(), signal.SIGKILL)")))));
    QFuture<Value> big =
        session.run(QStringLiteral("import numpy as np\nnp.ones(2_000_000, np.float32)"));
    QFuture<Value> later = session.run(QStringLiteral("import time\ntime.sleep(30)"));
    QVERIFY(waitFinished(big, 10000));
    QVERIFY(waitFinished(later, 10000));
    const auto error = errorOf(big);
    QVERIFY(error);
    QVERIFY2(error->reason().contains(QStringLiteral("downloaded")), qPrintable(error->reason()));
    const auto laterError = errorOf(later);
    QVERIFY(laterError);
    QCOMPARE(laterError->state(), CommandState::Cancelled);
    QVERIFY2(laterError->reason().contains(QStringLiteral("SIGKILL")),
             qPrintable(laterError->reason()));
    QTRY_COMPARE(session.workerState(), WorkerState::Dead);
}

// The last handle goes while a command sent before it runs, with nothing on its way to the
// worker and no command after it to carry the release: the variable still goes, once that
// command has used it.
void TestSession::ownedReferenceIsReleased() {
    const auto listed = [this](const QString& name) {
        const Value variables = qk::test::await(m_session->variables());
        for (const Value& variable : variables.items()) {
            if (variable[QStringLiteral("name")].toString() == name)
                return true;
        }
        return false;
    };
    qk::test::CommandWatch watch(*m_session);
    QString name;
    QFuture<Value> uses;
    {
        const Reference ref = m_session->put(Value(Value::List{1, 2, 3}));
        name = ref.name();
        QCOMPARE(name.size(), 25);
        uses = m_session->run(
            QStringLiteral("import time\nprint('using')\ntime.sleep(0.3)\nsum(%1)").arg(name));
        QVERIFY(watch.waitOutput(QStringLiteral("using")));
        QVERIFY(listed(name));
    }
    QVERIFY(waitFinished(uses));
    QVERIFY2(!errorOf(uses), qPrintable(qk::test::errorMessage(uses)));
    QCOMPARE(uses.result(), Value(6));
    QVERIFY2(qk::test::waitUntil([&] { return !listed(name); }, 10000), qPrintable(name));
}

void TestSession::releaseWaitsForTheCommandsSentBeforeIt() {
    // A command that uses a variable waits in the outbox (a batch is on its way) when the
    // variable's last handle goes: the release then travels with the command, which must still
    // find the variable. Each round sends a batch first, so that the two meet.
    for (int round = 0; round < 20; ++round) {
        QString name;
        QFuture<Value> uses;
        {
            const Reference ref = m_session->put(Value(Value::List{1, 2, round}));
            name = ref.name();
            m_session->send(Command(QStringLiteral("None")));
            uses = m_session->send(Command(QStringLiteral("sum(%1)").arg(name)));
        }
        QVERIFY(waitFinished(uses));
        const auto error = errorOf(uses);
        QVERIFY2(!error, error ? qPrintable(error->reason()) : "");
        QCOMPARE(uses.result(), Value(3 + round));
        QVERIFY(qk::test::waitUntil(
            [&] {
                QFuture<Value> f = m_session->run(QStringLiteral("'%1' in globals()").arg(name));
                return waitFinished(f) && f.result() == Value(false);
            },
            10000));
    }
}

void TestSession::notPlainDataComesBackAsReference() {
    QFuture<Value> f = m_session->run(QStringLiteral("(i * i for i in range(4))"));
    QVERIFY(waitFinished(f));
    const Value ref = f.result();
    QVERIFY(ref.isRef());
    QCOMPARE(ref.toRef().type(), QStringLiteral("generator"));
    QCOMPARE(ref.toRef().name().size(), 25);
    QFuture<Value> use = m_session->run(QStringLiteral("list(%1)").arg(ref.toRef().name()));
    QVERIFY(waitFinished(use));
    QCOMPARE(use.result(), Value(Value::List{0, 1, 4, 9}));
}

void TestSession::outputIsCapturedAsSignals() {
    QSignalSpy output(&m_session->events(), &SessionEvents::output);
    QFuture<Value> f = m_session->run(
        QStringLiteral("import sys\nprint('hello from python')\nprint('oops', file=sys.stderr)"));
    QVERIFY(waitFinished(f));
    QTRY_VERIFY(output.count() >= 2);
    QString out, err;
    for (const auto& args : output) {
        (args.at(1).toString() == QLatin1String("stdout") ? out : err) += args.at(2).toString();
    }
    QVERIFY2(out.contains(QStringLiteral("hello from python")), qPrintable(out));
    QVERIFY2(err.contains(QStringLiteral("oops")), qPrintable(err));
}

// A quick command reports only its result (no `started` event): the monitor still learns how
// long it ran. A long one is seen running while it runs, and its time is the worker's
// measure, not one shortened by a `started` event that reached a busy client late.
void TestSession::runTimeIsKnownForQuickAndLongCommands() {
    QHash<QString, QList<CommandState>> states;
    QHash<QString, CommandInfo> last;
    QObject context; // the connection ends with this test
    connect(&m_session->events(), &SessionEvents::commandChanged, &context,
            [&](const CommandInfo& info) {
                states[info.id].append(info.state);
                last[info.id] = info;
            });
    Command quick(QStringLiteral("6 * 7"));
    quick.id = QStringLiteral("quick-run-time");
    Command slow(QStringLiteral("import time\ntime.sleep(0.4)\n'slept'"));
    slow.id = QStringLiteral("slow-run-time");
    QFuture<Value> first = m_session->send(quick);
    QFuture<Value> second = m_session->send(slow);
    QVERIFY(waitFinished(second));
    QCOMPARE(first.result(), Value(42));
    QCOMPARE(second.result(), Value(QStringLiteral("slept")));
    QTRY_VERIFY(last.contains(slow.id) && last[slow.id].finished.isValid());
    QTRY_VERIFY(last.contains(quick.id) && last[quick.id].finished.isValid());

    const CommandInfo quickInfo = last[quick.id];
    QCOMPARE(quickInfo.state, CommandState::Succeeded);
    QVERIFY2(quickInfo.started.isValid(), "a quick command has no start time");
    QVERIFY(quickInfo.started <= quickInfo.finished);
    QVERIFY(quickInfo.started.msecsTo(quickInfo.finished) < 400);

    const CommandInfo slowInfo = last[slow.id];
    QVERIFY2(states[slow.id].contains(CommandState::Running),
             "a command that ran for 0.4 s was never seen running");
    QCOMPARE(slowInfo.state, CommandState::Succeeded);
    QVERIFY2(slowInfo.started.msecsTo(slowInfo.finished) >= 400,
             qPrintable(QString::number(slowInfo.started.msecsTo(slowInfo.finished))));
}

void TestSession::kerasRunsOnJax() {
    QFuture<Value> f = m_session->run(
        QStringLiteral("import keras, numpy as np\n"
                       "m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])\n"
                       "(keras.backend.backend(), m.count_params(), m.predict(np.ones((2, 4)), "
                       "verbose=0).shape)"));
    QVERIFY(waitFinished(f, 120000));
    QCOMPARE(f.result(), Value::tuple({Value("jax"), Value(15), Value::tuple({2, 3})}));
}

void TestSession::killedWorkerFailsOpenCommandsWithinOneSecond() {
    SessionOptions options = qk::test::workerOptions();
    options.restart.automatic = false; // the restart below is the user's
    Session session(options);
    QVERIFY(waitFinished(session.ready(), 60000));
    const qint64 pid = session.workerInfo().pid;
    qk::test::CommandWatch watch(session);
    const QString sleeper = QStringLiteral("import time\ntime.sleep(60)");
    QFuture<Value> running = session.run(sleeper);
    std::vector<QFuture<Value>> queued;
    for (int i = 0; i < 10; ++i)
        queued.push_back(session.run(QStringLiteral("%1").arg(i)));
    QVERIFY(watch.waitStarted(sleeper));
    QElapsedTimer timer;
    timer.start();
    ::kill(static_cast<pid_t>(pid), SIGKILL);
    QVERIFY(waitFinished(running, 1000));
    for (auto& f : queued)
        QVERIFY(waitFinished(f, 1000 - std::min<qint64>(timer.elapsed(), 999)));
    qInfo("all 11 futures failed %lld ms after SIGKILL", timer.elapsed());
    for (auto* f : {&running, &queued.front(), &queued.back()}) {
        const auto error = errorOf(*f);
        QVERIFY(error);
        QCOMPARE(error->state(), CommandState::Cancelled);
        QVERIFY2(error->reason().contains(QStringLiteral("SIGKILL")), qPrintable(error->reason()));
    }
    QCOMPARE(session.workerState(), WorkerState::Dead);
    // A command sent to a dead worker fails at once instead of waiting forever.
    QFuture<Value> late = session.run(QStringLiteral("1"));
    QVERIFY(waitFinished(late, 1000));
    QVERIFY(errorOf(late));
    // A restart brings a new worker.
    session.restart();
    QVERIFY(
        qk::test::waitUntil([&] { return session.workerState() == WorkerState::Ready; }, 60000));
    QFuture<Value> again = session.run(QStringLiteral("'back'"));
    QVERIFY(waitFinished(again));
    QCOMPARE(again.result(), Value("back"));
    QVERIFY(session.workerInfo().pid != pid);
}

void TestSession::workerThatCannotStartSaysWhy() {
    SessionOptions options = qk::test::workerOptions();
    options.worker.python = QStringLiteral("/nonexistent/bin/python3");
    Session session(options);
    QFuture<WorkerInfo> ready = session.ready();
    QVERIFY(waitFinished(ready, 10000));
    QString reason;
    try {
        ready.result();
    } catch (const WorkerError& e) {
        reason = e.reason();
    }
    QVERIFY2(reason.contains(QStringLiteral("/nonexistent/bin/python3")), qPrintable(reason));
    QFuture<Value> f = session.run(QStringLiteral("1")); // fails rather than waits for a worker
    QVERIFY(waitFinished(f));
    QVERIFY(errorOf(f));
}

QTEST_GUILESS_MAIN(TestSession)
#include "tst_session.moc"
