// SPDX-License-Identifier: GPL-3.0-or-later
// The Python that typed Keras objects stand for: only the arguments that were set appear, in
// Keras' snake_case names; nested objects render as nested calls; setters keep the type.
#include "bridge/keras/keras.h"
#include "bridge/keras/modelstate.h"
#include "bridge/keras/worker.h"

#include <QtTest>

namespace K = qk::keras;

Q_DECLARE_METATYPE(qk::keras::KerasObject)

class TestKerasObjects : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void rendersOnlyTheArgumentsSet_data();
    void rendersOnlyTheArgumentsSet();
    void genericLayerEqualsTypedLayer();
    void settingAnArgumentAgainReplacesIt();
    void shapesRejectNegativeSizes();
    void layerRefusesObjectsOfOtherModules();
    void modelInfoReadsTheWorkersDict();
    void commandsAreShownAsPlainKeras();
};

void TestKerasObjects::rendersOnlyTheArgumentsSet_data() {
    QTest::addColumn<K::KerasObject>("object");
    QTest::addColumn<QString>("source");
    auto row = [](const char* name, const K::KerasObject& object, const char* source) {
        QTest::newRow(name) << object << QString::fromUtf8(source);
    };
    row("Dense", K::Dense(16), "keras.layers.Dense(16)");
    row("Dense with options", K::Dense(16).activation("relu").useBias(false).name("hidden"),
        "keras.layers.Dense(16, activation='relu', use_bias=False, name='hidden')");
    row("InputLayer", K::InputLayer({4}), "keras.layers.InputLayer(shape=(4,))");
    row("InputLayer open size", K::InputLayer({std::nullopt, 3}).dtype("int32"),
        "keras.layers.InputLayer(shape=(None, 3), dtype='int32')");
    row("Activation", K::Activation("softmax"), "keras.layers.Activation('softmax')");
    row("Dropout", K::Dropout(0.25).seed(1), "keras.layers.Dropout(0.25, seed=1)");
    row("Flatten", K::Flatten(), "keras.layers.Flatten()");
    row("Reshape", K::Reshape({7, 7, 1}), "keras.layers.Reshape((7, 7, 1))");
    row("Conv2D", K::Conv2D(32, {3, 3}).strides(2).padding("same"),
        "keras.layers.Conv2D(32, (3, 3), strides=2, padding='same')");
    row("Conv1D", K::Conv1D(8, 5), "keras.layers.Conv1D(8, 5)");
    row("MaxPooling2D default", K::MaxPooling2D(), "keras.layers.MaxPooling2D()");
    row("MaxPooling2D size", K::MaxPooling2D(2), "keras.layers.MaxPooling2D(pool_size=2)");
    row("AveragePooling1D", K::AveragePooling1D().strides(1),
        "keras.layers.AveragePooling1D(strides=1)");
    row("GlobalAveragePooling2D", K::GlobalAveragePooling2D(),
        "keras.layers.GlobalAveragePooling2D()");
    row("BatchNormalization", K::BatchNormalization().momentum(0.9),
        "keras.layers.BatchNormalization(momentum=0.9)");
    row("LayerNormalization", K::LayerNormalization(), "keras.layers.LayerNormalization()");
    row("Embedding", K::Embedding(1000, 64).maskZero(true),
        "keras.layers.Embedding(1000, 64, mask_zero=True)");
    row("SimpleRNN", K::SimpleRNN(4), "keras.layers.SimpleRNN(4)");
    row("GRU", K::GRU(8).resetAfter(false), "keras.layers.GRU(8, reset_after=False)");
    row("Bidirectional LSTM", K::Bidirectional(K::LSTM(16).returnSequences(true)),
        "keras.layers.Bidirectional(keras.layers.LSTM(16, return_sequences=True))");
    row("Concatenate", K::Concatenate().axis(-1), "keras.layers.Concatenate(axis=-1)");
    row("SGD", K::SGD(), "keras.optimizers.SGD()");
    row("SGD nesterov", K::SGD().learningRate(0.1).momentum(0.9).nesterov(true),
        "keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True)");
    row("Adam", K::Adam().beta1(0.8), "keras.optimizers.Adam(beta_1=0.8)");
    row("AdamW", K::AdamW().weightDecay(0.01), "keras.optimizers.AdamW(weight_decay=0.01)");
    row("RMSprop", K::RMSprop().rho(0.8).centered(true),
        "keras.optimizers.RMSprop(rho=0.8, centered=True)");
    row("Adagrad", K::Adagrad().initialAccumulatorValue(0.2),
        "keras.optimizers.Adagrad(initial_accumulator_value=0.2)");
    row("loss", K::CategoricalCrossentropy(), "keras.losses.CategoricalCrossentropy()");
    row("loss from logits", K::SparseCategoricalCrossentropy().fromLogits(true),
        "keras.losses.SparseCategoricalCrossentropy(from_logits=True)");
    row("metric", K::TopKCategoricalAccuracy().k(3), "keras.metrics.TopKCategoricalAccuracy(k=3)");
    row("EarlyStopping",
        K::EarlyStopping().monitor("val_loss").patience(3).restoreBestWeights(true),
        "keras.callbacks.EarlyStopping(monitor='val_loss', patience=3, "
        "restore_best_weights=True)");
    row("ReduceLROnPlateau", K::ReduceLROnPlateau().factor(0.5).minLr(1e-05),
        "keras.callbacks.ReduceLROnPlateau(factor=0.5, min_lr=1e-05)");
    row("activation function", K::Dense(3).activation(K::activationFunction("relu")),
        "keras.layers.Dense(3, activation=keras.activations.relu)");
    row("MultiHeadAttention", K::MultiHeadAttention(2, 32).dropout(0.1),
        "keras.layers.MultiHeadAttention(num_heads=2, key_dim=32, dropout=0.1)");
    row("ReLU", K::ReLU(), "keras.layers.ReLU()");
    row("Dot", K::Dot({1, 1}).normalize(true), "keras.layers.Dot(axes=(1, 1), normalize=True)");
    row("TimeDistributed", K::TimeDistributed(K::Dense(4)),
        "keras.layers.TimeDistributed(keras.layers.Dense(4))");
    row("kernel constraint", K::Dense(4).kernelConstraint(K::MaxNorm(2.0).axis(0)),
        "keras.layers.Dense(4, kernel_constraint=keras.constraints.MaxNorm(max_value=2.0, "
        "axis=0))");
    row("NonNeg", K::NonNeg(), "keras.constraints.NonNeg()");
    row("schedule as learning rate",
        K::Adam().learningRate(K::ExponentialDecay(0.01, 1000, 0.9).staircase(true)),
        "keras.optimizers.Adam(learning_rate=keras.optimizers.schedules.ExponentialDecay(0.01, "
        "1000, 0.9, staircase=True))");
    row("PiecewiseConstantDecay", K::PiecewiseConstantDecay({100, 200}, {0.1, 0.01, 0.001}),
        "keras.optimizers.schedules.PiecewiseConstantDecay([100, 200], [0.1, 0.01, 0.001])");
    row("CosineDecay", K::CosineDecay(0.1, 500).warmupSteps(10),
        "keras.optimizers.schedules.CosineDecay(0.1, 500, warmup_steps=10)");
    row("application", K::MobileNetV2().weights(nullptr).includeTop(false).inputShape({96, 96, 3}),
        "keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(96, 96, "
        "3))");
    row("application by name", K::Application("ResNet101").classes(10),
        "keras.applications.ResNet101(classes=10)");
    row("generic loss with options", K::Loss("Huber").name("h").reduction("sum"),
        "keras.losses.Huber(name='h', reduction='sum')");
    row("typed loss keeps its type", K::BinaryCrossentropy().name("bce").labelSmoothing(0.1),
        "keras.losses.BinaryCrossentropy(name='bce', label_smoothing=0.1)");
    row("ModelCheckpoint", K::ModelCheckpoint("best.keras").monitor("val_loss").saveBestOnly(true),
        "keras.callbacks.ModelCheckpoint('best.keras', monitor='val_loss', save_best_only=True)");
    row("None argument", K::Dense(2).arg("bias_initializer", nullptr),
        "keras.layers.Dense(2, bias_initializer=None)");
}

