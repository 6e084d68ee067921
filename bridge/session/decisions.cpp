// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/session/decisions.h"

#include "bridge/session/commandregistry.h"
#include "bridge/session/wire.h"
#include "bridge/transport/workerclient.h"

namespace qk {

void PolicySlot::set(Session::ErrorPolicy policy, QObject* context) {
    std::lock_guard lock(m_mutex);
    m_policy = std::move(policy);
    m_context = context;
    m_hasContext = context != nullptr;
}

std::tuple<Session::ErrorPolicy, QPointer<QObject>, bool> PolicySlot::get() const {
    std::lock_guard lock(m_mutex);
    return {m_policy, m_context, m_hasContext};
}

Decisions::Decisions(transport::WorkerClient& client, CommandRegistry& registry,
                     const PolicySlot& policy, Changed changed, std::function<void()> resumed,
                     std::function<void(const QString&)> log, QObject* parent)
    : QObject(parent)
    , m_client(client)
    , m_registry(registry)
    , m_policy(policy)
    , m_changed(std::move(changed))
    , m_resumed(std::move(resumed))
    , m_log(std::move(log)) {}

void Decisions::ask(const CommandFailure& failure) {
    ++m_paused;
    Session::ErrorPolicy policy;
    QPointer<QObject> context;
    bool hasContext = false;
    std::tie(policy, context, hasContext) = m_policy.get();
    const QString id = failure.id;
    if (!policy || (hasContext && !context)) {
        decide(id, Decision::dropQueue());
        return;
    }
    QPointer<Decisions> self(this);
    auto askPolicy = [policy, failure, self, id] {
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
        QMetaObject::invokeMethod(context.data(), askPolicy, Qt::QueuedConnection);
    else
        askPolicy();
}

void Decisions::dismiss(const QString& id) {
    if (!m_open)
        return;
    protocol::Json body = protocol::Json::object();
    body["id"] = id.toStdString();
    body["decision"] = "ignore";
    m_client.post(QStringLiteral("/decisions"), protocol::serialize(body, protocol::Format::Json),
                  protocol::Format::Json, {});
}

void Decisions::decide(const QString& id, const Decision& decision) {
    if (!m_open)
        return;
    protocol::Format format = protocol::Format::Json;
    protocol::Payloads payloads;
    protocol::Json body = protocol::Json::object();
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
        if (wire::hasBinary(decision.replacement))
            format = protocol::Format::MsgPack;
        Command replacement = decision.replacement;
        replacement.id = id;
        const protocol::Json command = wire::command(replacement, format, payloads);
        body["code"] = command.at("code");
        body["bindings"] = command.at("bindings");
        break;
    }
    }
    const Decision::Kind kind = decision.kind;
    // Sent again after a lost connection, a decision is answered as the first time.
    m_client.post(QStringLiteral("/decisions"), protocol::serialize(body, format, payloads), format,
                  [this, id, kind](const transport::WorkerReply& reply) {
                      if (!reply.ok()) {
                          m_log(QStringLiteral("the worker refused the decision on %1: %2")
                                    .arg(id, reply.error));
                          return;
                      }
                      decided(id, kind, reply.body);
                  });
}

void Decisions::decided(const QString& id, Decision::Kind kind, const QByteArray& answer) {
    m_paused = std::max(0, m_paused - 1);
    const CommandFailure report = m_registry.failure(id).value_or(CommandFailure{});
    const QString what = report.type + QStringLiteral(": ") + report.message;
    try {
        const protocol::Json body = protocol::parse(answer, protocol::Format::Json);
        if (auto it = body.find("dropped"); it != body.end() && it->is_array()) {
            for (const auto& dropped : *it)
                m_changed(m_registry.fail(
                    QString::fromStdString(dropped.template get<std::string>()),
                    CommandError(CommandState::Dropped,
                                 QStringLiteral("dropped because %1 failed (%2)").arg(id, what))));
        }
    } catch (const std::exception& e) {
        m_log(QStringLiteral("malformed answer to a decision: ") + QString::fromUtf8(e.what()));
    }
    switch (kind) {
    case Decision::Kind::Ignore:
        m_changed(m_registry.fail(
            id, CommandError(CommandState::Ignored, QStringLiteral("ignored: ") + what, report)));
        break;
    case Decision::Kind::DropQueue:
        m_changed(m_registry.fail(id, CommandError(CommandState::Failed, what, report)));
        break;
    case Decision::Kind::Replace:
        m_changed(m_registry.markReplaced(id));
        break;
    }
    m_resumed();
}

} // namespace qk
