// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/workerbanner.h"

#include "inspectors/terminaltext.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QToolButton>

namespace qk::app {

WorkerBanner::WorkerBanner(QWidget* parent)
    : QFrame(parent)
    , m_icon(new QLabel(this))
    , m_message(new QLabel(this))
    , m_restart(new QPushButton(tr("Restart worker"), this)) {
    setObjectName(QStringLiteral("workerBanner"));
    setWarning(true);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* close = new QToolButton(this);
    close->setText(QStringLiteral("✕"));
    close->setAutoRaise(true);
    close->setToolTip(tr("Hide this message"));
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 6, 8, 6);
    layout->addWidget(m_icon);
    layout->addWidget(m_message, 1);
    layout->addWidget(m_restart);
    layout->addWidget(close);
    connect(m_restart, &QPushButton::clicked, this, &WorkerBanner::restartRequested);
    connect(close, &QToolButton::clicked, this, &QWidget::hide);
    hide();
}

void WorkerBanner::setWarning(bool warning) {
    setStyleSheet(warning ? QStringLiteral("#workerBanner { background: #fdecea; border: 1px solid "
                                           "#e57373; border-radius: 4px; } #workerBanner QLabel "
                                           "{ color: #8e1c1c; }")
                          : QStringLiteral("#workerBanner { background: #e8f5e9; border: 1px solid "
                                           "#81c784; border-radius: 4px; } #workerBanner QLabel "
                                           "{ color: #1b5e20; }"));
    m_icon->setPixmap(style()
                          ->standardIcon(warning ? QStyle::SP_MessageBoxWarning
                                                 : QStyle::SP_MessageBoxInformation)
                          .pixmap(24, 24));
}

void WorkerBanner::showCrash(const QString& text) {
    setWarning(true);
    // The worker's last output may have been written for a terminal.
    const QString reason = inspectors::TerminalText::strip(text);
    const QString firstLine = reason.section(QLatin1Char('\n'), 0, 0);
    m_crash = tr("<b>The Python worker stopped:</b> %1<br>Its open commands were cancelled and "
                 "its variables are gone; your work in the IDE is intact.")
                  .arg(firstLine.toHtmlEscaped());
    m_message->setText(m_crash);
    m_message->setToolTip(reason);
    m_restart->show();
    show();
}

void WorkerBanner::showDisconnected(const QString& host, const QString& reason) {
    setWarning(true);
    m_crash.clear();
    m_message->setText(tr("<b>The connection to %1 dropped.</b> Reconnecting… The worker runs "
                          "on there and keeps what it reports; commands you send wait.")
                           .arg(host.toHtmlEscaped()));
    m_message->setToolTip(reason);
    m_restart->hide();
    show();
}

void WorkerBanner::showReconnected(const QString& host) {
    setWarning(false);
    m_message->setText(tr("<b>Reconnected to %1.</b> What the worker reported meanwhile has "
                          "been replayed.")
                           .arg(host.toHtmlEscaped()));
    m_message->setToolTip(QString());
    m_restart->hide();
    show();
}

void WorkerBanner::showReplacement(const QString& python) {
    if (!isVisible())
        return;
    m_message->setText(
        m_crash + QStringLiteral("<br>") +
        tr("A new worker (Python %1) is ready in its place.").arg(python.toHtmlEscaped()));
}

QString WorkerBanner::message() const {
    return m_message->text();
}

} // namespace qk::app
