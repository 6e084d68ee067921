// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/protocol/codec.h"
#include "bridge/session/resultfetcher.h"

#include <QElapsedTimer>
#include <QObject>
#include <QString>

#include <deque>
#include <functional>

namespace qk {

namespace transport {
class WorkerClient;
}

// Notifications from the worker, applied exactly once and in the worker's order: each
// message has a seq (docs/PROTOCOL.md), a repeated one is acknowledged and skipped, and one
// after a gap is refused for now (the worker sends it again) while the gap is fetched from
// the worker's journal. A notification that follows an announced result waits until the
// result is downloaded. A delivery that is overdue (the worker reports a newer seq than has
// arrived, for longer than a moment) is fetched from the journal too, so nothing the worker
// finished stays unapplied when its notification server is out of reach.
class Inbox : public QObject {
public:
    struct Handlers {
        // A /notify item that holds its value, with the payloads its value refers to.
        std::function<void(const protocol::Json& item, const protocol::Payloads& payloads)> result;
        // An announced result that could not be downloaded.
        std::function<void(const QString& id, const QString& reason)> resultLost;
        // Whether a command is open (a result announced for another is not downloaded).
        std::function<bool(const QString& id)> wanted;
        std::function<void(const protocol::Json& message)> error;
        // The events of an /events message from index `from` on.
        std::function<void(const protocol::Json& message, const protocol::Payloads& payloads,
                           std::size_t from)>
            events;
        std::function<void(const QString& line)> log;
    };

    Inbox(transport::WorkerClient& client, Handlers handlers, QObject* parent = nullptr);

    // A body posted to the notification server; returns the HTTP status to answer.
    int receive(const QString& path, const QByteArray& body, protocol::Format format);
    // The newest seq the worker reports (GET /health's "last"): fetches from the journal
    // when what it has sent has not arrived for a while.
    void noteLast(quint64 last);
    // Whether notifications wait here (for a download).
    bool holding() const { return !m_queue.empty(); }
    // The worker is gone: the download under way fails with `reason`, and what arrived
    // after it is applied, announced results failing with `reason` too. Then empty.
    void abandon(const QString& reason);
    // A new worker: its seqs start again (and polling stops).
    void reset();
    // Reads every notification from the worker's journal with long polls (GET
    // /notifications?since=&wait=), for a worker that cannot reach the notification server
    // (a remote one); the answers acknowledge what came before. A failed poll is tried again
    // every half second, so after a dropped connection the journal replays what was missed.
    void setPolling(bool polling);
    bool polling() const { return m_polling; }

private:
    struct Notification { // NOLINT(bugprone-exception-escape): json() has an unreachable throw
        QString path;
        protocol::Json message;
        protocol::Payloads payloads;
        quint64 seq = 0;
        std::size_t next = 0; // items before this one are applied
    };

    int accept(Notification notification);
    void drain();
    // Applies the front notification from its `next` item on; false when it waits for a
    // download.
    bool apply(Notification& notification);
    void catchUp();
    void poll();
    // Accepts the messages of a journal answer; false when it is malformed.
    bool takeJournal(const QByteArray& body);

    transport::WorkerClient& m_client;
    Handlers m_handlers;
    ResultFetcher m_fetcher;
    std::deque<Notification> m_queue;
    quint64 m_received = 0; // every seq up to this one has arrived (applied or queued here)
    bool m_fetching = false;
    QString m_fetchingId;
    QString m_gone; // set while abandoning: why downloads are impossible
    bool m_catchingUp = false;
    quint64 m_catchUpTicket = 0;
    QElapsedTimer m_behind; // since when the worker reports a seq that has not arrived
    bool m_polling = false;
    bool m_pollPending = false;
    bool m_pollFailing = false; // polls fail now (logged once per outage)
    quint64 m_pollTicket = 0;
};

} // namespace qk
