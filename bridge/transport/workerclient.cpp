#include "bridge/transport/workerclient.h"

#include <QHostAddress>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

#include <algorithm>
#include <cstring>
#include <new>

namespace qk::transport {

namespace {

// Bodies up to this size are joined to their head and written in one piece.
constexpr qsizetype kJoinLimit = 64 << 10;
// The worker drops keep-alive connections after 60 s without a request; ours are closed
// first, so that a request never goes out on a connection the worker is closing.
constexpr int kIdleCloseMs = 30000;
constexpr qsizetype kMaxHeadBytes = 64 << 10;

} // namespace

// One keep-alive connection to the worker; it carries one request at a time.
class WorkerConnection : public QObject {
public:
    explicit WorkerConnection(WorkerClient* client)
        : QObject(client)
        , m_client(client) {
        m_idle.setSingleShot(true);
        m_idle.setInterval(kIdleCloseMs);
        connect(&m_idle, &QTimer::timeout, this, [this] { dropSocket(); });
    }

    bool busy() const { return m_busy; }

    void start(WorkerClient::Request request) {
        m_busy = true;
        m_retried = false;
        m_request = std::move(request);
        m_idle.stop();
        transmit();
    }

    // Fails the request in flight, if any, and closes the connection.
    void abort(const QString& reason) {
        dropSocket();
        if (m_busy)
            finish(WorkerReply{0, {}, reason});
    }

private:
    void transmit() {
        m_reused = m_socket && m_socket->state() == QAbstractSocket::ConnectedState &&
                   m_socketPort == m_client->m_port;
        if (!m_reused)
            openSocket();
        m_answer.clear();
        m_headEnd = -1;
        m_answered = false;
        m_body = {};
        m_filled = -1;
        qsizetype size = 0;
        for (const QByteArray& piece : m_request.body)
            size += piece.size();
        if (size <= kJoinLimit) {
            QByteArray whole = m_request.head;
            for (const QByteArray& piece : m_request.body)
                whole += piece;
            m_socket->write(whole);
        } else {
            // The socket keeps large pieces as they are (shared) until they are sent.
            m_socket->write(m_request.head);
            for (const QByteArray& piece : m_request.body)
                m_socket->write(piece);
        }
        if (m_socket->state() == QAbstractSocket::ConnectedState)
            m_socket->flush(); // now, not on the next pass of the event loop
    }

