// SPDX-License-Identifier: GPL-3.0-or-later
// Project files with the real worker: a trained network saved and opened again gives the same
// layers, settings and training history; a damaged or newer file is refused and the open
// project stays; the exported Python script trains the same model on its own; a .keras model,
// saved by the IDE or built in Python, imports into the builder as one undoable edit, and a
// file that is not a model or not a chain of layers is refused with the project unchanged.
#include "app/actionids.h"
#include "app/actionregistry.h"
#include "app/document.h"
#include "app/errorrecoverypolicy.h"
#include "app/kerasimport.h"
#include "app/mainwindow.h"
#include "app/projectactions.h"
#include "app/projectfile.h"
#include "app/sessionhost.h"
#include "app/shapechecker.h"
#include "app/trainingcontroller.h"
#include "app/workspace.h"
#include "bridge/codegen/python.h"
#include "bridge/keras/layers.h"
#include "bridge/keras/optimizers.h"
#include "bridge/keras/traininghistory.h"
#include "inspectors/traininghistoryview.h"
#include "inspectors/trainingrunmodel.h"
#include "support/idefixture.h"
#include "support/testsupport.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageBox>
#include <QProcess>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest>

using namespace qk;
using namespace qk::app;
using qk::test::failureOf;
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
    void importsTheSavedTrainedModel();
    void importedModelTrainsOnFromItsWeights();
    void reopenedProjectGoesOnFromTheImportedWeights();
    void importsAModelBuiltInPython();
    void refusedImportLeavesTheProjectUnchanged_data();
    void refusedImportLeavesTheProjectUnchanged();

private:
    Document& document() const { return m_ide.window->document(); }
    ProjectActions& project() const { return m_ide.window->project(); }
    std::vector<keras::Layer> layers() const;
    // Imports a .keras file and waits; the error message when it was refused.
    std::optional<QString> import(const QString& path);
    // Runs Python on the worker and returns its value.
    Value python(const QString& code);
    // Trains the document as Model > Train does; the finished message, or nothing on failure.
    std::optional<QString> train();
    // Whether the last run's model holds the weights saved in the .keras file at `path`.
    bool hasWeightsOf(const QString& path);
    qint64 totalParams() const;

    qk::test::IdeFixture m_ide;
    QTemporaryDir m_dir;
    QString m_saved;
};

std::vector<keras::Layer> TestProject::layers() const {
    std::vector<keras::Layer> out;
    for (const LayerItem& item : document().layers())
        out.push_back(item.layer);
    return out;
}

namespace {

// A layer's argument given by keyword, or by position as the typed C++ classes pass it.
Value argument(const keras::Layer& layer, const QString& name, int position = -1) {
    if (const std::optional<keras::Argument> value = layer.get(name))
        return value->value();
    if (position >= 0 && position < static_cast<int>(layer.positional().size()))
        return layer.positional()[static_cast<size_t>(position)].value();
    return {};
}

QString pyString(const QString& text) {
    return py::Expr::literal(Value(text)).source();
}

} // namespace

std::optional<QString> TestProject::import(const QString& path) {
    return failureOf(project().importKerasModel(path), 60000);
}

Value TestProject::python(const QString& code) {
    QFuture<Value> future = m_ide.host->session().run(code);
    if (!waitFinished(future, 60000))
        return {};
    return future.result();
}

std::optional<QString> TestProject::train() {
    QSignalSpy finished(&m_ide.window->workspace().trainer(), &TrainingController::finished);
    m_ide.window->actionRegistry().action(ids::modelTrain)->trigger();
    if (!finished.wait(120000))
        return std::nullopt;
    const QString message = finished.at(0).at(1).toString();
    if (!finished.at(0).at(0).toBool()) {
        qWarning("the run failed: %s", qPrintable(message));
        return std::nullopt;
    }
    return message;
}

bool TestProject::hasWeightsOf(const QString& path) {
    // `model` is the last run's model, as the console names it.
    const Value same = python(
        QStringLiteral("import keras, numpy as np\n"
                       "f = keras.saving.load_model(%1, compile=False)\n"
                       "a, b = f.get_weights(), model.get_weights()\n"
                       "del f\n"
                       "len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))")
            .arg(pyString(path)));
    return same == Value(true);
}

