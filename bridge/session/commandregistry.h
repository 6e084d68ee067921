// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/session/command.h"

#include <QFuture>
#include <QPromise>

#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace qk {

// The open commands of a session and their promises. Shared between the thread that sends
// commands and the transport thread that settles them; m_mutex guards every member. Each
// command settles exactly once: later attempts are ignored and return false.
class CommandRegistry {
public:
    // Registers a pending command; its future settles when the command does.
    QFuture<Value> add(const CommandInfo& info);

    // Moves a command forward to Queued or Running (never backwards); one that runs has run
    // for `ranSeconds` already. Returns the new snapshot, or nothing when the command is
    // unknown, settled or already further along.
    std::optional<CommandInfo> advance(const QString& id, CommandState state,
                                       double ranSeconds = 0.0);
    // Marks a failed command waiting for a decision (state Failed, not settled).
    std::optional<CommandInfo> markFailed(const QString& id, const CommandFailure& failure);
    // Marks a command whose replacement is about to run (state Replaced, not settled).
    std::optional<CommandInfo> markReplaced(const QString& id);

    // Settles a command with a value (state Succeeded, or Replaced for a replacement). A
    // command that ran for `ranSeconds` (the worker's measure) is taken to have started that
    // long before now, also when it was reported running; without a measure, a command never
    // reported running (a quick one is not) is taken to have started now.
    std::optional<CommandInfo> succeed(const QString& id, Value value, double ranSeconds = 0.0);
    // Settles a command with an error in the error's state.
    std::optional<CommandInfo> fail(const QString& id, const CommandError& error);
    // Settles every open command with the error (worker died, session closed).
    std::vector<CommandInfo> failAll(CommandState state, const QString& reason);

    std::optional<CommandInfo> info(const QString& id) const;
    std::optional<CommandFailure> failure(const QString& id) const;
    std::size_t openCount() const;
    // The oldest open command that is pending, queued or running: the one the worker runs or
    // runs next (a worker that runs a command at once may not have confirmed it yet). Empty
    // when there is none.
    QString oldestActive() const;

private:
    struct Entry {
        CommandInfo info;
        QPromise<Value> promise;
        std::optional<CommandFailure> failure;
        quint64 sequence = 0;
    };

    std::optional<CommandInfo> settle(const QString& id, Value* value, const CommandError* error,
                                      double ranSeconds = 0.0);

    mutable std::mutex m_mutex;
    std::unordered_map<QString, std::unique_ptr<Entry>> m_open;
    quint64 m_nextSequence = 0;
};

} // namespace qk
