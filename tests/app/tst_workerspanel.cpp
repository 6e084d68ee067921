// SPDX-License-Identifier: GPL-3.0-or-later
// The Workers panel (issue 13) with the real worker, on this computer and behind a real
// OpenSSH server on 127.0.0.1: where each worker runs, its state, versions and devices; a
// dropped tunnel shown and re-attached; a worker left running under its lease listed and
// stopped; Python set up and the environment checked on the host; Stop.
#include "app/actionids.h"
#include "app/actionregistry.h"
#include "app/docks.h"
#include "app/settingsdialog.h"
#include "app/workersmodel.h"
#include "app/workerspanel.h"
#include "bridge/worker/remoteworker.h"
#include "support/idefixture.h"
#include "support/sshserver.h"

#include <QComboBox>
#include <QCryptographicHash>
#include <QDockWidget>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QtTest>

#include <csignal>

using namespace qk;
using namespace qk::app;
using qk::test::waitFinished;
using Health = WorkerEntry::Health;

namespace {

bool processAlive(qint64 pid) {
    return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH);
}

} // namespace

class TestWorkersPanel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();

    void theLocalWorkerShowsItsVersionsAndDevices();
    void creatingABackendEnvironmentForAHostIsRefused();
    void aRemoteWorkerShowsItsHostAndBecomesReady();
    void aDroppedTunnelIsShownThenReattached();
    void aDetachedWorkerIsListedAndStopped();
    void aDetachedWorkerIsReattachedInPlaceOfTheSessions();
    void theEnvironmentIsCheckedOnTheHost();
    void pythonIsSetUpOnTheHost();
    void stopStopsTheWorkerOnItsHost();

private:
    // The window's Workers panel, its dock shown through the View menu's toggle.
    WorkersPanel* openPanel(MainWindow& window) const;
    void startRemote();
    void save(QWidget* widget, const QString& name) const;
    qk::WorkerOptions remoteOptions() const;
    // A worker an earlier IDE left on the host: its connection ended, it runs on under its
    // lease. Its ready line.
    WorkerInfo leaveDetachedWorker() const;

    qk::test::SshServer m_ssh;
    std::unique_ptr<SessionHost> m_host;
    std::unique_ptr<MainWindow> m_window;
    WorkersPanel* m_panel = nullptr;
};

void TestWorkersPanel::initTestCase() {
    qk::test::useFreshSettings();
}

void TestWorkersPanel::cleanup() {
    // A failed step leaves nothing running for the next (the remote steps share one window).
    if (QTest::currentTestFailed()) {
        m_panel = nullptr; // the window's
        m_window.reset();
        m_host.reset();
    }
}

void TestWorkersPanel::save(QWidget* widget, const QString& name) const {
    // Pictures to look at: QTKERAS_SCREENSHOT_DIR, when set.
    const QString dir = qEnvironmentVariable("QTKERAS_SCREENSHOT_DIR");
    if (!dir.isEmpty())
        QVERIFY(widget->grab().save(QDir(dir).filePath(name)));
}

WorkersPanel* TestWorkersPanel::openPanel(MainWindow& window) const {
    ActionRegistry& actions = window.actionRegistry();
    QAction* toggle = actions.action(ids::viewWorkers);
    QDockWidget* dock = window.docks().dock(DockSlot::Workers);
    if (!toggle || !dock || toggle != dock->toggleViewAction() ||
        !actions.menu(ids::viewMenu)->actions().contains(toggle))
        return nullptr;
    if (dock->isHidden())
        toggle->trigger();
    dock->raise();
    return qobject_cast<WorkersPanel*>(dock->widget());
}

qk::WorkerOptions TestWorkersPanel::remoteOptions() const {
    qk::WorkerOptions options = qk::test::workerOptions().worker;
    options.remote = m_ssh.url();
    options.sshArguments = m_ssh.clientArguments();
    options.leaseSeconds = 120;
    return options;
}

WorkerInfo TestWorkersPanel::leaveDetachedWorker() const {
    auto other = std::make_unique<RemoteWorker>(remoteOptions(), QByteArray(40, 'k'));
    QSignalSpy ready(other.get(), &WorkerHandle::ready);
    other->start();
    if (!ready.wait(120000))
        return {};
    const WorkerInfo info = ready.first().first().value<WorkerInfo>();
    QSignalSpy disconnected(other.get(), &WorkerHandle::disconnected);
    ::kill(static_cast<pid_t>(other->sshPid()), SIGKILL);
    if (!disconnected.wait(30000))
        return {};
    other->disconnect();
    other.reset(); // its re-attach ends with it; the worker is left to its lease
    return info;
}

