// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/pythonliteral.h"

#include "bridge/codegen/expr.h"

#include <cmath>
#include <limits>

namespace qk::app {

namespace {

QString tr(const char* text) {
    return QCoreApplication::translate("PythonLiteral", text);
}

bool isNameStart(QChar c) {
    return c.isLetter() || c == u'_';
}

class Parser {
public:
    explicit Parser(const QString& text, std::function<QString(const QString&)> moduleOf = {})
        : m_text(text)
        , m_moduleOf(std::move(moduleOf)) {}

    std::optional<keras::KerasObject> parseCallAll(QString* error) {
        skipSpace();
        const QString name = parseName();
        skipSpace();
        std::optional<keras::KerasObject> object;
        if (name.isEmpty() || m_pos >= m_text.size() || m_text[m_pos] != u'(')
            fail(tr("a call such as LSTM(64) is expected"));
        else
            object = parseCall(name);
        skipSpace();
        if (object && m_pos < m_text.size())
            fail(tr("unexpected '%1'").arg(m_text.mid(m_pos, 8)));
        if (!m_error.isEmpty()) {
            if (error)
                *error = m_error;
            return std::nullopt;
        }
        return object;
    }

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

    // A dotted name (keras.layers.LSTM), or empty.
    QString parseName() {
        const qsizetype start = m_pos;
        bool expectStart = true;
        while (m_pos < m_text.size()) {
            const QChar c = m_text[m_pos];
            if (expectStart ? isNameStart(c) : (c.isLetterOrNumber() || c == u'_')) {
                expectStart = false;
            } else if (c == u'.' && !expectStart) {
                expectStart = true;
            } else {
                break;
            }
            ++m_pos;
        }
        if (expectStart) { // nothing, or a name ending in a dot
            m_pos = start;
            return {};
        }
        return m_text.mid(start, m_pos - start);
    }

    // An argument of a call: a call itself, or a literal.
    std::optional<keras::Argument> parseArgument() {
        skipSpace();
        const qsizetype start = m_pos;
        const QString name = parseName();
        skipSpace();
        if (!name.isEmpty() && m_pos < m_text.size() && m_text[m_pos] == u'(') {
            std::optional<keras::KerasObject> object = parseCall(name);
            if (!object)
                return std::nullopt;
            return keras::Argument(*object);
        }
        m_pos = start;
        std::optional<Value> value = parseValue();
        if (!value)
            return std::nullopt;
        return keras::Argument(std::move(*value));
    }

    // name(arguments), at its parenthesis.
    std::optional<keras::KerasObject> parseCall(const QString& name) {
        if (++m_depth > kMaxDepth) {
            fail(tr("the call is nested too deeply"));
            return std::nullopt;
        }
        ++m_pos;
        const qsizetype dot = name.lastIndexOf(u'.');
        QString module = dot > 0 ? name.left(dot) : (m_moduleOf ? m_moduleOf(name) : QString());
        const QString className = name.mid(dot + 1);
        if (module.isEmpty()) {
            fail(tr("%1 is not a Keras class").arg(name));
            return std::nullopt;
        }
        if (module != QLatin1String("keras") && !module.startsWith(QLatin1String("keras."))) {
            fail(tr("%1 is not in Keras: only Keras' classes can be called here").arg(name));
            return std::nullopt;
        }
        keras::KerasObject object(module, className);
        bool keywords = false;
        for (;;) {
            skipSpace();
            if (m_pos < m_text.size() && m_text[m_pos] == u')') {
                ++m_pos;
                break;
            }
            const qsizetype start = m_pos;
            const QString keyword = parseName();
            skipSpace();
            const bool isKeyword = !keyword.isEmpty() && !keyword.contains(u'.') &&
                                   m_pos < m_text.size() && m_text[m_pos] == u'=' &&
                                   (m_pos + 1 >= m_text.size() || m_text[m_pos + 1] != u'=');
            if (isKeyword) {
                ++m_pos;
                keywords = true;
            } else {
                m_pos = start;
                if (keywords) {
                    fail(tr("a positional argument follows a keyword argument"));
                    return std::nullopt;
                }
            }
            std::optional<keras::Argument> argument = parseArgument();
            if (!argument)
                return std::nullopt;
            if (isKeyword) {
                if (object.has(keyword)) {
                    fail(tr("%1 is given twice").arg(keyword));
                    return std::nullopt;
                }
                object.set(keyword, std::move(*argument));
            } else {
                object.addPositional(std::move(*argument));
            }
            skipSpace();
            if (m_pos < m_text.size() && m_text[m_pos] == u',') {
                ++m_pos;
                continue;
            }
            if (m_pos < m_text.size() && m_text[m_pos] == u')') {
                ++m_pos;
                break;
            }
            fail(tr("expected ',' or ')'"));
            return std::nullopt;
        }
        --m_depth;
        return object;
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

    static constexpr int kMaxDepth = 32;

    const QString& m_text;
    std::function<QString(const QString&)> m_moduleOf;
    qsizetype m_pos = 0;
    int m_depth = 0;
    QString m_error;
};

} // namespace

std::optional<Value> parsePythonLiteral(const QString& text, QString* error) {
    return Parser(text).parseAll(error);
}

std::optional<keras::KerasObject>
parseKerasCall(const QString& text, const std::function<QString(const QString&)>& moduleOf,
               QString* error) {
    return Parser(text, moduleOf).parseCallAll(error);
}

bool looksLikeCall(const QString& text) {
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty() || !isNameStart(trimmed.front()))
        return false;
    qsizetype i = 0;
    while (i < trimmed.size() &&
           (trimmed[i].isLetterOrNumber() || trimmed[i] == u'_' || trimmed[i] == u'.'))
        ++i;
    while (i < trimmed.size() && trimmed[i].isSpace())
        ++i;
    return i < trimmed.size() && trimmed[i] == u'(';
}

QString kerasCallText(const keras::KerasObject& object) {
    return object.expr().source();
}

QString pythonLiteralText(const Value& value) {
    return py::Expr::literal(value).source();
}

} // namespace qk::app
