// SPDX-License-Identifier: GPL-3.0-or-later
// The notification server against raw HTTP clients: what it delivers, what it refuses before
// reading a body, and the caps on connections, header time and idle time.

#include "bridge/transport/notificationserver.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QLoggingCategory>
#include <QNetworkInterface>
#include <QPointer>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>
#include <QtEndian>

#include <functional>
#include <memory>
#include <optional>
#include <tuple>

using qk::protocol::Format;
using qk::transport::NotificationServer;
using qk::transport::ServerLimits;

namespace {

const QByteArray kToken = "3f1c9a7be2d84f6a0b5c7e9d1a3f5b7c9e1d3f5a7b9c1e3d5f7a9b1c3e5d7f9a";

struct Call {
    QString path;
    QByteArray body; // or what Recorder::keep made of it
    qint64 size = 0;
    Format format = Format::Json;
};

// The handler under test: records each call; answers 400 to the body "bad".
struct Recorder {
    QList<Call> calls;
    // What is kept of a body (large ones are checked in place, not copied).
    std::function<QByteArray(QByteArrayView)> keep = [](QByteArrayView body) {
        return body.toByteArray();
    };

    NotificationServer::Handler handler() {
        return [this](const QString& path, QByteArrayView body, Format format) {
            calls.append({path, keep(body), body.size(), format});
            return body == "bad" ? 400 : 200;
        };
    }
};

struct Response {
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers; // names in lower case
    QByteArray body;

    QByteArray header(const QByteArray& name) const {
        for (const auto& [key, value] : headers) {
            if (key == name)
                return value;
        }
        return {};
    }
    bool hasCorsHeader() const {
        return std::any_of(headers.begin(), headers.end(), [](const auto& field) {
            return field.first.startsWith("access-control-");
        });
    }
};

// A raw HTTP/1.1 client. It waits by running the event loop: the server is on this thread.
class RawClient {
public:
    explicit RawClient(quint16 port, const QHostAddress& address = QHostAddress::LocalHost) {
        m_socket.connectToHost(address, port);
        m_socket.setSocketOption(QAbstractSocket::LowDelayOption, 1);
    }

    bool waitConnected() {
        return QTest::qWaitFor(
            [this] { return m_socket.state() == QAbstractSocket::ConnectedState; }, 5000);
    }
    void send(QByteArrayView bytes) {
        if (!waitConnected())
            return;
        m_socket.write(bytes.data(), bytes.size());
        m_socket.flush();
    }
    // The next response, or nullopt when none arrives in time or the connection closes first.
    std::optional<Response> readResponse(int timeoutMs = 5000) {
        std::optional<Response> response;
        const bool settled = QTest::qWaitFor(
            [&] {
                response = takeResponse();
                return response.has_value() ||
                       m_socket.state() == QAbstractSocket::UnconnectedState;
            },
            timeoutMs);
        if (settled && !response)
            response = takeResponse(); // what arrived just before the close
        return response;
    }
    // Whether the server closed the connection within the time.
    bool waitClosed(int timeoutMs = 5000) {
        return QTest::qWaitFor(
            [this] {
                m_buffer += m_socket.readAll();
                return m_socket.state() == QAbstractSocket::UnconnectedState;
            },
            timeoutMs);
    }
    bool isOpen() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    QTcpSocket& socket() { return m_socket; }

    // A response already received, if complete.
    std::optional<Response> takeResponse() {
        m_buffer += m_socket.readAll();
        const qsizetype headEnd = m_buffer.indexOf("\r\n\r\n");
        if (headEnd < 0)
            return std::nullopt;
        Response response;
        const QList<QByteArray> lines = m_buffer.first(headEnd).split('\n');
        const QList<QByteArray> statusLine = lines.front().trimmed().split(' ');
        if (statusLine.size() < 2 || statusLine[0] != "HTTP/1.1")
            return std::nullopt;
        response.status = statusLine[1].toInt();
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines[i].indexOf(':');
            response.headers.append(
                {lines[i].first(colon).trimmed().toLower(), lines[i].sliced(colon + 1).trimmed()});
        }
        const qsizetype length = response.header("content-length").toLongLong();
        if (m_buffer.size() < headEnd + 4 + length)
            return std::nullopt;
        response.body = m_buffer.sliced(headEnd + 4, length);
        m_buffer.remove(0, headEnd + 4 + length);
        return response;
    }

private:
    QTcpSocket m_socket;
    QByteArray m_buffer;
};

// Sends `bytes` one at a time, each once the server's end of the connection has read the one
// before, so that the server gets every byte in a read of its own; stops when the connection
// closes. False when the server did not read a byte in time.
bool sendByteByByte(const NotificationServer& server, RawClient& client, QByteArrayView bytes) {
    QPointer<QTcpSocket> end;
    const auto findEnd = [&] {
        for (QTcpSocket* socket : server.findChildren<QTcpSocket*>()) {
            if (socket->peerPort() == client.socket().localPort())
                end = socket;
        }
        return !end.isNull();
    };
    if (!client.waitConnected() || !QTest::qWaitFor(findEnd, 5000))
        return false;
    for (const char byte : bytes) {
        if (!client.isOpen() || end.isNull())
            return true;
        QSignalSpy read(end.data(), &QIODevice::readyRead);
        client.send(QByteArrayView(&byte, 1));
        if (!QTest::qWaitFor([&] { return !read.isEmpty() || end.isNull() || !client.isOpen(); },
                             5000))
            return false;
    }
    return true;
}

