// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QPlainTextEdit>

namespace qk::inspectors {

class PythonHighlighter;

// Python source with line numbers and highlighting; one line can be marked (the line a
// traceback points at). Read-only unless made editable.
class CodeView : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit CodeView(QWidget* parent = nullptr);

    void setCode(const QString& code);
    QString code() const { return toPlainText(); }
    // Marks a 1-based line (0 clears the mark) and scrolls to it.
    void markLine(int line);
    int markedLine() const { return m_markedLine; }

    int lineNumberAreaWidth() const;
    void paintLineNumbers(QPaintEvent* event);

    const PythonHighlighter& highlighter() const { return *m_highlighter; }

protected:
    void changeEvent(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void updateMargins();
    void updateSelections();

    QWidget* m_lineNumbers;
    PythonHighlighter* m_highlighter;
    int m_markedLine = 0;
};

} // namespace qk::inspectors
