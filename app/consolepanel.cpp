// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/consolepanel.h"

#include <QFontDatabase>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QTextBlock>
#include <QToolButton>
#include <QVBoxLayout>

namespace qk::app {

// The console's input: Enter runs, Shift+Enter breaks the line, Up/Down on the first/last
// line browse the history.
class ConsoleInput : public QPlainTextEdit {
public:
    ConsoleInput(CommandHistory& history, std::function<void()> run, QWidget* parent)
        : QPlainTextEdit(parent)
        , m_history(history)
        , m_run(std::move(run)) {
        setTabChangesFocus(false);
        setLineWrapMode(QPlainTextEdit::NoWrap);
    }

protected:
    void keyPressEvent(QKeyEvent* event) override {
        const bool enter = event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter;
        if (enter && !(event->modifiers() & Qt::ShiftModifier)) {
            m_run();
            return;
        }
        const QTextCursor cursor = textCursor();
        if (event->key() == Qt::Key_Up && cursor.blockNumber() == 0) {
            setText(m_history.previous(toPlainText()));
            return;
        }
        if (event->key() == Qt::Key_Down && cursor.blockNumber() == blockCount() - 1) {
            setText(m_history.next());
            return;
        }
        QPlainTextEdit::keyPressEvent(event);
    }

private:
    void setText(const QString& text) {
        setPlainText(text);
        moveCursor(QTextCursor::End);
    }

    CommandHistory& m_history;
    std::function<void()> m_run;
};

ConsolePanel::ConsolePanel(Console& console, QWidget* parent)
    : QWidget(parent)
    , m_console(console)
    , m_transcript(new QPlainTextEdit(this))
    , m_input(new ConsoleInput(
          console.history(), [this] { run(); }, this)) {
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_transcript->setReadOnly(true);
    m_transcript->setFont(mono);
    m_transcript->setMaximumBlockCount(20000);
    m_transcript->setUndoRedoEnabled(false);
    m_transcript->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_input->setFont(mono);
    m_input->setPlaceholderText(tr("Python code for the worker — Enter runs, Shift+Enter "
                                   "adds a line, Up/Down browse the history"));
    m_input->setFixedHeight(QFontMetrics(mono).lineSpacing() * 3 + 12);

    auto* prompt = new QLabel(QStringLiteral(">>>"), this);
    prompt->setFont(mono);
    prompt->setAlignment(Qt::AlignTop);
    auto* clear = new QToolButton(this);
    clear->setText(tr("Clear"));
    clear->setToolTip(tr("Clear the transcript"));
    connect(clear, &QToolButton::clicked, this, &ConsolePanel::clearTranscript);

    auto* inputRow = new QHBoxLayout;
    inputRow->addWidget(prompt);
    inputRow->addWidget(m_input, 1);
    inputRow->addWidget(clear, 0, Qt::AlignTop);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(m_transcript, 1);
    layout->addLayout(inputRow);
    setFocusProxy(m_input);

    connect(&console, &Console::entry, this,
            [this](Console::EntryKind kind, const QString& text, const QString&) {
                append(kind, text);
            });
}

QPlainTextEdit* ConsolePanel::input() const {
    return m_input;
}

void ConsolePanel::clearTranscript() {
    m_transcript->clear();
}

void ConsolePanel::run() {
    const QString code = m_input->toPlainText();
    if (code.trimmed().isEmpty())
        return;
    m_input->clear();
    m_console.execute(code);
}

void ConsolePanel::append(Console::EntryKind kind, const QString& text) {
    QTextCharFormat format;
    QString shown = text;
    switch (kind) {
    case Console::EntryKind::Input: {
        QStringList lines = text.split(QLatin1Char('\n'));
        for (int i = 0; i < lines.size(); ++i)
            lines[i].prepend(i == 0 ? QStringLiteral(">>> ") : QStringLiteral("... "));
        shown = lines.join(QLatin1Char('\n'));
        format.setForeground(QColor(0x1a, 0x4f, 0xa0));
        format.setFontWeight(QFont::Bold);
        break;
    }
    case Console::EntryKind::Stdout:
        break;
    case Console::EntryKind::Stderr:
        format.setForeground(QColor(0xb3, 0x5c, 0x00));
        break;
    case Console::EntryKind::Result:
        format.setForeground(QColor(0x1b, 0x5e, 0x20));
        break;
    case Console::EntryKind::Error:
        format.setForeground(QColor(0xc6, 0x28, 0x28));
        break;
    case Console::EntryKind::Info:
        format.setForeground(QColor(0x75, 0x75, 0x75));
        format.setFontItalic(true);
        break;
    }
    // Output arrives in chunks that need not end lines; everything else starts its own line.
    // Output written for a terminal keeps its bold and colours; other text shows plain.
    QTextCursor cursor(m_transcript->document());
    cursor.movePosition(QTextCursor::End);
    const bool atLineStart = cursor.block().text().isEmpty();
    if (kind == Console::EntryKind::Stdout) {
        m_stdoutCodes.insert(cursor, shown, format);
    } else if (kind == Console::EntryKind::Stderr) {
        m_stderrCodes.insert(cursor, shown, format);
    } else {
        if (!atLineStart)
            cursor.insertText(QStringLiteral("\n"));
        cursor.insertText(inspectors::TerminalText::strip(shown) + QLatin1Char('\n'), format);
    }
    m_transcript->verticalScrollBar()->setValue(m_transcript->verticalScrollBar()->maximum());
}

} // namespace qk::app
