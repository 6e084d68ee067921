// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

#include <deque>
#include <optional>

namespace qk {

struct RestartPolicy;

// Decides, under a RestartPolicy, whether a worker that died unexpectedly is started again,
// and after how long: the delay doubles with each death within the policy's window, and
// after maxRestarts of them it gives up. Pure bookkeeping: the caller owns the clock.
class Restarter {
public:
    explicit Restarter(const RestartPolicy& policy);

    // A death at `nowMs`: the delay before the next start, or nullopt and why not.
    struct Verdict {
        std::optional<int> delayMs;
        QString refusal;
    };
    Verdict onDeath(qint64 nowMs, const QString& reason);
    // The user restarted: the count starts afresh.
    void reset() { m_deaths.clear(); }

private:
    const RestartPolicy& m_policy;
    std::deque<qint64> m_deaths; // unexpected deaths within the window
};

} // namespace qk
