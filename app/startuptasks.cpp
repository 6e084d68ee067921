// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/startuptasks.h"

#include "app/console.h"
#include "app/errorrecoverydialog.h"
#include "app/errorrecoverypolicy.h"
#include "app/mainwindow.h"
#include "app/screenshot.h"
#include "app/sessionhost.h"
#include "inspectors/commandmodel.h"

#include <QTimer>

namespace qk::app {

namespace {
constexpr int pollMs = 100;
constexpr int maxPolls = 1800; // three minutes
} // namespace

StartupTasks::StartupTasks(SessionHost& host, MainWindow& window, QStringList code,
                           QString screenshotFile)
    : QObject(&window)
    , m_host(host)
    , m_window(window)
    , m_code(std::move(code))
    , m_screenshotFile(std::move(screenshotFile))
    , m_poll(new QTimer(this)) {
    m_poll->setInterval(pollMs);
    connect(m_poll, &QTimer::timeout, this, &StartupTasks::poll);
}

void StartupTasks::start() {
    m_host.session()
        .ready()
        .then(this, [this](const WorkerInfo&) { runCode(); })
        .onFailed(this, [this](const std::exception&) { m_poll->start(); });
}

void StartupTasks::runCode() {
    for (const QString& code : std::as_const(m_code))
        m_window.console().execute(code);
    m_started = true;
    m_poll->start();
}

void StartupTasks::poll() {
    ++m_polls;
    const bool waitingForUser = m_window.errorPolicy().openDialog() != nullptr;
    const bool settled = m_window.console().openCount() == 0;
    if (!waitingForUser && !settled && m_polls < maxPolls)
        return;
    m_poll->stop();
    if (m_screenshotFile.isEmpty()) {
        Q_EMIT finished(true);
        return;
    }
    // Let the monitor and the variables catch up, then show the most telling command.
    QTimer::singleShot(600, this, [this] {
        inspectors::CommandModel& commands = m_window.commands();
        commands.flush();
        if (auto* dialog = m_window.errorPolicy().openDialog())
            m_window.showCommand(dialog->failure().id);
        else if (commands.rowCount() > 0)
            m_window.showCommand(commands.info(commands.rowCount() - 1).id);
        writeScreenshot();
    });
}

void StartupTasks::writeScreenshot() {
    const bool ok = grabWithDialogs(&m_window).save(m_screenshotFile);
    if (!ok)
        qWarning("could not write %s", qPrintable(m_screenshotFile));
    Q_EMIT finished(ok);
}

} // namespace qk::app
