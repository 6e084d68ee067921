// SPDX-License-Identifier: GPL-3.0-or-later
// Unit tests of qk::NdArray, qk::CsrMatrix, qk::Reference and qk::Value.

#include "bridge/protocol/ndarray.h"
#include "bridge/protocol/value.h"

#include <QTest>

#include <cmath>
#include <cstring>
#include <limits>

using qk::BigInt;
using qk::CsrMatrix;
using qk::DType;
using qk::NdArray;
using qk::Reference;
using qk::Value;

class TestValue : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void dtypeNames_data();
    void dtypeNames();
    void unknownDTypeName();
    void arrayShapes_data();
    void arrayShapes();
    void zeroDimensionalArray();
    void emptyArrays();
    void fromVectorRoundTrips();
    void boolArray();
    void fromVectorRejectsWrongShape();
    void constructorChecksByteCount();
    void negativeOrOverflowingShapeThrows();
    void typedAccessChecksDType();
    void valueAt();
    void mutableDataDetaches();
    void typedDataIsAligned();
    void arrayEquality();
    void csrValidates();
    void csrRejectsInconsistentParts_data();
    void csrRejectsInconsistentParts();
    void valueKinds_data();
    void valueKinds();
    void unsignedBeyondInt64IsBigInt();
    void accessorsThrowOnWrongKind();
    void dictLookup();
    void equality_data();
    void equality();
    void displayString_data();
    void displayString();
    void displayStringTruncates();
    void referenceReleasesOnceWhenLastCopyGoes();
    void referenceWithoutHook();
    void kindNames();
};

void TestValue::dtypeNames_data() {
    QTest::addColumn<int>("dtype");
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("size");
    QTest::newRow("bool") << int(DType::Bool) << "bool" << 1;
    QTest::newRow("int8") << int(DType::Int8) << "int8" << 1;
    QTest::newRow("int16") << int(DType::Int16) << "int16" << 2;
    QTest::newRow("int32") << int(DType::Int32) << "int32" << 4;
    QTest::newRow("int64") << int(DType::Int64) << "int64" << 8;
    QTest::newRow("uint8") << int(DType::UInt8) << "uint8" << 1;
    QTest::newRow("uint16") << int(DType::UInt16) << "uint16" << 2;
    QTest::newRow("uint32") << int(DType::UInt32) << "uint32" << 4;
    QTest::newRow("uint64") << int(DType::UInt64) << "uint64" << 8;
    QTest::newRow("float16") << int(DType::Float16) << "float16" << 2;
    QTest::newRow("float32") << int(DType::Float32) << "float32" << 4;
    QTest::newRow("float64") << int(DType::Float64) << "float64" << 8;
}

void TestValue::dtypeNames() {
    QFETCH(int, dtype);
    QFETCH(QString, name);
    QFETCH(int, size);
    const auto d = static_cast<DType>(dtype);
    QCOMPARE(qk::dtypeName(d), name);
    QCOMPARE(qk::dtypeFromName(name), std::optional<DType>(d));
    QCOMPARE(qk::dtypeSize(d), size);
}

void TestValue::unknownDTypeName() {
    QCOMPARE(qk::dtypeFromName(QStringLiteral("float128")), std::nullopt);
    QCOMPARE(qk::dtypeFromName(QStringLiteral("Float32")), std::nullopt);
    QCOMPARE(qk::dtypeFromName(QString()), std::nullopt);
}

void TestValue::arrayShapes_data() {
    QTest::addColumn<std::vector<std::int64_t>>("shape");
    QTest::addColumn<qint64>("size");
    QTest::newRow("0-d") << std::vector<std::int64_t>{} << qint64(1);
    QTest::newRow("[5]") << std::vector<std::int64_t>{5} << qint64(5);
    QTest::newRow("[2,3]") << std::vector<std::int64_t>{2, 3} << qint64(6);
    QTest::newRow("[2,3,4]") << std::vector<std::int64_t>{2, 3, 4} << qint64(24);
    QTest::newRow("[0]") << std::vector<std::int64_t>{0} << qint64(0);
    QTest::newRow("[3,0]") << std::vector<std::int64_t>{3, 0} << qint64(0);
}

