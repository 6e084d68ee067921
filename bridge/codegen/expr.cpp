// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/codegen/expr.h"

#include "bridge/codegen/identifier.h"
#include "bridge/codegen/rawsource.h"

#include <QSet>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string>

namespace qk::py {

namespace {

// How tightly rendered source binds. A unary minus binds looser than a number, which binds
// looser than an atom or primary (name, display, call, attribute, subscript).
enum class Prec { Unary, Number, Primary };

struct Rendered {
    QString text;
    Prec prec;
};

QString wrapped(const Rendered& r, Prec needed) {
    return r.prec < needed ? QLatin1Char('(') + r.text + QLatin1Char(')') : r.text;
}

QString hex(uint value, int width) {
    return QString::number(value, 16).rightJustified(width, QLatin1Char('0'));
}

// Characters that Python's repr would escape: those str.isprintable() rejects.
bool isPrintable(char32_t c) {
    switch (QChar::category(c)) {
    case QChar::Other_Control:
    case QChar::Other_Format:
    case QChar::Other_Surrogate:
    case QChar::Other_PrivateUse:
    case QChar::Other_NotAssigned:
    case QChar::Separator_Line:
    case QChar::Separator_Paragraph:
        return false;
    case QChar::Separator_Space:
        return c == U' ';
    default:
        return true;
    }
}

// Escapes shared by str and bytes literals; returns false for characters not handled here.
bool appendAsciiEscape(QString& out, char32_t c) {
    switch (c) {
    case U'\\':
        out += QLatin1String("\\\\");
        return true;
    case U'\'':
        out += QLatin1String("\\'");
        return true;
    case U'\n':
        out += QLatin1String("\\n");
        return true;
    case U'\r':
        out += QLatin1String("\\r");
        return true;
    case U'\t':
        out += QLatin1String("\\t");
        return true;
    default:
        if (c < 0x20 || c == 0x7f) {
            out += QLatin1String("\\x") + hex(c, 2);
            return true;
        }
        return false;
    }
}

// A single-quoted str literal. Printable characters stay as they are; the rest, including
// lone surrogates (which a Python str may hold), become escapes, so the source is plain
// UTF-8 with no line breaks inside the literal.
QString strLiteral(const QString& s) {
    QString out = QStringLiteral("'");
    for (qsizetype i = 0; i < s.size(); ++i) {
        const QChar unit = s.at(i);
        char32_t c = unit.unicode();
        if (unit.isHighSurrogate() && i + 1 < s.size() && s.at(i + 1).isLowSurrogate())
            c = QChar::surrogateToUcs4(unit, s.at(++i));
        if (appendAsciiEscape(out, c))
            continue;
        if (c < 0x80 || (isPrintable(c) && !QChar::isSurrogate(c)))
            out += QStringView(QChar::fromUcs4(c));
        else if (c < 0x100)
            out += QLatin1String("\\x") + hex(c, 2);
        else if (c < 0x10000)
            out += QLatin1String("\\u") + hex(c, 4);
        else
            out += QLatin1String("\\U") + hex(c, 8);
    }
    return out + QLatin1Char('\'');
}

QString bytesLiteral(const QByteArray& bytes) {
    QString out = QStringLiteral("b'");
    for (const char byte : bytes) {
        const auto c = static_cast<unsigned char>(byte);
        if (appendAsciiEscape(out, c))
            continue;
        if (c < 0x80)
            out += QLatin1Char(static_cast<char>(c));
        else
            out += QLatin1String("\\x") + hex(c, 2);
    }
    return out + QLatin1Char('\'');
}

// The float as Python's repr writes it (shortest digits that read back to the same double),
// with NaN (sign kept) and the infinities spelt as calls of float().
Rendered floatLiteral(double d) {
    if (std::isnan(d))
        return std::signbit(d) ? Rendered{QStringLiteral("-float('nan')"), Prec::Unary}
                               : Rendered{QStringLiteral("float('nan')"), Prec::Primary};
    if (std::isinf(d))
        return d < 0 ? Rendered{QStringLiteral("-float('inf')"), Prec::Unary}
                     : Rendered{QStringLiteral("float('inf')"), Prec::Primary};
    char buffer[64];
    const auto end =
        std::to_chars(buffer, buffer + sizeof buffer, std::abs(d), std::chars_format::scientific)
            .ptr;
    const std::string scientific(buffer, end); // d[.ddd]e±XX
    const std::size_t e = scientific.find('e');
    const int exponent = std::stoi(scientific.substr(e + 1));
    std::string digits = scientific.substr(0, e);
    std::erase(digits, '.');
    std::string text;
    if (exponent < -4 || exponent >= 16) {
        text = scientific;
    } else if (exponent < 0) {
        text = "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
    } else {
        const auto point = static_cast<std::size_t>(exponent) + 1;
        if (digits.size() < point)
            digits.resize(point, '0');
        const std::string fraction = digits.size() > point ? digits.substr(point) : "0";
        text = digits.substr(0, point) + '.' + fraction;
    }
    if (std::signbit(d))
        return {QLatin1Char('-') + QString::fromStdString(text), Prec::Unary};
    return {QString::fromStdString(text), Prec::Number};
}

// Decimal digits without leading zeros; throws unless `digits` is [-]d+.
QString normalizedBigInt(const QString& digits) {
    const bool negative = digits.startsWith(QLatin1Char('-'));
    QString magnitude = digits.mid(negative ? 1 : 0);
    if (magnitude.isEmpty() || !std::all_of(magnitude.begin(), magnitude.end(), [](QChar c) {
            return c >= QLatin1Char('0') && c <= QLatin1Char('9');
        }))
        throw std::invalid_argument(
            QStringLiteral("'%1' is not a decimal integer").arg(digits).toStdString());
    while (magnitude.size() > 1 && magnitude.startsWith(QLatin1Char('0')))
        magnitude.remove(0, 1);
    return negative && magnitude != QLatin1String("0") ? QLatin1Char('-') + magnitude : magnitude;
}

// The most digits an int literal may have under any setting of sys.set_int_max_str_digits:
// Python never limits conversions below its threshold of 640 digits.
constexpr qsizetype intDigitsAlwaysAccepted = 640;

// How many levels of parentheses the rendering of a magnitude of `digits` digits takes.
int bigIntLevels(qsizetype digits) {
    int levels = 0;
    while (digits > intDigitsAlwaysAccepted) {
        digits = (digits + 1) / 2;
        ++levels;
    }
    return levels;
}

// A non-negative magnitude without leading zeros as Python source: a literal when it is
// short enough, else (high * 10**n + low) with each half rendered the same way.
QString magnitudeSource(QStringView digits) {
    qsizetype first = 0;
    while (first + 1 < digits.size() && digits.at(first) == QLatin1Char('0'))
        ++first;
    digits = digits.mid(first);
    if (digits.size() <= intDigitsAlwaysAccepted)
        return digits.toString();
    const qsizetype low = digits.size() / 2;
    const QString high = magnitudeSource(digits.left(digits.size() - low));
    const QString rest = magnitudeSource(digits.right(low));
    const QString scaled = QStringLiteral("%1 * 10**%2").arg(high).arg(low);
    return QLatin1Char('(') + scaled +
           (rest == QLatin1String("0") ? QString() : QLatin1String(" + ") + rest) +
           QLatin1Char(')');
}

[[noreturn]] void tooDeep(int depth) {
    throw std::invalid_argument(
        QStringLiteral("an expression nested %1 levels deep cannot be rendered: at most %2 are "
                       "(Python's parser refuses deeper nesting)")
            .arg(depth)
            .arg(Expr::maxDepth)
            .toStdString());
}

// Throws on values that have no literal form or nest deeper than Expr::maxDepth; returns
// the depth of the literal (1 for a scalar). The recursion stops at the limit.
int checkLiteral(const Value& value, int level = 1) {
    if (level > Expr::maxDepth)
        tooDeep(level);
    int depth = level;
    switch (value.kind()) {
    case Value::Kind::BigInt: {
        const QString digits = normalizedBigInt(value.toBigInt().digits);
        depth = level + bigIntLevels(digits.size() - (digits.startsWith(QLatin1Char('-')) ? 1 : 0));
        if (depth > Expr::maxDepth)
            tooDeep(depth);
        return depth;
    }
    case Value::Kind::List:
    case Value::Kind::Tuple:
        for (const Value& item : value.items())
            depth = std::max(depth, checkLiteral(item, level + 1));
        return depth;
    case Value::Kind::Dict:
        for (const auto& [key, item] : value.toDict()) {
            depth = std::max(depth, checkLiteral(key, level + 1));
            depth = std::max(depth, checkLiteral(item, level + 1));
        }
        return depth;
    case Value::Kind::Array:
    case Value::Kind::Csr:
    case Value::Kind::Ref:
        throw std::invalid_argument(
            QStringLiteral("a %1 is not a Python literal: pass it as a binding of the command")
                .arg(kindName(value.kind()))
                .toStdString());
    default:
        return depth;
    }
}

QString joined(const std::vector<Rendered>& items) {
    QString out;
    for (const Rendered& item : items) {
        if (!out.isEmpty())
            out += QLatin1String(", ");
        out += item.text;
    }
    return out;
}

QString tupleText(const std::vector<Rendered>& items) {
    return QLatin1Char('(') + joined(items) +
           (items.size() == 1 ? QLatin1String(",)") : QLatin1String(")"));
}

Rendered renderLiteral(const Value& value) {
    std::vector<Rendered> items;
    switch (value.kind()) {
    case Value::Kind::None:
        return {QStringLiteral("None"), Prec::Primary};
    case Value::Kind::Bool:
        return {value.toBool() ? QStringLiteral("True") : QStringLiteral("False"), Prec::Primary};
    case Value::Kind::Int:
        return {QString::number(value.toInt()), value.toInt() < 0 ? Prec::Unary : Prec::Number};
    case Value::Kind::BigInt: {
        const QString digits = normalizedBigInt(value.toBigInt().digits);
        const bool negative = digits.startsWith(QLatin1Char('-'));
        const QString magnitude = magnitudeSource(QStringView(digits).mid(negative ? 1 : 0));
        const Prec prec = magnitude.startsWith(QLatin1Char('(')) ? Prec::Primary : Prec::Number;
        if (negative)
            return {QLatin1Char('-') + magnitude, Prec::Unary};
        return {magnitude, prec};
    }
    case Value::Kind::Float:
        return floatLiteral(value.toDouble());
    case Value::Kind::String:
        return {strLiteral(value.toString()), Prec::Primary};
    case Value::Kind::Bytes:
        return {bytesLiteral(value.toBytes()), Prec::Primary};
    case Value::Kind::List:
    case Value::Kind::Tuple:
        for (const Value& item : value.items())
            items.push_back(renderLiteral(item));
        if (value.isList())
            return {QLatin1Char('[') + joined(items) + QLatin1Char(']'), Prec::Primary};
        return {tupleText(items), Prec::Primary};
    case Value::Kind::Dict:
        for (const auto& [key, item] : value.toDict())
            items.push_back(
                {renderLiteral(key).text + QLatin1String(": ") + renderLiteral(item).text,
                 Prec::Primary});
        return {QLatin1Char('{') + joined(items) + QLatin1Char('}'), Prec::Primary};
    default:
        throw std::logic_error("unchecked literal");
    }
}

} // namespace

// Fields used by each kind: Literal the value; Name, Attribute and Raw the text; the rest
// their operands in children (a Dict alternates keys and values; a Call holds the callee,
// the positional arguments, then the values of `keywords`).
struct Expr::Node {
    Kind kind;
    Value value;
    QString text;
    std::vector<Expr> children;
    std::vector<QString> keywords;
    int depth = 1;
    bool rawComment = false; // Raw: the text ends in a comment, so ')' goes on a line of its own
    std::shared_ptr<const Node> shown = nullptr; // what a person is shown instead, when set

