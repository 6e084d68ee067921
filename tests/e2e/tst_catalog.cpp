// SPDX-License-Identifier: GPL-3.0-or-later
// The Keras catalog from the real worker: its size per group, lookups and palette search,
// arguments refused before anything is sent, and catalog layers working inside real models.
#include "bridge/codegen/expr.h"
#include "bridge/keras/catalog.h"
#include "bridge/keras/keras.h"
#include "bridge/session/session.h"
#include "support/testsupport.h"

#include <QSignalSpy>
#include <QtTest>

#include <optional>

using namespace qk;
using namespace qk::keras;
using qk::test::errorOf;
using qk::test::waitFinished;
using qk::test::waitUntil;

namespace {

// A layer built through the generic API and the model that exercises it.
struct LayerCase {
    std::vector<Argument> positional;
    Catalog::Keywords keywords;
    Value inputShape; // one sample's shape
    int inputs = 1;   // more than one: a functional graph over a list of inputs
    QString dtype = QStringLiteral("float32");
    int high = 1;      // integer inputs are drawn from [0, high)
    Value outputShape; // of predict() on a batch of two
};

// A call refused by the catalog: the parameter it names and a phrase of its message.
struct RefusedCase {
    QString name;
    std::vector<Argument> positional;
    Catalog::Keywords keywords;
    QString parameter;
    QString phrase;
    bool kerasRefusesToo = false;
};

std::optional<CatalogError> refusal(const Catalog& catalog, const RefusedCase& c) {
    try {
        catalog.layer(c.name, c.positional, c.keywords);
    } catch (const CatalogError& e) {
        return e;
    }
    return std::nullopt;
}

Value shape(std::initializer_list<int> dims) {
    std::vector<Value> items;
    for (int d : dims)
        items.emplace_back(d);
    return Value::tuple(std::move(items));
}

// Builds a model around the layer, predicts on random data of the input shape and returns
// the output's shape and whether every value is finite.
const char* const probeSource =
    "import numpy as np\n"
    "import keras\n"
    "def _qk_probe(shape, layer, inputs, dtype, high):\n"
    "    rng = np.random.default_rng(0)\n"
    "    def data():\n"
    "        if dtype.startswith('int'):\n"
    "            return rng.integers(0, high, size=(2,) + tuple(shape)).astype(dtype)\n"
    "        return (rng.random((2,) + tuple(shape)) * high).astype(dtype)\n"
    "    if inputs == 1:\n"
    "        model = keras.Sequential([keras.Input(shape, dtype=dtype), layer])\n"
    "        x = data()\n"
    "    else:\n"
    "        ins = [keras.Input(shape, dtype=dtype) for _ in range(inputs)]\n"
    "        model = keras.Model(ins, layer(ins))\n"
    "        x = [data() for _ in range(inputs)]\n"
    "    y = np.asarray(model.predict(x, verbose=0))\n"
    "    return (tuple(int(n) for n in y.shape), bool(np.isfinite(y).all()))\n";

} // namespace

Q_DECLARE_METATYPE(LayerCase)
Q_DECLARE_METATYPE(RefusedCase)

class TestCatalog : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void loadsWithEveryGroup();
    void looksUpEntriesWithParameters();
    void checksSchedulesConstraintsAndApplications();
    void aliasesNameTheirCanonicalForm();
    void searchFindsNamesThenDocs();
    void refusesBadArgumentsBeforeSending_data();
    void refusesBadArgumentsBeforeSending();
    void catalogLayersWorkInRealModels_data();
    void catalogLayersWorkInRealModels();
    void catalogOptimizerAndLossTrainAModel();

private:
    Value run(Command command);

    std::unique_ptr<Session> m_session;
    Catalog m_catalog;
};

Value TestCatalog::run(Command command) {
    QFuture<Value> f = m_session->send(std::move(command));
    if (!waitFinished(f, 120000))
        throw std::runtime_error("timeout");
    return f.result();
}

void TestCatalog::initTestCase() {
    m_session = std::make_unique<Session>(qk::test::workerOptions());
    QFuture<WorkerInfo> ready = m_session->ready();
    QVERIFY2(waitFinished(ready, 60000), "the worker did not start");
    QFuture<Catalog> loading = Catalog::load(*m_session);
    QVERIFY2(waitFinished(loading, 120000), "the catalog did not arrive");
    m_catalog = loading.result();
    run(Command(QString::fromUtf8(probeSource)));
}

