// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/protocol/value.h"

#include <QLocale>
#include <QStringList>

#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace qk {

// Built in place and never copied, so the hook runs once: when the last handle goes.
struct Reference::Data {
    Data(QString n, QString t, QString r, ReleaseHook hook)
        : name(std::move(n))
        , type(std::move(t))
        , repr(std::move(r))
        , release(std::move(hook)) {}
    Data(const Data&) = delete;
    Data& operator=(const Data&) = delete;
    ~Data() {
        if (release)
            release(name);
    }

    QString name;
    QString type;
    QString repr;
    ReleaseHook release;
};

Reference::Reference(QString name, QString type, QString repr, ReleaseHook release)
    : m_data(std::make_shared<const Data>(std::move(name), std::move(type), std::move(repr),
                                          std::move(release))) {}

QString Reference::name() const {
    return m_data ? m_data->name : QString();
}
QString Reference::type() const {
    return m_data ? m_data->type : QString();
}
QString Reference::repr() const {
    return m_data ? m_data->repr : QString();
}

Value::Value(unsigned long i)
    : Value(static_cast<unsigned long long>(i)) {}

Value::Value(unsigned long long i) {
    if (i <= static_cast<unsigned long long>(std::numeric_limits<std::int64_t>::max()))
        m_data = static_cast<std::int64_t>(i);
    else
        m_data = BigInt{QString::number(i)};
}

Value Value::dict(std::initializer_list<std::pair<QString, Value>> items) {
    Dict d;
    d.reserve(items.size());
    for (const auto& [key, value] : items)
        d.emplace_back(Value(key), value);
    return Value(std::move(d));
}

double Value::toDouble() const {
    if (isInt())
        return static_cast<double>(toInt());
    return std::get<double>(m_data);
}

const std::vector<Value>& Value::items() const {
    if (isTuple())
        return toTuple().items;
    return toList();
}

const Value& Value::operator[](const QString& key) const {
    for (const auto& [k, v] : toDict()) {
        if (k.isString() && k.toString() == key)
            return v;
    }
    throw std::out_of_range("no key '" + key.toStdString() + "' in dict");
}

bool Value::contains(const QString& key) const {
    if (!isDict())
        return false;
    for (const auto& [k, v] : toDict()) {
        if (k.isString() && k.toString() == key)
            return true;
    }
    return false;
}

