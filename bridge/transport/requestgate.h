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
    int maxHeaderBytes = 8 << 10;
    int maxHeaderFields = 64;
    int headerTimeoutMs = 10000;
    int idleTimeoutMs = 60000;
    QList<QByteArray> postPaths; // the known paths; each accepts POST only
};

// A request that passed the rules, waiting for its body.
struct ApprovedRequest {
    QString path;
    qk::protocol::Format format = qk::protocol::Format::Json;
    bool closeAfter = false; // Connection: close
};

// The outcome of checking one request head: status 0 when approved.
struct HeadVerdict {
    int status = 0;
    QString reason;
    qint64 contentLength = 0;
    bool expectContinue = false; // Expect: 100-continue with a body to come
    ApprovedRequest request;
};

// Checks a request line (without CRLF): 0, 400 or 505.
HeadVerdict checkRequestLine(QByteArrayView line);
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

// Frames and checks the requests on one connection before the HTTP server reads them.
//
// The gate peeks at the bytes of each readyRead before the HTTP server's slot runs, follows
// the HTTP/1.1 framing (head up to the empty line, then Content-Length body bytes, which it
// counts but does not read), and checks each head when it completes. An approved request is
// queued for takeApproved(); a refused one is answered and the connection closed once the
// HTTP server has consumed every request before it (pipelined requests), so the server never
// reads a byte of it. It also drops connections whose head is late or that stay idle.
class RequestGate : public QObject {
    Q_OBJECT
public:
    // Connects to the socket's readyRead now: create the gate before the HTTP server sees
    // the socket. The gate is a child of the socket.
    RequestGate(QTcpSocket* socket, const GateRules& rules);

    // Completes the set-up once `httpServer` has connected to the socket: the gate runs
    // again after its slot, and cuts it off when refusing.
    void followHttpServer(QObject* httpServer);

    // The approved request that the HTTP server has just completed, oldest first.
    std::optional<ApprovedRequest> takeApproved();

    // Ends the connection after the responses written so far.
    void finish() { close(0, {}); }

Q_SIGNALS:
    void refused(int status, const QString& reason);

private:
    enum class Phase { Head, Body, Stopped };

    void beforeRead();
    void afterRead();
    void scan(QByteArrayView data, qint64 base);
    // Checks the head bytes from `from` on; returns the head's end or -1.
    qsizetype scanHead(qsizetype from);
    void completeHead(qint64 end);
    // Answers Expect: 100-continue when the request's turn has come.
    void continueIfDue();
    void setRefusal(qint64 at, int status, const QString& reason);
    void refuseNow();
    void close(int status, const QString& reason);
    void onHeaderTimeout();
    void onIdleTimeout();
    qint64 readPosition() const;

    QTcpSocket* m_socket;
    QObject* m_httpServer = nullptr;
    GateRules m_rules;
    QTimer m_headerTimer;
    QTimer m_idleTimer;
    QQueue<ApprovedRequest> m_approved;

    Phase m_phase = Phase::Head;
    qint64 m_arrived = 0;      // bytes of the stream that have reached the socket's buffer
    qint64 m_unread = 0;       // bytesAvailable() when the gate last looked
    qint64 m_requestStart = 0; // stream position of the request being framed
    QByteArray m_head;
    bool m_requestLineChecked = false;
    qint64 m_bodyLeft = 0;
    bool m_lastRequest = false; // an approved request asked for Connection: close
    qint64 m_continueAt = -1;   // start of a request that waits for 100 Continue
    qint64 m_refuseAt = -1;
    int m_refuseStatus = 0;
    QString m_refuseReason;
    bool m_closing = false;
};

} // namespace qk::transport