// A request from its lines (request line and header fields) and body, in which {port},
// {otherport} and {token} stand for the server's port, another port and the token.
QByteArray raw(const QByteArrayList& lines, const QByteArray& body) {
    return lines.join("\r\n") + "\r\n\r\n" + body;
}

QByteArray substituted(QByteArray bytes, quint16 port) {
    bytes.replace("{port}", QByteArray::number(port));
    bytes.replace("{otherport}", QByteArray::number(port == 65535 ? 1 : port + 1));
    bytes.replace("{token}", kToken);
    return bytes;
}

QByteArray request(const QByteArrayList& lines, const QByteArray& body, quint16 port) {
    return substituted(raw(lines, body), port);
}

QByteArrayList validLines(const QByteArray& path = "/notify",
                          const QByteArray& contentType = "application/json", qint64 length = 2) {
    return {"POST " + path + " HTTP/1.1", "Host: 127.0.0.1:{port}", "Authorization: Bearer {token}",
            "Content-Type: " + contentType, "Content-Length: " + QByteArray::number(length)};
}

QByteArray post(quint16 port, const QByteArray& path, const QByteArray& body,
                const QByteArray& contentType = "application/json") {
    return request(validLines(path, contentType, body.size()), body, port);
}

QByteArrayList without(QByteArrayList lines, const QByteArray& name) {
    lines.removeIf(
        [&](const QByteArray& line) { return line.toLower().startsWith(name.toLower() + ':'); });
    return lines;
}

QByteArrayList replaced(const QByteArrayList& lines, const QByteArray& name,
                        const QByteArray& line) {
    QByteArrayList result = without(lines, name);
    result.append(line);
    return result;
}

QByteArrayList with(QByteArrayList lines, const QByteArray& line) {
    lines.append(line);
    return lines;
}

// The resident set size of this process in KiB.
qint64 residentKiB() {
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').front().toLongLong();
    }
    return -1;
}

} // namespace

class TestNotificationServer : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<NotificationServer> start(ServerLimits limits = {}) {
        m_recorder = Recorder{};
        auto server = std::make_unique<NotificationServer>(kToken, m_recorder.handler(), limits);
        if (!server->listen())
            qFatal("listen failed: %s", qPrintable(server->errorString()));
        return server;
    }

    Recorder m_recorder;

private Q_SLOTS:
    void listensOnLoopbackOnly();
    void validPost_data();
    void validPost();
    void keepAlive();
    void pipelined();
    void byteByByte();
    void expectContinue();
    void handlerStatus();
    void connectionClose();
    void largeBody();
    void refused_data();
    void refused();
    void hugeContentLengthRefusedAtOnce_data();
    void hugeContentLengthRefusedAtOnce();
    void laterRequestChecked_data();
    void laterRequestChecked();
    void refusedByteByByte();
    void pipelinedGoodThenBodilessBad();
    void connectionCap();
    void slowHeaderDropped();
    void silentConnectionDropped();
    void idleConnectionDropped();
    void shortTokenRefused();
    void tokenNeverLogged();
    void stagedBlobsAreServedToTheTokenOnly();
};

void TestNotificationServer::listensOnLoopbackOnly() {
    const auto server = start();
    QCOMPARE(server->serverAddress(), QHostAddress(QHostAddress::LocalHost));
    QVERIFY(server->port() != 0);
    QCOMPARE(server->url().toString(), QStringLiteral("http://127.0.0.1:%1").arg(server->port()));

    // No other interface of this machine accepts the connection.
    for (const QHostAddress& address : QNetworkInterface::allAddresses()) {
        if (address.isLoopback() || address.protocol() != QAbstractSocket::IPv4Protocol)
            continue;
        RawClient client(server->port(), address);
        QVERIFY(QTest::qWaitFor(
            [&] { return client.socket().state() == QAbstractSocket::UnconnectedState; }, 5000));
        QCOMPARE(client.socket().error(), QAbstractSocket::ConnectionRefusedError);
    }
}