void TestValue::arrayShapes() {
    QFETCH(std::vector<std::int64_t>, shape);
    QFETCH(qint64, size);
    const NdArray a = NdArray::zeros(DType::Float32, shape);
    QCOMPARE(a.shape(), shape);
    QCOMPARE(a.ndim(), int(shape.size()));
    QCOMPARE(a.size(), size);
    QCOMPARE(a.bytes().size(), size * 4);
    QCOMPARE(a.dtype(), DType::Float32);
    for (qint64 i = 0; i < size; ++i)
        QCOMPARE(a.valueAt(i), 0.0);
}

void TestValue::zeroDimensionalArray() {
    const NdArray a = NdArray::scalar(2.5);
    QCOMPARE(a.ndim(), 0);
    QVERIFY(a.shape().empty());
    QCOMPARE(a.size(), 1);
    QCOMPARE(a.dtype(), DType::Float64);
    QCOMPARE(a.toVector<double>(), std::vector<double>{2.5});

    const NdArray i = NdArray::scalar<std::int32_t>(-7);
    QCOMPARE(i.dtype(), DType::Int32);
    QCOMPARE(i.valueAt(0), -7.0);

    // A default array is a 0-d float64 zero, not an empty one.
    const NdArray d;
    QCOMPARE(d.ndim(), 0);
    QCOMPARE(d.size(), 1);
    QCOMPARE(d.bytes().size(), 8);
    QCOMPARE(d.valueAt(0), 0.0);
}

void TestValue::emptyArrays() {
    const NdArray a = NdArray::fromVector(std::vector<float>{});
    QCOMPARE(a.shape(), std::vector<std::int64_t>{0});
    QCOMPARE(a.size(), 0);
    QVERIFY(a.bytes().isEmpty());
    QVERIFY(a.toVector<float>().empty());

    const NdArray b(DType::Int64, {3, 0}, QByteArray());
    QCOMPARE(b.size(), 0);
    QCOMPARE(b.ndim(), 2);
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, b.valueAt(0));
    QVERIFY(a != NdArray::fromVector(std::vector<double>{}));
}

void TestValue::fromVectorRoundTrips() {
    const std::vector<float> f{1.5f, -2.0f, 3.25f, 0.0f, 1e-3f, 7.0f};
    const NdArray a = NdArray::fromVector(f, {2, 3});
    QCOMPARE(a.dtype(), DType::Float32);
    QCOMPARE(a.shape(), (std::vector<std::int64_t>{2, 3}));
    QCOMPARE(a.toVector<float>(), f);
    QCOMPARE(a.valueAt(2), 3.25);

    const std::vector<std::int64_t> big{std::numeric_limits<std::int64_t>::min(), 0,
                                        std::numeric_limits<std::int64_t>::max()};
    const NdArray b = NdArray::fromVector(big);
    QCOMPARE(b.dtype(), DType::Int64);
    QCOMPARE(b.shape(), std::vector<std::int64_t>{3});
    QCOMPARE(b.toVector<std::int64_t>(), big);

    const std::vector<std::uint8_t> u{0, 127, 255};
    QCOMPARE(NdArray::fromVector(u).toVector<std::uint8_t>(), u);
    QCOMPARE(NdArray::fromVector(u).valueAt(2), 255.0);

    const std::vector<std::uint64_t> u64{std::numeric_limits<std::uint64_t>::max()};
    QCOMPARE(NdArray::fromVector(u64).toVector<std::uint64_t>(), u64);

    const std::vector<double> nan{std::nan("")};
    QVERIFY(std::isnan(NdArray::fromVector(nan).toVector<double>()[0]));
}

void TestValue::boolArray() {
    const NdArray a = NdArray::fromVector(std::vector<bool>{true, false, true, true}, {2, 2});
    QCOMPARE(a.dtype(), DType::Bool);
    QCOMPARE(a.bytes(), QByteArray("\x01\x00\x01\x01", 4));
    QCOMPARE(a.toVector<bool>(), (std::vector<bool>{true, false, true, true}));
    QCOMPARE(a.valueAt(1), 0.0);
    QCOMPARE(a.valueAt(3), 1.0);
}

void TestValue::fromVectorRejectsWrongShape() {
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             NdArray::fromVector(std::vector<float>{1, 2, 3}, {2, 2}));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             NdArray::fromVector(std::vector<float>{1, 2}, {1}));
}

