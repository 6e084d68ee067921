// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/workerstatuswidget.h"

#include "app/sessionhost.h"

#include <QHBoxLayout>
#include <QLabel>

namespace qk::app {

namespace {

QColor stateColour(WorkerState state) {
    switch (state) {
    case WorkerState::Starting:
        return QColor(0xf9, 0xa8, 0x25);
    case WorkerState::Ready:
        return QColor(0x2e, 0x7d, 0x32);
    case WorkerState::Busy:
        return QColor(0x1e, 0x88, 0xe5);
    case WorkerState::Paused:
        return QColor(0xef, 0x6c, 0x00);
    case WorkerState::Dead:
    case WorkerState::Stopped:
        return QColor(0xc6, 0x28, 0x28);
    }
    return {};
}

} // namespace

WorkerStatusWidget::WorkerStatusWidget(SessionHost& host, QWidget* parent)
    : QWidget(parent)
    , m_dot(new QLabel(this))
    , m_state(new QLabel(this))
    , m_versions(new QLabel(this))
    , m_queue(new QLabel(this)) {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 0, 4, 0);
    layout->addWidget(m_dot);
    layout->addWidget(m_state);
    layout->addSpacing(12);
    layout->addWidget(m_versions);
    layout->addSpacing(12);
    layout->addWidget(m_queue);
    connect(&host.events(), &SessionEvents::workerStateChanged, this,
            &WorkerStatusWidget::showState);
    connect(&host.events(), &SessionEvents::workerReady, this, &WorkerStatusWidget::showVersions);
    connect(&host.events(), &SessionEvents::workerReconnected, this,
            &WorkerStatusWidget::showVersions);
    connect(&host, &SessionHost::restarting, this, [this] { showVersions(WorkerInfo{}); });
    showState(host.workerState(), {});
    showVersions(host.workerInfo());
    setOpenCommands(0);
}

void WorkerStatusWidget::showState(WorkerState state, const QString& reason) {
    m_dot->setText(
        QStringLiteral("<span style=\"color:%1\">●</span>").arg(stateColour(state).name()));
    m_state->setText(tr("Worker: %1").arg(workerStateName(state)));
    m_state->setToolTip(reason);
}

void WorkerStatusWidget::showVersions(const WorkerInfo& info) {
    if (info.python.isEmpty()) {
        m_versions->clear();
        return;
    }
    m_versions->setText(tr("Python %1 · Keras %2 · %3").arg(info.python, info.keras, info.backend));
    m_versions->setToolTip(tr("Worker process %1 on port %2").arg(info.pid).arg(info.port));
    if (!info.host.isEmpty()) {
        m_versions->setText(m_versions->text() + tr(" · on %1").arg(info.host));
        m_versions->setToolTip(tr("Worker process %1 on %2, port %3 there, reached through "
                                  "local port %4")
                                   .arg(info.pid)
                                   .arg(info.host)
                                   .arg(info.hostPort)
                                   .arg(info.port));
    }
}

void WorkerStatusWidget::setOpenCommands(int open) {
    m_queue->setText(tr("Queue: %1").arg(open));
}

QString WorkerStatusWidget::stateText() const {
    return m_state->text();
}

QString WorkerStatusWidget::versionsText() const {
    return m_versions->text();
}

QString WorkerStatusWidget::queueText() const {
    return m_queue->text();
}

} // namespace qk::app
