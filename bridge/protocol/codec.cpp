#include "bridge/protocol/codec.h"

#include "bridge/protocol/sharedslice.h"

#include <QStringDecoder>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <ostream>
#include <streambuf>
#include <string_view>

// Array data is used in place, and the protocol's arrays are little-endian.
static_assert(std::endian::native == std::endian::little, "big-endian hosts need byte swapping");

namespace qk::protocol {

namespace {

constexpr char kTag[] = "$qk";

// Binary payloads from this size on travel beside the MessagePack document (see Payloads):
// the document holds a fixext 8 of this type with the payload's index. Extension types are
// not part of the protocol, so a placeholder cannot be mistaken for anything a peer sends.
constexpr qsizetype kLiftThreshold = 4096;
constexpr std::uint8_t kPlaceholderType = 0x51;

Json::binary_t placeholder(std::uint64_t index) {
    Json::binary_t::container_type bytes(8);
    for (int i = 0; i < 8; ++i)
        bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(index >> (56 - 8 * i));
    return Json::binary_t(std::move(bytes), kPlaceholderType);
}

// The payload index of a placeholder, or nullopt when `bin` is not one.
std::optional<std::uint64_t> placeholderIndex(const Json::binary_t& bin) {
    if (!bin.has_subtype() || bin.subtype() != kPlaceholderType || bin.size() != 8)
        return std::nullopt;
    std::uint64_t index = 0;
    for (std::uint8_t byte : bin)
        index = (index << 8) | byte;
    return index;
}

// ---------------------------------------------------------------------------------------------
// Errors while decoding carry the path to the offending value; fromWire() turns them into a
// ProtocolError.

struct DecodeError {
    std::string path;
    std::string message;

    void within(const std::string& segment) { path.insert(0, segment); }
};

[[noreturn]] void fail(std::string message) {
    throw DecodeError{{}, std::move(message)};
}

std::string indexSegment(std::size_t index) {
    return '[' + std::to_string(index) + ']';
}

std::string keySegment(const std::string& key) {
    constexpr std::size_t kLongest = 40;
    return '.' + (key.size() > kLongest ? key.substr(0, kLongest) + "..." : key);
}

std::string typeName(const Json& j) {
    if (j.is_number_integer())
        return "an integer";
    if (j.is_number_float())
        return "a float";
    switch (j.type()) {
    case Json::value_t::null:
        return "null";
    case Json::value_t::boolean:
        return "a boolean";
    case Json::value_t::string:
        return "a string";
    case Json::value_t::array:
        return "a list";
    case Json::value_t::object:
        return "a map";
    case Json::value_t::binary:
        return "binary data";
    default:
        return "an invalid value";
    }
}

// Whether a key occurs twice: pairwise for a few keys, else by sorting.
template <typename Key>
std::optional<Key> repeatedKey(std::vector<Key> keys) {
    constexpr std::size_t kFew = 8;
    if (keys.size() <= kFew) {
        for (std::size_t i = 0; i < keys.size(); ++i) {
            for (std::size_t j = i + 1; j < keys.size(); ++j) {
                if (keys[i] == keys[j])
                    return keys[i];
            }
        }
        return std::nullopt;
    }
    std::sort(keys.begin(), keys.end());
    const auto twice = std::adjacent_find(keys.begin(), keys.end());
    return twice == keys.end() ? std::nullopt : std::optional<Key>(*twice);
}

// ---------------------------------------------------------------------------------------------
// Strings and integers.

std::string utf8(const QString& s) {
    return s.toStdString();
}

// Decodes UTF-8, refusing invalid sequences rather than replacing them.
QString text(const std::string& s) {
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless |
                                                     QStringDecoder::Flag::ConvertInitialBom);
    QString out = decoder.decode(QByteArrayView(s.data(), static_cast<qsizetype>(s.size())));
    if (decoder.hasError())
        fail("string is not valid UTF-8");
    return out;
}

// The canonical form of a decimal integer ("-0012" -> "-12"), or nullopt when `digits` is
// not one.
std::optional<QString> canonicalInteger(QStringView digits) {
    const bool negative = digits.startsWith(u'-');
    QStringView magnitude = negative ? digits.sliced(1) : digits;
    if (magnitude.isEmpty())
        return std::nullopt;
    for (QChar c : magnitude) {
        if (c < u'0' || c > u'9')
            return std::nullopt;
    }
    while (magnitude.size() > 1 && magnitude.front() == u'0')
        magnitude = magnitude.sliced(1);
    if (magnitude == u"0")
        return QStringLiteral("0");
    return negative ? u'-' + magnitude.toString() : magnitude.toString();
}

// A decimal integer as the Value it is: Int within int64, else BigInt.
Value integerValue(const QString& canonical) {
    bool ok = false;
    const qlonglong i = canonical.toLongLong(&ok);
    if (ok)
        return Value(static_cast<std::int64_t>(i));
    return Value(BigInt{canonical});
}

// ---------------------------------------------------------------------------------------------
// Encoding.

class Encoder {
public:
    Encoder(Format format, int maxDepth, Payloads* payloads, const Stager* stager = nullptr)
        : m_format(format)
        , m_maxDepth(maxDepth)
        , m_payloads(payloads)
        , m_stager(stager) {}

