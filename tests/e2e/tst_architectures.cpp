// SPDX-License-Identifier: GPL-3.0-or-later
// keras.io architectures built from C++ objects (examples/kerasio.cpp) against the same models
// written in plain Python in the worker (issue 12): parameter counts, and layer by layer where
// the Python uses only built-in layers. Calls of layers on several tensors with keyword
// arguments, dict inputs and outputs trained on dicts, keras.ops in a graph, shared layers and
// applications as blocks, and exported scripts of such graphs run by plain Python.
#include "bridge/keras/keras.h"
#include "bridge/session/session.h"
#include "examples/kerasio.h"
#include "support/testsupport.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <functional>
#include <random>

using namespace qk;
namespace K = qk::keras;
namespace E = qk::examples;
using qk::test::await;
using qk::test::waitFinished;

namespace {

using Builder = std::function<K::Model(Session&)>;

// Building ResNet50 twice takes a while on a loaded machine.
constexpr int slowMs = 600000;

// Each layer's class, output shape and parameters, and the totals.
QStringList structure(const K::ModelInfo& info) {
    QStringList lines;
    for (const K::LayerInfo& layer : info.layers)
        lines << QStringLiteral("%1 %2 %3")
                     .arg(layer.className, layer.outputShapeText())
                     .arg(layer.params);
    return lines;
}

// The keras.io code of each architecture, as written there (sizes as in the C++ builders);
// it leaves the model in `model`.
const char* const mnistPython = R"py(
num_classes = 10
input_shape = (28, 28, 1)
model = keras.Sequential(
    [
        keras.Input(shape=input_shape),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ]
)
)py";

const char* const bidirectionalPython = R"py(
max_features = 20000
inputs = keras.Input(shape=(None,), dtype="int32")
x = layers.Embedding(max_features, 128)(inputs)
x = layers.Bidirectional(layers.LSTM(64, return_sequences=True))(x)
x = layers.Bidirectional(layers.LSTM(64))(x)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
)py";

const char* const transformerPython = R"py(
class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
        super().__init__()
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential(
            [layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim),]
        )
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs):
        attn_output = self.att(inputs, inputs)
        attn_output = self.dropout1(attn_output)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output)
        return self.layernorm2(out1 + ffn_output)

class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim):
        super().__init__()
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        maxlen = ops.shape(x)[-1]
        positions = ops.arange(start=0, stop=maxlen, step=1)
        positions = self.pos_emb(positions)
        x = self.token_emb(x)
        return x + positions

vocab_size = 20000
maxlen = 200
embed_dim = 32
num_heads = 2
ff_dim = 32
inputs = layers.Input(shape=(maxlen,))
embedding_layer = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)
x = embedding_layer(inputs)
transformer_block = TransformerBlock(embed_dim, num_heads, ff_dim)
x = transformer_block(x)
x = layers.GlobalAveragePooling1D()(x)
x = layers.Dropout(0.1)(x)
x = layers.Dense(20, activation="relu")(x)
x = layers.Dropout(0.1)(x)
outputs = layers.Dense(2, activation="softmax")(x)
model = keras.Model(inputs=inputs, outputs=outputs)
)py";

const char* const ticketPython = R"py(
num_words = 10000
num_departments = 4
title_input = keras.Input(shape=(None,), name="title")
body_input = keras.Input(shape=(None,), name="body")
title_features = layers.Embedding(num_words, 64)(title_input)
body_features = layers.Embedding(num_words, 64)(body_input)
title_features = layers.LSTM(128)(title_features)
body_features = layers.LSTM(32)(body_features)
x = layers.concatenate([title_features, body_features])
priority_pred = layers.Dense(1, name="priority")(x)
department_pred = layers.Dense(num_departments, name="department")(x)
model = keras.Model(
    inputs={"title": title_input, "body": body_input},
    outputs={"priority": priority_pred, "department": department_pred},
)
)py";

const char* const timeseriesPython = R"py(
def make_model(input_shape):
    input_layer = keras.layers.Input(input_shape)
    conv1 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(input_layer)
    conv1 = keras.layers.BatchNormalization()(conv1)
    conv1 = keras.layers.ReLU()(conv1)
    conv2 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(conv1)
    conv2 = keras.layers.BatchNormalization()(conv2)
    conv2 = keras.layers.ReLU()(conv2)
    conv3 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(conv2)
    conv3 = keras.layers.BatchNormalization()(conv3)
    conv3 = keras.layers.ReLU()(conv3)
    gap = keras.layers.GlobalAveragePooling1D()(conv3)
    output_layer = keras.layers.Dense(2, activation="softmax")(gap)
    return keras.models.Model(inputs=input_layer, outputs=output_layer)

