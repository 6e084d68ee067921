// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/transport/requesthead.h"

#include <QCryptographicHash>

#include <algorithm>
#include <cctype>

namespace qk::transport {

namespace {

// Below QHttpServer's own limits (100 header fields, 100 KiB per field), past which its parser
// drops every header field, Content-Length included, and so would frame the request otherwise.
constexpr int kMaxHeaderFields = 64;
constexpr int kMaxHeadBytes = 64 << 10;

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

// Checks a request line (without CRLF): 0, 400 or 505.
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

} // namespace

QByteArray tokenDigest(QByteArrayView token) {
    return QCryptographicHash::hash(token, QCryptographicHash::Sha256);
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
        if (fields.size() >= kMaxHeaderFields)
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
    const bool getPath =
        std::any_of(rules.getPrefixes.begin(), rules.getPrefixes.end(),
                    [&target](const QByteArray& prefix) { return target.startsWith(prefix); });
    if (!rules.postPaths.contains(target) && !getPath)
        return refusal(404, "unknown path");
    if (method != (getPath ? "GET" : "POST"))
        return refusal(405, "method not allowed");

    const QList<QByteArrayView> lengths = valuesOf(fields, "content-length");
    qint64 length = 0;
    std::optional<protocol::Format> format = protocol::Format::Json;
    if (getPath) {
        const bool noLength = lengths.isEmpty() || (lengths.size() == 1 && lengths[0] == "0");
        if (!noLength || !valuesOf(fields, "transfer-encoding").isEmpty())
            return refusal(400, "a GET carries no body");
    } else {
        // A request without a body needs no Content-Type.
        const auto zero = [](char c) { return c == '0'; };
        const bool bodyless = lengths.size() == 1 && !lengths[0].isEmpty() &&
                              std::all_of(lengths[0].begin(), lengths[0].end(), zero) &&
                              valuesOf(fields, "transfer-encoding").isEmpty();
        const QList<QByteArrayView> types = valuesOf(fields, "content-type");
        format = types.size() == 1             ? protocol::formatFromContentType(types[0])
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
        for (const char c : lengths[0]) {
            length = length * 10 + (c - '0');
            if (length > rules.maxBodyBytes)
                return refusal(413, "body larger than the server accepts");
        }
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
    verdict.request = {QString::fromLatin1(target), *format, closeAfter, getPath};
    return verdict;
}

RequestFramer::RequestFramer(const GateRules& rules)
    : m_rules(rules) {
    m_rules.maxHeaderBytes = std::min(m_rules.maxHeaderBytes, kMaxHeadBytes);
}

QList<RequestFramer::Request> RequestFramer::feed(QByteArrayView bytes) {
    QList<Request> heads;
    while (!bytes.isEmpty() && !m_refusal) {
        if (m_bodyLeft > 0) {
            const qint64 counted = std::min<qint64>(bytes.size(), m_bodyLeft);
            m_bodyLeft -= counted;
            m_position += counted;
            bytes = bytes.sliced(qsizetype(counted));
            continue;
        }
        if (m_head.isEmpty()) {
            m_requestStart = m_position;
            if (m_lastRequest) {
                refuse(400, QStringLiteral("request after Connection: close"));
                break;
            }
        }
        const qsizetype from = m_head.size();
        const qsizetype taken = std::min(bytes.size(), m_rules.maxHeaderBytes - from);
        m_head.append(bytes.first(taken));
        const qsizetype end = headEnd(from);
        if (m_refusal)
            break;
        if (end < 0) {
            m_position += taken;
            bytes = bytes.sliced(taken);
            if (m_head.size() >= m_rules.maxHeaderBytes)
                refuse(431, QStringLiteral("request head too large"));
            continue;
        }
        m_position += end - from;
        bytes = bytes.sliced(end - from);
        const HeadVerdict verdict =
            checkRequestHead(QByteArrayView(m_head).first(end - 2), m_rules);
        m_head.clear();
        m_requestLineChecked = false;
        if (verdict.status != 0) {
            refuse(verdict.status, verdict.reason);
            break;
        }
        m_bodyLeft = verdict.contentLength;
        m_lastRequest = verdict.request.closeAfter;
        heads.append({verdict.request, m_requestStart, m_position, m_position + m_bodyLeft,
                      verdict.expectContinue});
    }
    m_position += bytes.size(); // after a refusal
    return heads;
}

qsizetype RequestFramer::headEnd(qsizetype from) {
    for (qsizetype k = from; k < m_head.size(); ++k) {
        const char c = m_head.at(k);
        if (k == 0 && !isTokenChar(c)) {
            refuse(400, QStringLiteral("malformed request line"));
            return -1;
        }
        // QHttpServer also ends lines at a bare LF: refusing bare CR and LF keeps both framings
        // the same.
        if ((k > 0 && m_head.at(k - 1) == '\r') != (c == '\n')) {
            refuse(400, QStringLiteral("bare CR or LF in the request head"));
            return -1;
        }
        if (c != '\n')
            continue;
        // QHttpServer parses a request line as soon as it ends, and drops the connection
        // without an answer when it cannot: the gate refuses such a line first.
        if (!m_requestLineChecked) {
            m_requestLineChecked = true;
            const HeadVerdict verdict = checkRequestLine(QByteArrayView(m_head).first(k - 1));
            if (verdict.status != 0) {
                refuse(verdict.status, verdict.reason);
                return -1;
            }
        } else if (m_head.at(k - 2) == '\n') {
            return k + 1;
        }
    }
    return -1;
}

void RequestFramer::refuse(int status, const QString& reason) {
    m_refusal = Refusal{m_requestStart, status, reason};
    m_head.clear();
    m_bodyLeft = 0;
}

} // namespace qk::transport