qint64 TestProject::totalParams() const {
    ShapeChecker& shapes = m_ide.window->workspace().shapes();
    if (!waitUntil([&shapes] { return shapes.isUpToDate(); }, 60000))
        return -1;
    return shapes.totalParams();
}

void TestProject::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_ide.start();
    if (QTest::currentTestFailed())
        return;
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
    QVERIFY2(waitUntil([this] { return m_ide.window->workspace().shapes().isUpToDate(); }, 60000),
             qPrintable(m_ide.report()));
    QCOMPARE(m_ide.window->workspace().shapes().totalParams(), 131);

    TrainingController& trainer = m_ide.window->workspace().trainer();
    QSignalSpy finished(&trainer, &TrainingController::finished);
    m_ide.window->actionRegistry().action(ids::modelTrain)->trigger();
    QVERIFY2(finished.wait(120000), qPrintable(m_ide.report()));
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
}

void TestProject::cleanupTestCase() {
    m_ide.stop();
}

void TestProject::savedProjectOpensIdentical() {
    const std::vector<keras::Layer> before = layers();
    const TrainingSettings training = document().trainingSettings();
    const keras::TrainingHistory& trained = *m_ide.window->workspace().trainer().history();
    const QMap<QString, QList<double>> series = trained.toMap();
    QCOMPARE(trained.epochCount(), 4);
    QVERIFY(series.contains(QStringLiteral("val_loss")));
    const QList<double> seconds = trained.epochSeconds();
    m_ide.window->workspace().historyView()->setSmoothing(0.6);

    QVERIFY(document().isModified());
    m_saved = m_dir.filePath(QStringLiteral("iris.qtkeras"));
    QString error;
    QVERIFY2(project().saveAs(m_saved, &error), qPrintable(error));
    QVERIFY(!document().isModified());
    QVERIFY(m_ide.window->windowTitle().startsWith(QStringLiteral("iris.qtkeras")));
    QCOMPARE(ProjectActions::recentFiles().value(0), QFileInfo(m_saved).absoluteFilePath());

    project().newProject();
    QCOMPARE(document().layerCount(), 0);
    QCOMPARE(m_ide.window->workspace().historyView()->runs().rowCount(), 0);
    QVERIFY(m_ide.window->windowTitle().startsWith(QStringLiteral("Untitled")));

    QVERIFY2(project().open(m_saved, &error), qPrintable(error));
    QVERIFY(layers() == before);
    QCOMPARE(document().trainingSettings(), training);
    QVERIFY(!document().isModified());
    QVERIFY(!document().undoStack()->canUndo());
    const inspectors::TrainingRunModel& runs = m_ide.window->workspace().historyView()->runs();
    QCOMPARE(runs.rowCount(), 1);
    const keras::TrainingHistory& opened = runs.history(0);
    QCOMPARE(opened.toMap(), series);
    QCOMPARE(opened.epochSeconds(), seconds);
    QCOMPARE(opened.metricNames(), trained.metricNames());
    QVERIFY(opened.isFinished());
    QCOMPARE(m_ide.window->workspace().historyView()->smoothing(), 0.6);
}

void TestProject::damagedFileKeepsTheOpenProject_data() {
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("message");
    QTest::newRow("not json") << QByteArray("{\"format\": \"qtkeras-pro") << "damaged";
    QTest::newRow("not a project")
        << QByteArray(R"({"format": "other", "version": 1})") << "not a QtKeras project";
    QTest::newRow("newer version")
        << QByteArray(R"({"format": "qtkeras-project", "version": 3})") << "newer QtKeras";
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
    QCOMPARE(m_ide.window->workspace().historyView()->runs().rowCount(), 1);
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
    QVERIFY2(waitFinished(*saved, 60000), qPrintable(m_ide.report()));
    QVERIFY(QFileInfo(path).size() > 0);
}

