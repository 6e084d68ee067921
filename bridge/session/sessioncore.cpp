#include "bridge/session/sessioncore.h"

#include "bridge/session/commandregistry.h"
#include "bridge/session/releasequeue.h"
#include "bridge/transport/notificationserver.h"
#include "bridge/transport/workerclient.h"

#include <QDateTime>
#include <QRandomGenerator>
#include <QTimer>

namespace qk {

namespace {

constexpr std::size_t kMaxBatch = 1000;

QByteArray randomToken() {
    quint32 words[8];
    QRandomGenerator::system()->fillRange(words);
    return QByteArray(reinterpret_cast<const char*>(words), sizeof words).toHex();
}

QString text(const WireJson& object, const char* key) {
    auto it = object.find(key);
    if (it == object.end() || !it->is_string())
        return {};
    return QString::fromStdString(it->template get<std::string>());
}

std::string lifetimeName(BindingLifetime lifetime) {
    return lifetime == BindingLifetime::Eternal ? "eternal" : "command";
}

std::string resultName(ResultMode mode) {
    switch (mode) {
    case ResultMode::Ref:
        return "ref";
    case ResultMode::None:
        return "none";
    case ResultMode::Value:
        break;
    }
    return "value";
}

bool commandHasBinary(const Command& command) {
    for (const auto& [name, value] : command.bindings) {
        if (protocol::hasBinary(value))
            return true;
    }
    return false;
}

WireJson commandToWire(const Command& command, protocol::Format format,
                       protocol::Payloads& payloads) {
    WireJson bindings = WireJson::object();
    for (const auto& [name, value] : command.bindings)
        bindings[name.toStdString()] =
            protocol::toWire(value, format, protocol::kDefaultMaxDepth, &payloads);
    WireJson wire = WireJson::object();
    wire["id"] = command.id.toStdString();
    wire["code"] = command.code.toStdString();
    wire["bindings"] = std::move(bindings);
    wire["lifetime"] = lifetimeName(command.lifetime);
    wire["result"] = resultName(command.result);
    return wire;
}

} // namespace

SessionCore::SessionCore(SessionOptions options, std::shared_ptr<CommandRegistry> registry,
                         std::shared_ptr<ReleaseQueue> releases)
    : m_options(std::move(options))
    , m_registry(std::move(registry))
    , m_releases(std::move(releases))
    , m_token(randomToken())
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
    std::lock_guard lock(m_mutex);
    m_policy = std::move(policy);
    m_policyContext = context;
    m_policyHasContext = context != nullptr;
}

void SessionCore::start() {
    m_server = new transport::NotificationServer(
        m_token,
        [this](const QString& path, const QByteArray& body, protocol::Format format) {
            return handleNotification(path, body, format);
        },
        {}, this);
    m_client = new transport::WorkerClient(m_token, this);
    if (!m_server->listen()) {
        onWorkerStartFailed(QStringLiteral("cannot listen for notifications on 127.0.0.1: ") +
                            m_server->errorString());
        return;
    }
    // Releases of owned variables are batched: they ride on the next command batch, or go
    // out on this timer when nothing else is sent.
    auto* releaseTimer = new QTimer(this);
    releaseTimer->setInterval(200);
    connect(releaseTimer, &QTimer::timeout, this, &SessionCore::flushReleases);
    releaseTimer->start();
    startWorker();
}

void SessionCore::startWorker() {
    ++m_generation;
    m_worker = new WorkerProcess(m_options.worker, m_token, m_server->url(), this);
    connect(m_worker, &WorkerProcess::ready, this, &SessionCore::onWorkerReady);
    connect(m_worker, &WorkerProcess::startFailed, this, &SessionCore::onWorkerStartFailed);
    connect(m_worker, &WorkerProcess::exited, this, &SessionCore::onWorkerExited);
    connect(m_worker, &WorkerProcess::stderrLine, this, &SessionCore::workerLog);
    setState(WorkerState::Starting);
    m_worker->start();
}