    // `depth` counts the lists and maps around the value.
    Json encode(const Value& value, int depth) const;

private:
    void enter(int depth) const {
        if (depth > m_maxDepth)
            throw ProtocolError("value nests deeper than " + std::to_string(m_maxDepth) +
                                " levels");
    }
    // A map with its "$qk" tag, at `depth`.
    Json tagged(const char* tag, int depth) const {
        enter(depth);
        Json j = Json::object();
        j[kTag] = tag;
        return j;
    }
    Json bytes(const QByteArray& bytes) const;
    Json array(const NdArray& array, int depth) const;
    Json dict(const Value::Dict& dict, int depth) const;
    Json sequence(const std::vector<Value>& items, int depth) const;

    Format m_format;
    int m_maxDepth;
    Payloads* m_payloads;
    const Stager* m_stager;
};

Json Encoder::bytes(const QByteArray& bytes) const {
    if (m_stager && bytes.size() >= m_stager->from) {
        Json blob = Json::object();
        blob[kTag] = "blob";
        blob["id"] = utf8(m_stager->stage(bytes));
        blob["bytes"] = bytes.size();
        return blob;
    }
    if (m_format == Format::MsgPack && m_payloads && bytes.size() >= kLiftThreshold) {
        m_payloads->push_back(bytes);
        return Json::binary(placeholder(m_payloads->size() - 1), kPlaceholderType);
    }
    if (m_format == Format::MsgPack) {
        const auto* begin = reinterpret_cast<const std::uint8_t*>(bytes.constData());
        return Json::binary(Json::binary_t::container_type(begin, begin + bytes.size()));
    }
    return bytes.toBase64().toStdString();
}

Json Encoder::array(const NdArray& array, int depth) const {
    enter(depth + 2);
    Json j = tagged("ndarray", depth + 1);
    j["dtype"] = utf8(dtypeName(array.dtype()));
    j["shape"] = array.shape();
    j["data"] = bytes(array.bytes());
    return j;
}

Json Encoder::sequence(const std::vector<Value>& items, int depth) const {
    enter(depth + 1);
    Json list = Json::array();
    auto& out = list.get_ref<Json::array_t&>();
    out.reserve(items.size());
    for (const Value& item : items)
        out.push_back(encode(item, depth + 1));
    return list;
}

Json Encoder::dict(const Value::Dict& dict, int depth) const {
    // A JSON map when it can be one: string keys, none of them "$qk", none repeated.
    bool plain = std::all_of(dict.begin(), dict.end(), [](const auto& item) {
        return item.first.isString() && item.first.toString() != QLatin1String(kTag);
    });
    if (plain && dict.size() > 1) {
        std::vector<QStringView> keys;
        keys.reserve(dict.size());
        for (const auto& item : dict)
            keys.emplace_back(item.first.toString());
        plain = !repeatedKey(std::move(keys));
    }
    enter(depth + 1);
    if (plain) {
        Json map = Json::object();
        auto& out = map.get_ref<Json::object_t&>();
        out.reserve(dict.size());
        for (const auto& [key, value] : dict)
            out.Container::emplace_back(utf8(key.toString()), encode(value, depth + 1));
        return map;
    }
    enter(depth + 3);
    Json items = Json::array();
    auto& out = items.get_ref<Json::array_t&>();
    out.reserve(dict.size());
    for (const auto& [key, value] : dict)
        out.push_back(Json::array({encode(key, depth + 3), encode(value, depth + 3)}));
    Json j = tagged("dict", depth + 1);
    j["items"] = std::move(items);
    return j;
}

Json Encoder::encode(const Value& value, int depth) const {
    switch (value.kind()) {
    case Value::Kind::None:
        return nullptr;
    case Value::Kind::Bool:
        return value.toBool();
    case Value::Kind::Int:
        return value.toInt();
    case Value::Kind::BigInt: {
        const std::optional<QString> canonical = canonicalInteger(value.toBigInt().digits);
        if (!canonical)
            throw ProtocolError("BigInt '" + utf8(value.toBigInt().digits) +
                                "' is not a decimal integer");
        const Value integer = integerValue(*canonical);
        if (integer.isInt())
            return integer.toInt();
        Json j = tagged("int", depth + 1);
        j["v"] = utf8(*canonical);
        return j;
    }
    case Value::Kind::Float: {
        const double d = value.toDouble();
        if (std::isfinite(d))
            return d;
        Json j = tagged("float", depth + 1);
        j["v"] = std::isnan(d) ? "nan" : (d > 0 ? "inf" : "-inf");
        return j;
    }
    case Value::Kind::String:
        return utf8(value.toString());
    case Value::Kind::Bytes: {
        Json j = tagged("bytes", depth + 1);
        j["v"] = bytes(value.toBytes());
        return j;
    }
    case Value::Kind::List:
        return sequence(value.toList(), depth);
    case Value::Kind::Tuple: {
        Json j = tagged("tuple", depth + 1);
        j["v"] = sequence(value.toTuple().items, depth + 1);
        return j;
    }
    case Value::Kind::Dict:
        return dict(value.toDict(), depth);
    case Value::Kind::Array:
        return array(value.toArray(), depth);
    case Value::Kind::Csr: {
        const CsrMatrix& csr = value.toCsr();
        try {
            csr.validate();
        } catch (const std::invalid_argument& e) {
            throw ProtocolError(std::string("cannot send CSR matrix: ") + e.what());
        }
        enter(depth + 2);
        Json j = tagged("csr", depth + 1);
        j["shape"] = Json::array({csr.rows, csr.cols});
        j["data"] = array(csr.data, depth + 1);
        j["indices"] = array(csr.indices, depth + 1);
        j["indptr"] = array(csr.indptr, depth + 1);
        return j;
    }
    case Value::Kind::Ref: {
        const Reference& ref = value.toRef();
        if (ref.isNull())
            throw ProtocolError("cannot send a null reference");
        Json j = tagged("ref", depth + 1);
        j["name"] = utf8(ref.name());
        j["type"] = utf8(ref.type());
        j["repr"] = utf8(ref.repr());
        return j;
    }
    }
    throw ProtocolError("value of unknown kind");
}

// ---------------------------------------------------------------------------------------------
// Decoding.

// The fields of one tagged map.
class Fields {
public:
    Fields(const Json& map, const char* tag, std::initializer_list<const char*> names)
        : m_map(map)
        , m_tag(tag) {
        for (auto it = map.begin(); it != map.end(); ++it) {
            const std::string& key = it.key();
            if (key != kTag && std::none_of(names.begin(), names.end(),
                                            [&key](const char* name) { return key == name; }))
                fail(std::string(m_tag) + ": unexpected field '" + key + "'");
        }
    }

