#include "bridge/transport/requestgate.h"

#include <nlohmann/json.hpp>

#include <QCryptographicHash>
#include <QTcpSocket>

#include <algorithm>
#include <cctype>
#include <memory>

#ifdef Q_OS_UNIX
#include <sys/socket.h>
#endif

namespace qk::transport {

namespace {

// How long a refused connection may take to receive its answer before it is aborted.
constexpr int kLingerMs = 2000;
// How much a refused connection may still send (discarded) before it is aborted.
constexpr qint64 kLingerBytes = qint64(1) << 20;

bool isTokenChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

bool isToken(QByteArrayView text) {
    return !text.isEmpty() && std::all_of(text.begin(), text.end(), isTokenChar);
}

bool isSpace(char c) {
    return c == ' ' || c == '\t';
}

QByteArrayView trimmed(QByteArrayView text) {
    while (!text.isEmpty() && isSpace(text.front()))
        text = text.sliced(1);
    while (!text.isEmpty() && isSpace(text.back()))
        text.chop(1);
    return text;
}

bool sameIgnoringCase(QByteArrayView a, QByteArrayView b) {
    return a.size() == b.size() && a.compare(b, Qt::CaseInsensitive) == 0;
}

// Compares two digests in time that depends on their length only.
bool sameDigest(QByteArrayView a, QByteArrayView b) {
    if (a.size() != b.size() || a.isEmpty())
        return false;
    unsigned difference = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        difference |= static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i]);
    return difference == 0;
}

HeadVerdict refusal(int status, const char* reason) {
    HeadVerdict verdict;
    verdict.status = status;
    verdict.reason = QString::fromLatin1(reason);
    return verdict;
}

const char* reasonPhrase(int status) {
    switch (status) {
    case 200:
        return "OK";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 411:
        return "Length Required";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 417:
        return "Expectation Failed";
    case 422:
        return "Unprocessable Content";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return status < 400 ? "OK" : "Error";
    }
}

// A header field; the name in lower case.
struct Field {
    QByteArray name;
    QByteArrayView value;
};

QList<QByteArrayView> valuesOf(const QList<Field>& fields, QByteArrayView name) {
    QList<QByteArrayView> values;
    for (const Field& field : fields) {
        if (field.name == name)
            values.append(field.value);
    }
    return values;
}

} // namespace

QByteArray tokenDigest(QByteArrayView token) {
    return QCryptographicHash::hash(token, QCryptographicHash::Sha256);
}

HeadVerdict checkRequestLine(QByteArrayView line) {
    const qsizetype methodEnd = line.indexOf(' ');
    const qsizetype targetEnd = methodEnd > 0 ? line.indexOf(' ', methodEnd + 1) : -1;
    if (targetEnd < 0)
        return refusal(400, "malformed request line");
    const QByteArrayView method = line.first(methodEnd);
    const QByteArrayView target = line.sliced(methodEnd + 1, targetEnd - methodEnd - 1);
    const QByteArrayView version = line.sliced(targetEnd + 1);
    const auto visible = [](char c) { return c > 0x20 && c < 0x7f; };
    if (!isToken(method) || !target.startsWith('/') ||
        !std::all_of(target.begin(), target.end(), visible))
        return refusal(400, "malformed request line");
    if (version != "HTTP/1.1") {
        const bool httpVersion = version.size() == 8 && version.startsWith("HTTP/") &&
                                 std::isdigit(static_cast<unsigned char>(version[5])) &&
                                 version[6] == '.' &&
                                 std::isdigit(static_cast<unsigned char>(version[7]));
        return httpVersion ? refusal(505, "only HTTP/1.1 is served")
                           : refusal(400, "malformed request line");
    }
    return {};
}

