// SPDX-License-Identifier: GPL-3.0-or-later
// First-class Keras through the C++ API against the real worker (JAX backend): the paper's iris
// example, live training history, stop training, five architectures against the same models
// written in Python, bad arguments, save and load, and export to a standalone script.
#include "bridge/keras/dataset.h"
#include "bridge/keras/keras.h"
#include "bridge/session/session.h"
#include "examples/irisdemo.h"
#include "support/testsupport.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <mutex>

using namespace qk;
namespace K = qk::keras;
using qk::test::await;
using qk::test::errorMessage;
using qk::test::waitFinished;

namespace {

// The parts of a model's structure that do not depend on naming counters.
QStringList structure(const K::ModelInfo& info) {
    QStringList lines;
    for (const K::LayerInfo& layer : info.layers)
        lines << QStringLiteral("%1 %2 %3")
                     .arg(layer.className, layer.outputShapeText())
                     .arg(layer.params);
    lines << QStringLiteral("total %1 trainable %2 non-trainable %3")
                 .arg(info.totalParams)
                 .arg(info.trainableParams)
                 .arg(info.nonTrainableParams);
    return lines;
}

} // namespace

class TestKeras : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void irisReachesNinetyPercentOnTheHeldOutSplit();
    void historyGrowsWhileFitRunsAndEqualsKerasHistory();
    void stopTrainingKeepsTheWeights();
    void smallCnnMatchesPython();
    void embeddingLstmMatchesPython();
    void mlpWithDropoutAndBatchNormMatchesPython();
    void twoBranchFunctionalModelMatchesPython();
    void conv1dNetMatchesPython();
    void badArgumentsGiveClearErrorsAndLeaveNothingBehind_data();
    void badArgumentsGiveClearErrorsAndLeaveNothingBehind();
    void incompatibleFunctionalShapesNameTheLayer();
    void saveAndLoadKeepTheModel();
    void exportedScriptsRunWithPlainPython();
    void commandsReadAsPlainKeras();
    void droppedModelServesTheCommandsSentBeforeIt();

private:
    void compareWithPython(const K::Model& model, const QString& pythonModel);
    // Worker variables that exist now and did not exist in `before`. Variables released by
    // earlier tests may still be going away, so tests compare sets rather than counts.
    QStringList variableNames();
    QStringList newVariables(const QStringList& before);

    std::unique_ptr<Session> m_session;
    K::PreparedData m_iris;
};

void TestKeras::initTestCase() {
    m_session = std::make_unique<Session>(qk::test::workerOptions());
    QVERIFY2(waitFinished(m_session->ready(), 60000), "the worker did not start");
    K::PrepareOptions prepare;
    prepare.label = QStringLiteral("species");
    prepare.seed = 7;
    m_iris = K::Dataset::iris().prepare(prepare);
    QCOMPARE(m_iris.xTest.shape()[0], 30);
}

void TestKeras::cleanupTestCase() {
    m_session.reset();
}

QStringList TestKeras::variableNames() {
    QStringList names;
    const Value variables = await(m_session->variables());
    for (const Value& variable : variables.items())
        names << variable[QStringLiteral("name")].toString();
    return names;
}

QStringList TestKeras::newVariables(const QStringList& before) {
    QStringList added;
    for (const QString& name : variableNames()) {
        if (!before.contains(name))
            added << name;
    }
    return added;
}

void TestKeras::irisReachesNinetyPercentOnTheHeldOutSplit() {
    QList<int> epochs;
    qk::examples::IrisOptions options;
    options.onEpoch = [&epochs](int epoch, int, const QMap<QString, double>&) { epochs << epoch; };
    const qk::examples::IrisResult result = qk::examples::runIris(*m_session, options);
    qInfo("iris: test accuracy %.3f, test loss %.3f, %d epochs, %.1f s of training",
          result.testAccuracy, result.testLoss, result.epochs, result.trainSeconds);
    QCOMPARE(result.epochs, 100);
    QCOMPARE(epochs.size(), 100);
    QCOMPARE(result.params, 4 * 16 + 16 + 16 * 3 + 3);
    QVERIFY2(result.testAccuracy >= 0.9, qPrintable(QString::number(result.testAccuracy)));
    QVERIFY(result.script.contains(QStringLiteral("model.add(keras.layers.Dense(16))")));
}

