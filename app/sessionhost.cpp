#include "app/sessionhost.h"

namespace qk::app {

SessionHost::SessionHost(SessionOptions options, QObject* parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_session(std::make_unique<Session>(m_options)) {
    connectSession();
}

SessionHost::~SessionHost() = default;

void SessionHost::connectSession() {
    // Signals of a replaced session may still be queued; they must not reach the panels.
    Session* s = m_session.get();
    const auto current = [this, s] { return m_session.get() == s; };
    connect(s, &Session::workerReady, this, [this, current](const WorkerInfo& info) {
        if (current())
            Q_EMIT workerReady(info);
    });
    connect(s, &Session::workerStateChanged, this,
            [this, current](WorkerState state, const QString& reason) {
                if (current())
                    Q_EMIT workerStateChanged(state, reason);
            });
    connect(s, &Session::commandChanged, this, [this, current](const CommandInfo& info) {
        if (current())
            Q_EMIT commandChanged(info);
    });
    connect(s, &Session::commandFailed, this, [this, current](const CommandFailure& failure) {
        if (current())
            Q_EMIT commandFailed(failure);
    });
    connect(s, &Session::output, this,
            [this, current](const QString& id, const QString& stream, const QString& text) {
                if (current())
                    Q_EMIT output(id, stream, text);
            });
    connect(s, &Session::workerEvent, this, [this, current](const WorkerEvent& event) {
        if (current())
            Q_EMIT workerEvent(event);
    });
    connect(s, &Session::workerLog, this, [this, current](const QString& line) {
        if (current())
            Q_EMIT workerLog(line);
    });
    connect(s, &Session::workerLost, this, [this, current](const QString& reason) {
        if (current())
            Q_EMIT workerLost(reason);
    });
    connect(s, &Session::workerRestarted, this,
            [this, current](const WorkerInfo& info, const QString& reason) {
                if (current())
                    Q_EMIT workerRestarted(info, reason);
            });
    connect(s, &Session::workerWarning, this, [this, current](const QString& message) {
        if (current())
            Q_EMIT workerWarning(message);
    });
    if (m_policy)
        s->setErrorPolicy(m_policy, m_policyContext);
}

void SessionHost::restart() {
    Q_EMIT restarting();
    m_session->restart();
}

void SessionHost::reconfigure(SessionOptions options) {
    Q_EMIT restarting();
    m_options = std::move(options);
    std::unique_ptr<Session> old = std::exchange(m_session, std::make_unique<Session>(m_options));
    old->disconnect(this);
    old.reset();
    connectSession();
    Q_EMIT sessionReplaced();
    Q_EMIT workerStateChanged(m_session->workerState(), {});
}

void SessionHost::setErrorPolicy(Session::ErrorPolicy policy, QObject* context) {
    m_policy = std::move(policy);
    m_policyContext = context;
    m_session->setErrorPolicy(m_policy, m_policyContext);
}

} // namespace qk::app