void TestWorkersPanel::theLocalWorkerShowsItsVersionsAndDevices() {
    SessionHost host(qk::test::workerOptions());
    MainWindow window(host);
    window.resize(1200, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    WorkersPanel* panel = openPanel(window);
    QVERIFY2(panel, "no Workers dock toggled from the View menu");
    QVERIFY(waitFinished(host.session().ready(), 120000));

    WorkersModel* model = panel->model();
    QCOMPARE(model->rowCount(), 1);
    QCOMPARE(model->index(0, WorkersModel::WorkerColumn).data().toString(),
             QStringLiteral("this computer"));
    QTRY_COMPARE(model->current().health, Health::Ready);
    const WorkerInfo info = host.workerInfo();
    QCOMPARE(
        model->index(0, WorkersModel::VersionsColumn).data().toString(),
        QStringLiteral("Python %1 · Keras %2 · %3").arg(info.python, info.keras, info.backend));
    QVERIFY(info.keras.startsWith(QLatin1String("3.")));
    // jax.devices(), asked of the worker: one CPU here.
    QTRY_VERIFY_WITH_TIMEOUT(!model->current().devices.isEmpty(), 60000);
    QCOMPARE(model->current().devices, QStringList{QStringLiteral("cpu:0")});
    QCOMPARE(model->index(0, WorkersModel::DevicesColumn).data().toString(),
             QStringLiteral("cpu:0"));
    // Nothing to re-attach or set up here; the environment check runs on this computer.
    QVERIFY(!panel->reattachButton()->isEnabled());
    QVERIFY(!panel->setupButton()->isEnabled());
    QVERIFY(!panel->refreshButton()->isEnabled());
    QVERIFY(panel->stopButton()->isEnabled());
    save(panel, QStringLiteral("workers-local.png"));
}

void TestWorkersPanel::creatingABackendEnvironmentForAHostIsRefused() {
    // The environment would be made on this computer while the worker runs elsewhere.
    SettingsDialog dialog(qk::WorkerOptions{});
    dialog.hostEdit()->setText(QStringLiteral("ssh://user@gpu-server"));
    dialog.backendBox()->setCurrentText(QStringLiteral("tensorflow"));
    QVERIFY(dialog.createButton()->isEnabled());
    QTest::mouseClick(dialog.createButton(), Qt::LeftButton);
    QVERIFY2(dialog.reportText().startsWith(QStringLiteral("Not created")),
             qPrintable(dialog.reportText()));
    QVERIFY(dialog.reportText().contains(QStringLiteral("ssh://user@gpu-server")));
    QVERIFY(dialog.createButton()->isEnabled()); // nothing is running
}

void TestWorkersPanel::startRemote() {
    QVERIFY2(m_ssh.start(), qPrintable(m_ssh.error()));
    SessionOptions options = qk::test::workerOptions();
    options.worker = remoteOptions();
    m_host = std::make_unique<SessionHost>(options);
    m_window = std::make_unique<MainWindow>(*m_host);
    m_window->resize(1200, 800);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    m_panel = openPanel(*m_window);
    QVERIFY(m_panel);
}

void TestWorkersPanel::aRemoteWorkerShowsItsHostAndBecomesReady() {
    startRemote();
    QVERIFY(m_panel);
    WorkersModel* model = m_panel->model();
    QCOMPARE(model->index(0, WorkersModel::WorkerColumn).data().toString(), m_ssh.url());
    QVERIFY2(waitFinished(m_host->session().ready(), 120000), "the remote worker did not start");
    QTRY_COMPARE(model->current().health, Health::Ready);
    QVERIFY(model->current().remote);
    // The worker's details follow its state (workerReady after workerStateChanged).
    QTRY_VERIFY(!model->current().run.isEmpty());
    QVERIFY(model->index(0, WorkersModel::VersionsColumn)
                .data()
                .toString()
                .startsWith(QStringLiteral("Python ")));
    QTRY_VERIFY_WITH_TIMEOUT(!model->current().devices.isEmpty(), 60000);
    QCOMPARE(model->current().devices, QStringList{QStringLiteral("cpu:0")});
    QVERIFY(m_panel->setupButton()->isEnabled());
    QVERIFY(!m_panel->reattachButton()->isEnabled());
    // Opening the panel listed what the host runs: only this session's worker, not shown twice.
    QTRY_VERIFY_WITH_TIMEOUT(
        m_panel->reportText().contains(QStringLiteral("No other worker runs on ") + m_ssh.url()),
        60000);
    QCOMPARE(model->rowCount(), 1);
    save(m_panel, QStringLiteral("workers-remote.png"));
    save(m_window.get(), QStringLiteral("workers-window.png"));
}

void TestWorkersPanel::aDroppedTunnelIsShownThenReattached() {
    QVERIFY(m_panel);
    WorkersModel* model = m_panel->model();
    QSignalSpy reconnected(&m_host->events(), &SessionEvents::workerReconnected);
    const qint64 pid = model->current().pid;

    m_ssh.dropConnections();
    QTRY_VERIFY_WITH_TIMEOUT(model->current().health == Health::Reconnecting, 30000);
    QCOMPARE(model->index(0, WorkersModel::StateColumn).data().toString(),
             QStringLiteral("disconnected, reconnecting"));
    QVERIFY(model->index(0, WorkersModel::StateColumn, {})
                .data(Qt::ToolTipRole)
                .toString()
                .contains(m_ssh.url()));
    QVERIFY(m_panel->reattachButton()->isEnabled());
    save(m_panel, QStringLiteral("workers-disconnected.png"));

    QVERIFY2(m_ssh.listen(), qPrintable(m_ssh.error()));
    QTest::mouseClick(m_panel->reattachButton(), Qt::LeftButton);
    QVERIFY(m_panel->reportText().contains(QStringLiteral("Re-attaching to the worker on ") +
                                           m_ssh.url()));
    QTRY_VERIFY_WITH_TIMEOUT(!reconnected.isEmpty(), 60000);
    QTRY_COMPARE(model->current().health, Health::Ready);
    // The same worker, reached again.
    QCOMPARE(model->current().pid, pid);
    QCOMPARE(model->current().devices, QStringList{QStringLiteral("cpu:0")});
    QVERIFY(!m_panel->reattachButton()->isEnabled());
    QCOMPARE(waitFinished(m_host->session().run(QStringLiteral("6*7")), 60000), true);
}

void TestWorkersPanel::aDetachedWorkerIsListedAndStopped() {
    QVERIFY(m_panel);
    const WorkerInfo info = leaveDetachedWorker();
    QVERIFY(processAlive(info.pid));

    m_panel->refreshButton()->click();
    WorkersModel* model = m_panel->model();
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 2, 60000);
    const WorkerEntry& detached = model->entry(1);
    QCOMPARE(detached.run, info.run);
    QCOMPARE(detached.health, Health::Detached);
    QCOMPARE(detached.location, m_ssh.url());
    QCOMPARE(detached.python, info.python);
    QVERIFY(model->index(1, WorkersModel::WorkerColumn).data().toString().contains(info.run));
    m_panel->selectRow(1);
    QTRY_VERIFY(m_panel->stopButton()->isEnabled());
    save(m_panel, QStringLiteral("workers-detached.png"));

    m_panel->stopButton()->click();
    QTRY_VERIFY_WITH_TIMEOUT(
        m_panel->reportText().contains(
            QStringLiteral("Stopped the worker %1 on %2").arg(info.run, m_ssh.url())),
        60000);
    QTRY_VERIFY_WITH_TIMEOUT(!processAlive(info.pid), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 1, 60000);
    QVERIFY(!QFileInfo::exists(m_ssh.cacheHome() + QStringLiteral("/qtkeras/workers/") + info.run));
    // The session's own worker is untouched.
    QCOMPARE(model->current().health, Health::Ready);
}