void TestKerasObjects::rendersOnlyTheArgumentsSet() {
    QFETCH(K::KerasObject, object);
    QFETCH(QString, source);
    QCOMPARE(object.expr().source(), source);
}

void TestKerasObjects::genericLayerEqualsTypedLayer() {
    const K::Layer generic(QStringLiteral("Dense"),
                           {{QStringLiteral("units"), 16}, {QStringLiteral("activation"), "relu"}});
    QCOMPARE(generic.expr().source(),
             QStringLiteral("keras.layers.Dense(units=16, activation='relu')"));
    const K::Layer typed = K::Dense(16).activation("relu");
    QCOMPARE(typed.qualifiedName(), QStringLiteral("keras.layers.Dense"));
    QCOMPARE(typed.positional().size(), std::size_t{1});
    QCOMPARE(typed.get(QStringLiteral("activation"))->value(), qk::Value("relu"));
    QVERIFY(!typed.has(QStringLiteral("use_bias")));
}

// Every setter of a typed object returns that type, so that chains stay typed (a compile
// error here is the failure).
static_assert(std::is_same_v<decltype(K::Dense(1).name("a").activation("relu")), K::Dense&>);
static_assert(std::is_same_v<decltype(K::CategoricalCrossentropy().name("a").fromLogits(true)),
                             K::CategoricalCrossentropy&>);
