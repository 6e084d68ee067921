// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QTimer>

#include <functional>

namespace qk {

namespace transport {
class WorkerClient;
}

// Asks the worker how it is (GET /health) at a steady pace: every second while `busy` says
// commands are open, else every 20 s. It keeps a connection to the worker open (the worker
// closes idle ones after 60 s), so the session never has to find a new one when a flood of
// connections holds the worker's slots, and hands the worker's newest notification seq to
// `last`, which tells whether a delivery is overdue.
class Heartbeat : public QObject {
public:
    static constexpr int kBusyIntervalMs = 1000;
    static constexpr int kIdleIntervalMs = 20000;

    Heartbeat(transport::WorkerClient& client, std::function<bool()> busy,
              std::function<void(quint64 last)> last, QObject* parent = nullptr);

    void start();
    void stop();
    // Beats at the busy pace from now on (a command was sent).
    void hurry();

private:
    void beat();
    void schedule();

    transport::WorkerClient& m_client;
    std::function<bool()> m_busy;
    std::function<void(quint64)> m_last;
    QTimer m_timer;
    bool m_running = false;
    bool m_inFlight = false;
    quint64 m_ticket = 0;
};

} // namespace qk
