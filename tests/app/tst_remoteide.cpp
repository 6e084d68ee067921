// SPDX-License-Identifier: GPL-3.0-or-later
// The IDE on a remote worker, through a real OpenSSH server on 127.0.0.1: the status bar
// names the host, a dropped connection puts a banner across the window until the session
// has re-attached, and the host is a setting.
#include "app/settingsdialog.h"
#include "app/workerbanner.h"
#include "app/workerstatuswidget.h"
#include "support/idefixture.h"
#include "support/sshserver.h"

#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QtTest>

using namespace qk;
using namespace qk::app;
using qk::test::waitFinished;

class TestRemoteIde : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void theStatusBarNamesTheHost();
    void aDroppedConnectionShowsABannerUntilReattached();
    void theHostIsASetting();
    void theEnvironmentIsCheckedOnTheHost();

private:
    void save(QWidget* widget, const QString& name) const;

    qk::test::SshServer m_ssh;
    std::unique_ptr<SessionHost> m_host;
    std::unique_ptr<MainWindow> m_window;
};

void TestRemoteIde::initTestCase() {
    qk::test::useFreshSettings();
    QVERIFY2(m_ssh.start(), qPrintable(m_ssh.error()));
    SessionOptions options = qk::test::workerOptions();
    options.worker.remote = m_ssh.url();
    options.worker.sshArguments = m_ssh.clientArguments();
    options.worker.leaseSeconds = 120;
    m_host = std::make_unique<SessionHost>(options);
    m_window = std::make_unique<MainWindow>(*m_host);
    m_window->resize(1200, 800);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QVERIFY2(waitFinished(m_host->session().ready(), 120000), "the remote worker did not start");
}

void TestRemoteIde::cleanupTestCase() {
    m_window.reset();
    m_host.reset();
}

void TestRemoteIde::save(QWidget* widget, const QString& name) const {
    // Pictures to look at: QTKERAS_SCREENSHOT_DIR, when set.
    const QString dir = qEnvironmentVariable("QTKERAS_SCREENSHOT_DIR");
    if (!dir.isEmpty())
        QVERIFY(widget->grab().save(QDir(dir).filePath(name)));
}

void TestRemoteIde::theStatusBarNamesTheHost() {
    auto* status = m_window->findChild<WorkerStatusWidget*>();
    QVERIFY(status);
    QTRY_VERIFY(status->versionsText().contains(QStringLiteral("on ") + m_ssh.url()));
}

void TestRemoteIde::aDroppedConnectionShowsABannerUntilReattached() {
    auto* banner = m_window->findChild<WorkerBanner*>();
    QVERIFY(banner);
    QVERIFY(!banner->isVisible());
    QSignalSpy reconnected(&m_host->events(), &SessionEvents::workerReconnected);
    qk::test::Gate gate;
    QFuture<Value> running = m_host->session().run(gate.code(QStringLiteral("'finished'")));

    m_ssh.dropConnections();
    QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), 30000);
    QVERIFY2(
        banner->message().contains(QStringLiteral("The connection to %1 dropped").arg(m_ssh.url())),
        qPrintable(banner->message()));
    QVERIFY(!banner->restartButton()->isVisible());
    save(m_window.get(), QStringLiteral("remote-disconnected.png"));

    gate.open();
    QVERIFY2(m_ssh.listen(), qPrintable(m_ssh.error()));
    QTRY_VERIFY_WITH_TIMEOUT(!reconnected.isEmpty(), 60000);
    QTRY_VERIFY(banner->message().contains(QStringLiteral("Reconnected to")));
    QVERIFY(waitFinished(running, 60000));
    QCOMPARE(running.result(), Value("finished"));
    save(m_window.get(), QStringLiteral("remote-reconnected.png"));
}

void TestRemoteIde::theHostIsASetting() {
    SettingsDialog dialog(m_host->options().worker);
    QCOMPARE(dialog.hostEdit()->text(), m_ssh.url());
    QVERIFY(!dialog.changed());
    dialog.hostEdit()->clear();
    QVERIFY(dialog.changed());
    QCOMPARE(dialog.options().remote, QString());
    save(&dialog, QStringLiteral("remote-settings.png"));
}

void TestRemoteIde::theEnvironmentIsCheckedOnTheHost() {
    SettingsDialog dialog(m_host->options().worker);
    dialog.resize(700, 480);
    dialog.show();
    QTest::mouseClick(dialog.checkButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(dialog.checkButton()->isEnabled(), 150000);
    const QString report = dialog.reportText();
    QVERIFY2(report.contains(QStringLiteral("Host: ") + m_ssh.url()), qPrintable(report));
    QVERIFY2(report.contains(QStringLiteral("keras 3.")), qPrintable(report));
    // JAX's devices over there: one CPU here.
    QVERIFY2(report.contains(QStringLiteral("Devices: cpu:0")), qPrintable(report));
    QVERIFY2(report.contains(QStringLiteral("Everything the worker needs is there")),
             qPrintable(report));
    save(&dialog, QStringLiteral("remote-check.png"));

    // A host that does not answer is named, with why.
    qk::test::SshServer gone;
    QVERIFY2(gone.start(), qPrintable(gone.error()));
    WorkerOptions options = m_host->options().worker;
    options.remote = gone.url();
    options.sshArguments = gone.clientArguments();
    gone.stop();
    SettingsDialog failing(options);
    QTest::mouseClick(failing.checkButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(failing.checkButton()->isEnabled(), 60000);
    QVERIFY2(failing.reportText().contains(QStringLiteral("Could not check ") + gone.url()),
             qPrintable(failing.reportText()));
}

QTEST_MAIN(TestRemoteIde)
#include "tst_remoteide.moc"