namespace {

// As Python's repr() quotes a str: single quotes unless only double quotes avoid escaping.
QString pythonStringLiteral(const QString& s) {
    const QChar quote = s.contains(u'\'') && !s.contains(u'"') ? u'"' : u'\'';
    QString out = quote;
    for (QChar c : s) {
        if (c == u'\\' || c == quote)
            out += u'\\' + c;
        else if (c == u'\n')
            out += QStringLiteral("\\n");
        else if (c == u'\r')
            out += QStringLiteral("\\r");
        else if (c == u'\t')
            out += QStringLiteral("\\t");
        else if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            out += QStringLiteral("\\x%1").arg(c.unicode(), 2, 16, QLatin1Char('0'));
        else
            out += c;
    }
    out += quote;
    return out;
}

// As Python's repr() writes a float: the shortest digits that read back the same, in
// positional notation for exponents from -5 to 15 and scientific notation otherwise.
QString floatRepr(double d) {
    if (std::isnan(d))
        return QStringLiteral("nan");
    if (std::isinf(d))
        return d > 0 ? QStringLiteral("inf") : QStringLiteral("-inf");
    const QString scientific = QString::number(d, 'e', QLocale::FloatingPointShortest);
    const qsizetype e = scientific.indexOf(u'e');
    const int exponent = scientific.sliced(e + 1).toInt();
    if (exponent < -4 || exponent >= 16) {
        QString mantissa = scientific.first(e);
        QString digits = QString::number(std::abs(exponent));
        if (digits.size() < 2)
            digits.prepend(u'0');
        return mantissa + u'e' + (exponent < 0 ? u'-' : u'+') + digits;
    }
    QString s = QString::number(d, 'f', QLocale::FloatingPointShortest);
    if (!s.contains(u'.'))
        s += QStringLiteral(".0");
    return s;
}

QString shapeString(const std::vector<std::int64_t>& shape) {
    QStringList parts;
    for (std::int64_t d : shape)
        parts << QString::number(d);
    if (shape.size() == 1)
        return u'(' + parts.front() + QStringLiteral(",)");
    return u'(' + parts.join(QStringLiteral(", ")) + u')';
}

void render(const Value& v, QString& out, int maxLength) {
    if (out.size() > maxLength)
        return;
    auto sequence = [&](const std::vector<Value>& items, QChar open, QChar close, bool tuple) {
        out += open;
        for (std::size_t i = 0; i < items.size() && out.size() <= maxLength; ++i) {
            if (i)
                out += QStringLiteral(", ");
            render(items[i], out, maxLength);
        }
        if (tuple && items.size() == 1)
            out += u',';
        out += close;
    };
    switch (v.kind()) {
    case Value::Kind::None:
        out += QStringLiteral("None");
        break;
    case Value::Kind::Bool:
        out += v.toBool() ? QStringLiteral("True") : QStringLiteral("False");
        break;
    case Value::Kind::Int:
        out += QString::number(v.toInt());
        break;
    case Value::Kind::BigInt:
        out += v.toBigInt().digits;
        break;
    case Value::Kind::Float:
        out += floatRepr(v.toDouble());
        break;
    case Value::Kind::String:
        out += pythonStringLiteral(v.toString());
        break;
    case Value::Kind::Bytes:
        out += QStringLiteral("<%1 bytes>").arg(v.toBytes().size());
        break;
    case Value::Kind::List:
        sequence(v.toList(), u'[', u']', false);
        break;
    case Value::Kind::Tuple:
        sequence(v.toTuple().items, u'(', u')', true);
        break;
    case Value::Kind::Dict: {
        out += u'{';
        bool first = true;
        for (const auto& [key, value] : v.toDict()) {
            if (out.size() > maxLength)
                break;
            if (!first)
                out += QStringLiteral(", ");
            first = false;
            render(key, out, maxLength);
            out += QStringLiteral(": ");
            render(value, out, maxLength);
        }
        out += u'}';
        break;
    }
    case Value::Kind::Array:
        out += QStringLiteral("array(%1, shape=%2)")
                   .arg(dtypeName(v.toArray().dtype()), shapeString(v.toArray().shape()));
        break;
    case Value::Kind::Csr:
        out += QStringLiteral("csr_matrix(%1x%2, nnz=%3)")
                   .arg(v.toCsr().rows)
                   .arg(v.toCsr().cols)
                   .arg(v.toCsr().data.size());
        break;
    case Value::Kind::Ref:
        out += v.toRef().repr().isEmpty() ? u'<' + v.toRef().type() + u'>' : v.toRef().repr();
        break;
    }
}

} // namespace

QString Value::toDisplayString(int maxLength) const {
    QString out;
    render(*this, out, maxLength);
    if (out.size() > maxLength)
        out = out.left(maxLength - 1) + QChar(0x2026);
    return out;
}

bool operator==(const Value& a, const Value& b) {
    if (a.kind() == Value::Kind::Float && b.kind() == Value::Kind::Float) {
        const double x = a.toDouble(), y = b.toDouble();
        return x == y || (std::isnan(x) && std::isnan(y));
    }
    return a.m_data == b.m_data;
}

QString kindName(Value::Kind kind) {
    static const char* const names[] = {"None",    "bool",       "int",      "int",   "float",
                                        "str",     "bytes",      "list",     "tuple", "dict",
                                        "ndarray", "csr_matrix", "reference"};
    return QString::fromLatin1(names[static_cast<int>(kind)]);
}

} // namespace qk
