// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/protocol/codec.h"

#include <cstdint>
#include <cstdlib>

namespace qk::fuzz {

// Decodes bytes as a message in `format`, then its values; what decodes must encode again and
// decode to an equal value. Anything else must end in a ProtocolError, never a crash.
inline void fuzzMessage(const std::uint8_t* data, std::size_t size, protocol::Format format) {
    using namespace qk::protocol;
    const QByteArrayView bytes(reinterpret_cast<const char*>(data), qsizetype(size));
    Json message;
    try {
        message = parse(bytes, format);
    } catch (const ProtocolError&) {
        return;
    }
    Value value;
    try {
        value = fromWire(message);
    } catch (const ProtocolError&) {
        return;
    }
    // A decoded value goes back out in both formats and comes back equal.
    for (const Format out : {Format::Json, Format::MsgPack}) {
        const QByteArray wire = serialize(toWire(value, out), out);
        const Value again = fromWire(parse(wire, out));
        if (!(again == value))
            std::abort();
    }
}

} // namespace qk::fuzz