void TestValue::constructorChecksByteCount() {
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             NdArray(DType::Float32, {2}, QByteArray(7, '\0')));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, NdArray(DType::Int64, {}, QByteArray(4, '\0')));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             NdArray(DType::UInt8, {0}, QByteArray(1, '\0')));
    const NdArray ok(DType::Int16, {2, 2}, QByteArray(8, '\0'));
    QCOMPARE(ok.size(), 4);
}

void TestValue::negativeOrOverflowingShapeThrows() {
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, NdArray::zeros(DType::Float32, {-1}));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             NdArray(DType::Float32, {2, -2}, QByteArray(16, '\0')));
    constexpr std::int64_t huge = std::int64_t{1} << 62;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, NdArray::zeros(DType::Float64, {huge}));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             NdArray(DType::Float64, {huge, huge}, QByteArray()));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             NdArray(DType::Float64, {huge}, QByteArray(8, '\0')));
}

void TestValue::typedAccessChecksDType() {
    NdArray a = NdArray::fromVector(std::vector<float>{1, 2});
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, a.data<double>());
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, a.toVector<std::int32_t>());
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, a.mutableData<std::uint32_t>());
    QCOMPARE(a.data<float>()[1], 2.0f);
}

void TestValue::valueAt() {
    const NdArray a = NdArray::fromVector(std::vector<std::int16_t>{-3, 4, 5});
    QCOMPARE(a.valueAt(0), -3.0);
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, a.valueAt(3));
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, a.valueAt(-1));
    const NdArray h(DType::Float16, {1}, QByteArray("\x00\x3c", 2));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, h.valueAt(0));
}

void TestValue::mutableDataDetaches() {
    const NdArray original = NdArray::fromVector(std::vector<std::int32_t>{1, 2, 3});
    NdArray copy = original;
    copy.mutableData<std::int32_t>()[0] = 42;
    QCOMPARE(copy.toVector<std::int32_t>(), (std::vector<std::int32_t>{42, 2, 3}));
    QCOMPARE(original.toVector<std::int32_t>(), (std::vector<std::int32_t>{1, 2, 3}));
}

void TestValue::typedDataIsAligned() {
    // Bytes at every offset of a larger buffer, as an array received in a message may lie.
    const std::vector<double> values{1.5, -2.25, 1e300, 4.0};
    const qsizetype size = qsizetype(values.size() * sizeof(double));
    QByteArray buffer(size + 8, '\0');
    for (qsizetype offset = 0; offset < 8; ++offset) {
        std::memcpy(buffer.data() + offset, values.data(), std::size_t(size));
        const NdArray a(DType::Float64, {4},
                        QByteArray::fromRawData(buffer.constData() + offset, size));
        QCOMPARE(reinterpret_cast<quintptr>(a.data<double>()) % alignof(double), quintptr(0));
        QCOMPARE(a.toVector<double>(), values);
    }
}

void TestValue::arrayEquality() {
    const NdArray a = NdArray::fromVector(std::vector<float>{1, 2, 3, 4}, {2, 2});
    QCOMPARE(a, NdArray::fromVector(std::vector<float>{1, 2, 3, 4}, {2, 2}));
    QVERIFY(a != NdArray::fromVector(std::vector<float>{1, 2, 3, 4}, {4}));
    QVERIFY(a != NdArray::fromVector(std::vector<std::int32_t>{1, 2, 3, 4}, {2, 2}));
    QVERIFY(a != NdArray::fromVector(std::vector<float>{1, 2, 3, 5}, {2, 2}));
    // Arrays compare bytes, so identical NaNs are equal.
    const NdArray n = NdArray::fromVector(std::vector<double>{std::nan("")});
    QCOMPARE(n, NdArray::fromVector(std::vector<double>{std::nan("")}));
}

namespace {

// [[1, 0, 2], [0, 0, 3]]
CsrMatrix sampleCsr() {
    return CsrMatrix{2, 3, NdArray::fromVector(std::vector<double>{1, 2, 3}),
                     NdArray::fromVector(std::vector<std::int32_t>{0, 2, 2}),
                     NdArray::fromVector(std::vector<std::int32_t>{0, 2, 3})};
}

} // namespace

