#pragma once

#include "bridge/protocol/value.h"

#include <nlohmann/json.hpp>

#include <QByteArray>
#include <QByteArrayView>

#include <stdexcept>

namespace qk::protocol {

// The two encodings of one schema (docs/PROTOCOL.md, "Values").
enum class Format { Json, MsgPack };

// A message that does not follow the protocol (bad syntax, unknown tag, wrong field type,
// inconsistent array, nesting too deep, ...). what() says which.
class ProtocolError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The Content-Type of a format, and the format a Content-Type names (nullopt: not ours).
QByteArray contentType(Format format);
std::optional<Format> formatFromContentType(QByteArrayView contentType);

// How decoded references are tied to their owner (the session that keeps the worker's
// variables alive).
struct DecodeContext {
    Reference::ReleaseHook releaseHook;
    int maxDepth = 256;
};

// Value <-> the protocol's JSON schema. In MsgPack form bytes and array data are
// json::binary_t; in Json form they are base64 strings.
nlohmann::json toWire(const Value& value, Format format);
Value fromWire(const nlohmann::json& wire, const DecodeContext& context = {});

// Whether a value holds bytes, arrays or CSR matrices (then MsgPack is the better format).
bool hasBinary(const Value& value);

// A JSON document <-> bytes on the wire. parse() throws ProtocolError.
QByteArray serialize(const nlohmann::json& message, Format format);
nlohmann::json parse(QByteArrayView bytes, Format format, int maxDepth = 256);

} // namespace qk::protocol