model = make_model(input_shape=(500, 1))
)py";

const char* const mobileNetBlockPython = R"py(
inputs = keras.Input(shape=(96, 96, 3))
x = layers.Rescaling(1.0 / 127.5, offset=-1)(inputs)
x = keras.applications.MobileNetV2(include_top=False, weights=None, input_shape=(96, 96, 3))(x)
x = layers.GlobalAveragePooling2D()(x)
x = layers.Dropout(0.2)(x)
outputs = layers.Dense(10)(x)
model = keras.Model(inputs, outputs)
)py";

const char* const transferPython = R"py(
base_model = keras.applications.MobileNetV2(
    alpha=0.35, include_top=False, weights=None, input_shape=(32, 32, 3)
)
base_model.trainable = False
inputs = keras.Input(shape=(32, 32, 3))
x = base_model(inputs, training=False)
x = keras.layers.GlobalAveragePooling2D()(x)
outputs = keras.layers.Dense(1)(x)
model = keras.Model(inputs, outputs)
)py";

const char* const blocksPython = R"py(
encoder = keras.Sequential([layers.Dense(8, activation="relu")], name="encoder")
inner = keras.Input(shape=(8,))
head = keras.Model(inner, layers.Dense(3)(inner), name="head")
inputs = keras.Input(shape=(6,))
model = keras.Model(inputs, head(layers.Dropout(0.1)(encoder(inputs))))
)py";

const char* const siamesePython = R"py(
left = keras.Input(shape=(16,), name="left")
right = keras.Input(shape=(16,), name="right")
encoder = layers.Dense(8, activation="relu")
difference = encoder(left) - encoder(right)
distance = ops.sqrt(ops.sum(ops.square(difference), axis=1, keepdims=True))
model = keras.Model([left, right], distance)
)py";

NdArray randomArray(DType dtype, std::vector<std::int64_t> shape, int high, unsigned seed) {
    std::int64_t size = 1;
    for (const std::int64_t d : shape)
        size *= d;
    std::mt19937 random(seed);
    if (dtype == DType::Float32) {
        std::vector<float> values(static_cast<std::size_t>(size));
        std::uniform_real_distribution<float> uniform(0, static_cast<float>(high));
        for (float& v : values)
            v = uniform(random);
        return NdArray::fromVector(values, std::move(shape));
    }
    std::vector<std::int32_t> values(static_cast<std::size_t>(size));
    std::uniform_int_distribution<std::int32_t> uniform(0, high - 1);
    for (std::int32_t& v : values)
        v = uniform(random);
    return NdArray::fromVector(values, std::move(shape));
}

// One call of a layer that gives two tensors, both outputs of the model.
K::Model attentionScores(Session& session) {
    const K::Tensor x = K::Input(session, {5, 4});
    const K::Tensor both =
        K::MultiHeadAttention(1, 2).call({x, x}, {{"return_attention_scores", true}});
    return K::Model(x, {both[0], both[1]});
}

// Layers named as Python would not name a variable, or as the exported script's own names.
K::Model oddNames(Session& session) {
    const K::Tensor x = K::Input(session, {3}, {.name = "model"});
    K::Tensor y = K::Dense(4).name("class")(x);
    y = K::Dense(4).name("my-layer")(y);
    y = K::Dense(4).name("1st")(y);
    y = K::Dense(4).name("print")(y);
    return K::Model(x, K::Dense(2).name("keras")(y), QStringLiteral("json"));
}

// Two models used as blocks of a third: a Sequential encoder and a functional head.
K::Model withBlocks(Session& session) {
    K::Sequential encoder(session, QStringLiteral("encoder"));
    encoder.add(K::Dense(8).activation("relu"));
    const K::Tensor inner = K::Input(session, {8});
    K::Model head(inner, K::Dense(3)(inner), QStringLiteral("head"));
    const K::Tensor inputs = K::Input(session, {6});
    return K::Model(inputs, head(K::Dropout(0.1)(encoder(inputs))));
}

} // namespace

Q_DECLARE_METATYPE(Builder)