void TestKeras::historyGrowsWhileFitRunsAndEqualsKerasHistory() {
    K::Sequential model(*m_session);
    model.add(K::InputLayer({4}));
    model.add(K::Dense(8).activation("relu"));
    model.add(K::Dense(3).activation("softmax"));
    model.compile("categorical_crossentropy", K::SGD().learningRate(0.05).momentum(0.9),
                  {"accuracy"});
    K::Training training = model.fit(m_iris.xTrain, m_iris.yTrain,
                                     {.epochs = 6, .batchSize = 1, .validationSplit = 0.25});
    struct Seen {
        int epoch;
        bool fitFinished;
        QMap<QString, double> logs;
    };
    // Each epoch as the session takes it in (on its thread, where fit()'s result settles the
    // future): one that reached it only with the result would find fit() finished. A loaded
    // main thread that runs queued slots late does not count against the history.
    QList<Seen> seen;
    std::mutex seenMutex;
    QObject scope; // the connection ends with the locals it uses
    connect(
        training.history().get(), &K::TrainingHistory::epochEnded, &scope,
        [&](int epoch, const QMap<QString, double>& logs) {
            const bool finished = training.isFinished();
            const std::lock_guard lock(seenMutex);
            seen.append({epoch, finished, logs});
        },
        Qt::DirectConnection);
    QVERIFY(waitFinished(training.future(), 120000));
    QVERIFY(qk::test::waitUntil([&] {
        const std::lock_guard lock(seenMutex);
        return seen.size() == 6;
    }));
    const auto history = training.result();

    QCOMPARE(seen.front().epoch, 1);
    QVERIFY2(!seen.front().fitFinished, "epoch 1 arrived only after fit() had finished");
    for (int k = 0; k < 6; ++k)
        QCOMPARE(seen[k].epoch, k + 1);
    QCOMPARE(history->epochCount(), 6);
    QCOMPARE(history->epochSeconds().size(), 6);
    QVERIFY(history->totalSeconds() > 0);
    QVERIFY(!history->stoppedEarly());
    for (const char* metric : {"loss", "accuracy", "val_loss", "val_accuracy"})
        QVERIFY2(history->metricNames().contains(QLatin1String(metric)), metric);

    // The live logs are the values Keras kept.
    for (int k = 0; k < 6; ++k) {
        for (auto it = seen[k].logs.cbegin(); it != seen[k].logs.cend(); ++it)
            QCOMPARE(it.value(), history->series(it.key()).at(k));
    }
    // And the history is Keras' own History.history.
    const Value keras =
        await(m_session->run(model.variable() + QStringLiteral(".history.history")));
    QCOMPARE(static_cast<int>(keras.toDict().size()), history->toMap().size());
    for (const auto& [key, values] : keras.toDict()) {
        QList<double> expected;
        for (const Value& v : values.items())
            expected << v.toDouble();
        QCOMPARE(history->series(key.toString()), expected);
    }
}

