// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/protocol/codec.h"
#include "bridge/session/command.h"
#include "bridge/session/decisions.h"
#include "bridge/session/restarter.h"
#include "bridge/session/session.h"
#include "bridge/worker/workerprocess.h"

#include <QFuture>
#include <QObject>
#include <QPromise>

#include <memory>
#include <mutex>

class QTimer;

namespace qk {

class Heartbeat;
class Inbox;
class Outbox;

namespace transport {
class NotificationServer;
class WorkerClient;
} // namespace transport

// The transport side of a Session, on the session's transport thread. It owns the worker
// process, the HTTP client and the notification server, and wires the parts that do the
// work: the Outbox sends commands, the Inbox applies notifications in order (downloading
// announced results), Decisions handles failures, the Heartbeat keeps the connection and
// notices overdue deliveries, the Restarter decides about restarts. It reports on the
// session's SessionEvents. Its entry points are invoked through queued calls.
class SessionCore : public QObject {
public:
    SessionCore(SessionOptions options, std::shared_ptr<CommandRegistry> registry,
                std::shared_ptr<ReleaseQueue> releases, SessionEvents* events);
    ~SessionCore() override;

    // Thread-safe accessors.
    QFuture<WorkerInfo> readyFuture() const;
    WorkerState state() const;
    WorkerInfo info() const;
    void setErrorPolicy(Session::ErrorPolicy policy, QObject* context);

    // Transport-thread entry points.
    void start();
    // `sequence`: the command's number from ReleaseQueue::noteSent().
    void submit(const Command& command, quint64 sequence);
    void interrupt(const QString& id);
    void stopTraining();
    void request(const QString& method, const QString& path, const Value& body,
                 const std::shared_ptr<QPromise<Value>>& promise);
    void restart();
    void stopWorker();
    void reconnectNow();
    void shutdown();

private:
    // Reports on the session's events, on the events object's thread, in order.
    template <typename Signal, typename... Args>
    void report(Signal signal, const Args&... args) {
        QMetaObject::invokeMethod(
            m_events, [events = m_events, signal, args...] { (events->*signal)(args...); },
            Qt::QueuedConnection);
    }
    void changed(const std::optional<CommandInfo>& info);

    void startWorker();
    // Replaces the worker: kills the old one (if any), cancels every open command with
    // reason and starts a new one after delayMs; workerRestarted(reason) follows its ready.
    void replaceWorker(const QString& reason, int delayMs);
    // After the worker went away: no requests or polling, every open command cancelled with
    // reason, and ready() waits for the next worker.
    void closeLink(const QString& reason);
    void escalateInterrupt(quint64 generation, const QString& id);
    void onWorkerReady(const WorkerInfo& info);
    void onWorkerStartFailed(const QString& reason);
    void onWorkerExited(const QString& reason);
    void onWorkerDisconnected(const QString& reason);
    void onWorkerReconnected(const WorkerInfo& info);
    void setOpen(bool open);
    void setState(WorkerState state, const QString& reason = {});
    // Busy while commands other than the `settling` ones are open, else Ready.
    void updateBusyState(std::size_t settling = 0);
    void cancelAll(const QString& reason);

    // What the Inbox applies.
    void handleResult(const protocol::Json& item, const protocol::Payloads& payloads);
    void handleError(const protocol::Json& message);
    void handleEvents(const protocol::Json& message, const protocol::Payloads& payloads,
                      std::size_t from);

    SessionOptions m_options;
    std::shared_ptr<CommandRegistry> m_registry;
    std::shared_ptr<ReleaseQueue> m_releases;
    SessionEvents* m_events;
    QByteArray m_token;
    Restarter m_restarter;
    PolicySlot m_policy;
    transport::NotificationServer* m_server = nullptr;
    transport::WorkerClient* m_client = nullptr;
    Outbox* m_outbox = nullptr;
    Inbox* m_inbox = nullptr;
    Decisions* m_decisions = nullptr;
    Heartbeat* m_heartbeat = nullptr;
    WorkerHandle* m_worker = nullptr;
    bool m_shutDown = false;
    quint64 m_generation = 0;         // counts workers started
    QString m_restartReason;          // why the worker starting now replaces another
    QTimer* m_restartTimer = nullptr; // a pending automatic restart

    mutable std::mutex m_mutex; // guards the members below
    WorkerState m_state = WorkerState::Starting;
    WorkerInfo m_info;
    std::shared_ptr<QPromise<WorkerInfo>> m_ready;
};

} // namespace qk
