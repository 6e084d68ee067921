// SPDX-License-Identifier: GPL-3.0-or-later
// Issue 16: a local process that holds the connection slots of both servers with slow,
// never-finished requests (1,000 on each, reopened as soon as a server closes one) must not
// make the session lose work. While the flood lasts, a result whose notification needs a new
// connection to the IDE still settles, a large result still downloads through a new
// connection to the worker, and the next command still goes out after the session's own
// connections were closed. Each test says how much later than its command's own time the
// result came.
#include "bridge/session/session.h"
#include "e2e/rawconnection.h"
#include "support/testsupport.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTimer>
#include <QUrl>
#include <QtTest>

#include <memory>
#include <vector>

#include <sys/resource.h>

using namespace qk;
using qk::test::RawConnection;
using qk::test::waitFinished;

namespace {

// Python that closes connections the way a server does when it drops them: the worker's own
// connection to the notification server (as the IDE closes one that was idle), or the
// session's connections to the worker (as the worker closes idle ones).
const QString kDropNotifierConnection =
    QStringLiteral("import gc, socket\n"
                   "from qtkeras_worker.notifier import Notifier\n"
                   "_n = next(o for o in gc.get_objects() if isinstance(o, Notifier))\n"
                   "_n._sock.shutdown(socket.SHUT_RDWR)\n");
const QString kDropSessionConnections =
    QStringLiteral("import gc, socket\n"
                   "from qtkeras_worker.server import WorkerServer\n"
                   "_s = next(o for o in gc.get_objects() if isinstance(o, WorkerServer))\n"
                   "for _c in list(_s._authenticated):\n"
                   "    _c.shutdown(socket.SHUT_RDWR)\n");

// Connections to a server that trickle a request head, a byte every half second; every one
// the server closes is opened again at once.
class Flood {
public:
    Flood(quint16 port, int count)
        : m_port(port) {
        m_head =
            "POST /notify HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port) + "\r\nX-Slow: ";
        for (int i = 0; i < count; ++i)
            m_connections.push_back(std::make_unique<RawConnection>(port, false));
        m_timer.setInterval(500);
        QObject::connect(&m_timer, &QTimer::timeout, &m_timer, [this] { tick(); });
        m_timer.start();
        tick();
    }

    int reopened() const { return m_reopened; }

private:
    void tick() {
        for (auto& connection : m_connections) {
            if (connection->closedByServer()) {
                connection = std::make_unique<RawConnection>(m_port, false);
                ++m_reopened;
            }
            connection->send(m_byte < m_head.size() ? m_head.mid(m_byte, 1) : "x");
        }
        ++m_byte;
    }

    quint16 m_port;
    QByteArray m_head;
    qsizetype m_byte = 0;
    int m_reopened = 0;
    std::vector<std::unique_ptr<RawConnection>> m_connections;
    QTimer m_timer;
};

} // namespace

class TestFlood : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void cleanup();

    void resultNeedingANewNotificationConnectionSettles();
    void largeResultDownloadsThroughANewConnection();
    void nextCommandGoesOutAfterTheSessionsConnectionsWereClosed();

private:
    // Runs `code` under the flood and returns its value; reports how long it took beyond
    // `ownMs`, the time the code itself takes.
    Value runUnderFlood(const QString& code, int ownMs);

    std::unique_ptr<Session> m_session;
    quint16 m_workerPort = 0;
    quint16 m_notifyPort = 0;
    std::unique_ptr<Flood> m_workerFlood;
    std::unique_ptr<Flood> m_notifyFlood;
};

