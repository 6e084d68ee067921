// SPDX-License-Identifier: GPL-3.0-or-later
// Unsaved changes are not lost (issue 4, item 7): closing the window asks Save / Discard /
// Cancel; autosave writes a recovery file while there are unsaved changes and removes it once
// they are saved or discarded; after a crash — the real program killed with SIGKILL — the next
// start offers the file and restores the same model and settings; a damaged file is kept.
#include "app/actionids.h"
#include "app/actionregistry.h"
#include "app/autosave.h"
#include "app/document.h"
#include "app/mainwindow.h"
#include "app/projectactions.h"
#include "app/projectfile.h"
#include "app/recoverydialog.h"
#include "app/sessionhost.h"
#include "app/workspace.h"
#include "bridge/keras/layers.h"
#include "bridge/keras/traininghistory.h"
#include "inspectors/traininghistoryview.h"
#include "inspectors/trainingrunmodel.h"
#include "support/idefixture.h"
#include "support/testsupport.h"

#include <QAction>
#include <QDir>
#include <QLockFile>
#include <QMenu>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QUndoStack>
#include <QtTest>

using namespace qk;
using namespace qk::app;
using qk::test::waitUntil;

namespace {

std::vector<keras::Layer> layersOf(const Document& document) {
    std::vector<keras::Layer> out;
    for (const LayerItem& item : document.layers())
        out.push_back(item.layer);
    return out;
}

std::vector<keras::Layer> irisLayers() {
    return {keras::InputLayer({4}), keras::Dense(16), keras::Activation("sigmoid"), keras::Dense(3),
            keras::Activation("softmax")};
}

// The recovery files in a folder, by name.
QStringList recoveryFiles(const QString& directory) {
    return QDir(directory).entryList({QStringLiteral("*.qtkeras")}, QDir::Files, QDir::Name);
}

void clickButton(QMessageBox* box, QMessageBox::StandardButton which) {
    QVERIFY(box);
    QTest::mouseClick(box->button(which), Qt::LeftButton);
}

} // namespace

class TestRecovery : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void cleanupTestCase();
    void closingAnUnchangedProjectAsksNothing();
    void closingAsksToSave_data();
    void closingAsksToSave();
    void newTrainingRunsAreUnsavedChanges();
    void newAndOpenAskWithoutBlocking();
    void autosaveWritesWhileModifiedAndRemovesOnSave();
    void openWindowsAreNotOffered();
    void restoreKeepsTheOriginalPath();
    void killedProgramIsRecovered();
    void damagedRecoveryFileIsKept();

private:
    MainWindow& newWindow();
    Document& document() const { return m_ide.window->document(); }
    ProjectActions& project() const { return m_ide.window->project(); }
    QString recoveryDir() const { return m_dir.filePath(QStringLiteral("recovery")); }

    qk::test::IdeFixture m_ide;
    QTemporaryDir m_dir;
};

void TestRecovery::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_ide.startHost();
}

void TestRecovery::init() {
    QDir(recoveryDir()).removeRecursively();
    newWindow();
}

void TestRecovery::cleanup() {
    m_ide.window.reset();
}

void TestRecovery::cleanupTestCase() {
    m_ide.stop();
}

MainWindow& TestRecovery::newWindow() {
    m_ide.window = m_ide.newWindow();
    m_ide.window->project().autosave().setDirectory(recoveryDir());
    [[maybe_unused]] const bool exposed = QTest::qWaitForWindowExposed(m_ide.window.get());
    return *m_ide.window;
}

void TestRecovery::closingAnUnchangedProjectAsksNothing() {
    QVERIFY(!document().isModified());
    QVERIFY(m_ide.window->close());
    QVERIFY(!m_ide.window->isVisible());
    QVERIFY(!project().unsavedQuestion());
}

void TestRecovery::closingAsksToSave_data() {
    QTest::addColumn<int>("answer");
    QTest::addColumn<bool>("saveFails");
    QTest::addColumn<bool>("closes");
    QTest::newRow("cancel") << int(QMessageBox::Cancel) << false << false;
    QTest::newRow("discard") << int(QMessageBox::Discard) << false << true;
    QTest::newRow("save") << int(QMessageBox::Save) << false << true;
    QTest::newRow("save fails") << int(QMessageBox::Save) << true << false;
}

