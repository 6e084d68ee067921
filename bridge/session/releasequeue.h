// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/protocol/value.h"

#include <QObject>
#include <QStringList>

#include <functional>
#include <memory>
#include <mutex>

namespace qk {

// Names of worker variables whose last C++ reference went away, waiting to be deleted in the
// next batch. References may die on any thread; m_mutex guards every member. A restart
// starts a new generation: releases from an older worker are ignored.
class ReleaseQueue : public std::enable_shared_from_this<ReleaseQueue> {
public:
    // Called (outside the lock) when the queue goes from empty to non-empty.
    void setWakeUp(std::function<void()> wakeUp);

    // A release hook for references created now, bound to the current generation.
    Reference::ReleaseHook hook();
    QStringList take();
    void newGeneration();

private:
    void release(quint64 generation, const QString& name);

    std::mutex m_mutex;
    QStringList m_names;
    quint64 m_generation = 0;
    std::function<void()> m_wakeUp;
};

} // namespace qk
