// SPDX-License-Identifier: GPL-3.0-or-later
// Hostile requests to both servers of a real session: the worker's and the IDE's notification
// server. Each gets a 4xx or a closed connection, nothing runs, nothing crashes, and the
// session's commands keep completing, also while 1,000 slow connections hold on to each.
//
// The notification server's port is found as an attacker would: in the worker's command line.
// Requests that need the session's token come from the worker itself (a compromised worker
// holds the token), by running code in it that posts straight to the notification server.
#include "bridge/session/session.h"
#include "e2e/rawconnection.h"
#include "support/testsupport.h"

#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QtTest>

#include <algorithm>
#include <cerrno>
#include <vector>

using namespace qk;
using qk::test::RawConnection;
using qk::test::waitFinished;

namespace {

int statusOf(const QByteArray& response) {
    if (!response.startsWith("HTTP/1.1 "))
        return 0;
    return response.mid(9, 3).toInt();
}

qint64 residentKiB(qint64 pid) {
    QFile status(pid == 0 ? QStringLiteral("/proc/self/status")
                          : QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

// A request head for a server on `port`: the token and the content type unless empty, then
// the `extra` header lines.
QByteArray head(const QByteArray& requestLine, quint16 port, const QByteArray& token,
                const QByteArray& type, qint64 length, const QList<QByteArray>& extra = {}) {
    QByteArray h = requestLine + "\r\nHost: 127.0.0.1:" + QByteArray::number(port) + "\r\n";
    if (!token.isEmpty())
        h += "Authorization: Bearer " + token + "\r\n";
    if (!type.isEmpty())
        h += "Content-Type: " + type + "\r\n";
    h += "Content-Length: " + QByteArray::number(length) + "\r\n";
    for (const QByteArray& line : extra)
        h += line + "\r\n";
    return h + "\r\n";
}

} // namespace

class TestHostile : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void refusedByBothServers_data();
    void refusedByBothServers();
    void tenGigabyteBodyWithoutTokenIsNotRead_data();
    void tenGigabyteBodyWithoutTokenIsNotRead();
    void compromisedWorkerCannotDisturbTheSession();
    void slowConnectionsDelayNoCommandOver3s();

private:
    // Runs a command and checks its value; the session must keep working after every attack.
    void checkStillWorks(const QString& what);
    quint16 port(const QString& server) const {
        return server == QLatin1String("worker") ? m_workerPort : m_notifyPort;
    }

    std::unique_ptr<Session> m_session;
    quint16 m_workerPort = 0;
    quint16 m_notifyPort = 0;
    qint64 m_workerPid = 0;
    int m_checks = 0;
};

void TestHostile::initTestCase() {
    m_session = std::make_unique<Session>(qk::test::workerOptions());
    QFuture<WorkerInfo> ready = m_session->ready();
    QVERIFY2(waitFinished(ready, 60000), "the worker did not start");
    m_workerPort = ready.result().port;
    m_workerPid = ready.result().pid;
    // The notification server's URL is in the worker's command line, for anyone to read.
    QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(m_workerPid));
    QVERIFY(cmdline.open(QIODevice::ReadOnly));
    const QList<QByteArray> argv = cmdline.readAll().split('\0');
    const qsizetype at = argv.indexOf("--notify-url");
    QVERIFY(at >= 0 && at + 1 < argv.size());
    const QUrl url(QString::fromLatin1(argv[at + 1]));
    QCOMPARE(url.host(), QStringLiteral("127.0.0.1"));
    m_notifyPort = quint16(url.port());
    QVERIFY(m_notifyPort > 0);
    checkStillWorks(QStringLiteral("start"));
}

void TestHostile::cleanupTestCase() {
    m_session.reset();
}

void TestHostile::checkStillWorks(const QString& what) {
    ++m_checks;
    QFuture<Value> f = m_session->run(QStringLiteral("%1 * 2").arg(m_checks));
    QVERIFY2(waitFinished(f, 30000), qPrintable(what));
    QCOMPARE(f.result(), Value(m_checks * 2));
    QCOMPARE(m_session->workerState(), WorkerState::Ready);
}

