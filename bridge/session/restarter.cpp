// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/session/restarter.h"

#include "bridge/session/session.h"

#include <algorithm>

namespace qk {

Restarter::Restarter(const RestartPolicy& policy)
    : m_policy(policy) {}

Restarter::Verdict Restarter::onDeath(qint64 nowMs, const QString& reason) {
    if (!m_policy.automatic)
        return {std::nullopt, QStringLiteral("automatic restarts are off")};
    while (!m_deaths.empty() && nowMs - m_deaths.front() > m_policy.windowMs)
        m_deaths.pop_front();
    m_deaths.push_back(nowMs);
    const int deaths = static_cast<int>(m_deaths.size());
    if (deaths > m_policy.maxRestarts)
        return {std::nullopt,
                QStringLiteral("the worker died %1 times within %2 s, so it is not restarted "
                               "automatically again; restart it once the cause is fixed. The last "
                               "time: %3")
                    .arg(deaths)
                    .arg(m_policy.windowMs / 1000)
                    .arg(reason)};
    return {m_policy.delayMs << std::min(deaths - 1, 16), {}};
}

} // namespace qk
