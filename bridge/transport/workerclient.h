#pragma once

#include "bridge/protocol/codec.h"

#include <QByteArray>
#include <QObject>
#include <QString>

#include <deque>
#include <functional>
#include <vector>

namespace qk::transport {

class WorkerConnection;

// The answer to one request to the worker. status is 0 when no HTTP answer came (connection
// refused, worker gone); error then says why.
struct WorkerReply {
    int status = 0;
    QByteArray body;
    QString error;

    bool ok() const { return status >= 200 && status < 300; }
};

// HTTP/1.1 client for the worker's endpoints (docs/PROTOCOL.md): the token on every request,
// keep-alive connections to 127.0.0.1 with Nagle off, each request written in one piece.
// Requests and answers are handled on this object's thread, without a thread of their own,
// so that a command reaches the worker without a hand-over between threads. A request
// waits for an idle connection; up to kMaxConnections run side by side, so that an
// interrupt is not stuck behind a large upload. Callbacks run on this object's thread.
class WorkerClient : public QObject {
    Q_OBJECT
public:
    using Callback = std::function<void(const WorkerReply&)>;

    static constexpr int kMaxConnections = 6;
    static constexpr qint64 kMaxAnswerBytes = qint64(256) << 20;

    explicit WorkerClient(QByteArray token, QObject* parent = nullptr);
    ~WorkerClient() override;

    void setPort(quint16 port);
    quint16 port() const { return m_port; }

    void post(const QString& path, const QByteArray& body, protocol::Format format, Callback done);
    // A body given as pieces (protocol::serializePieces) is written piece by piece, never
    // copied into one buffer.
    void post(const QString& path, std::vector<QByteArray> body, protocol::Format format,
              Callback done);
    // An answer body larger than maxAnswerBytes fails the request. A large body is read
    // into one buffer of its size, which the reply's body is.
    void get(const QString& path, Callback done, qint64 maxAnswerBytes = kMaxAnswerBytes);
    // Aborts every request in flight or waiting; their callbacks get status 0.
    void abortAll();

private:
    friend class WorkerConnection;

    struct Request {
        QByteArray head;
        std::vector<QByteArray> body; // in pieces
        Callback done;
        qint64 maxAnswerBytes = kMaxAnswerBytes;
    };

    void send(const QByteArray& method, const QString& path, std::vector<QByteArray> body,
              const QByteArray& contentType, Callback done,
              qint64 maxAnswerBytes = kMaxAnswerBytes);
    void dispatch();
    void finished(WorkerConnection* connection, Callback done, const WorkerReply& reply);

    QByteArray m_token;
    quint16 m_port = 0;
    std::deque<Request> m_waiting;
    std::vector<WorkerConnection*> m_connections;
    bool m_aborting = false;
    bool m_closing = false;
};

} // namespace qk::transport