void TestHostile::refusedByBothServers_data() {
    QTest::addColumn<QString>("server");
    QTest::addColumn<QByteArray>("requestLine");
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<QByteArray>("type");
    QTest::addColumn<QList<QByteArray>>("extra");
    QTest::addColumn<bool>("foreignHost");
    QTest::addColumn<int>("status");

    const QByteArray json = "application/json";
    const QByteArray wrong(64, 'f');
    for (const QString& server : {QStringLiteral("worker"), QStringLiteral("notify")}) {
        const QByteArray post =
            server == QLatin1String("worker") ? "POST /commands HTTP/1.1" : "POST /notify HTTP/1.1";
        const auto row = [&](const char* name) -> QTestData& {
            return QTest::addRow("%s: %s", qPrintable(server), name) << server;
        };
        row("no token") << post << QByteArray() << json << QList<QByteArray>{} << false << 401;
        row("wrong token") << post << wrong << json << QList<QByteArray>{} << false << 401;
        row("foreign Host") << post << wrong << json << QList<QByteArray>{} << true << 403;
        row("Origin") << post << QByteArray() << json
                      << QList<QByteArray>{"Origin: http://evil.example"} << false << 403;
        row("Sec-Fetch-Site") << post << QByteArray() << json
                              << QList<QByteArray>{"Sec-Fetch-Site: cross-site"} << false << 403;
        row("text/plain") << post << QByteArray() << QByteArray("text/plain") << QList<QByteArray>{}
                          << false << 401;
        row("form") << post << wrong << QByteArray("application/x-www-form-urlencoded")
                    << QList<QByteArray>{} << false << 401;
        row("unknown method") << QByteArray("BREW /notify HTTP/1.1") << QByteArray() << json
                              << QList<QByteArray>{} << false << 401;
        row("unknown path") << QByteArray("POST /nowhere HTTP/1.1") << wrong << json
                            << QList<QByteArray>{} << false << 401;
        // The worker's http.server takes HTTP/1.0 and bare LF line ends, then finds no token;
        // the notification server's gate refuses both outright.
        const bool worker = server == QLatin1String("worker");
        row("HTTP/1.0") << QByteArray(post).replace("1.1", "1.0") << QByteArray() << json
                        << QList<QByteArray>{} << false << (worker ? 401 : 505);
        row("bare LF") << QByteArray(post + "\nX: y") << QByteArray() << json << QList<QByteArray>{}
                       << false << (worker ? 401 : 400);
    }
}

void TestHostile::refusedByBothServers() {
    QFETCH(QString, server);
    QFETCH(QByteArray, requestLine);
    QFETCH(QByteArray, token);
    QFETCH(QByteArray, type);
    QFETCH(QList<QByteArray>, extra);
    QFETCH(bool, foreignHost);
    QFETCH(int, status);

    QSignalSpy changed(&m_session->events(), &SessionEvents::commandChanged);
    QSignalSpy events(&m_session->events(), &SessionEvents::workerEvent);
    // A body that would leave a trace if it ran (worker) or settled a command (notify).
    const QByteArray body =
        server == QLatin1String("worker")
            ? QByteArray("{\"id\": \"hostile\", \"code\": \"hostile_ran = 1\"}")
            : QByteArray("{\"seq\": 1, \"results\": [{\"id\": \"1\", \"value\": 7}]}");
    QByteArray request = head(requestLine, port(server), token, type, body.size() + 100, extra);
    if (foreignHost)
        request.replace("Host: 127.0.0.1:", "Host: rebound.example:");
    RawConnection connection(port(server));
    QVERIFY(connection.connected());
    // The declared length exceeds what is sent: a server that read the body would wait.
    QVERIFY(connection.send(request + body));
    const QByteArray response = connection.readAll();
    QCOMPARE(statusOf(response), status);
    QVERIFY(response.contains("\r\nConnection: close\r\n"));
    QVERIFY(!response.toLower().contains("access-control-"));
    checkStillWorks(QStringLiteral("after ") + QString::fromLatin1(QTest::currentDataTag()));
    QFuture<Value> trace = m_session->run(QStringLiteral("'hostile_ran' in globals()"));
    QVERIFY(waitFinished(trace));
    QCOMPARE(trace.result(), Value(false));
    // Only the session's own two commands changed; no event came.
    for (const QList<QVariant>& signal : changed)
        QVERIFY(signal.at(0).value<CommandInfo>().id != QLatin1String("hostile"));
    QCOMPARE(events.count(), 0);
}