HeadVerdict checkRequestHead(QByteArrayView head, const GateRules& rules) {
    const qsizetype lineEnd = head.indexOf("\r\n");
    if (lineEnd < 0)
        return refusal(400, "malformed request line");
    const QByteArrayView requestLine = head.first(lineEnd);
    if (HeadVerdict verdict = checkRequestLine(requestLine); verdict.status != 0)
        return verdict;

    QList<Field> fields;
    for (qsizetype pos = lineEnd + 2; pos < head.size();) {
        const qsizetype end = head.indexOf("\r\n", pos);
        if (end < 0)
            return refusal(400, "malformed header field");
        const QByteArrayView line = head.sliced(pos, end - pos);
        pos = end + 2;
        if (line.isEmpty() || isSpace(line.front()))
            return refusal(400, "malformed header field");
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0 || !isToken(line.first(colon)))
            return refusal(400, "malformed header field");
        const QByteArrayView value = trimmed(line.sliced(colon + 1));
        const auto control = [](char c) {
            const auto byte = static_cast<unsigned char>(c);
            return (byte < 0x20 && c != '\t') || byte == 0x7f;
        };
        if (std::any_of(value.begin(), value.end(), control))
            return refusal(400, "control character in a header field");
        if (fields.size() >= rules.maxHeaderFields)
            return refusal(431, "too many header fields");
        fields.append({line.first(colon).toByteArray().toLower(), value});
    }

    // The rules, in the order of the protocol's table.
    const QByteArray port = QByteArray::number(rules.port);
    const QList<QByteArrayView> hosts = valuesOf(fields, "host");
    const bool loopbackHost =
        hosts.size() == 1 && (sameIgnoringCase(hosts[0], "127.0.0.1:" + port) ||
                              sameIgnoringCase(hosts[0], "localhost:" + port) ||
                              sameIgnoringCase(hosts[0], "[::1]:" + port));
    if (!loopbackHost)
        return refusal(403, "Host is not the loopback address and port");

    for (const Field& field : fields) {
        if (field.name == "origin" || field.name.startsWith("sec-fetch-"))
            return refusal(403, "requests from browsers are refused");
    }

    const QList<QByteArrayView> authorizations = valuesOf(fields, "authorization");
    if (authorizations.size() != 1)
        return refusal(401, "missing bearer token");
    const QByteArrayView authorization = authorizations[0];
    const qsizetype schemeEnd = authorization.indexOf(' ');
    const QByteArrayView credentials =
        schemeEnd > 0 ? trimmed(authorization.sliced(schemeEnd + 1)) : QByteArrayView();
    if (schemeEnd <= 0 || !sameIgnoringCase(authorization.first(schemeEnd), "Bearer") ||
        credentials.isEmpty() || credentials.contains(' ') || credentials.contains('\t'))
        return refusal(401, "missing bearer token");
    if (!sameDigest(tokenDigest(credentials), rules.tokenDigest))
        return refusal(401, "wrong bearer token");

    const QByteArrayView method = requestLine.first(requestLine.indexOf(' '));
    const QByteArrayView target =
        requestLine.sliced(method.size() + 1, requestLine.lastIndexOf(' ') - method.size() - 1);
    if (!rules.postPaths.contains(target))
        return refusal(404, "unknown path");
    if (method != "POST")
        return refusal(405, "method not allowed");

    // A request without a body needs no Content-Type.
    const QList<QByteArrayView> lengths = valuesOf(fields, "content-length");
    const auto zero = [](char c) { return c == '0'; };
    const bool bodyless = lengths.size() == 1 && !lengths[0].isEmpty() &&
                          std::all_of(lengths[0].begin(), lengths[0].end(), zero) &&
                          valuesOf(fields, "transfer-encoding").isEmpty();
    const QList<QByteArrayView> types = valuesOf(fields, "content-type");
    const std::optional<protocol::Format> format =
        types.size() == 1             ? protocol::formatFromContentType(types[0])
        : types.isEmpty() && bodyless ? std::optional(protocol::Format::Json)
                                      : std::nullopt;
    if (!format)
        return refusal(415, "Content-Type must be application/json or application/msgpack");

    if (!valuesOf(fields, "transfer-encoding").isEmpty())
        return refusal(411, "Transfer-Encoding is not accepted; send Content-Length");
    if (lengths.isEmpty())
        return refusal(411, "Content-Length is required");
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (lengths.size() != 1 || lengths[0].isEmpty() ||
        !std::all_of(lengths[0].begin(), lengths[0].end(), digit))
        return refusal(400, "malformed Content-Length");
    qint64 length = 0;
    for (const char c : lengths[0]) {
        length = length * 10 + (c - '0');
        if (length > rules.maxBodyBytes)
            return refusal(413, "body larger than the server accepts");
    }

    bool closeAfter = false;
    for (const QByteArrayView connection : valuesOf(fields, "connection")) {
        for (const QByteArray& option : connection.toByteArray().split(',')) {
            const QByteArrayView name = trimmed(option);
            if (sameIgnoringCase(name, "close"))
                closeAfter = true;
            else if (sameIgnoringCase(name, "upgrade"))
                return refusal(400, "protocol upgrades are not supported");
        }
    }
    if (!valuesOf(fields, "upgrade").isEmpty())
        return refusal(400, "protocol upgrades are not supported");
    const QList<QByteArrayView> expectations = valuesOf(fields, "expect");
    if (expectations.size() > 1 ||
        (expectations.size() == 1 && !sameIgnoringCase(expectations[0], "100-continue")))
        return refusal(417, "only Expect: 100-continue is supported");

    HeadVerdict verdict;
    verdict.contentLength = length;
    verdict.expectContinue = !expectations.isEmpty() && length > 0;
    verdict.request = {QString::fromLatin1(target), *format, closeAfter};
    return verdict;
}