void TestValue::csrValidates() {
    sampleCsr().validate();
    CsrMatrix empty{0, 0, NdArray::fromVector(std::vector<float>{}),
                    NdArray::fromVector(std::vector<std::int64_t>{}),
                    NdArray::fromVector(std::vector<std::int64_t>{0})};
    empty.validate();
    CsrMatrix noValues{4, 2, NdArray::fromVector(std::vector<float>{}),
                       NdArray::fromVector(std::vector<std::int32_t>{}),
                       NdArray::fromVector(std::vector<std::int32_t>{0, 0, 0, 0, 0})};
    noValues.validate();
    QCOMPARE(sampleCsr(), sampleCsr());
    QVERIFY(sampleCsr() != noValues);
}

void TestValue::csrRejectsInconsistentParts_data() {
    QTest::addColumn<int>("defect");
    QTest::newRow("negative rows") << 0;
    QTest::newRow("2-d data") << 1;
    QTest::newRow("float indices") << 2;
    QTest::newRow("indices length") << 3;
    QTest::newRow("indptr length") << 4;
    QTest::newRow("indptr decreasing") << 5;
    QTest::newRow("indptr not starting at 0") << 6;
    QTest::newRow("indptr not ending at nnz") << 7;
    QTest::newRow("column out of range") << 8;
    QTest::newRow("negative column") << 9;
    QTest::newRow("huge rows") << 10;
    QTest::newRow("default parts") << 11;
}

void TestValue::csrRejectsInconsistentParts() {
    QFETCH(int, defect);
    CsrMatrix m = sampleCsr();
    switch (defect) {
    case 0:
        m.rows = -1;
        break;
    case 1:
        m.data = NdArray::fromVector(std::vector<double>{1, 2, 3}, {3, 1});
        break;
    case 2:
        m.indices = NdArray::fromVector(std::vector<float>{0, 2, 2});
        break;
    case 3:
        m.indices = NdArray::fromVector(std::vector<std::int32_t>{0, 2});
        break;
    case 4:
        m.indptr = NdArray::fromVector(std::vector<std::int32_t>{0, 3});
        break;
    case 5:
        m.indptr = NdArray::fromVector(std::vector<std::int32_t>{0, 3, 2});
        break;
    case 6:
        m.indptr = NdArray::fromVector(std::vector<std::int32_t>{1, 2, 3});
        break;
    case 7:
        m.indptr = NdArray::fromVector(std::vector<std::int32_t>{0, 1, 2});
        break;
    case 8:
        m.indices = NdArray::fromVector(std::vector<std::int32_t>{0, 3, 2});
        break;
    case 9:
        m.indices = NdArray::fromVector(std::vector<std::int64_t>{0, -1, 2});
        break;
    case 10:
        m.rows = std::numeric_limits<std::int64_t>::max();
        break;
    case 11:
        m = CsrMatrix{};
        break;
    }
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, m.validate());
}

void TestValue::valueKinds_data() {
    QTest::addColumn<Value>("value");
    QTest::addColumn<int>("kind");
    using K = Value::Kind;
    QTest::newRow("none") << Value() << int(K::None);
    QTest::newRow("nullptr") << Value(nullptr) << int(K::None);
    QTest::newRow("bool") << Value(true) << int(K::Bool);
    QTest::newRow("int") << Value(42) << int(K::Int);
    QTest::newRow("long long") << Value(-5LL) << int(K::Int);
    QTest::newRow("unsigned") << Value(7u) << int(K::Int);
    QTest::newRow("bigint") << Value(BigInt{QStringLiteral("123456789012345678901234567890")})
                            << int(K::BigInt);
    QTest::newRow("double") << Value(1.5) << int(K::Float);
    QTest::newRow("float") << Value(1.5f) << int(K::Float);
    QTest::newRow("c string") << Value("text") << int(K::String);
    QTest::newRow("QString") << Value(QStringLiteral("text")) << int(K::String);
    QTest::newRow("bytes") << Value(QByteArray("\x00\x01", 2)) << int(K::Bytes);
    QTest::newRow("list") << Value(Value::List{1, "a"}) << int(K::List);
    QTest::newRow("tuple") << Value::tuple({1, 2}) << int(K::Tuple);
    QTest::newRow("dict") << Value::dict({{QStringLiteral("a"), 1}}) << int(K::Dict);
    QTest::newRow("array") << Value(NdArray::scalar(1.0f)) << int(K::Array);
    QTest::newRow("csr") << Value(sampleCsr()) << int(K::Csr);
    QTest::newRow("ref") << Value(Reference(QStringLiteral("v"), QStringLiteral("Model"), {}))
                         << int(K::Ref);
}

