// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/protocol/codec.h"

#include "bridge/protocol/codecdetail.h"
#include "bridge/protocol/msgpackframing.h"
#include "bridge/protocol/sharedslice.h"

#include <bit>
#include <ostream>
#include <streambuf>
#include <string_view>
#include <utility>

// Array data is used in place, and the protocol's arrays are little-endian.
static_assert(std::endian::native == std::endian::little, "big-endian hosts need byte swapping");

namespace qk::protocol {

using namespace detail;

namespace {

// Builds the document from nlohmann's SAX events, refusing nesting beyond a limit before
// nlohmann's MessagePack reader (which recurses) goes deeper. Map keys are appended in order
// and checked for duplicates when the map closes.
class DocumentBuilder {
public:
    DocumentBuilder(int maxDepth, const LiftedBinaries* lifted, QByteArrayView original,
                    bool keepPlaceholders)
        : m_maxDepth(maxDepth)
        , m_lifted(lifted)
        , m_original(original)
        , m_keepPlaceholders(keepPlaceholders) {}

    bool null() { return add(nullptr); }
    bool boolean(bool b) { return add(b); }
    bool number_integer(Json::number_integer_t i) { return add(i); }
    bool number_unsigned(Json::number_unsigned_t u) { return add(u); }
    bool number_float(Json::number_float_t d, const Json::string_t& literal) {
        if (!literal.empty() && literal.find_first_not_of("-0123456789") == std::string::npos)
            return error("integer " + literal.substr(0, 60) +
                         " is outside int64; the protocol sends it as {\"$qk\": \"int\"}");
        return add(d);
    }
    bool string(Json::string_t& s) { return add(std::move(s)); }
    bool binary(Json::binary_t& bin) {
        if (!bin.has_subtype())
            return add(Json::binary(std::move(bin)));
        // A placeholder for a lifted payload (see LiftedBinaries).
        const std::optional<std::uint64_t> index = placeholderIndex(bin);
        if (!m_lifted || !index || *index >= m_lifted->slices.size())
            return error("extension types are not part of the protocol");
        if (m_keepPlaceholders)
            return add(Json::binary(std::move(bin), kPlaceholderType));
        const LiftedBinaries::Slice slice = m_lifted->slices[*index];
        const auto* begin = reinterpret_cast<const std::uint8_t*>(m_original.data()) + slice.offset;
        return add(Json::binary(Json::binary_t::container_type(begin, begin + slice.size)));
    }

    bool start_object(std::size_t) { return open(Json::object()); }
    bool key(Json::string_t& key) {
        auto& map = m_open.back()->get_ref<Json::object_t&>();
        map.Container::emplace_back(std::move(key), nullptr);
        m_slot = &map.back().second;
        return true;
    }
    bool end_object() {
        const auto& map = m_open.back()->get_ref<const Json::object_t&>();
        if (map.size() > 1) {
            std::vector<std::string_view> keys;
            keys.reserve(map.size());
            for (const auto& item : map)
                keys.emplace_back(item.first);
            if (const auto twice = repeatedKey(std::move(keys)))
                return error("duplicate key '" + std::string(twice->substr(0, 60)) + "' in a map");
        }
        m_open.pop_back();
        return true;
    }
    bool start_array(std::size_t) { return open(Json::array()); }
    bool end_array() {
        m_open.pop_back();
        return true;
    }

    bool parse_error(std::size_t, const std::string&, const Json::exception& e) {
        return error(e.what());
    }

    // The document, or ProtocolError when parsing stopped.
    Json finish(bool ok, const char* format) {
        if (!ok || !m_error.empty())
            throw ProtocolError(std::string("invalid ") + format + ": " +
                                (m_error.empty() ? "parsing stopped" : m_error));
        return std::move(m_root);
    }

private:
    bool error(std::string message) {
        m_error = std::move(message);
        return false;
    }

    bool add(Json&& value) {
        addValue(std::move(value));
        return true;
    }

    Json* addValue(Json&& value) {
        if (m_open.empty()) {
            m_root = std::move(value);
            return &m_root;
        }
        Json& parent = *m_open.back();
        if (parent.is_array()) {
            auto& list = parent.get_ref<Json::array_t&>();
            list.push_back(std::move(value));
            return &list.back();
        }
        *m_slot = std::move(value);
        return m_slot;
    }

    bool open(Json&& container) {
        if (static_cast<int>(m_open.size()) >= m_maxDepth)
            return error("document nests deeper than " + std::to_string(m_maxDepth) + " levels");
        m_open.push_back(addValue(std::move(container)));
        return true;
    }

    int m_maxDepth;
    const LiftedBinaries* m_lifted;
    QByteArrayView m_original;
    bool m_keepPlaceholders;
    Json m_root;
    std::vector<Json*> m_open; // the lists and maps being filled, innermost last
    Json* m_slot = nullptr;    // where the value for the last map key goes
    std::string m_error;
};

// A stream buffer that appends to a QByteArray, so MessagePack is written in place.
class ByteArrayBuffer : public std::streambuf {
public:
    explicit ByteArrayBuffer(QByteArray& out)
        : m_out(out) {}

protected:
    int_type overflow(int_type c) override {
        if (!traits_type::eq_int_type(c, traits_type::eof()))
            m_out.append(traits_type::to_char_type(c));
        return traits_type::not_eof(c);
    }
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        m_out.append(s, static_cast<qsizetype>(n));
        return n;
    }

private:
    QByteArray& m_out;
};

} // namespace

