// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/consolepanel.h"

#include "inspectors/theme.h"

#include <QAbstractItemView>
#include <QCompleter>
#include <QCoreApplication>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QStringListModel>
#include <QTextBlock>
#include <QToolButton>
#include <QVBoxLayout>

#include <optional>
#include <tuple>
#include <vector>

namespace qk::app {

namespace {

// The tone (inspectors::Tone) of a stretch of the transcript, kept in its character format.
constexpr int toneProperty = QTextFormat::UserProperty + 1;

} // namespace

// The console's input: Enter runs, Shift+Enter breaks the line, Up/Down on the first/last
// line browse the history, Tab completes the name before the cursor from the worker's scope
// (or indents where there is no name to complete).
class ConsoleInput : public QPlainTextEdit {
public:
    using Complete = std::function<QFuture<Completions>(const QString& line)>;

    ConsoleInput(CommandHistory& history, std::function<void()> run, Complete complete,
                 QWidget* parent)
        : QPlainTextEdit(parent)
        , m_history(history)
        , m_run(std::move(run))
        , m_complete(std::move(complete))
        , m_completer(new QCompleter(this))
        , m_names(new QStringListModel(this)) {
        setTabChangesFocus(false);
        setLineWrapMode(QPlainTextEdit::NoWrap);
        m_completer->setModel(m_names);
        m_completer->setWidget(this);
        m_completer->setCompletionMode(QCompleter::PopupCompletion);
        m_completer->setCaseSensitivity(Qt::CaseSensitive);
        m_completer->setMaxVisibleItems(12);
        m_completer->popup()->setObjectName(QStringLiteral("completions"));
        connect(m_completer, qOverload<const QString&>(&QCompleter::activated), this,
                [this](const QString& name) { replaceWord(name); });
    }

    QCompleter* completer() const { return m_completer; }
    std::function<void(int, const QString&)> answered;

protected:
    void keyPressEvent(QKeyEvent* event) override {
        const bool enter = event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter;
        if (m_completer->popup()->isVisible()) {
            // The popup takes the keys that choose or dismiss; typing goes on in the line.
            if (enter || event->key() == Qt::Key_Escape || event->key() == Qt::Key_Tab ||
                event->key() == Qt::Key_Backtab) {
                event->ignore();
                return;
            }
            QPlainTextEdit::keyPressEvent(event);
            const QString word = wordBeforeCursor();
            const QString typed = event->text();
            const bool partOfName = typed.isEmpty() || typed.at(0).isLetterOrNumber() ||
                                    typed.at(0) == QLatin1Char('_');
            if (word.isEmpty() || !partOfName) {
                m_completer->popup()->hide();
                return;
            }
            m_completer->setCompletionPrefix(word);
            return;
        }
        if (event->key() == Qt::Key_Tab && event->modifiers() == Qt::NoModifier) {
            completeOrIndent();
            return;
        }
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
    QString lineBeforeCursor() const {
        const QTextCursor cursor = textCursor();
        return cursor.block().text().left(cursor.positionInBlock());
    }

    QString wordBeforeCursor() const {
        const QString line = lineBeforeCursor();
        qsizetype start = line.size();
        while (start > 0 &&
               (line.at(start - 1).isLetterOrNumber() || line.at(start - 1) == QLatin1Char('_')))
            --start;
        return line.mid(start);
    }

    void completeOrIndent() {
        const QString line = lineBeforeCursor();
        if (line.trimmed().isEmpty() || line.back().isSpace()) {
            insertPlainText(QStringLiteral("    "));
            return;
        }
        // The answer applies only to the text it was asked for: typing on cancels it.
        const quint64 asked = ++m_asked;
        const QString text = toPlainText();
        const int position = textCursor().position();
        m_complete(line).then(this, [this, asked, text, position](QFuture<Completions> done) {
            Completions found;
            QString error;
            try {
                done.waitForFinished(); // a failure is thrown here
                if (done.resultCount() > 0)
                    found = done.result();
                else
                    error = QCoreApplication::translate("ConsolePanel", "no answer");
            } catch (const std::exception& e) {
                error = QString::fromUtf8(e.what());
            }
            if (!error.isEmpty()) {
                // The line stays as typed; the transcript says why nothing was completed.
                if (answered)
                    answered(-1, error);
                return;
            }
            if (answered)
                answered(static_cast<int>(found.matches.size()), {});
            if (asked != m_asked || text != toPlainText() || position != textCursor().position())
                return;
            apply(found);
        });
    }

    void apply(const Completions& found) {
        QStringList names;
        for (const Completions::Match& match : found.matches)
            names.append(match.name);
        if (names.isEmpty())
            return;
        if (names.size() == 1) {
            replaceWord(names.front(), found.prefix);
            return;
        }
        // Several: what they all begin with goes in at once, the popup offers the rest.
        QString common = names.front();
        for (const QString& name : names) {
            qsizetype n = 0;
            while (n < common.size() && n < name.size() && common.at(n) == name.at(n))
                ++n;
            common.truncate(n);
        }
        if (common.size() > found.prefix.size())
            replaceWord(common, found.prefix);
        m_names->setStringList(names);
        m_completer->setCompletionPrefix(common.size() > found.prefix.size() ? common
                                                                             : found.prefix);
        QRect rect = cursorRect();
        rect.setWidth(m_completer->popup()->sizeHintForColumn(0) +
                      m_completer->popup()->verticalScrollBar()->sizeHint().width() + 8);
        m_completer->complete(rect);
    }

    // Replaces the name being typed before the cursor (its last `typed` characters, or the
    // identifier there) with `name`.
    void replaceWord(const QString& name, const QString& typed = {}) {
        QTextCursor cursor = textCursor();
        const qsizetype length = typed.isEmpty() ? wordBeforeCursor().size() : typed.size();
        cursor.movePosition(QTextCursor::Left, QTextCursor::KeepAnchor, static_cast<int>(length));
        cursor.insertText(name);
        setTextCursor(cursor);
    }

    void setText(const QString& text) {
        setPlainText(text);
        moveCursor(QTextCursor::End);
    }

    CommandHistory& m_history;
    std::function<void()> m_run;
    Complete m_complete;
    QCompleter* m_completer;
    QStringListModel* m_names;
    quint64 m_asked = 0;
};

ConsolePanel::ConsolePanel(Console& console, QWidget* parent)
    : QWidget(parent)
    , m_console(console)
    , m_transcript(new QPlainTextEdit(this))
    , m_input(new ConsoleInput(
          console.history(), [this] { run(); },
          [this](const QString& line) { return m_console.complete(line); }, this)) {
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_transcript->setReadOnly(true);
    m_transcript->setFont(mono);
    m_transcript->setMaximumBlockCount(20000);
    m_transcript->setUndoRedoEnabled(false);
    m_transcript->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_input->setFont(mono);
    m_input->setPlaceholderText(tr("Python code for the worker — Enter runs, Shift+Enter "
                                   "adds a line, Tab completes, Up/Down browse the history"));
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
    m_transcript->installEventFilter(this);
    m_input->answered = [this](int matches, const QString& error) {
        if (matches < 0)
            append(Console::EntryKind::Info, tr("Tab completion failed: %1").arg(error));
        Q_EMIT completionAnswered(matches);
    };

    connect(&console, &Console::entry, this,
            [this](Console::EntryKind kind, const QString& text, const QString&) {
                append(kind, text);
            });
}

QPlainTextEdit* ConsolePanel::input() const {
    return m_input;
}

bool ConsolePanel::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_transcript && event->type() == QEvent::PaletteChange)
        recolour();
    return QWidget::eventFilter(watched, event);
}

