// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/transport/notificationserver.h"

#include "bridge/transport/requestgate.h"

#include <QAbstractHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QLoggingCategory>
#include <QTcpServer>
#include <QTcpSocket>

#include <algorithm>
#include <exception>
#include <mutex>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

namespace qk::transport {

namespace {

// Where the worker pulls staged bindings from.
const QString kBlobPrefix = QStringLiteral("/blobs/");

// The protocol's minimum token length.
constexpr qsizetype kMinTokenLength = 32;

QLoggingCategory::CategoryFilter previousLoggingFilter = nullptr;

// QHttpServer's debug output prints each request with its headers, Authorization included.
void silenceHttpServerDebug(QLoggingCategory* category) {
    if (previousLoggingFilter)
        previousLoggingFilter(category);
    if (qstrncmp(category->categoryName(), "qt.httpserver", 13) == 0)
        category->setEnabled(QtDebugMsg, false);
}

void keepTokensOutOfLogs() {
    static std::once_flag once;
    std::call_once(once, [] {
        previousLoggingFilter = QLoggingCategory::installFilter(silenceHttpServerDebug);
    });
}

} // namespace

// Accepts connections on the loopback interface and puts a gate on each before the HTTP
// server sees it.
class LoopbackTcpServer : public QTcpServer {
public:
    explicit LoopbackTcpServer(NotificationServer* owner)
        : QTcpServer(owner)
        , m_owner(owner) {}
    void handOver(QTcpSocket* socket) { addPendingConnection(socket); }

protected:
    void incomingConnection(qintptr descriptor) override { m_owner->accept(descriptor); }

private:
    NotificationServer* m_owner;
};

// The HTTP server proper: every request that reaches it has passed its connection's gate.
// From Qt 6.5 on it is given a responder instead of the socket; the request's peer then
// names the connection (all of them come from the loopback interface to one port).
class NotificationFront : public QAbstractHttpServer {
public:
    explicit NotificationFront(NotificationServer* owner)
        : QAbstractHttpServer(owner)
        , m_owner(owner) {}

protected:
#if QT_VERSION < QT_VERSION_CHECK(6, 5, 0)
    bool handleRequest(const QHttpServerRequest& request, QTcpSocket* socket) override {
        m_owner->answer(request,
                        socket->findChild<RequestGate*>(QString(), Qt::FindDirectChildrenOnly));
        return true;
    }
    void missingHandler(const QHttpServerRequest&, QTcpSocket* socket) override {
        socket->abort();
    }
#else
    bool handleRequest(const QHttpServerRequest& request, QHttpServerResponder&) override {
        m_owner->answer(request, m_owner->gateOf(request.remoteAddress(), request.remotePort()));
        return true;
    }
    void missingHandler(const QHttpServerRequest& request, QHttpServerResponder&) override {
        if (RequestGate* gate = m_owner->gateOf(request.remoteAddress(), request.remotePort()))
            gate->finish();
    }
#endif

private:
    NotificationServer* m_owner;
};

const QList<QByteArray>& NotificationServer::paths() {
    static const QList<QByteArray> known{"/notify", "/notifyError", "/events"};
    return known;
}

NotificationServer::NotificationServer(const QByteArray& token, Handler handler,
                                       ServerLimits limits, QObject* parent)
    : QObject(parent)
    , m_tokenDigest(tokenDigest(token))
    , m_tokenTooShort(token.size() < kMinTokenLength)
    , m_handler(std::move(handler))
    , m_limits(limits)
    , m_front(new NotificationFront(this)) {
    keepTokensOutOfLogs();
}

NotificationServer::~NotificationServer() {
    // Sockets (and their gates) go first, while the members they report to still exist.
    delete m_front;
}

bool NotificationServer::listen() {
    if (m_tcp) {
        m_error = QStringLiteral("the server is already listening");
        return false;
    }
    if (m_tokenTooShort) {
        m_error = QStringLiteral("the token is shorter than %1 characters").arg(kMinTokenLength);
        return false;
    }
    auto* tcp = new LoopbackTcpServer(this);
    // Under a flood of connections the excess is accepted and refused at once, rather than
    // overflowing the backlog (Qt's default: 50) and leaving the worker's new connections to
    // retry their SYN for seconds.
    tcp->setListenBacklogSize(1024);
    if (!tcp->listen(QHostAddress::LocalHost, 0)) {
        m_error = tcp->errorString();
        delete tcp;
        return false;
    }
    m_tcp = tcp;
    m_front->bind(tcp);
    m_error.clear();
    return true;
}

quint16 NotificationServer::port() const {
    return m_tcp ? m_tcp->serverPort() : 0;
}

QHostAddress NotificationServer::serverAddress() const {
    return m_tcp ? m_tcp->serverAddress() : QHostAddress();
}

QUrl NotificationServer::url() const {
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(port());
    return url;
}

QString NotificationServer::errorString() const {
    return m_error;
}

void NotificationServer::accept(qintptr descriptor) {
    auto* socket = new QTcpSocket(m_tcp);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
#ifdef Q_OS_UNIX
        ::close(int(descriptor));
#endif
        return;
    }
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);

    // At the cap, the connection without the token that has waited longest makes room: a
    // flood of slow connections can neither take the worker's place nor keep it out.
    int waiting = 0;
    RequestGate* longestWaiting = nullptr;
    for (const Connection& connection : std::as_const(m_connections)) {
        if (connection.gate->closing() || connection.gate->authenticated())
            continue;
        ++waiting;
        if (!longestWaiting)
            longestWaiting = connection.gate;
    }
    if (waiting >= m_limits.maxConnections && longestWaiting)
        longestWaiting->evict();

    GateRules rules;
    rules.tokenDigest = m_tokenDigest;
    rules.port = port();
    rules.maxBodyBytes = m_limits.maxBodyBytes;
    rules.maxHeaderBytes = m_limits.maxHeaderBytes;
    rules.headerTimeoutMs = m_limits.headerTimeoutMs;
    rules.idleTimeoutMs = m_limits.idleTimeoutMs;
    rules.postPaths = paths();
    rules.getPrefixes = {kBlobPrefix.toLatin1()};
    // Created before the HTTP server sees the socket, so that the gate's slot runs first.
    auto* gate = new RequestGate(socket, rules);
    m_connections.append({gate, socket->peerAddress(), socket->peerPort()});
    connect(gate, &QObject::destroyed, this, [this, gate] {
        m_connections.removeIf([gate](const Connection& c) { return c.gate == gate; });
    });
    connect(gate, &RequestGate::refused, this, &NotificationServer::requestRefused);
    m_tcp->handOver(socket);
}