void SessionCore::onWorkerReady(const WorkerInfo& info) {
    m_client->setPort(info.port);
    std::shared_ptr<QPromise<WorkerInfo>> ready;
    {
        std::lock_guard lock(m_mutex);
        m_info = info;
        ready = m_ready;
    }
    setState(WorkerState::Ready);
    ready->addResult(info);
    ready->finish();
    Q_EMIT workerReady(info);
    if (!m_restartReason.isEmpty())
        Q_EMIT workerRestarted(info, std::exchange(m_restartReason, QString()));
    updateBusyState();
    flush();
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
    cancelAll(lost);
    m_client->abortAll();
    m_postInFlight = false;
    Q_EMIT workerLost(lost);

    const RestartPolicy& policy = m_options.restart;
    if (!policy.automatic || m_shutDown)
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    while (!m_crashTimes.empty() && now - m_crashTimes.front() > policy.windowMs)
        m_crashTimes.pop_front();
    m_crashTimes.push_back(now);
    const int deaths = static_cast<int>(m_crashTimes.size());
    if (deaths > policy.maxRestarts) {
        const QString message =
            QStringLiteral("the worker died %1 times within %2 s, so it is not restarted "
                           "automatically again; restart it once the cause is fixed. The last "
                           "time: %3")
                .arg(deaths)
                .arg(policy.windowMs / 1000)
                .arg(reason);
        setState(WorkerState::Dead, message);
        Q_EMIT workerWarning(message);
        return;
    }
    replaceWorker(lost, policy.delayMs << std::min(deaths - 1, 16));
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
    m_client->abortAll();
    m_postInFlight = false;
    cancelAll(reason);
    {
        std::lock_guard lock(m_mutex);
        if (m_ready->future().isFinished()) {
            m_ready = std::make_shared<QPromise<WorkerInfo>>();
            m_ready->start();
        }
        m_info = {};
    }
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
    Q_EMIT workerStateChanged(state, reason);
}

void SessionCore::updateBusyState(std::size_t settling) {
    const WorkerState current = state();
    if (current == WorkerState::Starting || current == WorkerState::Dead ||
        current == WorkerState::Stopped || m_pausedCount > 0)
        return;
    setState(m_registry->openCount() > settling ? WorkerState::Busy : WorkerState::Ready);
}

void SessionCore::cancelAll(const QString& reason) {
    m_outbox.clear();
    if (m_fetching) {
        // The result being downloaded is lost with the worker; what the worker reported after
        // it is still true, so it is handled before the rest is cancelled.
        m_fetching = false;
        ++m_fetchTicket;
        emitChanged(m_registry->fail(
            m_fetchingId,
            CommandError(CommandState::Cancelled,
                         reason + QStringLiteral(" before the command's result was downloaded"))));
        m_workerGone = true;
        drainInbox();
        m_workerGone = false;
    }
    m_inbox.clear();
    m_pausedCount = 0;
    for (const CommandInfo& info : m_registry->failAll(CommandState::Cancelled, reason))
        Q_EMIT commandChanged(info);
}

void SessionCore::emitChanged(const std::optional<CommandInfo>& info) {
    if (info)
        Q_EMIT commandChanged(*info);
}

void SessionCore::submit(const Command& command) {
    const WorkerState current = state();
    if (current == WorkerState::Dead || current == WorkerState::Stopped) {
        emitChanged(m_registry->fail(
            command.id, CommandError(CommandState::Cancelled,
                                     QStringLiteral("the worker is not running; restart it"))));
        return;
    }
    m_outbox.push_back(command);
    updateBusyState();
    flush();
}

void SessionCore::flushReleases() {
    flush();
}

void SessionCore::flush() {
    if (m_postInFlight || !m_worker || !m_worker->isReady())
        return;
    const QStringList releases = m_releases->take();
    if (m_outbox.empty() && releases.isEmpty())
        return;

    std::vector<Command> batch;
    bool binary = false;
    while (!m_outbox.empty() && batch.size() < kMaxBatch) {
        binary = binary || commandHasBinary(m_outbox.front());
        batch.push_back(std::move(m_outbox.front()));
        m_outbox.pop_front();
    }
    const protocol::Format format = binary ? protocol::Format::MsgPack : protocol::Format::Json;

    WireJson commands = WireJson::array();
    std::vector<QString> ids;
    protocol::Payloads payloads; // array data, shared with the bindings until serialized
    for (const Command& command : batch) {
        try {
            commands.push_back(commandToWire(command, format, payloads));
            ids.push_back(command.id);
        } catch (const std::exception& e) {
            emitChanged(m_registry->fail(
                command.id, CommandError(CommandState::Failed,
                                         QStringLiteral("cannot encode the command's bindings: ") +
                                             QString::fromUtf8(e.what()))));
        }
    }
    WireJson message = WireJson::object();
    message["commands"] = std::move(commands);
    if (!releases.isEmpty()) {
        WireJson names = WireJson::array();
        for (const QString& name : releases)
            names.push_back(name.toStdString());
        message["release"] = std::move(names);
    }
    std::vector<QByteArray> body = protocol::serializePieces(message, format, payloads);
    payloads.clear();
    m_postInFlight = true;
    m_client->post(QStringLiteral("/commands"), std::move(body), format,
                   [this, ids](const transport::WorkerReply& reply) {
                       onCommandsPosted(ids, reply.status, reply.body, reply.error);
                   });
}

