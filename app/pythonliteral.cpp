// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/pythonliteral.h"

#include "bridge/codegen/expr.h"

#include <cmath>
#include <limits>

namespace qk::app {

namespace {

class Parser {
public:
    explicit Parser(const QString& text)
        : m_text(text) {}

    std::optional<Value> parseAll(QString* error) {
        std::optional<Value> value = parseValue();
        skipSpace();
        if (value && m_pos < m_text.size())
            fail(QCoreApplication::translate("PythonLiteral", "unexpected '%1'")
                     .arg(m_text.mid(m_pos, 8)));
        if (!m_error.isEmpty()) {
            if (error)
                *error = m_error;
            return std::nullopt;
        }
        return value;
    }

private:
    void skipSpace() {
        while (m_pos < m_text.size() && m_text[m_pos].isSpace())
            ++m_pos;
    }
    void fail(const QString& message) {
        if (m_error.isEmpty())
            m_error = message;
    }

    std::optional<Value> parseValue() {
        skipSpace();
        if (m_pos >= m_text.size()) {
            fail(QCoreApplication::translate("PythonLiteral", "a value is missing"));
            return std::nullopt;
        }
        const QChar c = m_text[m_pos];
        if (c == u'(' || c == u'[')
            return parseSequence(c == u'(' ? u')' : u']');
        if (c == u'\'' || c == u'"')
            return parseString(c);
        return parseAtom();
    }

    std::optional<Value> parseSequence(QChar close) {
        ++m_pos;
        std::vector<Value> items;
        bool trailingComma = false;
        for (;;) {
            skipSpace();
            if (m_pos < m_text.size() && m_text[m_pos] == close) {
                ++m_pos;
                break;
            }
            std::optional<Value> item = parseValue();
            if (!item)
                return std::nullopt;
            items.push_back(std::move(*item));
            skipSpace();
            trailingComma = false;
            if (m_pos < m_text.size() && m_text[m_pos] == u',') {
                ++m_pos;
                trailingComma = true;
                continue;
            }
            if (m_pos < m_text.size() && m_text[m_pos] == close) {
                ++m_pos;
                break;
            }
            fail(QCoreApplication::translate("PythonLiteral", "expected ',' or '%1'").arg(close));
            return std::nullopt;
        }
        if (close == u']')
            return Value(Value::List(std::move(items)));
        if (items.size() == 1 && !trailingComma)
            return std::move(items.front()); // (x) is just x
        return Value::tuple(std::move(items));
    }

    std::optional<Value> parseString(QChar quote) {
        QString out;
        ++m_pos;
        while (m_pos < m_text.size()) {
            const QChar c = m_text[m_pos++];
            if (c == quote)
                return Value(out);
            if (c == u'\\' && m_pos < m_text.size()) {
                const QChar e = m_text[m_pos++];
                out += e == u'n' ? QChar(u'\n') : e == u't' ? QChar(u'\t') : e;
            } else {
                out += c;
            }
        }
        fail(QCoreApplication::translate("PythonLiteral", "the string is not closed"));
        return std::nullopt;
    }

    std::optional<Value> parseAtom() {
        const qsizetype start = m_pos;
        while (m_pos < m_text.size() && !m_text[m_pos].isSpace() &&
               !QStringLiteral(",()[]").contains(m_text[m_pos]))
            ++m_pos;
        const QString word = m_text.mid(start, m_pos - start);
        if (word.isEmpty()) {
            fail(
                QCoreApplication::translate("PythonLiteral", "unexpected '%1'").arg(m_text[m_pos]));
            return std::nullopt;
        }
        if (word == QLatin1String("True"))
            return Value(true);
        if (word == QLatin1String("False"))
            return Value(false);
        if (word == QLatin1String("None"))
            return Value(nullptr);
        bool ok = false;
        const qlonglong i = word.toLongLong(&ok);
        if (ok)
            return Value(static_cast<long long>(i));
        const double d = word.toDouble(&ok);
        if (ok)
            return Value(d);
        if (word == QLatin1String("inf") || word == QLatin1String("-inf"))
            return Value(word.startsWith(u'-') ? -std::numeric_limits<double>::infinity()
                                               : std::numeric_limits<double>::infinity());
        if (word == QLatin1String("nan"))
            return Value(std::numeric_limits<double>::quiet_NaN());
        // A bare identifier is a string (relu, same, glorot_uniform).
        const QChar first = word.front();
        if (first.isLetter() || first == u'_') {
            for (QChar ch : word) {
                if (!ch.isLetterOrNumber() && ch != u'_' && ch != u'.' && ch != u'-') {
                    fail(QCoreApplication::translate("PythonLiteral", "'%1' is not a value")
                             .arg(word));
                    return std::nullopt;
                }
            }
            return Value(word);
        }
        fail(QCoreApplication::translate("PythonLiteral", "'%1' is not a number").arg(word));
        return std::nullopt;
    }

    const QString& m_text;
    qsizetype m_pos = 0;
    QString m_error;
};

} // namespace

std::optional<Value> parsePythonLiteral(const QString& text, QString* error) {
    return Parser(text).parseAll(error);
}

QString pythonLiteralText(const Value& value) {
    return py::Expr::literal(value).source();
}

} // namespace qk::app