int NotificationServer::connectionCount() const {
    return int(std::count_if(m_connections.begin(), m_connections.end(),
                             [](const Connection& c) { return !c.gate->closing(); }));
}

RequestGate* NotificationServer::gateOf(const QHostAddress& peer, quint16 port) const {
    // The newest first: a closed connection's gate lives on until its socket is deleted, and
    // the peer may already have opened another one from the same port. (Not through
    // std::views::reverse, which clang 14 cannot compile with libstdc++ 12.)
    // NOLINTNEXTLINE(modernize-loop-convert)
    for (auto it = m_connections.crbegin(); it != m_connections.crend(); ++it) {
        if (it->port == port && it->peer == peer)
            return it->gate;
    }
    return nullptr;
}

QString NotificationServer::stage(const QByteArray& bytes) {
    QString id = QString::number(++m_nextBlob);
    m_blobs.insert(id, bytes);
    return id;
}

void NotificationServer::answer(const QHttpServerRequest& request, RequestGate* gate) {
    // Every request the HTTP server completes was approved by its gate first.
    const std::optional<ApprovedRequest> approved = gate ? gate->takeCompleted() : std::nullopt;
    if (!approved)
        return;
    if (approved->get) {
        // GET /blobs/<id>: the head, then the staged bytes as they are.
        const auto blob = m_blobs.constFind(approved->path.mid(kBlobPrefix.size()));
        if (blob == m_blobs.constEnd()) {
            gate->respond(httpResponse(404, QStringLiteral("no such blob"), approved->closeAfter));
            return;
        }
        QByteArray head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                          "Content-Length: " +
                          QByteArray::number(blob->size()) + "\r\n";
        if (approved->closeAfter)
            head += "Connection: close\r\n";
        gate->respond(head + "\r\n", *blob);
        return;
    }
    int status = 500;
    try {
        status = m_handler(approved->path, request.body(), approved->format);
    } catch (const std::exception&) {
        status = 500;
    }
    if (status < 200 || status > 599)
        status = 500;
    gate->respond(httpResponse(status, {}, approved->closeAfter));
}

} // namespace qk::transport
