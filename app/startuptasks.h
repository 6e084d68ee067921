// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QStringList>

class QTimer;

namespace qk::app {

class MainWindow;
class SessionHost;

// What the command line asks for at start-up: run code in the console once the worker is
// ready, then, when the commands have settled or one waits for a decision, write a
// screenshot of the window.
class StartupTasks : public QObject {
    Q_OBJECT
public:
    StartupTasks(SessionHost& host, MainWindow& window, QStringList code, QString screenshotFile);

    void start();

Q_SIGNALS:
    void finished(bool ok);

private:
    void runCode();
    void poll();
    void writeScreenshot();

    SessionHost& m_host;
    MainWindow& m_window;
    QStringList m_code;
    QString m_screenshotFile;
    QTimer* m_poll;
    int m_polls = 0;
    bool m_started = false;
};

} // namespace qk::app
