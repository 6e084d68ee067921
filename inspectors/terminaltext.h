// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QString>
#include <QTextCharFormat>

class QTextCursor;

namespace qk::inspectors {

// Text a program wrote for a terminal, shown in a text widget: ECMA-48 "select graphic
// rendition" sequences (bold, faint, italic, underline, the 8 and 16 colours, 256 colours and
// 24-bit colour, resets) become character formats; every other escape sequence (cursor moves,
// titles, hyperlinks) is dropped. Output arrives in chunks, so the rendition and a sequence cut
// at the end of a chunk carry over to the next one.
class TerminalText {
public:
    // One piece of text and how to draw it.
    struct Span {
        QString text;
        QTextCharFormat format;
    };

    // Splits a chunk into spans drawn on top of `base`.
    QList<Span> parse(const QString& chunk, const QTextCharFormat& base);
    // Inserts a chunk at the cursor.
    void insert(QTextCursor& cursor, const QString& chunk, const QTextCharFormat& base);
    // Forgets the rendition and any unfinished sequence.
    void reset();

    // The text without any escape sequence.
    static QString strip(const QString& text);

private:
    void applySgr(const QString& parameters);

    QString m_pending; // an escape sequence cut at the end of the last chunk
    bool m_bold = false;
    bool m_faint = false;
    bool m_italic = false;
    bool m_underline = false;
    bool m_inverse = false;
    QColor m_foreground; // invalid: the base format's
    QColor m_background;
};

} // namespace qk::inspectors