void TestHostile::tenGigabyteBodyWithoutTokenIsNotRead_data() {
    QTest::addColumn<QString>("server");
    QTest::newRow("worker") << QStringLiteral("worker");
    QTest::newRow("notify") << QStringLiteral("notify");
}

void TestHostile::tenGigabyteBodyWithoutTokenIsNotRead() {
    QFETCH(QString, server);
    const bool worker = server == QLatin1String("worker");
    const qint64 pid = worker ? m_workerPid : 0;
    const qint64 before = residentKiB(pid);
    RawConnection connection(port(server));
    QVERIFY(connection.connected());
    QVERIFY(connection.send(head(worker ? "POST /commands HTTP/1.1" : "POST /notify HTTP/1.1",
                                 port(server), {}, "application/json", qint64(10) << 30)));
    // The refusal comes at once, before a byte of the body has been sent.
    const QByteArray answer = connection.readHead();
    QCOMPARE(statusOf(answer), 401);
    QVERIFY(answer.contains("\r\nConnection: close\r\n"));
    // An attacker that keeps sending anyway is cut off soon (the notification server discards
    // what arrives while its answer is delivered, up to 1 MiB or 2 s), far short of 10 GB.
    const QByteArray chunk(1 << 20, '[');
    qint64 sent = 0;
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < 10000 && connection.send(chunk))
        sent += chunk.size();
    const qint64 cutOff = timer.elapsed();
    qInfo("%s: cut off after %lld ms and %lld MB", qPrintable(server), cutOff, sent >> 20);
    QVERIFY2(cutOff < 5000, "the server kept taking a body it had refused");
    const qint64 growth = residentKiB(pid) - before;
    qInfo("%s: resident memory grew by %lld KiB", qPrintable(server), growth);
    QVERIFY2(growth < 16 * 1024, qPrintable(QStringLiteral("memory grew by %1 KiB").arg(growth)));
    checkStillWorks(QStringLiteral("after a 10 GB body"));
}

void TestHostile::compromisedWorkerCannotDisturbTheSession() {
    // A command whose result the worker later claims again, with another value.
    QSignalSpy changed(&m_session->events(), &SessionEvents::commandChanged);
    QFuture<Value> settled = m_session->run(QStringLiteral("41 + 1"));
    QVERIFY(waitFinished(settled));
    QCOMPARE(settled.result(), Value(42));
    // Its state changes reach this thread after the future: wait for the last one.
    QString settledId;
    QVERIFY(qk::test::waitUntil([&] {
        for (const QList<QVariant>& signal : changed) {
            const auto info = signal.at(0).value<CommandInfo>();
            if (info.code == QLatin1String("41 + 1") && info.state == CommandState::Succeeded)
                settledId = info.id;
        }
        return !settledId.isEmpty();
    }));

    // Runs in the worker, with the token its notifier holds: hostile notifications, each
    // answered with a status (or 0 when the server closed without one).
    QFile script(QStringLiteral(QTKERAS_TEST_SOURCE_DIR "/tests/e2e/hostile_notifications.py"));
    QVERIFY(script.open(QIODevice::ReadOnly));
    const QString attack = QString::fromUtf8(script.readAll());
    changed.clear();
    QSignalSpy failed(&m_session->events(), &SessionEvents::commandFailed);
    QSignalSpy events(&m_session->events(), &SessionEvents::workerEvent);
    QFuture<Value> attacked =
        m_session->send(Command(attack).bind(QStringLiteral("SETTLED"), Value(settledId)));
    QVERIFY(waitFinished(attacked, 60000));
    // Every state change signalled before the attack's own last one has arrived by then.
    QVERIFY(qk::test::waitUntil([&] {
        return std::any_of(changed.begin(), changed.end(), [&](const QList<QVariant>& signal) {
            const auto info = signal.at(0).value<CommandInfo>();
            return info.code == attack && info.state == CommandState::Succeeded;
        });
    }));
    const Value::Dict statuses = attacked.result().toDict();
    const auto statusFor = [&statuses](const char* name) {
        for (const auto& [key, value] : statuses) {
            if (key == Value(QString::fromLatin1(name)))
                return int(value.toInt());
        }
        return -1;
    };
    // Well-formed but not about an open command: accepted and ignored.
    QCOMPARE(statusFor("unknown id"), 200);
    QCOMPARE(statusFor("settled id"), 200);
    QCOMPARE(statusFor("announcement for settled id"), 200);
    QCOMPARE(statusFor("announcement for unknown id"), 200);
    QCOMPARE(statusFor("error for settled id"), 200);
    QCOMPARE(statusFor("error for unknown id"), 200);
    QCOMPARE(statusFor("event for unknown id"), 200);
    // Malformed: refused.
    QCOMPARE(statusFor("deep JSON"), 400);
    QCOMPARE(statusFor("deep MessagePack"), 400);
    QCOMPARE(statusFor("invalid UTF-8"), 400);
    QCOMPARE(statusFor("lone surrogate"), 400);
    QCOMPARE(statusFor("truncated"), 0);
    QCOMPARE(statusFor("bad MessagePack"), 400);
    QCOMPARE(statusFor("not a message"), 400);
    QCOMPARE(statusFor("text/plain"), 415);
    QCOMPARE(statusFor("unknown path"), 404);

    // The settled future keeps its value; no command failed or changed but the attack's own.
    QCOMPARE(settled.result(), Value(42));
    QCOMPARE(failed.count(), 0);
    for (const QList<QVariant>& signal : changed) {
        const auto info = signal.at(0).value<CommandInfo>();
        QVERIFY2(info.code == attack, qPrintable(QStringLiteral("command %1 (%2) changed: %3")
                                                     .arg(info.id, info.code.left(40))
                                                     .arg(int(info.state))));
    }
    for (const QList<QVariant>& signal : events)
        QVERIFY(signal.at(0).value<WorkerEvent>().commandId != QLatin1String("no-such-command"));
    checkStillWorks(QStringLiteral("after a compromised worker's notifications"));
}

