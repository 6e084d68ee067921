// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/session/resultfetcher.h"

#include "bridge/transport/workerclient.h"

namespace qk {

namespace {

// Room for a journal answer around one result of `bytes`.
qint64 journalAnswerLimit(qint64 bytes) {
    return bytes + (qint64(16) << 20);
}

} // namespace

ResultFetcher::ResultFetcher(transport::WorkerClient& client, QObject* parent)
    : QObject(parent)
    , m_client(client) {}

void ResultFetcher::fetch(quint64 seq, qint64 bytes, const Done& done) {
    const quint64 ticket = ++m_ticket;
    m_client.get(
        QStringLiteral("/results?seq=%1").arg(seq),
        [this, seq, bytes, done, ticket](const transport::WorkerReply& reply) {
            if (ticket != m_ticket)
                return;
            if (reply.status == 404) {
                fromJournal(seq, bytes, done, ticket);
                return;
            }
            if (!reply.ok()) {
                done(std::nullopt, reply.error);
                return;
            }
            ResultItem result;
            try {
                if (reply.body.size() != bytes)
                    throw std::length_error("the download is not the size announced");
                result.item = protocol::parseBody(reply.body, protocol::Format::MsgPack,
                                                  protocol::kDefaultMaxDepth, &result.payloads);
            } catch (const std::exception& e) {
                done(std::nullopt, QString::fromUtf8(e.what()));
                return;
            }
            protocol::Json release = protocol::Json::object();
            release["seq"] = protocol::Json::array({seq});
            m_client.post(QStringLiteral("/results/release"),
                          protocol::serialize(release, protocol::Format::Json),
                          protocol::Format::Json, {});
            done(std::move(result), {});
        },
        bytes);
}

void ResultFetcher::fromJournal(quint64 seq, qint64 bytes, const Done& done, quint64 ticket) {
    m_client.get(
        QStringLiteral("/notifications?since=%1&wait=0").arg(seq - 1),
        [this, seq, done, ticket](const transport::WorkerReply& reply) {
            if (ticket != m_ticket)
                return;
            if (!reply.ok()) {
                done(std::nullopt, reply.error);
                return;
            }
            try {
                ResultItem result;
                const protocol::Json answer =
                    protocol::parseBody(reply.body, protocol::Format::MsgPack,
                                        protocol::kDefaultMaxDepth, &result.payloads);
                for (const protocol::Json& message : answer.at("messages")) {
                    if (message.at("seq").get<quint64>() != seq)
                        continue;
                    result.item = message.at("body").at("results").at(0);
                    done(std::move(result), {});
                    return;
                }
            } catch (const std::exception& e) {
                done(std::nullopt, QString::fromUtf8(e.what()));
                return;
            }
            done(std::nullopt, QStringLiteral("the worker no longer holds it"));
        },
        journalAnswerLimit(bytes), protocol::contentType(protocol::Format::MsgPack));
}

} // namespace qk
