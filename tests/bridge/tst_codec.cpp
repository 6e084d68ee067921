// SPDX-License-Identifier: GPL-3.0-or-later
// Unit tests of the value codec: round trips in JSON and MessagePack, the wire schema of
// docs/PROTOCOL.md ("Values"), and refusal of malformed input.

#include "bridge/protocol/codec.h"
#include "bridge/protocol/msgpackframing.h"
#include "bridge/protocol/sharedslice.h"

#include <QElapsedTimer>
#include <QTest>

#include <algorithm>

#include <cmath>
#include <cstring>
#include <limits>

using qk::BigInt;
using qk::CsrMatrix;
using qk::DType;
using qk::NdArray;
using qk::Reference;
using qk::Value;
using qk::protocol::DecodeContext;
using qk::protocol::Format;
using qk::protocol::Json;
using qk::protocol::ProtocolError;

namespace {

using namespace Qt::StringLiterals;

Value roundTrip(const Value& value, Format format, const DecodeContext& context = {}) {
    const QByteArray wire = qk::protocol::serialize(qk::protocol::toWire(value, format), format);
    return qk::protocol::fromWire(qk::protocol::parse(wire, format), context);
}

Value decodeJson(QByteArrayView text) {
    return qk::protocol::fromWire(qk::protocol::parse(text, Format::Json));
}

Value decodeMsgPack(QByteArrayView bytes) {
    return qk::protocol::fromWire(qk::protocol::parse(bytes, Format::MsgPack));
}

QByteArray bytesOf(std::initializer_list<int> bytes) {
    QByteArray out;
    for (int b : bytes)
        out.append(static_cast<char>(b));
    return out;
}

// [[1, 0, 2], [0, 0, 3]]
CsrMatrix sampleCsr() {
    return CsrMatrix{2, 3, NdArray::fromVector(std::vector<double>{1, 2, 3}),
                     NdArray::fromVector(std::vector<std::int32_t>{0, 2, 2}),
                     NdArray::fromVector(std::vector<std::int32_t>{0, 2, 3})};
}

// An array of the given shape holding 0, 1, 2, ... (modulo 100).
template <typename T>
NdArray counting(std::vector<std::int64_t> shape) {
    std::int64_t n = 1;
    for (std::int64_t d : shape)
        n *= d;
    std::vector<T> values;
    for (std::int64_t i = 0; i < n; ++i)
        values.push_back(static_cast<T>(i % 100));
    return NdArray::fromVector(values, std::move(shape));
}

Value nestedLists(int depth) {
    Value v = 1;
    for (int i = 0; i < depth; ++i)
        v = Value(Value::List{v});
    return v;
}

} // namespace

class TestCodec : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void roundTrip_data();
    void roundTrip();
    void goldenJson_data();
    void goldenJson();
    void goldenMsgPack();
    void dictKeepsKeyOrder();
    void decodesAlternativeForms_data();
    void decodesAlternativeForms();
    void malformedJson_data();
    void malformedJson();
    void malformedMsgPack_data();
    void malformedMsgPack();
    void deepNestingIsRefused();
    void nestingLimits();
    void toWireRefusesWhatCannotTravel();
    void serializeRefusesInvalidUtf8();
    void largeBinariesInsideStructures();
    void largeArrayRoundTripIsFast();
    void payloadsRoundTrip_data();
    void payloadsRoundTrip();
    void payloadsShareTheBody();
    void payloadsRefuseBrokenBodies_data();
    void payloadsRefuseBrokenBodies();
    void referenceReleaseHookFiresOnce();
    void hasBinary_data();
    void hasBinary();
    void contentTypes_data();
    void contentTypes();
};

