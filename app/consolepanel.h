// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/console.h"
#include "inspectors/terminaltext.h"

#include <QWidget>

#include <functional>

class QCompleter;
class QPlainTextEdit;

namespace qk::app {

class ConsoleInput;

// The Python console: a transcript of inputs, output, values and errors above an input
// line (Enter runs, Shift+Enter adds a line, Tab completes, Up and Down browse the history).
class ConsolePanel : public QWidget {
    Q_OBJECT
public:
    explicit ConsolePanel(Console& console, QWidget* parent = nullptr);

    QPlainTextEdit* transcript() const { return m_transcript; }
    QPlainTextEdit* input() const;
    // Tab's completion popup over the input.
    QCompleter* completer() const;
    void clearTranscript();

Q_SIGNALS:
    // The worker answered a Tab with this many names (the line may have changed since), or
    // -1: the completion failed (the transcript says why).
    void completionAnswered(int matches);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void recolour();
    void append(Console::EntryKind kind, const QString& text);
    void run();

    Console& m_console;
    QPlainTextEdit* m_transcript;
    ConsoleInput* m_input;
    inspectors::TerminalText m_stdoutCodes; // the rendition carries over between chunks
    inspectors::TerminalText m_stderrCodes;
};

} // namespace qk::app