void TestRecovery::closingAsksToSave() {
    QFETCH(int, answer);
    QFETCH(bool, saveFails);
    QFETCH(bool, closes);
    const QString path = saveFails ? m_dir.filePath(QStringLiteral("missing/folder/p.qtkeras"))
                                   : m_dir.filePath(QStringLiteral("closing.qtkeras"));
    QFile::remove(path);
    document().setFileName(path);
    document().addLayer(keras::InputLayer({4}));
    document().addLayer(keras::Dense(8));
    QVERIFY(document().isModified());
    QVERIFY(m_ide.window->windowTitle().contains(QStringLiteral("[*]")));
    QVERIFY(m_ide.window->isWindowModified());

    // The question is window-modal: close() returns at once and the event loop goes on.
    QVERIFY(!m_ide.window->close());
    QVERIFY(m_ide.window->isVisible());
    QMessageBox* box = project().unsavedQuestion();
    QVERIFY(box);
    QVERIFY(box->isVisible());
    QVERIFY(box->text().contains(QStringLiteral("unsaved changes")));
    QVERIFY(!m_ide.window->close()); // asking again shows the same question
    QCOMPARE(project().unsavedQuestion(), box);

    clickButton(box, QMessageBox::StandardButton(answer));
    QVERIFY(waitUntil([this] { return !project().unsavedQuestion(); }));
    QCOMPARE(m_ide.window->isVisible(), !closes);
    QCOMPARE(QFileInfo::exists(path), answer == QMessageBox::Save && !saveFails);
    if (QFileInfo::exists(path)) {
        const std::optional<Project> saved = ProjectFile::read(path);
        QVERIFY(saved);
        QVERIFY(saved->layers == layersOf(document()));
    }
    if (saveFails) {
        // The failed save says why, in a box of its own.
        QMessageBox* error = nullptr;
        for (QMessageBox* b : m_ide.window->findChildren<QMessageBox*>()) {
            if (b->isVisible() && b->text().contains(QStringLiteral("Cannot write")))
                error = b;
        }
        QVERIFY(error);
        error->close();
    }
    QCOMPARE(document().isModified(), answer != QMessageBox::Save || saveFails);
}

void TestRecovery::newAndOpenAskWithoutBlocking() {
    // A project to open from the recent files.
    QString error;
    document().addLayer(keras::InputLayer({4}));
    const QString path = m_dir.filePath(QStringLiteral("recent.qtkeras"));
    QVERIFY2(project().saveAs(path, &error), qPrintable(error));
    project().newProject();
    QVERIFY(!document().isModified());

    QAction* newAction = m_ide.window->actionRegistry().action(ids::fileNew);
    QVERIFY(newAction);
    document().addLayer(keras::Dense(8));
    QVERIFY(document().isModified());

    // New: the question is window-modal, the action returns at once; Cancel keeps the edits.
    newAction->trigger();
    QMessageBox* box = project().unsavedQuestion();
    QVERIFY(box);
    QVERIFY(box->isVisible());
    QCOMPARE(box->windowModality(), Qt::WindowModal);
    QVERIFY(box->text().contains(QStringLiteral("new project")));
    clickButton(box, QMessageBox::Cancel);
    QVERIFY(waitUntil([this] { return !project().unsavedQuestion(); }));
    QCOMPARE(document().layers().size(), std::size_t(1));
    QVERIFY(document().isModified());

    // Closing while a question is open raises that question and keeps the window.
    newAction->trigger();
    box = project().unsavedQuestion();
    QVERIFY(box);
    QVERIFY(!m_ide.window->close());
    QCOMPARE(project().unsavedQuestion(), box);
    clickButton(box, QMessageBox::Discard);
    QVERIFY(waitUntil([this] { return !project().unsavedQuestion(); }));
    QVERIFY(m_ide.window->isVisible());
    QCOMPARE(document().layers().size(), std::size_t(0));
    QVERIFY(!document().isModified());

    // Open Recent: asks the same way, then opens.
    document().addLayer(keras::Dense(4));
    QMenu* recent = m_ide.window->actionRegistry().menu(ids::recentMenu);
    QVERIFY(recent);
    QAction* entry = nullptr;
    for (QAction* action : recent->actions()) {
        if (action->text() == QDir::toNativeSeparators(path))
            entry = action;
    }
    QVERIFY(entry);
    entry->trigger();
    box = project().unsavedQuestion();
    QVERIFY(box);
    QVERIFY(box->text().contains(QStringLiteral("recent.qtkeras")));
    clickButton(box, QMessageBox::Discard);
    QVERIFY(waitUntil([this] { return !project().unsavedQuestion(); }));
    QCOMPARE(document().fileName(), path);
    QCOMPARE(document().layers().size(), std::size_t(1));
    QVERIFY(!document().isModified());
}

