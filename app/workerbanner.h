// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFrame>

class QLabel;
class QPushButton;

namespace qk::app {

// A non-modal message across the top of the window when the worker stops unexpectedly,
// with a button to restart it.
class WorkerBanner : public QFrame {
    Q_OBJECT
public:
    explicit WorkerBanner(QWidget* parent = nullptr);

    void showCrash(const QString& reason);
    // Adds that a new worker took the lost one's place (the session restarts it by itself).
    void showReplacement(const QString& python);
    QString message() const;
    QPushButton* restartButton() const { return m_restart; }

Q_SIGNALS:
    void restartRequested();

private:
    QLabel* m_message;
    QString m_crash;
    QPushButton* m_restart;
};

} // namespace qk::app
