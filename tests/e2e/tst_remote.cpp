// SPDX-License-Identifier: GPL-3.0-or-later
// A worker on another host, reached through a real OpenSSH server on 127.0.0.1 (its own
// port, host key and client key): commands and notifications through the tunnel, a local
// port that differs from the remote one, strict host keys, the token only in a file of its
// owner's, a dropped connection re-attached with nothing lost, and no process left behind.
#include "bridge/session/session.h"
#include "bridge/worker/remoteworker.h"
#include "support/sshserver.h"
#include "support/testsupport.h"

#include <QDirIterator>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QtTest>

#include <csignal>

#include <sys/stat.h>

using namespace qk;
using qk::test::errorOf;
using qk::test::waitFinished;
using qk::test::waitUntil;

namespace {

bool processExists(qint64 pid) {
    return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) == 0;
}

// Every process's command line that holds `needle`.
QStringList commandLinesWith(const QByteArray& needle) {
    QStringList found;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    for (const QString& pid : entries) {
        QFile file(QStringLiteral("/proc/%1/cmdline").arg(pid));
        if (file.open(QIODevice::ReadOnly) && file.readAll().contains(needle))
            found << pid;
    }
    return found;
}

} // namespace

class TestRemote : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void targetsAreParsedStrictly_data();
    void targetsAreParsedStrictly();
    void commandsAndNotificationsGoThroughTheTunnel();
    void theTokenIsOnlyInAFileOfItsOwners();
    void anUnknownHostKeyIsRefused();
    void aDroppedConnectionIsReattachedWithNothingLost();
    void closingTheSessionStopsTheRemoteWorker();
    void stoppingWhileDisconnectedStopsTheRemoteWorker();

private:
    SessionOptions remoteOptions() const;
    QString runDirectory(const QString& run) const;

    qk::test::SshServer m_ssh;
};

void TestRemote::initTestCase() {
    QVERIFY2(m_ssh.start(), qPrintable(m_ssh.error()));
}

SessionOptions TestRemote::remoteOptions() const {
    SessionOptions options = qk::test::workerOptions();
    options.worker.remote = m_ssh.url();
    options.worker.sshArguments = m_ssh.clientArguments();
    options.worker.leaseSeconds = 120;
    options.restart.automatic = false;
    return options;
}

QString TestRemote::runDirectory(const QString& run) const {
    return m_ssh.cacheHome() + QStringLiteral("/qtkeras/workers/") + run;
}

void TestRemote::targetsAreParsedStrictly_data() {
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::newRow("host") << "ssh://gpu1"
                          << ""
                          << "gpu1" << 0;
    QTest::newRow("user, host, port") << "ssh://ana@gpu1.lab:2222"
                                      << "ana"
                                      << "gpu1.lab" << 2222;
    QTest::newRow("IPv6") << "ssh://[::1]:22"
                          << ""
                          << "::1" << 22;
    QTest::newRow("not ssh") << "http://gpu1"
                             << ""
                             << "" << -1;
    QTest::newRow("option as host") << "ssh://-oProxyCommand=x"
                                    << ""
                                    << "" << -1;
    QTest::newRow("option as user") << "ssh://-oX@gpu1"
                                    << ""
                                    << "" << -1;
    QTest::newRow("password") << "ssh://ana:secret@gpu1"
                              << ""
                              << "" << -1;
    QTest::newRow("path") << "ssh://gpu1/home"
                          << ""
                          << "" << -1;
    QTest::newRow("space") << "ssh://gpu 1"
                           << ""
                           << "" << -1;
    QTest::newRow("no host") << "ssh://"
                             << ""
                             << "" << -1;
}

void TestRemote::targetsAreParsedStrictly() {
    QFETCH(QString, url);
    QFETCH(QString, user);
    QFETCH(QString, host);
    QFETCH(int, port);
    QString error;
    const std::optional<SshTarget> target = SshTarget::parse(url, &error);
    if (port < 0) {
        QVERIFY(!target);
        QVERIFY(!error.isEmpty());
        return;
    }
    QVERIFY2(target, qPrintable(error));
    QCOMPARE(target->user, user);
    QCOMPARE(target->host, host);
    QCOMPARE(target->port, port);
}