    void openSocket() {
        dropSocket();
        m_socket = new QTcpSocket(this);
        QTcpSocket* socket = m_socket;
        connect(socket, &QTcpSocket::connected, this,
                [socket] { socket->setSocketOption(QAbstractSocket::LowDelayOption, 1); });
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] {
            if (socket == m_socket)
                onReadyRead();
        });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            if (socket == m_socket)
                onLost(socket->errorString());
        });
        connect(socket, &QTcpSocket::errorOccurred, this, [this, socket] {
            if (socket == m_socket && socket->state() != QAbstractSocket::ConnectedState)
                onLost(socket->errorString());
        });
        m_socketPort = m_client->m_port;
        socket->connectToHost(QHostAddress(QHostAddress::LocalHost), m_socketPort);
    }

    void dropSocket() {
        m_idle.stop();
        if (!m_socket)
            return;
        QTcpSocket* socket = std::exchange(m_socket, nullptr);
        socket->disconnect(this);
        socket->abort();
        socket->deleteLater();
    }

    void onLost(const QString& error) {
        if (!m_busy) {
            dropSocket();
            return;
        }
        // A reused connection that the worker closed before it saw the request: once more on
        // a new one. Anything else fails the request.
        if (m_reused && !m_answered && !m_retried) {
            m_retried = true;
            dropSocket();
            transmit();
            return;
        }
        dropSocket();
        finish(WorkerReply{0, {}, error.isEmpty() ? QStringLiteral("connection closed") : error});
    }

    void onReadyRead() {
        if (!m_busy) {
            dropSocket(); // the worker sent something nobody asked for
            return;
        }
        m_answered = true;
        if (m_filled >= 0) {
            readLargeBody();
            return;
        }
        m_answer += m_socket->readAll();
        if (m_headEnd < 0) {
            if (!parseHead())
                return;
            if (m_length > kJoinLimit) {
                startLargeBody();
                return;
            }
        }
        if (m_answer.size() - m_headEnd < m_length)
            return;
        const bool extra = m_answer.size() - m_headEnd > m_length;
        const QByteArray body = m_answer.sliced(m_headEnd, m_length);
        complete(body, extra);
    }

    // A large body goes into one buffer of its size, read from the socket piece by piece,
    // rather than into a growing one.
    void startLargeBody() {
        try {
            m_body = QByteArray(m_length, Qt::Uninitialized);
        } catch (const std::bad_alloc&) {
            malformed(QStringLiteral("not enough memory for an answer of %1 bytes").arg(m_length));
            return;
        }
        const qint64 have = m_answer.size() - m_headEnd;
        m_filled = std::min(have, m_length);
        std::memcpy(m_body.data(), m_answer.constData() + m_headEnd, size_t(m_filled));
        m_extraBytes = have > m_length;
        m_answer.clear();
        readLargeBody();
    }

    void readLargeBody() {
        while (m_filled < m_length) {
            const qint64 n = m_socket->read(m_body.data() + m_filled, m_length - m_filled);
            if (n <= 0)
                break;
            m_filled += n;
        }
        if (m_filled < m_length)
            return;
        const bool extra = m_extraBytes || m_socket->bytesAvailable() > 0;
        m_filled = -1;
        complete(std::exchange(m_body, {}), extra);
    }

    void complete(const QByteArray& body, bool extra) {
        WorkerReply reply;
        reply.status = m_status;
        reply.body = body;
        if (!reply.ok())
            reply.error =
                QStringLiteral("HTTP %1: %2").arg(reply.status).arg(QString::fromUtf8(reply.body));
        m_answer.clear();
        if (m_close || extra)
            dropSocket();
        else
            m_idle.start();
        finish(reply);
    }

    // Parses the status line and header fields once they are complete; false while they are
    // not (or when the answer is malformed, which fails the request).
    bool parseHead() {
        const qsizetype end = m_answer.indexOf("\r\n\r\n");
        if (end < 0) {
            if (m_answer.size() > kMaxHeadBytes)
                malformed(QStringLiteral("answer head too large"));
            return false;
        }
        const QList<QByteArray> lines = m_answer.first(end).split('\n');
        const QList<QByteArray> status = lines.first().trimmed().split(' ');
        bool numeric = false;
        m_status = status.size() >= 2 ? status[1].toInt(&numeric) : 0;
        if (!numeric || !status[0].startsWith("HTTP/1.")) {
            malformed(QStringLiteral("malformed status line"));
            return false;
        }
        m_length = 0;
        m_close = status[0] == "HTTP/1.0";
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines[i].indexOf(':');
            if (colon <= 0)
                continue;
            const QByteArray name = lines[i].first(colon).trimmed().toLower();
            const QByteArray value = lines[i].sliced(colon + 1).trimmed();
            if (name == "content-length") {
                m_length = value.toLongLong(&numeric);
                if (!numeric || m_length < 0 || m_length > m_request.maxAnswerBytes) {
                    malformed(QStringLiteral("bad Content-Length in the answer"));
                    return false;
                }
            } else if (name == "connection") {
                m_close = value.toLower() == "close";
            } else if (name == "transfer-encoding") {
                malformed(QStringLiteral("chunked answers are not expected"));
                return false;
            }
        }
        if (m_status == 100) { // an interim answer: the real one follows
            m_answer.remove(0, end + 4);
            return m_answer.isEmpty() ? false : parseHead();
        }
        m_headEnd = end + 4;
        return true;
    }

    void malformed(const QString& reason) {
        dropSocket();
        finish(WorkerReply{0, {}, reason});
    }

    void finish(const WorkerReply& reply) {
        m_busy = false;
        WorkerClient::Callback done = std::move(m_request.done);
        m_request = {};
        m_client->finished(this, std::move(done), reply);
    }

    WorkerClient* m_client;
    QTcpSocket* m_socket = nullptr;
    quint16 m_socketPort = 0; // the worker's port the socket connects to
    QTimer m_idle;
    bool m_busy = false;
    bool m_reused = false;  // the request went out on a connection that served one before
    bool m_retried = false; // and was sent again on a new one
    WorkerClient::Request m_request;
    bool m_answered = false; // a byte of the answer arrived
    QByteArray m_answer;     // the head, and the body unless it is large
    qsizetype m_headEnd = -1;
    QByteArray m_body;    // a large body
    qint64 m_filled = -1; // bytes of m_body read so far; -1 while there is none
    bool m_extraBytes = false;
    int m_status = 0;
    qint64 m_length = 0;
    bool m_close = false;
};