    const Json& operator[](const char* name) const {
        const auto it = m_map.find(name);
        if (it == m_map.end())
            fail(std::string(m_tag) + ": missing field '" + name + "'");
        return *it;
    }

    [[noreturn]] void wrong(const char* name, const Json& value, const char* expected) const {
        fail(std::string(m_tag) + ": field '" + name + "' must be " + expected + ", not " +
             typeName(value));
    }

    const std::string& string(const char* name) const {
        const Json& value = (*this)[name];
        if (!value.is_string())
            wrong(name, value, "a string");
        return value.get_ref<const std::string&>();
    }

    const Json::array_t& list(const char* name) const {
        const Json& value = (*this)[name];
        if (!value.is_array())
            wrong(name, value, "a list");
        return value.get_ref<const Json::array_t&>();
    }

    // Bytes as bin or as a base64 string; a placeholder is looked up in `payloads`.
    QByteArray bytes(const char* name, const Payloads* payloads) const {
        const Json& value = (*this)[name];
        if (value.is_binary()) {
            const Json::binary_t& bin = value.get_binary();
            if (bin.has_subtype()) {
                const std::optional<std::uint64_t> index = placeholderIndex(bin);
                if (!index || !payloads || *index >= payloads->size())
                    fail(std::string(m_tag) + ": field '" + name +
                         "' holds a payload placeholder without its payload");
                return (*payloads)[*index];
            }
            return QByteArray(reinterpret_cast<const char*>(bin.data()),
                              static_cast<qsizetype>(bin.size()));
        }
        if (!value.is_string())
            wrong(name, value, "binary data or a base64 string");
        const std::string& s = value.get_ref<const std::string&>();
        const QByteArray base64 =
            QByteArray::fromRawData(s.data(), static_cast<qsizetype>(s.size()));
        auto decoded = QByteArray::fromBase64Encoding(
            base64, QByteArray::Base64Encoding | QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded)
            fail(std::string(m_tag) + ": field '" + name + "' is not valid base64");
        return std::move(decoded.decoded);
    }