void TestRemote::commandsAndNotificationsGoThroughTheTunnel() {
    Session session(remoteOptions());
    QSignalSpy output(&session.events(), &SessionEvents::output);
    QVERIFY(waitFinished(session.ready(), 120000));
    const WorkerInfo info = session.workerInfo();
    QCOMPARE(info.host, m_ssh.url());
    QVERIFY(!info.run.isEmpty());
    // The client reaches the worker through a local port of its own: the worker's port is
    // taken on this machine (the "remote" host is this one), so they cannot be equal.
    QVERIFY(info.port != 0 && info.hostPort != 0);
    QVERIFY(info.port != info.hostPort);

    QFuture<Value> f = session.run(QStringLiteral("print('hello over ssh')\n6 * 7"));
    QVERIFY(waitFinished(f, 60000));
    QCOMPARE(f.result(), Value(42));
    QTRY_VERIFY(!output.isEmpty());
    QCOMPARE(output.first().at(2).toString(), QStringLiteral("hello over ssh\n"));

    // A binding of 4 MiB goes in the request body (the worker cannot reach the notification
    // server to fetch it), and its sum comes back.
    std::vector<float> values(1 << 20);
    for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = float(i % 1000);
    QFuture<Value> sum =
        session.send(Command(QStringLiteral("float(x.sum(dtype='float64')), x.shape"))
                         .bind(QStringLiteral("x"), Value(NdArray::fromVector(values))));
    QVERIFY(waitFinished(sum, 60000));
    QCOMPARE(sum.result(),
             Value::tuple({Value(1048 * 499500.0 + 575 * 576 / 2), Value::tuple({1 << 20})}));

    // A failure comes back with its traceback, as from a local worker.
    const auto error = errorOf(session.run(QStringLiteral("1 / 0")));
    QVERIFY(error);
    QCOMPARE(error->failure().type, QStringLiteral("ZeroDivisionError"));
}

void TestRemote::theTokenIsOnlyInAFileOfItsOwners() {
    Session session(remoteOptions());
    QVERIFY(waitFinished(session.ready(), 120000));
    const QString run = runDirectory(session.workerInfo().run);
    QFile tokenFile(run + QStringLiteral("/token"));
    QVERIFY(tokenFile.open(QIODevice::ReadOnly));
    const QByteArray token = tokenFile.readAll().trimmed();
    QCOMPARE(token.size(), 64);
    struct stat info {};
    QCOMPARE(::stat(QFile::encodeName(run).constData(), &info), 0);
    QCOMPARE(info.st_mode & 0777, 0700u);
    QCOMPARE(::stat(QFile::encodeName(tokenFile.fileName()).constData(), &info), 0);
    QCOMPARE(info.st_mode & 0777, 0600u);
    // Neither ssh, sshd, the bootstrap nor the worker has it on its command line.
    QVERIFY(commandLinesWith(token).isEmpty());
    // (The scan does see command lines: the worker's names its token file.)
    QVERIFY(!commandLinesWith(QFile::encodeName(tokenFile.fileName())).isEmpty());
}

void TestRemote::anUnknownHostKeyIsRefused() {
    qk::test::SshServer other;
    QVERIFY2(other.start(), qPrintable(other.error()));
    other.forgeHostKey();
    SessionOptions options = remoteOptions();
    options.worker.remote = other.url();
    options.worker.sshArguments = other.clientArguments();
    Session session(options);
    QFuture<WorkerInfo> ready = session.ready();
    QVERIFY(waitFinished(ready, 60000));
    QString reason;
    try {
        ready.result();
    } catch (const WorkerError& e) {
        reason = e.reason();
    }
    QVERIFY2(reason.contains(QStringLiteral("host key")), qPrintable(reason));
    QVERIFY2(reason.contains(QStringLiteral("never accepts one by itself")), qPrintable(reason));
    // Nothing started over there.
    QVERIFY(!QDir(other.cacheHome() + QStringLiteral("/qtkeras/workers")).exists() ||
            QDir(other.cacheHome() + QStringLiteral("/qtkeras/workers"))
                .entryList(QDir::Dirs | QDir::NoDotAndDotDot)
                .isEmpty());
}

