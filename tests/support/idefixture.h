// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/console.h"
#include "app/mainwindow.h"
#include "app/sessionhost.h"
#include "inspectors/commandmodel.h"
#include "support/testsupport.h"

#include <QApplication>
#include <QCoreApplication>
#include <QDir>
#include <QRegularExpression>
#include <QSettings>
#include <QSize>
#include <QStandardPaths>
#include <QtTest>

#include <memory>

namespace qk::test {

// Settings of the test program's own, emptied: QStandardPaths' test locations, under the
// organization "QtKerasTests" and the program's name, so that a test reads and changes neither
// the user's settings nor another test's nor its own from an earlier run.
inline void useFreshSettings() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("QtKerasTests"));
    QSettings().clear();
}

// With QTKERAS_SCREENSHOT_DIR set, the widget as drawn, saved there as NAME.png for a person
// to look at.
inline void saveScreenshot(QWidget* widget, const QString& name) {
    const QByteArray dir = qgetenv("QTKERAS_SCREENSHOT_DIR");
    if (!dir.isEmpty())
        widget->grab().save(
            QDir(QString::fromLocal8Bit(dir)).filePath(name + QStringLiteral(".png")));
}

// The IDE as a user starts it, shared by the test functions of one program: a session host on
// the test worker and its main window. start() and startHost() are QtTest helpers for
// initTestCase(): when they fail, the calling test function has failed.
struct IdeFixture {
    std::unique_ptr<app::SessionHost> host;
    std::unique_ptr<app::MainWindow> window;

    // Fresh settings, the session host and its main window (at `size` when given), shown and
    // exposed; returns once the worker is ready.
    void start(QSize size = {}) {
        useFreshSettings();
        host = std::make_unique<app::SessionHost>(workerOptions());
        window = newWindow(size);
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
        QVERIFY2(waitFinished(host->session().ready(), 60000), "the worker did not start");
    }

    // Fresh settings and the session host, without a window (the test makes its own with
    // newWindow()); returns once the worker is ready.
    void startHost() {
        useFreshSettings();
        host = std::make_unique<app::SessionHost>(workerOptions());
        QVERIFY2(waitFinished(host->session().ready(), 60000), "the worker did not start");
    }

    // A main window on the host, shown. Building it must not meet an action id that is not
    // registered (ActionRegistry warns, and the test function fails).
    std::unique_ptr<app::MainWindow> newWindow(QSize size = {}) const {
        QTest::failOnWarning(QRegularExpression(QStringLiteral("^ActionRegistry:")));
        auto made = std::make_unique<app::MainWindow>(*host);
        if (size.isValid())
            made->resize(size);
        made->show();
        return made;
    }

    // Runs code in the window's console and waits until its command has settled.
    bool runInConsole(const QString& code) const {
        const QString id = window->console().execute(code);
        return waitUntil(
            [this, id] {
                const auto& commands = window->commands();
                const int row = commands.rowOf(id);
                return row >= 0 && inspectors::CommandModel::isSettled(commands.info(row));
            },
            60000);
    }

    // What a person would look at when a wait fails: the worker's state, the commands not
    // settled yet (state and first line) and the windows open on top of the main window.
    QString report() const {
        QStringList lines;
        lines << QStringLiteral("worker: %1").arg(workerStateName(host->workerState()));
        if (window) {
            const auto& commands = window->commands();
            for (int row = 0; row < commands.rowCount(); ++row) {
                const CommandInfo& info = commands.info(row);
                if (inspectors::CommandModel::isSettled(info))
                    continue;
                lines << QStringLiteral("open command %1 (%2, sent %3 s ago): %4")
                             .arg(info.id, inspectors::CommandModel::stateLabel(info.state))
                             .arg(info.submitted.secsTo(QDateTime::currentDateTimeUtc()))
                             .arg(info.shownCode().section(u'\n', 0, 0).left(120));
            }
        }
        for (QWidget* top : QApplication::topLevelWidgets()) {
            if (top != window.get() && top->isVisible())
                lines << QStringLiteral("open window: %1 \"%2\"")
                             .arg(QString::fromLatin1(top->metaObject()->className()),
                                  top->windowTitle());
        }
        return lines.join(u'\n');
    }

    // The window goes before the host it uses.
    void stop() {
        window.reset();
        host.reset();
    }
    ~IdeFixture() { stop(); }
};

} // namespace qk::test
