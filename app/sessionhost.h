// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/session/session.h"

#include <QObject>

#include <memory>

namespace qk::app {

// Owns the IDE's current session and forwards its events to one SessionEvents of its own,
// so panels connect once even when new settings replace the session (and its worker).
class SessionHost : public QObject {
    Q_OBJECT
public:
    explicit SessionHost(qk::SessionOptions options, QObject* parent = nullptr);
    ~SessionHost() override;

    qk::Session& session() const { return *m_session; }
    // The events of the current session, whichever it is.
    qk::SessionEvents& events() const { return *m_events; }
    const qk::SessionOptions& options() const { return m_options; }
    qk::WorkerState workerState() const { return m_session->workerState(); }
    qk::WorkerInfo workerInfo() const { return m_session->workerInfo(); }

    // Kills the worker and starts a fresh one in the same session.
    void restart();
    // Replaces the session with one whose worker uses the new options.
    void reconfigure(qk::SessionOptions options);
    // Installs the error policy on this session and every later one.
    void setErrorPolicy(qk::Session::ErrorPolicy policy, QObject* context);

Q_SIGNALS:
    // A new session replaced the old one: command ids start again.
    void sessionReplaced();
    // The worker is being restarted (restart() or reconfigure()).
    void restarting();

private:
    void connectSession();

    qk::SessionOptions m_options;
    qk::SessionEvents* m_events;
    std::unique_ptr<qk::Session> m_session;
    qk::Session::ErrorPolicy m_policy;
    QObject* m_policyContext = nullptr;
};

} // namespace qk::app