void SessionCore::onCommandsPosted(const std::vector<QString>& ids, int status,
                                   const QByteArray& body, const QString& error) {
    m_postInFlight = false;
    if (status == 202) {
        for (const QString& id : ids)
            emitChanged(m_registry->advance(id, CommandState::Queued));
    } else if (status == 0) {
        // No answer: the worker is probably dying. Its exit settles these commands with the
        // reason; if it does not exit, they fail with the network error.
        QTimer::singleShot(1000, this, [this, ids, error] {
            for (const QString& id : ids)
                emitChanged(m_registry->fail(
                    id, CommandError(CommandState::Failed,
                                     QStringLiteral("cannot reach the worker: ") + error)));
            updateBusyState();
        });
    } else {
        const QString reason = QStringLiteral("the worker refused the commands (HTTP %1): %2")
                                   .arg(status)
                                   .arg(QString::fromUtf8(body.left(500)));
        for (const QString& id : ids)
            emitChanged(m_registry->fail(id, CommandError(CommandState::Failed, reason)));
        updateBusyState();
    }
    flush();
}

int SessionCore::handleNotification(const QString& path, const QByteArray& body,
                                    protocol::Format format) {
    Inbound inbound;
    inbound.path = path;
    try {
        // The body's large bin payloads share its memory.
        inbound.message =
            protocol::parseBody(body, format, protocol::kDefaultMaxDepth, &inbound.payloads);
    } catch (const std::exception& e) {
        Q_EMIT workerLog(QStringLiteral("malformed notification on %1: %2")
                             .arg(path, QString::fromUtf8(e.what())));
        return 400;
    }
    if (m_fetching) {
        // A result announced before it is being downloaded: this waits for it.
        m_inbox.push_back(std::move(inbound));
        return 200;
    }
    return dispatch(inbound) ? 200 : 400;
}

bool SessionCore::dispatch(Inbound& inbound) {
    try {
        if (inbound.path == QLatin1String("/notify"))
            handleResults(inbound);
        else if (inbound.path == QLatin1String("/notifyError"))
            handleError(inbound.message);
        else if (inbound.path == QLatin1String("/events"))
            handleEvents(inbound.message, inbound.payloads);
        else
            throw std::invalid_argument("not a notification path");
    } catch (const std::exception& e) {
        Q_EMIT workerLog(QStringLiteral("malformed notification on %1: %2")
                             .arg(inbound.path, QString::fromUtf8(e.what())));
        return false;
    }
    return true;
}

void SessionCore::drainInbox() {
    while (!m_fetching && !m_inbox.empty()) {
        Inbound inbound = std::move(m_inbox.front());
        m_inbox.pop_front();
        dispatch(inbound);
    }
}

protocol::DecodeContext SessionCore::resultContext(const protocol::Payloads& payloads) const {
    protocol::DecodeContext context;
    context.releaseHook = m_releases->hook();
    context.payloads = &payloads;
    return context;
}

void SessionCore::handleResults(Inbound& inbound) {
    const protocol::DecodeContext context = resultContext(inbound.payloads);
    const WireJson& results = inbound.message.at("results");
    if (!results.is_array())
        throw std::invalid_argument("results is not a list");
    // The results before the first announced one of an open command settle now, the rest
    // once it is downloaded. An announcement for a command that is not open is not fetched.
    const auto downloads = [this](const WireJson& result) {
        return result.contains("fetch") && m_registry->info(text(result, "id")).has_value();
    };
    std::size_t end = inbound.next;
    std::size_t settling = 0;
    for (; end < results.size() && !downloads(results[end]); ++end)
        settling += results[end].contains("fetch") ? 0 : 1;
    // Whoever waits on these futures must find the state they leave behind: set it first.
    updateBusyState(settling);
    for (; inbound.next < end; ++inbound.next) {
        const WireJson& result = results[inbound.next];
        if (result.contains("fetch"))
            continue;
        const QString id = text(result, "id");
        emitChanged(m_registry->succeed(id, protocol::fromWire(result.at("value"), context)));
    }
    updateBusyState();
    if (end == results.size())
        return;
    const WireJson& announced = results[inbound.next++];
    fetchResult(text(announced, "id"), announced.at("fetch"));
    if (inbound.next < results.size())
        m_inbox.push_front(std::move(inbound));
}

