// SPDX-License-Identifier: GPL-3.0-or-later
// The worker client (QNetworkAccessManager) against a scripted HTTP server: what it sends,
// keep-alive, requests sent again after failures (a connection closed before the answer, one
// closed at once as a flooded server does, a refused port) as far as their Resend and
// deadline allow, a slow request beside a quick one, large bodies both ways, and aborting.

#include "bridge/transport/workerclient.h"

#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <functional>
#include <optional>

using qk::protocol::Format;
using qk::transport::Resend;
using qk::transport::WorkerClient;
using qk::transport::WorkerReply;

namespace {

const QByteArray kToken = "9e1d3f5a7b9c1e3d5f7a9b1c3e5d7f9a3f1c9a7be2d84f6a0b5c7e9d1a3f5b7c";

struct Received {
    int connection = 0; // in the order the server accepted them, from 0
    QByteArray head;
    QByteArray body;

    // The value of a header field, its name matched without regard to case (Qt 6.8 writes
    // names in lower case, Qt 6.4 as given); std::nullopt when the field is not there.
    std::optional<QByteArray> header(const QByteArray& name) const {
        const QList<QByteArray> lines = head.split('\n');
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines[i].trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).compare(name, Qt::CaseInsensitive) == 0)
                return line.mid(colon + 1).trimmed();
        }
        return std::nullopt;
    }
};

// An HTTP server that hands each complete request to `answer`: the bytes it returns are
// written back; an empty answer closes the connection instead, and std::nullopt leaves the
// request unanswered.
class ScriptedServer : public QObject {
public:
    using Answer = std::function<std::optional<QByteArray>(const Received&)>;

    explicit ScriptedServer(Answer answer)
        : m_answer(std::move(answer)) {
        QVERIFY(m_server.listen(QHostAddress::LocalHost, 0));
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* socket = m_server.nextPendingConnection()) {
                const int index = connections++;
                auto buffer = std::make_shared<QByteArray>();
                connect(socket, &QTcpSocket::readyRead, this, [this, socket, index, buffer] {
                    *buffer += socket->readAll();
                    serve(socket, index, *buffer);
                });
            }
        });
    }

    quint16 port() const { return m_server.serverPort(); }

    int connections = 0;
    QList<Received> requests;

private:
    void serve(QTcpSocket* socket, int index, QByteArray& buffer) {
        for (;;) {
            const qsizetype end = buffer.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            const QByteArray head = buffer.first(end + 4);
            qint64 length = 0;
            for (const QByteArray& line : head.split('\n')) {
                if (line.toLower().startsWith("content-length:"))
                    length = line.mid(15).trimmed().toLongLong();
            }
            if (buffer.size() < end + 4 + length)
                return;
            Received request{index, head, buffer.mid(end + 4, length)};
            buffer.remove(0, end + 4 + length);
            requests.append(request);
            const std::optional<QByteArray> answer = m_answer(request);
            if (!answer)
                continue;
            if (answer->isEmpty()) {
                socket->abort();
                return;
            }
            socket->write(*answer);
        }
    }

    QTcpServer m_server;
    Answer m_answer;
};

QByteArray answer(int status, const QByteArray& body = "{}", const QByteArray& extra = {}) {
    return "HTTP/1.1 " + QByteArray::number(status) + " X\r\nContent-Type: application/json\r\n" +
           extra + "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

// Collects the replies of the callbacks, in the order they came.
struct Replies {
    QList<WorkerReply> list;
    QStringList order;

    WorkerClient::Callback take(const QString& name = {}) {
        return [this, name](const WorkerReply& reply) {
            list.append(reply);
            order.append(name);
        };
    }
};

} // namespace

class TestWorkerClient : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void sendsTheTokenAndKeepsTheConnection() {
        ScriptedServer server([](const Received&) { return answer(202, R"({"queued":0})"); });
        WorkerClient client(kToken);
        client.setPort(server.port());
        Replies replies;
        client.post(QStringLiteral("/commands"), R"({"id":"c1"})", Format::Json, replies.take());
        QTRY_COMPARE(replies.list.size(), 1);
        client.get(QStringLiteral("/status?x=1"), replies.take());
        QTRY_COMPARE(replies.list.size(), 2);

