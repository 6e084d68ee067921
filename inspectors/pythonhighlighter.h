// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QPalette>
#include <QRegularExpression>
#include <QSyntaxHighlighter>
#include <QTextCharFormat>

#include <vector>

namespace qk::inspectors {

// Colours Python source: keywords, builtins, strings (triple-quoted ones across lines),
// numbers, comments and decorators, in colours taken from (or made to read on) a palette.
class PythonHighlighter : public QSyntaxHighlighter {
    Q_OBJECT
public:
    enum class Role { Keyword, Constant, Builtin, Number, Decorator, Definition, String, Comment };

    explicit PythonHighlighter(QTextDocument* document);

    // Takes the colours from the palette and highlights the document again.
    void setPalette(const QPalette& palette);
    QColor colour(Role role) const;

protected:
    void highlightBlock(const QString& text) override;

private:
    struct Rule {
        QRegularExpression pattern;
        Role role;
        QTextCharFormat format;
    };
    // Formats a string that starts at `start` (a quote) and returns where it ends; sets the
    // block state when a triple-quoted string continues on the next line.
    int highlightString(const QString& text, int start, const QString& quote);

    std::vector<Rule> m_rules;
    QTextCharFormat m_stringFormat;
    QTextCharFormat m_commentFormat;
};

} // namespace qk::inspectors