void TestWorkersPanel::aDetachedWorkerIsReattachedInPlaceOfTheSessions() {
    QVERIFY(m_panel);
    const WorkerInfo info = leaveDetachedWorker();
    QVERIFY(!info.run.isEmpty());
    QVERIFY(processAlive(info.pid));
    WorkersModel* model = m_panel->model();
    const qint64 ownPid = model->current().pid;
    const QString ownRun = model->current().run;
    m_panel->refreshButton()->click();
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 2, 60000);
    QCOMPARE(model->entry(1).run, info.run);
    m_panel->selectRow(1);
    QTRY_VERIFY(m_panel->reattachButton()->isEnabled());
    m_panel->reattachButton()->click();
    // The session's worker gives way, with its variables: asked first.
    QMessageBox* box = nullptr;
    QTRY_VERIFY((box = m_panel->findChild<QMessageBox*>()) != nullptr);
    QVERIFY(box->text().contains(info.run));
    box->button(QMessageBox::Yes)->click();

    QTRY_COMPARE_WITH_TIMEOUT(model->current().pid, info.pid, 60000);
    QTRY_COMPARE(model->current().health, Health::Ready);
    QCOMPARE(model->current().run, info.run);
    // The session speaks to it with its own token, which the host gave over ssh.
    QFuture<Value> answer = m_host->session().run(QStringLiteral("6 * 7"));
    QVERIFY(waitFinished(answer, 60000));
    QCOMPARE(answer.result(), Value(42));
    // The worker the session had is stopped on the host.
    QTRY_VERIFY_WITH_TIMEOUT(!processAlive(ownPid), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(
        !QFileInfo::exists(m_ssh.cacheHome() + QStringLiteral("/qtkeras/workers/") + ownRun),
        15000);
    QTRY_COMPARE_WITH_TIMEOUT(model->current().devices, QStringList{QStringLiteral("cpu:0")},
                              60000);
    save(m_panel, QStringLiteral("workers-adopted.png"));
}