void TestKeras::stopTrainingKeepsTheWeights() {
    K::Sequential model(*m_session);
    model.add(K::InputLayer({4}));
    model.add(K::Dense(16).activation("relu"));
    model.add(K::Dense(3).activation("softmax"));
    model.compile(K::CategoricalCrossentropy(), K::Adam().learningRate(0.01), {"accuracy"});
    K::Training training = model.fit(m_iris.xTrain, m_iris.yTrain, {.epochs = 5000});
    QVERIFY(qk::test::waitUntil(
        [&] {
            return training.isFinished() || (training.history()->epochCount() >= 40 &&
                                             training.history()->last("accuracy") >= 0.9);
        },
        120000));
    QVERIFY(!training.isFinished());
    training.stop();
    QVERIFY(waitFinished(training.future(), 60000));
    const auto history = training.result();
    QVERIFY(history->epochCount() < 5000);
    QVERIFY(history->stoppedEarly());
    const K::Scores scores = await(model.evaluate(m_iris.xTest, m_iris.yTest));
    qInfo("stopped after %d epochs; test accuracy %.3f", history->epochCount(),
          scores.value("accuracy"));
    QVERIFY2(scores.value("accuracy") >= 0.8,
             qPrintable(QString::number(scores.value("accuracy"))));
}

void TestKeras::compareWithPython(const K::Model& model, const QString& pythonModel) {
    const K::ModelInfo cpp = await(model.info());
    const QString variable = Session::freshName();
    const Value python = await(m_session->run(
        QStringLiteral("import keras\n%1 = %2\n"
                       "__import__('qtkeras_worker.model_support', fromlist=['info']).info(%1)")
            .arg(variable, pythonModel)));
    await(m_session->deleteVariables({variable}));
    const K::ModelInfo expected = K::ModelInfo::fromValue(python);
    QVERIFY(cpp.totalParams > 0);
    QCOMPARE(structure(cpp), structure(expected));
}

void TestKeras::smallCnnMatchesPython() {
    K::Sequential model(*m_session);
    model.add(K::InputLayer({28, 28, 1}));
    model.add(K::Conv2D(8, 3).activation("relu"));
    model.add(K::MaxPooling2D(2));
    model.add(K::Conv2D(16, {3, 3}).activation("relu").padding("same"));
    model.add(K::AveragePooling2D({2, 2}));
    model.add(K::Flatten());
    model.add(K::Dropout(0.5));
    model.add(K::Dense(10).activation("softmax"));
    compareWithPython(model,
                      QStringLiteral("keras.Sequential([keras.Input((28, 28, 1)), "
                                     "keras.layers.Conv2D(8, 3, activation='relu'), "
                                     "keras.layers.MaxPooling2D(2), "
                                     "keras.layers.Conv2D(16, (3, 3), activation='relu', "
                                     "padding='same'), keras.layers.AveragePooling2D((2, 2)), "
                                     "keras.layers.Flatten(), keras.layers.Dropout(0.5), "
                                     "keras.layers.Dense(10, activation='softmax')])"));
}

void TestKeras::embeddingLstmMatchesPython() {
    K::Sequential model(*m_session);
    model.add(K::InputLayer({50}).dtype("int32"));
    model.add(K::Embedding(1000, 16));
    model.add(K::Bidirectional(K::LSTM(16).returnSequences(true)));
    model.add(K::GRU(8));
    model.add(K::Dense(1).activation("sigmoid"));
    compareWithPython(model, QStringLiteral("keras.Sequential([keras.Input((50,), dtype='int32'), "
                                            "keras.layers.Embedding(1000, 16), "
                                            "keras.layers.Bidirectional(keras.layers.LSTM(16, "
                                            "return_sequences=True)), keras.layers.GRU(8), "
                                            "keras.layers.Dense(1, activation='sigmoid')])"));
}

void TestKeras::mlpWithDropoutAndBatchNormMatchesPython() {
    K::Sequential model(*m_session);
    model.add(K::InputLayer({20}));
    model.add(K::Dense(64));
    model.add(K::BatchNormalization());
    model.add(K::Activation("relu"));
    model.add(K::Dropout(0.3));
    model.add(K::Dense(32).activation("relu"));
    model.add(K::LayerNormalization());
    model.add(K::Dense(3).activation("softmax"));
    compareWithPython(
        model, QStringLiteral("keras.Sequential([keras.Input((20,)), keras.layers.Dense(64), "
                              "keras.layers.BatchNormalization(), "
                              "keras.layers.Activation('relu'), keras.layers.Dropout(0.3), "
                              "keras.layers.Dense(32, activation='relu'), "
                              "keras.layers.LayerNormalization(), "
                              "keras.layers.Dense(3, activation='softmax')])"));
    const K::ModelInfo info = await(model.info());
    QCOMPARE(info.nonTrainableParams, 128); // BatchNormalization's moving mean and variance
}