void SessionCore::fetchResult(const QString& id, const WireJson& fetch) {
    const auto seq = fetch.find("seq");
    const auto bytes = fetch.find("bytes");
    if (seq == fetch.end() || !seq->is_number_unsigned() || bytes == fetch.end() ||
        !bytes->is_number_unsigned()) {
        emitChanged(m_registry->fail(
            id, CommandError(CommandState::Failed,
                             QStringLiteral("the worker announced the result in a form this "
                                            "client does not know: ") +
                                 QString::fromStdString(fetch.dump()))));
        updateBusyState();
        return;
    }
    const qint64 size = bytes->template get<qint64>();
    if (m_workerGone) {
        emitChanged(m_registry->fail(
            id, CommandError(CommandState::Cancelled,
                             QStringLiteral("the worker ended before the command's result "
                                            "was downloaded"))));
        return;
    }
    m_fetching = true;
    m_fetchingId = id;
    m_client->get(
        QStringLiteral("/results?seq=%1").arg(seq->template get<quint64>()),
        [this, ticket = m_fetchTicket, id, size](const transport::WorkerReply& reply) {
            onResultFetched(ticket, id, size, reply);
        },
        size);
}

void SessionCore::onResultFetched(quint64 ticket, const QString& id, qint64 size,
                                  const transport::WorkerReply& reply) {
    if (ticket != m_fetchTicket)
        return; // given up when the commands were cancelled
    m_fetching = false;
    QString problem = reply.error;
    if (reply.ok()) {
        try {
            if (reply.body.size() != size)
                throw std::length_error("the download is not the size announced");
            protocol::Payloads payloads;
            const WireJson result = protocol::parseBody(reply.body, protocol::Format::MsgPack,
                                                        protocol::kDefaultMaxDepth, &payloads);
            Value value = protocol::fromWire(result.at("value"), resultContext(payloads));
            updateBusyState(1);
            emitChanged(m_registry->succeed(id, std::move(value)));
            problem.clear();
        } catch (const std::exception& e) {
            problem = QString::fromUtf8(e.what());
        }
    }
    if (!problem.isEmpty())
        emitChanged(m_registry->fail(
            id, CommandError(CommandState::Failed,
                             QStringLiteral("the command ran, but its result (%1 bytes) could not "
                                            "be downloaded from the worker: %2")
                                 .arg(size)
                                 .arg(problem))));
    updateBusyState();
    drainInbox();
}

void SessionCore::handleError(const WireJson& message) {
    const WireJson& error = message.at("error");
    CommandFailure failure;
    failure.id = text(message, "id");
    failure.type = text(error, "type");
    failure.message = text(error, "message");
    failure.traceback = text(error, "traceback");
    failure.line = text(error, "line");
    failure.code = text(error, "code");
    if (auto it = error.find("lineno"); it != error.end() && it->is_number_integer())
        failure.lineno = it->template get<int>();
    if (auto it = message.find("queued"); it != message.end() && it->is_number_integer())
        failure.queued = it->template get<int>();
    const auto info = m_registry->markFailed(failure.id, failure);
    if (!info) {
        // Already settled here (cancelled when the worker could not be reached): nobody will
        // decide about it, so the worker must not stay paused on it.
        WireJson body = WireJson::object();
        body["id"] = failure.id.toStdString();
        body["decision"] = "ignore";
        if (m_worker && m_worker->isReady())
            m_client->post(QStringLiteral("/decisions"),
                           protocol::serialize(body, protocol::Format::Json),
                           protocol::Format::Json, {});
        return;
    }
    Q_EMIT commandChanged(*info);
    Q_EMIT commandFailed(failure);
    ++m_pausedCount;
    setState(WorkerState::Paused, failure.type + QStringLiteral(": ") + failure.message);
    askPolicy(failure);
}