void TestNotificationServer::validPost_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("format");

    const QByteArray json = R"({"results": [{"id": "c1", "value": 2, "seconds": 0.1}]})";
    // MessagePack bytes, including a CRLFCRLF and NULs that must not confuse the framing.
    const QByteArray msgpack("\x81\xa6"
                             "events\x91\xc4\x06\r\n\r\n\0\0",
                             17);
    const QByteArray error = R"({"id": "c2", "error": {"type": "ValueError"}, "queued": 0})";
    QTest::newRow("notify json") << QByteArray() << "/notify" << json << int(Format::Json);
    QTest::newRow("notifyError json")
        << QByteArray() << "/notifyError" << error << int(Format::Json);
    QTest::newRow("events msgpack") << QByteArray() << "/events" << msgpack << int(Format::MsgPack);
    QTest::newRow("empty body") << QByteArray() << "/events" << QByteArray() << int(Format::Json);

    const auto row = [&](const char* name, const QByteArrayList& lines) {
        QTest::newRow(name) << raw(lines, "{}") << "/notify" << QByteArray("{}")
                            << int(Format::Json);
    };
    row("host localhost", replaced(validLines(), "Host", "Host: localhost:{port}"));
    row("host LOCALHOST", replaced(validLines(), "Host", "Host: LOCALHOST:{port}"));
    row("host ipv6 loopback", replaced(validLines(), "Host", "Host: [::1]:{port}"));
    row("lower-case bearer",
        replaced(validLines(), "Authorization", "authorization: bearer {token}"));
    row("upper-case BEARER",
        replaced(validLines(), "Authorization", "Authorization: BEARER {token}"));
    // The body came with the head: no 100 Continue first.
    row("expect 100-continue", with(validLines(), "Expect: 100-continue"));
    QTest::newRow("no body, no content type")
        << raw(without(validLines("/events", "", 0), "Content-Type"), {}) << "/events"
        << QByteArray() << int(Format::Json);
    row("header order", QByteArrayList{"POST /notify HTTP/1.1", "Content-Length: 2",
                                       "content-type: application/json",
                                       "AUTHORIZATION: Bearer {token}", "host: 127.0.0.1:{port}"});
}

void TestNotificationServer::validPost() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(int, format);

    const auto server = start();
    QSignalSpy refusals(server.get(), &NotificationServer::requestRefused);
    const quint16 port = server->port();
    if (bytes.isEmpty()) {
        bytes = post(port, path.toLatin1(), body,
                     format == int(Format::MsgPack) ? "application/msgpack" : "application/json");
    } else {
        bytes = substituted(bytes, port);
    }

    RawClient client(port);
    client.send(bytes);
    std::optional<Response> response = client.readResponse();
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
    // From Qt 6.5 on the HTTP server answers Expect: 100-continue itself, also when the body
    // came with the head (which HTTP allows): a 100 Continue may come first.
    if (response && response->status == 100)
        response = client.readResponse();
#endif
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    QCOMPARE(response->header("content-type"), QByteArray("application/json"));
    QVERIFY(!response->hasCorsHeader());
    QCOMPARE(m_recorder.calls.size(), 1);
    QCOMPARE(m_recorder.calls[0].path, path);
    QCOMPARE(m_recorder.calls[0].body, body);
    QCOMPARE(int(m_recorder.calls[0].format), format);
    QVERIFY(client.isOpen());
    QCOMPARE(refusals.size(), 0);
}

void TestNotificationServer::keepAlive() {
    const auto server = start();
    RawClient client(server->port());
    for (int i = 0; i < 5; ++i) {
        const QByteArray body =
            R"({"events": [{"kind": "started", "id": "c)" + QByteArray::number(i) + R"("}]})";
        client.send(post(server->port(), "/events", body));
        const std::optional<Response> response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        QCOMPARE(response->header("connection"), QByteArray());
        QCOMPARE(m_recorder.calls.size(), i + 1);
        QCOMPARE(m_recorder.calls.back().body, body);
        QVERIFY(client.isOpen());
    }
    QCOMPARE(server->connectionCount(), 1);
}

void TestNotificationServer::pipelined() {
    const auto server = start();
    const quint16 port = server->port();
    const QByteArray first = R"({"results": []})";
    const QByteArray second("\x81\xa6"
                            "events\x90",
                            9);
    const QByteArray third = R"({"id": "c3", "error": {}, "queued": 0})";

    RawClient client(port);
    client.send(post(port, "/notify", first) +
                post(port, "/events", second, "application/msgpack") +
                post(port, "/notifyError", third));
    for (int i = 0; i < 3; ++i) {
        const std::optional<Response> response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 200);
    }
    QCOMPARE(m_recorder.calls.size(), 3);
    QCOMPARE(m_recorder.calls[0].path, QStringLiteral("/notify"));
    QCOMPARE(m_recorder.calls[0].body, first);
    QCOMPARE(m_recorder.calls[1].path, QStringLiteral("/events"));
    QCOMPARE(m_recorder.calls[1].body, second);
    QCOMPARE(int(m_recorder.calls[1].format), int(Format::MsgPack));
    QCOMPARE(m_recorder.calls[2].path, QStringLiteral("/notifyError"));
    QCOMPARE(m_recorder.calls[2].body, third);
    QVERIFY(client.isOpen());
}

