// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/transport/workerclient.h"

#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QPointer>
#include <QTimer>

#include <algorithm>
#include <array>
#include <new>
#include <optional>
#include <stdexcept>

namespace qk::transport {

namespace {

// Pauses before the attempts after the first; the last one repeats until the deadline.
constexpr std::array kBackoffMs{0, 20, 50, 100, 200, 500, 1000};
// Answers from this size on are placed for their arrays; the head looked at to place them.
constexpr qint64 kPlacedBodyBytes = qint64(64) * 1024;
constexpr qint64 kPlacementHeadBytes = 4096 + 64;

bool noAnswer(QNetworkReply* reply) {
    return !reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).isValid();
}

// A large MessagePack answer is received where its first large array can be used as it lies
// (protocol::placeBody); any other in a buffer of its size. Throws when it cannot be kept.
QByteArray readBody(QNetworkReply* reply, qint64 size) {
    const auto readInto = [reply, size](char* data) {
        if (size > 0 && reply->read(data, size) != size)
            throw std::length_error("short read");
    };
    const std::optional<protocol::Format> format = protocol::formatFromContentType(
        reply->header(QNetworkRequest::ContentTypeHeader).toByteArray());
    if (format != protocol::Format::MsgPack || size < kPlacedBodyBytes) {
        QByteArray body(size, Qt::Uninitialized);
        readInto(body.data());
        return body;
    }
    protocol::BodyPlacement placement = protocol::placeBody(size, reply->peek(kPlacementHeadBytes));
    readInto(placement.buffer.data() + placement.offset);
    return std::move(placement).body(size);
}

} // namespace

WorkerClient::WorkerClient(const QByteArray& token, QObject* parent)
    : QObject(parent)
    , m_manager(new QNetworkAccessManager(this))
    , m_authorization("Bearer " + token) {
    // Every request goes to the worker itself: no proxy look-up per request, no cookie jar,
    // cache, HSTS or redirects.
    m_manager->setProxy(QNetworkProxy::NoProxy);
    m_manager->setCookieJar(nullptr);
    m_manager->setStrictTransportSecurityEnabled(false);
    m_manager->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
    m_manager->setAutoDeleteReplies(false);
    setPort(0);
}

WorkerClient::~WorkerClient() {
    for (auto& [key, request] : m_requests) {
        if (request.reply) {
            request.reply->disconnect(this);
            request.reply->abort();
            delete request.reply;
        }
    }
}

void WorkerClient::setPort(quint16 port) {
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(port);
    setBaseUrl(url);
}

void WorkerClient::setBaseUrl(const QUrl& url) {
    // Connections to an earlier worker are left to close with it. (Clearing QNAM's connection
    // cache would stop its HTTP thread, waiting up to 5 s, under requests still in flight.)
    m_base = url;
}

QNetworkRequest WorkerClient::networkRequest(const Request& request) const {
    QUrl url = m_base;
    const qsizetype query = request.path.indexOf(u'?');
    url.setPath(request.path.left(query));
    if (query >= 0)
        url.setQuery(request.path.mid(query + 1));
    QNetworkRequest r(url);
    r.setRawHeader("Authorization", m_authorization);
    if (!request.contentType.isEmpty())
        r.setRawHeader("Content-Type", request.contentType);
    if (!request.accept.isEmpty())
        r.setRawHeader("Accept", request.accept);
    r.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    r.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    r.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    r.setAttribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);
    r.setAttribute(QNetworkRequest::AuthenticationReuseAttribute, QNetworkRequest::Manual);
    // An answer up to this size is received straight into one buffer of its size.
    r.setAttribute(QNetworkRequest::MaximumDownloadBufferSizeAttribute, request.maxAnswerBytes);
    // No byte moving for the rest of the deadline ends the attempt.
    const qint64 left = std::max<qint64>(1, m_deadlineMs - request.age.elapsed());
    r.setTransferTimeout(int(std::min<qint64>(left, m_deadlineMs)));
    return r;
}

void WorkerClient::post(const QString& path, const QByteArray& body, protocol::Format format,
                        Callback done, Resend resend) {
    const quint64 key = ++m_nextKey;
    Request& request = m_requests[key];
    request.method = "POST";
    request.path = path;
    request.body = body;
    request.contentType = protocol::contentType(format);
    request.done = std::move(done);
    request.resend = resend;
    request.age.start();
    transmit(key);
}

void WorkerClient::get(const QString& path, Callback done, qint64 maxAnswerBytes,
                       const QByteArray& accept) {
    const quint64 key = ++m_nextKey;
    Request& request = m_requests[key];
    request.method = "GET";
    request.path = path;
    request.accept = accept;
    request.done = std::move(done);
    request.maxAnswerBytes = maxAnswerBytes;
    request.age.start();
    transmit(key);
}

