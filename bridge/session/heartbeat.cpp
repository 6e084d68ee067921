// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/session/heartbeat.h"

#include "bridge/protocol/codec.h"
#include "bridge/transport/workerclient.h"

namespace qk {

Heartbeat::Heartbeat(transport::WorkerClient& client, std::function<bool()> busy,
                     std::function<void(quint64)> last, QObject* parent)
    : QObject(parent)
    , m_client(client)
    , m_busy(std::move(busy))
    , m_last(std::move(last)) {
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &Heartbeat::beat);
}

void Heartbeat::start() {
    m_running = true;
    ++m_ticket;
    m_inFlight = false;
    schedule();
}

void Heartbeat::stop() {
    m_running = false;
    ++m_ticket;
    m_timer.stop();
}

void Heartbeat::hurry() {
    if (m_running && !m_inFlight && m_timer.remainingTime() > kBusyIntervalMs)
        m_timer.start(kBusyIntervalMs);
}

void Heartbeat::schedule() {
    if (m_running)
        m_timer.start(m_busy() ? kBusyIntervalMs : kIdleIntervalMs);
}

void Heartbeat::beat() {
    if (!m_running || m_inFlight)
        return;
    m_inFlight = true;
    const quint64 ticket = m_ticket;
    m_client.get(QStringLiteral("/health"), [this, ticket](const transport::WorkerReply& reply) {
        if (ticket != m_ticket)
            return;
        m_inFlight = false;
        if (reply.ok()) {
            try {
                const protocol::Json health = protocol::parse(reply.body, protocol::Format::Json);
                m_last(health.value("last", quint64(0)));
            } catch (const std::exception&) {
                // An odd answer changes nothing; the next beat asks again.
            }
        }
        schedule();
    });
}

} // namespace qk