void TestCatalog::cleanupTestCase() {
    m_session.reset();
}

void TestCatalog::loadsWithEveryGroup() {
    QVERIFY(!m_catalog.isEmpty());
    QCOMPARE(m_catalog.backend(), QStringLiteral("jax"));
    QVERIFY(!m_catalog.kerasVersion().isEmpty());
    const QStringList expected{"layers",      "optimizers",   "losses",       "metrics",
                               "activations", "initializers", "regularizers", "callbacks",
                               "constraints", "schedules",    "applications"};
    QCOMPARE(m_catalog.groups(), expected);
    const QMap<QString, int> sizes = m_catalog.sizes();
    int total = 0;
    for (const QString& group : expected) {
        qInfo().noquote() << QStringLiteral("catalog: %1 %2").arg(group, -13).arg(sizes[group]);
        QVERIFY2(sizes[group] > 0, qPrintable(group));
        QCOMPARE(int(m_catalog.entries(group).size()), sizes[group]);
        total += sizes[group];
    }
    qInfo().noquote() << QStringLiteral("catalog: %1 entries from Keras %2")
                             .arg(total)
                             .arg(m_catalog.kerasVersion());
    QCOMPARE(int(m_catalog.entries().size()), total);
    QVERIFY(sizes["layers"] >= 120);
    QVERIFY(sizes["optimizers"] >= 10);
    QVERIFY(sizes["losses"] >= 20);
    QVERIFY(sizes["metrics"] >= 30);
    QVERIFY(sizes["constraints"] >= 4);
    QVERIFY(sizes["schedules"] >= 6);
    QVERIFY(sizes["applications"] >= 30);
}

void TestCatalog::looksUpEntriesWithParameters() {
    const CatalogEntry& dense = m_catalog.at("layers", "Dense");
    QCOMPARE(dense.qualifiedName(), QStringLiteral("keras.layers.Dense"));
    QCOMPARE(dense.category, QStringLiteral("core"));
    QCOMPARE(dense.doc, QStringLiteral("Just your regular densely-connected NN layer."));
    QCOMPARE(dense.requiredParameters(), QStringList{"units"});
    QCOMPARE(dense.parameters.at(0).name, QStringLiteral("units"));
    QCOMPARE(dense.parameters.at(0).kind, ParameterKind::PositionalOrKeyword);
    const CatalogParameter* useBias = dense.parameter("use_bias");
    QVERIFY(useBias);
    QCOMPARE(useBias->defaultValue, Value(true));
    QVERIFY(!useBias->inherited);
    const CatalogParameter* name = dense.parameter("name");
    QVERIFY(name && name->inherited);
    QCOMPARE(name->kind, ParameterKind::KeywordOnly);
    QCOMPARE(name->doc, QStringLiteral("String name of the layer."));

    const CatalogEntry& adam = m_catalog.at("optimizers", "Adam");
    const CatalogParameter* lr = adam.parameter("learning_rate");
    QVERIFY(lr && lr->hasDefault);
    QCOMPARE(lr->defaultValue.toDouble(), 0.001);

    QCOMPARE(m_catalog.at("layers", "Conv2D").category, QStringLiteral("convolution"));
    QCOMPARE(m_catalog.at("layers", "LSTM").category, QStringLiteral("recurrent"));
    QCOMPARE(m_catalog.at("losses", "mean_squared_error").isClass, false);
    QVERIFY(!m_catalog.find("layers", "NoSuchLayer"));
    try {
        m_catalog.at("layers", "dense");
        QFAIL("a misspelt name was found");
    } catch (const CatalogError& e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains("did you mean Dense"), e.what());
    }
}

