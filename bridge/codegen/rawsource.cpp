// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/codegen/rawsource.h"

#include <stdexcept>

namespace qk::py {
namespace {

[[noreturn]] void refuse(const QString& text, const char* role, const QString& why) {
    QString shown;
    for (const QChar c : QStringView(text).left(60)) {
        if (c == QLatin1Char('\n'))
            shown += QLatin1String("\\n");
        else if (c.unicode() < 0x20 || c.isSurrogate())
            shown += QStringLiteral("\\u%1").arg(c.unicode(), 4, 16, QLatin1Char('0'));
        else
            shown += c;
    }
    if (text.size() > 60)
        shown += QStringLiteral("...");
    throw std::invalid_argument(QStringLiteral("%1 '%2' cannot be embedded: %3")
                                    .arg(QString::fromUtf8(role), shown, why)
                                    .toStdString());
}

bool isLineBreak(QChar c) {
    return c == QLatin1Char('\n') || c == QLatin1Char('\r');
}

bool isWordChar(QChar c) {
    return c.isLetterOrNumber() || c == QLatin1Char('_') || c.unicode() >= 0x80;
}

// True for the prefixes Python allows before a string literal.
bool isStringPrefix(QStringView word) {
    static constexpr const char* prefixes[] = {"r", "u", "b", "f", "br", "rb", "fr", "rf"};
    const QString lower = word.toString().toLower();
    for (const char* p : prefixes) {
        if (lower == QLatin1String(p))
            return true;
    }
    return false;
}

// Where the line break starting at `i` ends (\r\n counts as one).
qsizetype afterLineBreak(const QString& text, qsizetype i) {
    if (text.at(i) == QLatin1Char('\r') && i + 1 < text.size() &&
        text.at(i + 1) == QLatin1Char('\n'))
        return i + 2;
    return i + 1;
}

} // namespace

SourceScan scanSource(const QString& text, const char* role) {
    SourceScan scan;
    QString open; // the brackets not yet closed
    const qsizetype n = text.size();
    for (qsizetype i = 0; i < n; ++i) {
        const QChar c = text.at(i);
        if (c.isNull())
            refuse(text, role, QStringLiteral("it holds a NUL character"));
        if (c.isSurrogate()) {
            if (c.isHighSurrogate() && i + 1 < n && text.at(i + 1).isLowSurrogate()) {
                ++i;
                continue;
            }
            refuse(text, role,
                   QStringLiteral("it holds a lone surrogate, which UTF-8 cannot carry"));
        }
        if (c == QLatin1Char('#')) {
            scan.hasComment = true;
            while (i + 1 < n && !isLineBreak(text.at(i + 1)))
                ++i;
            continue;
        }
        if (isLineBreak(c)) {
            i = afterLineBreak(text, i) - 1;
            scan.lineStarts.push_back(i + 1);
            continue;
        }
        if (c == QLatin1Char('\\')) {
            if (i + 1 >= n)
                refuse(text, role, QStringLiteral("it ends with a line continuation"));
            if (isLineBreak(text.at(i + 1))) {
                i = afterLineBreak(text, i + 1) - 1;
                scan.lineStarts.push_back(i + 1);
            }
            continue;
        }
        if (QStringLiteral("([{").contains(c)) {
            open += c;
            scan.bracketDepth = std::max(scan.bracketDepth, int(open.size()));
            continue;
        }
        if (QStringLiteral(")]}").contains(c)) {
            static const QString pairs = QStringLiteral("()[]{}");
            const QChar expected = pairs.at(pairs.indexOf(c) - 1);
            if (open.isEmpty() || open.back() != expected)
                refuse(text, role, QStringLiteral("'%1' closes no matching bracket").arg(c));
            open.chop(1);
            continue;
        }
        qsizetype quoteAt = -1;
        if (c == QLatin1Char('\'') || c == QLatin1Char('"')) {
            quoteAt = i;
        } else if (isWordChar(c)) {
            qsizetype end = i;
            while (end < n && isWordChar(text.at(end)) && !text.at(end).isSurrogate())
                ++end;
            const bool prefixed =
                end < n &&
                (text.at(end) == QLatin1Char('\'') || text.at(end) == QLatin1Char('"')) &&
                isStringPrefix(QStringView(text).mid(i, end - i)) &&
                (i == 0 || !isWordChar(text.at(i - 1)));
            if (!prefixed) {
                i = end - 1;
                continue;
            }
            quoteAt = end;
        }
        if (quoteAt < 0)
            continue;
        // A string literal: find its end. A backslash always keeps the next character in the
        // string (in raw strings too, as far as where the literal ends is concerned).
        const QChar quote = text.at(quoteAt);
        const bool triple =
            quoteAt + 2 < n && text.at(quoteAt + 1) == quote && text.at(quoteAt + 2) == quote;
        qsizetype j = quoteAt + (triple ? 3 : 1);
        bool closed = false;
        while (j < n) {
            const QChar s = text.at(j);
            if (s.isNull())
                refuse(text, role, QStringLiteral("it holds a NUL character"));
            if (s.isSurrogate() &&
                !(s.isHighSurrogate() && j + 1 < n && text.at(j + 1).isLowSurrogate()) &&
                !(s.isLowSurrogate() && text.at(j - 1).isHighSurrogate()))
                refuse(text, role,
                       QStringLiteral("it holds a lone surrogate, which UTF-8 cannot carry"));
            if (s == QLatin1Char('\\')) {
                j += 2;
                continue;
            }
            if (!triple && isLineBreak(s))
                break;
            if (s == quote &&
                (!triple || (j + 2 < n && text.at(j + 1) == quote && text.at(j + 2) == quote))) {
                j += triple ? 3 : 1;
                closed = true;
                break;
            }
            ++j;
        }
        if (!closed)
            refuse(text, role, QStringLiteral("a string literal is left open"));
        i = j - 1;
    }
    if (!open.isEmpty())
        refuse(text, role, QStringLiteral("'%1' is never closed").arg(open.back()));
    return scan;
}

QString indentedSource(const QString& text, const QString& indent) {
    const SourceScan scan = scanSource(text, "statement");
    QString out = text;
    // Backwards, so that each insertion leaves the earlier offsets valid. (Not through
    // std::views::reverse, which clang 14 cannot compile with libstdc++ 12.)
    // NOLINTNEXTLINE(modernize-loop-convert)
    for (auto it = scan.lineStarts.rbegin(); it != scan.lineStarts.rend(); ++it)
        out.insert(*it, indent);
    return out;
}

} // namespace qk::py
