// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/protocol/codec.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

#include <optional>

namespace qk::transport {

// What a request head is checked against (docs/PROTOCOL.md, "request rules").
struct GateRules {
    QByteArray tokenDigest; // SHA-256 of the token; the token itself is not kept
    quint16 port = 0;
    qint64 maxBodyBytes = 0;
    int maxHeaderBytes = 8 << 10; // taken as at most 64 KiB (QHttpServer's parser takes 100 KiB)
    int headerTimeoutMs = 10000;
    int idleTimeoutMs = 60000;
    QList<QByteArray> postPaths;   // the known paths; each accepts POST only
    QList<QByteArray> getPrefixes; // paths that start with one accept GET only, without a body
};

// A request that passed the rules.
struct ApprovedRequest {
    QString path;
    qk::protocol::Format format = qk::protocol::Format::Json;
    bool closeAfter = false; // Connection: close
    bool get = false;        // a GET (of a path under a GET prefix), with no body
};

// The outcome of checking one request head: status 0 when approved.
struct HeadVerdict {
    int status = 0;
    QString reason;
    qint64 contentLength = 0;
    bool expectContinue = false; // Expect: 100-continue with a body to come
    ApprovedRequest request;
};

// Checks a request head (request line and header fields, each line ending in CRLF, without
// the empty line) against the rules, in the order of the protocol's table.
HeadVerdict checkRequestHead(QByteArrayView head, const GateRules& rules);

// SHA-256 of a token, the form in which GateRules holds it.
QByteArray tokenDigest(QByteArrayView token);

// The framing of the requests on one connection, as QHttpServer reads them: a head up to the
// first empty line, then Content-Length body bytes. Stricter than QHttpServer where they could
// differ: line ends are CRLF only, a head starts with its method, and each head must pass the
// rules when it completes. The first refused request ends the framing.
class RequestFramer {
public:
    struct Request {
        ApprovedRequest approved;
        qint64 start = 0;     // stream position of its first byte
        qint64 bodyStart = 0; // of its first body byte
        qint64 end = 0;       // after its last body byte
        bool expectContinue = false;
    };
    struct Refusal {
        qint64 at = 0; // stream position of the refused request
        int status = 0;
        QString reason;
    };

    explicit RequestFramer(const GateRules& rules);

    // Frames the next bytes of the stream; returns the requests whose heads they complete.
    // After a refusal, bytes are only counted.
    QList<Request> feed(QByteArrayView bytes);

    qint64 position() const { return m_position; } // bytes fed so far
    bool inHead() const { return !m_head.isEmpty(); }
    bool inBody() const { return m_bodyLeft > 0; }
    const std::optional<Refusal>& refusal() const { return m_refusal; }

private:
    // The end of the head in m_head, scanning from `from`; -1 when not there yet (or refused).
    qsizetype headEnd(qsizetype from);
    void refuse(int status, const QString& reason);

    GateRules m_rules;
    qint64 m_position = 0;
    qint64 m_requestStart = 0;
    QByteArray m_head;
    bool m_requestLineChecked = false;
    qint64 m_bodyLeft = 0;
    bool m_lastRequest = false; // an approved request asked for Connection: close
    std::optional<Refusal> m_refusal;
};

} // namespace qk::transport