    // A list of non-negative integers.
    std::vector<std::int64_t> shape(const char* name) const {
        const Json& value = (*this)[name];
        if (!value.is_array())
            wrong(name, value, "a list of non-negative integers");
        std::vector<std::int64_t> shape;
        shape.reserve(value.size());
        for (const Json& d : value) {
            if (d.is_number_unsigned() &&
                d.get<std::uint64_t>() <=
                    static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                shape.push_back(d.get<std::int64_t>());
            else if (d.is_number_integer() && !d.is_number_unsigned() && d.get<std::int64_t>() >= 0)
                shape.push_back(d.get<std::int64_t>());
            else
                fail(std::string(m_tag) + ": field '" + name +
                     "' must be a list of non-negative integers");
        }
        return shape;
    }

private:
    const Json& m_map;
    const char* m_tag;
};

class Decoder {
public:
    explicit Decoder(const DecodeContext& context)
        : m_context(context) {}

    // `depth` counts the lists and maps around the value.
    Value decode(const Json& wire, int depth) const;

private:
    void enter(int depth) const {
        if (depth > m_context.maxDepth)
            fail("document nests deeper than " + std::to_string(m_context.maxDepth) + " levels");
    }
    Value tagged(const Json& map, int depth) const;
    std::vector<Value> sequence(const Json::array_t& list, int depth) const;
    NdArray array(const Json& map, int depth) const;
    CsrMatrix csr(const Json& map, int depth) const;

