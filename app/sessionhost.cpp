// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/sessionhost.h"

namespace qk::app {

SessionHost::SessionHost(SessionOptions options, QObject* parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_events(new SessionEvents(this))
    , m_session(std::make_unique<Session>(m_options)) {
    connectSession();
}

SessionHost::~SessionHost() = default;

void SessionHost::connectSession() {
    // The events of a replaced session that are still queued go with it.
    m_session->events().forwardTo(m_events);
    if (m_policy)
        m_session->setErrorPolicy(m_policy, m_policyContext);
}

void SessionHost::restart() {
    Q_EMIT restarting();
    m_session->restart();
}

void SessionHost::reconfigure(SessionOptions options) {
    Q_EMIT restarting();
    m_options = std::move(options);
    std::unique_ptr<Session> old = std::exchange(m_session, std::make_unique<Session>(m_options));
    // A worker attached to belongs to this session; the next one starts its own.
    m_options.worker.attachRun.clear();
    old.reset();
    connectSession();
    Q_EMIT sessionReplaced();
    Q_EMIT m_events->workerStateChanged(m_session->workerState(), {});
}

void SessionHost::setErrorPolicy(Session::ErrorPolicy policy, QObject* context) {
    m_policy = std::move(policy);
    m_policyContext = context;
    m_session->setErrorPolicy(m_policy, m_policyContext);
}

} // namespace qk::app
