// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer harness: the array decoders (ndarray and csr) through fromWire, in both forms.
// The input chooses a dtype, a shape and the data bytes, so that most inputs reach the checks
// of shape against data rather than stopping at the message syntax.
#include "bridge/protocol/codec.h"

#include <array>
#include <cstdint>
#include <cstdlib>

namespace {

using qk::protocol::Json;

// Reads the input front to back; zeros once it runs out.
class Reader {
public:
    Reader(const std::uint8_t* data, std::size_t size)
        : m_data(data)
        , m_size(size) {}
    std::uint8_t byte() { return m_at < m_size ? m_data[m_at++] : 0; }
    std::int64_t dimension() {
        // Mostly small, sometimes huge or negative, to reach the overflow checks.
        const std::uint8_t kind = byte();
        const std::uint8_t low = byte();
        switch (kind % 8) {
        case 0:
            return -std::int64_t(low);
        case 1:
            return std::int64_t(1) << (low % 63);
        case 2:
            return (std::int64_t(low) << 32) + byte();
        default:
            return low % 9;
        }
    }
    Json::binary_t rest(std::size_t most) {
        const std::size_t length = std::min(most, m_size - m_at);
        Json::binary_t bytes(std::vector<std::uint8_t>(m_data + m_at, m_data + m_at + length));
        m_at += length;
        return bytes;
    }

private:
    const std::uint8_t* m_data;
    std::size_t m_size;
    std::size_t m_at = 0;
};

constexpr std::array<const char*, 14> kDtypes = {
    "bool",   "int8",   "int16",   "int32",   "int64",   "uint8",     "uint16",
    "uint32", "uint64", "float16", "float32", "float64", "complex64", "<f4"};

Json ndarray(Reader& in, std::size_t dataBytes) {
    Json j = Json::object();
    j["$qk"] = "ndarray";
    j["dtype"] = kDtypes[in.byte() % kDtypes.size()];
    Json shape = Json::array();
    const int ndim = in.byte() % 6;
    for (int i = 0; i < ndim; ++i)
        shape.push_back(in.dimension());
    j["shape"] = shape;
    j["data"] = in.rest(dataBytes);
    return j;
}

void decode(const Json& wire) {
    try {
        const qk::Value value = qk::protocol::fromWire(wire);
        // An array that decodes encodes again.
        (void)qk::protocol::toWire(value, qk::protocol::Format::MsgPack);
    } catch (const qk::protocol::ProtocolError&) {
    }
}

// The same document with its binary data as base64 strings, as JSON carries it.
Json asJsonForm(Json j) {
    if (j.is_binary()) {
        const auto& bytes = j.get_binary();
        return QByteArray(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size()))
            .toBase64()
            .toStdString();
    }
    if (j.is_object() || j.is_array()) {
        for (auto& item : j)
            item = asJsonForm(item);
    }
    return j;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Reader in(data, size);
    const std::uint8_t mode = in.byte();
    Json wire;
    if (mode % 2 == 0) {
        wire = ndarray(in, std::size_t(in.byte()) * 8);
    } else {
        wire = Json::object();
        wire["$qk"] = "csr";
        wire["shape"] = Json::array({in.dimension(), in.dimension()});
        const std::size_t part = std::size_t(in.byte()) * 4;
        wire["data"] = ndarray(in, part);
        wire["indices"] = ndarray(in, part);
        wire["indptr"] = ndarray(in, part);
    }
    decode(wire);
    decode(asJsonForm(wire));
    // Also the whole document in MessagePack bytes, through parse.
    const std::vector<std::uint8_t> bytes = Json::to_msgpack(wire);
    try {
        decode(qk::protocol::parse(
            QByteArrayView(reinterpret_cast<const char*>(bytes.data()), qsizetype(bytes.size())),
            qk::protocol::Format::MsgPack));
    } catch (const qk::protocol::ProtocolError&) {
    }
    return 0;
}