void TestCodec::roundTrip_data() {
    QTest::addColumn<Format>("format");
    QTest::addColumn<Value>("value");
    auto add = [](const char* name, const Value& value) {
        QTest::addRow("%s json", name) << Format::Json << value;
        QTest::addRow("%s msgpack", name) << Format::MsgPack << value;
    };
    const double inf = std::numeric_limits<double>::infinity();
    const std::int64_t int64Min = std::numeric_limits<std::int64_t>::min();
    const std::int64_t int64Max = std::numeric_limits<std::int64_t>::max();

    add("null", Value());
    add("true", true);
    add("false", false);
    add("zero", 0);
    add("one", 1);
    add("minus one", -1);
    add("int32 max + 1", 2147483648LL);
    add("2^53 + 1", 9007199254740993LL);
    add("int64 min", int64Min);
    add("int64 max", int64Max);
    add("uint64 max", std::numeric_limits<std::uint64_t>::max());
    add("int64 max + 1", BigInt{u"9223372036854775808"_s});
    add("int64 min - 1", BigInt{u"-9223372036854775809"_s});
    add("bigint 40 digits", BigInt{u"1234567890123456789012345678901234567890"_s});
    add("negative bigint 40 digits", BigInt{u"-9876543210987654321098765432109876543210"_s});
    add("float 0.0", 0.0);
    add("float -0.0", -0.0);
    add("float 1.0", 1.0);
    add("float 0.1", 0.1);
    add("float 1.5", -1.5);
    add("float 1e300", 1e300);
    add("float max", std::numeric_limits<double>::max());
    add("float denormal", std::numeric_limits<double>::denorm_min());
    add("float 2^53 + 2", 9007199254740994.0);
    add("nan", std::numeric_limits<double>::quiet_NaN());
    add("inf", inf);
    add("-inf", -inf);
    add("empty string", QString());
    add("ascii", "hello, world");
    add("latin", u"héllo wörld"_s);
    add("cjk", u"日本語のテキスト"_s);
    add("non-BMP", u"😀 𝄞 𝕏"_s);
    add("NUL inside", QString(u"a\0b\0"_s));
    add("escapes", "\"quoted\" \\ back\nslash\t\x01\x7f");
    add("long string", QString(100000, u'x'));
    add("empty bytes", QByteArray());
    QByteArray all(256, '\0');
    for (int i = 0; i < 256; ++i)
        all[i] = static_cast<char>(i);
    add("all byte values", all);
    add("empty list", Value::List{});
    add("list", Value::List{1, "two", 3.5, Value(), true});
    add("nested lists", Value::List{Value::List{}, Value::List{Value::List{1}, 2}});
    add("empty tuple", Value::tuple({}));
    add("tuple of one", Value::tuple({1}));
    add("tuple", Value::tuple({1, "a", Value::tuple({2, 3})}));
    add("tuple in list", Value::List{Value::tuple({Value::List{1}})});
    add("empty dict", Value::Dict{});
    add("dict", Value::dict({{u"a"_s, 1}, {u"b"_s, Value::List{true}}, {u""_s, Value()}}));
    add("dict key order", Value::dict({{u"z"_s, 1}, {u"a"_s, 2}, {u"m"_s, 3}}));
    add("dict unicode keys", Value::dict({{u"ключ 😀"_s, 1}, {u"a\0b"_s, 2}}));
    add("dict with $qk key", Value::dict({{u"$qk"_s, "ndarray"}, {u"v"_s, 1}}));
    add("dict int keys", Value::Dict{{1, "one"}, {-2, "minus two"}});
    add("dict tuple keys", Value::Dict{{Value::tuple({1, 2}), "pair"}});
    add("dict mixed keys", Value::Dict{{"a", 1}, {2, 2}, {Value(), 3}, {true, 4}, {1.5, 5}});
    add("dict bigint key", Value::Dict{{BigInt{u"100000000000000000000"_s}, "big"}});
    add("dict repeated key", Value::Dict{{"a", 1}, {"a", 2}});
    Value::Dict manyKeys;
    for (int i = 0; i < 20; ++i)
        manyKeys.emplace_back(QString::number(i % 19), i);
    add("dict repeated among many keys", manyKeys);
    add("nested dicts",
        Value::dict({{u"outer"_s, Value::dict({{u"inner"_s, Value::Dict{{1, Value::List{}}}}})}}));
    add("float32 [2,3]", NdArray::fromVector(std::vector<float>{1, -2, 3.5f, 0, 1e-7f, 6}, {2, 3}));
    add("float32 nan", NdArray::fromVector(std::vector<float>{std::nanf(""), -INFINITY}));
    add("float64 [4]", NdArray::fromVector(std::vector<double>{0.1, 0.2, -0.3, 1e300}));
    add("int32 [3,1,2]", counting<std::int32_t>({3, 1, 2}));
    add("int64 [2]", NdArray::fromVector(std::vector<std::int64_t>{int64Min, int64Max}));
    add("uint8 [5]", NdArray::fromVector(std::vector<std::uint8_t>{0, 1, 127, 128, 255}));
    add("bool [2,2]", NdArray::fromVector(std::vector<bool>{true, false, false, true}, {2, 2}));
    add("int8", counting<std::int8_t>({4}));
    add("int16", counting<std::int16_t>({2, 2}));
    add("uint16", counting<std::uint16_t>({3}));
    add("uint32", counting<std::uint32_t>({3}));
    add("uint64", NdArray::fromVector(std::vector<std::uint64_t>{~std::uint64_t{0}}));
    add("float16", NdArray(DType::Float16, {2}, bytesOf({0x00, 0x3c, 0x00, 0xc0})));
    add("0-d float32", NdArray::scalar(2.5f));
    add("0-d bool", NdArray::scalar(true));
    add("0-d int64", NdArray::scalar<std::int64_t>(-3));
    add("empty [0]", NdArray::fromVector(std::vector<float>{}));
    add("empty [3,0]", NdArray::zeros(DType::Int64, {3, 0}));
    add("empty [0,5,2]", NdArray::zeros(DType::Float64, {0, 5, 2}));
    add("csr", sampleCsr());
    add("csr int64 indices", CsrMatrix{3, 2, NdArray::fromVector(std::vector<float>{7}),
                                       NdArray::fromVector(std::vector<std::int64_t>{1}),
                                       NdArray::fromVector(std::vector<std::int64_t>{0, 0, 1, 1})});
    add("csr empty", CsrMatrix{0, 4, NdArray::fromVector(std::vector<double>{}),
                               NdArray::fromVector(std::vector<std::int32_t>{}),
                               NdArray::fromVector(std::vector<std::int32_t>{0})});
    add("ref", Reference(u"v_0123456789abcdefghijklm"_s, u"keras.src.models.Sequential"_s,
                         u"<Sequential name=sequential, built=True>"_s));
    add("mixed", Value::dict({{u"x"_s, NdArray::fromVector(std::vector<float>{1, 2})},
                              {u"meta"_s, Value::tuple({u"é"_s, QByteArray("\x00\xff", 2)})},
                              {u"ids"_s, Value::List{BigInt{u"-100000000000000000000"_s}}}}));
}

void TestCodec::roundTrip() {
    QFETCH(Format, format);
    QFETCH(Value, value);
    const Value back = ::roundTrip(value, format);
    QCOMPARE(back.kind(), value.kind());
    QVERIFY2(back == value,
             qPrintable(back.toDisplayString() + u" != "_s + value.toDisplayString()));
    // Decoding without the bytes in between gives the same.
    QVERIFY(qk::protocol::fromWire(qk::protocol::toWire(value, format)) == value);
    if (value.isFloat() && value.toDouble() == 0.0)
        QCOMPARE(std::signbit(back.toDouble()), std::signbit(value.toDouble()));
}

void TestCodec::goldenJson_data() {
    QTest::addColumn<Value>("value");
    QTest::addColumn<QByteArray>("json");
    QTest::newRow("int") << Value(-3) << R"(-3)"_ba;
    QTest::newRow("int64 min") << Value(std::numeric_limits<std::int64_t>::min())
                               << R"(-9223372036854775808)"_ba;
    QTest::newRow("float") << Value(1.5) << R"(1.5)"_ba;
    QTest::newRow("integral float") << Value(2.0) << R"(2.0)"_ba;
    QTest::newRow("nan") << Value(std::nan("")) << R"({"$qk":"float","v":"nan"})"_ba;
    QTest::newRow("inf") << Value(HUGE_VAL) << R"({"$qk":"float","v":"inf"})"_ba;
    QTest::newRow("-inf") << Value(-HUGE_VAL) << R"({"$qk":"float","v":"-inf"})"_ba;
    QTest::newRow("bigint") << Value(BigInt{u"-123456789012345678901234567890"_s})
                            << R"({"$qk":"int","v":"-123456789012345678901234567890"})"_ba;
    QTest::newRow("uint64 max") << Value(std::numeric_limits<std::uint64_t>::max())
                                << R"({"$qk":"int","v":"18446744073709551615"})"_ba;
    QTest::newRow("string") << Value(u"é😀\0"_s) << "\"\xc3\xa9\xf0\x9f\x98\x80\\u0000\""_ba;
    QTest::newRow("tuple") << Value::tuple({1, "a", Value()})
                           << R"({"$qk":"tuple","v":[1,"a",null]})"_ba;
    QTest::newRow("bytes") << Value(QByteArray("hi\0", 3)) << R"({"$qk":"bytes","v":"aGkA"})"_ba;
    QTest::newRow("plain dict") << Value::dict({{u"b"_s, 1}, {u"a"_s, Value::List{true, 1.5}}})
                                << R"({"b":1,"a":[true,1.5]})"_ba;
    QTest::newRow("dict int keys") << Value(Value::Dict{{1, "a"}, {2, Value()}})
                                   << R"({"$qk":"dict","items":[[1,"a"],[2,null]]})"_ba;
    QTest::newRow("dict $qk key") << Value::dict({{u"$qk"_s, 1}})
                                  << R"({"$qk":"dict","items":[["$qk",1]]})"_ba;
    QTest::newRow("ndarray")
        << Value(NdArray::fromVector(std::vector<float>{1, 2}))
        << R"({"$qk":"ndarray","dtype":"float32","shape":[2],"data":"AACAPwAAAEA="})"_ba;
    QTest::newRow("0-d ndarray")
        << Value(NdArray::scalar<std::int32_t>(7))
        << R"({"$qk":"ndarray","dtype":"int32","shape":[],"data":"BwAAAA=="})"_ba;
    QTest::newRow("empty ndarray")
        << Value(NdArray::zeros(DType::Bool, {3, 0}))
        << R"({"$qk":"ndarray","dtype":"bool","shape":[3,0],"data":""})"_ba;
    QTest::newRow("csr")
        << Value(CsrMatrix{1, 2, NdArray::fromVector(std::vector<double>{5}),
                           NdArray::fromVector(std::vector<std::int32_t>{1}),
                           NdArray::fromVector(std::vector<std::int32_t>{0, 1})})
        << R"({"$qk":"csr","shape":[1,2],)"
           R"("data":{"$qk":"ndarray","dtype":"float64","shape":[1],"data":"AAAAAAAAFEA="},)"
           R"("indices":{"$qk":"ndarray","dtype":"int32","shape":[1],"data":"AQAAAA=="},)"
           R"("indptr":{"$qk":"ndarray","dtype":"int32","shape":[2],"data":"AAAAAAEAAAA="}})"_ba;
    QTest::newRow("ref")
        << Value(Reference(u"v_abc"_s, u"keras.Sequential"_s, u"<Sequential>"_s))
        << R"({"$qk":"ref","name":"v_abc","type":"keras.Sequential","repr":"<Sequential>"})"_ba;
}