QByteArray httpResponse(int status, const QString& reason, bool close) {
    QByteArray body;
    if (status >= 400)
        body = QByteArray::fromStdString(nlohmann::json{
            {"error", reason.isEmpty() ? std::string(reasonPhrase(status)) : reason.toStdString()}}
                                             .dump());
    else if (status != 204)
        body = QByteArray::fromStdString(nlohmann::json::object().dump());

    QByteArray response =
        "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) + "\r\n";
    if (status != 204) {
        response +=
            "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) +
            "\r\n";
    }
    if (status == 401)
        response += "WWW-Authenticate: Bearer\r\n";
    if (status == 405)
        response += "Allow: POST\r\n";
    if (close)
        response += "Connection: close\r\n";
    response += "\r\n";
    response += body;
    return response;
}

void closeAfterResponse(QTcpSocket* socket, const QByteArray& response) {
    if (socket->state() != QAbstractSocket::ConnectedState) {
        socket->abort();
        return;
    }
    if (!response.isEmpty())
        socket->write(response);
#ifdef Q_OS_UNIX
    if (socket->isTransactionStarted())
        socket->commitTransaction();
    // What the peer still sends is discarded, not buffered, so that it can read the answer
    // before the connection closes; a peer that keeps sending a large body is cut off.
    const auto discard = [socket, discarded = std::make_shared<qint64>(0)] {
        *discarded += std::max<qint64>(0, socket->skip(socket->bytesAvailable()));
        if (*discarded > kLingerBytes)
            socket->abort();
    };
    discard();
    QObject::connect(socket, &QTcpSocket::readyRead, socket, discard);
    const auto shutDownSending = [socket] {
        if (socket->bytesToWrite() == 0 && socket->state() == QAbstractSocket::ConnectedState)
            ::shutdown(int(socket->socketDescriptor()), SHUT_WR);
    };
    QObject::connect(socket, &QTcpSocket::bytesWritten, socket, shutDownSending);
    shutDownSending();
    QTimer::singleShot(kLingerMs, socket, &QAbstractSocket::abort);
#else
    QTimer::singleShot(kLingerMs, socket, &QAbstractSocket::abort);
    socket->disconnectFromHost();
#endif
}