    const DecodeContext& m_context;
};

std::vector<Value> Decoder::sequence(const Json::array_t& list, int depth) const {
    enter(depth + 1);
    std::vector<Value> items;
    items.reserve(list.size());
    for (std::size_t i = 0; i < list.size(); ++i) {
        try {
            items.push_back(decode(list[i], depth + 1));
        } catch (DecodeError& e) {
            e.within(indexSegment(i));
            throw;
        }
    }
    return items;
}

NdArray Decoder::array(const Json& map, int depth) const {
    enter(depth + 2);
    const Fields fields(map, "ndarray", {"dtype", "shape", "data"});
    const std::string& name = fields.string("dtype");
    const std::optional<DType> dtype = dtypeFromName(text(name));
    if (!dtype)
        fail("ndarray: unknown dtype '" + name + "'");
    std::vector<std::int64_t> shape = fields.shape("shape");
    QByteArray data = fields.bytes("data", m_context.payloads);
    try {
        return NdArray(*dtype, std::move(shape), std::move(data));
    } catch (const std::invalid_argument& e) {
        fail(std::string("ndarray: ") + e.what());
    }
}

CsrMatrix Decoder::csr(const Json& map, int depth) const {
    enter(depth + 2);
    const Fields fields(map, "csr", {"shape", "data", "indices", "indptr"});
    const std::vector<std::int64_t> shape = fields.shape("shape");
    if (shape.size() != 2)
        fail("csr: field 'shape' must hold two dimensions, not " + std::to_string(shape.size()));
    auto part = [&](const char* name) {
        const Json& value = fields[name];
        const auto tag = value.is_object() ? value.find(kTag) : value.end();
        if (!value.is_object() || tag == value.end() || *tag != "ndarray")
            fields.wrong(name, value, "an ndarray");
        try {
            return array(value, depth + 1);
        } catch (DecodeError& e) {
            e.within(keySegment(name));
            throw;
        }
    };
    CsrMatrix matrix{shape[0], shape[1], part("data"), part("indices"), part("indptr")};
    try {
        matrix.validate();
    } catch (const std::invalid_argument& e) {
        fail(std::string("csr: ") + e.what());
    }
    return matrix;
}

Value Decoder::tagged(const Json& map, int depth) const {
    const Json& tagValue = map.at(kTag);
    if (!tagValue.is_string())
        fail("'$qk' must be a string, not " + typeName(tagValue));
    const std::string& tag = tagValue.get_ref<const std::string&>();

    if (tag == "float") {
        const std::string& v = Fields(map, "float", {"v"}).string("v");
        if (v == "nan")
            return std::numeric_limits<double>::quiet_NaN();
        if (v == "inf")
            return std::numeric_limits<double>::infinity();
        if (v == "-inf")
            return -std::numeric_limits<double>::infinity();
        fail("float: field 'v' must be \"nan\", \"inf\" or \"-inf\", not '" + v + "'");
    }
    if (tag == "int") {
        const std::string& v = Fields(map, "int", {"v"}).string("v");
        const std::optional<QString> canonical = canonicalInteger(text(v));
        if (!canonical)
            fail("int: field 'v' must be a decimal integer, not '" + v + "'");
        return integerValue(*canonical);
    }
    if (tag == "tuple") {
        const Fields fields(map, "tuple", {"v"});
        try {
            return Value::tuple(sequence(fields.list("v"), depth + 1));
        } catch (DecodeError& e) {
            e.within(".v");
            throw;
        }
    }
    if (tag == "bytes")
        return Fields(map, "bytes", {"v"}).bytes("v", m_context.payloads);
    if (tag == "dict") {
        const Fields fields(map, "dict", {"items"});
        const Json::array_t& items = fields.list("items");
        enter(depth + 3);
        Value::Dict dict;
        dict.reserve(items.size());
        for (std::size_t i = 0; i < items.size(); ++i) {
            const Json& item = items[i];
            try {
                if (!item.is_array() || item.size() != 2)
                    fail("dict: each item must be a [key, value] list");
                dict.emplace_back(decode(item[0], depth + 3), decode(item[1], depth + 3));
            } catch (DecodeError& e) {
                e.within(".items" + indexSegment(i));
                throw;
            }
        }
        return Value(std::move(dict));
    }
    if (tag == "ndarray")
        return array(map, depth);
    if (tag == "csr")
        return csr(map, depth);
    if (tag == "ref") {
        const Fields fields(map, "ref", {"name", "type", "repr"});
        QString name = text(fields.string("name"));
        if (name.isEmpty())
            fail("ref: field 'name' is empty");
        return Reference(std::move(name), text(fields.string("type")), text(fields.string("repr")),
                         m_context.releaseHook);
    }
    fail("unknown '$qk' tag '" + tag + "'");
}

Value Decoder::decode(const Json& wire, int depth) const {
    switch (wire.type()) {
    case Json::value_t::null:
        return nullptr;
    case Json::value_t::boolean:
        return wire.get<bool>();
    case Json::value_t::number_integer:
        return wire.get<std::int64_t>();
    case Json::value_t::number_unsigned:
        return wire.get<std::uint64_t>();
    case Json::value_t::number_float:
        return wire.get<double>();
    case Json::value_t::string:
        return text(wire.get_ref<const std::string&>());
    case Json::value_t::array:
        return sequence(wire.get_ref<const Json::array_t&>(), depth);
    case Json::value_t::object: {
        enter(depth + 1);
        if (wire.contains(kTag))
            return tagged(wire, depth);
        Value::Dict dict;
        dict.reserve(wire.size());
        for (const auto& [key, value] : wire.get_ref<const Json::object_t&>()) {
            try {
                dict.emplace_back(text(key), decode(value, depth + 1));
            } catch (DecodeError& e) {
                e.within(keySegment(key));
                throw;
            }
        }
        return Value(std::move(dict));
    }
    case Json::value_t::binary:
        fail("binary data outside a bytes or ndarray map");
    case Json::value_t::discarded:
        break;
    }
    fail("invalid value");
}

// ---------------------------------------------------------------------------------------------
// Parsing.

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
// that start no value.
template <typename Visit>
void walkBlobs(QByteArrayView in, Visit visit) {
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
    auto blob = [&](bool ext, qsizetype header, std::uint64_t length) {
        Blob b;
        b.ext = ext;
        b.header = header;
        if (ext) {
            need(1);
            b.type = bytes[pos++];
        }
        need(length);
        b.data = pos;
        b.size = static_cast<qsizetype>(length);
        pos += b.size;
        visit(b);
    };

    std::uint64_t pending = 1; // values still to read
    while (pending > 0) {
        need(1);
        const std::uint8_t b = bytes[pos++];
        --pending;
        if (b <= 0x7f || b >= 0xe0)
            continue; // fixint
        if (b <= 0x8f) {
            pending += 2u * (b & 0x0fu); // fixmap
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

// The MessagePack document `document` (written by nlohmann from toWire()'s output) with each
// placeholder replaced by a bin holding its payload, as pieces to be written one after the
// other: the document's bytes around the payloads (each with the payload's bin header at its
// end) and the payloads themselves, shared.
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

Json toWire(const Value& value, Format format, int maxDepth, Payloads* payloads) {
    return Encoder(format, maxDepth, payloads).encode(value, 0);
}

Json toWire(const Value& value, Format format, const Stager& stager, Payloads* payloads) {
    return Encoder(format, kDefaultMaxDepth, payloads, &stager).encode(value, 0);
}

Value fromWire(const Json& wire, const DecodeContext& context) {
    try {
        return Decoder(context).decode(wire, 0);
    } catch (const DecodeError& e) {
        throw ProtocolError(e.path.empty() ? e.message : "at $" + e.path + ": " + e.message);
    }
}

bool hasBinary(const Value& value) {
    std::vector<const Value*> todo{&value};
    while (!todo.empty()) {
        const Value* v = todo.back();
        todo.pop_back();
        switch (v->kind()) {
        case Value::Kind::Bytes:
        case Value::Kind::Array:
        case Value::Kind::Csr:
            return true;
        case Value::Kind::List:
        case Value::Kind::Tuple:
            for (const Value& item : v->items())
                todo.push_back(&item);
            break;
        case Value::Kind::Dict:
            for (const auto& [key, item] : v->toDict()) {
                todo.push_back(&key);
                todo.push_back(&item);
            }
            break;
        default:
            break;
        }
    }
    return false;
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

} // namespace qk::protocol
