// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/session/sessioncore.h"

#include "bridge/session/commandregistry.h"
#include "bridge/session/decisions.h"
#include "bridge/session/heartbeat.h"
#include "bridge/session/inbox.h"
#include "bridge/session/outbox.h"
#include "bridge/session/releasequeue.h"
#include "bridge/session/wire.h"
#include "bridge/transport/notificationserver.h"
#include "bridge/transport/workerclient.h"
#include "bridge/worker/remoteworker.h"

#include <QDateTime>
#include <QRandomGenerator>
#include <QTimer>

namespace qk {

namespace {

// How often releases of owned variables go out when no command carries them.
constexpr int kReleaseIntervalMs = 200;
// Bindings with this much binary data or more are pulled by the worker.
constexpr qsizetype kStageFrom = qsizetype(256) << 10;

QByteArray randomToken() {
    quint32 words[8];
    QRandomGenerator::system()->fillRange(words);
    return QByteArray(reinterpret_cast<const char*>(words), sizeof words).toHex();
}

} // namespace

SessionCore::SessionCore(SessionOptions options, std::shared_ptr<CommandRegistry> registry,
                         std::shared_ptr<ReleaseQueue> releases, SessionEvents* events)
    : m_options(std::move(options))
    , m_registry(std::move(registry))
    , m_releases(std::move(releases))
    , m_events(events)
    , m_token(randomToken())
    , m_restarter(m_options.restart)
    , m_ready(std::make_shared<QPromise<WorkerInfo>>()) {
    m_ready->start();
}

SessionCore::~SessionCore() {
    if (!m_shutDown)
        shutdown();
}

QFuture<WorkerInfo> SessionCore::readyFuture() const {
    std::lock_guard lock(m_mutex);
    return m_ready->future();
}

WorkerState SessionCore::state() const {
    std::lock_guard lock(m_mutex);
    return m_state;
}

WorkerInfo SessionCore::info() const {
    std::lock_guard lock(m_mutex);
    return m_info;
}

void SessionCore::setErrorPolicy(Session::ErrorPolicy policy, QObject* context) {
    m_policy.set(std::move(policy), context);
}

void SessionCore::changed(const std::optional<CommandInfo>& info) {
    if (info)
        report(&SessionEvents::commandChanged, *info);
}

void SessionCore::start() {
    m_server = new transport::NotificationServer(
        m_token,
        [this](const QString& path, const QByteArray& body, protocol::Format format) {
            return m_inbox->receive(path, body, format);
        },
        {}, this);
    m_client = new transport::WorkerClient(m_token, this);
    const auto log = [this](const QString& line) { report(&SessionEvents::workerLog, line); };
    const auto changedFn = [this](const std::optional<CommandInfo>& info) { changed(info); };
    m_outbox = new Outbox(
        *m_client, *m_registry, *m_releases, changedFn, [this] { updateBusyState(); }, this);
    // Large bindings are pulled by the worker from the notification server, which writes
    // them from their own memory: QNetworkAccessManager forwards a request body to its HTTP
    // thread in 16 KiB pieces, one queued call each (about 200 MB/s).
    // A remote worker cannot reach the notification server: its bindings go in the body.
    if (m_options.worker.remote.isEmpty())
        m_outbox->setStaging(
            kStageFrom, [this](const QByteArray& bytes) { return m_server->stage(bytes); },
            [this](const QString& id) { m_server->release(id); });
    m_decisions = new Decisions(
        *m_client, *m_registry, m_policy, changedFn, [this] { updateBusyState(); }, log, this);
    Inbox::Handlers handlers;
    handlers.result = [this](const protocol::Json& item, const protocol::Payloads& payloads) {
        handleResult(item, payloads);
    };
    handlers.resultLost = [this](const QString& id, const QString& reason) {
        changed(m_registry->fail(id, CommandError(CommandState::Failed, reason)));
        updateBusyState();
    };
    handlers.wanted = [this](const QString& id) { return m_registry->info(id).has_value(); };
    handlers.error = [this](const protocol::Json& message) { handleError(message); };
    handlers.events = [this](const protocol::Json& message, const protocol::Payloads& payloads,
                             std::size_t from) { handleEvents(message, payloads, from); };
    handlers.log = log;
    m_inbox = new Inbox(*m_client, std::move(handlers), this);
    m_heartbeat = new Heartbeat(
        *m_client, [this] { return m_registry->openCount() > 0 || m_inbox->holding(); },
        [this](quint64 last) { m_inbox->noteLast(last); }, this);

    if (!m_server->listen()) {
        onWorkerStartFailed(QStringLiteral("cannot listen for notifications on 127.0.0.1: ") +
                            m_server->errorString());
        return;
    }
    // Releases of owned variables are batched: they ride on the next command batch, or go
    // out on this timer when nothing else is sent.
    auto* releaseTimer = new QTimer(this);
    releaseTimer->setInterval(kReleaseIntervalMs);
    connect(releaseTimer, &QTimer::timeout, m_outbox, &Outbox::flush);
    releaseTimer->start();
    startWorker();
}

void SessionCore::startWorker() {
    ++m_generation;
    if (m_options.worker.remote.isEmpty())
        m_worker = new WorkerProcess(m_options.worker, m_token, m_server->url(), this);
    else
        m_worker = new RemoteWorker(m_options.worker, m_token, this);
    // A worker attached to is attached to once: a restart starts a new one.
    m_options.worker.attachRun.clear();
    connect(m_worker, &WorkerHandle::ready, this, &SessionCore::onWorkerReady);
    connect(m_worker, &WorkerHandle::startFailed, this, &SessionCore::onWorkerStartFailed);
    connect(m_worker, &WorkerHandle::exited, this, &SessionCore::onWorkerExited);
    connect(m_worker, &WorkerHandle::disconnected, this, &SessionCore::onWorkerDisconnected);
    connect(m_worker, &WorkerHandle::reconnected, this, &SessionCore::onWorkerReconnected);
    connect(m_worker, &WorkerHandle::stderrLine, this,
            [this](const QString& line) { report(&SessionEvents::workerLog, line); });
    setState(WorkerState::Starting);
    m_worker->start();
}

void SessionCore::setOpen(bool open) {
    m_outbox->setOpen(open);
    m_decisions->setOpen(open);
    if (open)
        m_heartbeat->start();
    else
        m_heartbeat->stop();
}

void SessionCore::onWorkerReady(const WorkerInfo& info) {
    m_client->setPort(info.port);
    // A worker attached to keeps its own token; one this session started has the session's.
    const QByteArray adopted = m_worker->adoptedToken();
    m_client->setToken(adopted.isEmpty() ? m_token : adopted);
    m_inbox->reset();
    std::shared_ptr<QPromise<WorkerInfo>> ready;
    {
        std::lock_guard lock(m_mutex);
        m_info = info;
        ready = m_ready;
    }
    setState(WorkerState::Ready);
    ready->addResult(info);
    ready->finish();
    report(&SessionEvents::workerReady, info);
    if (!m_restartReason.isEmpty())
        report(&SessionEvents::workerRestarted, info, std::exchange(m_restartReason, QString()));
    updateBusyState();
    setOpen(true);
    m_inbox->setPolling(m_worker->pollsNotifications());
}

void SessionCore::onWorkerDisconnected(const QString& reason) {
    // Commands wait in the outbox; requests under way are sent again until their deadline,
    // to the new local port once the connection is back.
    setOpen(false);
    report(&SessionEvents::workerDisconnected, reason);
}

void SessionCore::onWorkerReconnected(const WorkerInfo& info) {
    m_client->setPort(info.port);
    {
        std::lock_guard lock(m_mutex);
        m_info = info;
    }
    report(&SessionEvents::workerReconnected, info);
    setOpen(true);
    // The journal replays what the worker reported meanwhile.
    m_inbox->setPolling(true);
}

void SessionCore::onWorkerStartFailed(const QString& reason) {
    std::shared_ptr<QPromise<WorkerInfo>> ready;
    {
        std::lock_guard lock(m_mutex);
        ready = m_ready;
    }
    // Not retried: what keeps a worker from starting does not go away by itself.
    m_restartReason.clear();
    setState(WorkerState::Dead, reason);
    ready->setException(std::make_exception_ptr(WorkerError(reason)));
    ready->finish();
    cancelAll(QStringLiteral("the worker could not start: ") + reason);
}

void SessionCore::onWorkerExited(const QString& reason) {
    const QString lost = QStringLiteral("the worker died (%1)").arg(reason);
    setState(WorkerState::Dead, reason);
    setOpen(false);
    cancelAll(lost);
    m_inbox->setPolling(false);
    m_client->abortAll();
    report(&SessionEvents::workerLost, lost);
    if (m_shutDown || !m_options.restart.automatic)
        return;
    const Restarter::Verdict verdict =
        m_restarter.onDeath(QDateTime::currentMSecsSinceEpoch(), reason);
    if (!verdict.delayMs) {
        setState(WorkerState::Dead, verdict.refusal);
        report(&SessionEvents::workerWarning, verdict.refusal);
        return;
    }
    replaceWorker(lost, *verdict.delayMs);
}

void SessionCore::replaceWorker(const QString& reason, int delayMs) {
    m_releases->newGeneration();
    if (m_restartTimer) {
        m_restartTimer->stop();
        m_restartTimer->deleteLater();
        m_restartTimer = nullptr;
    }
    if (m_worker) {
        m_worker->disconnect(this);
        m_worker->kill();
        m_worker->deleteLater();
        m_worker = nullptr;
    }
    closeLink(reason);
    m_restartReason = reason;
    if (delayMs <= 0) {
        startWorker();
        return;
    }
    // Commands sent meanwhile wait for the new worker.
    setState(WorkerState::Starting,
             QStringLiteral("restarting the worker in %1 s").arg(delayMs / 1000.0, 0, 'f', 1));
    m_restartTimer = new QTimer(this);
    m_restartTimer->setSingleShot(true);
    connect(m_restartTimer, &QTimer::timeout, this, [this] {
        m_restartTimer->deleteLater();
        m_restartTimer = nullptr;
        startWorker();
    });
    m_restartTimer->start(delayMs);
}

void SessionCore::setState(WorkerState state, const QString& reason) {
    {
        std::lock_guard lock(m_mutex);
        if (m_state == state && reason.isEmpty())
            return;
        m_state = state;
    }
    report(&SessionEvents::workerStateChanged, state, reason);
}

void SessionCore::updateBusyState(std::size_t settling) {
    const WorkerState current = state();
    if (current == WorkerState::Starting || current == WorkerState::Dead ||
        current == WorkerState::Stopped || m_decisions->paused() > 0)
        return;
    setState(m_registry->openCount() > settling ? WorkerState::Busy : WorkerState::Ready);
}

void SessionCore::cancelAll(const QString& reason) {
    m_outbox->clear();
    // What the worker reported after a result being downloaded is still true, so it is
    // handled before the rest is cancelled.
    m_inbox->abandon(reason);
    m_decisions->reset();
    for (const CommandInfo& info : m_registry->failAll(CommandState::Cancelled, reason))
        report(&SessionEvents::commandChanged, info);
}

void SessionCore::submit(const Command& command, quint64 sequence) {
    m_outbox->noteReceived(sequence);
    const WorkerState current = state();
    if (current == WorkerState::Dead || current == WorkerState::Stopped) {
        changed(m_registry->fail(
            command.id, CommandError(CommandState::Cancelled,
                                     QStringLiteral("the worker is not running; restart it"))));
        return;
    }
    updateBusyState();
    m_heartbeat->hurry();
    m_outbox->push(command);
}

void SessionCore::handleResult(const protocol::Json& item, const protocol::Payloads& payloads) {
    protocol::DecodeContext context;
    context.releaseHook = m_releases->hook();
    context.payloads = &payloads;
    const QString id = wire::text(item, "id");
    Value value = protocol::fromWire(item.at("value"), context);
    // Whoever waits on the future must find the state it leaves behind: set it first.
    if (m_registry->info(id))
        updateBusyState(1);
    changed(m_registry->succeed(id, std::move(value), wire::number(item, "seconds")));
    updateBusyState();
}

void SessionCore::handleError(const protocol::Json& message) {
    const protocol::Json& error = message.at("error");
    CommandFailure failure;
    failure.id = wire::text(message, "id");
    failure.type = wire::text(error, "type");
    failure.message = wire::text(error, "message");
    failure.traceback = wire::text(error, "traceback");
    failure.line = wire::text(error, "line");
    failure.code = wire::text(error, "code");
    if (auto it = error.find("lineno"); it != error.end() && it->is_number_integer())
        failure.lineno = it->template get<int>();
    if (auto it = message.find("queued"); it != message.end() && it->is_number_integer())
        failure.queued = it->template get<int>();
    if (const auto sent = m_registry->info(failure.id); sent && !sent->shown.isEmpty()) {
        failure.shown = sent->shown;
        failure.shownLineno = shownLine(sent->shownLines, failure.lineno);
    }
    const auto info = m_registry->markFailed(failure.id, failure);
    if (!info) {
        // Already settled here (cancelled when the worker could not be reached): nobody will
        // decide about it, so the worker must not stay paused on it.
        m_decisions->dismiss(failure.id);
        return;
    }
    report(&SessionEvents::commandChanged, *info);
    report(&SessionEvents::commandFailed, failure);
    setState(WorkerState::Paused, failure.type + QStringLiteral(": ") + failure.message);
    m_decisions->ask(failure);
}

void SessionCore::handleEvents(const protocol::Json& message, const protocol::Payloads& payloads,
                               std::size_t from) {
    protocol::DecodeContext context;
    context.payloads = &payloads;
    const protocol::Json& events = message.at("events");
    for (std::size_t i = from; i < events.size(); ++i) {
        const protocol::Json& event = events.at(i);
        const QString kind = wire::text(event, "kind");
        const QString id = wire::text(event, "id");
        if (!id.isEmpty() && !m_registry->info(id))
            continue; // about no open command of this session: nothing to show or change
        if (kind == QLatin1String("started")) {
            changed(m_registry->advance(id, CommandState::Running, wire::number(event, "seconds")));
        } else if (kind == QLatin1String("settled")) {
            const QString state = wire::text(event, "state");
            const CommandFailure report = m_registry->failure(id).value_or(CommandFailure{});
            if (state == QLatin1String("replaced")) {
                changed(m_registry->markReplaced(id));
            } else if (state == QLatin1String("ignored")) {
                changed(
                    m_registry->fail(id, CommandError(CommandState::Ignored,
                                                      QStringLiteral("ignored: ") + report.type +
                                                          QStringLiteral(": ") + report.message,
                                                      report)));
            } else if (state == QLatin1String("dropped")) {
                changed(m_registry->fail(
                    id, CommandError(CommandState::Dropped,
                                     QStringLiteral("dropped because an earlier command failed"))));
            }
        } else if (kind == QLatin1String("output")) {
            if (event.value("truncated", false))
                report(&SessionEvents::output, id, wire::text(event, "stream"),
                       QStringLiteral("\n[output truncated: the command printed more than the "
                                      "worker's output cap]\n"));
            else
                report(&SessionEvents::output, id, wire::text(event, "stream"),
                       wire::text(event, "text"));
        } else {
            if (kind == QLatin1String("keras-failed")) {
                const QString python = WorkerProcess::resolvePython(m_options.worker);
                report(&SessionEvents::workerWarning,
                       QStringLiteral("Keras cannot be imported in the worker (%1), so commands "
                                      "that use it fail: %2, or choose an interpreter that has it.")
                           .arg(wire::text(event, "error"), WorkerProcess::setupAdvice(python)));
            }
            report(&SessionEvents::workerEvent,
                   WorkerEvent{kind, id, protocol::fromWire(event, context)});
        }
    }
    updateBusyState();
}

void SessionCore::interrupt(const QString& id) {
    if (!m_worker || !m_worker->isReady())
        return;
    // The command the worker runs (or is about to run): if it still runs after the grace
    // period, the worker is killed. A worker that holds the GIL in C never answers, so the
    // clock starts now, not at the answer. Naming it makes the request safe to send again.
    const QString target = id.isEmpty() ? m_registry->oldestActive() : id;
    protocol::Json body = protocol::Json::object();
    if (!target.isEmpty())
        body["id"] = target.toStdString();
    auto nothingRan = std::make_shared<bool>(false);
    m_client->post(
        QStringLiteral("/interrupt"), protocol::serialize(body, protocol::Format::Json),
        protocol::Format::Json,
        [nothingRan](const transport::WorkerReply& reply) {
            if (!reply.ok())
                return;
            try {
                const protocol::Json answer = protocol::parse(reply.body, protocol::Format::Json);
                *nothingRan = answer.value("interrupted", protocol::Json()).is_null();
            } catch (const std::exception&) {
                // An answer not understood says nothing: the escalation goes on as if
                // something ran.
            }
        },
        target.isEmpty() ? transport::Resend::IfNotSent : transport::Resend::UntilDeadline);
    if (target.isEmpty() || m_options.interruptGraceMs < 0)
        return;
    QTimer::singleShot(m_options.interruptGraceMs, this,
                       [this, generation = m_generation, target, nothingRan] {
                           if (!*nothingRan)
                               escalateInterrupt(generation, target);
                       });
}

void SessionCore::escalateInterrupt(quint64 generation, const QString& id) {
    if (generation != m_generation || m_shutDown || !m_worker)
        return;
    const std::optional<CommandInfo> info = m_registry->info(id);
    // Pending counts: a worker that takes the GIL before it answers the request that carried
    // the command never confirms it, yet runs it.
    if (!info || (info->state != CommandState::Pending && info->state != CommandState::Queued &&
                  info->state != CommandState::Running && info->state != CommandState::Replaced))
        return;
    const QString reason =
        QStringLiteral("command %1 went on for %2 s after the interrupt (it ignores SIGINT or is "
                       "stuck in native code), so the worker was killed and restarted; the "
                       "worker's variables are lost")
            .arg(id)
            .arg(m_options.interruptGraceMs / 1000.0, 0, 'f', 1);
    setState(WorkerState::Dead, reason);
    report(&SessionEvents::workerLost, reason);
    replaceWorker(reason, 0);
}

void SessionCore::stopTraining() {
    if (!m_worker || !m_worker->isReady())
        return;
    m_client->post(QStringLiteral("/stop-training"),
                   protocol::serialize(protocol::Json::object(), protocol::Format::Json),
                   protocol::Format::Json, {});
}

void SessionCore::request(const QString& method, const QString& path, const Value& body,
                          const std::shared_ptr<QPromise<Value>>& promise) {
    if (!m_worker || !m_worker->isReady()) {
        promise->setException(
            std::make_exception_ptr(WorkerError(QStringLiteral("the worker is not running"))));
        promise->finish();
        return;
    }
    auto done = [promise](const transport::WorkerReply& reply) {
        try {
            if (!reply.ok())
                throw WorkerError(reply.error);
            promise->addResult(
                protocol::fromWire(protocol::parse(reply.body, protocol::Format::Json)));
        } catch (const WorkerError&) {
            promise->setException(std::current_exception());
        } catch (const std::exception& e) {
            promise->setException(std::make_exception_ptr(
                WorkerError(QStringLiteral("malformed answer: ") + QString::fromUtf8(e.what()))));
        }
        promise->finish();
    };
    if (method == QLatin1String("GET")) {
        m_client->get(path, done);
    } else {
        const protocol::Format format =
            protocol::hasBinary(body) ? protocol::Format::MsgPack : protocol::Format::Json;
        // Other requests may not be idempotent (a deletion queued twice).
        m_client->post(path, protocol::serialize(protocol::toWire(body, format), format), format,
                       done, transport::Resend::IfNotSent);
    }
}

void SessionCore::restart() {
    if (m_shutDown)
        return;
    m_restarter.reset(); // the user restarts: the automatic policy starts afresh
    replaceWorker(QStringLiteral("the worker was restarted"), 0);
}

void SessionCore::closeLink(const QString& reason) {
    setOpen(false);
    m_inbox->setPolling(false);
    m_client->abortAll();
    cancelAll(reason);
    std::lock_guard lock(m_mutex);
    if (m_ready->future().isFinished()) {
        m_ready = std::make_shared<QPromise<WorkerInfo>>();
        m_ready->start();
    }
    m_info = {};
}

void SessionCore::stopWorker() {
    if (m_shutDown || !m_worker)
        return;
    m_releases->newGeneration();
    if (m_restartTimer)
        m_restartTimer->stop();
    // It ends in its own time (a remote one once its host has stopped it); the session no
    // longer listens to it.
    WorkerHandle* worker = std::exchange(m_worker, nullptr);
    worker->disconnect(this);
    if (qobject_cast<RemoteWorker*>(worker) && !worker->isReady()) {
        // A remote worker whose connection is down is stopped over a new one, later: the
        // user learns whether that reached it.
        connect(worker, &WorkerHandle::exited, this,
                [this](const QString& how) { report(&SessionEvents::workerWarning, how); });
    }
    connect(worker, &WorkerHandle::exited, worker, &QObject::deleteLater);
    connect(worker, &WorkerHandle::startFailed, worker, &QObject::deleteLater);
    worker->stop(2000);
    const QString reason = QStringLiteral("the worker was stopped");
    closeLink(reason);
    setState(WorkerState::Stopped, reason);
}

void SessionCore::reconnectNow() {
    if (m_worker)
        m_worker->reconnectNow();
}

void SessionCore::shutdown() {
    if (m_shutDown)
        return;
    m_shutDown = true;
    setState(WorkerState::Stopped);
    if (m_restartTimer)
        m_restartTimer->stop();
    if (m_outbox) {
        setOpen(false);
        cancelAll(QStringLiteral("the session was closed"));
    } else {
        for (const CommandInfo& info :
             m_registry->failAll(CommandState::Cancelled, QStringLiteral("the session was closed")))
            report(&SessionEvents::commandChanged, info);
    }
    if (m_inbox)
        m_inbox->setPolling(false);
    if (m_client)
        m_client->abortAll();
    delete m_worker; // closes its stdin; it exits, or is killed after a second
    m_worker = nullptr;
    std::shared_ptr<QPromise<WorkerInfo>> ready;
    {
        std::lock_guard lock(m_mutex);
        ready = m_ready;
    }
    if (!ready->future().isFinished()) {
        ready->setException(
            std::make_exception_ptr(WorkerError(QStringLiteral("the session was closed"))));
        ready->finish();
    }
}

} // namespace qk