// Constraints, learning-rate schedules and applications are groups like the others: typed
// C++ objects pass the catalog's checks, and a bad argument is refused before sending.
void TestCatalog::checksSchedulesConstraintsAndApplications() {
    const CatalogEntry& decay = m_catalog.at("schedules", "ExponentialDecay");
    QCOMPARE(decay.qualifiedName(), QStringLiteral("keras.optimizers.schedules.ExponentialDecay"));
    QCOMPARE(decay.requiredParameters(),
             (QStringList{"initial_learning_rate", "decay_steps", "decay_rate"}));
    m_catalog.check(ExponentialDecay(0.01, 100, 0.9).staircase(true));
    m_catalog.check(CosineDecay(0.01, 100).warmupSteps(5));
    m_catalog.check(PiecewiseConstantDecay({10, 20}, {0.1, 0.01, 0.001}));
    m_catalog.check(MaxNorm(2.0).axis(0));
    m_catalog.check(MinMaxNorm(0.0, 1.0).rate(0.5));
    m_catalog.check(MobileNetV2().weights(nullptr).includeTop(false).inputShape({96, 96, 3}));
    m_catalog.check(ResNet50().weights(nullptr).classes(10).pooling("avg"));
    m_catalog.check(Application("EfficientNetB0").weights(nullptr));
    QCOMPARE(m_catalog.at("applications", "MobileNetV2").category, QStringLiteral("mobilenet_v2"));
    QVERIFY(!m_catalog.at("applications", "ResNet50").isClass);

    try {
        m_catalog.check(MobileNetV2().arg("include_tops", false));
        QFAIL("an unknown keyword was accepted");
    } catch (const CatalogError& e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains("include_top"), e.what());
        QCOMPARE(e.entry(), QStringLiteral("keras.applications.MobileNetV2"));
    }
    try {
        m_catalog.check(MobileNetV2().includeTop(false).arg("classes", "ten"));
        QFAIL("a string was accepted for classes");
    } catch (const CatalogError& e) {
        QCOMPARE(e.parameter(), QStringLiteral("classes"));
    }
    try {
        m_catalog.at("schedules", "NoSuchDecay");
        QFAIL("an unknown schedule was found");
    } catch (const CatalogError& e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains("keras.optimizers.schedules.NoSuchDecay"),
                 e.what());
    }
}

void TestCatalog::aliasesNameTheirCanonicalForm() {
    const CatalogEntry& alias = m_catalog.at("layers", "Convolution2D");
    QVERIFY(alias.isAlias());
    QCOMPARE(alias.canonical, QStringLiteral("Conv2D"));
    QVERIFY(m_catalog.at("layers", "Conv2D").aliases.contains("Convolution2D"));
    QVERIFY(!m_catalog.at("layers", "Conv2D").isAlias());
}

void TestCatalog::searchFindsNamesThenDocs() {
    const auto conv = m_catalog.search("conv", "layers");
    QVERIFY(conv.size() >= 10);
    QVERIFY(conv.front()->name.contains("conv", Qt::CaseInsensitive));
    QStringList names;
    for (const CatalogEntry* e : m_catalog.search("DROPOUT", "layers"))
        names << e->name;
    QVERIFY2(names.contains("Dropout") && names.contains("SpatialDropout2D"),
             qPrintable(names.join(", ")));
    const auto byDoc = m_catalog.search("densely-connected");
    QVERIFY(!byDoc.empty());
    QCOMPARE(byDoc.front()->name, QStringLiteral("Dense"));
    for (const CatalogEntry* e : m_catalog.search("adam", "optimizers"))
        QCOMPARE(e->group, QStringLiteral("optimizers"));
    QVERIFY(m_catalog.search("no layer is called this").empty());
}

void TestCatalog::refusesBadArgumentsBeforeSending_data() {
    QTest::addColumn<RefusedCase>("c");
    QTest::newRow("unknown keyword")
        << RefusedCase{"Dense",
                       {3},
                       {{"activaton", "relu"}},
                       "activaton",
                       "unknown keyword argument 'activaton' (did you mean 'activation'?)",
                       true};
    QTest::newRow("keyword no layer accepts")
        << RefusedCase{"Dropout", {0.5}, {{"units", 3}}, "units", "unknown keyword", true};
    QTest::newRow("str for int") << RefusedCase{
        "Dense", {"16"}, {}, "units", "argument 'units' must be int, not str ('16')"};
    QTest::newRow("float for int")
        << RefusedCase{"Conv2D", {2.5, 3}, {}, "filters", "'filters' must be int, not float"};
    QTest::newRow("int for bool") << RefusedCase{
        "Dense", {3}, {{"use_bias", 1}}, "use_bias", "must be bool, not int"};
    QTest::newRow("int for str") << RefusedCase{
        "Conv2D", {4, 3}, {{"padding", 1}}, "padding", "must be str, not int"};
    QTest::newRow("inherited bool")
        << RefusedCase{"Dense", {3}, {{"trainable", "yes"}}, "trainable", "must be bool"};
    QTest::newRow("missing required") << RefusedCase{
        "Conv2D", {}, {{"filters", 4}}, "kernel_size", "missing required argument 'kernel_size'",
        true};
    QTest::newRow("too many positional")
        << RefusedCase{"Dropout",
                       {0.5, Value(), 1, 2},
                       {},
                       "#4",
                       "takes at most 3 positional argument(s) (rate, noise_shape, seed) but 4",
                       true};
    QTest::newRow("position and keyword") << RefusedCase{
        "Dense", {3}, {{"units", 4}}, "units", "given both by position and by keyword", true};
    QTest::newRow("not positive") << RefusedCase{
        "Dense", {-3}, {}, "units", "must be positive, as Keras documents it", true};
    QTest::newRow("rate beyond 1")
        << RefusedCase{"Dropout", {1.5}, {}, "rate", "must be between 0 and 1", true};
}