void TestKeras::twoBranchFunctionalModelMatchesPython() {
    K::Tensor inputs = K::Input(*m_session, {32});
    K::Tensor a = K::Dense(16).activation("relu")(inputs);
    K::Tensor b = K::Dense(8).activation("tanh")(inputs);
    K::Tensor merged = K::Concatenate()({a, b});
    K::Tensor outputs = K::Dense(4).activation("softmax")(merged);
    K::Model model({inputs}, {outputs}, QStringLiteral("two_branches"));
    QCOMPARE(await(merged.shape()), Value(Value::List{Value(), 24}));
    compareWithPython(model, QStringLiteral("(lambda i: keras.Model(i, keras.layers.Dense(4, "
                                            "activation='softmax')(keras.layers.Concatenate()(["
                                            "keras.layers.Dense(16, activation='relu')(i), "
                                            "keras.layers.Dense(8, activation='tanh')(i)]))))"
                                            "(keras.Input((32,)))"));
    QCOMPARE(await(model.created()).name, QStringLiteral("two_branches"));
}

void TestKeras::conv1dNetMatchesPython() {
    K::Sequential model(*m_session);
    model.add(K::InputLayer({128, 3}));
    model.add(K::Conv1D(16, 5).activation("relu"));
    model.add(K::MaxPooling1D(2));
    model.add(K::Conv1D(32, 3).padding("same").activation("relu"));
    model.add(K::GlobalAveragePooling1D());
    model.add(K::Dense(5).activation("softmax"));
    compareWithPython(
        model, QStringLiteral("keras.Sequential([keras.Input((128, 3)), "
                              "keras.layers.Conv1D(16, 5, activation='relu'), "
                              "keras.layers.MaxPooling1D(2), "
                              "keras.layers.Conv1D(32, 3, padding='same', activation='relu'), "
                              "keras.layers.GlobalAveragePooling1D(), "
                              "keras.layers.Dense(5, activation='softmax')])"));
}

// The bad layers, by row: each fails in the worker with a message naming it.
K::Layer badLayer(int row) {
    switch (row) {
    case 0: // unknown keyword
        return K::Layer(QStringLiteral("Dense"),
                        {{QStringLiteral("units"), 4}, {QStringLiteral("activaton"), "relu"}});
    case 1: // wrong type
        return K::Layer(QStringLiteral("Dense"), {{QStringLiteral("units"), "many"}});
    case 2: // negative units
        return K::Dense(-3);
    case 3: // incompatible shapes
        return K::Reshape({5}).name("bad_reshape");
    default: // wrong rank
        return K::Conv2D(4, 3);
    }
}

void TestKeras::badArgumentsGiveClearErrorsAndLeaveNothingBehind_data() {
    QTest::addColumn<int>("row");
    QTest::addColumn<QStringList>("words");
    QTest::newRow("unknown keyword") << 0 << QStringList{"Dense", "activaton"};
    QTest::newRow("wrong type") << 1 << QStringList{"Dense", "units"};
    QTest::newRow("negative units") << 2 << QStringList{"Dense", "units"};
    QTest::newRow("incompatible shapes") << 3 << QStringList{"bad_reshape", "Reshape"};
    QTest::newRow("wrong rank") << 4 << QStringList{"Conv2D", "ndim"};
}

