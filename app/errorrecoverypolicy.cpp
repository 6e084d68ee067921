// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/errorrecoverypolicy.h"

#include "app/errorrecoverydialog.h"
#include "bridge/session/readyfuture.h"

#include <QPromise>
#include <QWidget>

#include <memory>

namespace qk::app {

ErrorRecoveryPolicy::ErrorRecoveryPolicy(QWidget* dialogParent)
    : QObject(dialogParent)
    , m_dialogParent(dialogParent) {}

QFuture<Decision> ErrorRecoveryPolicy::decide(const CommandFailure& failure) {
    // An interrupt is what the user asked for, not an error to decide about: the interrupted
    // command ends, and the commands behind it run.
    if (failure.type == QLatin1String("KeyboardInterrupt")) {
        Q_EMIT interrupted(failure);
        return qk::readyFuture(Decision::ignore());
    }
    if (m_remembered) {
        Q_EMIT decidedAutomatically(failure, *m_remembered);
        return qk::readyFuture(*m_remembered == Decision::Kind::Ignore ? Decision::ignore()
                                                                       : Decision::dropQueue());
    }
    // The promise lives with the dialog's connection; if the dialog goes without deciding,
    // the future is cancelled and the session drops the queue.
    auto promise = std::make_shared<QPromise<Decision>>();
    promise->start();
    QFuture<Decision> future = promise->future();
    CommandFailure shown = failure;
    if (m_waitingCounter)
        shown.queued = qMax(shown.queued, m_waitingCounter());
    auto* dialog = new ErrorRecoveryDialog(shown, m_dialogParent);
    connect(dialog, &ErrorRecoveryDialog::decided, this,
            [this, promise, dialog](const Decision& decision, bool forRestOfSession) {
                if (m_dialog == dialog)
                    m_dialog = nullptr;
                if (forRestOfSession) {
                    m_remembered = decision.kind;
                    Q_EMIT rememberedChoiceChanged();
                }
                promise->addResult(decision);
                promise->finish();
            });
    m_dialog = dialog;
    dialog->showWithoutFocus();
    Q_EMIT dialogOpened(dialog);
    return future;
}

void ErrorRecoveryPolicy::refreshWaiting() {
    if (m_dialog && m_waitingCounter)
        m_dialog->setWaiting(m_waitingCounter());
}

ErrorRecoveryDialog* ErrorRecoveryPolicy::openDialog() const {
    return m_dialog.data();
}

void ErrorRecoveryPolicy::forgetChoice() {
    if (!m_remembered)
        return;
    m_remembered.reset();
    Q_EMIT rememberedChoiceChanged();
}

void ErrorRecoveryPolicy::closeDialog() {
    if (m_dialog)
        m_dialog->reject();
}

} // namespace qk::app
