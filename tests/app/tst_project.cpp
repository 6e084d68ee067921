// Project files with the real worker: a trained network saved and opened again gives the same
// layers, settings and training history; a damaged or newer file is refused and the open
// project stays; the exported Python script trains the same model on its own.
#include "app/document.h"
#include "app/mainwindow.h"
#include "app/projectactions.h"
#include "app/projectfile.h"
#include "app/sessionhost.h"
#include "app/shapechecker.h"
#include "app/trainingcontroller.h"
#include "app/workspace.h"
#include "bridge/keras/layers.h"
#include "bridge/keras/traininghistory.h"
#include "inspectors/traininghistoryview.h"
#include "inspectors/trainingrunmodel.h"
#include "support/testsupport.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest>

using namespace qk;
using namespace qk::app;
using qk::test::waitFinished;
using qk::test::waitUntil;

class TestProject : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void savedProjectOpensIdentical();
    void damagedFileKeepsTheOpenProject_data();
    void damagedFileKeepsTheOpenProject();
    void exportedScriptTrainsTheSameModel();
    void savesTheTrainedModel();

private:
    Document& document() const { return m_window->document(); }
    ProjectActions& project() const { return m_window->project(); }
    std::vector<keras::Layer> layers() const;

    std::unique_ptr<SessionHost> m_host;
    std::unique_ptr<MainWindow> m_window;
    QTemporaryDir m_dir;
    QString m_saved;
};

std::vector<keras::Layer> TestProject::layers() const {
    std::vector<keras::Layer> out;
    for (const LayerItem& item : document().layers())
        out.push_back(item.layer);
    return out;
}

void TestProject::initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("QtKerasTests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_project"));
    QSettings().clear();
    QVERIFY(m_dir.isValid());
    m_host = std::make_unique<SessionHost>(qk::test::workerOptions());
    m_window = std::make_unique<MainWindow>(*m_host);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QVERIFY2(waitFinished(m_host->session().ready(), 60000), "the worker did not start");
    document().addLayer(keras::InputLayer({4}));
    document().addLayer(keras::Dense(16));
    document().addLayer(keras::Activation("sigmoid"));
    document().addLayer(keras::Dense(3).activation("linear").useBias(true));
    document().addLayer(keras::Activation("softmax"));
    TrainingSettings settings = document().trainingSettings();
    settings.epochs = 4;
    settings.batchSize = 8;
    settings.validationSplit = 0.25;
    document().setTrainingSettings(settings);
    QVERIFY(waitUntil([this] { return m_window->workspace().shapes().isUpToDate(); }, 60000));
    QCOMPARE(m_window->workspace().shapes().totalParams(), 131);

    TrainingController& trainer = m_window->workspace().trainer();
    QSignalSpy finished(&trainer, &TrainingController::finished);
    m_window->workspace().trainAction()->trigger();
    QVERIFY(finished.wait(120000));
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
}

void TestProject::cleanupTestCase() {
    m_window.reset();
    m_host.reset();
}

void TestProject::savedProjectOpensIdentical() {
    const std::vector<keras::Layer> before = layers();
    const TrainingSettings training = document().trainingSettings();
    const keras::TrainingHistory& trained = *m_window->workspace().trainer().history();
    const QMap<QString, QList<double>> series = trained.toMap();
    QCOMPARE(trained.epochCount(), 4);
    QVERIFY(series.contains(QStringLiteral("val_loss")));
    const QList<double> seconds = trained.epochSeconds();
    m_window->workspace().historyView()->setSmoothing(0.6);

    QVERIFY(document().isModified());
    m_saved = m_dir.filePath(QStringLiteral("iris.qtkeras"));
    QString error;
    QVERIFY2(project().saveAs(m_saved, &error), qPrintable(error));
    QVERIFY(!document().isModified());
    QVERIFY(m_window->windowTitle().startsWith(QStringLiteral("iris.qtkeras")));
    QCOMPARE(ProjectActions::recentFiles().value(0), QFileInfo(m_saved).absoluteFilePath());

    project().newProject();
    QCOMPARE(document().layerCount(), 0);
    QCOMPARE(m_window->workspace().historyView()->runs().rowCount(), 0);
    QVERIFY(m_window->windowTitle().startsWith(QStringLiteral("Untitled")));

    QVERIFY2(project().open(m_saved, &error), qPrintable(error));
    QVERIFY(layers() == before);
    QCOMPARE(document().trainingSettings(), training);
    QVERIFY(!document().isModified());
    QVERIFY(!document().undoStack()->canUndo());
    const inspectors::TrainingRunModel& runs = m_window->workspace().historyView()->runs();
    QCOMPARE(runs.rowCount(), 1);
    const keras::TrainingHistory& opened = runs.history(0);
    QCOMPARE(opened.toMap(), series);
    QCOMPARE(opened.epochSeconds(), seconds);
    QCOMPARE(opened.metricNames(), trained.metricNames());
    QVERIFY(opened.isFinished());
    QCOMPARE(m_window->workspace().historyView()->smoothing(), 0.6);
}

void TestProject::damagedFileKeepsTheOpenProject_data() {
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("message");
    QTest::newRow("not json") << QByteArray("{\"format\": \"qtkeras-pro") << "damaged";
    QTest::newRow("not a project")
        << QByteArray(R"({"format": "other", "version": 1})") << "not a QtKeras project";
    QTest::newRow("newer version")
        << QByteArray(R"({"format": "qtkeras-project", "version": 2})") << "newer QtKeras";
    QTest::newRow("missing part")
        << QByteArray(R"({"format": "qtkeras-project", "version": 1, "model": {"layers": []}})")
        << "damaged";
}

void TestProject::damagedFileKeepsTheOpenProject() {
    QFETCH(QByteArray, content);
    QFETCH(QString, message);
    const QString path = m_dir.filePath(QStringLiteral("bad.qtkeras"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(content);
    file.close();

    const std::vector<keras::Layer> before = layers();
    const QString fileName = document().fileName();
    QString error;
    QVERIFY(!project().open(path, &error));
    QVERIFY2(error.contains(message), qPrintable(error));
    QVERIFY(layers() == before);
    QCOMPARE(document().fileName(), fileName);
    QCOMPARE(m_window->workspace().historyView()->runs().rowCount(), 1);
}

void TestProject::exportedScriptTrainsTheSameModel() {
    const QString path = m_dir.filePath(QStringLiteral("iris.py"));
    QString error;
    QVERIFY2(project().exportScript(path, &error), qPrintable(error));

    const qk::test::ScriptRun run = qk::test::runPythonScript(path, m_dir.path());
    QVERIFY(run.finished);
    QVERIFY2(run.exitCode == 0, run.standardError.constData());
    const QJsonObject& result = run.lastLine;
    QCOMPARE(result.value(QStringLiteral("total_params")).toInteger(), 131);
    QCOMPARE(result.value(QStringLiteral("epochs")).toInt(), 4);
}

void TestProject::savesTheTrainedModel() {
    const QString path = m_dir.filePath(QStringLiteral("iris.keras"));
    QString error;
    const std::optional<QFuture<Value>> saved = project().saveModel(path, &error);
    QVERIFY2(saved, qPrintable(error));
    QVERIFY(waitFinished(*saved, 60000));
    QVERIFY(QFileInfo(path).size() > 0);
}

QTEST_MAIN(TestProject)
#include "tst_project.moc"
