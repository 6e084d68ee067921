// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/session/session.h"

#include <QWidget>

class QLabel;

namespace qk::app {

class SessionHost;

// The worker in the status bar: its state (with a coloured dot), Python, Keras and backend
// versions, and how many commands are open.
class WorkerStatusWidget : public QWidget {
    Q_OBJECT
public:
    explicit WorkerStatusWidget(SessionHost& host, QWidget* parent = nullptr);

    void setOpenCommands(int open);
    QString stateText() const;
    QString versionsText() const;
    QString queueText() const;

private:
    void showState(qk::WorkerState state, const QString& reason);
    void showVersions(const qk::WorkerInfo& info);

    QLabel* m_dot;
    QLabel* m_state;
    QLabel* m_versions;
    QLabel* m_queue;
};

} // namespace qk::app