void TestCodec::goldenJson() {
    QFETCH(Value, value);
    QFETCH(QByteArray, json);
    QCOMPARE(qk::protocol::serialize(qk::protocol::toWire(value, Format::Json), Format::Json),
             json);
    QVERIFY(decodeJson(json) == value);
}

void TestCodec::goldenMsgPack() {
    // bytes travel as bin, not base64
    const QByteArray bytes = qk::protocol::serialize(
        qk::protocol::toWire(Value(QByteArray("hi")), Format::MsgPack), Format::MsgPack);
    QCOMPARE(bytes, bytesOf({0x82, 0xa3, '$', 'q', 'k', 0xa5, 'b', 'y', 't', 'e', 's', 0xa1, 'v',
                             0xc4, 0x02, 'h', 'i'}));
    QCOMPARE(decodeMsgPack(bytes), Value(QByteArray("hi")));

    // array data is bin too, and the rest of the schema is the same as in JSON
    const Value array = NdArray::fromVector(std::vector<std::uint8_t>{1, 2});
    const Json wire = qk::protocol::parse(
        qk::protocol::serialize(qk::protocol::toWire(array, Format::MsgPack), Format::MsgPack),
        Format::MsgPack);
    QVERIFY(wire.at("data").is_binary());
    const Json::binary_t::container_type& data = wire.at("data").get_binary();
    QCOMPARE(data, (Json::binary_t::container_type{1, 2}));
    QCOMPARE(wire.at("$qk").get<std::string>(), "ndarray");
    QCOMPARE(wire.at("dtype").get<std::string>(), "uint8");
    QVERIFY(wire.at("shape") == Json::array({2}));

    // int64 extremes are plain MessagePack integers
    QCOMPARE(decodeMsgPack(bytesOf({0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0})),
             Value(std::numeric_limits<std::int64_t>::min()));
    QCOMPARE(qk::protocol::serialize(Json(std::int64_t{-1}), Format::MsgPack), bytesOf({0xff}));
}

void TestCodec::dictKeepsKeyOrder() {
    const Value dict = Value::dict({{u"zeta"_s, 1}, {u"alpha"_s, 2}, {u"mu"_s, 3}});
    const QByteArray json =
        qk::protocol::serialize(qk::protocol::toWire(dict, Format::Json), Format::Json);
    QCOMPARE(json, R"({"zeta":1,"alpha":2,"mu":3})"_ba);
    const Value back = decodeJson(R"({"b": 1, "c": 2, "a": 3})");
    QCOMPARE(back.toDict().at(0).first, Value("b"));
    QCOMPARE(back.toDict().at(1).first, Value("c"));
    QCOMPARE(back.toDict().at(2).first, Value("a"));
}

