// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/protocol/codec.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QString>
#include <QUrl>

#include <functional>

class QHttpServerRequest;

namespace qk::transport {

class LoopbackTcpServer;
class NotificationFront;
class RequestGate;

// Resource caps of one server; a connection that breaks them is closed.
struct ServerLimits {
    qint64 maxBodyBytes = qint64(256) << 20;
    int maxHeaderBytes = 8 << 10; // request line and header fields together
    // Connections that have not authenticated (sent a request with the token): a newcomer
    // beyond them takes the place of the one that has waited longest. Connections that have
    // authenticated count apart and are never given up for a newcomer.
    int maxConnections = 16;
    int headerTimeoutMs = 10000; // from a request's first byte (or the connection) to its headers
    int idleTimeoutMs = 60000;   // without a byte received
};

// The IDE's HTTP server that the worker posts notifications to (docs/PROTOCOL.md,
// "Notifications"): POST /notify, /notifyError and /events with JSON or MessagePack bodies.
// Listens on 127.0.0.1 only. Every request is checked against the protocol's request rules
// before any byte of its body is read; a refused request is answered, its connection closed,
// and the handler is never called. The token is kept only as a digest and never logged
// (QHttpServer's own debug output, which prints request headers, is kept off).
class NotificationServer : public QObject {
    Q_OBJECT
public:
    // Handles one accepted request and returns the HTTP status to answer (200 when handled,
    // 400 when the body is malformed, ...). Runs on the server's thread; it must not spin an
    // event loop. The body may be kept (it is not copied).
    using Handler = std::function<int(const QString& path, const QByteArray& body,
                                      qk::protocol::Format format)>;

    // The paths a worker may post to.
    static const QList<QByteArray>& paths();

    NotificationServer(const QByteArray& token, Handler handler, ServerLimits limits = {},
                       QObject* parent = nullptr);
    ~NotificationServer() override;

    // Listens on 127.0.0.1 with an ephemeral port; false and errorString() on failure (also
    // when the token is shorter than the protocol's 32 characters).
    bool listen();
    quint16 port() const;
    QHostAddress serverAddress() const;
    QUrl url() const; // http://127.0.0.1:<port>
    QString errorString() const;
    // Connections currently open (not those being closed).
    int connectionCount() const;

    // Offers `bytes` to the worker under GET /blobs/<id> until released: a large command
    // binding that the worker pulls, written from this buffer (shared, not copied) rather
    // than pushed through the client's upload path. Returns the id.
    QString stage(const QByteArray& bytes);
    void release(const QString& id) { m_blobs.remove(id); }
    int stagedCount() const { return int(m_blobs.size()); }

Q_SIGNALS:
    // A request or connection was refused; for logs and tests, never contains the token.
    void requestRefused(int status, const QString& reason);

private:
    friend class LoopbackTcpServer;
    friend class NotificationFront;

    void accept(qintptr descriptor);
    // An open connection: its gate and its peer (recorded, as a closed socket forgets it).
    struct Connection {
        RequestGate* gate;
        QHostAddress peer;
        quint16 port;
    };
    // The gate of the connection from `peer` and `port`.
    RequestGate* gateOf(const QHostAddress& peer, quint16 port) const;
    void answer(const QHttpServerRequest& request, RequestGate* gate);

    QByteArray m_tokenDigest;
    bool m_tokenTooShort = false;
    Handler m_handler;
    ServerLimits m_limits;
    NotificationFront* m_front = nullptr;
    LoopbackTcpServer* m_tcp = nullptr;
    QString m_error;
    QList<Connection> m_connections;
    QHash<QString, QByteArray> m_blobs;
    quint64 m_nextBlob = 0;
};

} // namespace qk::transport
