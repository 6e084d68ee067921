// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/protocol/codec.h"

#include <QObject>
#include <QString>

#include <functional>
#include <optional>

namespace qk {

namespace transport {
class WorkerClient;
}

// A result item as the worker sent it ({"id", "value", "seconds"}) with the payloads its
// value refers to.
struct ResultItem { // NOLINT(bugprone-exception-escape): json() has an unreachable throw
    protocol::Json item;
    protocol::Payloads payloads;
};

// Downloads the results the worker announces instead of posting them (docs/PROTOCOL.md,
// "Large results"): GET /results?seq=N into one buffer of the announced size, then
// POST /results/release. A result the worker no longer offers there is taken from its
// notification journal instead.
class ResultFetcher : public QObject {
public:
    // The item, or nullopt and why it could not be had.
    using Done = std::function<void(std::optional<ResultItem> result, const QString& error)>;

    explicit ResultFetcher(transport::WorkerClient& client, QObject* parent = nullptr);

    void fetch(quint64 seq, qint64 bytes, const Done& done);
    // The download under way, if any, calls nobody back.
    void cancel() { ++m_ticket; }

private:
    void fromJournal(quint64 seq, qint64 bytes, const Done& done, quint64 ticket);

    transport::WorkerClient& m_client;
    quint64 m_ticket = 0;
};

} // namespace qk
