// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/transport/requestgate.h"

#include <nlohmann/json.hpp>

#include <QTcpSocket>

#include <algorithm>
#include <memory>
#include <utility>

#ifdef Q_OS_UNIX
#include <sys/socket.h>
#endif

namespace qk::transport {

namespace {

// How long a refused connection may take to receive its answer before it is aborted.
constexpr int kLingerMs = 2000;
// How much a refused connection may still send (discarded) before it is aborted.
constexpr qint64 kLingerBytes = qint64(1) << 20;

const char* reasonPhrase(int status) {
    static const std::pair<int, const char*> phrases[] = {
        {200, "OK"},
        {202, "Accepted"},
        {204, "No Content"},
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {408, "Request Timeout"},
        {409, "Conflict"},
        {411, "Length Required"},
        {413, "Content Too Large"},
        {415, "Unsupported Media Type"},
        {417, "Expectation Failed"},
        {422, "Unprocessable Content"},
        {431, "Request Header Fields Too Large"},
        {500, "Internal Server Error"},
        {503, "Service Unavailable"},
        {505, "HTTP Version Not Supported"},
    };
    for (const auto& [code, phrase] : phrases) {
        if (code == status)
            return phrase;
    }
    return status < 400 ? "OK" : "Error";
}

} // namespace

QByteArray httpResponse(int status, const QString& reason, bool close) {
    QByteArray body;
    if (status >= 400)
        body = QByteArray::fromStdString(nlohmann::json{
            {"error", reason.isEmpty() ? std::string(reasonPhrase(status)) : reason.toStdString()}}
                                             .dump());
    else if (status != 204)
        body = QByteArray::fromStdString(nlohmann::json::object().dump());

    QByteArray response =
        "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) + "\r\n";
    if (status != 204) {
        response +=
            "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) +
            "\r\n";
    }
    if (status == 401)
        response += "WWW-Authenticate: Bearer\r\n";
    if (status == 405)
        response += "Allow: POST\r\n";
    if (close)
        response += "Connection: close\r\n";
    response += "\r\n";
    response += body;
    return response;
}

void closeAfterResponse(QTcpSocket* socket, const QByteArray& response) {
    if (socket->state() != QAbstractSocket::ConnectedState) {
        socket->abort();
        return;
    }
    if (!response.isEmpty())
        socket->write(response);
#ifdef Q_OS_UNIX
    if (socket->isTransactionStarted())
        socket->commitTransaction();
    // What the peer still sends is discarded, not buffered, so that it can read the answer
    // before the connection closes; a peer that keeps sending a large body is cut off.
    const auto discard = [socket, discarded = std::make_shared<qint64>(0)] {
        *discarded += std::max<qint64>(0, socket->skip(socket->bytesAvailable()));
        if (*discarded > kLingerBytes)
            socket->abort();
    };
    discard();
    QObject::connect(socket, &QTcpSocket::readyRead, socket, discard);
    const auto shutDownSending = [socket] {
        if (socket->bytesToWrite() == 0 && socket->state() == QAbstractSocket::ConnectedState)
            ::shutdown(int(socket->socketDescriptor()), SHUT_WR);
    };
    QObject::connect(socket, &QTcpSocket::bytesWritten, socket, shutDownSending);
    shutDownSending();
    QTimer::singleShot(kLingerMs, socket, &QAbstractSocket::abort);
#else
    QTimer::singleShot(kLingerMs, socket, &QAbstractSocket::abort);
    socket->disconnectFromHost();
#endif
}

RequestGate::RequestGate(QTcpSocket* socket, const GateRules& rules)
    : QObject(socket)
    , m_socket(socket)
    , m_rules(rules)
    , m_framer(rules)
    , m_headerTimer(this)
    , m_idleTimer(this) {
    m_headerTimer.setSingleShot(true);
    m_headerTimer.setInterval(m_rules.headerTimeoutMs);
    m_idleTimer.setSingleShot(true);
    m_idleTimer.setInterval(m_rules.idleTimeoutMs);
    connect(&m_headerTimer, &QTimer::timeout, this,
            [this] { close(408, QStringLiteral("request head not complete in time")); });
    connect(&m_idleTimer, &QTimer::timeout, this, &RequestGate::onIdleTimeout);
    connect(socket, &QTcpSocket::readyRead, this, &RequestGate::onReadyRead);
    // What arrived before the peer closed may still be read and answered.
    connect(socket, &QTcpSocket::disconnected, this, [this] {
        m_headerTimer.stop();
        m_idleTimer.stop();
    });
    m_headerTimer.start();
    m_idleTimer.start();
}

void RequestGate::onReadyRead() {
    if (m_closing)
        return;
    // Where the HTTP server is: at the end of the request it completed since the gate last
    // looked; else past every byte the gate has seen, since in one run of its slot it reads all
    // it has unless it completes a request.
    if (!m_completedSinceLook)
        m_serverAt = m_framer.position();
    m_completedSinceLook = false;
    const qint64 available = m_socket->bytesAvailable();
    const qint64 fresh = m_serverAt + available - m_framer.position();
    if (fresh < 0) {
        close(500, QStringLiteral("socket buffer out of step"));
        return;
    }
    if (fresh > 0) {
        const QByteArray buffered = m_socket->peek(available);
        if (buffered.size() != available) {
            close(500, QStringLiteral("socket buffer out of step"));
            return;
        }
        const QList<RequestFramer::Request> heads =
            m_framer.feed(QByteArrayView(buffered).last(qsizetype(fresh)));
        m_approved.append(heads);
        m_authenticated = m_authenticated || !heads.isEmpty();
        m_idleTimer.start();
        if (!heads.isEmpty())
            m_headerTimer.stop();
        if (m_framer.inHead() && !m_headerTimer.isActive())
            m_headerTimer.start();
    }
    refuseIfDue();
    continueIfDue();
}

std::optional<ApprovedRequest> RequestGate::takeCompleted() {
    const qint64 serverAt = m_framer.position() - m_socket->bytesAvailable();
    if (m_closing || m_approved.isEmpty() || m_approved.head().end != serverAt) {
        close(500, QStringLiteral("the HTTP server framed a request otherwise than the gate"));
        return std::nullopt;
    }
    m_serverAt = serverAt;
    m_completedSinceLook = true;
    const RequestFramer::Request request = m_approved.dequeue();
    m_closeAfterResponse = request.approved.closeAfter;
    return request.approved;
}

void RequestGate::respond(const QByteArray& response, const QByteArray& body) {
    m_socket->write(response);
    if (!body.isEmpty())
        m_socket->write(body);
    if (m_closeAfterResponse) {
        finish();
        return;
    }
    m_idleTimer.start(); // the handler's time is not idle time
    continueIfDue();
    // A refusal that is now due waits for the next readyRead, which the HTTP server queues
    // itself while bytes are unread.
}

void RequestGate::refuseIfDue() {
    const std::optional<RequestFramer::Refusal>& refusal = m_framer.refusal();
    if (refusal && m_serverAt >= refusal->at)
        close(refusal->status, refusal->reason);
}

void RequestGate::continueIfDue() {
#if QT_VERSION < QT_VERSION_CHECK(6, 5, 0)
    // Once the responses to every earlier request are out, and while no byte of the body has
    // come. (From Qt 6.5 on the HTTP server sends 100 Continue itself.)
    if (m_closing || m_approved.isEmpty())
        return;
    RequestFramer::Request& next = m_approved.head();
    if (next.expectContinue && next.start == m_serverAt && m_framer.position() == next.bodyStart) {
        next.expectContinue = false;
        m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
    }
#endif
}

void RequestGate::close(int status, const QString& reason) {
    if (m_closing)
        return;
    m_closing = true;
    m_headerTimer.stop();
    m_idleTimer.stop();
    // Neither the HTTP server nor the gate reads from the connection any more.
    QObject::disconnect(m_socket, &QTcpSocket::readyRead, nullptr, nullptr);
    closeAfterResponse(m_socket, status != 0 ? httpResponse(status, reason, true) : QByteArray());
    if (status != 0)
        Q_EMIT refused(status, reason);
}

void RequestGate::onIdleTimeout() {
    if (const std::optional<RequestFramer::Refusal>& refusal = m_framer.refusal())
        close(refusal->status, refusal->reason);
    else if (m_framer.inHead() || m_framer.inBody())
        close(408, QStringLiteral("connection idle in the middle of a request"));
    else
        finish();
}

} // namespace qk::transport
