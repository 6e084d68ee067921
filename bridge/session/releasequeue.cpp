// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/session/releasequeue.h"

namespace qk {

void ReleaseQueue::setWakeUp(std::function<void()> wakeUp) {
    std::lock_guard lock(m_mutex);
    m_wakeUp = std::move(wakeUp);
}

Reference::ReleaseHook ReleaseQueue::hook() {
    std::lock_guard lock(m_mutex);
    std::weak_ptr<ReleaseQueue> weak = weak_from_this();
    return [weak, generation = m_generation](const QString& name) {
        if (auto queue = weak.lock())
            queue->release(generation, name);
    };
}

void ReleaseQueue::release(quint64 generation, const QString& name) {
    std::function<void()> wakeUp;
    {
        std::lock_guard lock(m_mutex);
        if (generation != m_generation)
            return;
        m_names << name;
        if (m_names.size() == 1)
            wakeUp = m_wakeUp;
    }
    if (wakeUp)
        wakeUp();
}

QStringList ReleaseQueue::take() {
    std::lock_guard lock(m_mutex);
    return std::exchange(m_names, {});
}

void ReleaseQueue::newGeneration() {
    std::lock_guard lock(m_mutex);
    ++m_generation;
    m_names.clear();
}

} // namespace qk