static_assert(
    std::is_same_v<decltype(K::EarlyStopping().patience(1).arg("verbose", 1)), K::EarlyStopping&>);
static_assert(std::is_same_v<decltype(K::MobileNetV2().name("m").alpha(0.5)), K::MobileNetV2&>);
static_assert(std::is_same_v<decltype(K::SGD().learningRate(0.1).momentum(0.9)), K::SGD&>);

void TestKerasObjects::settingAnArgumentAgainReplacesIt() {
    K::Dense dense(4);
    dense.activation("relu").name("a").activation("tanh");
    QCOMPARE(dense.expr().source(),
             QStringLiteral("keras.layers.Dense(4, activation='tanh', name='a')"));
}

void TestKerasObjects::shapesRejectNegativeSizes() {
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, K::InputLayer({4, -1}));
}

void TestKerasObjects::layerRefusesObjectsOfOtherModules() {
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, K::Layer(K::KerasObject(K::Adam())));
    // An application is a layer (a model is one in Keras): it can be added and called.
    const K::Layer application(K::KerasObject(K::ResNet50().weights(nullptr)));
    QCOMPARE(application.qualifiedName(), QStringLiteral("keras.applications.ResNet50"));
    const K::Layer fromCatalog(
        K::KerasObject(QStringLiteral("keras.layers"), QStringLiteral("GaussianNoise")));
    QCOMPARE(fromCatalog.expr().source(), QStringLiteral("keras.layers.GaussianNoise()"));
}

void TestKerasObjects::modelInfoReadsTheWorkersDict() {
    using qk::Value;
    const Value layer = Value::dict({{"name", "dense"},
                                     {"class", "Dense"},
                                     {"output_shape", Value(Value::List{Value(), 16})},
                                     {"params", 80},
                                     {"trainable_params", 80},
                                     {"non_trainable_params", 0}});
    const Value dict =
        Value::dict({{"name", "sequential"},
                     {"class", "Sequential"},
                     {"built", true},
                     {"input_shape", Value(Value::List{Value(Value::List{Value(), 4})})},
                     {"output_shape", Value(Value::List{Value(Value::List{Value(), 16})})},
                     {"layers", Value(Value::List{layer})},
                     {"total_params", 80},
                     {"trainable_params", 80},
                     {"non_trainable_params", 0}});
    const K::ModelInfo info = K::ModelInfo::fromValue(dict);
    QCOMPARE(info.layers.size(), std::size_t{1});
    QCOMPARE(info.layers[0].outputShapeText(), QStringLiteral("(None, 16)"));
    QCOMPARE(K::shapeText(info.inputShape), QStringLiteral("[(None, 4)]"));
    QCOMPARE(K::shapeText(Value(Value::List{3})), QStringLiteral("(3,)"));
    QCOMPARE(info.totalParams, 80);
}

