// SPDX-License-Identifier: GPL-3.0-or-later
#include "inspectors/terminaltext.h"

#include <QRegularExpression>
#include <QTextCursor>

#include <array>

namespace qk::inspectors {

namespace {

constexpr QChar esc(0x1b);
constexpr QChar bell(0x07);
// A sequence longer than this that has not ended is not one: it is dropped.
constexpr qsizetype maxPending = 4096;

// The 16 terminal colours (normal, then bright), as most terminal themes draw them: readable
// on a light and on a dark background.
constexpr std::array<QRgb, 16> basicColours = {
    0x000000, 0xcd3131, 0x0dbc79, 0xa07c00, 0x2472c8, 0xbc3fbc, 0x11a8cd, 0x808080,
    0x666666, 0xf14c4c, 0x23d18b, 0xc5a800, 0x3b8eea, 0xd670d6, 0x29b8db, 0xe5e5e5};

QColor xtermColour(int index) {
    if (index < 16)
        return QColor(basicColours.at(static_cast<size_t>(index)));
    if (index < 232) {
        const int i = index - 16;
        const auto level = [](int v) { return v == 0 ? 0 : 55 + 40 * v; };
        return QColor(level(i / 36), level(i / 6 % 6), level(i % 6));
    }
    const int grey = 8 + 10 * (index - 232);
    return QColor(grey, grey, grey);
}

// Where the escape sequence starting at `from` (an ESC) ends: the index after it, or -1 when
// the text ends first. `sgr` receives the parameters of a "select graphic rendition".
qsizetype sequenceEnd(const QString& text, qsizetype from, QString* sgr, bool* isSgr) {
    *isSgr = false;
    const qsizetype n = text.size();
    if (from + 1 >= n)
        return -1;
    const QChar kind = text.at(from + 1);
    if (kind == u'[') { // CSI: parameters, intermediates, a final byte
        qsizetype i = from + 2;
        while (i < n && text.at(i).unicode() >= 0x20 && text.at(i).unicode() <= 0x3f)
            ++i;
        if (i >= n)
            return -1;
        const ushort final = text.at(i).unicode();
        if (final < 0x40 || final > 0x7e)
            return i; // malformed: dropped up to here
        if (final == u'm') {
            *isSgr = true;
            *sgr = text.mid(from + 2, i - from - 2);
        }
        return i + 1;
    }
    if (kind == u']' || kind == u'P' || kind == u'X' || kind == u'^' || kind == u'_') {
        // OSC and the other strings: up to BEL or ESC backslash.
        for (qsizetype i = from + 2; i < n; ++i) {
            if (text.at(i) == bell)
                return i + 1;
            if (text.at(i) == esc) {
                if (i + 1 >= n)
                    return -1;
                if (text.at(i + 1) == u'\\')
                    return i + 2;
            }
        }
        return -1;
    }
    // Other escapes: intermediates, then one final byte (ESC 7, ESC ( B, ...).
    qsizetype i = from + 1;
    while (i < n && text.at(i).unicode() >= 0x20 && text.at(i).unicode() <= 0x2f)
        ++i;
    return i >= n ? -1 : i + 1;
}

} // namespace

QList<TerminalText::Span> TerminalText::parse(const QString& chunk, const QTextCharFormat& base) {
    const QString text = m_pending + chunk;
    m_pending.clear();
    QList<Span> spans;
    const auto format = [&] {
        QTextCharFormat f = base;
        if (m_bold)
            f.setFontWeight(QFont::Bold);
        if (m_italic)
            f.setFontItalic(true);
        if (m_underline)
            f.setFontUnderline(true);
        QColor fg = m_foreground.isValid() ? m_foreground : base.foreground().color();
        QColor bg = m_background;
        if (m_inverse) {
            const QColor was = fg;
            fg = bg.isValid() ? bg : QColor(Qt::white);
            bg = was;
        }
        if (m_faint)
            fg.setAlphaF(0.6f);
        if (m_foreground.isValid() || m_faint || m_inverse)
            f.setForeground(fg);
        if (bg.isValid())
            f.setBackground(bg);
        return f;
    };
    QString plain;
    const auto flush = [&] {
        if (!plain.isEmpty())
            spans.append({plain, format()});
        plain.clear();
    };
    for (qsizetype i = 0; i < text.size();) {
        const QChar c = text.at(i);
        if (c != esc) {
            if (c != bell)
                plain.append(c);
            ++i;
            continue;
        }
        QString parameters;
        bool isSgr = false;
        const qsizetype end = sequenceEnd(text, i, &parameters, &isSgr);
        if (end < 0) {
            if (text.size() - i <= maxPending)
                m_pending = text.mid(i);
            break;
        }
        if (isSgr) {
            flush();
            applySgr(parameters);
        }
        i = end;
    }
    flush();
    return spans;
}

void TerminalText::insert(QTextCursor& cursor, const QString& chunk, const QTextCharFormat& base) {
    for (const Span& span : parse(chunk, base))
        cursor.insertText(span.text, span.format);
}

void TerminalText::reset() {
    *this = TerminalText();
}

QString TerminalText::strip(const QString& text) {
    if (!text.contains(esc) && !text.contains(bell))
        return text;
    TerminalText parser;
    QString out;
    for (const Span& span : parser.parse(text, {}))
        out += span.text;
    return out;
}

void TerminalText::applySgr(const QString& parameters) {
    QList<int> codes;
    for (const QString& part : parameters.split(QRegularExpression(QStringLiteral("[;:]")))) {
        bool ok = false;
        const int code = part.toInt(&ok);
        codes.append(ok ? code : 0);
    }
    if (codes.isEmpty())
        codes.append(0);
    for (qsizetype i = 0; i < codes.size(); ++i) {
        const int code = codes.at(i);
        // 38/48: 5;n (256 colours) or 2;r;g;b (24-bit).
        const auto extended = [&]() -> QColor {
            if (i + 2 < codes.size() && codes.at(i + 1) == 5) {
                const int index = codes.at(i + 2);
                i += 2;
                return index >= 0 && index < 256 ? xtermColour(index) : QColor();
            }
            if (i + 4 < codes.size() && codes.at(i + 1) == 2) {
                const QColor colour(qBound(0, codes.at(i + 2), 255),
                                    qBound(0, codes.at(i + 3), 255),
                                    qBound(0, codes.at(i + 4), 255));
                i += 4;
                return colour;
            }
            i = codes.size();
            return {};
        };
        if (code == 0) {
            const QString pending = m_pending;
            reset();
            m_pending = pending;
        } else if (code == 1) {
            m_bold = true;
        } else if (code == 2) {
            m_faint = true;
        } else if (code == 3) {
            m_italic = true;
        } else if (code == 4) {
            m_underline = true;
        } else if (code == 7) {
            m_inverse = true;
        } else if (code == 22) {
            m_bold = m_faint = false;
        } else if (code == 23) {
            m_italic = false;
        } else if (code == 24) {
            m_underline = false;
        } else if (code == 27) {
            m_inverse = false;
        } else if (code >= 30 && code <= 37) {
            m_foreground = xtermColour(code - 30);
        } else if (code == 38) {
            m_foreground = extended();
        } else if (code == 39) {
            m_foreground = QColor();
        } else if (code >= 40 && code <= 47) {
            m_background = xtermColour(code - 40);
        } else if (code == 48) {
            m_background = extended();
        } else if (code == 49) {
            m_background = QColor();
        } else if (code >= 90 && code <= 97) {
            m_foreground = xtermColour(code - 90 + 8);
        } else if (code >= 100 && code <= 107) {
            m_background = xtermColour(code - 100 + 8);
        }
    }
}

} // namespace qk::inspectors
