// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/protocol/msgpackframing.h"
#include "bridge/protocol/codecdetail.h"

#include <cstdint>
#include <optional>

namespace qk::protocol::detail {

namespace {

// A bin or ext value in a MessagePack document: where its header starts, where its data
// starts and how long the data is; `ext` with its type.
struct Blob {
    bool ext = false;
    std::uint8_t type = 0;
    qsizetype header = 0;
    qsizetype data = 0;
    qsizetype size = 0;
};

// Walks a MessagePack document's framing (no nesting is tracked, so no recursion) and calls
// visit(blob) for each bin and ext value. Throws ProtocolError for truncated data and bytes
// that start no value. atHeader(blob) is called first, once the value's header is read; the
// walk ends there when it returns true.
template <typename Visit, typename AtHeader>
void walkBlobs(QByteArrayView in, Visit visit, AtHeader atHeader) {
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(in.data());
    const qsizetype size = in.size();
    qsizetype pos = 0;

    auto need = [&](std::uint64_t n) {
        if (n > static_cast<std::uint64_t>(size - pos))
            throw ProtocolError("invalid MessagePack: data ends inside a value (at byte " +
                                std::to_string(pos) + " of " + std::to_string(size) + ")");
    };
    auto bigEndian = [&](int n) {
        need(static_cast<std::uint64_t>(n));
        std::uint64_t v = 0;
        for (int i = 0; i < n; ++i)
            v = (v << 8) | bytes[pos++];
        return v;
    };
    auto skip = [&](std::uint64_t n) {
        need(n);
        pos += static_cast<qsizetype>(n);
    };
    bool stopped = false;
    auto blob = [&](bool ext, qsizetype header, std::uint64_t length) {
        Blob b;
        b.ext = ext;
        b.header = header;
        if (ext) {
            need(1);
            b.type = bytes[pos++];
        }
        b.data = pos;
        b.size = static_cast<qsizetype>(length); // (at most 32 bits)
        if (atHeader(b)) {
            stopped = true;
            return;
        }
        need(length);
        pos += b.size;
        visit(b);
    };

    std::uint64_t pending = 1; // values still to read
    while (pending > 0 && !stopped) {
        need(1);
        const std::uint8_t b = bytes[pos++];
        --pending;
        if (b <= 0x7f || b >= 0xe0)
            continue; // fixint
        if (b <= 0x8f) {
            pending += std::uint64_t{2} * (b & 0x0fu); // fixmap
            continue;
        }
        if (b <= 0x9f) {
            pending += b & 0x0fu; // fixarray
            continue;
        }
        if (b <= 0xbf) {
            skip(b & 0x1fu); // fixstr
            continue;
        }
        const qsizetype header = pos - 1;
        switch (b) {
        case 0xc0: // nil, false, true
        case 0xc2:
        case 0xc3:
            break;
        case 0xc4: // bin 8, 16, 32
        case 0xc5:
        case 0xc6:
            blob(false, header, bigEndian(1 << (b - 0xc4)));
            break;
        case 0xc7: // ext 8, 16, 32
        case 0xc8:
        case 0xc9:
            blob(true, header, bigEndian(1 << (b - 0xc7)));
            break;
        case 0xd4: // fixext 1 .. 16
        case 0xd5:
        case 0xd6:
        case 0xd7:
        case 0xd8:
            blob(true, header, 1u << (b - 0xd4));
            break;
        case 0xca: // float 32, 64
            skip(4);
            break;
        case 0xcb:
            skip(8);
            break;
        case 0xcc: // uint 8 .. 64
        case 0xcd:
        case 0xce:
        case 0xcf:
            skip(1u << (b - 0xcc));
            break;
        case 0xd0: // int 8 .. 64
        case 0xd1:
        case 0xd2:
        case 0xd3:
            skip(1u << (b - 0xd0));
            break;
        case 0xd9: // str 8, 16, 32
        case 0xda:
        case 0xdb:
            skip(bigEndian(1 << (b - 0xd9)));
            break;
        case 0xdc: // array 16, 32
            pending += bigEndian(2);
            break;
        case 0xdd:
            pending += bigEndian(4);
            break;
        case 0xde: // map 16, 32
            pending += 2 * bigEndian(2);
            break;
        case 0xdf:
            pending += 2 * bigEndian(4);
            break;
        default:
            throw ProtocolError("invalid MessagePack: byte 0x" +
                                QByteArray::number(b, 16).toStdString() + " at " +
                                std::to_string(pos - 1) + " starts no value");
        }
    }
}

template <typename Visit>
void walkBlobs(QByteArrayView in, Visit visit) {
    walkBlobs(in, visit, [](const Blob&) { return false; });
}

} // namespace

std::optional<qsizetype> firstLargeBinary(QByteArrayView head) {
    std::optional<qsizetype> found;
    try {
        walkBlobs(
            head, [](const Blob&) {},
            [&found](const Blob& blob) {
                if (blob.ext || blob.size < kLiftThreshold)
                    return false;
                found = blob.data;
                return true;
            });
    } catch (const ProtocolError&) {
        // The head ends (or the document breaks) before a large bin: nothing to place.
    }
    return found;
}

LiftedBinaries liftLargeBinaries(QByteArrayView in) {
    LiftedBinaries lifted;
    qsizetype copied = 0;
    walkBlobs(in, [&](const Blob& blob) {
        if (blob.ext)
            throw ProtocolError("invalid MessagePack: extension types are not part of the "
                                "protocol (at byte " +
                                std::to_string(blob.header) + ")");
        if (blob.size < kLiftThreshold)
            return;
        lifted.document.append(in.data() + copied, static_cast<std::size_t>(blob.header - copied));
        lifted.document.push_back(static_cast<char>(0xd7));
        lifted.document.push_back(static_cast<char>(kPlaceholderType));
        for (std::uint8_t byte : placeholder(lifted.slices.size()))
            lifted.document.push_back(static_cast<char>(byte));
        lifted.slices.push_back({blob.data, blob.size});
        copied = blob.data + blob.size;
    });
    if (!lifted.slices.empty())
        lifted.document.append(in.data() + copied, static_cast<std::size_t>(in.size() - copied));
    return lifted;
}

std::vector<QByteArray> splicePayloads(const QByteArray& document, const Payloads& payloads) {
    std::vector<QByteArray> pieces;
    qsizetype copied = 0;
    walkBlobs(document, [&](const Blob& blob) {
        if (!blob.ext)
            return;
        const std::uint8_t* data = reinterpret_cast<const std::uint8_t*>(document.constData());
        const std::optional<std::uint64_t> index = placeholderIndex(Json::binary_t(
            Json::binary_t::container_type(data + blob.data, data + blob.data + blob.size),
            blob.type));
        if (!index || *index >= payloads.size())
            throw ProtocolError("cannot serialize message: extension types are not part of the "
                                "protocol");
        const QByteArray& payload = payloads[*index];
        if (static_cast<std::uint64_t>(payload.size()) > 0xffffffffu)
            throw ProtocolError("cannot serialize message: binary data of " +
                                std::to_string(payload.size()) +
                                " bytes exceeds MessagePack's 4 GiB limit");
        QByteArray piece = document.sliced(copied, blob.header - copied);
        const auto n = static_cast<std::uint32_t>(payload.size());
        if (n < 0x100) {
            piece += static_cast<char>(0xc4);
        } else if (n < 0x10000) {
            piece += static_cast<char>(0xc5);
        } else {
            piece += static_cast<char>(0xc6);
            piece += static_cast<char>(n >> 24);
            piece += static_cast<char>(n >> 16);
        }
        if (n >= 0x100)
            piece += static_cast<char>(n >> 8);
        piece += static_cast<char>(n);
        pieces.push_back(std::move(piece));
        pieces.push_back(payload);
        copied = blob.data + blob.size;
    });
    pieces.push_back(copied == 0 ? document : document.sliced(copied));
    return pieces;
}

} // namespace qk::protocol::detail