void TestKeras::badArgumentsGiveClearErrorsAndLeaveNothingBehind() {
    QFETCH(int, row);
    QFETCH(QStringList, words);
    const K::Layer layer = badLayer(row);
    K::Sequential model(*m_session);
    model.add(K::InputLayer({4}));
    const K::ModelInfo before = await(model.add(K::Dense(16)));
    const QStringList variables = variableNames();

    const QString message = errorMessage(model.add(layer));
    QVERIFY2(!message.isEmpty(), "the bad layer was accepted");
    for (const QString& word : words)
        QVERIFY2(message.contains(word), qPrintable(message));
    QVERIFY2(!message.contains(QLatin1Char('\x1b')), qPrintable(message));

    const K::ModelInfo after = await(model.info());
    QCOMPARE(after.layers.size(), before.layers.size());
    QCOMPARE(after.totalParams, before.totalParams);
    QCOMPARE(model.layers().size(), std::size_t{2});
    QCOMPARE(newVariables(variables), QStringList());
    // The model still works.
    QCOMPARE(await(model.add(K::Dense(2))).totalParams, before.totalParams + 34);
}

void TestKeras::incompatibleFunctionalShapesNameTheLayer() {
    const QStringList variables = variableNames();
    {
        K::Tensor a = K::Input(*m_session, {8});
        K::Tensor b = K::Input(*m_session, {16});
        K::Tensor sum = K::Add().name("bad_sum")({a, b});
        const QString message = errorMessage(sum.shape());
        QVERIFY2(message.contains(QStringLiteral("bad_sum")), qPrintable(message));
        QCOMPARE(await(K::Concatenate()({a, b}).shape()), Value(Value::List{Value(), 24}));
    }
    // The tensors' variables are released in a later batch once their last handle is gone.
    QVERIFY2(qk::test::waitUntil([&] { return newVariables(variables).isEmpty(); }),
             qPrintable(newVariables(variables).join(u' ')));
}

void TestKeras::saveAndLoadKeepTheModel() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("iris.keras"));
    K::Sequential model(*m_session);
    model.add(K::InputLayer({4}));
    model.add(K::Dense(5).activation("relu"));
    model.add(K::Dense(3).activation("softmax"));
    model.compile("categorical_crossentropy", "adam", {K::CategoricalAccuracy().name("acc")});
    await(model.fit(m_iris.xTrain, m_iris.yTrain, {.epochs = 2}).future());
    const K::Scores scores = await(model.evaluate(m_iris.xTest, m_iris.yTest));
    await(model.save(path));
    QVERIFY(QFile::exists(path));

    K::Model loaded = K::Model::load(*m_session, path);
    QCOMPARE(await(loaded.created()).totalParams, 5 * 4 + 5 + 5 * 3 + 3);
    const K::Scores again = await(loaded.evaluate(m_iris.xTest, m_iris.yTest));
    QCOMPARE(again.value("acc"), scores.value("acc"));
    const NdArray predictions = await(loaded.predict(m_iris.xTest));
    QCOMPARE(predictions.shape(), (std::vector<std::int64_t>{30, 3}));
    QVERIFY(await(loaded.summary()).contains(QStringLiteral("Total params")));
    QVERIFY(errorMessage(K::Model::load(*m_session, dir.filePath("missing.keras")).created())
                .contains(QStringLiteral("missing.keras")));
    // Written back as the layers it is made of (tst_architectures runs such scripts).
    const QString script = loaded.exportScript();
    for (const char* part : {"model = keras.Sequential(", "model.add(keras.Input(shape=(4,)",
                             "units=5", "activation='softmax'"})
        QVERIFY2(script.contains(QLatin1String(part)), qPrintable(script));
}