void TestNotificationServer::byteByByte() {
    const auto server = start();
    const quint16 port = server->port();
    const QByteArray body = R"({"events": [{"kind": "output", "text": "a\r\n\r\nb"}]})";
    const QByteArray bytes = post(port, "/events", body) + post(port, "/notify", "{}");

    RawClient client(port);
    QVERIFY(client.waitConnected());
    QVERIFY(sendByteByByte(*server, client, bytes));
    for (int i = 0; i < 2; ++i) {
        const std::optional<Response> response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 200);
    }
    QCOMPARE(m_recorder.calls.size(), 2);
    QCOMPARE(m_recorder.calls[0].body, body);
    QCOMPARE(m_recorder.calls[1].body, QByteArray("{}"));
}

void TestNotificationServer::expectContinue() {
    const auto server = start();
    const quint16 port = server->port();
    RawClient client(port);
    for (int i = 0; i < 2; ++i) {
        client.send(request(
            with(validLines("/events", "application/json", 7), "Expect: 100-continue"), {}, port));
        std::optional<Response> response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 100);
        QCOMPARE(m_recorder.calls.size(), i);
        client.send("{\"n\":" + QByteArray::number(i) + "}");
        response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        QCOMPARE(m_recorder.calls.size(), i + 1);
        QCOMPARE(m_recorder.calls.back().body, "{\"n\":" + QByteArray::number(i) + "}");
    }
}

void TestNotificationServer::handlerStatus() {
    const auto server = start();
    RawClient client(server->port());
    client.send(post(server->port(), "/notify", "bad"));
    std::optional<Response> response = client.readResponse();
    QVERIFY(response);
    QCOMPARE(response->status, 400);
    // A malformed body is the handler's business; the connection stays usable.
    client.send(post(server->port(), "/notify", "{}"));
    response = client.readResponse();
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    QCOMPARE(m_recorder.calls.size(), 2);
}

void TestNotificationServer::connectionClose() {
    const auto server = start();
    RawClient client(server->port());
    client.send(request(with(validLines(), "Connection: close"), "{}", server->port()));
    const std::optional<Response> response = client.readResponse();
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    QCOMPARE(response->header("connection"), QByteArray("close"));
    QVERIFY(client.waitClosed());
    QCOMPARE(m_recorder.calls.size(), 1);
}

void TestNotificationServer::largeBody() {
    ServerLimits limits;
    limits.maxBodyBytes = 256 << 20;
    const auto server = start(limits);

    // The body is made of 4 MiB blocks, each starting with its index, so that a lost,
    // repeated or reordered block shows.
    constexpr qint64 size = 200'000'000;
    QByteArray pattern(4 << 20, Qt::Uninitialized);
    for (qsizetype i = 0; i < pattern.size(); ++i)
        pattern[i] = char((i * 131 + i / 4099) & 0xff);
    const auto block = [&pattern](qint64 index) {
        QByteArray bytes = pattern;
        qToLittleEndian(index, bytes.data());
        return bytes;
    };
    m_recorder.keep = [&](QByteArrayView body) {
        for (qint64 offset = 0; offset < body.size(); offset += pattern.size()) {
            const QByteArrayView piece =
                body.sliced(offset, std::min(pattern.size(), body.size() - offset));
            if (piece != QByteArrayView(block(offset / pattern.size())).first(piece.size()))
                return "differs at " + QByteArray::number(offset);
        }
        return QByteArray("intact");
    };

    RawClient client(server->port());
    client.send(request(validLines("/events", "application/msgpack", size), {}, server->port()));
    // Driven by the event loop alone, so that both ends run at full speed.
    QEventLoop loop;
    qint64 sent = 0;
    std::optional<Response> response;
    const auto pump = [&] {
        while (sent < size && client.socket().bytesToWrite() < (8 << 20)) {
            const qint64 n = std::min<qint64>(pattern.size(), size - sent);
            client.socket().write(block(sent / pattern.size()).first(n));
            sent += n;
        }
    };
    QObject::connect(&client.socket(), &QTcpSocket::bytesWritten, &loop, pump);
    QObject::connect(&client.socket(), &QTcpSocket::readyRead, &loop, [&] {
        response = client.takeResponse();
        if (response)
            loop.quit();
    });
    QObject::connect(&client.socket(), &QTcpSocket::disconnected, &loop, &QEventLoop::quit);
    QTimer::singleShot(60000, &loop, &QEventLoop::quit);
    pump();
    loop.exec();

    QCOMPARE(sent, size);
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    QCOMPARE(m_recorder.calls.size(), 1);
    QCOMPARE(m_recorder.calls[0].size, size);
    QCOMPARE(m_recorder.calls[0].body, QByteArray("intact"));
}

