// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer harness, differential: the notification server's request framing against Qt's own
// HTTP server, with the same bytes. Each input is the byte stream of one client connection
// ("$PORT" in it stands for the notification server's port, so seeds can carry a valid Host).
// It goes
//  1. through the gate's RequestFramer, whole and in pieces;
//  2. to a plain QAbstractHttpServer (the oracle), which receives it all before it parses, so
//     that where it completes each request is its buffer's size less what is left unread;
//  3. to the real NotificationServer, in pieces, on a fresh loopback connection.
//
// What must hold: no crash. The framer frames the stream the same whole and in pieces. Every
// request the framer approves that is complete in the stream is completed by Qt's server too,
// ending at the same byte and with the same body; where the framer waits for more bytes, Qt's
// server completes nothing more either. The NotificationServer's handler runs for exactly those
// requests, in order, and never for an input without the token; a refused request is answered
// with the framer's status; the server closes the connection once the client stops sending.
#include "bridge/protocol/codec.h"
#include "bridge/transport/notificationserver.h"
#include "bridge/transport/requestgate.h"

#include <QAbstractHttpServer>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QLoggingCategory>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <utility>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

using qk::transport::RequestFramer;

const QByteArray kToken = "fuzz-token-0123456789abcdefghijklmnopqrstuvwxyz";
constexpr qint64 kMaxBody = 64 << 10;

// The input being run, for the report of a failure.
QByteArray current;

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "fuzz_request_gate: %s, with the input (C escapes):\n", what);
    for (const char c : std::as_const(current)) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '\n')
            std::fputs("\\n\n", stderr);
        else if (byte < 0x20 || byte >= 0x7f || c == '\\')
            std::fprintf(stderr, "\\x%02x", byte);
        else
            std::fputc(c, stderr);
    }
    std::fputc('\n', stderr);
    std::abort();
}

// Keeps each connection back until the harness hands it to the HTTP server.
class HoldingTcpServer : public QTcpServer {
public:
    using QTcpServer::QTcpServer;
    QPointer<QTcpSocket> held;
    void release() { addPendingConnection(held); }

protected:
    void incomingConnection(qintptr descriptor) override {
        auto* socket = new QTcpSocket(this);
        if (!socket->setSocketDescriptor(descriptor))
            fail("cannot take the oracle's connection");
        held = socket;
    }
};

// Qt's HTTP server with nothing in front: records where each request it completes ends.
class OracleServer : public QAbstractHttpServer {
public:
    struct Completed {
        qint64 end = 0;
        QByteArray body;
    };
    QList<Completed> completed;
    QPointer<QTcpSocket> socket;
    qint64 streamSize = 0;

protected:
#if QT_VERSION < QT_VERSION_CHECK(6, 5, 0)
    bool handleRequest(const QHttpServerRequest& request, QTcpSocket*) override {
        record(request);
        return true;
    }
    void missingHandler(const QHttpServerRequest&, QTcpSocket*) override {}
#else
    bool handleRequest(const QHttpServerRequest& request, QHttpServerResponder&) override {
        record(request);
        return true;
    }
    void missingHandler(const QHttpServerRequest&, QHttpServerResponder&) override {}
#endif

private:
    void record(const QHttpServerRequest& request) {
        completed.append({streamSize - socket->bytesAvailable(), request.body()});
    }
};

struct Handled {
    QString path;
    QByteArray body;
    qk::protocol::Format format;
};

struct Harness {
    std::unique_ptr<QCoreApplication> app;
    std::unique_ptr<qk::transport::NotificationServer> server;
    std::unique_ptr<OracleServer> oracle;
    HoldingTcpServer* oracleTcp = nullptr;
    qk::transport::GateRules rules;
    QList<Handled> handled;
    QList<std::pair<int, QString>> refusals;
    bool tokenSent = false;
};

Harness* harness = nullptr;

void setUp(int* argc, char*** argv) {
    harness = new Harness;
    harness->app = std::make_unique<QCoreApplication>(*argc, *argv);
    // Qt's warnings about the inputs (a WebSocket upgrade nobody takes, bytes a header value
    // may not hold, ...).
    QLoggingCategory::setFilterRules(
        QStringLiteral("qt.httpserver*=false\nqt.network.http.headers.warning=false"));
    qk::transport::ServerLimits limits;
    limits.maxBodyBytes = kMaxBody;
    harness->server = std::make_unique<qk::transport::NotificationServer>(
        kToken,
        [](const QString& path, const QByteArray& body, qk::protocol::Format format) {
            if (!harness->tokenSent)
                fail("the handler ran for an input without the token");
            harness->handled.append({path, body, format});
            try {
                (void)qk::protocol::fromWire(qk::protocol::parse(body, format));
            } catch (const qk::protocol::ProtocolError&) {
                return 400;
            }
            return 200;
        },
        limits);
    if (!harness->server->listen())
        fail("the notification server cannot listen");
    QObject::connect(harness->server.get(), &qk::transport::NotificationServer::requestRefused,
                     harness->server.get(), [](int status, const QString& reason) {
                         harness->refusals.append({status, reason});
                     });

    // The rules the server's gates apply.
    harness->rules.tokenDigest = qk::transport::tokenDigest(kToken);
    harness->rules.port = harness->server->port();
    harness->rules.maxBodyBytes = limits.maxBodyBytes;
    harness->rules.maxHeaderBytes = limits.maxHeaderBytes;
    harness->rules.postPaths = qk::transport::NotificationServer::paths();

    harness->oracle = std::make_unique<OracleServer>();
    harness->oracleTcp = new HoldingTcpServer;
    if (!harness->oracleTcp->listen(QHostAddress::LocalHost, 0))
        fail("the oracle cannot listen");
    harness->oracle->bind(harness->oracleTcp);
}