void TestRecovery::newTrainingRunsAreUnsavedChanges() {
    QVERIFY(!document().isModified());
    inspectors::TrainingHistoryView* view = m_ide.window->workspace().historyView();
    view->addRun(std::make_shared<keras::TrainingHistory>(
        QStringLiteral("run"), 2, QStringList{QStringLiteral("loss")},
        QMap<QString, QList<double>>{{QStringLiteral("loss"), {0.9, 0.5}}}, QList<double>{1, 1},
        keras::TrainingHistory::Outcome::Finished));
    QVERIFY(document().isModified());
    QVERIFY(m_ide.window->isWindowModified());
    QVERIFY(!m_ide.window->close());
    clickButton(project().unsavedQuestion(), QMessageBox::Cancel);
    QVERIFY(m_ide.window->isVisible());

    // Saved, the run is no change any more; undoing edits back to the saved state keeps it so.
    QString error;
    const QString path = m_dir.filePath(QStringLiteral("runs.qtkeras"));
    QVERIFY2(project().saveAs(path, &error), qPrintable(error));
    QVERIFY(!document().isModified());
    document().addLayer(keras::Dense(2));
    QVERIFY(document().isModified());
    document().undoStack()->undo();
    QVERIFY(!document().isModified());
    QVERIFY(m_ide.window->close());
}

void TestRecovery::autosaveWritesWhileModifiedAndRemovesOnSave() {
    Autosave& autosave = project().autosave();
    QCOMPARE(autosave.intervalSeconds(), 60); // the default
    autosave.setIntervalSeconds(1);
    QVERIFY(recoveryFiles(recoveryDir()).isEmpty());

    for (const keras::Layer& layer : irisLayers())
        document().addLayer(layer);
    TrainingSettings training = document().trainingSettings();
    training.epochs = 7;
    document().setTrainingSettings(training);
    QSignalSpy saved(&autosave, &Autosave::saved);
    QVERIFY(saved.wait(5000));
    const QString file = autosave.filePath();
    QCOMPARE(saved.at(0).at(0).toString(), file);
    QCOMPARE(QFileInfo(file).absolutePath(), QDir(recoveryDir()).absolutePath());
    QVERIFY2(QFileInfo(file).fileName().startsWith(
                 QString::number(QCoreApplication::applicationPid()) + QLatin1Char('-')),
             qPrintable(file));
    QVERIFY(QFileInfo::exists(file + QStringLiteral(".lock")));

    RecoveryInfo info;
    QString error;
    std::optional<Project> written = ProjectFile::read(file, &error, &info);
    QVERIFY2(written, qPrintable(error));
    QVERIFY(written->layers == irisLayers());
    QCOMPARE(written->training.epochs, 7);
    QCOMPARE(info.pid, QCoreApplication::applicationPid());
    QVERIFY(info.originalPath.isEmpty());
    QVERIFY(qAbs(info.savedAt.secsTo(QDateTime::currentDateTime())) < 60);

    // A later edit reaches the file at the next interval.
    document().addLayer(keras::Dropout(0.5));
    QVERIFY(saved.wait(5000));
    written = ProjectFile::read(file);
    QVERIFY(written);
    QCOMPARE(written->layers.size(), size_t(6));

    // Saving the project removes the recovery file and its lock.
    QVERIFY2(project().saveAs(m_dir.filePath(QStringLiteral("auto.qtkeras")), &error),
             qPrintable(error));
    QVERIFY(!QFileInfo::exists(file));
    QVERIFY(!QFileInfo::exists(file + QStringLiteral(".lock")));
    QVERIFY(!autosave.isScheduled()); // nothing to write while nothing changed
    QVERIFY(recoveryFiles(recoveryDir()).isEmpty());

    // Discarding the changes at close removes it too.
    document().addLayer(keras::Dense(1));
    QVERIFY(autosave.isScheduled());
    QVERIFY(saved.wait(5000));
    QCOMPARE(recoveryFiles(recoveryDir()).size(), 1);
    QVERIFY(!m_ide.window->close());
    clickButton(project().unsavedQuestion(), QMessageBox::Discard);
    QVERIFY(waitUntil([this] { return !m_ide.window->isVisible(); }));
    QVERIFY(recoveryFiles(recoveryDir()).isEmpty());
}