void WorkerClient::transmit(quint64 key) {
    auto it = m_requests.find(key);
    if (it == m_requests.end())
        return;
    Request& request = it->second;
    ++request.attempts;
    request.sent = false;
    const QNetworkRequest r = networkRequest(request);
    QNetworkReply* reply =
        request.method == "GET" ? m_manager->get(r) : m_manager->post(r, request.body);
    request.reply = reply;
    connect(reply, &QNetworkReply::requestSent, this, [this, key] {
        if (auto found = m_requests.find(key); found != m_requests.end())
            found->second.sent = true;
    });
    if (request.method == "GET") {
        // An answer over its limit is refused as soon as its head says so.
        const qint64 limit = request.maxAnswerBytes;
        connect(reply, &QNetworkReply::metaDataChanged, this, [reply, limit] {
            const QVariant length = reply->header(QNetworkRequest::ContentLengthHeader);
            if (length.isValid() && length.toLongLong() > limit) {
                reply->setProperty("qk_overLimit", length.toLongLong());
                reply->abort();
            }
        });
    }
    connect(reply, &QNetworkReply::finished, this, [this, key, reply] { onFinished(key, reply); });
}

void WorkerClient::onFinished(quint64 key, QNetworkReply* reply) {
    reply->deleteLater();
    auto it = m_requests.find(key);
    if (it == m_requests.end() || it->second.reply != reply)
        return;
    Request& request = it->second;
    request.reply = nullptr;

    if (const QVariant over = reply->property("qk_overLimit"); over.isValid()) {
        settle(key, WorkerReply{0,
                                {},
                                QStringLiteral("the answer (%1 bytes) is larger than the %2 bytes "
                                               "this request accepts")
                                    .arg(over.toLongLong())
                                    .arg(request.maxAnswerBytes)});
        return;
    }
    if (noAnswer(reply)) {
        const bool timedOut = reply->error() == QNetworkReply::OperationCanceledError ||
                              reply->error() == QNetworkReply::TimeoutError;
        const QString error =
            timedOut ? QStringLiteral("no answer within %1 s").arg(m_deadlineMs / 1000.0)
                     : reply->errorString();
        if (!retry(key, request))
            settle(key, WorkerReply{0, {}, error});
        return;
    }

    WorkerReply answer;
    answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const bool broken = reply->error() != QNetworkReply::NoError && answer.status < 400;
    const qint64 size = reply->bytesAvailable();
    try {
        answer.body = readBody(reply, size);
    } catch (const std::exception&) {
        settle(key,
               WorkerReply{0, {}, QStringLiteral("cannot keep an answer of %1 bytes").arg(size)});
        return;
    }
    const QVariant length = reply->header(QNetworkRequest::ContentLengthHeader);
    if (broken || (length.isValid() && length.toLongLong() != answer.body.size())) {
        // The connection ended in the middle of the answer.
        const QString error = reply->error() != QNetworkReply::NoError
                                  ? reply->errorString()
                                  : QStringLiteral("the answer was cut short");
        if (!retry(key, request))
            settle(key, WorkerReply{0, {}, error});
        return;
    }
    if (!answer.ok())
        answer.error =
            QStringLiteral("HTTP %1: %2").arg(answer.status).arg(QString::fromUtf8(answer.body));
    settle(key, answer);
}

bool WorkerClient::retry(quint64 key, Request& request) {
    if (request.resend == Resend::IfNotSent && request.sent)
        return false;
    const int pause =
        kBackoffMs[std::min<std::size_t>(std::size_t(request.attempts - 1), kBackoffMs.size() - 1)];
    if (request.age.elapsed() + pause >= m_deadlineMs)
        return false;
    if (pause == 0)
        transmit(key);
    else
        QTimer::singleShot(pause, this, [this, key] { transmit(key); });
    return true;
}

void WorkerClient::settle(quint64 key, const WorkerReply& reply) {
    auto it = m_requests.find(key);
    if (it == m_requests.end())
        return;
    Callback done = std::move(it->second.done);
    m_requests.erase(it);
    if (done)
        done(reply);
}

void WorkerClient::abortAll() {
    // Callbacks may send new requests meanwhile: those go out as usual.
    std::map<quint64, Request> aborted = std::exchange(m_requests, {});
    for (auto& [key, request] : aborted) {
        if (request.reply) {
            request.reply->disconnect(this);
            request.reply->abort();
            request.reply->deleteLater();
        }
    }
    const WorkerReply canceled{0, {}, QStringLiteral("Operation canceled")};
    QPointer<WorkerClient> self(this);
    for (auto& [key, request] : aborted) {
        if (request.done)
            request.done(canceled);
        if (!self)
            return;
    }
}

} // namespace qk::transport