void TestCodec::decodesAlternativeForms_data() {
    QTest::addColumn<Format>("format");
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<Value>("value");
    const double inf = std::numeric_limits<double>::infinity();
    QTest::newRow("native NaN float64")
        << Format::MsgPack << bytesOf({0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0}) << Value(std::nan(""));
    QTest::newRow("native inf float32")
        << Format::MsgPack << bytesOf({0xca, 0x7f, 0x80, 0, 0}) << Value(inf);
    QTest::newRow("native -inf float64")
        << Format::MsgPack << bytesOf({0xcb, 0xff, 0xf0, 0, 0, 0, 0, 0, 0}) << Value(-inf);
    QTest::newRow("native uint64 max")
        << Format::MsgPack << bytesOf({0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
        << Value(BigInt{u"18446744073709551615"_s});
    QTest::newRow("native uint64 within int64")
        << Format::MsgPack << bytesOf({0xcf, 0, 0, 0, 0, 0, 0, 0, 5}) << Value(5);
    QTest::newRow("json integer beyond int64")
        << Format::Json << "18446744073709551615"_ba << Value(BigInt{u"18446744073709551615"_s});
    QTest::newRow("tagged int within int64")
        << Format::Json << R"({"$qk":"int","v":"42"})"_ba << Value(42);
    QTest::newRow("tagged int with leading zeros")
        << Format::Json << R"({"$qk":"int","v":"-000123456789012345678901"})"_ba
        << Value(BigInt{u"-123456789012345678901"_s});
    QTest::newRow("tagged int minus zero")
        << Format::Json << R"({"$qk":"int","v":"-0"})"_ba << Value(0);
    QTest::newRow("fields before tag")
        << Format::Json << R"({"v":[1,2],"$qk":"tuple"})"_ba << Value::tuple({1, 2});
    QTest::newRow("string keys in items form")
        << Format::Json << R"({"$qk":"dict","items":[["a",1],["b",2]]})"_ba
        << Value::dict({{u"a"_s, 1}, {u"b"_s, 2}});
    QTest::newRow("base64 bytes in MessagePack")
        << Format::MsgPack
        << bytesOf({0x82, 0xa3, '$', 'q', 'k', 0xa5, 'b', 'y', 't', 'e', 's', 0xa1, 'v', 0xa4, 'a',
                    'G', 'k', '='})
        << Value(QByteArray("hi"));
    QTest::newRow("unpadded base64")
        << Format::Json << R"({"$qk":"bytes","v":"aGk"})"_ba << Value(QByteArray("hi"));
    QTest::newRow("BOM kept") << Format::Json << "\"\xef\xbb\xbfx\""_ba
                              << Value(QString(u"\ufeffx"_s));
    QTest::newRow("escaped surrogate pair")
        << Format::Json << R"("\ud83d\ude00")"_ba << Value(u"😀"_s);
    QTest::newRow("whitespace") << Format::Json << " \n[ 1 ,\t2 ]\r\n"_ba
                                << Value(Value::List{1, 2});
}

void TestCodec::decodesAlternativeForms() {
    QFETCH(Format, format);
    QFETCH(QByteArray, wire);
    QFETCH(Value, value);
    const Value decoded = qk::protocol::fromWire(qk::protocol::parse(wire, format));
    QVERIFY2(decoded == value, qPrintable(decoded.toDisplayString()));
}

void TestCodec::malformedJson_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("message");
    // syntax
    QTest::newRow("empty") << ""_ba << u"invalid JSON"_s;
    QTest::newRow("unclosed") << "{"_ba << u"invalid JSON"_s;
    QTest::newRow("trailing comma") << "[1,]"_ba << u"invalid JSON"_s;
    QTest::newRow("trailing value") << "1 2"_ba << u"invalid JSON"_s;
    QTest::newRow("NaN literal") << "NaN"_ba << u"invalid JSON"_s;
    QTest::newRow("invalid UTF-8") << "\"\xff\""_ba << u"invalid JSON"_s;
    QTest::newRow("truncated UTF-8") << "\"\xe2\x82\""_ba << u"invalid JSON"_s;
    QTest::newRow("encoded surrogate") << "\"\xed\xa0\x80\""_ba << u"invalid JSON"_s;
    QTest::newRow("overlong") << "\"\xc0\xaf\""_ba << u"invalid JSON"_s;
    QTest::newRow("lone escaped surrogate") << R"("\ud800")"_ba << u"invalid JSON"_s;
    QTest::newRow("number overflow") << "1e999"_ba << u"invalid JSON"_s;
    QTest::newRow("integer beyond uint64")
        << "123456789012345678901234567890"_ba << u"outside int64"_s;
    QTest::newRow("negative integer beyond int64")
        << "[-9223372036854775809]"_ba << u"outside int64"_s;
    QTest::newRow("duplicate key") << R"({"a":1,"b":2,"a":3})"_ba << u"duplicate key 'a'"_s;
    // tags
    QTest::newRow("unknown tag") << R"({"$qk":"nope"})"_ba << u"unknown '$qk' tag 'nope'"_s;
    QTest::newRow("tag not a string") << R"({"$qk":1})"_ba << u"'$qk' must be a string"_s;
    QTest::newRow("float missing v") << R"({"$qk":"float"})"_ba << u"float: missing field 'v'"_s;
    QTest::newRow("float NaN spelling")
        << R"({"$qk":"float","v":"NaN"})"_ba << u"float: field 'v' must be"_s;
    QTest::newRow("float number") << R"({"$qk":"float","v":1.5})"_ba
                                  << u"field 'v' must be a string, not a float"_s;
    QTest::newRow("int letters") << R"({"$qk":"int","v":"12a"})"_ba
                                 << u"int: field 'v' must be a decimal integer"_s;
    QTest::newRow("int empty") << R"({"$qk":"int","v":""})"_ba << u"decimal integer"_s;
    QTest::newRow("int minus only") << R"({"$qk":"int","v":"-"})"_ba << u"decimal integer"_s;
    QTest::newRow("int plus sign") << R"({"$qk":"int","v":"+5"})"_ba << u"decimal integer"_s;
    QTest::newRow("int space") << R"({"$qk":"int","v":" 5"})"_ba << u"decimal integer"_s;
    QTest::newRow("int number") << R"({"$qk":"int","v":5})"_ba
                                << u"must be a string, not an integer"_s;
    QTest::newRow("tuple map") << R"({"$qk":"tuple","v":{}})"_ba
                               << u"tuple: field 'v' must be a list, not a map"_s;
    QTest::newRow("tuple missing v") << R"({"$qk":"tuple"})"_ba << u"missing field 'v'"_s;
    QTest::newRow("tuple extra field")
        << R"({"$qk":"tuple","v":[],"w":1})"_ba << u"tuple: unexpected field 'w'"_s;
    QTest::newRow("bytes bad base64")
        << R"({"$qk":"bytes","v":"!!!!"})"_ba << u"bytes: field 'v' is not valid base64"_s;
    QTest::newRow("bytes number") << R"({"$qk":"bytes","v":3})"_ba
                                  << u"binary data or a base64 string"_s;
    QTest::newRow("dict item too short")
        << R"({"$qk":"dict","items":[[1]]})"_ba << u"[key, value]"_s;
    QTest::newRow("dict item too long")
        << R"({"$qk":"dict","items":[[1,2,3]]})"_ba << u"[key, value]"_s;
    QTest::newRow("dict item not a list")
        << R"({"$qk":"dict","items":[1]})"_ba << u"[key, value]"_s;
    QTest::newRow("dict items map")
        << R"({"$qk":"dict","items":{}})"_ba << u"field 'items' must be a list"_s;
    QTest::newRow("dict missing items") << R"({"$qk":"dict"})"_ba << u"missing field 'items'"_s;
    // arrays
    QTest::newRow("unknown dtype")
        << R"({"$qk":"ndarray","dtype":"float128","shape":[1],"data":""})"_ba
        << u"unknown dtype 'float128'"_s;
    QTest::newRow("dtype number") << R"({"$qk":"ndarray","dtype":4,"shape":[1],"data":""})"_ba
                                  << u"field 'dtype' must be a string"_s;
    QTest::newRow("negative dimension")
        << R"({"$qk":"ndarray","dtype":"uint8","shape":[-1],"data":""})"_ba
        << u"non-negative integers"_s;
    QTest::newRow("float dimension")
        << R"({"$qk":"ndarray","dtype":"uint8","shape":[1.0],"data":"AA=="})"_ba
        << u"non-negative integers"_s;
    QTest::newRow("bool dimension")
        << R"({"$qk":"ndarray","dtype":"uint8","shape":[true],"data":"AA=="})"_ba
        << u"non-negative integers"_s;
    QTest::newRow("shape not a list")
        << R"({"$qk":"ndarray","dtype":"uint8","shape":1,"data":"AA=="})"_ba
        << u"non-negative integers"_s;
    QTest::newRow("too few bytes")
        << R"({"$qk":"ndarray","dtype":"float32","shape":[2],"data":"AAAAAA=="})"_ba
        << u"ndarray: array data has 4 bytes; dtype and shape need 8"_s;
    QTest::newRow("too many bytes")
        << R"({"$qk":"ndarray","dtype":"uint8","shape":[],"data":"AAA="})"_ba
        << u"array data has 2 bytes"_s;
    QTest::newRow("shape overflows")
        << R"({"$qk":"ndarray","dtype":"float64","shape":[4611686018427387904,4],"data":""})"_ba
        << u"overflows"_s;
    QTest::newRow("missing data") << R"({"$qk":"ndarray","dtype":"uint8","shape":[]})"_ba
                                  << u"ndarray: missing field 'data'"_s;
    QTest::newRow("missing dtype") << R"({"$qk":"ndarray","shape":[],"data":"AA=="})"_ba
                                   << u"ndarray: missing field 'dtype'"_s;
    QTest::newRow("array bad base64")
        << R"({"$qk":"ndarray","dtype":"uint8","shape":[1],"data":"A*=="})"_ba
        << u"not valid base64"_s;
    // CSR
    const QByteArray data =
        R"({"$qk":"ndarray","dtype":"float64","shape":[1],"data":"AAAAAAAAFEA="})";
    const QByteArray indices = R"({"$qk":"ndarray","dtype":"int32","shape":[1],"data":"AQAAAA=="})";
    const QByteArray indptr =
        R"({"$qk":"ndarray","dtype":"int32","shape":[2],"data":"AAAAAAEAAAA="})";
    auto csr = [&](const QByteArray& shape, const QByteArray& d, const QByteArray& i,
                   const QByteArray& p) {
        return R"({"$qk":"csr","shape":)" + shape + R"(,"data":)" + d + R"(,"indices":)" + i +
               R"(,"indptr":)" + p + "}";
    };
    QTest::newRow("csr valid but one dimension")
        << csr("[2]", data, indices, indptr) << u"csr: field 'shape' must hold two"_s;
    QTest::newRow("csr column out of range")
        << csr("[1,1]", data, indices, indptr) << u"csr: CSR column index out of range"_s;
    QTest::newRow("csr rows disagree with indptr")
        << csr("[2,2]", data, indices, indptr) << u"indptr must have rows + 1"_s;
    QTest::newRow("csr data not an ndarray")
        << csr("[1,2]", "[5.0]", indices, indptr) << u"field 'data' must be an ndarray"_s;
    QTest::newRow("csr data another tag")
        << csr("[1,2]", R"({"$qk":"tuple","v":[]})", indices, indptr) << u"an ndarray"_s;
    QTest::newRow("csr float indices") << csr("[1,2]", data, data, indptr) << u"int32 or int64"_s;
    QTest::newRow("csr bad inner array")
        << csr("[1,2]", data, indices,
               R"({"$qk":"ndarray","dtype":"int32","shape":[3],"data":"AAAAAAEAAAA="})")
        << u"at $.indptr: ndarray: array data has 8 bytes"_s;
    QTest::newRow("csr missing indptr")
        << R"({"$qk":"csr","shape":[1,2],"data":)" + data + R"(,"indices":)" + indices + "}"
        << u"csr: missing field 'indptr'"_s;
    // references
    QTest::newRow("ref missing name")
        << R"({"$qk":"ref","type":"t","repr":"r"})"_ba << u"ref: missing field 'name'"_s;
    QTest::newRow("ref name number") << R"({"$qk":"ref","name":5,"type":"t","repr":"r"})"_ba
                                     << u"field 'name' must be a string"_s;
    QTest::newRow("ref empty name")
        << R"({"$qk":"ref","name":"","type":"t","repr":"r"})"_ba << u"ref: field 'name' is empty"_s;
    QTest::newRow("ref missing repr")
        << R"({"$qk":"ref","name":"v","type":"t"})"_ba << u"ref: missing field 'repr'"_s;
    // the error says where
    QTest::newRow("path through map and list")
        << R"({"x":[1,{"$qk":"nope"}]})"_ba << u"at $.x[1]: unknown '$qk' tag"_s;
    QTest::newRow("path through tuple")
        << R"([{"$qk":"tuple","v":[1,{"$qk":"int","v":"x"}]}])"_ba << u"at $[0].v[1]: int:"_s;
    QTest::newRow("path through dict items")
        << R"({"$qk":"dict","items":[[1,2],[3,{"$qk":"float","v":"x"}]]})"_ba
        << u"at $.items[1]: float:"_s;
}

void TestCodec::malformedJson() {
    QFETCH(QByteArray, json);
    QFETCH(QString, message);
    try {
        const Value v = decodeJson(json);
        QFAIL(qPrintable(u"decoded as "_s + v.toDisplayString()));
    } catch (const ProtocolError& e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(message), e.what());
    }
}

