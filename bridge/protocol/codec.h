#pragma once

#include "bridge/protocol/value.h"

#include <nlohmann/json.hpp>

#include <QByteArray>
#include <QByteArrayView>

#include <optional>
#include <stdexcept>

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

// How decoded references are tied to their owner (the session that keeps the worker's
// variables alive), and how deeply the document may nest.
struct DecodeContext {
    Reference::ReleaseHook releaseHook;
    int maxDepth = kDefaultMaxDepth;
};

// Value <-> the protocol's schema. In MsgPack form bytes and array data are Json::binary_t;
// in Json form they are base64 strings. fromWire() accepts either form in either format.
// toWire() throws ProtocolError for a value the protocol cannot carry (a malformed BigInt, a
// null Reference, an inconsistent CSR matrix, nesting deeper than maxDepth); fromWire()
// throws ProtocolError for a document that does not follow the schema.
Json toWire(const Value& value, Format format, int maxDepth = kDefaultMaxDepth);
Value fromWire(const Json& wire, const DecodeContext& context = {});

// Whether a value holds bytes, arrays or CSR matrices (then MsgPack is the better format).
bool hasBinary(const Value& value);

// A document <-> bytes on the wire. Both throw ProtocolError: serialize() for a string that
// is not UTF-8, parse() for bad syntax, invalid UTF-8, truncated input, trailing bytes,
// duplicate keys, an integer literal outside int64 (JSON) or nesting deeper than maxDepth.
QByteArray serialize(const Json& message, Format format);
Json parse(QByteArrayView bytes, Format format, int maxDepth = kDefaultMaxDepth);

} // namespace qk::protocol