void SessionCore::askPolicy(const CommandFailure& failure) {
    Session::ErrorPolicy policy;
    QPointer<QObject> context;
    bool hasContext = false;
    {
        std::lock_guard lock(m_mutex);
        policy = m_policy;
        context = m_policyContext;
        hasContext = m_policyHasContext;
    }
    const QString id = failure.id;
    if (!policy || (hasContext && !context)) {
        decide(id, Decision::dropQueue());
        return;
    }
    QPointer<SessionCore> self(this);
    auto ask = [policy, failure, self, id] {
        QFuture<Decision> decision = policy(failure);
        if (!self)
            return;
        decision
            .then(self.data(),
                  [self, id](const Decision& d) {
                      if (self)
                          self->decide(id, d);
                  })
            .onCanceled(self.data(), [self, id] {
                if (self)
                    self->decide(id, Decision::dropQueue());
            });
    };
    if (hasContext)
        QMetaObject::invokeMethod(context.data(), ask, Qt::QueuedConnection);
    else
        ask();
}

void SessionCore::decide(const QString& id, const Decision& decision) {
    if (!m_worker || !m_worker->isReady())
        return;
    protocol::Format format = protocol::Format::Json;
    protocol::Payloads payloads;
    WireJson body = WireJson::object();
    body["id"] = id.toStdString();
    switch (decision.kind) {
    case Decision::Kind::Ignore:
        body["decision"] = "ignore";
        break;
    case Decision::Kind::DropQueue:
        body["decision"] = "drop";
        break;
    case Decision::Kind::Replace: {
        body["decision"] = "replace";
        if (commandHasBinary(decision.replacement))
            format = protocol::Format::MsgPack;
        Command replacement = decision.replacement;
        replacement.id = id;
        const WireJson wire = commandToWire(replacement, format, payloads);
        body["code"] = wire.at("code");
        body["bindings"] = wire.at("bindings");
        break;
    }
    }
    const Decision::Kind kind = decision.kind;
    m_client->post(
        QStringLiteral("/decisions"), protocol::serialize(body, format, payloads), format,
        [this, id, kind](const transport::WorkerReply& reply) {
            if (!reply.ok()) {
                Q_EMIT workerLog(QStringLiteral("the worker refused the decision on %1: %2")
                                     .arg(id, reply.error));
                return;
            }
            m_pausedCount = std::max(0, m_pausedCount - 1);
            const std::optional<CommandFailure> failure = m_registry->failure(id);
            const CommandFailure report = failure.value_or(CommandFailure{});
            const QString what = report.type + QStringLiteral(": ") + report.message;
            try {
                const WireJson answer = protocol::parse(reply.body, protocol::Format::Json);
                if (auto it = answer.find("dropped"); it != answer.end() && it->is_array()) {
                    for (const auto& dropped : *it)
                        emitChanged(m_registry->fail(
                            QString::fromStdString(dropped.template get<std::string>()),
                            CommandError(
                                CommandState::Dropped,
                                QStringLiteral("dropped because %1 failed (%2)").arg(id, what))));
                }
            } catch (const std::exception& e) {
                Q_EMIT workerLog(QStringLiteral("malformed answer to a decision: ") +
                                 QString::fromUtf8(e.what()));
            }
            switch (kind) {
            case Decision::Kind::Ignore:
                emitChanged(
                    m_registry->fail(id, CommandError(CommandState::Ignored,
                                                      QStringLiteral("ignored: ") + what, report)));
                break;
            case Decision::Kind::DropQueue:
                emitChanged(m_registry->fail(id, CommandError(CommandState::Failed, what, report)));
                break;
            case Decision::Kind::Replace:
                emitChanged(m_registry->markReplaced(id));
                break;
            }
            updateBusyState();
        });
}

