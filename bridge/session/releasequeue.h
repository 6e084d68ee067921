// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/protocol/value.h"

#include <QObject>
#include <QStringList>

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace qk {

// Names of worker variables whose last C++ handle went away, waiting to be deleted in the
// next batch (or the one SessionCore's timer sends when none comes). Handles may die on any
// thread; m_mutex guards every member. A restart starts a new generation: releases from an
// older worker are ignored. A name let go after a command was sent is not taken before that
// command reached the outbox: the command may still use it.
class ReleaseQueue : public std::enable_shared_from_this<ReleaseQueue> {
public:
    // A release hook for references created now, bound to the current generation.
    Reference::ReleaseHook hook();
    // Lets `name` go now, in the current generation.
    void letGo(const QString& name);
    // A command is on its way to the outbox; returns its number (1, 2, ...).
    quint64 noteSent();
    // The names let go before command number `received` or an earlier one was sent.
    QStringList take(quint64 received);
    void newGeneration();

private:
    struct Pending {
        QString name;
        quint64 sentBefore; // the number of commands sent when it was let go
    };

    void release(quint64 generation, const QString& name);

    std::mutex m_mutex;
    std::vector<Pending> m_pending;
    quint64 m_sent = 0;
    quint64 m_generation = 0;
};

} // namespace qk