class TestArchitectures : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void parameterCountsEqualPython_data();
    void parameterCountsEqualPython();
    void inputTakesDtypeBatchSizeAndName();
    void attentionTakesKeyMaskAndTraining();
    void frozenBlockKeepsItsWeightsWhileTheHeadLearns();
    void blockOfTheWrongShapeIsNamed();
    void dictModelTrainsOnDicts();
    void exportedGraphsRunWithPlainPython_data();
    void exportedGraphsRunWithPlainPython();
    void loadedModelsExportAsScriptsThatRebuildThem_data();
    void loadedModelsExportAsScriptsThatRebuildThem();
    void loadedCustomLayerIsNamedAsWhatAScriptCannotWrite();
    void loadedModelAsABlockExportsWithTheGraph();
    void scheduleDrivesTheLearningRate();
    void constraintHoldsTheWeights();
    void callsWithoutTensorsAreRefused();

private:
    K::ModelInfo python(const QString& code);

    std::unique_ptr<Session> m_session;
};

void TestArchitectures::initTestCase() {
    m_session = std::make_unique<Session>(qk::test::workerOptions());
    QVERIFY2(waitFinished(m_session->ready(), 60000), "the worker did not start");
}

void TestArchitectures::cleanupTestCase() {
    m_session.reset();
}

// The structure of the model that `code` leaves in `model`, run in a namespace of its own so
// that nothing stays behind in the worker.
K::ModelInfo TestArchitectures::python(const QString& code) {
    const QString prelude = QStringLiteral("import keras\nfrom keras import layers, ops\n");
    const py::Expr run = py::Expr::raw(QStringLiteral("lambda namespace: (exec(source, namespace), "
                                                      "namespace['model'])[1]"))
                             .call({Value::Dict{}});
    Command command(QStringLiteral("import qtkeras_worker.model_support as qk\n") +
                    QStringLiteral("qk.info(%1)").arg(run.source()));
    command.bind(QStringLiteral("source"), prelude + code);
    return K::ModelInfo::fromValue(await(m_session->send(std::move(command)), slowMs));
}

void TestArchitectures::parameterCountsEqualPython_data() {
    QTest::addColumn<Builder>("build");
    QTest::addColumn<QString>("code");
    QTest::addColumn<bool>("sameLayers"); // the Python uses built-in layers only
    auto row = [](const char* name, Builder build, const char* code, bool sameLayers) {
        QTest::newRow(name) << build << QString::fromUtf8(code) << sameLayers;
    };
    row("MNIST convnet", E::mnistConvnet, mnistPython, true);
    row("bidirectional LSTM", E::bidirectionalLstm, bidirectionalPython, true);
    row("transformer text classifier", E::transformerClassifier, transformerPython, false);
    row("two inputs, two outputs", E::ticketClassifier, ticketPython, true);
    row("Conv1D timeseries classifier", E::timeseriesClassifier, timeseriesPython, true);
    row(
        "MobileNetV2 as a block", [](Session& s) { return E::mobileNetV2Classifier(s); },
        mobileNetBlockPython, true);
    row("shared layer and ops", E::siameseDistance, siamesePython, false);
    row("models as blocks", withBlocks, blocksPython, true);
    row("transfer learning (frozen application)", E::frozenBaseClassifier, transferPython, true);
    row(
        "MobileNetV2", [](Session& s) { return K::Model(s, K::MobileNetV2().weights(nullptr)); },
        "model = keras.applications.MobileNetV2(weights=None)", true);
    row(
        "ResNet50", [](Session& s) { return K::Model(s, K::ResNet50().weights(nullptr)); },
        "model = keras.applications.ResNet50(weights=None)", true);
}

void TestArchitectures::parameterCountsEqualPython() {
    QFETCH(Builder, build);
    QFETCH(QString, code);
    QFETCH(bool, sameLayers);
    const K::Model model = build(*m_session);
    const K::ModelInfo cpp = await(model.info(), slowMs);
    const K::ModelInfo expected = python(code);
    qInfo("%s: %lld parameters from C++, %lld from Python", QTest::currentDataTag(),
          static_cast<long long>(cpp.totalParams), static_cast<long long>(expected.totalParams));
    QVERIFY(cpp.totalParams > 0);
    QCOMPARE(cpp.totalParams, expected.totalParams);
    QCOMPARE(cpp.trainableParams, expected.trainableParams);
    QCOMPARE(cpp.nonTrainableParams, expected.nonTrainableParams);
    QCOMPARE(K::shapeText(cpp.outputShape), K::shapeText(expected.outputShape));
    if (sameLayers)
        QCOMPARE(structure(cpp), structure(expected));
}