void TestWorkersPanel::theEnvironmentIsCheckedOnTheHost() {
    QVERIFY(m_panel);
    m_panel->selectRow(0);
    m_panel->checkButton()->click();
    QVERIFY(!m_panel->checkButton()->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(m_panel->checkButton()->isEnabled(), 150000);
    const QString report = m_panel->reportText();
    QVERIFY2(report.contains(QStringLiteral("Host: ") + m_ssh.url()), qPrintable(report));
    QVERIFY2(report.contains(QStringLiteral("Devices: cpu:0")), qPrintable(report));
    QVERIFY2(report.contains(QStringLiteral("Everything the worker needs is there")),
             qPrintable(report));
}

void TestWorkersPanel::pythonIsSetUpOnTheHost() {
    QVERIFY(m_panel);
    // The host has the environment the worker's requirements make already (its stamp says
    // which requirements): the setup runs there, finds it complete and names it. Making one
    // would download the requirements from PyPI.
    const QString data = QFileInfo(m_ssh.cacheHome()).dir().filePath(QStringLiteral("remote-data"));
    const QString venv = data + QStringLiteral("/qtkeras/venv");
    QVERIFY(QDir().mkpath(venv + QStringLiteral("/bin")));
    QVERIFY(QFile::link(qk::test::testPython(), venv + QStringLiteral("/bin/python")));
    QFile requirements(QStringLiteral(QTKERAS_TEST_SOURCE_DIR "/python_worker/requirements.txt"));
    QVERIFY(requirements.open(QIODevice::ReadOnly));
    QFile stamp(venv + QStringLiteral("/.requirements.sha256"));
    QVERIFY(stamp.open(QIODevice::WriteOnly));
    stamp.write(
        QCryptographicHash::hash(requirements.readAll(), QCryptographicHash::Sha256).toHex() +
        '\n');
    stamp.close();

    m_panel->selectRow(0);
    m_panel->setupButton()->click();
    QVERIFY(!m_panel->setupButton()->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(m_panel->setupButton()->isEnabled(), 120000);
    const QString report = m_panel->reportText();
    QVERIFY2(report.contains(QStringLiteral("the environment in %1 is complete").arg(venv)),
             qPrintable(report));
    QVERIFY2(report.contains(
                 QStringLiteral("Python is set up on %1: %2/bin/python").arg(m_ssh.url(), venv)),
             qPrintable(report));
    save(m_panel, QStringLiteral("workers-setup.png"));
}

void TestWorkersPanel::stopStopsTheWorkerOnItsHost() {
    QVERIFY(m_panel);
    WorkersModel* model = m_panel->model();
    const WorkerEntry before = model->current();
    QVERIFY(processAlive(before.pid));
    m_panel->selectRow(0);
    QVERIFY(m_panel->stopButton()->isEnabled());
    m_panel->stopButton()->click();
    QTRY_COMPARE_WITH_TIMEOUT(model->current().health, Health::Stopped, 30000);
    QCOMPARE(m_host->workerState(), WorkerState::Stopped);
    QTRY_VERIFY_WITH_TIMEOUT(!processAlive(before.pid), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(
        !QFileInfo::exists(m_ssh.cacheHome() + QStringLiteral("/qtkeras/workers/") + before.run),
        15000);
    QVERIFY(!m_panel->stopButton()->isEnabled());
    save(m_panel, QStringLiteral("workers-stopped.png"));
    m_window.reset();
    m_host.reset();
}

QTEST_MAIN(TestWorkersPanel)
#include "tst_workerspanel.moc"