void TestValue::valueKinds() {
    QFETCH(Value, value);
    QFETCH(int, kind);
    QCOMPARE(int(value.kind()), kind);
    using K = Value::Kind;
    QCOMPARE(value.isNone(), kind == int(K::None));
    QCOMPARE(value.isBool(), kind == int(K::Bool));
    QCOMPARE(value.isInt(), kind == int(K::Int));
    QCOMPARE(value.isFloat(), kind == int(K::Float));
    QCOMPARE(value.isNumber(), kind == int(K::Int) || kind == int(K::Float));
    QCOMPARE(value.isString(), kind == int(K::String));
    QCOMPARE(value.isList(), kind == int(K::List));
    QCOMPARE(value.isTuple(), kind == int(K::Tuple));
    QCOMPARE(value.isDict(), kind == int(K::Dict));
    QCOMPARE(value.isArray(), kind == int(K::Array));
    QCOMPARE(value.isRef(), kind == int(K::Ref));
}

void TestValue::unsignedBeyondInt64IsBigInt() {
    const Value max(std::numeric_limits<std::uint64_t>::max());
    QCOMPARE(max.kind(), Value::Kind::BigInt);
    QCOMPARE(max.toBigInt().digits, QStringLiteral("18446744073709551615"));
    const Value fits(std::uint64_t{std::numeric_limits<std::int64_t>::max()});
    QCOMPARE(fits.kind(), Value::Kind::Int);
    QCOMPARE(fits.toInt(), std::numeric_limits<std::int64_t>::max());
    const Value justBeyond(std::uint64_t{std::numeric_limits<std::int64_t>::max()} + 1);
    QCOMPARE(justBeyond, Value(BigInt{QStringLiteral("9223372036854775808")}));
}

void TestValue::accessorsThrowOnWrongKind() {
    const Value i(3);
    QCOMPARE(i.toInt(), 3);
    QCOMPARE(i.toDouble(), 3.0);
    QVERIFY_THROWS_EXCEPTION(std::bad_variant_access, i.toString());
    QVERIFY_THROWS_EXCEPTION(std::bad_variant_access, i.toBool());
    QVERIFY_THROWS_EXCEPTION(std::bad_variant_access, Value("x").toDouble());
    QVERIFY_THROWS_EXCEPTION(std::bad_variant_access, i.items());
    QCOMPARE(Value::tuple({1, 2}).items().size(), std::size_t(2));
    QCOMPARE(Value(Value::List{1, 2, 3}).items().size(), std::size_t(3));
}

void TestValue::dictLookup() {
    const Value d = Value::dict({{QStringLiteral("b"), 2}, {QStringLiteral("a"), "x"}});
    QCOMPARE(d["b"], Value(2));
    QCOMPARE(d[QStringLiteral("a")], Value("x"));
    QVERIFY(d.contains(QStringLiteral("a")));
    QVERIFY(!d.contains(QStringLiteral("c")));
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, d["c"]);
    QVERIFY(!Value(1).contains(QStringLiteral("a")));
    // Insertion order is kept.
    QCOMPARE(d.toDict().front().first, Value("b"));

    // A dict with a non-string key: string lookup finds only string keys.
    const Value mixed(Value::Dict{{Value(1), Value("one")}, {Value("1"), Value("string one")}});
    QCOMPARE(mixed["1"], Value("string one"));
}