// keras.Input's options reach Keras: the tensor's dtype, its fixed batch size and name.
void TestArchitectures::inputTakesDtypeBatchSizeAndName() {
    const K::Tensor tokens =
        K::Input(*m_session, {5}, {.name = "tokens", .dtype = "int32", .batchSize = 2});
    QCOMPARE(await(tokens.shape()), Value(Value::List{2, 5}));
    const Value seen = await(m_session->send(
        Command(QStringLiteral("(str(%1.dtype), %1.name)").arg(tokens.variable()))));
    QCOMPARE(seen.items().at(0).toString(), QStringLiteral("int32"));
    QCOMPARE(seen.items().at(1).toString(), QStringLiteral("tokens"));
}

// MultiHeadAttention called on query, value and key, with attention_mask, training and
// return_attention_scores: the mask decides which values each query attends to (their
// scores are 0 elsewhere), and the scores come back as the second of two outputs.
void TestArchitectures::attentionTakesKeyMaskAndTraining() {
    const K::Tensor query = K::Input(*m_session, {4, 8}, {.name = "query"});
    const K::Tensor value = K::Input(*m_session, {6, 8}, {.name = "value"});
    const K::Tensor mask = K::Input(*m_session, {4, 6}, {.name = "mask", .dtype = "bool"});
    const K::Tensor both = K::MultiHeadAttention(2, 4)
                               .name("attention")
                               .call({query, value, value}, {{"attention_mask", mask},
                                                             {"training", false},
                                                             {"return_attention_scores", true}});
    QCOMPARE(await(both[0].shape()), Value(Value::List{Value(), 4, 8}));
    const K::Tensors inputs{{"query", query}, {"value", value}, {"mask", mask}};
    K::Model attended(inputs, both[0]);
    K::Model scores(inputs, both[1]);
    QCOMPARE(await(attended.created()).totalParams, 3 * (8 * 2 * 4 + 2 * 4) + (2 * 4 * 8 + 8));

    const NdArray q = randomArray(DType::Float32, {2, 4, 8}, 1, 1);
    const NdArray v = randomArray(DType::Float32, {2, 6, 8}, 1, 2);
    std::vector<bool> open(2 * 4 * 6, true);
    std::vector<bool> half(2 * 4 * 6);
    for (std::size_t i = 0; i < half.size(); ++i)
        half[i] = i % 6 < 3; // each query sees the first three values only
    auto data = [&](const std::vector<bool>& m) {
        return Value::dict(
            {{"query", q}, {"value", v}, {"mask", NdArray::fromVector(m, {2, 4, 6})}});
    };
    const NdArray weights = await(scores.predict(data(half)));
    QCOMPARE(weights.shape(), (std::vector<std::int64_t>{2, 2, 4, 6}));
    for (std::int64_t i = 0; i < 2 * 2 * 4 * 6; ++i) {
        if (i % 6 < 3)
            QVERIFY(weights.valueAt(i) > 0);
        else
            QCOMPARE(weights.valueAt(i), 0.0);
    }
    const NdArray seeingAll = await(attended.predict(data(open)));
    const NdArray seeingHalf = await(attended.predict(data(half)));
    QCOMPARE(seeingAll.shape(), (std::vector<std::int64_t>{2, 4, 8}));
    QVERIFY2(seeingAll.bytes() != seeingHalf.bytes(), "the attention mask had no effect");
}