void TestNotificationServer::refused_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("status");

    const QByteArrayList valid = validLines();
    const auto row = [](const char* name, const QByteArrayList& lines, int status,
                        const QByteArray& body = "{}") {
        QTest::newRow(name) << raw(lines, body) << status;
    };
    QByteArray wrongToken = kToken;
    wrongToken.back() = wrongToken.back() == 'a' ? 'b' : 'a';

    row("no token", without(valid, "Authorization"), 401);
    row("wrong token, same length",
        replaced(valid, "Authorization", "Authorization: Bearer " + wrongToken), 401);
    row("wrong token, shorter", replaced(valid, "Authorization", "Authorization: Bearer 3f1c9a"),
        401);
    row("token prefix",
        replaced(valid, "Authorization", "Authorization: Bearer " + kToken.left(32)), 401);
    row("wrong token, longer", replaced(valid, "Authorization", "Authorization: Bearer {token}0"),
        401);
    row("empty bearer", replaced(valid, "Authorization", "Authorization: Bearer"), 401);
    row("bearer without space", replaced(valid, "Authorization", "Authorization: Bearer{token}"),
        401);
    row("basic scheme", replaced(valid, "Authorization", "Authorization: Basic {token}"), 401);
    row("token without scheme", replaced(valid, "Authorization", "Authorization: {token}"), 401);
    row("token and junk", replaced(valid, "Authorization", "Authorization: Bearer {token} extra"),
        401);
    row("lower-case bearer, wrong token",
        replaced(valid, "Authorization", "Authorization: bearer " + wrongToken), 401);
    row("two authorizations", with(valid, "Authorization: Bearer " + wrongToken), 401);

    row("foreign host", replaced(valid, "Host", "Host: evil.example:{port}"), 403);
    row("foreign host, no token",
        replaced(without(valid, "Authorization"), "Host", "Host: evil.example:{port}"), 403);
    row("wrong port", replaced(valid, "Host", "Host: 127.0.0.1:{otherport}"), 403);
    row("host without port", replaced(valid, "Host", "Host: 127.0.0.1"), 403);
    row("localhost without port", replaced(valid, "Host", "Host: localhost"), 403);
    row("missing host", without(valid, "Host"), 403);
    row("two hosts", with(valid, "Host: 127.0.0.1:{port}"), 403);
    row("origin", with(valid, "Origin: http://evil.example"), 403);
    row("origin null", with(valid, "Origin: null"), 403);
    row("sec-fetch-site", with(valid, "Sec-Fetch-Site: cross-site"), 403);
    row("sec-fetch-mode", with(valid, "sec-fetch-mode: no-cors"), 403);

    row("unknown path", validLines("/other"), 404);
    row("unknown path, no token", without(validLines("/other"), "Authorization"), 401);
    row("path with query", validLines("/notify?x=1"), 404);
    row("path prefix", validLines("/notifyX"), 404);
    row("root", validLines("/"), 404);
    QByteArrayList get = valid;
    get[0] = "GET /notify HTTP/1.1";
    row("GET", without(without(get, "Content-Length"), "Content-Type"), 405, {});
    QByteArrayList put = valid;
    put[0] = "PUT /events HTTP/1.1";
    row("PUT", put, 405);
    QByteArrayList options = valid;
    options[0] = "OPTIONS /notify HTTP/1.1";
    row("OPTIONS", options, 405);
    QByteArrayList getUnknown = without(without(valid, "Content-Length"), "Content-Type");
    getUnknown[0] = "GET /status HTTP/1.1";
    row("GET unknown", getUnknown, 404, {});

    row("text/plain", replaced(valid, "Content-Type", "Content-Type: text/plain"), 415);
    row("form urlencoded",
        replaced(valid, "Content-Type", "Content-Type: application/x-www-form-urlencoded"), 415);
    row("multipart",
        replaced(valid, "Content-Type", "Content-Type: multipart/form-data; boundary=x"), 415);
    row("no content type", without(valid, "Content-Type"), 415);

    row("chunked", with(without(valid, "Content-Length"), "Transfer-Encoding: chunked"), 411,
        "2\r\n{}\r\n0\r\n\r\n");
    row("chunked and length", with(valid, "Transfer-Encoding: chunked"), 411,
        "2\r\n{}\r\n0\r\n\r\n");
    row("no content length", without(valid, "Content-Length"), 411);
    row("over the cap", replaced(valid, "Content-Length", "Content-Length: 1048577"), 413, {});
    row("malformed length", replaced(valid, "Content-Length", "Content-Length: 2x"), 400);
    row("negative length", replaced(valid, "Content-Length", "Content-Length: -2"), 400);
    row("two lengths", with(valid, "Content-Length: 2"), 400);

    row("bare LF", QByteArrayList{QByteArray(validLines().join("\n") + "\n")}, 400);
    row("obsolete line folding", with(valid, " folded"), 400);
    row("space before colon", with(valid, "X-Note : 1"), 400);
    row("HTTP/1.0", QByteArrayList{"POST /notify HTTP/1.0"} + valid.mid(1), 505);
    row("garbage request line", QByteArrayList{"HELLO"} + valid.mid(1), 400);
    row("leading empty line", QByteArrayList{""} + valid, 400);
    row("head too large", with(valid, "X-Padding: " + QByteArray(9000, 'a')), 431);
    row("too many fields", valid + QByteArrayList(70, "X-Field: 1"), 431);
    row("upgrade", with(with(valid, "Connection: Upgrade"), "Upgrade: websocket"), 400);
    row("unknown expectation", with(valid, "Expect: a-miracle"), 417);
    row("expect 100-continue, no token",
        with(without(valid, "Authorization"), "Expect: 100-continue"), 401, {});
}

