// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/errorrecoverydialog.h"

#include "inspectors/codeview.h"

#include <QApplication>
#include <QCheckBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QVBoxLayout>

namespace qk::app {

namespace {

QWidget* captioned(const QString& caption, QWidget* content, QWidget* parent) {
    auto* box = new QWidget(parent);
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(new QLabel(caption, box));
    layout->addWidget(content, 1);
    return box;
}

// A failed line as the caption quotes it: the code view below shows it whole, so a long one
// (a generated call with its data) is cut rather than widening the dialog past the screen.
QString quotedLine(const QString& line) {
    constexpr qsizetype longest = 60;
    return line.size() <= longest ? line : line.left(longest - 1) + QChar(0x2026);
}

} // namespace

ErrorRecoveryDialog::ErrorRecoveryDialog(const CommandFailure& failure, QWidget* parent)
    : QDialog(parent)
    , m_failure(failure)
    , m_title(new QLabel(this))
    , m_exception(new QLabel(this))
    , m_waiting(new QLabel(this))
    , m_pages(new QStackedWidget(this))
    , m_code(new inspectors::CodeView(this))
    , m_traceback(new QPlainTextEdit(this))
    , m_editor(new inspectors::CodeView(this))
    , m_remember(new QCheckBox(tr("Do this for the rest of the session"), this))
    , m_ignore(new QPushButton(tr("&Ignore command"), this))
    , m_replace(new QPushButton(tr("&Replace command…"), this))
    , m_drop(new QPushButton(tr("&Drop queue"), this))
    , m_runReplacement(new QPushButton(tr("Run &replacement"), this))
    , m_back(new QPushButton(tr("&Back"), this)) {
    setWindowTitle(tr("Command %1 failed").arg(failure.id));
    setModal(false);
    setWindowModality(Qt::NonModal);
    // The failure shows up while the user may be typing elsewhere: the keyboard stays there.
    setAttribute(Qt::WA_ShowWithoutActivating);
    resize(760, 560);

    auto* icon = new QLabel(this);
    icon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxCritical).pixmap(40, 40));
    m_title->setText(tr("<b>Command %1 raised an exception.</b> The worker has paused its "
                        "queue until you decide what to do.")
                         .arg(failure.id.toHtmlEscaped()));
    m_title->setWordWrap(true);
    m_exception->setText(QStringLiteral("<span style=\"color:#c62828; font-size:large\"><b>%1"
                                        "</b>: %2</span>")
                             .arg(failure.type.toHtmlEscaped(), failure.message.toHtmlEscaped()));
    m_exception->setWordWrap(true);
    m_exception->setTextInteractionFlags(Qt::TextSelectableByMouse);
    setWaiting(failure.queued);

    // The code as plain Keras; the replacement is edited as the worker runs it.
    m_code->setCode(failure.shownCode());
    m_code->markLine(failure.shownLine());
    m_traceback->setReadOnly(true);
    m_traceback->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_traceback->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_traceback->setPlainText(failure.traceback.trimmed());
    m_editor->setReadOnly(false);
    m_editor->setCode(failure.code);

    const int failedLine = failure.shownLine();
    const QString codeCaption =
        failedLine > 0
            ? tr("Code (line %1 failed: <code>%2</code>)")
                  .arg(failedLine)
                  .arg(quotedLine(failure.shownCode()
                                      .section(QLatin1Char('\n'), failedLine - 1, failedLine - 1)
                                      .trimmed())
                           .toHtmlEscaped())
            : tr("Code");
    auto* details = new QSplitter(Qt::Vertical, this);
    details->addWidget(captioned(codeCaption, m_code, details));
    details->addWidget(captioned(tr("Traceback"), m_traceback, details));
    m_pages->addWidget(details);

    auto* replacePage = new QWidget(this);
    auto* replaceLayout = new QVBoxLayout(replacePage);
    replaceLayout->setContentsMargins(0, 0, 0, 0);
    replaceLayout->addWidget(
        new QLabel(tr("Edit the code as the worker runs it; it runs in place of the failed "
                      "command and its result becomes that command's result."),
                   replacePage));
    replaceLayout->addWidget(m_editor, 1);
    auto* replaceButtons = new QHBoxLayout;
    replaceButtons->addStretch();
    replaceButtons->addWidget(m_back);
    replaceButtons->addWidget(m_runReplacement);
    replaceLayout->addLayout(replaceButtons);
    m_pages->addWidget(replacePage);

    m_remember->setToolTip(tr("Ignore or drop later failures of this session the same way, "
                              "without asking"));
    auto* hint = new QLabel(tr("Closing this window drops the queue."), this);
    hint->setEnabled(false);
    m_ignore->setToolTip(tr("Skip the failed command and run the commands behind it"));
    m_replace->setToolTip(tr("Edit the failed command and run it again in its place"));
    m_drop->setToolTip(tr("Discard every command waiting behind it"));

    auto* header = new QHBoxLayout;
    header->addWidget(icon, 0, Qt::AlignTop);
    auto* headerText = new QVBoxLayout;
    headerText->addWidget(m_title);
    headerText->addWidget(m_exception);
    headerText->addWidget(m_waiting);
    header->addLayout(headerText, 1);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_remember);
    buttons->addStretch();
    buttons->addWidget(m_ignore);
    buttons->addWidget(m_replace);
    buttons->addWidget(m_drop);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addWidget(m_pages, 1);
    layout->addWidget(hint);
    layout->addLayout(buttons);

    // No decision is the default: Enter decides nothing (Ignore and Drop discard work).
    for (QPushButton* button : findChildren<QPushButton*>()) {
        button->setAutoDefault(false);
        button->setDefault(false);
    }

    connect(m_ignore, &QAbstractButton::clicked, this, [this] { decide(Decision::ignore()); });
    connect(m_drop, &QAbstractButton::clicked, this, [this] { decide(Decision::dropQueue()); });
    connect(m_replace, &QAbstractButton::clicked, this, [this] { showReplaceEditor(true); });
    connect(m_back, &QAbstractButton::clicked, this, [this] { showReplaceEditor(false); });
    connect(m_runReplacement, &QAbstractButton::clicked, this,
            [this] { decide(Decision::replace(Command(m_editor->toPlainText()))); });
}