void SessionCore::handleEvents(const WireJson& message, const protocol::Payloads& payloads) {
    protocol::DecodeContext context;
    context.payloads = &payloads;
    for (const auto& event : message.at("events")) {
        const QString kind = text(event, "kind");
        const QString id = text(event, "id");
        if (!id.isEmpty() && !m_registry->info(id))
            continue; // about no open command of this session: nothing to show or change
        if (kind == QLatin1String("started")) {
            emitChanged(m_registry->advance(id, CommandState::Running));
        } else if (kind == QLatin1String("settled")) {
            const QString state = text(event, "state");
            const CommandFailure report = m_registry->failure(id).value_or(CommandFailure{});
            if (state == QLatin1String("replaced")) {
                emitChanged(m_registry->markReplaced(id));
            } else if (state == QLatin1String("ignored")) {
                emitChanged(
                    m_registry->fail(id, CommandError(CommandState::Ignored,
                                                      QStringLiteral("ignored: ") + report.type +
                                                          QStringLiteral(": ") + report.message,
                                                      report)));
            } else if (state == QLatin1String("dropped")) {
                emitChanged(m_registry->fail(
                    id, CommandError(CommandState::Dropped,
                                     QStringLiteral("dropped because an earlier command failed"))));
            }
        } else if (kind == QLatin1String("output")) {
            if (event.value("truncated", false))
                Q_EMIT output(id, text(event, "stream"),
                              QStringLiteral("\n[output truncated: the command printed more "
                                             "than the worker's output cap]\n"));
            else
                Q_EMIT output(id, text(event, "stream"), text(event, "text"));
        } else {
            if (kind == QLatin1String("keras-failed")) {
                const QString python = WorkerProcess::resolvePython(m_options.worker);
                Q_EMIT workerWarning(
                    QStringLiteral("Keras cannot be imported in the worker (%1), so commands that "
                                   "use it fail: %2, or choose an interpreter that has it.")
                        .arg(text(event, "error"), WorkerProcess::setupAdvice(python)));
            }
            Q_EMIT workerEvent(WorkerEvent{kind, id, protocol::fromWire(event, context)});
        }
    }
    updateBusyState();
}

void SessionCore::interrupt(const QString& id) {
    if (!m_worker || !m_worker->isReady())
        return;
    WireJson body = WireJson::object();
    if (!id.isEmpty())
        body["id"] = id.toStdString();
    // The command the worker runs (or is about to run): if it still runs after the grace
    // period, the worker is killed. A worker that holds the GIL in C never answers, so the
    // clock starts now, not at the answer.
    const QString target = id.isEmpty() ? m_registry->oldestActive() : id;
    auto nothingRan = std::make_shared<bool>(false);
    m_client->post(QStringLiteral("/interrupt"), protocol::serialize(body, protocol::Format::Json),
                   protocol::Format::Json, [nothingRan](const transport::WorkerReply& reply) {
                       if (!reply.ok())
                           return;
                       try {
                           const WireJson answer =
                               protocol::parse(reply.body, protocol::Format::Json);
                           *nothingRan = answer.value("interrupted", WireJson()).is_null();
                       } catch (const std::exception&) {
                       }
                   });
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
    if (!info || (info->state != CommandState::Queued && info->state != CommandState::Running &&
                  info->state != CommandState::Replaced))
        return;
    const QString reason =
        QStringLiteral("command %1 went on for %2 s after the interrupt (it ignores SIGINT or is "
                       "stuck in native code), so the worker was killed and restarted; the "
                       "worker's variables are lost")
            .arg(id)
            .arg(m_options.interruptGraceMs / 1000.0, 0, 'f', 1);
    setState(WorkerState::Dead, reason);
    Q_EMIT workerLost(reason);
    replaceWorker(reason, 0);
}

void SessionCore::stopTraining() {
    if (!m_worker || !m_worker->isReady())
        return;
    m_client->post(QStringLiteral("/stop-training"),
                   protocol::serialize(WireJson::object(), protocol::Format::Json),
                   protocol::Format::Json, {});
}

void SessionCore::request(const QString& method, const QString& path, const Value& body,
                          std::shared_ptr<QPromise<Value>> promise) {
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
        m_client->post(path, protocol::serialize(protocol::toWire(body, format), format), format,
                       done);
    }
}

void SessionCore::restart() {
    if (m_shutDown)
        return;
    m_crashTimes.clear(); // the user restarts: the automatic policy starts afresh
    replaceWorker(QStringLiteral("the worker was restarted"), 0);
}

void SessionCore::shutdown() {
    if (m_shutDown)
        return;
    m_shutDown = true;
    setState(WorkerState::Stopped);
    if (m_restartTimer)
        m_restartTimer->stop();
    cancelAll(QStringLiteral("the session was closed"));
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
