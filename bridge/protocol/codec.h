// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/protocol/value.h"

#include <nlohmann/json.hpp>

#include <QByteArray>
#include <QByteArrayView>

#include <functional>
#include <optional>
#include <stdexcept>
#include <vector>

namespace qk::protocol {

// The two encodings of one schema (docs/PROTOCOL.md, "Values").
enum class Format { Json, MsgPack };

// A protocol document. Objects keep their keys in insertion order, as Python dicts do.
using Json = nlohmann::ordered_json;

// How deeply arrays and objects may nest in a document, by default.
inline constexpr int kDefaultMaxDepth = 256;

// A message that does not follow the protocol (bad syntax, unknown tag, wrong field type,
// inconsistent array, nesting too deep, ...). what() says which, and where.
class ProtocolError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The Content-Type of a format, and the format a Content-Type names (nullopt: not ours).
QByteArray contentType(Format format);
std::optional<Format> formatFromContentType(QByteArrayView contentType);

// Large binary payloads (bytes, array data) kept beside a MessagePack document rather than
// copied into it. The document holds a placeholder for each (an index into this list), which
// serialize() replaces with the payload and parse() produces for the payloads it lifts out of
// a body, so 100 MB of array data are copied once on the way out and once on the way in.
using Payloads = std::vector<QByteArray>;

// How decoded references are tied to their owner (the session that keeps the worker's
// variables alive), how deeply the document may nest, and the payloads that parse() lifted
// out of its body (needed to decode a document parsed with them).
struct DecodeContext {
    Reference::ReleaseHook releaseHook;
    int maxDepth = kDefaultMaxDepth;
    const Payloads* payloads = nullptr;
};

// Value <-> the protocol's schema. In MsgPack form bytes and array data are Json::binary_t;
// in Json form they are base64 strings. fromWire() accepts either form in either format.
// toWire() throws ProtocolError for a value the protocol cannot carry (a malformed BigInt, a
// null Reference, an inconsistent CSR matrix, nesting deeper than maxDepth); fromWire()
// throws ProtocolError for a document that does not follow the schema. With `payloads`, the
// MsgPack form keeps large payloads there (shared, not copied) behind placeholders.
Json toWire(const Value& value, Format format, int maxDepth = kDefaultMaxDepth,
            Payloads* payloads = nullptr);

// Binary payloads kept out of a message altogether: each of `from` bytes or more is handed to
// `stage`, which keeps it where the receiver can fetch it and returns its id, and the message
// holds {"$qk": "blob", "id", "bytes"} in its place (docs/PROTOCOL.md, "Large bindings").
struct Stager {
    qsizetype from = 0;
    std::function<QString(const QByteArray& bytes)> stage;
};
Json toWire(const Value& value, Format format, const Stager& stager, Payloads* payloads = nullptr);
Value fromWire(const Json& wire, const DecodeContext& context = {});

// Whether a value holds bytes, arrays or CSR matrices (then MsgPack is the better format).
bool hasBinary(const Value& value);

// A document <-> bytes on the wire. Both throw ProtocolError: serialize() for a string that
// is not UTF-8, parse() for bad syntax, invalid UTF-8, truncated input, trailing bytes,
// duplicate keys, an integer literal outside int64 (JSON) or nesting deeper than maxDepth.
// serialize() writes the payloads of toWire()'s placeholders in their place (the body is
// allocated once, at its exact size); parse() with `payloads` (MessagePack) puts large bin
// payloads there and leaves placeholders that fromWire() resolves with the same payloads.
// parseBody() is parse() for a whole body that it may keep: each payload that fills at least
// half of the body is a view that shares its memory (no copy), the others are copied.
QByteArray serialize(const Json& message, Format format, const Payloads& payloads = {});
// The same bytes as serialize(), as pieces to write one after the other: the payloads are
// pieces of their own (shared, not copied), so a large body is never allocated whole.
std::vector<QByteArray> serializePieces(const Json& message, Format format,
                                        const Payloads& payloads = {});
Json parse(QByteArrayView bytes, Format format, int maxDepth = kDefaultMaxDepth,
           Payloads* payloads = nullptr);
Json parseBody(const QByteArray& body, Format format, int maxDepth, Payloads* payloads);

// Where to receive a MessagePack body so that parseBody() can share its first large array rather
// than copy it (an array's data must be aligned for its element type): in a buffer where the
// body's first large payload, found in `head` (the body's first 4 KiB or more), starts on a
// 64-byte boundary. Write the body's `size` bytes at buffer.data() + offset, then take it with
// std::move(placement).body(size).
struct BodyPlacement {
    QByteArray buffer;
    qsizetype offset = 0;

    QByteArray body(qsizetype size) &&;
};
BodyPlacement placeBody(qsizetype size, QByteArrayView head);

} // namespace qk::protocol
