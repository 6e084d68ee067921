#pragma once

#include "bridge/protocol/codec.h"

#include <QByteArray>
#include <QObject>
#include <QString>

#include <functional>

class QNetworkAccessManager;
class QNetworkReply;

namespace qk::transport {

// The answer to one request to the worker. status is 0 when no HTTP answer came (connection
// refused, worker gone); error then says why.
struct WorkerReply {
    int status = 0;
    QByteArray body;
    QString error;

    bool ok() const { return status >= 200 && status < 300; }
};

// HTTP client for the worker's endpoints (docs/PROTOCOL.md): QNetworkAccessManager with the
// token on every request, no proxy, keep-alive. Callbacks run on this object's thread.
class WorkerClient : public QObject {
    Q_OBJECT
public:
    using Callback = std::function<void(const WorkerReply&)>;

    explicit WorkerClient(QByteArray token, QObject* parent = nullptr);
    ~WorkerClient() override;

    void setPort(quint16 port);
    quint16 port() const { return m_port; }

    void post(const QString& path, const QByteArray& body, protocol::Format format, Callback done);
    void get(const QString& path, Callback done);
    // Aborts every request in flight; their callbacks get status 0.
    void abortAll();

private:
    QNetworkReply* send(const QString& method, const QString& path, const QByteArray& body,
                        const QByteArray& contentType);
    void track(QNetworkReply* reply, Callback done);

    QByteArray m_token;
    quint16 m_port = 0;
    QNetworkAccessManager* m_manager;
};

} // namespace qk::transport