RequestGate::RequestGate(QTcpSocket* socket, const GateRules& rules)
    : QObject(socket)
    , m_socket(socket)
    , m_rules(rules)
    , m_headerTimer(this)
    , m_idleTimer(this) {
    m_headerTimer.setSingleShot(true);
    m_headerTimer.setInterval(m_rules.headerTimeoutMs);
    m_idleTimer.setSingleShot(true);
    m_idleTimer.setInterval(m_rules.idleTimeoutMs);
    connect(&m_headerTimer, &QTimer::timeout, this, &RequestGate::onHeaderTimeout);
    connect(&m_idleTimer, &QTimer::timeout, this, &RequestGate::onIdleTimeout);
    connect(socket, &QTcpSocket::readyRead, this, &RequestGate::beforeRead);
    connect(socket, &QTcpSocket::disconnected, this, [this] {
        m_closing = true;
        m_phase = Phase::Stopped;
        m_headerTimer.stop();
        m_idleTimer.stop();
    });
    m_headerTimer.start();
    m_idleTimer.start();
}

void RequestGate::followHttpServer(QObject* httpServer) {
    m_httpServer = httpServer;
    connect(m_socket, &QTcpSocket::readyRead, this, &RequestGate::afterRead);
}

std::optional<ApprovedRequest> RequestGate::takeApproved() {
    if (m_approved.isEmpty())
        return std::nullopt;
    return m_approved.dequeue();
}

qint64 RequestGate::readPosition() const {
    return m_arrived - m_socket->bytesAvailable();
}

void RequestGate::beforeRead() {
    if (m_closing)
        return;
    const qint64 available = m_socket->bytesAvailable();
    const qint64 fresh = available - m_unread;
    m_unread = available;
    if (fresh > 0) {
        const qint64 base = m_arrived;
        m_arrived += fresh;
        m_idleTimer.start(m_rules.idleTimeoutMs);
        // Body bytes are only counted; the head bytes after them are peeked at.
        qint64 counted = 0;
        if (m_phase == Phase::Body) {
            counted = std::min(fresh, m_bodyLeft);
            m_bodyLeft -= counted;
            m_continueAt = -1;
            if (m_bodyLeft == 0)
                m_phase = Phase::Head;
        }
        if (counted < fresh && m_phase != Phase::Stopped) {
            const QByteArray buffered = m_socket->peek(available);
            const qint64 rest = fresh - counted;
            if (buffered.size() < rest) {
                close(500, QStringLiteral("socket buffer out of step"));
                return;
            }
            scan(QByteArrayView(buffered).last(rest), base + counted);
        }
    }
    if (m_refuseAt >= 0 && readPosition() >= m_refuseAt)
        refuseNow();
    else
        continueIfDue();
}

void RequestGate::afterRead() {
    if (m_closing || m_socket->state() != QAbstractSocket::ConnectedState)
        return;
    const qint64 before = m_arrived - m_unread;
    m_unread = m_socket->bytesAvailable();
    const qint64 position = readPosition();
    if (m_refuseAt >= 0 && position >= m_refuseAt) {
        refuseNow();
        return;
    }
    continueIfDue();
    // Time the handler took does not count as idle. (When pipelined requests remain, the HTTP
    // server delivers readyRead again itself, and the gate runs before it again.)
    if (position > before)
        m_idleTimer.start(m_rules.idleTimeoutMs);
}

void RequestGate::scan(QByteArrayView data, qint64 base) {
    qsizetype i = 0;
    while (i < data.size() && m_phase != Phase::Stopped) {
        if (m_phase == Phase::Body) {
            const qint64 counted = std::min<qint64>(data.size() - i, m_bodyLeft);
            m_bodyLeft -= counted;
            m_continueAt = -1;
            i += counted;
            if (m_bodyLeft == 0)
                m_phase = Phase::Head;
            continue;
        }
        if (m_head.isEmpty()) {
            m_requestStart = base + i;
            if (m_lastRequest) {
                setRefusal(m_requestStart, 400, QStringLiteral("request after Connection: close"));
                break;
            }
            if (!m_headerTimer.isActive())
                m_headerTimer.start(m_rules.headerTimeoutMs);
        }
        const qsizetype from = m_head.size();
        const qsizetype taken = std::min<qsizetype>(data.size() - i, m_rules.maxHeaderBytes - from);
        m_head.append(data.sliced(i, taken));
        const qsizetype end = scanHead(from);
        if (m_phase == Phase::Stopped)
            break;
        if (end < 0) {
            i += taken;
            if (m_head.size() >= m_rules.maxHeaderBytes)
                setRefusal(m_requestStart, 431, QStringLiteral("request head too large"));
            continue;
        }
        i += end - from;
        completeHead(end);
    }
}