void TestCatalog::refusesBadArgumentsBeforeSending() {
    QFETCH(RefusedCase, c);
    // A command after the earlier ones: once it is reported done, so are they, and whatever
    // is reported after the refusal below but before this command's second run is the
    // refusal's doing.
    const QString marker = QStringLiteral("'nothing else was sent'");
    {
        // Its future settles on the session's thread before the events about it (and about
        // the commands before it) reach this one: wait for the event itself.
        QSignalSpy before(&m_session->events(), &SessionEvents::commandChanged);
        const QFuture<Value> first = m_session->run(marker);
        QVERIFY(waitUntil([&] {
            return !before.isEmpty() && before.back().at(0).value<CommandInfo>().code == marker &&
                   before.back().at(0).value<CommandInfo>().state == CommandState::Succeeded;
        }));
    }
    QSignalSpy commands(&m_session->events(), &SessionEvents::commandChanged);
    const std::optional<CatalogError> error = refusal(m_catalog, c);
    QVERIFY2(error, "the catalog accepted the call");
    const QString message = QString::fromUtf8(error->what());
    QVERIFY2(message.startsWith("keras.layers." + c.name), qPrintable(message));
    QVERIFY2(message.contains(c.phrase), qPrintable(message));
    QCOMPARE(error->entry(), "keras.layers." + c.name);
    QCOMPARE(error->parameter(), c.parameter);
    QVERIFY(waitFinished(m_session->run(marker)));
    QVERIFY(waitUntil([&] {
        return !commands.isEmpty() &&
               commands.back().at(0).value<CommandInfo>().state == CommandState::Succeeded;
    }));
    for (const QList<QVariant>& reported : commands)
        QCOMPARE(reported.at(0).value<CommandInfo>().code, marker);

    if (c.kerasRefusesToo) {
        // The same call, unchecked, fails in Keras: the catalog only refuses what Keras would.
        KerasObject unchecked("keras.layers", c.name);
        for (const Argument& a : c.positional)
            unchecked.addPositional(a);
        for (const auto& [k, v] : c.keywords)
            unchecked.set(k, v);
        const auto failure = errorOf(m_session->send(Command(unchecked.expr().source())));
        QVERIFY2(failure, qPrintable(unchecked.expr().source()));
        QCOMPARE(failure->state(), CommandState::Failed);
    }
}