void ErrorRecoveryDialog::setWaiting(int commands) {
    m_failure.queued = commands;
    m_waiting->setText(commands == 0   ? tr("No commands wait behind it.")
                       : commands == 1 ? tr("1 command waits behind it.")
                                       : tr("%1 commands wait behind it.").arg(commands));
}

QString ErrorRecoveryDialog::summary() const {
    return m_exception->text() + QLatin1Char('\n') + m_waiting->text();
}

QString ErrorRecoveryDialog::tracebackText() const {
    return m_traceback->toPlainText();
}

void ErrorRecoveryDialog::showReplaceEditor(bool show) {
    m_pages->setCurrentIndex(show ? 1 : 0);
    m_ignore->setEnabled(!show);
    m_replace->setEnabled(!show);
    m_remember->setEnabled(!show);
    if (show) {
        m_editor->setFocus();
        static_cast<QPushButton*>(m_runReplacement)->setDefault(true);
    }
}

void ErrorRecoveryDialog::decide(const Decision& decision) {
    if (m_decided)
        return;
    m_decided = true;
    const bool remember = decision.kind != Decision::Kind::Replace && m_remember->isChecked();
    Q_EMIT decided(decision, remember);
    hide();
    deleteLater();
}

void ErrorRecoveryDialog::reject() {
    decide(Decision::dropQueue());
}

void ErrorRecoveryDialog::showWithoutFocus() {
    m_returnFocusTo =
        QApplication::focusWidget() ? QApplication::focusWidget() : QApplication::activeWindow();
    show();
    raise();
}

bool ErrorRecoveryDialog::event(QEvent* event) {
    // A platform that activates every new window anyway (some window managers, offscreen):
    // the window and the widget that had the keyboard get it back at once.
    if (event->type() == QEvent::WindowActivate && m_returnFocusTo) {
        QWidget* previous = m_returnFocusTo;
        m_returnFocusTo = nullptr;
        if (previous->isVisible() && previous->window() != this) {
            previous->window()->activateWindow();
            if (previous != previous->window())
                previous->setFocus(Qt::ActiveWindowFocusReason);
        }
    }
    return QDialog::event(event);
}

void ErrorRecoveryDialog::keyPressEvent(QKeyEvent* event) {
    // Escape would close the dialog, which drops the queue: it discards nothing unasked.
    if (event->key() == Qt::Key_Escape && event->modifiers() == Qt::NoModifier) {
        event->accept();
        return;
    }
    QDialog::keyPressEvent(event);
}

} // namespace qk::app
