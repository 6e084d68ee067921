// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/transport/requesthead.h"

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

// A complete HTTP/1.1 response, built to go out in one write. Error statuses get a JSON body
// {"error": reason}; `close` adds Connection: close.
QByteArray httpResponse(int status, const QString& reason = {}, bool close = false);

// Ends a connection after a last response (empty: none): sends it, shuts down the sending
// side, and discards whatever the peer still sends until it closes, for at most two seconds.
// Closing with unread input would make the peer's system reset the connection and drop the
// response. Whoever else reads the socket must have stopped.
void closeAfterResponse(QTcpSocket* socket, const QByteArray& response);

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