void TestProject::importsTheSavedTrainedModel() {
    // The model Save Trained Model wrote, read back into the builder in place of the network.
    const QString path = m_dir.filePath(QStringLiteral("iris.keras"));
    QVERIFY(QFileInfo::exists(path));
    const std::vector<keras::Layer> trained = layers();
    document().addLayer(keras::Dropout(0.5)); // to see it replaced
    const int undoCount = document().undoStack()->count();

    const std::optional<QString> refused = import(path);
    QVERIFY2(!refused, qPrintable(refused.value_or(QString())));
    QCOMPARE(document().undoStack()->count(), undoCount + 1);
    QCOMPARE(document().layerCount(), static_cast<int>(trained.size()));
    for (size_t i = 0; i < trained.size(); ++i) {
        const keras::Layer& imported = document().layers()[i].layer;
        QCOMPARE(imported.className(), trained[i].className());
        // The typed C++ layers pass Dense's units and Activation's function by position.
        const bool isActivation = imported.className() == QStringLiteral("Activation");
        QCOMPARE(argument(imported, QStringLiteral("units")),
                 argument(trained[i], QStringLiteral("units"), isActivation ? -1 : 0));
        const Value activation = argument(imported, QStringLiteral("activation"));
        const Value original =
            argument(trained[i], QStringLiteral("activation"), isActivation ? 0 : -1);
        // "linear" is Dense's default: the import leaves it unset, as Keras' defaults are.
        QVERIFY2(activation == original ||
                     (activation.isNone() && original == Value(QStringLiteral("linear"))),
                 qPrintable(activation.toDisplayString() + u' ' + original.toDisplayString()));
    }
    QCOMPARE(argument(document().layers()[0].layer, QStringLiteral("shape")), Value::tuple({4}));
    QCOMPARE(totalParams(), 131);
    QCOMPARE(document().compileSettings().loss, QStringLiteral("categorical_crossentropy"));
    QCOMPARE(document().compileSettings().optimizer.className(), QStringLiteral("Adam"));

    // One undo brings the network back as it was, one redo the import.
    document().undoStack()->undo();
    QCOMPARE(document().layerCount(), static_cast<int>(trained.size()) + 1);
    QCOMPARE(document().layers().back().layer.className(), QStringLiteral("Dropout"));
    document().undoStack()->redo();
    QCOMPARE(document().layerCount(), static_cast<int>(trained.size()));
}

void TestProject::importedModelTrainsOnFromItsWeights() {
    // The model imported by the test before, unchanged: a run goes on from the file's weights.
    // With a learning rate of 0 the run's model keeps them exactly.
    const QString path = m_dir.filePath(QStringLiteral("iris.keras"));
    const CompileSettings compile = document().compileSettings();
    const TrainingSettings training = document().trainingSettings();
    CompileSettings still = compile;
    still.optimizer = keras::SGD().learningRate(0.0);
    document().setCompileSettings(still);
    TrainingSettings oneEpoch = training;
    oneEpoch.epochs = 1;
    document().setTrainingSettings(oneEpoch);

    std::optional<QString> message = train();
    QVERIFY(message);
    QVERIFY2(message->contains(QStringLiteral("starting from the weights of iris.keras")),
             qPrintable(*message));
    QVERIFY(hasWeightsOf(path));

    // Its exported script loads the same weights before it trains.
    const QString script = m_dir.filePath(QStringLiteral("iris-imported.py"));
    QString error;
    QVERIFY2(project().exportScript(script, &error), qPrintable(error));
    QFile source(script);
    QVERIFY(source.open(QIODevice::ReadOnly));
    QVERIFY(source.readAll().contains(".load_weights(" + pyString(path).toUtf8() + ")"));
    const qk::test::ScriptRun run = qk::test::runPythonScript(script, m_dir.path());
    QVERIFY(run.finished);
    QVERIFY2(run.exitCode == 0, run.standardError.right(3000).constData());
    QCOMPARE(run.lastLine.value(QStringLiteral("total_params")).toInteger(), 131);

    // A changed network is not the file's model any more: it starts from fresh weights.
    document().addLayer(keras::Dropout(0.2));
    message = train();
    QVERIFY(message);
    QVERIFY2(!message->contains(QStringLiteral("weights of")), qPrintable(*message));
    QVERIFY(!hasWeightsOf(path));
    // Undone, it is again.
    document().undoStack()->undo();
    message = train();
    QVERIFY(message);
    QVERIFY2(message->contains(QStringLiteral("starting from the weights of iris.keras")),
             qPrintable(*message));
    QVERIFY(hasWeightsOf(path));

    document().setCompileSettings(compile);
    document().setTrainingSettings(training);
}

