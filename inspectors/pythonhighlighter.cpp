// SPDX-License-Identifier: GPL-3.0-or-later
#include "inspectors/pythonhighlighter.h"

#include "inspectors/theme.h"

namespace qk::inspectors {

namespace {

enum BlockState { Normal = 0, InTripleDouble = 1, InTripleSingle = 2 };

QTextCharFormat makeFormat(const QColor& colour, bool bold = false, bool italic = false) {
    QTextCharFormat f;
    f.setForeground(colour);
    if (bold)
        f.setFontWeight(QFont::Bold);
    f.setFontItalic(italic);
    return f;
}

QString wordAlternation(const QStringList& words) {
    return QStringLiteral("\\b(?:") + words.join(QLatin1Char('|')) + QStringLiteral(")\\b");
}

} // namespace

PythonHighlighter::PythonHighlighter(QTextDocument* document)
    : QSyntaxHighlighter(document) {
    const QStringList keywords = {
        QStringLiteral("and"),    QStringLiteral("as"),       QStringLiteral("assert"),
        QStringLiteral("async"),  QStringLiteral("await"),    QStringLiteral("break"),
        QStringLiteral("class"),  QStringLiteral("continue"), QStringLiteral("def"),
        QStringLiteral("del"),    QStringLiteral("elif"),     QStringLiteral("else"),
        QStringLiteral("except"), QStringLiteral("finally"),  QStringLiteral("for"),
        QStringLiteral("from"),   QStringLiteral("global"),   QStringLiteral("if"),
        QStringLiteral("import"), QStringLiteral("in"),       QStringLiteral("is"),
        QStringLiteral("lambda"), QStringLiteral("nonlocal"), QStringLiteral("not"),
        QStringLiteral("or"),     QStringLiteral("pass"),     QStringLiteral("raise"),
        QStringLiteral("return"), QStringLiteral("try"),      QStringLiteral("while"),
        QStringLiteral("with"),   QStringLiteral("yield"),    QStringLiteral("match"),
        QStringLiteral("case")};
    const QStringList constants = {QStringLiteral("True"), QStringLiteral("False"),
                                   QStringLiteral("None"), QStringLiteral("self")};
    const QStringList builtins = {
        QStringLiteral("print"),      QStringLiteral("len"),       QStringLiteral("range"),
        QStringLiteral("int"),        QStringLiteral("float"),     QStringLiteral("str"),
        QStringLiteral("list"),       QStringLiteral("dict"),      QStringLiteral("tuple"),
        QStringLiteral("set"),        QStringLiteral("bool"),      QStringLiteral("type"),
        QStringLiteral("isinstance"), QStringLiteral("enumerate"), QStringLiteral("zip"),
        QStringLiteral("map"),        QStringLiteral("sum"),       QStringLiteral("min"),
        QStringLiteral("max"),        QStringLiteral("abs"),       QStringLiteral("repr"),
        QStringLiteral("open"),       QStringLiteral("getattr"),   QStringLiteral("setattr")};
    const auto rule = [](const QString& pattern, Role role) {
        return Rule{QRegularExpression(pattern), role, {}};
    };
    m_rules.push_back(rule(wordAlternation(keywords), Role::Keyword));
    m_rules.push_back(rule(wordAlternation(constants), Role::Constant));
    m_rules.push_back(rule(wordAlternation(builtins), Role::Builtin));
    m_rules.push_back(
        rule(QStringLiteral("\\b(?:0[xX][0-9a-fA-F_]+|\\d[\\d_]*\\.?\\d*(?:[eE][+-]?\\d+)?j?)\\b"),
             Role::Number));
    m_rules.push_back(rule(QStringLiteral("^\\s*@[\\w.]+"), Role::Decorator));
    m_rules.push_back(rule(QStringLiteral("\\b(?:def|class)\\s+(\\w+)"), Role::Definition));
    setPalette(QPalette());
}

void PythonHighlighter::setPalette(const QPalette& palette) {
    // Keywords and constants take the palette's link colours, comments its placeholder
    // text; the other hues are kept and made to read on the palette's base.
    const auto format = [&palette](Role role) {
        switch (role) {
        case Role::Keyword:
            return makeFormat(readable(palette.color(QPalette::Link), palette), true);
        case Role::Constant:
            return makeFormat(readable(palette.color(QPalette::LinkVisited), palette), true);
        case Role::Builtin:
            return makeFormat(readable(QColor(0x00, 0x80, 0x80), palette));
        case Role::Number:
            return makeFormat(readable(QColor(0x17, 0x50, 0xeb), palette));
        case Role::Decorator:
            return makeFormat(readable(QColor(0x9e, 0x88, 0x0d), palette));
        case Role::Definition:
            return makeFormat(readable(QColor(0x00, 0x62, 0x7a), palette), true);
        case Role::String:
            return makeFormat(readable(QColor(0x0a, 0x7a, 0x2f), palette));
        case Role::Comment:
            return makeFormat(readable(palette.color(QPalette::PlaceholderText), palette, 3.0),
                              false, true);
        }
        return QTextCharFormat();
    };
    for (Rule& rule : m_rules)
        rule.format = format(rule.role);
    m_stringFormat = format(Role::String);
    m_commentFormat = format(Role::Comment);
    rehighlight();
}

QColor PythonHighlighter::colour(Role role) const {
    for (const Rule& rule : m_rules)
        if (rule.role == role)
            return rule.format.foreground().color();
    return (role == Role::Comment ? m_commentFormat : m_stringFormat).foreground().color();
}

int PythonHighlighter::highlightString(const QString& text, int start, const QString& quote) {
    int i = start + static_cast<int>(quote.size());
    while (i < text.size()) {
        if (text.at(i) == QLatin1Char('\\')) {
            i += 2;
            continue;
        }
        if (text.mid(i, quote.size()) == quote) {
            i += static_cast<int>(quote.size());
            setFormat(start, i - start, m_stringFormat);
            return i;
        }
        ++i;
    }
    setFormat(start, static_cast<int>(text.size()) - start, m_stringFormat);
    if (quote == QStringLiteral("\"\"\""))
        setCurrentBlockState(InTripleDouble);
    else if (quote == QStringLiteral("'''"))
        setCurrentBlockState(InTripleSingle);
    return static_cast<int>(text.size());
}

void PythonHighlighter::highlightBlock(const QString& text) {
    setCurrentBlockState(Normal);
    for (const Rule& rule : m_rules) {
        for (auto it = rule.pattern.globalMatch(text); it.hasNext();) {
            const QRegularExpressionMatch match = it.next();
            const int group = match.lastCapturedIndex() > 0 ? 1 : 0;
            setFormat(static_cast<int>(match.capturedStart(group)),
                      static_cast<int>(match.capturedLength(group)), rule.format);
        }
    }
    // Strings and comments override the rules above; scan left to right so that a '#' in a
    // string is not a comment and a quote in a comment is not a string.
    int i = 0;
    if (previousBlockState() == InTripleDouble || previousBlockState() == InTripleSingle) {
        const QString quote = previousBlockState() == InTripleDouble ? QStringLiteral("\"\"\"")
                                                                     : QStringLiteral("'''");
        const int end = static_cast<int>(text.indexOf(quote));
        if (end < 0) {
            setFormat(0, static_cast<int>(text.size()), m_stringFormat);
            setCurrentBlockState(previousBlockState());
            return;
        }
        setFormat(0, end + 3, m_stringFormat);
        i = end + 3;
    }
    while (i < text.size()) {
        const QChar c = text.at(i);
        if (c == QLatin1Char('#')) {
            setFormat(i, static_cast<int>(text.size()) - i, m_commentFormat);
            return;
        }
        if (c == QLatin1Char('"') || c == QLatin1Char('\'')) {
            const QString triple(3, c);
            const QString quote = text.mid(i, 3) == triple ? triple : QString(c);
            i = highlightString(text, i, quote);
            continue;
        }
        ++i;
    }
}

} // namespace qk::inspectors
