// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/session/outbox.h"

#include "bridge/protocol/codec.h"
#include "bridge/session/commandregistry.h"
#include "bridge/session/releasequeue.h"
#include "bridge/session/wire.h"
#include "bridge/transport/workerclient.h"

#include <QTimer>

namespace qk {

namespace {

constexpr std::size_t kMaxBatch = 1000;
// After a batch went unanswered, how long its commands wait for the worker's exit (which
// settles them with the exit's reason) before they fail with the network error.
constexpr int kUnansweredGraceMs = 1000;

} // namespace

Outbox::Outbox(transport::WorkerClient& client, CommandRegistry& registry, ReleaseQueue& releases,
               Changed changed, std::function<void()> answered, QObject* parent)
    : QObject(parent)
    , m_client(client)
    , m_registry(registry)
    , m_releases(releases)
    , m_changed(std::move(changed))
    , m_answered(std::move(answered)) {}

void Outbox::setStaging(qsizetype from, std::function<QString(const QByteArray&)> stage,
                        std::function<void(const QString&)> release) {
    m_stageFrom = from;
    m_stage = std::move(stage);
    m_release = std::move(release);
}

void Outbox::push(Command command) {
    m_commands.push_back(std::move(command));
    flush();
}

void Outbox::setOpen(bool open) {
    m_open = open;
    if (open)
        flush();
}

void Outbox::flush() {
    if (m_inFlight || !m_open)
        return;
    std::vector<Command> batch;
    bool binary = false;
    while (!m_commands.empty() && batch.size() < kMaxBatch) {
        binary = binary || wire::hasBinary(m_commands.front());
        batch.push_back(std::move(m_commands.front()));
        m_commands.pop_front();
    }
    // The worker deletes released names after the batch's commands. So they ride on the batch
    // that empties the outbox, and only once every command sent before them has reached it: a
    // command sent before its variable was let go still finds it.
    const QStringList releases = m_commands.empty() ? m_releases.take(m_received) : QStringList();
    if (batch.empty() && releases.isEmpty())
        return;
    const protocol::Format format = binary ? protocol::Format::MsgPack : protocol::Format::Json;

    protocol::Json commands = protocol::Json::array();
    std::vector<QString> ids;
    protocol::Payloads payloads; // array data, shared with the bindings until serialized
    QStringList staged;          // large array data, pulled by the worker
    protocol::Stager stager;
    stager.from = m_stageFrom;
    stager.stage = [this, &staged](const QByteArray& bytes) {
        staged.append(m_stage(bytes));
        return staged.back();
    };
    for (const Command& command : batch) {
        try {
            commands.push_back(
                wire::command(command, format, payloads, m_stage ? &stager : nullptr));
            ids.push_back(command.id);
        } catch (const std::exception& e) {
            m_changed(m_registry.fail(
                command.id, CommandError(CommandState::Failed,
                                         QStringLiteral("cannot encode the command's bindings: ") +
                                             QString::fromUtf8(e.what()))));
        }
    }
    protocol::Json message = protocol::Json::object();
    message["commands"] = std::move(commands);
    if (!releases.isEmpty()) {
        protocol::Json names = protocol::Json::array();
        for (const QString& name : releases)
            names.push_back(name.toStdString());
        message["release"] = std::move(names);
    }
    QByteArray body = protocol::serialize(message, format, payloads);
    payloads.clear();
    m_inFlight = true;
    // A batch sent again is answered as the first (the worker knows its ids).
    m_client.post(QStringLiteral("/commands"), body, format,
                  [this, ids, staged](const transport::WorkerReply& reply) {
                      for (const QString& id : staged)
                          m_release(id);
                      posted(ids, reply.status, reply.body, reply.error);
                  });
}

void Outbox::posted(const std::vector<QString>& ids, int status, const QByteArray& body,
                    const QString& error) {
    m_inFlight = false;
    if (status == 202) {
        for (const QString& id : ids)
            m_changed(m_registry.advance(id, CommandState::Queued));
    } else if (status == 0) {
        // No answer: the worker is probably dying. Its exit settles these commands with the
        // reason; if it does not exit, they fail with the network error.
        QTimer::singleShot(kUnansweredGraceMs, this, [this, ids, error] {
            for (const QString& id : ids)
                m_changed(m_registry.fail(
                    id, CommandError(CommandState::Failed,
                                     QStringLiteral("cannot reach the worker: ") + error)));
            m_answered();
        });
    } else {
        const QString reason = QStringLiteral("the worker refused the commands (HTTP %1): %2")
                                   .arg(status)
                                   .arg(QString::fromUtf8(body.left(500)));
        for (const QString& id : ids)
            m_changed(m_registry.fail(id, CommandError(CommandState::Failed, reason)));
        m_answered();
    }
    flush();
}

} // namespace qk
