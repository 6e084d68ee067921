// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/session/releasequeue.h"

namespace qk {

Reference::ReleaseHook ReleaseQueue::hook() {
    std::lock_guard lock(m_mutex);
    std::weak_ptr<ReleaseQueue> weak = weak_from_this();
    return [weak, generation = m_generation](const QString& name) {
        if (auto queue = weak.lock())
            queue->release(generation, name);
    };
}

void ReleaseQueue::release(quint64 generation, const QString& name) {
    std::lock_guard lock(m_mutex);
    if (generation == m_generation)
        m_pending.push_back({name, m_sent});
}

void ReleaseQueue::letGo(const QString& name) {
    std::lock_guard lock(m_mutex);
    m_pending.push_back({name, m_sent});
}

quint64 ReleaseQueue::noteSent() {
    std::lock_guard lock(m_mutex);
    return ++m_sent;
}

QStringList ReleaseQueue::take(quint64 received) {
    std::lock_guard lock(m_mutex);
    QStringList names;
    // In the order they were let go, so the first still waiting ends the take.
    auto it = m_pending.begin();
    for (; it != m_pending.end() && it->sentBefore <= received; ++it)
        names << it->name;
    m_pending.erase(m_pending.begin(), it);
    return names;
}

void ReleaseQueue::newGeneration() {
    std::lock_guard lock(m_mutex);
    ++m_generation;
    m_pending.clear();
}

} // namespace qk