// A blocking loopback connection to `port`.
int connectTo(quint16 port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
        fail("cannot connect");
    return fd;
}

void sendAll(int fd, QByteArrayView bytes) {
    while (!bytes.isEmpty()) {
        const ssize_t n = ::send(fd, bytes.data(), size_t(bytes.size()), MSG_NOSIGNAL);
        if (n <= 0)
            return; // the server closed the connection (after a refusal)
        bytes = bytes.sliced(n);
    }
}

// Runs the event loop until `done` holds; false after `ms`.
template <typename Done>
bool processUntil(Done done, int ms) {
    QElapsedTimer timer;
    timer.start();
    while (!done()) {
        if (timer.elapsed() > ms)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    }
    return true;
}

// Where the input is cut into pieces, from its own bytes (so every run cuts it the same way).
QList<QByteArrayView> piecesOf(QByteArrayView stream) {
    std::uint64_t hash = 1469598103934665603ull;
    for (const char c : stream)
        hash = (hash ^ std::uint8_t(c)) * 1099511628211ull;
    std::mt19937_64 random(hash);
    QList<QByteArrayView> pieces;
    const int mode = int(random() % 4);
    const qsizetype smallest = std::max<qsizetype>(1, stream.size() / 128);
    while (!stream.isEmpty()) {
        qsizetype size = mode == 0   ? stream.size()
                         : mode == 1 ? smallest
                                     : std::max<qsizetype>(smallest, 1 + qsizetype(random() % 64));
        size = std::min(size, stream.size());
        pieces.append(stream.first(size));
        stream = stream.sliced(size);
    }
    return pieces;
}

bool sameFraming(const QList<RequestFramer::Request>& a, const QList<RequestFramer::Request>& b) {
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        if (a[i].start != b[i].start || a[i].bodyStart != b[i].bodyStart || a[i].end != b[i].end ||
            a[i].expectContinue != b[i].expectContinue ||
            a[i].approved.path != b[i].approved.path ||
            a[i].approved.format != b[i].approved.format ||
            a[i].approved.closeAfter != b[i].approved.closeAfter)
            return false;
    }
    return true;
}

// 1. The framer, whole and in pieces.
QList<RequestFramer::Request> frame(const QByteArray& stream, const QList<QByteArrayView>& pieces,
                                    std::optional<RequestFramer::Refusal>* refusal) {
    RequestFramer whole(harness->rules);
    const QList<RequestFramer::Request> requests = whole.feed(stream);
    RequestFramer cut(harness->rules);
    QList<RequestFramer::Request> cutRequests;
    for (const QByteArrayView piece : pieces)
        cutRequests.append(cut.feed(piece));
    if (!sameFraming(requests, cutRequests) || whole.position() != cut.position() ||
        whole.position() != stream.size() || whole.inHead() != cut.inHead() ||
        whole.inBody() != cut.inBody() ||
        whole.refusal().has_value() != cut.refusal().has_value() ||
        (whole.refusal() && (whole.refusal()->at != cut.refusal()->at ||
                             whole.refusal()->status != cut.refusal()->status)))
        fail("the framer frames the stream otherwise when it comes in pieces");
    *refusal = whole.refusal();
    return requests;
}

// 2. Qt's own server, given the whole stream at once.
void checkOracle(const QByteArray& stream, const QList<RequestFramer::Request>& complete,
                 bool refused) {
    OracleServer& oracle = *harness->oracle;
    oracle.completed.clear();
    oracle.streamSize = stream.size();
    const int fd = connectTo(harness->oracleTcp->serverPort());
    sendAll(fd, stream);
    if (!harness->oracleTcp->waitForNewConnection(5000) || !harness->oracleTcp->held)
        fail("the oracle did not get the connection");
    QTcpSocket* socket = harness->oracleTcp->held;
    while (socket->bytesAvailable() < stream.size() && socket->waitForReadyRead(5000)) {
    }
    if (socket->bytesAvailable() != stream.size())
        fail("the oracle did not receive the whole input");
    oracle.socket = socket;
    harness->oracleTcp->release();
    Q_EMIT socket->readyRead();
    // Qt's server completes one request per run of its slot and queues the next run itself.
    qsizetype seen = -1;
    for (int quiet = 0; quiet < 3;) {
        QCoreApplication::processEvents();
        quiet = oracle.completed.size() == seen ? quiet + 1 : 0;
        seen = oracle.completed.size();
    }
    if (oracle.socket)
        oracle.socket->abort();
    ::close(fd);

    for (qsizetype i = 0; i < complete.size(); ++i) {
        if (i >= oracle.completed.size())
            fail("Qt's server did not complete a request the gate approved");
        if (oracle.completed[i].end != complete[i].end)
            fail("Qt's server ends a request elsewhere than the gate");
        if (oracle.completed[i].body !=
            stream.sliced(complete[i].bodyStart, complete[i].end - complete[i].bodyStart))
            fail("Qt's server read another body than the gate framed");
    }
    // Where the gate waits for more bytes, so does Qt's server.
    if (!refused && oracle.completed.size() != complete.size())
        fail("Qt's server completed a request the gate waits for");
}