void TestRemote::aDroppedConnectionIsReattachedWithNothingLost() {
    Session session(remoteOptions());
    QSignalSpy output(&session.events(), &SessionEvents::output);
    QSignalSpy disconnected(&session.events(), &SessionEvents::workerDisconnected);
    QSignalSpy reconnected(&session.events(), &SessionEvents::workerReconnected);
    QVERIFY(waitFinished(session.ready(), 120000));
    const WorkerInfo before = session.workerInfo();
    QFuture<Value> define = session.run(QStringLiteral("kept = 'still here'"));
    QVERIFY(waitFinished(define, 60000));

    // A command that goes on while the connection is down: 300 lines of output, then a
    // file that says it has finished, then its value.
    qk::test::Gate gate;
    QTemporaryDir marks;
    const QString finished = marks.filePath(QStringLiteral("finished"));
    QFuture<Value> running = session.run(QStringLiteral("print('before the drop')\n") +
                                         gate.code(QStringLiteral("for i in range(300):\n"
                                                                  "    print(f'line {i}')\n"
                                                                  "open(%1, 'w').close()\n"
                                                                  "'done'")
                                                       .arg(u'\'' + finished + u'\'')));
    QTRY_VERIFY_WITH_TIMEOUT(!output.isEmpty(), 60000);

    m_ssh.dropConnections();
    QTRY_VERIFY_WITH_TIMEOUT(!disconnected.isEmpty(), 30000);
    QVERIFY(!running.isFinished());
    // Sent while the connection is down: it waits, and runs after the reconnection.
    QFuture<Value> later = session.run(QStringLiteral("kept"));
    gate.open();
    // The command finishes over there while nobody listens.
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(finished), 60000);
    QVERIFY(processExists(before.pid));
    QVERIFY(reconnected.isEmpty());

    QVERIFY2(m_ssh.listen(), qPrintable(m_ssh.error()));
    QTRY_VERIFY_WITH_TIMEOUT(!reconnected.isEmpty(), 60000);
    const WorkerInfo after = reconnected.first().at(0).value<WorkerInfo>();
    QCOMPARE(after.pid, before.pid); // the same worker, its variables kept
    QCOMPARE(after.run, before.run);
    QVERIFY(waitFinished(running, 60000));
    QCOMPARE(running.result(), Value("done"));
    QVERIFY(waitFinished(later, 60000));
    QCOMPARE(later.result(), Value("still here"));

    // Every line, once, in order. (Futures settle on the transport thread; the signals
    // come through the event loop.)
    auto text = [&output] {
        QString all;
        for (const auto& args : output)
            all += args.at(2).toString();
        return all;
    };
    QTRY_VERIFY_WITH_TIMEOUT(text().contains(QStringLiteral("line 299")), 30000);
    QStringList expected{QStringLiteral("before the drop")};
    for (int i = 0; i < 300; ++i)
        expected << QStringLiteral("line %1").arg(i);
    QCOMPARE(text().trimmed().split(u'\n'), expected);
    QCOMPARE(disconnected.count(), 1);
    QCOMPARE(reconnected.count(), 1);
}

void TestRemote::closingTheSessionStopsTheRemoteWorker() {
    qint64 pid = 0;
    QString run;
    {
        Session session(remoteOptions());
        QVERIFY(waitFinished(session.ready(), 120000));
        pid = session.workerInfo().pid;
        run = runDirectory(session.workerInfo().run);
        QVERIFY(processExists(pid));
        QVERIFY(QFileInfo::exists(run));
    }
    // A leased worker outlives a dropped connection, not a closed session.
    QTRY_VERIFY_WITH_TIMEOUT(!processExists(pid), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(!QFileInfo::exists(run), 15000);
}

// Stop pressed while the connection is down: the worker does not run on until its lease
// ends; it is stopped over a new connection as soon as its host answers again.
void TestRemote::stoppingWhileDisconnectedStopsTheRemoteWorker() {
    Session session(remoteOptions());
    QSignalSpy disconnected(&session.events(), &SessionEvents::workerDisconnected);
    QSignalSpy warnings(&session.events(), &SessionEvents::workerWarning);
    QVERIFY(waitFinished(session.ready(), 120000));
    const qint64 pid = session.workerInfo().pid;
    const QString run = runDirectory(session.workerInfo().run);
    QVERIFY(processExists(pid));

    m_ssh.dropConnections();
    QTRY_VERIFY_WITH_TIMEOUT(!disconnected.isEmpty(), 30000);
    session.stopWorker();
    QTRY_COMPARE(session.workerState(), WorkerState::Stopped);
    QVERIFY(processExists(pid)); // the host cannot be reached yet
    QVERIFY2(m_ssh.listen(), qPrintable(m_ssh.error()));
    QTRY_VERIFY_WITH_TIMEOUT(!processExists(pid), 30000);
    QTRY_VERIFY_WITH_TIMEOUT(!QFileInfo::exists(run), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(!warnings.isEmpty(), 15000);
    QVERIFY2(warnings.last().at(0).toString().contains(QStringLiteral("was stopped")),
             qPrintable(warnings.last().at(0).toString()));
}

QTEST_GUILESS_MAIN(TestRemote)
#include "tst_remote.moc"
