// SPDX-License-Identifier: GPL-3.0-or-later
#include "inspectors/codeview.h"

#include "inspectors/pythonhighlighter.h"
#include "inspectors/theme.h"

#include <QFontDatabase>
#include <QPainter>
#include <QTextBlock>

namespace qk::inspectors {

namespace {

class LineNumberArea : public QWidget {
public:
    explicit LineNumberArea(CodeView* view)
        : QWidget(view)
        , m_view(view) {}
    QSize sizeHint() const override { return {m_view->lineNumberAreaWidth(), 0}; }

protected:
    void paintEvent(QPaintEvent* event) override { m_view->paintLineNumbers(event); }

private:
    CodeView* m_view;
};

const QColor markColour(0xe5, 0x39, 0x35); // the failing line: a tint of it, over the base

} // namespace

CodeView::CodeView(QWidget* parent)
    : QPlainTextEdit(parent)
    , m_lineNumbers(new LineNumberArea(this))
    , m_highlighter(new PythonHighlighter(document())) {
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setLineWrapMode(QPlainTextEdit::NoWrap);
    setReadOnly(true);
    setTabStopDistance(fontMetrics().horizontalAdvance(QLatin1Char(' ')) * 4);
    connect(this, &QPlainTextEdit::blockCountChanged, this, &CodeView::updateMargins);
    connect(this, &QPlainTextEdit::updateRequest, this, [this](const QRect& rect, int dy) {
        if (dy != 0)
            m_lineNumbers->scroll(0, dy);
        else
            m_lineNumbers->update(0, rect.y(), m_lineNumbers->width(), rect.height());
    });
    updateMargins();
}

void CodeView::setCode(const QString& code) {
    setPlainText(code);
    m_markedLine = 0;
    updateSelections();
}

void CodeView::markLine(int line) {
    m_markedLine = line > 0 && line <= blockCount() ? line : 0;
    updateSelections();
    if (m_markedLine > 0) {
        QTextCursor cursor(document()->findBlockByNumber(m_markedLine - 1));
        setTextCursor(cursor);
        centerCursor();
    }
    m_lineNumbers->update();
}

int CodeView::lineNumberAreaWidth() const {
    const int digits = static_cast<int>(QString::number(qMax(1, blockCount())).size());
    return 12 + fontMetrics().horizontalAdvance(QLatin1Char('9')) * (qMax(2, digits) + 1);
}

void CodeView::updateMargins() {
    setViewportMargins(lineNumberAreaWidth(), 0, 0, 0);
}

void CodeView::updateSelections() {
    QList<QTextEdit::ExtraSelection> selections;
    if (m_markedLine > 0) {
        QTextEdit::ExtraSelection mark;
        mark.format.setBackground(tint(markColour, palette(), isDark(palette()) ? 0.3 : 0.2));
        mark.format.setProperty(QTextFormat::FullWidthSelection, true);
        mark.cursor = QTextCursor(document()->findBlockByNumber(m_markedLine - 1));
        selections.append(mark);
    }
    setExtraSelections(selections);
}

void CodeView::changeEvent(QEvent* event) {
    QPlainTextEdit::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        m_highlighter->setPalette(palette());
        updateSelections();
    }
}

void CodeView::resizeEvent(QResizeEvent* event) {
    QPlainTextEdit::resizeEvent(event);
    const QRect r = contentsRect();
    m_lineNumbers->setGeometry(QRect(r.left(), r.top(), lineNumberAreaWidth(), r.height()));
}

void CodeView::paintLineNumbers(QPaintEvent* event) {
    QPainter painter(m_lineNumbers);
    painter.fillRect(event->rect(), palette().color(QPalette::AlternateBase));
    QTextBlock block = firstVisibleBlock();
    int number = block.blockNumber() + 1;
    int top = qRound(blockBoundingGeometry(block).translated(contentOffset()).top());
    const int width = m_lineNumbers->width() - 6;
    while (block.isValid() && top <= event->rect().bottom()) {
        const int height = qRound(blockBoundingRect(block).height());
        if (block.isVisible() && top + height >= event->rect().top()) {
            const bool marked = number == m_markedLine;
            if (marked)
                painter.fillRect(0, top, m_lineNumbers->width(), height, QColor(0xd0, 0x30, 0x30));
            painter.setPen(marked ? QColor(Qt::white) : palette().color(QPalette::PlaceholderText));
            painter.drawText(0, top, width, height, Qt::AlignRight | Qt::AlignVCenter,
                             marked ? QStringLiteral("▶%1").arg(number) : QString::number(number));
        }
        block = block.next();
        top += height;
        ++number;
    }
}

} // namespace qk::inspectors
