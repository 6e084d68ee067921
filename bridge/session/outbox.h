// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/session/command.h"

#include <QObject>

#include <algorithm>
#include <deque>
#include <functional>
#include <optional>
#include <vector>

namespace qk {

class CommandRegistry;
class ReleaseQueue;

namespace transport {
class WorkerClient;
}

// Commands on their way to the worker: batched into one POST /commands at a time, which
// keeps them in order while pipelining, with the releases of owned variables riding along.
// An accepted command becomes Queued; a refused or unanswered batch fails its commands with
// the reason. Lives on the transport thread.
class Outbox : public QObject {
public:
    using Changed = std::function<void(const std::optional<CommandInfo>&)>;

    Outbox(transport::WorkerClient& client, CommandRegistry& registry, ReleaseQueue& releases,
           Changed changed, std::function<void()> answered, QObject* parent = nullptr);

    // Where bindings of `from` bytes or more go instead of the request's body: `stage` keeps
    // one for the worker to pull (GET /blobs/<id> of the notification server) and returns
    // its id; `release` drops it once the worker has answered the request.
    void setStaging(qsizetype from, std::function<QString(const QByteArray&)> stage,
                    std::function<void(const QString&)> release);

    void push(Command command);
    // Command number `sequence` (ReleaseQueue::noteSent()) reached the session's core, pushed
    // here or refused: names let go after it was sent may now go with a batch.
    void noteReceived(quint64 sequence) { m_received = std::max(m_received, sequence); }
    // Sends while the worker is ready; holds the commands otherwise.
    void setOpen(bool open);
    // Sends the next batch (and pending releases) unless one is on its way.
    void flush();
    // Forgets the commands not sent yet (their owner settles them).
    void clear() { m_commands.clear(); }

private:
    void posted(const std::vector<QString>& ids, int status, const QByteArray& body,
                const QString& error);

    transport::WorkerClient& m_client;
    CommandRegistry& m_registry;
    ReleaseQueue& m_releases;
    Changed m_changed;
    std::function<void()> m_answered;
    std::deque<Command> m_commands;
    qsizetype m_stageFrom = 0;
    std::function<QString(const QByteArray&)> m_stage;
    std::function<void(const QString&)> m_release;
    bool m_open = false;
    quint64 m_received = 0;
    bool m_inFlight = false;
};

} // namespace qk
