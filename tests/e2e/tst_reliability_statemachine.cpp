// SPDX-License-Identifier: GPL-3.0-or-later
// A randomised state machine (issue 6, item 12): submit, fail, decide (ignore, replace,
// drop), interrupt, kill and restart in random order against the real worker, with fixed
// seeds. Whatever happens, every command settles exactly once, its future and its final
// commandChanged signal agree, and the session works afterwards.
#include "bridge/session/readyfuture.h"
#include "bridge/session/session.h"
#include "e2e/reliability.h"

#include <QElapsedTimer>
#include <QHash>
#include <QRandomGenerator>
#include <QtTest>

#include <csignal>

using namespace qk;
using qk::test::errorOf;
using qk::test::waitFinished;
using qk::test::waitUntil;

class TestReliabilityStateMachine : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void everyCommandSettlesOnce_data();
    void everyCommandSettlesOnce();
};

void TestReliabilityStateMachine::everyCommandSettlesOnce_data() {
    QTest::addColumn<quint32>("seed");
    QTest::addColumn<int>("steps");
    for (quint32 seed : {1u, 2u, 3u, 4u})
        QTest::addRow("seed %u", seed) << seed << 150;
}

void TestReliabilityStateMachine::everyCommandSettlesOnce() {
    QFETCH(quint32, seed);
    QFETCH(int, steps);
    QRandomGenerator random(seed);
    SessionOptions options = qk::test::workerOptions();
    options.restart.maxRestarts = 1000; // kills are part of the game
    options.restart.delayMs = 0;
    options.interruptGraceMs = 1000;
    Session session(options);
    QVERIFY(waitFinished(session.ready(), 60000));

    QHash<QString, int> finalSignals;
    QHash<QString, CommandState> finalStates;
    QHash<QString, CommandState> lastStates;
    bool draining = false; // at the end: every command that starts is interrupted
    // The connection (and the calls it queues) end with this function, before what they use:
    // the session's shutdown settles its commands too.
    QObject scope;
    connect(&session.events(), &SessionEvents::commandChanged, &scope,
            [&](const CommandInfo& info) {
                lastStates[info.id] = info.state;
                if (draining && info.state == CommandState::Running) {
                    QMetaObject::invokeMethod(
                        &scope, [&session, id = info.id] { session.interrupt(id); },
                        Qt::QueuedConnection);
                }
                if (info.finished.isValid()) {
                    ++finalSignals[info.id];
                    finalStates[info.id] = info.state;
                }
            });
    int decisions[3] = {0, 0, 0};
    session.setErrorPolicy(
        [&](const CommandFailure&) {
            const int kind = static_cast<int>(random.bounded(3));
            ++decisions[kind];
            switch (kind) {
            case 0:
                return qk::readyFuture(Decision::ignore());
            case 1:
                return qk::readyFuture(Decision::replace(Command(QStringLiteral("'replaced'"))));
            default:
                return qk::readyFuture(Decision::dropQueue());
            }
        },
        this);

    qk::test::SettleCounter settled(static_cast<std::size_t>(steps));
    std::vector<QFuture<Value>> futures;
    std::vector<QString> ids;
    int ops[6] = {0, 0, 0, 0, 0, 0}; // submits, failures, loops, interrupts, kills, restarts
    auto submit = [&](const QString& code) {
        Command command(code);
        command.id = QStringLiteral("s%1-%2").arg(seed).arg(futures.size());
        ids.push_back(command.id);
        futures.push_back(session.send(command));
        settled.watch(futures.size() - 1, futures.back());
    };
    QElapsedTimer timer;
    timer.start();
    while (futures.size() < static_cast<std::size_t>(steps)) {
        const int roll = static_cast<int>(random.bounded(100));
        const int n = static_cast<int>(futures.size());
        if (roll < 40) {
            submit(QStringLiteral("%1").arg(n));
            ++ops[0];
        } else if (roll < 55) {
            submit(QStringLiteral("raise ValueError(%1)").arg(n));
            ++ops[1];
        } else if (roll < 68) {
            submit(QStringLiteral("import time\ntime.sleep(0.02)\n%1").arg(n));
            ++ops[0];
        } else if (roll < 71) {
            submit(QStringLiteral("while True:\n    pass"));
            ++ops[2];
        } else if (roll < 80) {
            session.interrupt();
            ++ops[3];
        } else if (roll < 84) {
            if (const qint64 pid = session.workerInfo().pid; pid > 0) {
                ::kill(static_cast<pid_t>(pid), SIGKILL);
                ++ops[4];
            }
        } else if (roll < 87) {
            session.restart();
            ++ops[5];
        } else {
            qk::test::letTimePass(static_cast<int>(random.bounded(60))); // a random pause
        }
    }
    // Loops left running are interrupted (and, where they ignore it, killed), the one running
    // now and each that starts from now on.
    draining = true;
    session.interrupt();
    const bool allSettled = waitUntil(
        [&] {
            return std::all_of(futures.begin(), futures.end(),
                               [](auto& f) { return f.isFinished(); });
        },
        60000);
    if (!allSettled) {
        QStringList open;
        for (std::size_t i = 0; i < futures.size(); ++i) {
            if (!futures[i].isFinished())
                open << ids[i] + u'=' + stateName(lastStates.value(ids[i]));
        }
        QFuture<Value> status = session.query(QStringLiteral("/status"));
        waitFinished(status, 5000);
        const QString worker = status.isFinished() ? status.result().toDisplayString(300)
                                                   : QStringLiteral("no answer");
        QFAIL(qPrintable(
            QStringLiteral("open after 60 s (worker %1, its status %2): %3")
                .arg(workerStateName(session.workerState()), worker, open.join(u' ').left(300))));
    }
    qk::test::letTimePass(500); // a second settling would show now
    int succeeded = 0;
    for (std::size_t i = 0; i < futures.size(); ++i) {
        const QString& id = ids[i];
        QVERIFY2(settled.count(i) == 1, qPrintable(id));
        QVERIFY2(finalSignals.value(id) == 1,
                 qPrintable(id + QStringLiteral(": %1 final signals").arg(finalSignals.value(id))));
        const auto error = errorOf(futures[i]);
        if (error) {
            QVERIFY2(error->state() == finalStates.value(id), qPrintable(id));
            QVERIFY(!error->reason().isEmpty());
        } else {
            ++succeeded;
            QVERIFY2(finalStates.value(id) == CommandState::Succeeded ||
                         finalStates.value(id) == CommandState::Replaced,
                     qPrintable(id));
        }
    }
    QFuture<Value> last = session.run(QStringLiteral("'alive'"));
    QVERIFY(waitFinished(last, 30000));
    QCOMPARE(last.result(), Value("alive"));
    qInfo("seed %u: %d commands (%d ok, %d failing, %d endless), %d interrupts, %d kills, %d "
          "restarts, decisions ignore/replace/drop %d/%d/%d; %d succeeded; all settled once in "
          "%lld ms",
          seed, steps, ops[0], ops[1], ops[2], ops[3], ops[4], ops[5], decisions[0], decisions[1],
          decisions[2], succeeded, timer.elapsed());
}

QTEST_GUILESS_MAIN(TestReliabilityStateMachine)
#include "tst_reliability_statemachine.moc"