// What the queue monitor and the error dialog show of a command: plain Keras, without the
// worker's helpers or their imports; a failing line of the code names the line shown for it.
void TestKerasObjects::commandsAreShownAsPlainKeras() {
    namespace py = qk::py;
    namespace worker = qk::keras::worker;
    const py::Expr model = py::Expr::name(QStringLiteral("model_abc"));
    const py::Expr dense = py::Expr::name(QStringLiteral("keras"))
                               .attr(QStringLiteral("layers"))
                               .attr(QStringLiteral("Dense"))
                               .call({3});
    qk::Command c =
        worker::command({worker::building({model.attr(QStringLiteral("add")).call({dense})}, model),
                         worker::support(QStringLiteral("info"), {model})});
    QCOMPARE(c.code,
             QStringLiteral("import keras\n"
                            "import qtkeras_worker.model_support as qk\n"
                            "with qk.building(model_abc): model_abc.add(keras.layers.Dense(3))\n"
                            "qk.info(model_abc)"));
    QCOMPARE(c.shown, QStringLiteral("import keras\n"
                                     "model_abc.add(keras.layers.Dense(3))\n"
                                     "model_abc.summary()"));
    QCOMPARE(qk::shownLine(c.shownLines, 3), 2);
    QCOMPARE(qk::shownLine(c.shownLines, 4), 3);
    QCOMPARE(qk::shownLine(c.shownLines, 9), 0);

    const py::Expr x = py::Expr::name(QStringLiteral("x_train_abc"));
    const py::Expr y = py::Expr::name(QStringLiteral("y_train_abc"));
    c = worker::command(
        {worker::support(QStringLiteral("fit"), {model, x, y}, {{QStringLiteral("epochs"), 5}})});
    QCOMPARE(c.shown, QStringLiteral("model_abc.fit(x_train_abc, y_train_abc, epochs=5)"));
    QCOMPARE(qk::shownLine(c.shownLines, 2), 1);
    // A checkpoint to resume from reads as Keras' BackupAndRestore; it runs as the helper's.
    K::FitOptions resumable;
    resumable.epochs = 5;
    resumable.checkpoint = QStringLiteral("/runs/a");
    resumable.resume = true;
    c = worker::command({worker::support(QStringLiteral("fit"), {model, x, y},
                                         K::fitKeywords(resumable, std::nullopt))});
    QCOMPARE(c.shown, QStringLiteral("model_abc.fit(x_train_abc, y_train_abc, epochs=5, "
                                     "callbacks=[keras.callbacks.BackupAndRestore('/runs/a')])"));
    QVERIFY2(c.code.contains(QStringLiteral("checkpoint='/runs/a', resume=True, callbacks=[]")),
             qPrintable(c.code));
    c = worker::command({worker::support(QStringLiteral("shape"), {x})});
    QCOMPARE(c.shown, QStringLiteral("x_train_abc.shape"));

    // A helper with no Keras call to stand for is shown as it runs, with its import.
    c = worker::command({worker::support(QStringLiteral("catalog"))});
    QVERIFY2(c.shown.isEmpty(), qPrintable(c.shown));
    QCOMPARE(qk::shownLine(c.shownLines, 2), 2);
}

QTEST_GUILESS_MAIN(TestKerasObjects)
#include "tst_kerasobjects.moc"
