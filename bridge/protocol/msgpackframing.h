// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The framing of MessagePack documents, read without nlohmann: large bin payloads lifted out
// before parsing, and put back as shared pieces when writing (docs/PROTOCOL.md, "Values").

#include "bridge/protocol/codec.h"

#include <QByteArray>
#include <QByteArrayView>

#include <optional>
#include <string>
#include <vector>

namespace qk::protocol::detail {

// Large bin payloads lifted out of a MessagePack document before nlohmann reads it (its
// reader copies bin data one byte at a time, which costs most of a second for 100 MB). Each
// payload is replaced by a placeholder holding its index here; the document builder puts the
// payload back, or leaves the placeholder for fromWire() when the caller takes the payloads.
struct LiftedBinaries {
    struct Slice {
        qsizetype offset;
        qsizetype size;
    };
    std::vector<Slice> slices;
    std::string document; // the document with placeholders; empty when nothing was lifted
};

// Throws ProtocolError for truncated data and extension types (not part of the protocol).
LiftedBinaries liftLargeBinaries(QByteArrayView in);

// Where the data of the first bin that would be lifted starts, in a document of which `head`
// is the beginning; nothing when the head ends (or the document breaks) before one.
std::optional<qsizetype> firstLargeBinary(QByteArrayView head);

// The MessagePack document `document` (written by nlohmann from toWire()'s output) with each
// placeholder replaced by a bin holding its payload, as pieces to be written one after the
// other: the document's bytes around the payloads (each with the payload's bin header at its
// end) and the payloads themselves, shared.
std::vector<QByteArray> splicePayloads(const QByteArray& document, const Payloads& payloads);

} // namespace qk::protocol::detail