void TestRecovery::openWindowsAreNotOffered() {
    project().autosave().setIntervalSeconds(1);
    document().addLayer(keras::Dense(3));
    QString error;
    QVERIFY2(project().autosave().saveNow(&error), qPrintable(error));
    QCOMPARE(recoveryFiles(recoveryDir()).size(), 1);
    // The window is alive: its file is not an orphan, for this process or another.
    QVERIFY(Autosave::orphans(recoveryDir()).empty());
    QVERIFY(!project().offerRecovery(recoveryDir()));
    QCOMPARE(recoveryFiles(recoveryDir()).size(), 1);
}

void TestRecovery::restoreKeepsTheOriginalPath() {
    // A saved project, edited, then the process "dies": its recovery file stays behind with
    // the lock file of a process that no longer runs.
    QString error;
    const QString original = m_dir.filePath(QStringLiteral("original.qtkeras"));
    for (const keras::Layer& layer : irisLayers())
        document().addLayer(layer);
    QVERIFY2(project().saveAs(original, &error), qPrintable(error));
    document().addLayer(keras::Dense(5).activation("relu"));
    CompileSettings compile = document().compileSettings();
    compile.loss = QStringLiteral("mean_squared_error");
    compile.optimizer =
        keras::KerasObject(QStringLiteral("keras.optimizers"), QStringLiteral("SGD"));
    compile.optimizer.set(QStringLiteral("learning_rate"), 0.05);
    document().setCompileSettings(compile);
    QVERIFY2(project().autosave().saveNow(&error), qPrintable(error));
    const Project before = project().capture();
    const std::vector<keras::Layer> layersBefore = layersOf(document());

    QProcess ended; // a process that has ended: its pid is free
    ended.start(QStringLiteral("sleep"), {QStringLiteral("0.1")});
    QVERIFY(ended.waitForStarted());
    const qint64 deadPid = ended.processId();
    QVERIFY(ended.waitForFinished());
    const QString crashDir = m_dir.filePath(QStringLiteral("crashed"));
    QVERIFY(QDir().mkpath(crashDir));
    const QString orphan = QDir(crashDir).filePath(QStringLiteral("%1-1.qtkeras").arg(deadPid));
    QFile::remove(orphan);
    QVERIFY(QFile::copy(project().autosave().filePath(), orphan));
    {
        QFile lock(orphan + QStringLiteral(".lock"));
        QVERIFY(lock.open(QIODevice::WriteOnly | QIODevice::Truncate));
        lock.write(QByteArray::number(deadPid) + "\nqtkeras\n" +
                   QSysInfo::machineHostName().toUtf8() + '\n');
    }

    // A new window (the next start) is offered the file and restores it.
    newWindow();
    QCOMPARE(document().layerCount(), 0);
    RecoveryDialog* dialog = project().offerRecovery(crashDir);
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    QCOMPARE(dialog->list()->topLevelItemCount(), 1);
    QVERIFY(dialog->list()->topLevelItem(0)->text(1).contains(QStringLiteral("original.qtkeras")));
    QVERIFY(dialog->restoreButton()->isEnabled());
    QTest::mouseClick(dialog->restoreButton(), Qt::LeftButton);
    QVERIFY(waitUntil([this] { return !m_ide.window->findChild<RecoveryDialog*>(); }));

    QVERIFY(layersOf(document()) == layersBefore);
    QCOMPARE(document().compileSettings(), compile);
    QCOMPARE(document().trainingSettings(), before.training);
    QCOMPARE(document().dataSource(), before.data);
    QCOMPARE(document().fileName(), QFileInfo(original).absoluteFilePath());
    QVERIFY(document().isModified());
    QVERIFY(m_ide.window->windowTitle().startsWith(QStringLiteral("original.qtkeras")));
    QVERIFY(!document().undoStack()->canUndo());
    // The orphan is gone; the project lives on in this window's own recovery file.
    QVERIFY(!QFileInfo::exists(orphan));
    QVERIFY(!QFileInfo::exists(orphan + QStringLiteral(".lock")));
    QVERIFY(QFileInfo::exists(project().autosave().filePath()));
    // Saving writes the original file.
    QVERIFY2(project().saveAs(document().fileName(), &error), qPrintable(error));
    const std::optional<Project> saved = ProjectFile::read(original);
    QVERIFY(saved);
    QVERIFY(saved->layers == layersBefore);
}