// ---------------------------------------------------------------------------------------------

QByteArray contentType(Format format) {
    return format == Format::MsgPack ? QByteArrayLiteral("application/msgpack")
                                     : QByteArrayLiteral("application/json");
}

std::optional<Format> formatFromContentType(QByteArrayView contentType) {
    const qsizetype semicolon = contentType.indexOf(';');
    const QByteArrayView mime =
        (semicolon < 0 ? contentType : contentType.first(semicolon)).trimmed();
    if (mime.compare("application/json", Qt::CaseInsensitive) == 0)
        return Format::Json;
    if (mime.compare("application/msgpack", Qt::CaseInsensitive) == 0 ||
        mime.compare("application/x-msgpack", Qt::CaseInsensitive) == 0)
        return Format::MsgPack;
    return std::nullopt;
}

std::vector<QByteArray> serializePieces(const Json& message, Format format,
                                        const Payloads& payloads) {
    try {
        if (format == Format::Json) {
            const std::string text = message.dump(-1, ' ', false, Json::error_handler_t::strict);
            return {QByteArray(text.data(), static_cast<qsizetype>(text.size()))};
        }
        QByteArray out;
        ByteArrayBuffer buffer(out);
        std::ostream stream(&buffer);
        stream.exceptions(std::ios::badbit); // let allocation failures through
        Json::to_msgpack(message, stream);
        if (payloads.empty())
            return {out};
        return splicePayloads(out, payloads);
    } catch (const Json::exception& e) {
        throw ProtocolError(std::string("cannot serialize message: ") + e.what());
    }
}

QByteArray serialize(const Json& message, Format format, const Payloads& payloads) {
    std::vector<QByteArray> pieces = serializePieces(message, format, payloads);
    if (pieces.size() == 1)
        return std::move(pieces.front());
    qsizetype total = 0;
    for (const QByteArray& piece : pieces)
        total += piece.size();
    QByteArray out;
    out.reserve(total);
    for (const QByteArray& piece : pieces)
        out.append(QByteArrayView(piece));
    return out;
}

namespace {

Json parse(QByteArrayView bytes, Format format, int maxDepth, Payloads* payloads,
           const QByteArray* owner) {
    const char* name = format == Format::Json ? "JSON" : "MessagePack";
    LiftedBinaries lifted;
    QByteArrayView input = bytes;
    if (format == Format::MsgPack) {
        lifted = liftLargeBinaries(bytes);
        if (!lifted.slices.empty())
            input = QByteArrayView(lifted.document.data(),
                                   static_cast<qsizetype>(lifted.document.size()));
    }
    const bool keep = payloads && !lifted.slices.empty();
    DocumentBuilder builder(maxDepth, &lifted, bytes, keep);
    bool ok = false;
    try {
        ok = Json::sax_parse(input.begin(), input.end(), &builder,
                             format == Format::Json ? Json::input_format_t::json
                                                    : Json::input_format_t::msgpack);
    } catch (const Json::exception& e) {
        throw ProtocolError(std::string("invalid ") + name + ": " + e.what());
    }
    Json document = builder.finish(ok, name);
    if (payloads)
        payloads->clear();
    if (keep) {
        payloads->reserve(lifted.slices.size());
        for (const LiftedBinaries::Slice& slice : lifted.slices) {
            if (owner && 2 * slice.size >= owner->size())
                payloads->push_back(sharedSlice(*owner, slice.offset, slice.size));
            else
                payloads->emplace_back(bytes.data() + slice.offset, slice.size);
        }
    }
    return document;
}

} // namespace

Json parse(QByteArrayView bytes, Format format, int maxDepth, Payloads* payloads) {
    return parse(bytes, format, maxDepth, payloads, nullptr);
}

Json parseBody(const QByteArray& body, Format format, int maxDepth, Payloads* payloads) {
    return parse(QByteArrayView(body), format, maxDepth, payloads, &body);
}

BodyPlacement placeBody(qsizetype size, QByteArrayView head) {
    constexpr qsizetype alignment = 64;
    const qsizetype payload = detail::firstLargeBinary(head).value_or(0);
    BodyPlacement placement{QByteArray(size + alignment, Qt::Uninitialized), 0};
    const auto address =
        reinterpret_cast<quintptr>(placement.buffer.constData()) + quintptr(payload);
    placement.offset = qsizetype((alignment - address % alignment) % alignment);
    return placement;
}

QByteArray BodyPlacement::body(qsizetype size) && {
    QByteArray whole = std::exchange(buffer, {});
    return sharedSlice(whole, offset, size);
}

} // namespace qk::protocol
