// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFrame>

class QLabel;
class QPushButton;

namespace qk::app {

// A non-modal message across the top of the window when the worker stops unexpectedly,
// with a button to restart it, or while the connection to a remote worker is re-established.
class WorkerBanner : public QFrame {
    Q_OBJECT
public:
    explicit WorkerBanner(QWidget* parent = nullptr);

    void showCrash(const QString& reason);
    // Adds that a new worker took the lost one's place (the session restarts it by itself).
    void showReplacement(const QString& python);
    // The connection to a remote worker dropped; the session attaches to it again by itself.
    void showDisconnected(const QString& host, const QString& reason);
    // The connection is back: says so until the banner is closed or another message comes.
    void showReconnected(const QString& host);
    QString message() const;
    QPushButton* restartButton() const { return m_restart; }

Q_SIGNALS:
    void restartRequested();

private:
    // Red with a warning sign, or green with an information sign.
    void setWarning(bool warning);

    QLabel* m_icon;
    QLabel* m_message;
    QString m_crash;
    QPushButton* m_restart;
};

} // namespace qk::app