WorkerClient::WorkerClient(QByteArray token, QObject* parent)
    : QObject(parent)
    , m_token(std::move(token)) {}

WorkerClient::~WorkerClient() {
    m_closing = true;
    abortAll();
}

void WorkerClient::setPort(quint16 port) {
    if (port == m_port)
        return;
    m_port = port;
    // Connections to an earlier worker are of no use any more.
    for (WorkerConnection* connection : m_connections) {
        if (!connection->busy())
            connection->abort({});
    }
}

void WorkerClient::send(const QByteArray& method, const QString& path, std::vector<QByteArray> body,
                        const QByteArray& contentType, Callback done, qint64 maxAnswerBytes) {
    qsizetype size = 0;
    for (const QByteArray& piece : body)
        size += piece.size();
    QByteArray head = method + ' ' + path.toUtf8() +
                      " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(m_port) +
                      "\r\nAuthorization: Bearer " + m_token + "\r\n";
    if (!contentType.isEmpty())
        head += "Content-Type: " + contentType + "\r\n";
    if (method != "GET")
        head += "Content-Length: " + QByteArray::number(size) + "\r\n";
    head += "\r\n";
    m_waiting.push_back(Request{std::move(head), std::move(body), std::move(done), maxAnswerBytes});
    dispatch();
}

void WorkerClient::dispatch() {
    if (m_aborting || m_closing)
        return;
    while (!m_waiting.empty()) {
        auto idle = std::find_if(m_connections.begin(), m_connections.end(),
                                 [](WorkerConnection* c) { return !c->busy(); });
        WorkerConnection* connection = nullptr;
        if (idle != m_connections.end()) {
            connection = *idle;
        } else if (std::ssize(m_connections) < kMaxConnections) {
            connection = new WorkerConnection(this);
            m_connections.push_back(connection);
        } else {
            return; // the next finished request starts it
        }
        Request request = std::move(m_waiting.front());
        m_waiting.pop_front();
        connection->start(std::move(request));
    }
}

void WorkerClient::finished(WorkerConnection*, Callback done, const WorkerReply& reply) {
    // The callback may send (or abort) requests; the connection is idle by now.
    QPointer<WorkerClient> self(this);
    if (done)
        done(reply);
    if (self)
        dispatch();
}

void WorkerClient::post(const QString& path, const QByteArray& body, protocol::Format format,
                        Callback done) {
    send("POST", path, {body}, protocol::contentType(format), std::move(done));
}

void WorkerClient::post(const QString& path, std::vector<QByteArray> body, protocol::Format format,
                        Callback done) {
    send("POST", path, std::move(body), protocol::contentType(format), std::move(done));
}

void WorkerClient::get(const QString& path, Callback done, qint64 maxAnswerBytes) {
    send("GET", path, {}, {}, std::move(done), maxAnswerBytes);
}

void WorkerClient::abortAll() {
    // Callbacks may send new requests meanwhile: they go out once every old one has failed.
    const QString reason = QStringLiteral("Operation canceled");
    QPointer<WorkerClient> self(this);
    const bool nested = std::exchange(m_aborting, true);
    std::deque<Request> waiting = std::exchange(m_waiting, {});
    const std::vector<WorkerConnection*> connections = m_connections;
    for (WorkerConnection* connection : connections) {
        connection->abort(reason);
        if (!self)
            return;
    }
    for (Request& request : waiting) {
        if (request.done)
            request.done(WorkerReply{0, {}, reason});
        if (!self)
            return;
    }
    m_aborting = nested;
    dispatch();
}

} // namespace qk::transport
