// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/protocol/codec.h"
#include "bridge/protocol/codecdetail.h"

#include <QStringDecoder>

#include <algorithm>
#include <limits>
#include <string>

namespace qk::protocol {

using namespace detail;

namespace {

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

// Decodes UTF-8, refusing invalid sequences rather than replacing them.
QString text(const std::string& s) {
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless |
                                                     QStringDecoder::Flag::ConvertInitialBom);
    QString out = decoder.decode(QByteArrayView(s.data(), static_cast<qsizetype>(s.size())));
    if (decoder.hasError())
        fail("string is not valid UTF-8");
    return out;
}

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
            const bool fits =
                d.is_number_unsigned()
                    ? d.get<std::uint64_t>() <=
                          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
                    : d.is_number_integer() && d.get<std::int64_t>() >= 0;
            if (fits)
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

} // namespace

Value fromWire(const Json& wire, const DecodeContext& context) {
    try {
        return Decoder(context).decode(wire, 0);
    } catch (const DecodeError& e) {
        throw ProtocolError(e.path.empty() ? e.message : "at $" + e.path + ": " + e.message);
    }
}

} // namespace qk::protocol