void TestCodec::malformedMsgPack_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("message");
    QTest::newRow("empty") << QByteArray() << u"invalid MessagePack"_s;
    QTest::newRow("truncated array") << bytesOf({0x92, 0x01}) << u"ends inside a value"_s;
    QTest::newRow("truncated str8") << bytesOf({0xd9, 0x0a, 'a', 'b'}) << u"ends inside"_s;
    QTest::newRow("truncated float64") << bytesOf({0xcb, 0x40, 0x14}) << u"ends inside"_s;
    QTest::newRow("bin32 claims 4 GiB")
        << bytesOf({0xc6, 0xff, 0xff, 0xff, 0xff, 0x00}) << u"ends inside"_s;
    QTest::newRow("array32 claims 4 G items")
        << bytesOf({0xdd, 0xff, 0xff, 0xff, 0xff, 0x01}) << u"ends inside"_s;
    QTest::newRow("never used byte") << bytesOf({0xc1}) << u"starts no value"_s;
    QTest::newRow("fixext") << bytesOf({0xd4, 0x01, 0x00}) << u"extension types"_s;
    QTest::newRow("placeholder lookalike")
        << bytesOf({0xd7, 0x51, 0, 0, 0, 0, 0, 0, 0, 0}) << u"extension types"_s;
    QTest::newRow("ext8") << bytesOf({0xc7, 0x01, 0x05, 0x00}) << u"extension types"_s;
    QTest::newRow("trailing bytes") << bytesOf({0x01, 0x02}) << u"invalid MessagePack"_s;
    QTest::newRow("integer map key") << bytesOf({0x81, 0x01, 0x02}) << u"invalid MessagePack"_s;
    QTest::newRow("duplicate key")
        << bytesOf({0x82, 0xa1, 'a', 0x01, 0xa1, 'a', 0x02}) << u"duplicate key 'a'"_s;
    QTest::newRow("invalid UTF-8 string") << bytesOf({0xa1, 0xff}) << u"not valid UTF-8"_s;
    QTest::newRow("encoded surrogate") << bytesOf({0xa3, 0xed, 0xa0, 0x80}) << u"not valid UTF-8"_s;
    QTest::newRow("truncated UTF-8 string") << bytesOf({0xa2, 0xe2, 0x82}) << u"not valid UTF-8"_s;
    QTest::newRow("overlong UTF-8 string") << bytesOf({0xa2, 0xc0, 0xaf}) << u"not valid UTF-8"_s;
    QTest::newRow("dict with many keys, one repeated")
        << bytesOf({0x8a, 0xa1, 'a',  0,    0xa1, 'b',  0,    0xa1, 'c',  0,   0xa1,
                    'd',  0,    0xa1, 'e',  0,    0xa1, 'f',  0,    0xa1, 'g', 0,
                    0xa1, 'h',  0,    0xa1, 'i',  0,    0xa1, 'c',  0})
        << u"duplicate key 'c'"_s;
    QTest::newRow("invalid UTF-8 key") << bytesOf({0x81, 0xa1, 0xfe, 0x01}) << u"not valid UTF-8"_s;
    QTest::newRow("bare bin") << bytesOf({0xc4, 0x01, 0x00}) << u"binary data outside"_s;
    QByteArray big = bytesOf({0xc5, 0x10, 0x00}) + QByteArray(4096, 'x');
    QTest::newRow("bytes after a large bin") << big + bytesOf({0x00}) << u"invalid MessagePack"_s;
    QTest::newRow("large bin cut short") << big.chopped(1) << u"ends inside"_s;
    QTest::newRow("large bare bin") << big << u"binary data outside"_s;
    QTest::newRow("ndarray data wrong size")
        << bytesOf({0x84, 0xa3, '$',  'q',  'k', 0xa7, 'n',  'd', 'a',  'r',  'r',
                    'a',  'y',  0xa5, 'd',  't', 'y',  'p',  'e', 0xa5, 'i',  'n',
                    't',  '1',  '6',  0xa5, 's', 'h',  'a',  'p', 'e',  0x91, 0x02,
                    0xa4, 'd',  'a',  't',  'a', 0xc4, 0x03, 1,   2,    3})
        << u"array data has 3 bytes; dtype and shape need 4"_s;
}