void TestNotificationServer::refused() {
    QFETCH(QByteArray, bytes);
    QFETCH(int, status);

    ServerLimits limits;
    limits.maxBodyBytes = 1 << 20;
    const auto server = start(limits);
    QSignalSpy refusals(server.get(), &NotificationServer::requestRefused);
    RawClient client(server->port());
    client.send(substituted(bytes, server->port()));
    const std::optional<Response> response = client.readResponse();
    QVERIFY(response);
    QCOMPARE(response->status, status);
    QCOMPARE(response->header("connection"), QByteArray("close"));
    QCOMPARE(response->header("content-type"), QByteArray("application/json"));
    QVERIFY(!response->hasCorsHeader());
    QVERIFY(!response->body.contains(kToken));
    QVERIFY(client.waitClosed());
    QCOMPARE(m_recorder.calls.size(), 0);
    QCOMPARE(refusals.size(), 1);
    QCOMPARE(refusals[0][0].toInt(), status);
    QVERIFY(!refusals[0][1].toString().isEmpty());
    QVERIFY(!refusals[0][1].toString().contains(QString::fromLatin1(kToken)));
}

void TestNotificationServer::hugeContentLengthRefusedAtOnce_data() {
    QTest::addColumn<bool>("withToken");
    QTest::addColumn<int>("status");
    QTest::newRow("without token") << false << 401;
    QTest::newRow("with token, over the cap") << true << 413;
}

void TestNotificationServer::hugeContentLengthRefusedAtOnce() {
    QFETCH(bool, withToken);
    QFETCH(int, status);

    const auto server = start();
    QByteArrayList lines = validLines("/events", "application/msgpack", qint64(10) << 30);
    if (!withToken)
        lines = without(lines, "Authorization");
    const qint64 residentBefore = residentKiB();
    QVERIFY(residentBefore > 0);

    // Only the head is sent: the answer must not wait for the body.
    RawClient client(server->port());
    client.send(request(lines, {}, server->port()));
    const std::optional<Response> response = client.readResponse(3000);
    QVERIFY(response);
    QCOMPARE(response->status, status);
    QVERIFY(client.waitClosed(3000));
    QCOMPARE(m_recorder.calls.size(), 0);
    QVERIFY2(
        residentKiB() - residentBefore < 16 * 1024,
        qPrintable(
            QStringLiteral("resident memory grew by %1 KiB").arg(residentKiB() - residentBefore)));
}

void TestNotificationServer::laterRequestChecked_data() {
    QTest::addColumn<QByteArrayList>("lines");
    QTest::addColumn<int>("status");
    QTest::addColumn<bool>("pipelined");

    QByteArray wrongToken = kToken;
    wrongToken[0] = wrongToken[0] == 'a' ? 'b' : 'a';
    const QByteArrayList valid = validLines("/notify", "application/json", 7);
    const QList<std::tuple<const char*, QByteArrayList, int>> cases{
        {"wrong token", replaced(valid, "Authorization", "Authorization: Bearer " + wrongToken),
         401},
        {"no token", without(valid, "Authorization"), 401},
        {"foreign host", replaced(valid, "Host", "Host: evil.example:{port}"), 403},
        {"origin", with(valid, "Origin: http://evil.example"), 403},
        {"text/plain", replaced(valid, "Content-Type", "Content-Type: text/plain"), 415},
        {"chunked", with(without(valid, "Content-Length"), "Transfer-Encoding: chunked"), 411},
    };
    for (const auto& [name, lines, status] : cases) {
        QTest::addRow("%s, next request", name) << lines << status << false;
        QTest::addRow("%s, same segment", name) << lines << status << true;
    }
}

// The second request on a keep-alive connection is checked as the first was, also when both
// arrive in one segment.
void TestNotificationServer::laterRequestChecked() {
    QFETCH(QByteArrayList, lines);
    QFETCH(int, status);
    QFETCH(bool, pipelined);

    const auto server = start();
    QSignalSpy refusals(server.get(), &NotificationServer::requestRefused);
    const quint16 port = server->port();
    const QByteArray good = post(port, "/notify", "{\"a\":1}");
    const QByteArray bad = request(lines, "{\"x\":1}", port);

    RawClient client(port);
    client.send(pipelined ? good + bad : good);
    std::optional<Response> response = client.readResponse();
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    if (!pipelined)
        client.send(bad);
    response = client.readResponse();
    QVERIFY(response);
    QCOMPARE(response->status, status);
    QVERIFY(client.waitClosed());
    QCOMPARE(m_recorder.calls.size(), 1);
    QCOMPARE(m_recorder.calls[0].body, QByteArray("{\"a\":1}"));
    QCOMPARE(refusals.size(), 1);
}

