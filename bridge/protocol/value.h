// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/protocol/ndarray.h"

#include <QByteArray>
#include <QMetaType>
#include <QString>

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <variant>
#include <vector>

namespace qk {

// A value held in the worker that is not plain data (a model, a layer, a generator, ...):
// the variable that holds it, its Python type and a short repr. While any copy of a
// Reference lives, the variable is kept; when the last copy goes, the release hook (set by
// the session that received it) deletes the variable in a later batch.
class Reference {
public:
    using ReleaseHook = std::function<void(const QString& name)>;

    Reference() = default;
    Reference(QString name, QString type, QString repr, ReleaseHook release = {});

    bool isNull() const { return !m_data; }
    QString name() const;
    QString type() const;
    QString repr() const;
    // How many Reference objects share this handle.
    long useCount() const { return m_data.use_count(); }

    friend bool operator==(const Reference& a, const Reference& b) { return a.name() == b.name(); }

private:
    struct Data;
    std::shared_ptr<const Data> m_data;
};

// An integer beyond 64 bits, as decimal digits with an optional leading '-'.
struct BigInt {
    QString digits;
    friend bool operator==(const BigInt&, const BigInt&) = default;
};

// A Python value as it crosses the wire: None, bool, int, float, str, bytes, list, tuple,
// dict (ordered, any keys), n-d array, CSR matrix, or a reference to a worker variable.
class Value {
public:
    using List = std::vector<Value>;
    struct Tuple {
        std::vector<Value> items;
        friend bool operator==(const Tuple&, const Tuple&) = default;
    };
    using Dict = std::vector<std::pair<Value, Value>>;

    enum class Kind {
        None,
        Bool,
        Int,
        BigInt,
        Float,
        String,
        Bytes,
        List,
        Tuple,
        Dict,
        Array,
        Csr,
        Ref
    };

    Value() = default;
    Value(std::nullptr_t) {}
    Value(bool b)
        : m_data(b) {}
    Value(int i)
        : m_data(std::int64_t{i}) {}
    Value(long i)
        : m_data(std::int64_t{i}) {}
    Value(long long i)
        : m_data(std::int64_t{i}) {}
    Value(unsigned int i)
        : m_data(std::int64_t{i}) {}
    Value(unsigned long i);      // BigInt beyond int64
    Value(unsigned long long i); // BigInt beyond int64
    Value(double d)
        : m_data(d) {}
    Value(float f)
        : m_data(double{f}) {}
    Value(BigInt b)
        : m_data(std::move(b)) {}
    Value(QString s)
        : m_data(std::move(s)) {}
    Value(const char* utf8)
        : m_data(QString::fromUtf8(utf8)) {}
    Value(QByteArray bytes)
        : m_data(std::move(bytes)) {}
    Value(List list)
        : m_data(std::move(list)) {}
    Value(Tuple tuple)
        : m_data(std::move(tuple)) {}
    Value(Dict dict)
        : m_data(std::move(dict)) {}
    Value(NdArray array)
        : m_data(std::move(array)) {}
    Value(CsrMatrix csr)
        : m_data(std::move(csr)) {}
    Value(Reference ref)
        : m_data(std::move(ref)) {}

    static Value tuple(std::vector<Value> items) { return Value(Tuple{std::move(items)}); }
    // A dict with string keys, in the order given.
    static Value dict(std::initializer_list<std::pair<QString, Value>> items);

    Kind kind() const { return static_cast<Kind>(m_data.index()); }
    bool isNone() const { return kind() == Kind::None; }
    bool isBool() const { return kind() == Kind::Bool; }
    bool isInt() const { return kind() == Kind::Int; }
    bool isFloat() const { return kind() == Kind::Float; }
    bool isNumber() const { return isInt() || isFloat(); }
    bool isString() const { return kind() == Kind::String; }
    bool isList() const { return kind() == Kind::List; }
    bool isTuple() const { return kind() == Kind::Tuple; }
    bool isDict() const { return kind() == Kind::Dict; }
    bool isArray() const { return kind() == Kind::Array; }
    bool isRef() const { return kind() == Kind::Ref; }

    // Typed accessors; each throws std::bad_variant_access on the wrong kind.
    bool toBool() const { return std::get<bool>(m_data); }
    std::int64_t toInt() const { return std::get<std::int64_t>(m_data); }
    const BigInt& toBigInt() const { return std::get<BigInt>(m_data); }
    double toDouble() const; // Int or Float
    const QString& toString() const { return std::get<QString>(m_data); }
    const QByteArray& toBytes() const { return std::get<QByteArray>(m_data); }
    const List& toList() const { return std::get<List>(m_data); }
    const Tuple& toTuple() const { return std::get<Tuple>(m_data); }
    const Dict& toDict() const { return std::get<Dict>(m_data); }
    const NdArray& toArray() const { return std::get<NdArray>(m_data); }
    const CsrMatrix& toCsr() const { return std::get<CsrMatrix>(m_data); }
    const Reference& toRef() const { return std::get<Reference>(m_data); }

    // Items of a list or tuple (throws on other kinds).
    const std::vector<Value>& items() const;
    // The value under a string key of a dict; throws std::out_of_range when absent.
    const Value& operator[](const QString& key) const;
    const Value& operator[](const char* key) const { return (*this)[QString::fromUtf8(key)]; }
    bool contains(const QString& key) const;

    // A short human-readable rendering in Python syntax (for logs and previews).
    QString toDisplayString(int maxLength = 200) const;

    // Structural equality; floats compare bitwise-equal for NaN (NaN == NaN).
    friend bool operator==(const Value& a, const Value& b);

private:
    using Data = std::variant<std::monostate, bool, std::int64_t, BigInt, double, QString,
                              QByteArray, List, Tuple, Dict, NdArray, CsrMatrix, Reference>;
    Data m_data;
};

QString kindName(Value::Kind kind);

} // namespace qk

Q_DECLARE_METATYPE(qk::Value)