void TestValue::equality_data() {
    QTest::addColumn<Value>("a");
    QTest::addColumn<Value>("b");
    QTest::addColumn<bool>("equal");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    QTest::newRow("nan == nan") << Value(nan) << Value(nan) << true;
    QTest::newRow("-nan == nan") << Value(-nan) << Value(nan) << true;
    QTest::newRow("nan != 0") << Value(nan) << Value(0.0) << false;
    QTest::newRow("inf == inf") << Value(inf) << Value(inf) << true;
    QTest::newRow("inf != -inf") << Value(inf) << Value(-inf) << false;
    QTest::newRow("nested nan") << Value(Value::List{nan, Value::tuple({nan})})
                                << Value(Value::List{nan, Value::tuple({nan})}) << true;
    QTest::newRow("nan in dict") << Value::dict({{QStringLiteral("x"), nan}})
                                 << Value::dict({{QStringLiteral("x"), nan}}) << true;
    QTest::newRow("int != float") << Value(1) << Value(1.0) << false;
    QTest::newRow("bool != int") << Value(true) << Value(1) << false;
    QTest::newRow("none == none") << Value() << Value(nullptr) << true;
    QTest::newRow("list != tuple") << Value(Value::List{1}) << Value::tuple({1}) << false;
    QTest::newRow("str != bytes") << Value("a") << Value(QByteArray("a")) << false;
    QTest::newRow("dict order matters")
        << Value::dict({{QStringLiteral("a"), 1}, {QStringLiteral("b"), 2}})
        << Value::dict({{QStringLiteral("b"), 2}, {QStringLiteral("a"), 1}}) << false;
    QTest::newRow("bigint") << Value(BigInt{QStringLiteral("-99999999999999999999")})
                            << Value(BigInt{QStringLiteral("-99999999999999999999")}) << true;
    QTest::newRow("refs by name") << Value(Reference(QStringLiteral("v"), QStringLiteral("A"), {}))
                                  << Value(Reference(QStringLiteral("v"), QStringLiteral("B"), {}))
                                  << true;
    QTest::newRow("refs differ") << Value(Reference(QStringLiteral("v"), {}, {}))
                                 << Value(Reference(QStringLiteral("w"), {}, {})) << false;
    QTest::newRow("arrays") << Value(NdArray::fromVector(std::vector<float>{1, 2}))
                            << Value(NdArray::fromVector(std::vector<float>{1, 2})) << true;
    QTest::newRow("csr") << Value(sampleCsr()) << Value(sampleCsr()) << true;
}

void TestValue::equality() {
    QFETCH(Value, a);
    QFETCH(Value, b);
    QFETCH(bool, equal);
    QCOMPARE(a == b, equal);
    QCOMPARE(b == a, equal);
    QCOMPARE(a != b, !equal);
}

void TestValue::displayString_data() {
    QTest::addColumn<Value>("value");
    QTest::addColumn<QString>("display");
    const double inf = std::numeric_limits<double>::infinity();
    QTest::newRow("None") << Value() << "None";
    QTest::newRow("True") << Value(true) << "True";
    QTest::newRow("False") << Value(false) << "False";
    QTest::newRow("int") << Value(-42) << "-42";
    QTest::newRow("bigint") << Value(BigInt{QStringLiteral("123456789012345678901234567890")})
                            << "123456789012345678901234567890";
    QTest::newRow("1.0") << Value(1.0) << "1.0";
    QTest::newRow("100.0") << Value(100.0) << "100.0";
    QTest::newRow("0.1") << Value(0.1) << "0.1";
    QTest::newRow("-2.5") << Value(-2.5) << "-2.5";
    QTest::newRow("1e16") << Value(1e16) << "1e+16";
    QTest::newRow("1e15") << Value(1e15) << "1000000000000000.0";
    QTest::newRow("1.5e-7") << Value(1.5e-7) << "1.5e-07";
    QTest::newRow("0.0001") << Value(0.0001) << "0.0001";
    QTest::newRow("1/3") << Value(1.0 / 3) << "0.3333333333333333";
    QTest::newRow("nan") << Value(std::nan("")) << "nan";
    QTest::newRow("-inf") << Value(-inf) << "-inf";
    QTest::newRow("str") << Value("it's") << "\"it's\"";
    QTest::newRow("str quotes") << Value("a'b\"c") << "'a\\'b\"c'";
    QTest::newRow("str escapes") << Value("a\\b\nc\td") << "'a\\\\b\\nc\\td'";
    QTest::newRow("str control") << Value(QStringLiteral("\x01")) << "'\\x01'";
    QTest::newRow("str unicode") << Value(QStringLiteral("π😀")) << QStringLiteral("'π😀'");
    QTest::newRow("bytes") << Value(QByteArray(3, 'x')) << "<3 bytes>";
    QTest::newRow("list") << Value(Value::List{1, "a", Value()}) << "[1, 'a', None]";
    QTest::newRow("empty list") << Value(Value::List{}) << "[]";
    QTest::newRow("tuple 1") << Value::tuple({1}) << "(1,)";
    QTest::newRow("tuple 2") << Value::tuple({1, 2.5}) << "(1, 2.5)";
    QTest::newRow("empty tuple") << Value::tuple({}) << "()";
    QTest::newRow("dict") << Value::dict({{QStringLiteral("a"), 1}, {QStringLiteral("b"), true}})
                          << "{'a': 1, 'b': True}";
    QTest::newRow("dict int keys")
        << Value(Value::Dict{{Value(1), Value::tuple({2, 3})}}) << "{1: (2, 3)}";
    QTest::newRow("array 2-d") << Value(NdArray::zeros(DType::Float32, {2, 3}))
                               << "array(float32, shape=(2, 3))";
    QTest::newRow("array 1-d") << Value(NdArray::zeros(DType::Int64, {4}))
                               << "array(int64, shape=(4,))";
    QTest::newRow("array 0-d") << Value(NdArray::scalar(true)) << "array(bool, shape=())";
    QTest::newRow("csr") << Value(sampleCsr()) << "csr_matrix(2x3, nnz=3)";
    QTest::newRow("ref") << Value(Reference(QStringLiteral("v"), QStringLiteral("Sequential"),
                                            QStringLiteral("<Sequential name=seq>")))
                         << "<Sequential name=seq>";
    QTest::newRow("ref without repr")
        << Value(Reference(QStringLiteral("v"), QStringLiteral("Sequential"), {}))
        << "<Sequential>";
}