// A refused head that arrives byte by byte is refused before the HTTP server completes it.
void TestNotificationServer::refusedByteByByte() {
    const auto server = start();
    const quint16 port = server->port();
    const QByteArray bytes = request(without(validLines(), "Authorization"), "{}", port);
    RawClient client(port);
    QVERIFY(client.waitConnected());
    QVERIFY(sendByteByByte(*server, client, bytes));
    const std::optional<Response> response = client.readResponse();
    QVERIFY(response);
    QCOMPARE(response->status, 401);
    QVERIFY(client.waitClosed());
    QCOMPARE(m_recorder.calls.size(), 0);
}

// The refused request's body is not sent: the answer must not wait for it.
void TestNotificationServer::pipelinedGoodThenBodilessBad() {
    const auto server = start();
    const quint16 port = server->port();
    RawClient client(port);
    client.send(post(port, "/notify", "{\"a\":1}") +
                request(without(validLines("/events", "application/json", 100), "Authorization"),
                        {}, port));
    std::optional<Response> response = client.readResponse();
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    response = client.readResponse();
    QVERIFY(response);
    QCOMPARE(response->status, 401);
    QVERIFY(client.waitClosed());
    QCOMPARE(m_recorder.calls.size(), 1);
}

void TestNotificationServer::connectionCap() {
    // Two connections without the token at most: a newcomer takes the place of the one that
    // has waited longest. Connections that authenticated are not counted and never closed
    // for a newcomer (issue 16).
    ServerLimits limits;
    limits.maxConnections = 2;
    const auto server = start(limits);
    QSignalSpy refusals(server.get(), &NotificationServer::requestRefused);
    const quint16 port = server->port();

    std::vector<std::unique_ptr<RawClient>> authenticated;
    for (int i = 0; i < 3; ++i) {
        authenticated.push_back(std::make_unique<RawClient>(port));
        authenticated.back()->send(post(port, "/notify", "{}"));
        const std::optional<Response> response = authenticated.back()->readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 200);
    }
    QCOMPARE(server->connectionCount(), 3);

    // Silent ones: the third of them closes the first.
    RawClient first(port);
    QVERIFY(QTest::qWaitFor([&] { return server->connectionCount() == 4; }, 5000));
    RawClient second(port);
    QVERIFY(QTest::qWaitFor([&] { return server->connectionCount() == 5; }, 5000));
    RawClient third(port);
    const std::optional<Response> refusal = first.readResponse();
    QVERIFY(refusal);
    QCOMPARE(refusal->status, 503);
    QVERIFY(first.waitClosed());
    QCOMPARE(refusals.size(), 1);
    QCOMPARE(refusals[0][0].toInt(), 503);
    QVERIFY(second.isOpen());

    // The newcomer is served, and so are the authenticated connections.
    third.send(post(port, "/notify", "{}"));
    std::optional<Response> response = third.readResponse();
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    for (const auto& client : authenticated) {
        QVERIFY(client->isOpen());
        client->send(post(port, "/notify", "{}"));
        response = client->readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 200);
    }
    QCOMPARE(m_recorder.calls.size(), 7);
}

void TestNotificationServer::slowHeaderDropped() {
    ServerLimits limits;
    limits.headerTimeoutMs = 600;
    const auto server = start(limits);
    QSignalSpy refusals(server.get(), &NotificationServer::requestRefused);
    const quint16 port = server->port();

    // One byte of a valid request every 100 ms: the whole head would take seconds.
    const QByteArray bytes = post(port, "/notify", "{}");
    RawClient slow(port);
    QVERIFY(slow.waitConnected());
    QElapsedTimer elapsed;
    elapsed.start();
    qsizetype sent = 0;
    QTimer drip;
    QObject::connect(&drip, &QTimer::timeout, &slow.socket(), [&] {
        if (sent < bytes.size() && slow.isOpen())
            slow.send(bytes.mid(sent++, 1));
    });
    drip.start(100);

    // Meanwhile another connection is served.
    QTRY_VERIFY(sent >= 2);
    RawClient normal(port);
    normal.send(post(port, "/events", "{}"));
    const std::optional<Response> served = normal.readResponse();
    QVERIFY(served);
    QCOMPARE(served->status, 200);
    QVERIFY(slow.isOpen());

    const std::optional<Response> response = slow.readResponse(5000);
    QVERIFY(response);
    QCOMPARE(response->status, 408);
    QVERIFY(slow.waitClosed());
    QVERIFY(elapsed.elapsed() >= 500);
    QVERIFY(sent < bytes.size());
    QCOMPARE(m_recorder.calls.size(), 1);
    QCOMPARE(m_recorder.calls[0].path, QStringLiteral("/events"));
    QCOMPARE(refusals.size(), 1);
    QCOMPARE(refusals[0][0].toInt(), 408);
    QVERIFY(normal.isOpen());
}

void TestNotificationServer::silentConnectionDropped() {
    ServerLimits limits;
    limits.headerTimeoutMs = 300;
    const auto server = start(limits);
    RawClient client(server->port());
    QVERIFY(client.waitConnected());
    QVERIFY(client.waitClosed());
    QVERIFY(QTest::qWaitFor([&] { return server->connectionCount() == 0; }, 5000));
}