void TestProject::reopenedProjectGoesOnFromTheImportedWeights() {
    // Saved as imported, the project keeps where its weights come from.
    const QString weights = m_dir.filePath(QStringLiteral("iris.keras"));
    QCOMPARE(project().importedWeights(), weights);
    const QString path = m_dir.filePath(QStringLiteral("imported.qtkeras"));
    QString error;
    QVERIFY2(project().saveAs(path, &error), qPrintable(error));
    project().newProject();
    QVERIFY(project().importedWeights().isEmpty());
    QVERIFY2(project().open(path, &error), qPrintable(error));
    QCOMPARE(project().importedWeights(), weights);

    // Its next run starts from them (a learning rate of 0 keeps them as they are).
    const CompileSettings compile = document().compileSettings();
    const TrainingSettings training = document().trainingSettings();
    CompileSettings still = compile;
    still.optimizer = keras::SGD().learningRate(0.0);
    document().setCompileSettings(still);
    TrainingSettings oneEpoch = training;
    oneEpoch.epochs = 1;
    document().setTrainingSettings(oneEpoch);
    const std::optional<QString> message = train();
    QVERIFY(message);
    QVERIFY2(message->contains(QStringLiteral("starting from the weights of iris.keras")),
             qPrintable(*message));
    QVERIFY(hasWeightsOf(weights));
    document().setCompileSettings(compile);
    document().setTrainingSettings(training);

    // Saved once its layers changed, it starts from fresh weights when opened.
    document().addLayer(keras::Dropout(0.2));
    QVERIFY2(project().saveAs(path, &error), qPrintable(error));
    QVERIFY2(project().open(path, &error), qPrintable(error));
    QVERIFY(project().importedWeights().isEmpty());
}

