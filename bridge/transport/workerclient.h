// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/protocol/codec.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QNetworkRequest>
#include <QObject>
#include <QString>
#include <QUrl>

#include <functional>
#include <map>
#include <memory>

class QNetworkAccessManager;
class QNetworkReply;

namespace qk::transport {

// The answer to one request to the worker. status is 0 when no HTTP answer came (connection
// refused, worker gone, deadline passed); error then says why.
struct WorkerReply {
    int status = 0;
    QByteArray body;
    QString error;

    bool ok() const { return status >= 200 && status < 300; }
};

// How a request may be sent again when its connection fails before an answer comes.
// QNetworkAccessManager itself sends any request once or twice more when a keep-alive
// connection closes before an answer begins, so every endpoint of the worker takes a repeat.
enum class Resend {
    // Until the deadline, with back-off: the worker applies a repeated request once (GETs,
    // command batches by their ids, decisions, interrupts of a given command).
    UntilDeadline,
    // Only when it surely did not reach the worker (the connection was refused or closed
    // before the request was written).
    IfNotSent,
};

// The HTTP client for the worker's endpoints (docs/PROTOCOL.md), on QNetworkAccessManager:
// the token on every request, keep-alive connections, no proxy, cookies, cache, redirects or
// HTTP/2 (tunnels and TLS come with QNAM when remote workers need them). Lives on the
// session's transport thread; callbacks run there. A request that fails without an answer
// is sent again as its Resend allows, with back-off, until its deadline; a connection
// refused under load is therefore not final.
class WorkerClient : public QObject {
    Q_OBJECT
public:
    using Callback = std::function<void(const WorkerReply&)>;

    static constexpr qint64 kMaxAnswerBytes = qint64(256) << 20;
    static constexpr int kDefaultDeadlineMs = 30000;

    explicit WorkerClient(const QByteArray& token, QObject* parent = nullptr);
    ~WorkerClient() override;

    // Where the worker listens: http://127.0.0.1:<port> unless setBaseUrl() said otherwise.
    void setPort(quint16 port);
    // Requests from now on carry this token (a worker attached to has its own).
    void setToken(const QByteArray& token) { m_authorization = "Bearer " + token; }
    void setBaseUrl(const QUrl& url);
    QUrl baseUrl() const { return m_base; }
    quint16 port() const { return quint16(m_base.port(0)); }
    // How long a request may take from its first try, including resends and idle transfer
    // time (a large body that keeps moving is not cut off).
    void setDeadlineMs(int ms) { m_deadlineMs = ms; }

    void post(const QString& path, const QByteArray& body, protocol::Format format, Callback done,
              Resend resend = Resend::UntilDeadline);
    // An answer body larger than maxAnswerBytes fails the request. A large body is received
    // into one buffer of its size. `accept`: the Content-Type asked for (Accept header).
    void get(const QString& path, Callback done, qint64 maxAnswerBytes = kMaxAnswerBytes,
             const QByteArray& accept = {});
    // Aborts every request in flight or waiting for a resend; their callbacks get status 0.
    void abortAll();
    // Requests in flight or waiting for a resend.
    int pendingCount() const { return int(m_requests.size()); }

private:
    struct Request {
        QByteArray method;
        QString path;
        QByteArray body;
        QByteArray contentType;
        QByteArray accept;
        Callback done;
        qint64 maxAnswerBytes = kMaxAnswerBytes;
        Resend resend = Resend::UntilDeadline;
        QElapsedTimer age;
        int attempts = 0;
        bool sent = false; // the current attempt was written to a connection
        QNetworkReply* reply = nullptr;
    };

    void transmit(quint64 key);
    void onFinished(quint64 key, QNetworkReply* reply);
    // Sends the request again after a pause, if its Resend and deadline allow.
    bool retry(quint64 key, Request& request);
    void settle(quint64 key, const WorkerReply& reply);
    QNetworkRequest networkRequest(const Request& request) const;

    QNetworkAccessManager* m_manager;
    QByteArray m_authorization;
    QUrl m_base;
    int m_deadlineMs = kDefaultDeadlineMs;
    quint64 m_nextKey = 0;
    std::map<quint64, Request> m_requests; // by key, which is the order of sending
};

} // namespace qk::transport