    // The source; with `asShown`, each part's shown form where it has one.
    Rendered render(bool asShown) const;
    // The source of `expr`, in parentheses when it binds looser than `needed`.
    static QString operand(const Expr& expr, Prec needed, bool asShown) {
        return wrapped(expr.m_node->render(asShown), needed);
    }
    static QString sourceOf(const Expr& expr, bool asShown) {
        return expr.m_node->render(asShown).text;
    }
    static std::vector<Rendered> renderAll(const Expr* begin, const Expr* end, bool asShown) {
        std::vector<Rendered> out;
        for (const Expr* it = begin; it != end; ++it)
            out.push_back(it->m_node->render(asShown));
        return out;
    }
};

Expr Expr::make(Node node) {
    for (const Expr& child : node.children)
        node.depth = std::max(node.depth, child.m_node->depth + 1);
    if (node.depth > maxDepth)
        tooDeep(node.depth);
    return Expr(std::make_shared<const Node>(std::move(node)));
}

Expr Expr::name(const QString& identifier) {
    requireName(identifier, "name");
    return make({Kind::Name, {}, identifier, {}, {}});
}

Expr Expr::literal(const Value& value) {
    const int depth = checkLiteral(value);
    return make({Kind::Literal, value, {}, {}, {}, depth});
}

Expr Expr::raw(const QString& source) {
    if (source.trimmed().isEmpty())
        throw std::invalid_argument("a raw Python expression must not be empty");
    const SourceScan scan = scanSource(source, "raw expression");
    Node node{Kind::Raw, {}, source, {}, {}, scan.bracketDepth + 1};
    node.rawComment = scan.hasComment;
    return make(std::move(node));
}

Expr Expr::list(std::vector<Expr> items) {
    return make({Kind::List, {}, {}, std::move(items), {}});
}

Expr Expr::tuple(std::vector<Expr> items) {
    return make({Kind::Tuple, {}, {}, std::move(items), {}});
}

// NOLINTNEXTLINE(performance-unnecessary-value-param): moved from through a structured binding
Expr Expr::dict(std::vector<std::pair<Expr, Expr>> items) {
    std::vector<Expr> children;
    for (auto& [key, value] : items) {
        children.push_back(std::move(key));
        children.push_back(std::move(value));
    }
    return make({Kind::Dict, {}, {}, std::move(children), {}});
}

Expr Expr::attr(const QString& attribute) const {
    requireName(attribute, "attribute name");
    return make({Kind::Attribute, {}, attribute, {*this}, {}});
}

// NOLINTNEXTLINE(performance-unnecessary-value-param): moved from through a structured binding
Expr Expr::call(std::vector<Expr> args, Keywords kwargs) const {
    std::vector<Expr> children{*this};
    children.insert(children.end(), std::make_move_iterator(args.begin()),
                    std::make_move_iterator(args.end()));
    std::vector<QString> keywords;
    QSet<QString> seen;
    for (auto& [keyword, value] : kwargs) {
        requireBindableName(keyword, "keyword argument");
        if (seen.contains(keyword))
            throw std::invalid_argument(
                QStringLiteral("keyword argument '%1' is repeated").arg(keyword).toStdString());
        seen.insert(keyword);
        keywords.push_back(keyword);
        children.push_back(std::move(value));
    }
    return make({Kind::Call, {}, {}, std::move(children), std::move(keywords)});
}

Expr Expr::index(const Expr& key) const {
    return make({Kind::Subscript, {}, {}, {*this, key}, {}});
}

Expr Expr::operator-() const {
    return make({Kind::Negation, {}, {}, {*this}, {}});
}

Expr::Kind Expr::kind() const {
    return m_node->kind;
}

int Expr::depth() const {
    return m_node->depth;
}

QSet<QString> Expr::names() const {
    QSet<QString> found;
    if (m_node->kind == Kind::Name)
        found.insert(m_node->text);
    for (const Expr& child : m_node->children)
        found.unite(child.names());
    return found;
}

bool Expr::isTarget() const {
    const Node& node = *m_node;
    switch (node.kind) {
    case Kind::Name:
    case Kind::Attribute:
        return node.text != QLatin1String("__debug__");
    case Kind::Subscript:
        return true;
    case Kind::List:
    case Kind::Tuple:
        return !node.children.empty() &&
               std::all_of(node.children.begin(), node.children.end(),
                           [](const Expr& item) { return item.isTarget(); });
    default:
        return false;
    }
}

QString Expr::source() const {
    return m_node->render(false).text;
}

Expr Expr::shownAs(const Expr& shown) const {
    Node node = *m_node;
    node.shown = shown.m_node;
    return Expr(std::make_shared<const Node>(std::move(node)));
}

QString Expr::shownSource() const {
    return m_node->render(true).text;
}

Rendered Expr::Node::render(bool asShown) const {
    if (asShown && shown)
        return shown->render(true);
    const Expr* first = children.data();
    const Expr* last = first + children.size();
    switch (kind) {
    case Kind::Name:
        return {text, Prec::Primary};
    case Kind::Literal:
        return renderLiteral(value);
    case Kind::Raw:
        return {QLatin1Char('(') + text + (rawComment ? QLatin1String("\n)") : QLatin1String(")")),
                Prec::Primary};
    case Kind::Attribute:
        return {operand(children[0], Prec::Primary, asShown) + QLatin1Char('.') + text,
                Prec::Primary};
    case Kind::Call: {
        const Expr* named = last - keywords.size();
        std::vector<Rendered> args = renderAll(first + 1, named, asShown);
        for (const QString& keyword : keywords)
            args.push_back(
                {keyword + QLatin1Char('=') + sourceOf(*named++, asShown), Prec::Primary});
        return {operand(children[0], Prec::Primary, asShown) + QLatin1Char('(') + joined(args) +
                    QLatin1Char(')'),
                Prec::Primary};
    }
    case Kind::Subscript:
        return {operand(children[0], Prec::Primary, asShown) + QLatin1Char('[') +
                    sourceOf(children[1], asShown) + QLatin1Char(']'),
                Prec::Primary};
    case Kind::List:
        return {QLatin1Char('[') + joined(renderAll(first, last, asShown)) + QLatin1Char(']'),
                Prec::Primary};
    case Kind::Tuple:
        return {tupleText(renderAll(first, last, asShown)), Prec::Primary};
    case Kind::Dict: {
        std::vector<Rendered> items;
        for (const Expr* it = first; it != last; it += 2)
            items.push_back(
                {sourceOf(*it, asShown) + QLatin1String(": ") + sourceOf(*(it + 1), asShown),
                 Prec::Primary});
        return {QLatin1Char('{') + joined(items) + QLatin1Char('}'), Prec::Primary};
    }
    case Kind::Negation:
        // A negative operand is parenthesised: `-(-1)`, not `--1`.
        return {QLatin1Char('-') + operand(children[0], Prec::Number, asShown), Prec::Unary};
    }
    throw std::logic_error("unknown expression kind");
}

} // namespace qk::py