void TestRecovery::killedProgramIsRecovered() {
    // The real program, with its own settings and data folders and a 1 s autosave interval,
    // builds and trains the iris demo, and is killed once a recovery file holds its run.
    QTemporaryDir home;
    QVERIFY(home.isValid());
    const QString config = home.filePath(QStringLiteral("config"));
    const QString data = home.filePath(QStringLiteral("data"));
    {
        QSettings settings(config + QStringLiteral("/QtKeras/QtKeras.conf"), QSettings::IniFormat);
        settings.setValue(QStringLiteral("project/autosaveSeconds"), 1);
    }
    const QString crashDir = data + QStringLiteral("/QtKeras/QtKeras/recovery");
    QProcess app;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), config);
    env.insert(QStringLiteral("XDG_DATA_HOME"), data);
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("KERAS_BACKEND"), QStringLiteral("jax"));
    env.insert(QStringLiteral("QTKERAS_PYTHON"), QStringLiteral(QTKERAS_TEST_PYTHON));
    app.setProcessEnvironment(env);
    app.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    app.start(QStringLiteral(QTKERAS_TEST_APP), {QStringLiteral("--demo"), QStringLiteral("iris")});
    QVERIFY2(app.waitForStarted(), qPrintable(app.errorString()));
    const qint64 pid = app.processId();

    // Wait until the autosave holds the network and a training run with epochs in it.
    const bool written = waitUntil(
        [&] {
            const QStringList files = recoveryFiles(crashDir);
            if (files.size() != 1)
                return false;
            const std::optional<Project> p = ProjectFile::read(crashDir + u'/' + files.front());
            return p && p->layers.size() == 5 && !p->runs.empty() &&
                   !p->runs.front().epochSeconds.isEmpty();
        },
        120000);
    if (!written)
        app.kill();
    QVERIFY2(written, "the program wrote no recovery file with the network and a run");
    app.kill(); // SIGKILL: no clean-up of any kind
    QVERIFY(app.waitForFinished(10000));
    QCOMPARE(app.exitStatus(), QProcess::CrashExit);

    const QStringList files = recoveryFiles(crashDir);
    QCOMPARE(files.size(), 1);
    const QString orphan = crashDir + u'/' + files.front();
    QVERIFY(files.front().startsWith(QString::number(pid) + u'-'));
    const std::optional<Project> left = ProjectFile::read(orphan);
    QVERIFY(left);
    qInfo("qtkeras (pid %lld) killed with %lld epochs of its run autosaved", pid,
          static_cast<qint64>(left->runs.front().epochSeconds.size()));

    // The next start offers it: written a moment ago, an untitled project.
    RecoveryDialog* dialog = project().offerRecovery(crashDir);
    QVERIFY(dialog);
    QCOMPARE(dialog->list()->topLevelItemCount(), 1);
    QVERIFY(dialog->list()->topLevelItem(0)->text(1).contains(QStringLiteral("Untitled")));
    QTest::mouseClick(dialog->restoreButton(), Qt::LeftButton);
    QVERIFY(waitUntil([this] { return !m_ide.window->findChild<RecoveryDialog*>(); }));

    // The demo's network, and every setting as the killed program last wrote it.
    QStringList classes;
    for (const keras::Layer& layer : left->layers)
        classes << layer.className();
    QCOMPARE(classes, QStringList({QStringLiteral("InputLayer"), QStringLiteral("Dense"),
                                   QStringLiteral("Activation"), QStringLiteral("Dense"),
                                   QStringLiteral("Activation")}));
    QVERIFY(layersOf(document()) == left->layers);
    QCOMPARE(document().compileSettings(), left->compile);
    QCOMPARE(document().trainingSettings(), left->training);
    QCOMPARE(document().dataSource(), left->data);
    QVERIFY(document().fileName().isEmpty());
    QVERIFY(document().isModified());
    const Project restored = project().capture();
    QVERIFY(restored.runs == left->runs);
    QCOMPARE(m_ide.window->workspace().historyView()->runs().rowCount(), 1);
    QVERIFY(!QFileInfo::exists(orphan));
    QVERIFY(recoveryFiles(crashDir).isEmpty());
}