void TestProject::importsAModelBuiltInPython() {
    const QString path = m_dir.filePath(QStringLiteral("built.keras"));
    const Value original =
        python(QStringLiteral(
                   "import keras, warnings\n"
                   "m = keras.Sequential([keras.layers.InputLayer(shape=(4,)),\n"
                   "    keras.layers.Dense(12, activation='relu'), keras.layers.Dropout(0.1),\n"
                   "    keras.layers.Dense(3, activation='softmax', name='scores')])\n"
                   "m.compile(loss='categorical_crossentropy',\n"
                   "          optimizer=keras.optimizers.SGD(learning_rate=0.05),\n"
                   "          metrics=['accuracy', 'auc'])\n"
                   "with warnings.catch_warnings():\n"
                   "    warnings.simplefilter('ignore')\n"
                   "    m.save(%1)\n"
                   "summary = [m.count_params(), [(type(l).__name__, l.get_config().get('units'),\n"
                   "           l.get_config().get('activation')) for l in m.layers]]\n"
                   "del m\n"
                   "summary")
                   .arg(pyString(path)));
    QVERIFY2(original.isList(), qPrintable(original.toDisplayString()));
    CompileSettings before = document().compileSettings();
    before.loss = QStringLiteral("mean_squared_error");
    document().setCompileSettings(before);

    const std::optional<QString> refused = import(path);
    QVERIFY2(!refused, qPrintable(refused.value_or(QString())));
    QVERIFY2(
        m_ide.window->statusBar()->currentMessage().contains(QStringLiteral("Imported 4 layers")),
        qPrintable(m_ide.window->statusBar()->currentMessage()));
    const std::vector<Value>& pythonLayers = original.items()[1].items();
    QCOMPARE(document().layerCount(), static_cast<int>(pythonLayers.size()) + 1);
    QCOMPARE(document().layers()[0].layer.className(), QStringLiteral("InputLayer"));
    for (size_t i = 0; i < pythonLayers.size(); ++i) {
        const keras::Layer& imported = document().layers()[i + 1].layer;
        const std::vector<Value>& expected = pythonLayers[i].items();
        QCOMPARE(imported.className(), expected[0].toString());
        if (!expected[1].isNone())
            QCOMPARE(argument(imported, QStringLiteral("units")), expected[1]);
        if (!expected[2].isNone())
            QCOMPARE(argument(imported, QStringLiteral("activation")), expected[2]);
    }
    QCOMPARE(argument(document().layers()[2].layer, QStringLiteral("rate")), Value(0.1));
    QCOMPARE(argument(document().layers()[3].layer, QStringLiteral("name")),
             Value(QStringLiteral("scores")));
    QCOMPARE(totalParams(), original.items()[0].toInt());

    const CompileSettings& compile = document().compileSettings();
    QCOMPARE(compile.loss, QStringLiteral("categorical_crossentropy"));
    QCOMPARE(compile.optimizer.qualifiedName(), QStringLiteral("keras.optimizers.SGD"));
    QCOMPARE(compile.optimizer.get(QStringLiteral("learning_rate"))->value(), Value(0.05));
    QCOMPARE(compile.metrics, QStringList({QStringLiteral("accuracy"), QStringLiteral("auc")}));

    // The imported network trains: the builder's layers make a valid model.
    TrainingController& trainer = m_ide.window->workspace().trainer();
    TrainingSettings training = document().trainingSettings();
    training.epochs = 2;
    document().setTrainingSettings(training);
    QSignalSpy finished(&trainer, &TrainingController::finished);
    m_ide.window->actionRegistry().action(ids::modelTrain)->trigger();
    QVERIFY2(finished.wait(120000), qPrintable(m_ide.report()));
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
    // From the file's weights, Dropout and a layer named by the file included.
    QVERIFY2(finished.at(0).at(1).toString().contains(QStringLiteral("weights of built.keras")),
             qPrintable(finished.at(0).at(1).toString()));
}

void TestProject::refusedImportLeavesTheProjectUnchanged_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QByteArray>("content"); // written to the file; empty: no file
    QTest::addColumn<QString>("message");
    QTest::newRow("not a model") << "corrupt.keras" << QByteArray("PK\x03\x04 broken archive")
                                 << "not a .keras model file";
    QTest::newRow("damaged archive")
        << "empty.keras" << QByteArray("PK\x05\x06" + QByteArray(18, '\0')) << "cannot load";
    QTest::newRow("missing") << "missing.keras" << QByteArray() << "no such file";
}

void TestProject::refusedImportLeavesTheProjectUnchanged() {
    QFETCH(QString, file);
    QFETCH(QByteArray, content);
    QFETCH(QString, message);
    const QString path = m_dir.filePath(file);
    if (!content.isEmpty()) {
        QFile out(path);
        QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Truncate));
        out.write(content);
    }
    const std::vector<keras::Layer> before = layers();
    const CompileSettings compile = document().compileSettings();
    const int undoCount = document().undoStack()->count();

    const std::optional<QString> refused = import(path);
    QVERIFY(refused);
    QVERIFY2(refused->contains(message), qPrintable(*refused));
    QVERIFY2(refused->contains(file), qPrintable(*refused)); // a file error names the file
    QVERIFY(layers() == before);
    QCOMPARE(document().compileSettings(), compile);
    QCOMPARE(document().undoStack()->count(), undoCount);
    // The user is told, in a box of its own; no command failed, so no error-recovery dialog.
    QMessageBox* box = nullptr;
    for (QMessageBox* b : m_ide.window->findChildren<QMessageBox*>()) {
        if (b->isVisible() && b->informativeText().isEmpty() && b->text() == *refused)
            box = b;
    }
    QVERIFY(box);
    QVERIFY(box->windowTitle().contains(file));
    box->close();
    QVERIFY(!m_ide.window->errorPolicy().openDialog());
    QCOMPARE(python(QStringLiteral("1 + 1")), Value(2));
}

QTEST_MAIN(TestProject)
#include "tst_project.moc"
