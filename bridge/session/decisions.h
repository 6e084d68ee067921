// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/session/command.h"
#include "bridge/session/session.h"

#include <QObject>
#include <QPointer>

#include <functional>
#include <mutex>
#include <optional>
#include <tuple>

namespace qk {

class CommandRegistry;

namespace transport {
class WorkerClient;
}

// Who decides about failures: set from any thread, read on the transport thread.
class PolicySlot {
public:
    void set(Session::ErrorPolicy policy, QObject* context);
    // The policy, its context and whether it had one when set (a context that is gone since
    // means nobody decides).
    std::tuple<Session::ErrorPolicy, QPointer<QObject>, bool> get() const;

private:
    mutable std::mutex m_mutex;
    Session::ErrorPolicy m_policy;
    QPointer<QObject> m_context;
    bool m_hasContext = false;
};

// What happens to a failed command: the error policy is asked (on its context's thread, or
// the transport thread), its Decision goes to the worker (POST /decisions), and the command
// is settled by the answer. Counts the failures that keep the worker's queue paused.
class Decisions : public QObject {
public:
    using Changed = std::function<void(const std::optional<CommandInfo>&)>;

    Decisions(transport::WorkerClient& client, CommandRegistry& registry, const PolicySlot& policy,
              Changed changed, std::function<void()> resumed,
              std::function<void(const QString&)> log, QObject* parent = nullptr);

    // A failure that paused the worker's queue.
    void ask(const CommandFailure& failure);
    void decide(const QString& id, const Decision& decision);
    // Tells the worker to go on past a failure that nobody here will decide about (its
    // command was settled already, e.g. cancelled).
    void dismiss(const QString& id);
    // Failures waiting for a decision.
    int paused() const { return m_paused; }
    // The worker is gone: nothing waits for a decision any more.
    void reset() { m_paused = 0; }
    // Decisions go out only while the worker can take them.
    void setOpen(bool open) { m_open = open; }

private:
    void decided(const QString& id, Decision::Kind kind, const QByteArray& answer);

    transport::WorkerClient& m_client;
    CommandRegistry& m_registry;
    const PolicySlot& m_policy;
    Changed m_changed;
    std::function<void()> m_resumed;
    std::function<void(const QString&)> m_log;
    int m_paused = 0;
    bool m_open = false;
};

} // namespace qk