void TestCodec::malformedMsgPack() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, message);
    try {
        const Value v = decodeMsgPack(bytes);
        QFAIL(qPrintable(u"decoded as "_s + v.toDisplayString()));
    } catch (const ProtocolError& e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(message), e.what());
    }
}

void TestCodec::deepNestingIsRefused() {
    QVERIFY_THROWS_EXCEPTION(ProtocolError,
                             qk::protocol::parse(QByteArray(100000, '['), Format::Json));
    QVERIFY_THROWS_EXCEPTION(
        ProtocolError,
        qk::protocol::parse(QByteArray(100000, '[') + QByteArray(100000, ']'), Format::Json));
    QVERIFY_THROWS_EXCEPTION(
        ProtocolError, qk::protocol::parse(QByteArray(100000, '\x91') + '\x01', Format::MsgPack));
    QByteArray maps;
    for (int i = 0; i < 100000; ++i)
        maps += bytesOf({0x81, 0xa1, 'k'});
    QVERIFY_THROWS_EXCEPTION(ProtocolError, qk::protocol::parse(maps + '\x01', Format::MsgPack));
    try {
        qk::protocol::parse(QByteArray(100000, '['), Format::Json);
    } catch (const ProtocolError& e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(u"deeper than 256"_s), e.what());
    }
}

void TestCodec::nestingLimits() {
    const int limit = qk::protocol::kDefaultMaxDepth;
    auto jsonLists = [](int depth) { return QByteArray(depth, '[') + QByteArray(depth, ']'); };
    auto msgpackLists = [](int depth) { return QByteArray(depth - 1, '\x91') + '\x90'; };
    QCOMPARE(qk::protocol::parse(jsonLists(limit), Format::Json).size(), std::size_t{1});
    QVERIFY_THROWS_EXCEPTION(ProtocolError,
                             qk::protocol::parse(jsonLists(limit + 1), Format::Json));
    QCOMPARE(qk::protocol::parse(msgpackLists(limit), Format::MsgPack).size(), std::size_t{1});
    QVERIFY_THROWS_EXCEPTION(ProtocolError,
                             qk::protocol::parse(msgpackLists(limit + 1), Format::MsgPack));
    QVERIFY_THROWS_EXCEPTION(ProtocolError, qk::protocol::parse(jsonLists(4), Format::Json, 3));

    // A value as deep as the limit travels; one level more is refused on the way out.
    const Value deepest = nestedLists(limit);
    for (Format format : {Format::Json, Format::MsgPack})
        QVERIFY(::roundTrip(deepest, format) == deepest);
    QVERIFY_THROWS_EXCEPTION(ProtocolError,
                             qk::protocol::toWire(nestedLists(limit + 1), Format::Json));
    // Tagged maps count as levels: a tuple is a map holding a list.
    QVERIFY_THROWS_EXCEPTION(ProtocolError,
                             qk::protocol::toWire(Value::tuple({Value::List{}}), Format::Json, 2));
    QVERIFY(qk::protocol::toWire(Value::tuple({Value::List{}}), Format::Json, 3).is_object());

    // fromWire() has its own limit for documents built in code.
    DecodeContext shallow;
    shallow.maxDepth = 3;
    const Json three = Json::array({Json::array({Json::array({1})})});
    QCOMPARE(qk::protocol::fromWire(three, shallow), nestedLists(3));
    QVERIFY_THROWS_EXCEPTION(ProtocolError, qk::protocol::fromWire(Json::array({three}), shallow));
    // A tuple is a map holding a list: a tuple of [[1]] is four levels deep.
    const Json tuple = qk::protocol::parse(R"({"$qk":"tuple","v":[[[1]]]})", Format::Json);
    QVERIFY_THROWS_EXCEPTION(ProtocolError, qk::protocol::fromWire(tuple, shallow));
    shallow.maxDepth = 4;
    QCOMPARE(qk::protocol::fromWire(tuple, shallow), Value::tuple({nestedLists(2)}));
}

void TestCodec::toWireRefusesWhatCannotTravel() {
    QVERIFY_THROWS_EXCEPTION(ProtocolError,
                             qk::protocol::toWire(Value(BigInt{u"12x"_s}), Format::Json));
    QVERIFY_THROWS_EXCEPTION(ProtocolError,
                             qk::protocol::toWire(Value(BigInt{QString()}), Format::MsgPack));
    QVERIFY_THROWS_EXCEPTION(ProtocolError, qk::protocol::toWire(Value(Reference()), Format::Json));
    CsrMatrix broken = sampleCsr();
    broken.cols = 1;
    QVERIFY_THROWS_EXCEPTION(ProtocolError, qk::protocol::toWire(Value(broken), Format::MsgPack));
    // A BigInt that fits int64 travels as a plain number.
    QVERIFY(qk::protocol::toWire(Value(BigInt{u"-0042"_s}), Format::Json) == Json(-42));
}

void TestCodec::serializeRefusesInvalidUtf8() {
    QVERIFY_THROWS_EXCEPTION(ProtocolError,
                             qk::protocol::serialize(Json(std::string("\xff")), Format::Json));
    QCOMPARE(qk::protocol::serialize(Json(std::string("ok")), Format::Json), R"("ok")"_ba);
}

void TestCodec::largeBinariesInsideStructures() {
    // Payloads around the size where MessagePack parsing lifts them out, several per message,
    // at several depths, next to small ones and to strings that look like bin headers.
    Value::List list;
    for (int size : {0, 1, 4095, 4096, 4097, 70000, 100}) {
        QByteArray bytes(size, '\0');
        for (int i = 0; i < size; ++i)
            bytes[i] = static_cast<char>(i * 7 + size);
        list.push_back(bytes);
        list.push_back(QString(size % 300, u'\xc6'));
    }
    const Value message = Value::dict(
        {{u"bytes"_s, list},
         {u"arrays"_s, Value::tuple({counting<float>({1000, 3}), counting<std::uint8_t>({5000}),
                                     Value::dict({{u"deep"_s, counting<double>({600})}})})},
         {u"csr"_s, CsrMatrix{1, 2000, counting<double>({1000}), [] {
                                  std::vector<std::int32_t> columns;
                                  for (int i = 0; i < 1000; ++i)
                                      columns.push_back(2 * i);
                                  return NdArray::fromVector(columns);
                              }(),
                              NdArray::fromVector(std::vector<std::int32_t>{0, 1000})}},
         {u"after"_s, 1}});
    QVERIFY(::roundTrip(message, Format::MsgPack) == message);
    QVERIFY(::roundTrip(message, Format::Json) == message);
}

