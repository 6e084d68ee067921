// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/protocol/codec.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QObject>
#include <QQueue>
#include <QString>
#include <QTimer>

#include <optional>

class QTcpSocket;

namespace qk::transport {

// What a request head is checked against (docs/PROTOCOL.md, "request rules").
struct GateRules {
    QByteArray tokenDigest; // SHA-256 of the token; the token itself is not kept
    quint16 port = 0;
    qint64 maxBodyBytes = 0;
    int maxHeaderBytes = 8 << 10; // taken as at most 64 KiB (QHttpServer's parser takes 100 KiB)
    int headerTimeoutMs = 10000;
    int idleTimeoutMs = 60000;
    QList<QByteArray> postPaths;   // the known paths; each accepts POST only
    QList<QByteArray> getPrefixes; // paths that start with one accept GET only, without a body
};

// A request that passed the rules.
struct ApprovedRequest {
    QString path;
    qk::protocol::Format format = qk::protocol::Format::Json;
    bool closeAfter = false; // Connection: close
    bool get = false;        // a GET (of a path under a GET prefix), with no body
};

// The outcome of checking one request head: status 0 when approved.
struct HeadVerdict {
    int status = 0;
    QString reason;
    qint64 contentLength = 0;
    bool expectContinue = false; // Expect: 100-continue with a body to come
    ApprovedRequest request;
};

// Checks a request head (request line and header fields, each line ending in CRLF, without
// the empty line) against the rules, in the order of the protocol's table.
HeadVerdict checkRequestHead(QByteArrayView head, const GateRules& rules);

// SHA-256 of a token, the form in which GateRules holds it.
QByteArray tokenDigest(QByteArrayView token);

// A complete HTTP/1.1 response, built to go out in one write. Error statuses get a JSON body
// {"error": reason}; `close` adds Connection: close.
QByteArray httpResponse(int status, const QString& reason = {}, bool close = false);

// Ends a connection after a last response (empty: none): sends it, shuts down the sending
// side, and discards whatever the peer still sends until it closes, for at most two seconds.
// Closing with unread input would make the peer's system reset the connection and drop the
// response. Whoever else reads the socket must have stopped.
void closeAfterResponse(QTcpSocket* socket, const QByteArray& response);

// The framing of the requests on one connection, as QHttpServer reads them: a head up to the
// first empty line, then Content-Length body bytes. Stricter than QHttpServer where they could
// differ: line ends are CRLF only, a head starts with its method, and each head must pass the
// rules when it completes. The first refused request ends the framing.
class RequestFramer {
public:
    struct Request {
        ApprovedRequest approved;
        qint64 start = 0;     // stream position of its first byte
        qint64 bodyStart = 0; // of its first body byte
        qint64 end = 0;       // after its last body byte
        bool expectContinue = false;
    };
    struct Refusal {
        qint64 at = 0; // stream position of the refused request
        int status = 0;
        QString reason;
    };

    explicit RequestFramer(const GateRules& rules);

    // Frames the next bytes of the stream; returns the requests whose heads they complete.
    // After a refusal, bytes are only counted.
    QList<Request> feed(QByteArrayView bytes);

    qint64 position() const { return m_position; } // bytes fed so far
    bool inHead() const { return !m_head.isEmpty(); }
    bool inBody() const { return m_bodyLeft > 0; }
    const std::optional<Refusal>& refusal() const { return m_refusal; }

private:
    // The end of the head in m_head, scanning from `from`; -1 when not there yet (or refused).
    qsizetype headEnd(qsizetype from);
    void refuse(int status, const QString& reason);

    GateRules m_rules;
    qint64 m_position = 0;
    qint64 m_requestStart = 0;
    QByteArray m_head;
    bool m_requestLineChecked = false;
    qint64 m_bodyLeft = 0;
    bool m_lastRequest = false; // an approved request asked for Connection: close
    std::optional<Refusal> m_refusal;
};

// Checks the requests on one connection before the HTTP server reads them.
//
// Its slot on readyRead runs before the HTTP server's (it is connected first and never
// reconnected): it peeks at the bytes that are new and frames them. A refused request is
// answered, and the connection closed, when the HTTP server has completed every request before
// it, so the server never reads a byte of it. When the server completes a request, the gate
// hands out its approval only if the server's position in the stream is where the gate's
// framing ends that request. It also drops connections whose head is late or that stay idle.
class RequestGate : public QObject {
    Q_OBJECT
public:
    // Connects to the socket's readyRead now: create the gate before the HTTP server sees
    // the socket. The gate is a child of the socket.
    RequestGate(QTcpSocket* socket, const GateRules& rules);

    QTcpSocket* socket() const { return m_socket; }
    // Whether a request on this connection has passed the rules (the peer holds the token).
    bool authenticated() const { return m_authenticated; }
    // Whether the connection is being closed (it no longer counts as one of the server's).
    bool closing() const { return m_closing; }
    // Closes a connection that has not authenticated to make room for a newcomer: 503.
    void evict() { close(503, QStringLiteral("too many connections")); }

    // The approved request that the HTTP server has just completed; nothing, and the
    // connection closed, when the server's framing and the gate's disagree.
    std::optional<ApprovedRequest> takeCompleted();
    // Answers the request just completed: a response head (or a whole response), then a body
    // written as it is (a QByteArray is shared with the socket, not copied). Ends the
    // connection after a request that asked for Connection: close.
    void respond(const QByteArray& response, const QByteArray& body = {});
    // Ends the connection after the responses written so far.
    void finish() { close(0, {}); }

Q_SIGNALS:
    void refused(int status, const QString& reason);

private:
    void onReadyRead();
    void refuseIfDue();
    // Answers Expect: 100-continue when the request's turn has come (Qt 6.4 does not).
    void continueIfDue();
    void close(int status, const QString& reason);
    void onIdleTimeout();

    QTcpSocket* m_socket;
    GateRules m_rules;
    RequestFramer m_framer;
    QTimer m_headerTimer;
    QTimer m_idleTimer;
    QQueue<RequestFramer::Request> m_approved; // not yet completed by the HTTP server
    qint64 m_serverAt = 0;                     // the HTTP server's position in the stream
    bool m_completedSinceLook = false;         // the server completed a request since onReadyRead
    bool m_closeAfterResponse = false;
    bool m_authenticated = false;
    bool m_closing = false;
};

} // namespace qk::transport