void TestHostile::slowConnectionsDelayNoCommandOver3s() {
    // 1,000 connections to each server: half trickle a request head a byte at a time, half
    // send nothing. The servers must drop them (header deadline, 10 s) or refuse them
    // (connection cap) while the session's commands keep completing.
    constexpr int kPerServer = 1000;
    checkStillWorks(QStringLiteral("before the attack"));
    std::vector<std::unique_ptr<RawConnection>> attackers;
    QList<QByteArray> heads;
    for (const quint16 target : {m_workerPort, m_notifyPort}) {
        for (int i = 0; i < kPerServer; ++i) {
            attackers.push_back(std::make_unique<RawConnection>(target, false));
            heads.append(i % 2 == 0 ? QByteArray("POST /notify HTTP/1.1\r\nHost: 127.0.0.1:") +
                                          QByteArray::number(target) + "\r\nX-Slow: "
                                    : QByteArray());
        }
    }
    QElapsedTimer attack;
    attack.start();
    qint64 slowest = 0;
    int commands = 0;
    for (int byte = 0; attack.elapsed() < 12000; ++byte) {
        // The trickling half: the head's next byte, then an endless header value.
        for (std::size_t i = 0; i < attackers.size(); ++i) {
            const QByteArray& slowHead = heads[qsizetype(i)];
            if (!slowHead.isEmpty())
                attackers[i]->send(byte < slowHead.size() ? slowHead.mid(byte, 1) : "x");
        }
        QElapsedTimer command;
        command.start();
        checkStillWorks(QStringLiteral("during the attack"));
        slowest = std::max(slowest, command.elapsed());
        ++commands;
        qk::test::letTimePass(500); // the attackers' pace: a byte each half second
    }
    qInfo("%d commands completed during the attack, the slowest in %lld ms", commands, slowest);
    QVERIFY(commands >= 10);
    QVERIFY2(slowest < 3000, qPrintable(QStringLiteral("a command took %1 ms").arg(slowest)));
    // Past the header deadline, both servers have closed every attacking connection.
    int open = 0;
    QVERIFY(qk::test::waitUntil(
        [&] {
            open = 0;
            for (const auto& connection : attackers)
                open += connection->closedByServer() ? 0 : 1;
            return open == 0;
        },
        6000));
    attackers.clear();
    checkStillWorks(QStringLiteral("after the attack"));
}

QTEST_GUILESS_MAIN(TestHostile)
#include "tst_hostile.moc"