// 3. The real notification server, in pieces.
void checkServer(const QByteArray& stream, const QList<QByteArrayView>& pieces,
                 const QList<RequestFramer::Request>& complete,
                 const std::optional<RequestFramer::Refusal>& refusal) {
    harness->handled.clear();
    harness->refusals.clear();
    // After a request with Connection: close the server closes without refusing what follows.
    const bool closedAfter = !complete.isEmpty() && complete.back().approved.closeAfter;
    const bool answersRefusal = refusal && !closedAfter;
    const qsizetype responsesDue = complete.size() + (answersRefusal ? 1 : 0);

    const int fd = connectTo(harness->server->port());
    QByteArray received;
    bool closed = false;
    const auto receive = [&] {
        char buffer[4096];
        for (;;) {
            const ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
                closed = true;
            if (n <= 0)
                return;
            received.append(buffer, n);
        }
    };
    // The final responses received (not 100 Continue), by their statuses.
    const auto responses = [&] {
        QList<int> statuses;
        qsizetype at = 0;
        for (qsizetype headEnd; (headEnd = received.indexOf("\r\n\r\n", at)) >= 0;) {
            const QByteArrayView head = QByteArrayView(received).sliced(at, headEnd - at);
            qsizetype length = 0;
            for (const QByteArray& line : head.toByteArray().split('\n')) {
                if (line.toLower().startsWith("content-length:"))
                    length = line.sliced(15).trimmed().toLongLong();
            }
            const int status = head.sliced(9, 3).toInt();
            if (status >= 200)
                statuses.append(status);
            at = headEnd + 4 + length;
        }
        return statuses;
    };
    for (const QByteArrayView piece : pieces) {
        sendAll(fd, piece);
        for (int i = 0; i < 3; ++i)
            QCoreApplication::processEvents();
        receive();
    }
    if (!processUntil(
            [&] {
                receive();
                return responses().size() >= responsesDue || closed;
            },
            5000))
        fail("the server did not answer every request");
    ::shutdown(fd, SHUT_WR);
    if (!processUntil(
            [&] {
                receive();
                return closed;
            },
            5000))
        fail("the server kept a connection whose client had stopped sending");
    ::close(fd);
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);

    if (harness->handled.size() != complete.size())
        fail("the handler ran for other requests than the gate approved");
    for (qsizetype i = 0; i < complete.size(); ++i) {
        const RequestFramer::Request& request = complete[i];
        if (harness->handled[i].path != request.approved.path ||
            harness->handled[i].format != request.approved.format ||
            harness->handled[i].body !=
                stream.sliced(request.bodyStart, request.end - request.bodyStart))
            fail("the handler got another request than the gate approved");
    }
    const QList<int> statuses = responses();
    if (statuses.size() != responsesDue)
        fail("the server's responses do not match its requests");
    if (answersRefusal) {
        if (harness->refusals.size() != 1 || harness->refusals[0].first != refusal->status ||
            statuses.back() != refusal->status)
            fail("a refused request was not answered with the gate's status");
    } else if (!harness->refusals.isEmpty()) {
        fail("the server refused a request the gate approves");
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    setUp(argc, argv);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    QByteArray stream(reinterpret_cast<const char*>(data), qsizetype(size));
    stream.replace("$PORT", QByteArray::number(harness->server->port()));
    harness->tokenSent = stream.contains(kToken);
    current = stream;
    const QList<QByteArrayView> pieces = piecesOf(stream);

    std::optional<RequestFramer::Refusal> refusal;
    const QList<RequestFramer::Request> requests = frame(stream, pieces, &refusal);
    if (!requests.isEmpty() && !harness->tokenSent)
        fail("the gate approved a request without the token");
    QList<RequestFramer::Request> complete;
    for (const RequestFramer::Request& request : requests) {
        if (request.end <= stream.size())
            complete.append(request);
    }
    if (!stream.isEmpty())
        checkOracle(stream, complete, refusal.has_value());
    checkServer(stream, pieces, complete, refusal);
    return 0;
}