void TestFlood::initTestCase() {
    // 2,000 connections and the session's own: more than the usual soft limit of 1,024.
    rlimit files{};
    ::getrlimit(RLIMIT_NOFILE, &files);
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);

    m_session = std::make_unique<Session>(qk::test::workerOptions());
    QFuture<WorkerInfo> ready = m_session->ready();
    QVERIFY2(waitFinished(ready, 60000), "the worker did not start");
    m_workerPort = ready.result().port;
    // The notification server's URL is in the worker's command line, for anyone to read.
    QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(ready.result().pid));
    QVERIFY(cmdline.open(QIODevice::ReadOnly));
    const QList<QByteArray> argv = cmdline.readAll().split('\0');
    const qsizetype at = argv.indexOf("--notify-url");
    QVERIFY(at >= 0 && at + 1 < argv.size());
    m_notifyPort = quint16(QUrl(QString::fromLatin1(argv[at + 1])).port());
    QVERIFY(waitFinished(m_session->run(QStringLiteral("import numpy as np")), 60000));
}

void TestFlood::cleanupTestCase() {
    m_session.reset();
}

void TestFlood::init() {
    constexpr int kPerServer = 1000;
    m_workerFlood = std::make_unique<Flood>(m_workerPort, kPerServer);
    m_notifyFlood = std::make_unique<Flood>(m_notifyPort, kPerServer);
}

void TestFlood::cleanup() {
    qInfo("connections reopened after the servers closed them: %d to the worker, %d to the IDE",
          m_workerFlood->reopened(), m_notifyFlood->reopened());
    m_workerFlood.reset();
    m_notifyFlood.reset();
    // Once the flood is gone, the session is as it was.
    QFuture<Value> after = m_session->run(QStringLiteral("'after the flood'"));
    QVERIFY(waitFinished(after, 30000));
    QCOMPARE(after.result(), Value("after the flood"));
    QTRY_COMPARE(m_session->workerState(), WorkerState::Ready);
}

Value TestFlood::runUnderFlood(const QString& code, int ownMs) {
    QElapsedTimer clock;
    clock.start();
    QFuture<Value> f = m_session->run(code);
    if (!waitFinished(f, 60000)) {
        qWarning("the command did not settle within a minute under the flood");
        return {};
    }
    qInfo("settled %lld ms after the command's own %d ms", clock.elapsed() - ownMs, ownMs);
    const auto error = qk::test::errorOf(f);
    if (error) {
        qWarning("the command failed: %s", qPrintable(error->reason()));
        return {};
    }
    return f.result();
}

void TestFlood::resultNeedingANewNotificationConnectionSettles() {
    // The worker's connection to the IDE closes while the command runs: its result needs a
    // new one, while the flood holds every slot of the IDE's server.
    const Value value = runUnderFlood(
        kDropNotifierConnection + QStringLiteral("import time\ntime.sleep(1)\n42"), 1000);
    QCOMPARE(value, Value(42));
    // So do the commands after it.
    const Value next = runUnderFlood(QStringLiteral("'next'"), 0);
    QCOMPARE(next, Value("next"));
}

void TestFlood::largeResultDownloadsThroughANewConnection() {
    // The session's connections to the worker close while the command runs; its 800 kB
    // result is announced, and downloaded through a new connection while the flood holds
    // the worker's slots.
    const Value value = runUnderFlood(
        kDropSessionConnections +
            QStringLiteral("import time\ntime.sleep(1)\nnp.full(200_000, 3, np.float32)"),
        1000);
    QVERIFY(value.isArray());
    QCOMPARE(value.toArray().shape(), (std::vector<std::int64_t>{200'000}));
    QCOMPARE(value.toArray().data<float>()[199'999], 3.0f);
}

void TestFlood::nextCommandGoesOutAfterTheSessionsConnectionsWereClosed() {
    QCOMPARE(runUnderFlood(kDropSessionConnections + QStringLiteral("'dropped'"), 0),
             Value("dropped"));
    // A new POST /commands needs a new connection while the flood lasts.
    for (int i = 0; i < 5; ++i)
        QCOMPARE(runUnderFlood(QStringLiteral("%1 * 7").arg(i), 0), Value(i * 7));
}

QTEST_GUILESS_MAIN(TestFlood)
#include "tst_flood.moc"