void TestCatalog::catalogLayersWorkInRealModels_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<LayerCase>("c");
    const auto row = [](const char* name, LayerCase c) {
        QTest::newRow(name) << QString::fromUtf8(name) << std::move(c);
    };
    // core
    row("Dense", {{3},
                  {{"activation", "relu"}, {"name", "hidden"}},
                  shape({4}),
                  1,
                  "float32",
                  1,
                  shape({2, 3})});
    row("EinsumDense",
        {{"ab,bc->ac"}, {{"output_shape", 5}}, shape({4}), 1, "float32", 1, shape({2, 5})});
    row("Embedding", {{10, 3}, {}, shape({5}), 1, "int32", 10, shape({2, 5, 3})});
    row("Identity", {{}, {}, shape({4}), 1, "float32", 1, shape({2, 4})});
    row("Masking", {{0.0}, {}, shape({3, 4}), 1, "float32", 1, shape({2, 3, 4})});
    // activation
    row("Activation", {{"tanh"}, {}, shape({4}), 1, "float32", 1, shape({2, 4})});
    row("ReLU", {{}, {{"max_value", 6.0}}, shape({4}), 1, "float32", 1, shape({2, 4})});
    row("LeakyReLU", {{}, {{"negative_slope", 0.2}}, shape({4}), 1, "float32", 1, shape({2, 4})});
    row("ELU", {{}, {}, shape({4}), 1, "float32", 1, shape({2, 4})});
    row("PReLU", {{}, {}, shape({4}), 1, "float32", 1, shape({2, 4})});
    row("Softmax", {{}, {}, shape({4}), 1, "float32", 1, shape({2, 4})});
    // convolution
    row("Conv1D", {{4, 3}, {}, shape({8, 2}), 1, "float32", 1, shape({2, 6, 4})});
    row("Conv2D", {{4, Value::tuple({3, 3})},
                   {{"padding", "same"}},
                   shape({8, 8, 2}),
                   1,
                   "float32",
                   1,
                   shape({2, 8, 8, 4})});
    row("Conv3D", {{2, 2}, {}, shape({4, 4, 4, 1}), 1, "float32", 1, shape({2, 3, 3, 3, 2})});
    row("Conv2DTranspose",
        {{3, 2}, {{"strides", 2}}, shape({4, 4, 2}), 1, "float32", 1, shape({2, 8, 8, 3})});
    row("SeparableConv2D", {{4, 3}, {}, shape({8, 8, 2}), 1, "float32", 1, shape({2, 6, 6, 4})});
    row("DepthwiseConv2D", {{3}, {}, shape({8, 8, 2}), 1, "float32", 1, shape({2, 6, 6, 2})});
    // pooling
    row("MaxPooling1D", {{2}, {}, shape({8, 2}), 1, "float32", 1, shape({2, 4, 2})});
    row("MaxPooling2D", {{}, {}, shape({8, 8, 2}), 1, "float32", 1, shape({2, 4, 4, 2})});
    row("AveragePooling2D",
        {{}, {{"pool_size", 2}}, shape({8, 8, 2}), 1, "float32", 1, shape({2, 4, 4, 2})});
    row("GlobalAveragePooling1D", {{}, {}, shape({8, 2}), 1, "float32", 1, shape({2, 2})});
    row("GlobalMaxPooling2D", {{}, {}, shape({8, 8, 2}), 1, "float32", 1, shape({2, 2})});
    // recurrent
    row("SimpleRNN", {{3}, {}, shape({5, 2}), 1, "float32", 1, shape({2, 3})});
    row("LSTM",
        {{4}, {{"return_sequences", true}}, shape({5, 2}), 1, "float32", 1, shape({2, 5, 4})});
    row("GRU", {{3}, {}, shape({5, 2}), 1, "float32", 1, shape({2, 3})});
    // normalization
    row("BatchNormalization", {{}, {}, shape({4}), 1, "float32", 1, shape({2, 4})});
    row("LayerNormalization", {{}, {}, shape({4}), 1, "float32", 1, shape({2, 4})});
    row("GroupNormalization", {{}, {{"groups", 2}}, shape({4}), 1, "float32", 1, shape({2, 4})});
    row("UnitNormalization", {{}, {}, shape({4}), 1, "float32", 1, shape({2, 4})});
    // regularization
    row("Dropout", {{0.5}, {}, shape({4}), 1, "float32", 1, shape({2, 4})});
    row("GaussianNoise", {{0.1}, {}, shape({4}), 1, "float32", 1, shape({2, 4})});
    row("GaussianDropout", {{0.2}, {}, shape({4}), 1, "float32", 1, shape({2, 4})});
    row("SpatialDropout1D", {{0.3}, {}, shape({5, 2}), 1, "float32", 1, shape({2, 5, 2})});
    row("ActivityRegularization", {{}, {{"l1", 0.01}}, shape({4}), 1, "float32", 1, shape({2, 4})});
    // reshaping
    row("Flatten", {{}, {}, shape({3, 4}), 1, "float32", 1, shape({2, 12})});
    row("Reshape", {{shape({2, 6})}, {}, shape({3, 4}), 1, "float32", 1, shape({2, 2, 6})});
    row("Permute", {{shape({2, 1})}, {}, shape({3, 4}), 1, "float32", 1, shape({2, 4, 3})});
    row("RepeatVector", {{3}, {}, shape({4}), 1, "float32", 1, shape({2, 3, 4})});
    row("UpSampling2D", {{}, {}, shape({4, 4, 1}), 1, "float32", 1, shape({2, 8, 8, 1})});
    row("ZeroPadding2D", {{1}, {}, shape({4, 4, 1}), 1, "float32", 1, shape({2, 6, 6, 1})});
    row("Cropping1D", {{shape({1, 1})}, {}, shape({6, 2}), 1, "float32", 1, shape({2, 4, 2})});
    // merging
    row("Add", {{}, {}, shape({4}), 2, "float32", 1, shape({2, 4})});
    row("Multiply", {{}, {}, shape({4}), 2, "float32", 1, shape({2, 4})});
    row("Concatenate", {{}, {{"axis", -1}}, shape({4}), 2, "float32", 1, shape({2, 8})});
    row("Average", {{}, {}, shape({4}), 3, "float32", 1, shape({2, 4})});
    row("Maximum", {{}, {}, shape({4}), 2, "float32", 1, shape({2, 4})});
    row("Subtract", {{}, {}, shape({4}), 2, "float32", 1, shape({2, 4})});
    row("Dot", {{}, {{"axes", 1}}, shape({4}), 2, "float32", 1, shape({2, 1})});
    // attention
    row("Attention", {{}, {}, shape({3, 4}), 2, "float32", 1, shape({2, 3, 4})});
    row("AdditiveAttention", {{}, {}, shape({3, 4}), 2, "float32", 1, shape({2, 3, 4})});
    // preprocessing
    row("Rescaling", {{0.5}, {{"offset", 1.0}}, shape({4}), 1, "float32", 1, shape({2, 4})});
    row("CenterCrop", {{4, 4}, {}, shape({6, 6, 3}), 1, "float32", 1, shape({2, 4, 4, 3})});
    row("Resizing", {{3, 3}, {}, shape({6, 6, 3}), 1, "float32", 1, shape({2, 3, 3, 3})});
    row("CategoryEncoding", {{},
                             {{"num_tokens", 5}, {"output_mode", "multi_hot"}},
                             shape({3}),
                             1,
                             "int32",
                             5,
                             shape({2, 5})});
}

