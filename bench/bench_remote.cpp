// SPDX-License-Identifier: GPL-3.0-or-later
// Figures of a remote worker behind a real OpenSSH server on 127.0.0.1 (openssh-server, as the
// tests use it): the round trip of a trivial command through the tunnel beside the same on a
// local worker measured in the same run, and what is replayed after the connection is down
// for a while (10 s by default) while the worker goes on printing one numbered line every
// 20 ms. The plain GET of /health beside the round trip says what the tunnel itself costs (a
// command's result comes back through the worker's journal, polled: more than one crossing).
// Prints one JSON line of figures per section on stdout; progress goes to stderr.
// Usage: bench_remote [roundtrip] [replay] [--samples N] [--drop-seconds S]
#include "bench/benchsupport.h"

#include "tests/support/sshserver.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QSet>
#include <QThread>
#include <QTimer>

using namespace qk;
using namespace qk::bench;

namespace {

constexpr char kTrivial[] = "1 + 1";

SessionOptions remoteOptions(const qk::test::SshServer& ssh) {
    SessionOptions options = workerOptions();
    options.worker.remote = ssh.url();
    options.worker.sshArguments = ssh.clientArguments();
    options.worker.leaseSeconds = 120;
    return options;
}

// Until the worker has imported Keras in the background (which holds the interpreter).
void waitForKeras(Session& session) {
    for (int i = 0; i < 600; ++i) {
        const Value health = session.query(QStringLiteral("/health")).result();
        if (health.contains(QStringLiteral("keras_ready")) && health["keras_ready"].toBool())
            return;
        QThread::msleep(100);
    }
    progress(QStringLiteral("Keras is not ready after a minute; measuring anyway"));
}

// One GET through the same path (no queue, no notification): what the tunnel itself costs.
std::vector<double> queries(Session& session, int samples) {
    std::vector<double> times;
    for (int i = 0; i < samples; ++i) {
        const double start = now();
        session.query(QStringLiteral("/health")).result();
        times.push_back(now() - start);
    }
    return times;
}

std::vector<double> roundTrips(Session& session, int samples) {
    std::vector<double> times;
    for (int i = 0; i < samples / 10 + samples; ++i) {
        QCoreApplication::processEvents();
        const double start = now();
        const Value value = session.run(QString::fromUtf8(kTrivial)).result();
        const double elapsed = now() - start;
        if (value.toInt() != 2)
            throw std::runtime_error("wrong answer");
        if (i >= samples / 10)
            times.push_back(elapsed);
    }
    return times;
}

Json benchRoundTrip(const qk::test::SshServer& ssh, int samples) {
    std::vector<double> local;
    std::vector<double> localQuery;
    {
        progress(QStringLiteral("round trip: local worker"));
        Session session(workerOptions());
        await(session.ready());
        waitForKeras(session);
        local = roundTrips(session, samples);
        localQuery = queries(session, samples / 4);
    }
    progress(QStringLiteral("round trip: worker through ssh to %1").arg(ssh.url()));
    Session session(remoteOptions(ssh));
    await(session.ready());
    waitForKeras(session);
    const std::vector<double> remote = roundTrips(session, samples);
    const std::vector<double> remoteQuery = queries(session, samples / 4);
    const double localP50 = percentile(local, 0.5);
    const double remoteP50 = percentile(remote, 0.5);
    return {{"remote_local_rtt_p50_us", localP50 * 1e6},
            {"remote_rtt_p50_us", remoteP50 * 1e6},
            {"remote_rtt_p99_us", percentile(remote, 0.99) * 1e6},
            {"remote_rtt_ratio", remoteP50 / localP50},
            {"remote_local_get_p50_us", percentile(localQuery, 0.5) * 1e6},
            {"remote_get_p50_us", percentile(remoteQuery, 0.5) * 1e6},
            {"remote_rtt_samples", remote.size()}};
}

// Runs the event loop for `ms` milliseconds: the session's signals keep arriving.
void spin(int ms) {
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

// Runs the event loop until `done` holds or `ms` have passed; false on the deadline.
bool spinUntil(const std::function<bool()>& done, int ms) {
    const double deadline = now() + ms / 1000.0;
    while (!done()) {
        if (now() > deadline)
            return false;
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    }
    return true;
}

Json benchReplay(qk::test::SshServer& ssh, int dropSeconds) {
    progress(QStringLiteral("replay: the connection to %1 down for %2 s")
                 .arg(ssh.url())
                 .arg(dropSeconds));
    Session session(remoteOptions(ssh));
    await(session.ready());
    waitForKeras(session);
    // One numbered line every 20 ms for the drop and 8 s more.
    const int lines = (dropSeconds + 8) * 50;
    QSet<int> seen;
    int duplicates = 0;
    QString pending;
    QObject context;
    QObject::connect(&session.events(), &SessionEvents::output, &context,
                     [&](const QString&, const QString& stream, const QString& text) {
                         if (stream != QLatin1String("stdout"))
                             return;
                         pending += text;
                         qsizetype newline;
                         while ((newline = pending.indexOf(u'\n')) >= 0) {
                             bool number = false;
                             const int n = pending.left(newline).trimmed().toInt(&number);
                             pending.remove(0, newline + 1);
                             if (number && seen.contains(n))
                                 ++duplicates;
                             else if (number)
                                 seen.insert(n);
                         }
                     });
    bool reconnected = false;
    QObject::connect(&session.events(), &SessionEvents::workerReconnected, &context,
                     [&] { reconnected = true; });
    QFuture<Value> printing =
        session.run(QStringLiteral("import time\nfor i in range(%1):\n    print(i, flush=True)\n"
                                   "    time.sleep(0.02)\n'done'")
                        .arg(lines));
    if (!spinUntil([&] { return seen.size() >= 50; }, 60000))
        throw std::runtime_error("the worker's lines do not arrive");
    const qsizetype beforeDrop = seen.size();
    ssh.dropConnections();
    spin(dropSeconds * 1000);
    if (!ssh.listen())
        throw std::runtime_error("sshd does not listen again: " + ssh.error().toStdString());
    const double back = now();
    if (!spinUntil([&] { return reconnected; }, 120000))
        throw std::runtime_error("the session did not re-attach");
    const double reattached = now() - back;
    if (!spinUntil([&] { return printing.isFinished(); }, 120000) ||
        printing.result() != Value(QStringLiteral("done")))
        throw std::runtime_error("the command did not finish after the re-attach");
    spinUntil([&] { return seen.size() >= lines; }, 10000);
    return {{"replay_drop_s", dropSeconds},
            {"replay_lines", lines},
            {"replay_lines_before_drop", beforeDrop},
            {"replay_received_percent", 100.0 * static_cast<double>(seen.size()) / lines},
            {"replay_duplicates", duplicates},
            {"replay_reattach_after_listen_s", reattached}};
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("QtKeras remote worker benchmarks"));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("sections"),
                                 QStringLiteral("roundtrip, replay (default: both)"));
    const QCommandLineOption samples(QStringLiteral("samples"),
                                     QStringLiteral("Round trips measured on each worker."),
                                     QStringLiteral("n"), QStringLiteral("2000"));
    const QCommandLineOption drop(QStringLiteral("drop-seconds"),
                                  QStringLiteral("How long the connection stays down."),
                                  QStringLiteral("s"), QStringLiteral("10"));
    parser.addOption(samples);
    parser.addOption(drop);
    parser.process(app);
    QStringList sections = parser.positionalArguments();
    if (sections.isEmpty())
        sections = {QStringLiteral("roundtrip"), QStringLiteral("replay")};

    qk::test::SshServer ssh;
    if (!ssh.start()) {
        std::fprintf(stderr, "bench_remote: %s\n", qPrintable(ssh.error()));
        return 1;
    }
    try {
        if (sections.contains(QLatin1String("roundtrip")))
            printFigures(benchRoundTrip(ssh, parser.value(samples).toInt()));
        if (sections.contains(QLatin1String("replay")))
            printFigures(benchReplay(ssh, parser.value(drop).toInt()));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_remote: %s\n", e.what());
        return 1;
    }
    return 0;
}