void TestNotificationServer::idleConnectionDropped() {
    ServerLimits limits;
    limits.idleTimeoutMs = 400;
    const auto server = start(limits);
    RawClient client(server->port());
    client.send(post(server->port(), "/notify", "{}"));
    const std::optional<Response> response = client.readResponse();
    QVERIFY(response);
    QCOMPARE(response->status, 200);
    QElapsedTimer elapsed;
    elapsed.start();
    QVERIFY(client.waitClosed());
    QVERIFY(elapsed.elapsed() >= 300);
    QCOMPARE(m_recorder.calls.size(), 1);
}

void TestNotificationServer::shortTokenRefused() {
    NotificationServer server(kToken.left(31), m_recorder.handler());
    QVERIFY(!server.listen());
    QVERIFY(server.errorString().contains(QStringLiteral("32")));
    QCOMPARE(server.port(), quint16(0));
}

namespace {
QStringList loggedMessages;
void recordMessage(QtMsgType, const QMessageLogContext& context, const QString& message) {
    loggedMessages.append(QString::fromLatin1(context.category) + u' ' + message);
}
} // namespace

void TestNotificationServer::tokenNeverLogged() {
    // Every Qt logging category on, debug included.
    QLoggingCategory::setFilterRules(QStringLiteral("*.debug=true"));
    loggedMessages.clear();
    const QtMessageHandler previous = qInstallMessageHandler(recordMessage);
    {
        const auto server = start();
        RawClient client(server->port());
        client.send(post(server->port(), "/notify", "{}"));
        const std::optional<Response> accepted = client.readResponse();
        RawClient other(server->port());
        other.send(request(
            replaced(validLines(), "Authorization", "Authorization: Bearer " + kToken.left(40)),
            "{}", server->port()));
        const std::optional<Response> refused = other.readResponse();
        QVERIFY(accepted && refused);
        QCOMPARE(accepted->status, 200);
        QCOMPARE(refused->status, 401);
    }
    qInstallMessageHandler(previous);
    QLoggingCategory::setFilterRules(QString());
    for (const QString& message : std::as_const(loggedMessages)) {
        QVERIFY2(!message.contains(QString::fromLatin1(kToken.left(40))), qPrintable(message));
    }
}

void TestNotificationServer::stagedBlobsAreServedToTheTokenOnly() {
    // A large binding the worker pulls: GET /blobs/<id> answers its bytes, as often as asked,
    // until it is released; the same rules as any request apply before that.
    const auto server = start();
    const quint16 port = server->port();
    QByteArray bytes(3 << 20, Qt::Uninitialized);
    for (qsizetype i = 0; i < bytes.size(); ++i)
        bytes[i] = char(i % 253);
    const QString id = server->stage(bytes);
    QCOMPARE(server->stagedCount(), 1);
    const QByteArray get = "GET /blobs/" + id.toLatin1() + " HTTP/1.1";

    RawClient client(port);
    for (int i = 0; i < 2; ++i) {
        client.send(
            request({get, "Host: 127.0.0.1:{port}", "Authorization: Bearer {token}"}, {}, port));
        const std::optional<Response> response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        QCOMPARE(response->header("content-type"), QByteArray("application/octet-stream"));
        QVERIFY(response->body == bytes);
    }
    QVERIFY(client.isOpen());

    const auto statusOf = [port](const QByteArrayList& lines) {
        RawClient other(port);
        other.send(request(lines, {}, port));
        const std::optional<Response> response = other.readResponse();
        return response ? response->status : 0;
    };
    QCOMPARE(statusOf({get, "Host: 127.0.0.1:{port}"}), 401);
    QCOMPARE(statusOf({get, "Host: example.com:{port}", "Authorization: Bearer {token}"}), 403);
    QCOMPARE(statusOf({"POST /blobs/" + id.toLatin1() + " HTTP/1.1", "Host: 127.0.0.1:{port}",
                       "Authorization: Bearer {token}", "Content-Length: 0"}),
             405);
    QCOMPARE(statusOf({get, "Host: 127.0.0.1:{port}", "Authorization: Bearer {token}",
                       "Content-Length: 5"}),
             400);
    QCOMPARE(statusOf({"GET /notify HTTP/1.1", "Host: 127.0.0.1:{port}",
                       "Authorization: Bearer {token}"}),
             405);
    QCOMPARE(statusOf({"GET /blobs/9999 HTTP/1.1", "Host: 127.0.0.1:{port}",
                       "Authorization: Bearer {token}"}),
             404);
    server->release(id);
    QCOMPARE(server->stagedCount(), 0);
    QCOMPARE(statusOf({get, "Host: 127.0.0.1:{port}", "Authorization: Bearer {token}"}), 404);
    QCOMPARE(m_recorder.calls.size(), 0);
}

QTEST_GUILESS_MAIN(TestNotificationServer)
#include "tst_notificationserver.moc"
