// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/session/command.h"

#include <QDialog>
#include <QPointer>

class QAbstractButton;
class QCheckBox;
class QLabel;
class QPlainTextEdit;
class QStackedWidget;

namespace qk::inspectors {
class CodeView;
}

namespace qk::app {

// Asks what to do about a failed command, without blocking anything: shows the exception,
// the traceback, the code with the failing line marked and how many commands wait; offers
// Ignore, Replace (with an editor prefilled with the code) and Drop queue. Emits decided()
// once; closing its window without a choice drops the queue. Deletes itself after deciding.
// It leaves the keyboard where the user was typing, and no key decides: there is no default
// button, and Escape does not close it.
class ErrorRecoveryDialog : public QDialog {
    Q_OBJECT
public:
    explicit ErrorRecoveryDialog(const qk::CommandFailure& failure, QWidget* parent = nullptr);

    const qk::CommandFailure& failure() const { return m_failure; }

    QAbstractButton* ignoreButton() const { return m_ignore; }
    QAbstractButton* replaceButton() const { return m_replace; }
    QAbstractButton* dropButton() const { return m_drop; }
    QAbstractButton* runReplacementButton() const { return m_runReplacement; }
    QCheckBox* rememberBox() const { return m_remember; }
    inspectors::CodeView* codeView() const { return m_code; }
    inspectors::CodeView* replacementEditor() const { return m_editor; }
    QString summary() const;
    // How many commands wait behind the failed one (it changes while the dialog is open).
    void setWaiting(int commands);
    // Shows the dialog on top without taking the keyboard from the widget that has it.
    void showWithoutFocus();
    QString tracebackText() const;

Q_SIGNALS:
    // forRestOfSession: apply the same choice to later failures (never for Replace).
    void decided(const qk::Decision& decision, bool forRestOfSession);

public Q_SLOTS:
    void reject() override;

protected:
    bool event(QEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;

private:
    void decide(const qk::Decision& decision);
    void showReplaceEditor(bool show);

    qk::CommandFailure m_failure;
    bool m_decided = false;
    QPointer<QWidget> m_returnFocusTo;
    QLabel* m_title;
    QLabel* m_exception;
    QLabel* m_waiting;
    QStackedWidget* m_pages;
    inspectors::CodeView* m_code;
    QPlainTextEdit* m_traceback;
    inspectors::CodeView* m_editor;
    QCheckBox* m_remember;
    QAbstractButton* m_ignore;
    QAbstractButton* m_replace;
    QAbstractButton* m_drop;
    QAbstractButton* m_runReplacement;
    QAbstractButton* m_back;
};

} // namespace qk::app