void TestCatalog::catalogLayersWorkInRealModels() {
    QFETCH(QString, name);
    QFETCH(LayerCase, c);
    KerasObject layer;
    try {
        layer = m_catalog.layer(name, c.positional, c.keywords);
    } catch (const CatalogError& e) {
        QFAIL(e.what());
    }
    QCOMPARE(layer.module(), QStringLiteral("keras.layers"));
    const py::Expr probe =
        py::Expr::name("_qk_probe")
            .call({py::Expr::literal(c.inputShape), layer.expr(), c.inputs, c.dtype, c.high});
    Value result;
    try {
        result = run(Command(probe.source()));
    } catch (const CommandError& e) {
        QFAIL(qPrintable(e.reason() + u'\n' + e.failure().traceback));
    }
    QCOMPARE(result, Value::tuple({c.outputShape, true}));
}

void TestCatalog::catalogOptimizerAndLossTrainAModel() {
    const KerasObject adam =
        m_catalog.instantiate("optimizers", "Adam", {}, {{"learning_rate", 0.01}});
    const KerasObject loss = m_catalog.instantiate("losses", "MeanSquaredError");
    const KerasObject dense = m_catalog.layer("Dense", {1});
    const QString code =
        QStringLiteral("_qk_m = keras.Sequential([keras.Input((3,)), %1])\n"
                       "_qk_m.compile(optimizer=%2, loss=%3)\n"
                       "_qk_x = np.ones((8, 3), dtype='float32')\n"
                       // A target no initial weights come near, so that three small
                       // steps cannot overshoot it and the loss must fall.
                       "_qk_h = _qk_m.fit(_qk_x, 20 * _qk_x[:, :1], epochs=3, verbose=0).history\n"
                       "del _qk_m, _qk_x\n"
                       "_qk_h['loss'][-1] < _qk_h['loss'][0]")
            .arg(dense.expr().source(), adam.expr().source(), loss.expr().source());
    QCOMPARE(run(Command(code)), Value(true));
}

QTEST_GUILESS_MAIN(TestCatalog)
#include "tst_catalog.moc"