// A functional model used as a block of another and frozen: training the larger model
// changes its head but not the block, which still gives the same outputs.
void TestArchitectures::frozenBlockKeepsItsWeightsWhileTheHeadLearns() {
    const K::Tensor features = K::Input(*m_session, {4});
    K::Model block(features, K::Dense(3).activation("tanh")(features), QStringLiteral("features"));
    const K::ModelInfo frozen = await(block.setTrainable(false));
    QCOMPARE(frozen.trainableParams, 0);
    QCOMPARE(frozen.nonTrainableParams, 4 * 3 + 3);

    const K::Tensor inputs = K::Input(*m_session, {4});
    K::Model model(inputs, K::Dense(1)(block(inputs)));
    const K::ModelInfo info = await(model.created());
    QCOMPARE(info.trainableParams, 3 + 1);
    QCOMPARE(info.nonTrainableParams, 4 * 3 + 3);
    QCOMPARE(info.layers.at(1).className, QStringLiteral("Functional"));
    QCOMPARE(info.layers.at(1).name, QStringLiteral("features"));

    const NdArray x = randomArray(DType::Float32, {64, 4}, 1, 9);
    const NdArray y = randomArray(DType::Float32, {64, 1}, 1, 10);
    const NdArray blockBefore = await(block.predict(x));
    const NdArray modelBefore = await(model.predict(x));
    model.compile("mse", K::SGD().learningRate(0.1));
    await(model.fit(x, y, {.epochs = 3, .batchSize = 16}).future());
    QCOMPARE(await(block.predict(x)).bytes(), blockBefore.bytes());
    QVERIFY2(await(model.predict(x)).bytes() != modelBefore.bytes(), "the head did not learn");

    // The exported script makes the block once, frozen, and calls it.
    const QString script = model.exportScript();
    for (const char* line : {"block_1 = keras.Model(input_1, x1, name='features')",
                             "block_1.trainable = False", "x2 = block_1(inputs)"})
        QVERIFY2(script.contains(QLatin1String(line)), qPrintable(script));
}

// A model called on a tensor it does not fit fails with an error that names the model.
void TestArchitectures::blockOfTheWrongShapeIsNamed() {
    const K::Tensor inner = K::Input(*m_session, {8});
    const K::Model head(inner, K::Dense(3)(inner), QStringLiteral("head"));
    const K::Tensor tooNarrow = K::Input(*m_session, {5});
    const K::Tensor out = head(tooNarrow);
    QVERIFY(out.variable().startsWith(QStringLiteral("head_")));
    const QString message = qk::test::errorMessage(out.shape());
    QVERIFY2(message.contains(QStringLiteral("'head'")), qPrintable(message));
}

// The two-input, two-output model takes dicts of arrays keyed by its input and output names,
// and a dict of losses, and trains.
void TestArchitectures::dictModelTrainsOnDicts() {
    K::Model model = E::ticketClassifier(*m_session);
    model.compile(
        K::Argument::dict({{"priority", K::BinaryCrossentropy().fromLogits(true)},
                           {"department", K::CategoricalCrossentropy().fromLogits(true)}}),
        K::Adam().learningRate(0.01));
    std::vector<float> departments(32 * 4, 0.0f);
    for (int i = 0; i < 32; ++i)
        departments[static_cast<std::size_t>(i * 4 + i % 4)] = 1.0f;
    const Value x = Value::dict({{"title", randomArray(DType::Int32, {32, 10}, 10000, 3)},
                                 {"body", randomArray(DType::Int32, {32, 20}, 10000, 4)}});
    const Value y = Value::dict({{"priority", randomArray(DType::Float32, {32, 1}, 1, 5)},
                                 {"department", NdArray::fromVector(departments, {32, 4})}});
    const auto history = await(model.fit(x, y, {.epochs = 3, .batchSize = 8}).future());
    QCOMPARE(history->epochCount(), 3);
    for (const char* metric : {"loss", "priority_loss", "department_loss"})
        QVERIFY2(history->metricNames().contains(QLatin1String(metric)),
                 qPrintable(history->metricNames().join(u' ')));
    const QList<double> loss = history->series(QStringLiteral("loss"));
    QVERIFY2(loss.back() < loss.front(), "the loss did not fall on 32 samples");
    const K::Scores scores = await(model.evaluate(x, y));
    QVERIFY(scores.contains(QStringLiteral("department_loss")));
    const Value predicted = await(model.predictOutputs(x));
    QCOMPARE(predicted[QStringLiteral("priority")].toArray().shape(),
             (std::vector<std::int64_t>{32, 1}));
    QCOMPARE(predicted[QStringLiteral("department")].toArray().shape(),
             (std::vector<std::int64_t>{32, 4}));

    // The exported script embeds the dicts and trains the same graph.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("tickets.py"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(model.exportScript({.epochs = 1}).toUtf8());
    file.close();
    const qk::test::ScriptRun run = qk::test::runPythonScript(path, dir.path());
    QVERIFY2(run.exitCode == 0, run.standardError.constData());
    QCOMPARE(run.lastLine.value(QStringLiteral("total_params")).toInteger(),
             await(model.info()).totalParams);
    QVERIFY(run.lastLine.contains(QStringLiteral("department_loss")));
}