void ConsolePanel::recolour() {
    // The stretches of text that carry a tone take its colour in the transcript's palette;
    // text without one (plain output, a terminal's own colours) is left as it is.
    const QPalette palette = m_transcript->palette();
    std::vector<std::tuple<int, int, int>> stretches; // position, length, tone
    for (QTextBlock block = m_transcript->document()->begin(); block.isValid();
         block = block.next()) {
        for (auto it = block.begin(); !it.atEnd(); ++it) {
            const QTextFragment fragment = it.fragment();
            const QVariant tone = fragment.charFormat().property(toneProperty);
            if (tone.isValid())
                stretches.emplace_back(fragment.position(), fragment.length(), tone.toInt());
        }
    }
    QTextCursor cursor(m_transcript->document());
    cursor.beginEditBlock();
    for (const auto& [position, length, tone] : stretches) {
        cursor.setPosition(position);
        cursor.setPosition(position + length, QTextCursor::KeepAnchor);
        QTextCharFormat colour;
        colour.setForeground(inspectors::toneColour(static_cast<inspectors::Tone>(tone), palette));
        cursor.mergeCharFormat(colour);
    }
    cursor.endEditBlock();
}

QCompleter* ConsolePanel::completer() const {
    return m_input->completer();
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
    using inspectors::Tone;
    QTextCharFormat format;
    QString shown = text;
    std::optional<Tone> tone;
    switch (kind) {
    case Console::EntryKind::Input: {
        QStringList lines = text.split(QLatin1Char('\n'));
        for (int i = 0; i < lines.size(); ++i)
            lines[i].prepend(i == 0 ? QStringLiteral(">>> ") : QStringLiteral("... "));
        shown = lines.join(QLatin1Char('\n'));
        tone = Tone::Accent;
        format.setFontWeight(QFont::Bold);
        break;
    }
    case Console::EntryKind::Stdout:
        break;
    case Console::EntryKind::Stderr:
        tone = Tone::Warning;
        break;
    case Console::EntryKind::Result:
        tone = Tone::Success;
        break;
    case Console::EntryKind::Error:
        tone = Tone::Error;
        break;
    case Console::EntryKind::Info:
        tone = Tone::Muted;
        format.setFontItalic(true);
        break;
    }
    if (tone) {
        // The tone is kept with the text, so that a new palette can colour it again.
        format.setForeground(inspectors::toneColour(*tone, m_transcript->palette()));
        format.setProperty(toneProperty, static_cast<int>(*tone));
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