void TestRecovery::damagedRecoveryFileIsKept() {
    const QString crashDir = m_dir.filePath(QStringLiteral("damaged"));
    QVERIFY(QDir().mkpath(crashDir));
    const QString damaged = QDir(crashDir).filePath(QStringLiteral("999999-1.qtkeras"));
    {
        QFile file(damaged);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(R"({"format": "qtkeras-project", "version": 1, "model": {"lay)");
    }
    document().addLayer(keras::Dense(4));
    const std::vector<keras::Layer> before = layersOf(document());

    RecoveryDialog* dialog = project().offerRecovery(crashDir);
    QVERIFY(dialog);
    QCOMPARE(dialog->list()->topLevelItemCount(), 1);
    QVERIFY(!dialog->restoreButton()->isEnabled());
    QVERIFY2(dialog->message().contains(QStringLiteral("cannot be read")),
             qPrintable(dialog->message()));
    QVERIFY2(dialog->message().contains(QDir::toNativeSeparators(damaged)),
             qPrintable(dialog->message()));
    QVERIFY2(dialog->message().contains(QStringLiteral("damaged")), qPrintable(dialog->message()));

    // Later: nothing changes, and the file is offered again next time.
    QTest::mouseClick(dialog->laterButton(), Qt::LeftButton);
    QVERIFY(waitUntil([this] { return !m_ide.window->findChild<RecoveryDialog*>(); }));
    QVERIFY(QFileInfo::exists(damaged));
    QVERIFY(layersOf(document()) == before);

    std::vector<RecoveryFile> again = Autosave::orphans(crashDir);
    QCOMPARE(again.size(), size_t(1));
    QString error;
    QVERIFY(!project().restore(again.front(), &error));
    QVERIFY2(error.contains(QStringLiteral("kept at")), qPrintable(error));
    QVERIFY(QFileInfo::exists(damaged));
    QVERIFY(layersOf(document()) == before);
    again.clear();

    // Only the user's Discard deletes it.
    dialog = project().offerRecovery(crashDir);
    QVERIFY(dialog);
    QTest::mouseClick(dialog->discardButton(), Qt::LeftButton);
    QVERIFY(waitUntil([this] { return !m_ide.window->findChild<RecoveryDialog*>(); }));
    QVERIFY(!QFileInfo::exists(damaged));
}

QTEST_MAIN(TestRecovery)
#include "tst_recovery.moc"
