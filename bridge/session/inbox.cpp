// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/session/inbox.h"

#include "bridge/session/wire.h"
#include "bridge/transport/workerclient.h"

#include <QTimer>

namespace qk {

namespace {

// How long the worker may report a seq that has not arrived before the journal is asked.
constexpr qint64 kOverdueMs = 500;
// The largest journal answer taken in one piece.
constexpr qint64 kMaxJournalAnswer = qint64(2) << 30;
// How long one poll of the journal waits for news (within the client's 30 s deadline).
constexpr int kPollWaitS = 15;
constexpr int kPollRetryMs = 500;

std::size_t itemCount(const QString& path, const protocol::Json& message) {
    if (path == QLatin1String("/notify"))
        return message.at("results").size();
    if (path == QLatin1String("/events"))
        return message.at("events").size();
    if (path == QLatin1String("/notifyError"))
        return 1;
    throw std::invalid_argument("not a notification path");
}

} // namespace

Inbox::Inbox(transport::WorkerClient& client, Handlers handlers, QObject* parent)
    : QObject(parent)
    , m_client(client)
    , m_handlers(std::move(handlers))
    , m_fetcher(client, this) {}

int Inbox::receive(const QString& path, const QByteArray& body, protocol::Format format) {
    Notification notification;
    notification.path = path;
    try {
        // The body's large bin payloads share its memory.
        notification.message =
            protocol::parseBody(body, format, protocol::kDefaultMaxDepth, &notification.payloads);
    } catch (const std::exception& e) {
        m_handlers.log(QStringLiteral("malformed notification on %1: %2")
                           .arg(path, QString::fromUtf8(e.what())));
        return 400;
    }
    return accept(std::move(notification));
}

int Inbox::accept(Notification notification) {
    const protocol::Json& message = notification.message;
    std::size_t count = 0;
    try {
        if (!message.is_object())
            throw std::invalid_argument("the body is not an object");
        const auto seq = message.find("seq");
        if (seq == message.end()) {
            // A heartbeat: an empty /events request that only keeps the connection open.
            if (notification.path == QLatin1String("/events") &&
                message.value("events", protocol::Json::array()).empty())
                return 200;
            throw std::invalid_argument("no seq");
        }
        if (!seq->is_number_unsigned() || seq->get<quint64>() == 0)
            throw std::invalid_argument("seq is not a positive integer");
        notification.seq = seq->get<quint64>();
        count = itemCount(notification.path, message);
    } catch (const std::exception& e) {
        m_handlers.log(QStringLiteral("malformed notification on %1: %2")
                           .arg(notification.path, QString::fromUtf8(e.what())));
        return 400;
    }
    if (count == 0)
        return 200;
    const quint64 last = notification.seq + count - 1;
    if (last <= m_received)
        return 200; // a repeat: applied already
    if (notification.seq > m_received + 1) {
        // Something before it has not arrived: the journal has it; this one comes again.
        catchUp();
        return 503;
    }
    notification.next = std::size_t(m_received + 1 - notification.seq);
    m_received = last;
    m_behind.invalidate();
    m_queue.push_back(std::move(notification));
    drain();
    return 200;
}

void Inbox::drain() {
    while (!m_fetching && !m_queue.empty()) {
        bool done = true;
        try {
            done = apply(m_queue.front());
        } catch (const std::exception& e) {
            m_handlers.log(QStringLiteral("malformed notification on %1: %2")
                               .arg(m_queue.front().path, QString::fromUtf8(e.what())));
        }
        if (!done)
            return;
        m_queue.pop_front();
    }
}

bool Inbox::apply(Notification& notification) {
    const QString& path = notification.path;
    if (path == QLatin1String("/notifyError")) {
        m_handlers.error(notification.message);
        return true;
    }
    if (path == QLatin1String("/events")) {
        m_handlers.events(notification.message, notification.payloads, notification.next);
        return true;
    }
    const protocol::Json& results = notification.message.at("results");
    while (notification.next < results.size()) {
        const protocol::Json& item = results.at(notification.next++);
        const auto fetch = item.find("fetch");
        if (fetch == item.end()) {
            m_handlers.result(item, notification.payloads);
            continue;
        }
        const QString id = wire::text(item, "id");
        const quint64 seq = fetch->at("seq").get<quint64>();
        const qint64 bytes = fetch->at("bytes").get<qint64>();
        if (!m_handlers.wanted(id))
            continue; // announced for no open command: nothing to download it for
        if (!m_gone.isEmpty()) {
            m_handlers.resultLost(
                id, m_gone + QStringLiteral(" before the command's result was downloaded"));
            continue;
        }
        m_fetching = true;
        m_fetchingId = id;
        m_fetcher.fetch(
            seq, bytes, [this, id, bytes](std::optional<ResultItem> result, const QString& error) {
                m_fetching = false;
                if (result) {
                    try {
                        m_handlers.result(result->item, result->payloads);
                    } catch (const std::exception& e) {
                        m_handlers.resultLost(id, QString::fromUtf8(e.what()));
                    }
                } else {
                    m_handlers.resultLost(id, QStringLiteral("the command ran, but its result (%1 "
                                                             "bytes) could not be downloaded from "
                                                             "the worker: %2")
                                                  .arg(bytes)
                                                  .arg(error));
                }
                drain();
            });
        return false;
    }
    return true;
}

void Inbox::noteLast(quint64 last) {
    if (last <= m_received) {
        m_behind.invalidate();
        return;
    }
    if (!m_behind.isValid())
        m_behind.start();
    else if (m_behind.elapsed() >= kOverdueMs)
        catchUp();
}

void Inbox::catchUp() {
    if (m_catchingUp)
        return;
    m_catchingUp = true;
    const quint64 ticket = ++m_catchUpTicket;
    m_client.get(
        QStringLiteral("/notifications?since=%1&wait=0").arg(m_received),
        [this, ticket](const transport::WorkerReply& reply) {
            if (ticket != m_catchUpTicket)
                return;
            m_catchingUp = false;
            m_behind.invalidate();
            if (!reply.ok()) {
                m_handlers.log(QStringLiteral("cannot fetch the notifications that did not "
                                              "arrive: ") +
                               reply.error);
                return;
            }
            takeJournal(reply.body);
        },
        kMaxJournalAnswer, protocol::contentType(protocol::Format::MsgPack));
}

bool Inbox::takeJournal(const QByteArray& body) {
    try {
        protocol::Payloads payloads;
        const protocol::Json answer = protocol::parseBody(body, protocol::Format::MsgPack,
                                                          protocol::kDefaultMaxDepth, &payloads);
        if (const quint64 missed = answer.value("missed", quint64(0)); missed > 0)
            m_handlers.log(QStringLiteral("%1 notification(s) were lost: the worker's "
                                          "journal no longer held them")
                               .arg(missed));
        const protocol::Json& messages = answer.at("messages");
        // The journal holds every message the worker has: seqs before its first one
        // that never arrived will not (a sender took them and died, or the journal
        // was full), and must not hold the ones after them.
        if (!messages.empty()) {
            const quint64 first = messages.front().at("seq").get<quint64>();
            if (first > m_received + 1) {
                m_handlers.log(QStringLiteral("notifications %1 to %2 never arrived")
                                   .arg(m_received + 1)
                                   .arg(first - 1));
                m_received = first - 1;
            }
        }
        for (const protocol::Json& message : messages) {
            Notification notification;
            notification.path = QString::fromStdString(message.at("path").get<std::string>());
            notification.message = message.at("body");
            notification.payloads = payloads;
            accept(std::move(notification));
        }
    } catch (const std::exception& e) {
        m_handlers.log(QStringLiteral("malformed journal answer: ") + QString::fromUtf8(e.what()));
        return false;
    }
    return true;
}

void Inbox::setPolling(bool polling) {
    m_polling = polling;
    if (polling)
        poll();
}

void Inbox::poll() {
    if (!m_polling || m_pollPending)
        return;
    m_pollPending = true;
    const quint64 ticket = ++m_pollTicket;
    m_client.get(
        QStringLiteral("/notifications?since=%1&wait=%2").arg(m_received).arg(kPollWaitS),
        [this, ticket](const transport::WorkerReply& reply) {
            if (ticket != m_pollTicket)
                return;
            m_pollPending = false;
            if (!reply.ok()) {
                if (!m_pollFailing)
                    m_handlers.log(QStringLiteral("cannot read the worker's notifications (%1); "
                                                  "trying again")
                                       .arg(reply.error));
                m_pollFailing = true;
                QTimer::singleShot(kPollRetryMs, this, [this] { poll(); });
                return;
            }
            m_pollFailing = false;
            takeJournal(reply.body);
            poll();
        },
        kMaxJournalAnswer, protocol::contentType(protocol::Format::MsgPack));
}

void Inbox::abandon(const QString& reason) {
    if (m_fetching) {
        m_fetcher.cancel();
        m_fetching = false;
        m_handlers.resultLost(
            m_fetchingId, reason + QStringLiteral(" before the command's result was downloaded"));
    }
    m_gone = reason;
    drain();
    m_gone.clear();
    m_queue.clear();
}

void Inbox::reset() {
    m_queue.clear();
    m_fetcher.cancel();
    m_fetching = false;
    m_received = 0;
    ++m_catchUpTicket;
    m_catchingUp = false;
    m_behind.invalidate();
    m_polling = false;
    m_pollPending = false;
    ++m_pollTicket;
}

} // namespace qk
