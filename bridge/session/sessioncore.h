#pragma once

#include "bridge/protocol/codec.h"
#include "bridge/session/command.h"
#include "bridge/session/session.h"
#include "bridge/worker/workerprocess.h"

#include <QFuture>
#include <QObject>
#include <QPointer>
#include <QPromise>

class QTimer;

#include <deque>
#include <memory>
#include <mutex>

namespace qk {

// The JSON document type of the protocol codec.
using WireJson = protocol::Json;

namespace transport {
class NotificationServer;
class WorkerClient;
struct WorkerReply;
} // namespace transport

// The transport side of a Session, living on the session's transport thread: it owns the
// worker process, the HTTP client and the notification server, batches outgoing commands
// (one POST in flight keeps them in order), and turns notifications into settled futures
// and signals. Its public slots are invoked through queued calls from the Session.
class SessionCore : public QObject {
    Q_OBJECT
public:
    SessionCore(SessionOptions options, std::shared_ptr<CommandRegistry> registry,
                std::shared_ptr<ReleaseQueue> releases);
    ~SessionCore() override;

    // Thread-safe accessors.
    QFuture<WorkerInfo> readyFuture() const;
    WorkerState state() const;
    WorkerInfo info() const;
    void setErrorPolicy(Session::ErrorPolicy policy, QObject* context);

    // Transport-thread entry points.
    void start();
    void submit(const Command& command);
    void decide(const QString& id, const Decision& decision);
    void interrupt(const QString& id);
    void stopTraining();
    void request(const QString& method, const QString& path, const Value& body,
                 std::shared_ptr<QPromise<Value>> promise);
    void restart();
    void shutdown();
    void flushReleases();

Q_SIGNALS:
    void workerReady(const qk::WorkerInfo& info);
    void workerStateChanged(qk::WorkerState state, const QString& reason);
    void commandChanged(const qk::CommandInfo& info);
    void commandFailed(const qk::CommandFailure& failure);
    void output(const QString& commandId, const QString& stream, const QString& text);
    void workerEvent(const qk::WorkerEvent& event);
    void workerLog(const QString& line);
    void workerLost(const QString& reason);
    void workerRestarted(const qk::WorkerInfo& info, const QString& reason);
    void workerWarning(const QString& message);

private:
    void startWorker();
    // Replaces the worker: kills the old one (if any), cancels every open command with
    // reason and starts a new one after delayMs; workerRestarted(reason) follows its ready.
    void replaceWorker(const QString& reason, int delayMs);
    void escalateInterrupt(quint64 generation, const QString& id);
    void onWorkerReady(const WorkerInfo& info);
    void onWorkerStartFailed(const QString& reason);
    void onWorkerExited(const QString& reason);
    void setState(WorkerState state, const QString& reason = {});
    // Busy while commands other than the `settling` ones are open, else Ready.
    void updateBusyState(std::size_t settling = 0);
    void flush();
    void onCommandsPosted(const std::vector<QString>& ids, int status, const QByteArray& body,
                          const QString& error);
    // A notification, parsed; a /notify waits here (from its result `next` on) while a result
    // announced before it is downloaded, so that commands settle in the worker's order.
    struct Inbound {
        QString path;
        WireJson message;
        protocol::Payloads payloads;
        std::size_t next = 0;
    };

    int handleNotification(const QString& path, const QByteArray& body, protocol::Format format);
    bool dispatch(Inbound& inbound); // false when it is malformed
    void drainInbox();
    // Decodes results: refs they hold are released when their last handle goes.
    protocol::DecodeContext resultContext(const protocol::Payloads& payloads) const;
    void handleResults(Inbound& inbound);
    void fetchResult(const QString& id, const WireJson& fetch);
    void onResultFetched(quint64 ticket, const QString& id, qint64 size,
                         const transport::WorkerReply& reply);
    void handleError(const WireJson& message);
    void handleEvents(const WireJson& message, const protocol::Payloads& payloads);
    void askPolicy(const CommandFailure& failure);
    void emitChanged(const std::optional<CommandInfo>& info);
    void cancelAll(const QString& reason);

    SessionOptions m_options;
    std::shared_ptr<CommandRegistry> m_registry;
    std::shared_ptr<ReleaseQueue> m_releases;
    QByteArray m_token;
    transport::NotificationServer* m_server = nullptr;
    transport::WorkerClient* m_client = nullptr;
    WorkerProcess* m_worker = nullptr;
    std::deque<Command> m_outbox;
    std::deque<Inbound> m_inbox; // notifications waiting for a download
    bool m_fetching = false;     // a result is being downloaded
    QString m_fetchingId;        // the command it belongs to
    quint64 m_fetchTicket = 0;   // changes when the commands are cancelled
    bool m_workerGone = false;   // while held notifications are handled after the worker ended
    bool m_postInFlight = false;
    bool m_shutDown = false;
    int m_pausedCount = 0;
    quint64 m_generation = 0;         // counts workers started
    QString m_restartReason;          // why the worker starting now replaces another
    std::deque<qint64> m_crashTimes;  // unexpected deaths within the restart window
    QTimer* m_restartTimer = nullptr; // a pending automatic restart

    mutable std::mutex m_mutex; // guards the members below
    WorkerState m_state = WorkerState::Starting;
    WorkerInfo m_info;
    std::shared_ptr<QPromise<WorkerInfo>> m_ready;
    Session::ErrorPolicy m_policy;
    QPointer<QObject> m_policyContext;
    bool m_policyHasContext = false;
};

} // namespace qk