void TestCodec::largeArrayRoundTripIsFast() {
    constexpr std::int64_t n = 25'000'000; // 100 MB of float32
    NdArray array = NdArray::zeros(DType::Float32, {n / 1000, 1000});
    float* data = array.mutableData<float>();
    for (std::int64_t i = 0; i < n; i += 4099)
        data[i] = static_cast<float>(i);
    data[n - 1] = -1.0f;
    const Value value = Value::dict({{u"id"_s, "c1"}, {u"x"_s, array}});

    QElapsedTimer timer;
    timer.start();
    const Json wire = qk::protocol::toWire(value, Format::MsgPack);
    const qint64 toWireMs = timer.restart();
    const QByteArray bytes = qk::protocol::serialize(wire, Format::MsgPack);
    const qint64 serializeMs = timer.restart();
    const Json parsed = qk::protocol::parse(bytes, Format::MsgPack);
    const qint64 parseMs = timer.restart();
    const Value back = qk::protocol::fromWire(parsed);
    const qint64 fromWireMs = timer.restart();

    qInfo("100 MB float32 array through MessagePack: toWire %lld ms, serialize %lld ms, "
          "parse %lld ms, fromWire %lld ms, total %lld ms",
          toWireMs, serializeMs, parseMs, fromWireMs,
          toWireMs + serializeMs + parseMs + fromWireMs);
    QVERIFY(bytes.size() > 100'000'000);
    QVERIFY(bytes.size() < 100'000'100);
    QCOMPARE(back["x"].toArray().shape(), (std::vector<std::int64_t>{n / 1000, 1000}));
    QCOMPARE(back["x"].toArray().toVector<float>()[n - 1], -1.0f);
    QVERIFY(back == value);
}

// Every dtype, empty, 0-d, small and large (lifted) arrays, bytes and CSR matrices, sent with
// their payloads kept beside the document and received as views of the body.
void TestCodec::payloadsRoundTrip_data() {
    QTest::addColumn<Value>("value");
    auto add = [](const char* name, NdArray array) {
        QTest::addRow("%s", name) << Value(array);
        QTest::addRow("%s in a command", name)
            << Value::dict({{u"id"_s, "c1"}, {u"bindings"_s, Value::dict({{u"a"_s, array}})}});
    };
    add("bool", NdArray::fromVector(std::vector<bool>(5000, true), {50, 100}));
    add("int8", counting<std::int8_t>({5000}));
    add("int16", counting<std::int16_t>({3000}));
    add("int32", counting<std::int32_t>({2, 3, 700}));
    add("int64", counting<std::int64_t>({1025}));
    add("uint8", counting<std::uint8_t>({4096}));
    add("uint16", counting<std::uint16_t>({2048}));
    add("uint32", counting<std::uint32_t>({1024, 1}));
    add("uint64", counting<std::uint64_t>({600}));
    add("float16", NdArray(DType::Float16, {4000}, QByteArray(8000, '\x3c')));
    add("float32", counting<float>({70000}));
    add("float64", counting<double>({100, 100}));
    add("small float32", counting<float>({3}));
    add("empty", NdArray::zeros(DType::Float32, {0, 5}));
    add("0-d", NdArray::scalar(2.5));
    add("large float32", counting<float>({4'000'000}));
    QTest::addRow("bytes") << Value(Value::List{QByteArray(5000, 'x'), QByteArray(4095, 'y'),
                                                QByteArray(), QByteArray(70000, 'z')});
    QTest::addRow("csr") << Value(
        CsrMatrix{1, 3000, counting<double>({2000}),
                  [] {
                      std::vector<std::int64_t> columns;
                      for (int i = 0; i < 2000; ++i)
                          columns.push_back(i);
                      return NdArray::fromVector(columns);
                  }(),
                  NdArray::fromVector(std::vector<std::int64_t>{0, 2000})});
    QTest::addRow("two large arrays")
        << Value(Value::List{counting<float>({300'000}), counting<std::int16_t>({100'000})});
}

void TestCodec::payloadsRoundTrip() {
    QFETCH(Value, value);
    qk::protocol::Payloads sent;
    const Json wire = qk::protocol::toWire(value, Format::MsgPack, 256, &sent);
    const QByteArray body = qk::protocol::serialize(wire, Format::MsgPack, sent);
    // The body is the same MessagePack as with the payloads inside the document.
    QCOMPARE(body, qk::protocol::serialize(qk::protocol::toWire(value, Format::MsgPack),
                                           Format::MsgPack));
    // Written as pieces, the payloads are not copied into one buffer.
    QByteArray joined;
    for (const QByteArray& piece : qk::protocol::serializePieces(wire, Format::MsgPack, sent))
        joined += piece;
    QCOMPARE(joined, body);
    qk::protocol::Payloads received;
    const Json parsed = qk::protocol::parseBody(body, Format::MsgPack, 256, &received);
    QCOMPARE(received.size(), sent.size());
    DecodeContext context;
    context.payloads = &received;
    QVERIFY(qk::protocol::fromWire(parsed, context) == value);
    // The other parse keeps no payloads and decodes on its own.
    QVERIFY(qk::protocol::fromWire(qk::protocol::parse(body, Format::MsgPack)) == value);
}

void TestCodec::payloadsShareTheBody() {
    const NdArray array = counting<float>({1'000'000});
    qk::protocol::Payloads sent;
    const Json wire = qk::protocol::toWire(array, Format::MsgPack, 256, &sent);
    QCOMPARE(sent.size(), std::size_t{1});
    QCOMPARE(sent[0].constData(), array.bytes().constData()); // shared, not copied
    const QByteArray body = qk::protocol::serialize(wire, Format::MsgPack, sent);
    const std::vector<QByteArray> pieces =
        qk::protocol::serializePieces(wire, Format::MsgPack, sent);
    QVERIFY(std::any_of(pieces.begin(), pieces.end(), [&](const QByteArray& piece) {
        return piece.constData() == array.bytes().constData();
    }));

    // Received where placeBody() says, the array is used where it lies, 64-byte aligned.
    const std::optional<qsizetype> at = qk::protocol::detail::firstLargeBinary(body);
    QVERIFY(at);
    // The head must hold the payload's header, not more.
    QCOMPARE(qk::protocol::detail::firstLargeBinary(body.first(*at)), at);
    QCOMPARE(qk::protocol::detail::firstLargeBinary(body.first(*at - 1)), std::nullopt);
    qk::protocol::BodyPlacement placement =
        qk::protocol::placeBody(body.size(), QByteArrayView(body).first(4096 + 64));
    std::memcpy(placement.buffer.data() + placement.offset, body.constData(),
                std::size_t(body.size()));
    const QByteArray placed = std::move(placement).body(body.size());
    QCOMPARE(placed, body);
    qk::protocol::Payloads received;
    DecodeContext context;
    context.payloads = &received;
    Value back = qk::protocol::fromWire(
        qk::protocol::parseBody(placed, Format::MsgPack, 256, &received), context);
    const char* data = back.toArray().bytes().constData();
    QCOMPARE(data, placed.constData() + *at);
    QCOMPARE(reinterpret_cast<quintptr>(data) % 64, quintptr(0));
    QVERIFY(back.toArray() == array);

    // Received anywhere else, the array is used where it lies if it is aligned for a float,
    // and copied into a buffer of its own if not.
    for (qsizetype shift = 0; shift < 4; ++shift) {
        QByteArray buffer(body.size() + shift, '\0');
        std::memcpy(buffer.data() + shift, body.constData(), std::size_t(body.size()));
        const QByteArray elsewhere = qk::protocol::sharedSlice(buffer, shift, body.size());
        qk::protocol::Payloads payloads;
        DecodeContext decode;
        decode.payloads = &payloads;
        const NdArray got =
            qk::protocol::fromWire(
                qk::protocol::parseBody(elsewhere, Format::MsgPack, 256, &payloads), decode)
                .toArray();
        const char* lies = elsewhere.constData() + *at;
        const bool aligned = reinterpret_cast<quintptr>(lies) % alignof(float) == 0;
        QCOMPARE(got.bytes().constData() == lies, aligned);
        QCOMPARE(reinterpret_cast<quintptr>(got.data<float>()) % alignof(float), quintptr(0));
        QVERIFY(got == array);
    }

    // Writing to the decoded array copies it first; the body stays as it was.
    NdArray changed = back.toArray();
    changed.mutableData<float>()[0] = -1.0f;
    QCOMPARE(changed.data<float>()[0], -1.0f);
    QCOMPARE(back.toArray().data<float>()[0], 0.0f);
    QVERIFY(qk::protocol::fromWire(qk::protocol::parse(body, Format::MsgPack)) == Value(array));
}