void TestValue::displayString() {
    QFETCH(Value, value);
    QFETCH(QString, display);
    QCOMPARE(value.toDisplayString(), display);
}

void TestValue::displayStringTruncates() {
    Value::List many;
    for (int i = 0; i < 1000; ++i)
        many.push_back(i);
    const QString s = Value(many).toDisplayString(20);
    QCOMPARE(s.size(), 20);
    QVERIFY(s.startsWith(QStringLiteral("[0, 1, 2, 3")));
    QCOMPARE(s.back(), QChar(0x2026));
    QCOMPARE(Value("short").toDisplayString(20), QStringLiteral("'short'"));
}

void TestValue::referenceReleasesOnceWhenLastCopyGoes() {
    QStringList released;
    {
        Reference r(QStringLiteral("a1b2"), QStringLiteral("Dense"), QStringLiteral("<Dense>"),
                    [&released](const QString& name) { released << name; });
        QVERIFY(released.isEmpty());
        QCOMPARE(r.useCount(), 1);
        QCOMPARE(r.name(), QStringLiteral("a1b2"));
        QCOMPARE(r.type(), QStringLiteral("Dense"));
        QCOMPARE(r.repr(), QStringLiteral("<Dense>"));
        {
            const Reference copy = r;
            const Value inValue(copy);
            QCOMPARE(r.useCount(), 3);
            Value::List list{inValue, inValue};
            QCOMPARE(r.useCount(), 5);
        }
        QVERIFY(released.isEmpty());
        QCOMPARE(r.useCount(), 1);
        Reference moved = std::move(r);
        QVERIFY(released.isEmpty());
        QCOMPARE(moved.useCount(), 1);
    }
    QCOMPARE(released, QStringList{QStringLiteral("a1b2")});
}

void TestValue::referenceWithoutHook() {
    const Reference null;
    QVERIFY(null.isNull());
    QCOMPARE(null.name(), QString());
    QCOMPARE(null.useCount(), 0);
    Reference r(QStringLiteral("x"), QStringLiteral("int"), QStringLiteral("1"));
    QVERIFY(!r.isNull());
    r = Reference();
    QVERIFY(r.isNull());
}

void TestValue::kindNames() {
    QCOMPARE(qk::kindName(Value::Kind::None), QStringLiteral("None"));
    QCOMPARE(qk::kindName(Value::Kind::BigInt), QStringLiteral("int"));
    QCOMPARE(qk::kindName(Value::Kind::Array), QStringLiteral("ndarray"));
    QCOMPARE(qk::kindName(Value::Kind::Ref), QStringLiteral("reference"));
}

QTEST_GUILESS_MAIN(TestValue)
#include "tst_value.moc"