qsizetype RequestGate::scanHead(qsizetype from) {
    // Only CRLF line ends: a bare CR or LF is refused, so that the gate and the HTTP server
    // (which also accepts bare LF) always agree where a head ends.
    for (qsizetype k = from; k < m_head.size(); ++k) {
        const char c = m_head.at(k);
        const char previous = k > 0 ? m_head.at(k - 1) : '\0';
        if (k == 0 && !isTokenChar(c)) {
            setRefusal(m_requestStart, 400, QStringLiteral("malformed request line"));
            return -1;
        }
        if ((previous == '\r' && c != '\n') || (c == '\n' && previous != '\r')) {
            setRefusal(m_requestStart, 400, QStringLiteral("bare CR or LF in the request head"));
            return -1;
        }
        if (c != '\n')
            continue;
        if (!m_requestLineChecked) {
            m_requestLineChecked = true;
            const HeadVerdict verdict = checkRequestLine(QByteArrayView(m_head).first(k - 1));
            if (verdict.status != 0) {
                setRefusal(m_requestStart, verdict.status, verdict.reason);
                return -1;
            }
        }
        if (k >= 3 && m_head.at(k - 2) == '\n')
            return k + 1;
    }
    return -1;
}

void RequestGate::completeHead(qint64 end) {
    const HeadVerdict verdict =
        checkRequestHead(QByteArrayView(m_head).first(qsizetype(end) - 2), m_rules);
    m_head.clear();
    m_requestLineChecked = false;
    if (verdict.status != 0) {
        setRefusal(m_requestStart, verdict.status, verdict.reason);
        return;
    }
    m_headerTimer.stop();
    if (verdict.expectContinue)
        m_continueAt = m_requestStart;
    m_approved.enqueue(verdict.request);
    m_lastRequest = verdict.request.closeAfter;
    m_bodyLeft = verdict.contentLength;
    m_phase = m_bodyLeft > 0 ? Phase::Body : Phase::Head;
}

void RequestGate::continueIfDue() {
    // Once the responses to every earlier request are out, and while no byte of the body
    // has come.
    if (m_continueAt >= 0 && readPosition() >= m_continueAt) {
        m_continueAt = -1;
        m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
    }
}

void RequestGate::setRefusal(qint64 at, int status, const QString& reason) {
    if (m_refuseAt >= 0)
        return;
    m_refuseAt = at;
    m_refuseStatus = status;
    m_refuseReason = reason;
    m_phase = Phase::Stopped;
    m_head.clear();
}

void RequestGate::refuseNow() {
    close(m_refuseStatus, m_refuseReason);
}

void RequestGate::close(int status, const QString& reason) {
    if (m_closing)
        return;
    m_closing = true;
    m_phase = Phase::Stopped;
    m_headerTimer.stop();
    m_idleTimer.stop();
    if (m_httpServer)
        QObject::disconnect(m_socket, &QTcpSocket::readyRead, m_httpServer, nullptr);
    QObject::disconnect(m_socket, &QTcpSocket::readyRead, this, nullptr);
    closeAfterResponse(m_socket, status != 0 ? httpResponse(status, reason, true) : QByteArray());
    if (status != 0)
        Q_EMIT refused(status, reason);
}

void RequestGate::onHeaderTimeout() {
    close(408, QStringLiteral("request head not complete in time"));
}

void RequestGate::onIdleTimeout() {
    if (m_refuseAt >= 0)
        refuseNow();
    else if (m_phase == Phase::Body || !m_head.isEmpty())
        close(408, QStringLiteral("connection idle in the middle of a request"));
    else
        close(0, {});
}

} // namespace qk::transport