void TestKeras::exportedScriptsRunWithPlainPython() {
    K::Sequential sequential(*m_session, QStringLiteral("iris_mlp"));
    sequential.add(K::InputLayer({4}));
    sequential.add(K::Dense(8).activation("relu").kernelRegularizer(
        K::KerasObject(QStringLiteral("keras.regularizers"), QStringLiteral("L2"))
            .addPositional(0.01)));
    sequential.add(K::BatchNormalization());
    sequential.add(K::Dense(3).activation(K::activationFunction(QStringLiteral("softmax"))));
    sequential.compile(K::CategoricalCrossentropy().labelSmoothing(0.1),
                       K::AdamW().learningRate(0.01).weightDecay(0.001), {"accuracy"});
    await(sequential
              .fit(m_iris.xTrain, m_iris.yTrain,
                   {.epochs = 3,
                    .batchSize = 16,
                    .validationData = std::pair<Value, Value>{m_iris.xTest, m_iris.yTest},
                    .callbacks = {K::EarlyStopping().monitor("val_loss").patience(5),
                                  K::ReduceLROnPlateau().factor(0.5).patience(2)}})
              .future());

    K::Tensor inputs = K::Input(*m_session, {4}, QStringLiteral("features"));
    K::Tensor wide = K::Dense(6).activation("relu")(inputs);
    K::Tensor deep = K::Dense(4).activation("relu")(K::Dense(6).activation("relu")(inputs));
    K::Tensor outputs = K::Dense(3).activation("softmax")(K::Concatenate()({wide, deep}));
    K::Model functional({inputs}, {outputs});
    functional.compile(K::CategoricalCrossentropy(), K::RMSprop().rho(0.8), {"accuracy"});
    await(functional.fit(m_iris.xTrain, m_iris.yTrain, {.epochs = 2, .shuffle = true}).future());

    QTemporaryDir dir;
    const std::vector<const K::Model*> models{&sequential, &functional};
    for (const K::Model* model : models) {
        const QString script = model->exportScript({.epochs = 2});
        QVERIFY(script.contains(QStringLiteral("model = keras.")));
        QVERIFY(script.contains(QStringLiteral("x_train = np.array(")));
        QVERIFY(!script.contains(model->variable()));
        const QString path = dir.filePath(Session::freshName() + QStringLiteral(".py"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(script.toUtf8());
        file.close();

        const qk::test::ScriptRun run = qk::test::runPythonScript(path, dir.path());
        QVERIFY(run.finished);
        QVERIFY2(run.exitCode == 0, run.standardError.constData());
        const QJsonObject& result = run.lastLine;
        const K::ModelInfo info = await(model->info());
        QCOMPARE(result.value(QStringLiteral("total_params")).toInteger(), info.totalParams);
        QCOMPARE(result.value(QStringLiteral("epochs")).toInt(), 2);
        QVERIFY(result.contains(QStringLiteral("accuracy")));
    }
}

// What the command queue and the error dialog show: Keras as a person writes it, worker
// variables named for what they hold, the worker's own helpers few and named (issue 12).
void TestKeras::commandsReadAsPlainKeras() {
    QStringList codes;
    const auto connection = connect(&m_session->events(), &SessionEvents::commandChanged, this,
                                    [&codes](const CommandInfo& info) {
                                        if (info.state == CommandState::Succeeded)
                                            codes << info.code;
                                    });
    K::Sequential model(*m_session);
    model.add(K::InputLayer({4}));
    model.add(K::Dense(16).activation("relu"));
    model.add(K::Dense(3).activation("softmax"));
    model.compile(K::CategoricalCrossentropy(), K::Adam().learningRate(0.01), {"accuracy"});
    await(model.fit(m_iris.xTrain, m_iris.yTrain, {.epochs = 2, .batchSize = 16}).future());
    await(model.evaluate(m_iris.xTest, m_iris.yTest));
    K::Tensor inputs = K::Input(*m_session, {4}, {.name = "features"});
    K::Tensor hidden = K::Dense(8).name("hidden")(inputs);
    K::Model functional(inputs, K::Dense(3)(hidden));
    K::Tensor more = K::Input(*m_session, {4}, {.name = "more"});
    K::Model stacked(more, functional(more)); // a model called as a block
    await(stacked.created());
    // The last command's signal reaches this thread after its future has settled.
    QVERIFY(qk::test::waitUntil([&] {
        return std::any_of(codes.cbegin(), codes.cend(), [&](const QString& code) {
            return code.contains(stacked.variable() + QStringLiteral(" = keras.Model("));
        });
    }));
    disconnect(connection);

    const QString all = codes.join(QStringLiteral("\n----\n"));
    qInfo().noquote() << "generated commands:\n" << all;
    QVERIFY2(!all.contains(QStringLiteral("__import__")), qPrintable(all));
    const QString id = QStringLiteral("[a-z][a-z0-9]{24}");
    const QStringList expected{
        QStringLiteral("model_%1 = keras\\.Sequential\\(\\)\nqk\\.info\\(model_%1\\)"),
        QStringLiteral(
            "with qk\\.building\\(model_%1\\): model_%1\\.add\\(keras\\.layers\\.Dense\\("
            "16, activation='relu'\\)\\)\nqk\\.info\\(model_%1\\)"),
        QStringLiteral("model_%1\\.compile\\(loss=keras\\.losses\\.CategoricalCrossentropy\\(\\), "
                       "optimizer=keras\\.optimizers\\.Adam\\(learning_rate=0\\.01\\), "
                       "metrics=\\['accuracy'\\]\\)"),
        QStringLiteral("qk\\.fit\\(model_%1, x_train_%1, y_train_%1, epochs=2, batch_size=16\\)"),
        QStringLiteral("qk\\.evaluate\\(model_%1, x_test_%1, y_test_%1\\)"),
        QStringLiteral("features_%1 = keras\\.Input\\(shape=\\(4,\\), name='features'\\)"),
        QStringLiteral("with qk\\.building\\(\\): hidden_%1 = keras\\.layers\\.Dense\\(8, "
                       "name='hidden'\\)\\(features_%1\\)\nqk\\.shape\\(hidden_%1\\)"),
        QStringLiteral(
            "with qk\\.building\\(\\): dense_%1 = keras\\.layers\\.Dense\\(3\\)\\(hidden_%1\\)"),
        QStringLiteral(
            "model_%1 = keras\\.Model\\(features_%1, dense_%1\\)\nqk\\.info\\(model_%1\\)"),
        QStringLiteral("with qk\\.building\\(\\): block_%1 = model_%1\\(more_%1\\)\n"
                       "qk\\.shape\\(block_%1\\)"),
    };
    for (const QString& pattern : expected) {
        const QRegularExpression re(pattern.arg(id));
        QVERIFY2(re.isValid(), qPrintable(re.errorString()));
        QVERIFY2(re.match(all).hasMatch(), qPrintable(pattern.arg(id)));
    }
    // Every command starts with the imports it uses, and nothing else of the worker's.
    for (const QString& code : codes) {
        if (code.contains(QStringLiteral("qk.")))
            QVERIFY2(code.contains(QStringLiteral("import qtkeras_worker.model_support as qk\n")),
                     qPrintable(code));
    }
}

// A model's last handle goes right after a command that uses it was sent, while a batch is on
// its way (so the command still waits in the outbox): the command finds the model, and the
// model's variable goes after it.
void TestKeras::droppedModelServesTheCommandsSentBeforeIt() {
    for (int round = 0; round < 5; ++round) {
        QString name;
        QFuture<Value> uses;
        {
            K::Sequential model(*m_session);
            model.add(K::InputLayer({3}));
            model.add(K::Dense(2));
            name = model.variable();
            QVERIFY(waitFinished(m_session->run(QStringLiteral("None"))));
            m_session->run(QStringLiteral("import time\ntime.sleep(0.05)"));
            uses = m_session->run(QStringLiteral("%1.count_params()").arg(name));
        }
        QVERIFY(waitFinished(uses));
        QVERIFY2(!qk::test::errorOf(uses), qPrintable(errorMessage(uses)));
        QCOMPARE(uses.result(), Value(3 * 2 + 2));
        QVERIFY2(qk::test::waitUntil([&] { return !variableNames().contains(name); }, 10000),
                 qPrintable(name));
    }
}

QTEST_GUILESS_MAIN(TestKeras)
#include "tst_keras.moc"
