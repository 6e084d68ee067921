// libFuzzer harness: raw bytes from a client through the notification server's request
// handling. Each input is sent on a fresh loopback connection, whose sending side is then
// shut; the server must answer and close it. The head checks also run on the input directly.
// "$PORT" in an input stands for the server's port, so seeds can carry a valid Host.
//
// What must hold: no crash; the handler never runs for an input that lacks the token; the
// server closes every connection once the client has stopped sending.
#include "bridge/protocol/codec.h"
#include "bridge/transport/notificationserver.h"
#include "bridge/transport/requestgate.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QTcpSocket>
#include <QTimer>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include <sys/socket.h>

namespace {

const QByteArray kToken = "fuzz-token-0123456789abcdefghijklmnopqrstuvwxyz";

struct Harness {
    std::unique_ptr<QCoreApplication> app;
    std::unique_ptr<qk::transport::NotificationServer> server;
    QByteArray port;
    bool tokenSent = false;
    int handled = 0;
};

Harness* harness = nullptr;

void setUp(int* argc, char*** argv) {
    harness = new Harness;
    harness->app = std::make_unique<QCoreApplication>(*argc, *argv);
    qk::transport::ServerLimits limits;
    limits.maxBodyBytes = 64 << 10;
    limits.headerTimeoutMs = 3000;
    limits.idleTimeoutMs = 3000;
    harness->server = std::make_unique<qk::transport::NotificationServer>(
        kToken, [](const QString&, QByteArrayView body, qk::protocol::Format format) {
            if (!harness->tokenSent)
                std::abort(); // the gate let through a request without the token
            ++harness->handled;
            try {
                (void)qk::protocol::fromWire(qk::protocol::parse(body, format));
            } catch (const qk::protocol::ProtocolError&) {
                return 400;
            }
            return 200;
        });
    if (!harness->server->listen()) {
        std::fprintf(stderr, "cannot listen: %s\n", qPrintable(harness->server->errorString()));
        std::abort();
    }
    harness->port = QByteArray::number(harness->server->port());
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    setUp(argc, argv);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    QByteArray input(reinterpret_cast<const char*>(data), qsizetype(size));
    input.replace("$PORT", harness->port);
    harness->tokenSent = input.contains(kToken);

    qk::transport::GateRules rules;
    rules.tokenDigest = qk::transport::tokenDigest(kToken);
    rules.port = harness->server->port();
    rules.maxBodyBytes = 64 << 10;
    rules.postPaths = qk::transport::NotificationServer::paths();
    const qk::transport::HeadVerdict verdict = qk::transport::checkRequestHead(input, rules);
    if (verdict.status == 0 && !harness->tokenSent)
        std::abort(); // a head approved without the token
    (void)qk::transport::checkRequestLine(input);

    QTcpSocket client;
    client.connectToHost(QStringLiteral("127.0.0.1"), harness->server->port());
    if (!client.waitForConnected(5000))
        std::abort();
    client.write(input);
    client.flush();
    ::shutdown(int(client.socketDescriptor()), SHUT_WR);

    QEventLoop loop;
    QTimer deadline;
    deadline.setSingleShot(true);
    bool closed = false;
    QObject::connect(&client, &QTcpSocket::readyRead, &client, [&client] { client.readAll(); });
    QObject::connect(&client, &QTcpSocket::disconnected, &loop, [&] {
        closed = true;
        loop.quit();
    });
    QObject::connect(&deadline, &QTimer::timeout, &loop, &QEventLoop::quit);
    deadline.start(10000);
    if (client.state() == QAbstractSocket::ConnectedState)
        loop.exec();
    else
        closed = true;
    if (!closed)
        std::abort(); // the server kept a connection whose client had stopped sending
    client.abort();
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    return 0;
}
