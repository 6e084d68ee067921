// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/protocol/value.h"
#include "bridge/session/command.h"
#include "bridge/session/sessionevents.h"
#include "bridge/worker/workerprocess.h"

#include <QFuture>
#include <QObject>
#include <QPointer>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>

class QThread;

namespace qk {

class CommandRegistry;
class SessionCore;
class ReleaseQueue;

// What the session does when its worker dies unexpectedly (a crash, os._exit, a kill from
// outside): start a new one after delayMs, doubling the delay for each further death within
// windowMs, and give up after maxRestarts of them. A worker that cannot start is never
// retried: a wrong interpreter or a missing package does not fix itself.
struct RestartPolicy {
    bool automatic = true;
    int maxRestarts = 3;
    int windowMs = 60000;
    int delayMs = 500;
};

// Tab completion of a line of Python from the worker's scope: the word at the end of the
// line (the prefix) and the names that complete it, each with its kind ("variable",
// "function", "class", "module", "property", "keyword"). Asked while commands run; the
// worker runs no user code to answer.
struct Completions {
    struct Match {
        QString name;
        QString kind;
    };
    QString prefix;
    std::vector<Match> matches;
};

struct SessionOptions {
    WorkerOptions worker;
    RestartPolicy restart;
    // How long the running command may go on after interrupt() (code that ignores SIGINT or
    // is stuck in C) before the worker is killed and restarted; negative: never.
    int interruptGraceMs = 2000;
};

// A worker could not be started, or a request to it failed.
class WorkerError : public std::runtime_error {
public:
    explicit WorkerError(const QString& reason)
        : std::runtime_error(reason.toStdString())
        , m_reason(reason) {}
    const QString& reason() const { return m_reason; }

private:
    QString m_reason;
};

// A connection to one Python worker: starts it, sends it commands and settles their futures.
// Use it from the thread that created it; the transport (HTTP client, notification server,
// worker process) runs on a thread of its own, so futures settle while this thread waits
// (future.result() cannot deadlock) and continuations come back through
// QFuture::then(context, ...).
class Session : public QObject {
    Q_OBJECT
public:
    // Decides what to do about a failed command. The default drops the queue.
    using ErrorPolicy = std::function<QFuture<Decision>(const CommandFailure&)>;

    explicit Session(SessionOptions options = {}, QObject* parent = nullptr);
    ~Session() override;

    // Settles when the worker is ready; fails with WorkerError when it cannot start.
    QFuture<WorkerInfo> ready() const;
    WorkerState workerState() const;
    WorkerInfo workerInfo() const;

    // Queues a command; the future settles exactly once with its value or a CommandError.
    QFuture<Value> send(Command command);
    QFuture<Value> run(const QString& code) { return send(Command(code)); }

    // Binds a value to a fresh variable that lives as long as the returned reference and its
    // copies ("owned" lifetime; releases are batched).
    Reference put(Value value);
    // Binds a value to a named variable that lives until deleted ("eternal" lifetime).
    QFuture<Value> setVariable(const QString& name, Value value);
    // Deletes `names` now: after the commands the worker has queued, not after those still on
    // their way to it.
    QFuture<Value> deleteVariables(const QStringList& names);
    // Deletes `names` once every command sent before this call has run (they may still use
    // them): for a handle that owns a worker variable, when it goes. Thread-safe.
    void release(const QStringList& names);
    // The worker's variables: a list of dicts with name, type and repr.
    QFuture<Value> variables();
    // Completions of the dotted name that ends the line (see Completions).
    QFuture<Completions> completions(const QString& line);
    // A GET request to the worker, answered with its decoded JSON (status, health...).
    QFuture<Value> query(const QString& path);

    // Raises KeyboardInterrupt in the running command (the given one, or whichever runs).
    // If it still runs after SessionOptions::interruptGraceMs, the worker is killed and
    // restarted: every open command is cancelled and workerLost() tells why.
    void interrupt(const QString& commandId = {});
    // Asks a running fit() to stop after the current batch, keeping the weights.
    void stopTraining();
    // Kills the worker (every open command is cancelled) and starts a new one.
    void restart();
    // Stops the worker (a remote one on its host too) and starts none: every open command is
    // cancelled, the state is Stopped, and ready() waits for restart().
    void stopWorker();
    // A remote worker whose connection dropped is attached again now rather than at the
    // next attempt of the back-off.
    void reconnectNow();

    // Sets who decides about failures. The policy runs on context's thread, or on the
    // transport thread when context is null (then it must not block).
    void setErrorPolicy(ErrorPolicy policy, QObject* context = nullptr);

    // A 25-character random Python identifier for a worker variable.
    static QString freshName();

    // What the session reports (commands' states, output, worker events, its worker's life);
    // signals arrive on the session's thread.
    SessionEvents& events() const { return *m_events; }

private:
    QFuture<Value> failedNow(const CommandInfo& info, const QString& reason);

    SessionEvents* m_events;
    QThread* m_thread;
    std::shared_ptr<CommandRegistry> m_registry;
    std::shared_ptr<ReleaseQueue> m_releases;
    SessionCore* m_core;
    std::atomic<quint64> m_nextId = 0;
};

} // namespace qk