void TestArchitectures::exportedGraphsRunWithPlainPython_data() {
    QTest::addColumn<Builder>("build");
    QTest::newRow("transformer (ops, attention)") << Builder(E::transformerClassifier);
    QTest::newRow("siamese (shared layer)") << Builder(E::siameseDistance);
    QTest::newRow("models as blocks") << Builder(withBlocks);
    QTest::newRow("frozen application as a block") << Builder(E::frozenBaseClassifier);
    QTest::newRow("attention scores") << Builder(attentionScores);
}

void TestArchitectures::exportedGraphsRunWithPlainPython() {
    QFETCH(Builder, build);
    const K::Model model = build(*m_session);
    const K::ModelInfo info = await(model.created());
    const QString script = model.exportScript();
    QVERIFY(!script.contains(QStringLiteral("qk.")));
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("model.py"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(script.toUtf8());
    file.close();
    const qk::test::ScriptRun run = qk::test::runPythonScript(path, dir.path());
    QVERIFY2(run.exitCode == 0, qPrintable(script + QString::fromUtf8(run.standardError)));
    QCOMPARE(run.lastLine.value(QStringLiteral("total_params")).toInteger(), info.totalParams);
    QCOMPARE(run.lastLine.value(QStringLiteral("trainable_params")).toInteger(),
             info.trainableParams);
}

void TestArchitectures::loadedModelsExportAsScriptsThatRebuildThem_data() {
    QTest::addColumn<Builder>("build");
    QTest::addColumn<QString>("x"); // the inputs to predict on, in Python
    const auto row = [](const char* tag, Builder build, const char* x) {
        QTest::newRow(tag) << build << QString::fromUtf8(x);
    };
    row("MNIST convnet (Sequential)", E::mnistConvnet,
        "np.linspace(0, 1, 2 * 28 * 28, dtype='float32').reshape(2, 28, 28, 1)");
    row("bidirectional LSTM (a layer as an argument)", E::bidirectionalLstm,
        "np.arange(24).reshape(2, 12) * 37 % 20000");
    row("transformer (ops, attention)", E::transformerClassifier,
        "np.arange(400).reshape(2, 200) * 7 % 20000");
    row("ticket classifier (dicts in and out)", E::ticketClassifier,
        "{'title': np.arange(20).reshape(2, 10) % 97, 'body': np.arange(30).reshape(2, 15) % 89}");
    row("siamese (shared layer)", E::siameseDistance,
        "[np.linspace(0, 1, 32, dtype='float32').reshape(2, 16), "
        "np.linspace(1, 0, 32, dtype='float32').reshape(2, 16)]");
    row("models as blocks", withBlocks, "np.linspace(-1, 1, 12, dtype='float32').reshape(2, 6)");
    row("frozen application as a block", E::frozenBaseClassifier,
        "np.linspace(0, 1, 2 * 32 * 32 * 3, dtype='float32').reshape(2, 32, 32, 3)");
    row("attention scores (one call, two outputs)", attentionScores,
        "np.linspace(-1, 1, 40, dtype='float32').reshape(2, 5, 4)");
    row("names that are keywords or the script's own", oddNames,
        "np.linspace(-1, 1, 6, dtype='float32').reshape(2, 3)");
}

// A model saved to a .keras file and loaded exports as a script of plain constructor calls
// that rebuilds the same graph: the same parameters, and with the saved weights, the same
// predictions.
void TestArchitectures::loadedModelsExportAsScriptsThatRebuildThem() {
    QFETCH(Builder, build);
    QFETCH(QString, x);
    QTemporaryDir dir;
    {
        const K::Model built = build(*m_session);
        await(built.created(), slowMs);
        await(built.save(dir.filePath(QStringLiteral("saved.keras"))));
    }
    const K::Model loaded = K::Model::load(*m_session, dir.filePath(QStringLiteral("saved.keras")));
    const K::ModelInfo info = await(loaded.created(), slowMs);
    await(loaded.saveWeights(dir.filePath(QStringLiteral("saved.weights.h5"))));

    QVERIFY(!loaded.exportScript().contains(QStringLiteral("load_weights")));
    // Weights the model loaded are loaded by its script too, unless the options name others.
    const QString weights = dir.filePath(QStringLiteral("saved.weights.h5"));
    await(K::Model(loaded).loadWeights(weights));
    QVERIFY(
        loaded.exportScript().contains(QStringLiteral("model.load_weights('%1')").arg(weights)));
    QString script = loaded.exportScript({.weights = QStringLiteral("saved.weights.h5")});
    QVERIFY(!script.contains(weights));
    for (const char* part : {"keras.layers.", "model.load_weights('saved.weights.h5')"})
        QVERIFY2(script.contains(QLatin1String(part)), qPrintable(script));
    // Every layer by its constructor, none from a config dict.
    QVERIFY2(!script.contains(QLatin1String("deserialize_keras_object")), qPrintable(script));
    QVERIFY(!script.contains(loaded.variable()));

    // Every output, flattened, as the loaded model and the script's model predict it.
    const QString flat =
        QStringLiteral("np.concatenate([np.ravel(np.asarray(a)) for a in keras.tree.flatten(%1)])");
    const NdArray expected =
        await(m_session->send(Command(
                  QStringLiteral("import numpy as np\nimport keras\n") +
                  flat.arg(QStringLiteral("%1.predict(%2, verbose=0)").arg(loaded.variable(), x)))))
            .toArray();
    script += QStringLiteral("x = %1\nprint(json.dumps({\"total_params\": model.count_params(), "
                             "\"trainable_params\": trainable, \"predicted\": %2.tolist()}))\n")
                  .arg(x, flat.arg(QStringLiteral("model.predict(x, verbose=0)")));
    const QString path = dir.filePath(QStringLiteral("rebuild.py"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(script.toUtf8());
    file.close();
    const qk::test::ScriptRun run = qk::test::runPythonScript(path, dir.path(), slowMs);
    QVERIFY2(run.exitCode == 0, qPrintable(script + QString::fromUtf8(run.standardError)));
    QCOMPARE(run.lastLine.value(QStringLiteral("total_params")).toInteger(), info.totalParams);
    QCOMPARE(run.lastLine.value(QStringLiteral("trainable_params")).toInteger(),
             info.trainableParams);
    const QJsonArray predicted = run.lastLine.value(QStringLiteral("predicted")).toArray();
    QCOMPARE(predicted.size(), qsizetype(expected.size()));
    for (qsizetype i = 0; i < predicted.size(); ++i) {
        const double want = expected.valueAt(i);
        QVERIFY2(std::abs(predicted[i].toDouble() - want) <= 1e-4 * (1 + std::abs(want)),
                 qPrintable(QStringLiteral("output %1: %2 from the script, %3 loaded")
                                .arg(i)
                                .arg(predicted[i].toDouble())
                                .arg(want)));
    }
}

// A layer class of the user's own cannot be written as plain Keras: the export says which.
void TestArchitectures::loadedCustomLayerIsNamedAsWhatAScriptCannotWrite() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("custom.keras"));
    Command save(QStringLiteral("exec(source, {'path': path})"));
    save.bind(QStringLiteral("source"), QStringLiteral(R"py(
import keras

@keras.saving.register_keras_serializable(package="qtkeras_tests")
class Doubling(keras.layers.Layer):
    def call(self, x):
        return x * 2.0

inputs = keras.Input((3,))
keras.Model(inputs, keras.layers.Dense(2)(Doubling(name="twice")(inputs))).save(path)
)py"));
    save.bind(QStringLiteral("path"), path);
    await(m_session->send(std::move(save)));
    const K::Model loaded = K::Model::load(*m_session, path);
    QCOMPARE(await(loaded.created()).totalParams, 3 * 2 + 2);
    try {
        loaded.exportScript();
        QFAIL("a model with a custom layer was exported");
    } catch (const std::logic_error& e) {
        const QString message = QString::fromUtf8(e.what());
        QVERIFY2(message.contains(QLatin1String("'twice'")) &&
                     message.contains(QLatin1String("Doubling")),
                 qPrintable(message));
    }
}

// A model loaded from a file and called as a block of a new graph: the new graph's script
// builds the loaded model first, from what the worker read, and calls it.
void TestArchitectures::loadedModelAsABlockExportsWithTheGraph() {
    QTemporaryDir dir;
    const QString saved = dir.filePath(QStringLiteral("encoder.keras"));
    {
        const K::Tensor features = K::Input(*m_session, {6});
        const K::Model encoder(features, K::Dense(4).activation("relu")(features),
                               QStringLiteral("encoder"));
        await(encoder.save(saved));
    }
    const K::Model encoder = K::Model::load(*m_session, saved);
    await(encoder.created());
    const K::Tensor inputs = K::Input(*m_session, {6});
    const K::Model model(inputs, K::Dense(1)(encoder(inputs)));
    const K::ModelInfo info = await(model.created());
    QCOMPARE(info.totalParams, 6 * 4 + 4 + 4 + 1);

    const QString script = model.exportScript();
    for (const char* part : {"block_1 = keras.Model(", "name='encoder'", "= block_1(inputs)"})
        QVERIFY2(script.contains(QLatin1String(part)), qPrintable(script));
    const QString path = dir.filePath(QStringLiteral("model.py"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(script.toUtf8());
    file.close();
    const qk::test::ScriptRun run = qk::test::runPythonScript(path, dir.path());
    QVERIFY2(run.exitCode == 0, qPrintable(script + QString::fromUtf8(run.standardError)));
    QCOMPARE(run.lastLine.value(QStringLiteral("total_params")).toInteger(), info.totalParams);
}

// An optimizer's learning rate given as a schedule follows it while training: after six
// steps of ExponentialDecay(0.1, 10, 0.5), it is 0.1 * 0.5 ** 0.6.
void TestArchitectures::scheduleDrivesTheLearningRate() {
    K::Sequential model(*m_session);
    model.add(K::InputLayer({4}));
    model.add(K::Dense(3).activation("softmax"));
    model.compile("categorical_crossentropy",
                  K::SGD().learningRate(K::ExponentialDecay(0.1, 10, 0.5)));
    const NdArray x = randomArray(DType::Float32, {120, 4}, 1, 6);
    std::vector<float> labels(120 * 3, 0.0f);
    for (int i = 0; i < 120; ++i)
        labels[static_cast<std::size_t>(i * 3 + i % 3)] = 1.0f;
    await(model.fit(x, NdArray::fromVector(labels, {120, 3}), {.epochs = 2, .batchSize = 40})
              .future());
    const double rate =
        await(m_session->run(
                  QStringLiteral("float(%1.optimizer.learning_rate)").arg(model.variable())))
            .toDouble();
    QVERIFY2(std::abs(rate - 0.1 * std::pow(0.5, 0.6)) < 1e-6, qPrintable(QString::number(rate)));
}

// A kernel constraint holds the weights it constrains after training: every unit's incoming
// weights have a norm of at most 0.5 under MaxNorm(0.5).
void TestArchitectures::constraintHoldsTheWeights() {
    // Seeded: with an unlucky draw every unit's outgoing weight is negative (about 1 in 256),
    // training then shrinks every column below the bound and the test could not tell whether
    // the constraint acted.
    await(m_session->run(QStringLiteral("import keras\nkeras.utils.set_random_seed(1)")));
    K::Sequential model(*m_session);
    model.add(K::InputLayer({4}));
    model.add(K::Dense(8).kernelConstraint(K::MaxNorm(0.5)).kernelInitializer("ones").name("held"));
    model.add(K::Dense(1));
    model.compile("mse", K::SGD().learningRate(0.1));
    const NdArray x = randomArray(DType::Float32, {64, 4}, 1, 7);
    const NdArray y = randomArray(DType::Float32, {64, 1}, 10, 8);
    await(model.fit(x, y, {.epochs = 2}).future());
    const double largest =
        await(m_session->run(QStringLiteral("import numpy as np\n"
                                            "w = %1.get_layer('held').kernel.numpy()\n"
                                            "float(np.sqrt((w ** 2).sum(axis=0)).max())")
                                 .arg(model.variable())))
            .toDouble();
    QVERIFY2(largest <= 0.5 + 1e-5, qPrintable(QString::number(largest)));
    QVERIFY(largest > 0.4); // the constraint acted on weights that started at norm 2
}

void TestArchitectures::callsWithoutTensorsAreRefused() {
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, K::Dense(2).call({1, 2}));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, K::ops::call(QStringLiteral("add"), {1, 2}));
    const K::Tensor range = K::ops::arange(*m_session, 0, 5);
    QCOMPARE(await(range.shape()), Value(Value::List{5}));
}

QTEST_GUILESS_MAIN(TestArchitectures)
#include "tst_architectures.moc"