        QCOMPARE(replies.list[0].status, 202);
        QCOMPARE(replies.list[0].body, QByteArray(R"({"queued":0})"));
        QVERIFY(replies.list[0].error.isEmpty());
        const Received& request = server.requests[0];
        QVERIFY(request.head.startsWith("POST /commands HTTP/1.1\r\n"));
        QCOMPARE(request.header("Host").value_or("(none)"),
                 "127.0.0.1:" + QByteArray::number(server.port()));
        QCOMPARE(request.header("Authorization").value_or("(none)"), "Bearer " + kToken);
        QCOMPARE(request.header("Content-Type").value_or("(none)"), QByteArray("application/json"));
        QCOMPARE(request.header("Content-Length").value_or("(none)"), QByteArray("11"));
        QVERIFY(!request.head.toLower().contains("cookie"));
        QCOMPARE(server.requests[0].body, QByteArray(R"({"id":"c1"})"));
        QVERIFY(server.requests[1].head.startsWith("GET /status?x=1 HTTP/1.1\r\n"));
        QVERIFY(!server.requests[1].header("Content-Length"));
        QCOMPARE(server.connections, 1);
    }

    void errorAnswersCarryTheBody() {
        ScriptedServer server([](const Received& request) {
            if (request.head.startsWith("POST /decisions"))
                return answer(401, R"({"error":"missing or wrong bearer token"})",
                              "WWW-Authenticate: Bearer\r\nConnection: close\r\n");
            return answer(409, R"({"error":"dup"})");
        });
        WorkerClient client(kToken);
        client.setPort(server.port());
        Replies replies;
        client.post(QStringLiteral("/commands"), "{}", Format::Json, replies.take());
        QTRY_COMPARE(replies.list.size(), 1);
        QCOMPARE(replies.list[0].status, 409);
        QVERIFY(!replies.list[0].ok());
        QVERIFY(replies.list[0].error.contains(QLatin1String("dup")));
        // A 401 is final: it carries the worker's reason and is not sent again.
        client.post(QStringLiteral("/decisions"), "{}", Format::Json, replies.take());
        QTRY_COMPARE(replies.list.size(), 2);
        QCOMPARE(replies.list[1].status, 401);
        QVERIFY(replies.list[1].error.contains(QLatin1String("bearer token")));
        QCOMPARE(server.requests.size(), 2);
    }

    void requestOnAConnectionClosedUnansweredIsSentAgain() {
        // The worker closes an idle keep-alive connection just as the next request arrives,
        // or a flooded worker drops a new connection: the request goes out again until it
        // is answered.
        ScriptedServer server([&](const Received& request) -> std::optional<QByteArray> {
            if (request.body == "second" && request.connection < 3)
                return QByteArray(); // closed without an answer
            return answer(200, request.body);
        });
        WorkerClient client(kToken);
        client.setPort(server.port());
        Replies replies;
        client.post(QStringLiteral("/commands"), "first", Format::Json, replies.take());
        QTRY_COMPARE(replies.list.size(), 1);
        client.post(QStringLiteral("/commands"), "second", Format::Json, replies.take());
        QTRY_COMPARE(replies.list.size(), 2);
        QCOMPARE(replies.list[1].status, 200);
        QCOMPARE(replies.list[1].body, QByteArray("second"));
        QCOMPARE(server.connections, 4);
    }

    void requestThatMayHaveRunIsNotSentAgain() {
        // Resend::IfNotSent: once written, a request whose answer is lost is not repeated.
        ScriptedServer server([](const Received&) { return QByteArray(); });
        WorkerClient client(kToken);
        client.setPort(server.port());
        Replies replies;
        client.post(QStringLiteral("/variables/delete"), "x", Format::Json, replies.take(),
                    Resend::IfNotSent);
        QTRY_COMPARE(replies.list.size(), 1);
        QCOMPARE(replies.list[0].status, 0);
        QVERIFY(!replies.list[0].error.isEmpty());
        // QNetworkAccessManager itself sends a request once or twice more when a connection
        // closes before any answer (so every endpoint takes a repeat); the client adds none.
        QVERIFY2(server.requests.size() <= 3, qPrintable(QString::number(server.requests.size())));
    }

    void unansweredRequestFailsAtItsDeadline() {
        // A worker that takes a request and never answers (stuck holding the GIL) does not
        // leave it in flight for ever.
        ScriptedServer server([](const Received&) { return std::nullopt; });
        WorkerClient client(kToken);
        client.setDeadlineMs(300);
        client.setPort(server.port());
        Replies replies;
        client.post(QStringLiteral("/commands"), "x", Format::Json, replies.take());
        QTRY_COMPARE(replies.list.size(), 1);
        QCOMPARE(replies.list[0].status, 0);
        QVERIFY2(replies.list[0].error.contains(QLatin1String("no answer within")),
                 qPrintable(replies.list[0].error));
    }

    void connectionCloseAnswerEndsTheConnection() {
        ScriptedServer server([](const Received& request) {
            return answer(200, request.body, "Connection: close\r\n");
        });
        WorkerClient client(kToken);
        client.setPort(server.port());
        Replies replies;
        const QList<QByteArray> bodies{"a", "b", "c"};
        for (qsizetype i = 0; i < bodies.size(); ++i) {
            client.post(QStringLiteral("/x"), bodies[i], Format::Json, replies.take());
            QTRY_COMPARE(replies.list.size(), i + 1);
            QCOMPARE(replies.list.back().body, bodies[i]);
        }
        QCOMPARE(replies.list.size(), 3);
        QCOMPARE(server.connections, 3);
    }

    void slowRequestDoesNotHoldUpAnother() {
        ScriptedServer server([](const Received& request) -> std::optional<QByteArray> {
            if (request.body == "slow")
                return std::nullopt;
            return answer(200, request.body);
        });
        WorkerClient client(kToken);
        client.setPort(server.port());
        Replies replies;
        client.post(QStringLiteral("/commands"), "slow", Format::Json, replies.take("slow"));
        client.post(QStringLiteral("/interrupt"), "quick", Format::Json, replies.take("quick"));
        QTRY_COMPARE(replies.order, QStringList{QStringLiteral("quick")});
        QCOMPARE(server.connections, 2);
        QCOMPARE(client.pendingCount(), 1);

        client.abortAll();
        QCOMPARE(replies.order, (QStringList{QStringLiteral("quick"), QStringLiteral("slow")}));
        QCOMPARE(replies.list[1].status, 0);
        QVERIFY(!replies.list[1].error.isEmpty());
        QCOMPARE(client.pendingCount(), 0);
    }

    void abortAllSettlesEveryRequestInOrder() {
        ScriptedServer server([](const Received&) { return std::nullopt; });
        WorkerClient client(kToken);
        client.setPort(server.port());
        Replies replies;
        for (int i = 0; i < 10; ++i)
            client.post(QStringLiteral("/commands"), QByteArray::number(i), Format::Json,
                        replies.take(QString::number(i)));
        client.abortAll();
        QCOMPARE(replies.order.size(), 10);
        for (int i = 0; i < 10; ++i) {
            QCOMPARE(replies.order[i], QString::number(i));
            QCOMPARE(replies.list[i].status, 0);
        }
    }

    void refusedPortFailsTheRequestAtItsDeadline() {
        quint16 port = 0;
        {
            QTcpServer closed;
            QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
            port = closed.serverPort();
        }
        WorkerClient client(kToken);
        client.setDeadlineMs(400);
        client.setPort(port);
        Replies replies;
        client.get(QStringLiteral("/health"), replies.take());
        QTRY_COMPARE(replies.list.size(), 1);
        QCOMPARE(replies.list[0].status, 0);
        QVERIFY2(replies.list[0].error.contains(QLatin1String("refused")),
                 qPrintable(replies.list[0].error));
    }

    void largeBodyArrivesWhole() {
        ScriptedServer server([](const Received& request) {
            return answer(200, QByteArray::number(request.body.size()));
        });
        WorkerClient client(kToken);
        client.setPort(server.port());
        QByteArray body(8 << 20, 'x');
        body[12345] = 'y';
        Replies replies;
        client.post(QStringLiteral("/commands"), body, Format::MsgPack, replies.take());
        QTRY_COMPARE_WITH_TIMEOUT(replies.list.size(), 1, 20000);
        QCOMPARE(replies.list[0].body, QByteArray::number(body.size()));
        QCOMPARE(server.requests[0].body, body);
        QCOMPARE(server.requests[0].header("Content-Type").value_or("(none)"),
                 QByteArray("application/msgpack"));
    }

    void largeAnswerArrivesWholeAndTheConnectionStays() {
        QByteArray big(12 << 20, Qt::Uninitialized);
        for (qsizetype i = 0; i < big.size(); ++i)
            big[i] = char(i * 7 % 251);
        ScriptedServer server([&big](const Received& request) -> std::optional<QByteArray> {
            if (request.head.startsWith("GET /big "))
                return answer(200, big);
            return answer(200, "{\"small\":1}");
        });
        WorkerClient client(kToken);
        client.setPort(server.port());
        Replies replies;
        client.get(QStringLiteral("/big"), replies.take(), big.size());
        QTRY_COMPARE_WITH_TIMEOUT(replies.list.size(), 1, 20000);
        QCOMPARE(replies.list[0].status, 200);
        QVERIFY(replies.list[0].body == big);
        client.get(QStringLiteral("/small"), replies.take());
        QTRY_COMPARE(replies.list.size(), 2);
        QCOMPARE(replies.list[1].body, QByteArray("{\"small\":1}"));
        QCOMPARE(server.connections, 1);
    }

    void answerOverItsLimitFails() {
        ScriptedServer server([](const Received&) { return answer(200, QByteArray(5000, 'x')); });
        WorkerClient client(kToken);
        client.setPort(server.port());
        Replies replies;
        client.get(QStringLiteral("/results?seq=1"), replies.take(), 4999);
        QTRY_COMPARE(replies.list.size(), 1);
        QCOMPARE(replies.list[0].status, 0);
        QVERIFY2(replies.list[0].error.contains(QStringLiteral("larger than")),
                 qPrintable(replies.list[0].error));
        QCOMPARE(server.requests.size(), 1);
    }

    void largeAnswerCutShortIsAskedForAgain() {
        // The connection breaks while a large answer is written: the download is repeated,
        // and one that never completes fails at its deadline; nothing hangs.
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        int served = 0;
        connect(&server, &QTcpServer::newConnection, &server, [&server, &served] {
            QTcpSocket* socket = server.nextPendingConnection();
            connect(socket, &QTcpSocket::readyRead, socket, [socket, &served] {
                socket->readAll();
                const bool whole = ++served == 3;
                socket->write("HTTP/1.1 200 OK\r\nContent-Type: application/msgpack\r\n"
                              "Content-Length: 4000000\r\n\r\n");
                socket->write(QByteArray(whole ? 4000000 : 1 << 20, 'x'));
                if (!whole)
                    socket->disconnectFromHost();
            });
        });
        WorkerClient client(kToken);
        client.setPort(server.serverPort());
        Replies replies;
        client.get(QStringLiteral("/results?seq=1"), replies.take(), 4000000);
        QTRY_COMPARE_WITH_TIMEOUT(replies.list.size(), 1, 10000);
        QCOMPARE(replies.list[0].status, 200);
        QCOMPARE(replies.list[0].body, QByteArray(4000000, 'x'));
        QCOMPARE(served, 3);
    }
};

QTEST_GUILESS_MAIN(TestWorkerClient)
#include "tst_workerclient.moc"
