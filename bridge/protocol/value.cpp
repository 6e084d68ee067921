#include "bridge/protocol/value.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace qk {

struct Reference::Data {
    QString name;
    QString type;
    QString repr;
    ReleaseHook release;

    ~Data() {
        if (release)
            release(name);
    }
};

Reference::Reference(QString name, QString type, QString repr, ReleaseHook release)
    : m_data(std::make_shared<const Data>(
          Data{std::move(name), std::move(type), std::move(repr), std::move(release)})) {}

QString Reference::name() const { return m_data ? m_data->name : QString(); }
QString Reference::type() const { return m_data ? m_data->type : QString(); }
QString Reference::repr() const { return m_data ? m_data->repr : QString(); }

Value::Value(unsigned long i) : Value(static_cast<unsigned long long>(i)) {}

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

QString pythonStringLiteral(const QString& s) {
    QString out = QStringLiteral("'");
    for (QChar c : s) {
        if (c == u'\\' || c == u'\'')
            out += u'\\';
        if (c == u'\n')
            out += QStringLiteral("\\n");
        else
            out += c;
    }
    out += u'\'';
    return out;
}

QString floatRepr(double d) {
    if (std::isnan(d))
        return QStringLiteral("nan");
    if (std::isinf(d))
        return d > 0 ? QStringLiteral("inf") : QStringLiteral("-inf");
    QString s = QString::number(d, 'g', 17);
    // Shortest form that reads back the same.
    for (int precision = 1; precision < 17; ++precision) {
        const QString t = QString::number(d, 'g', precision);
        if (t.toDouble() == d) {
            s = t;
            break;
        }
    }
    if (!s.contains(u'.') && !s.contains(u'e') && !s.contains(u'n') && !s.contains(u'i'))
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
    static const char* const names[] = {"None", "bool",  "int",  "int",     "float",
                                        "str",  "bytes", "list", "tuple",   "dict",
                                        "ndarray", "csr_matrix", "reference"};
    return QString::fromLatin1(names[static_cast<int>(kind)]);
}

} // namespace qk
