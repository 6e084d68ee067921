#include "bridge/transport/workerclient.h"

#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUrl>

namespace qk::transport {

WorkerClient::WorkerClient(QByteArray token, QObject* parent)
    : QObject(parent)
    , m_token(std::move(token))
    , m_manager(new QNetworkAccessManager(this)) {
    // Never route loopback traffic with the token through a proxy from the environment.
    m_manager->setProxy(QNetworkProxy::NoProxy);
    m_manager->setAutoDeleteReplies(true);
}

WorkerClient::~WorkerClient() {
    abortAll();
}

void WorkerClient::setPort(quint16 port) {
    m_port = port;
}

QNetworkReply* WorkerClient::send(const QString& method, const QString& path,
                                  const QByteArray& body, const QByteArray& contentType) {
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(m_port);
    url.setPath(path);
    QNetworkRequest request(url);
    request.setRawHeader("Authorization", "Bearer " + m_token);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                         QNetworkRequest::AlwaysNetwork);
    request.setTransferTimeout(0);
    if (!contentType.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
    if (method == QLatin1String("GET"))
        return m_manager->get(request);
    return m_manager->post(request, body);
}

void WorkerClient::track(QNetworkReply* reply, Callback done) {
    connect(reply, &QNetworkReply::finished, this, [reply, done = std::move(done)] {
        WorkerReply r;
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        r.body = reply->readAll();
        if (reply->error() != QNetworkReply::NoError && r.status == 0)
            r.error = reply->errorString();
        else if (!r.ok())
            r.error = QStringLiteral("HTTP %1: %2").arg(r.status).arg(QString::fromUtf8(r.body));
        if (done)
            done(r);
    });
}

void WorkerClient::post(const QString& path, const QByteArray& body, protocol::Format format,
                        Callback done) {
    track(send(QStringLiteral("POST"), path, body, protocol::contentType(format)), std::move(done));
}

void WorkerClient::get(const QString& path, Callback done) {
    track(send(QStringLiteral("GET"), path, {}, {}), std::move(done));
}

void WorkerClient::abortAll() {
    const auto replies = m_manager->findChildren<QNetworkReply*>();
    for (QNetworkReply* reply : replies)
        reply->abort();
}

} // namespace qk::transport
