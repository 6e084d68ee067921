// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/session/command.h"

#include <QFuture>
#include <QObject>
#include <QPointer>

#include <functional>
#include <optional>

class QWidget;

namespace qk::app {

class ErrorRecoveryDialog;

// The IDE's error policy: asks the user in a non-modal ErrorRecoveryDialog and settles the
// decision's future when they choose, or answers at once when they chose "for the rest of the
// session" before. A command stopped by an interrupt is ignored without asking.
class ErrorRecoveryPolicy : public QObject {
    Q_OBJECT
public:
    explicit ErrorRecoveryPolicy(QWidget* dialogParent);

    QFuture<qk::Decision> decide(const qk::CommandFailure& failure);
    // Counts the commands open in the session besides the failed one; the worker's own count
    // misses those it has not received yet.
    void setWaitingCounter(std::function<int()> counter) { m_waitingCounter = std::move(counter); }
    // Counts again for the open dialog: commands were sent or settled.
    void refreshWaiting();

    std::optional<qk::Decision::Kind> rememberedChoice() const { return m_remembered; }
    // Asks again for later failures.
    void forgetChoice();
    // Closes an open dialog (its failure's queue is dropped): the worker it asked for is gone.
    void closeDialog();
    ErrorRecoveryDialog* openDialog() const;

Q_SIGNALS:
    void dialogOpened(qk::app::ErrorRecoveryDialog* dialog);
    void rememberedChoiceChanged();
    // A command ended by an interrupt (KeyboardInterrupt); the commands behind it go on.
    void interrupted(const qk::CommandFailure& failure);
    // A failure was decided by the remembered choice, without a dialog.
    void decidedAutomatically(const qk::CommandFailure& failure, qk::Decision::Kind kind);

private:
    QWidget* m_dialogParent;
    QPointer<ErrorRecoveryDialog> m_dialog;
    std::optional<qk::Decision::Kind> m_remembered;
    std::function<int()> m_waitingCounter;
};

} // namespace qk::app
