// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/protocol/codec.h"
#include "bridge/protocol/codecdetail.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace qk::protocol {

using namespace detail;

namespace {

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

} // namespace

Json toWire(const Value& value, Format format, int maxDepth, Payloads* payloads) {
    return Encoder(format, maxDepth, payloads).encode(value, 0);
}

Json toWire(const Value& value, Format format, const Stager& stager, Payloads* payloads) {
    return Encoder(format, kDefaultMaxDepth, payloads, &stager).encode(value, 0);
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

} // namespace qk::protocol