void TestCodec::payloadsRefuseBrokenBodies_data() {
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("error");
    const NdArray array = counting<float>({2000});
    const QByteArray good =
        qk::protocol::serialize(qk::protocol::toWire(array, Format::MsgPack), Format::MsgPack);
    QTest::addRow("cut inside the payload") << good.first(good.size() - 1) << u"data ends"_s;
    QTest::addRow("cut inside the bin header")
        << good.first(good.indexOf("\xc5\x1f\x40") + 2) << u"data ends"_s;
    QTest::addRow("trailing byte") << good + '\x01' << u"invalid MessagePack"_s;
    // A float32 array whose data is one byte longer than its shape needs.
    QByteArray misaligned = good;
    const qsizetype header = misaligned.indexOf("\xc5\x1f\x40");
    misaligned[header + 2] = '\x41';
    misaligned.append('\0');
    QTest::addRow("data not a whole number of elements") << misaligned << u"8001 bytes"_s;
    // A peer that sends the placeholder's own extension type.
    QByteArray placeholder = good.first(header);
    placeholder += QByteArray("\xd7\x51\0\0\0\0\0\0\0\0", 10);
    QTest::addRow("placeholder from the peer") << placeholder << u"extension types"_s;
}

void TestCodec::payloadsRefuseBrokenBodies() {
    QFETCH(QByteArray, body);
    QFETCH(QString, error);
    qk::protocol::Payloads payloads;
    DecodeContext context;
    context.payloads = &payloads;
    try {
        qk::protocol::fromWire(qk::protocol::parseBody(body, Format::MsgPack, 256, &payloads),
                               context);
        QFAIL("the body was accepted");
    } catch (const ProtocolError& e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(error), e.what());
    }
}

void TestCodec::referenceReleaseHookFiresOnce() {
    QStringList released;
    DecodeContext context;
    context.releaseHook = [&released](const QString& name) { released << name; };
    {
        const Value decoded = qk::protocol::fromWire(
            qk::protocol::parse(R"([{"$qk":"ref","name":"v_1","type":"T","repr":"<T>"},)"
                                R"({"$qk":"ref","name":"v_2","type":"T","repr":"<T>"}])",
                                Format::Json),
            context);
        QVERIFY(released.isEmpty());
        const Reference first = decoded.items().at(0).toRef();
        QCOMPARE(first.name(), u"v_1"_s);
        QCOMPARE(first.type(), u"T"_s);
        QCOMPARE(first.repr(), u"<T>"_s);
        {
            const Value copy = decoded;
            const Value list(Value::List{decoded, decoded});
            // Sending a reference back does not release it.
            QVERIFY(::roundTrip(copy, Format::MsgPack).items().at(0).isRef());
        }
        QVERIFY(released.isEmpty());
        QCOMPARE(first.useCount(), 2);
    }
    released.sort();
    QCOMPARE(released, (QStringList{u"v_1"_s, u"v_2"_s}));
}

void TestCodec::hasBinary_data() {
    QTest::addColumn<Value>("value");
    QTest::addColumn<bool>("binary");
    QTest::newRow("none") << Value() << false;
    QTest::newRow("string") << Value("bytes") << false;
    QTest::newRow("list of numbers") << Value(Value::List{1, 2.5, BigInt{u"1"_s}}) << false;
    QTest::newRow("ref") << Value(Reference(u"v"_s, u"T"_s, {})) << false;
    QTest::newRow("bytes") << Value(QByteArray("x")) << true;
    QTest::newRow("empty bytes") << Value(QByteArray()) << true;
    QTest::newRow("array") << Value(NdArray::scalar(1.0)) << true;
    QTest::newRow("csr") << Value(sampleCsr()) << true;
    QTest::newRow("array deep in list")
        << Value(Value::List{1, Value::List{Value::tuple({NdArray::scalar(1)})}}) << true;
    QTest::newRow("bytes as dict key") << Value(Value::Dict{{QByteArray("k"), 1}}) << true;
    QTest::newRow("array as dict value")
        << Value::dict({{u"a"_s, 1}, {u"b"_s, NdArray::scalar(true)}}) << true;
    QTest::newRow("plain dict") << Value::dict({{u"a"_s, Value::List{"x"}}}) << false;
}

void TestCodec::hasBinary() {
    QFETCH(Value, value);
    QFETCH(bool, binary);
    QCOMPARE(qk::protocol::hasBinary(value), binary);
}

void TestCodec::contentTypes_data() {
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<int>("format"); // -1: not ours
    QTest::newRow("json") << "application/json"_ba << int(Format::Json);
    QTest::newRow("json charset") << "application/json; charset=utf-8"_ba << int(Format::Json);
    QTest::newRow("json upper case") << "Application/JSON"_ba << int(Format::Json);
    QTest::newRow("msgpack") << "application/msgpack"_ba << int(Format::MsgPack);
    QTest::newRow("x-msgpack") << "application/x-msgpack"_ba << int(Format::MsgPack);
    QTest::newRow("msgpack spaces") << "  application/msgpack ;q=1"_ba << int(Format::MsgPack);
    QTest::newRow("text") << "text/plain"_ba << -1;
    QTest::newRow("empty") << ""_ba << -1;
    QTest::newRow("json-seq") << "application/json-seq"_ba << -1;
    QTest::newRow("form") << "application/x-www-form-urlencoded"_ba << -1;
}

void TestCodec::contentTypes() {
    QFETCH(QByteArray, header);
    QFETCH(int, format);
    const std::optional<Format> parsed = qk::protocol::formatFromContentType(header);
    QCOMPARE(parsed ? int(*parsed) : -1, format);
    QCOMPARE(qk::protocol::contentType(Format::Json), "application/json"_ba);
    QCOMPARE(qk::protocol::contentType(Format::MsgPack), "application/msgpack"_ba);
    for (Format f : {Format::Json, Format::MsgPack})
        QCOMPARE(qk::protocol::formatFromContentType(qk::protocol::contentType(f)), f);
}

QTEST_GUILESS_MAIN(TestCodec)
#include "tst_codec.moc"
