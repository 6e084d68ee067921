// SPDX-License-Identifier: GPL-3.0-or-later
// keras.io architectures in the graph builder, against Python's own Keras: each model is made
// in the worker by plain Keras code and saved, imported as File > Import does (a functional
// model opens as its graph, laid out), checked by Keras node by node (the builder's total
// equals Python's count_params()), exported as File > Export Python Script does, and the
// script run with plain `python` rebuilds the model with the same parameter count (and,
// loading the file's weights, the same predictions). A model that fits in a list opens as
// one; saving the graph as .keras gives a file Keras loads. Nested models are blocks that
// open on the canvas to show their inner layers.
#include "app/actionids.h"
#include "app/actionregistry.h"
#include "app/document.h"
#include "app/graphbuilder.h"
#include "app/graphchecker.h"
#include "app/graphitems.h"
#include "app/graphscene.h"
#include "app/graphview.h"
#include "app/mainwindow.h"
#include "app/projectactions.h"
#include "app/workspace.h"
#include "bridge/codegen/python.h"
#include "support/idefixture.h"
#include "support/kerasiomodels.h"
#include "support/testsupport.h"

#include <QImage>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest>

using namespace qk;
using namespace qk::app;
using namespace qk::test::kerasio;
using qk::test::failureOf;
using qk::test::runPythonScript;
using qk::test::ScriptRun;
using qk::test::waitFinished;
using qk::test::waitUntil;

namespace {

// keras.io "Transfer learning": an application as the base, a nested Sequential head, and
// a side branch beside them (so that the model is a graph, not a chain).
const char* const nestedBlocks = R"(
base = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(32, 32, 3),
                                      pooling="avg", alpha=0.35)
head = keras.Sequential([keras.Input((1280,)),
                         keras.layers.Dense(16, activation="relu", name="hidden"),
                         keras.layers.Dense(4, name="logits")], name="head")
i = keras.Input(shape=(32, 32, 3), name="image")
side = keras.layers.Dense(4, name="side")(keras.layers.Flatten(name="flat")(i))
m = keras.Model(i, keras.layers.Add(name="sum")([head(base(i)), side]))
)";

QString pyString(const QString& text) {
    return py::Expr::literal(Value(text)).source();
}

} // namespace

class TestGraphModels : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void importCheckAndExport_data();
    void importCheckAndExport();
    void chainImportsAsAList();
    void graphSavesAsKeras();
    void nestedModelsOpenAsBlocks();
    void commandLineExportsAScriptAndAPicture();
    void commandLineRefusesAFileThatIsNoModel();

private:
    Document& document() const { return m_ide.window->document(); }
    ProjectActions& project() const { return m_ide.window->project(); }
    GraphChecker& checker() const { return m_ide.window->workspace().graphChecker(); }
    // Runs Python in the worker; its value.
    Value python(const QString& code);
    // Builds the model with `code` and saves it; Python's count_params().
    qint64 save(const QString& code, const QString& path);
    std::optional<QString> import(const QString& path);
    // Runs a script with the test's Python; the last line of its output, as JSON.
    QJsonObject runScript(const QString& path);

    GraphScene* scene() const { return m_ide.window->workspace().graphBuilder()->scene(); }
    GraphView* view() const { return m_ide.window->workspace().graphBuilder()->view(); }
    int blockNamed(const QString& className) const;
    // The inner layers an opened block shows, by name.
    QHash<QString, const InnerLayerItem*> innerLayers(int nodeId) const;

    qk::test::IdeFixture m_ide;
    QTemporaryDir m_dir;
};

int TestGraphModels::blockNamed(const QString& className) const {
    for (const GraphNode& node : document().graph().nodes) {
        if (node.isBlock() && node.className() == className)
            return node.id;
    }
    return 0;
}

QHash<QString, const InnerLayerItem*> TestGraphModels::innerLayers(int nodeId) const {
    QHash<QString, const InnerLayerItem*> out;
    const NodeItem* item = scene()->nodeItem(nodeId);
    if (!item)
        return out;
    for (const QGraphicsItem* inner : item->innerItems()) {
        if (inner->type() == InnerLayerItem::Type && inner->isVisible()) {
            const auto* layer = static_cast<const InnerLayerItem*>(inner);
            out.insert(layer->layer().name, layer);
        }
    }
    return out;
}

void TestGraphModels::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_ide.start({1500, 950});
}

void TestGraphModels::cleanupTestCase() {
    m_ide.stop();
}

Value TestGraphModels::python(const QString& code) {
    QFuture<Value> future = m_ide.host->session().run(code);
    if (!waitFinished(future, 300000))
        return {};
    try {
        return future.result();
    } catch (const std::exception& e) {
        qWarning("%s", e.what());
        return {};
    }
}

qint64 TestGraphModels::save(const QString& code, const QString& path) {
    const Value count = python(
        QStringLiteral("import keras\n%1\nm.save(%2)\nm.count_params()").arg(code, pyString(path)));
    return count.isInt() ? count.toInt() : -1;
}

std::optional<QString> TestGraphModels::import(const QString& path) {
    return failureOf(project().importKerasModel(path), 300000);
}

QJsonObject TestGraphModels::runScript(const QString& path) {
    const ScriptRun run = runPythonScript(path, m_dir.path(), 600000);
    if (!run.finished || run.exitCode != 0) {
        qWarning("%s", run.standardError.right(3000).constData());
        return {};
    }
    return run.lastLine;
}

void TestGraphModels::importCheckAndExport_data() {
    QTest::addColumn<QString>("code");
    QTest::addColumn<int>("inputs");
    QTest::addColumn<int>("outputs");
    QTest::newRow("mnist convnet") << mnistConvnet << 1 << 1;
    QTest::newRow("bidirectional lstm") << bidirectionalLstm << 1 << 1;
    QTest::newRow("transformer classifier") << transformerClassifier << 1 << 1;
    QTest::newRow("two inputs two outputs") << twoInputsTwoOutputs << 3 << 2;
    QTest::newRow("conv1d timeseries") << conv1dTimeseries << 1 << 1;
    QTest::newRow("shared layer") << sharedLayer << 2 << 1;
    QTest::newRow("mobilenetv2") << mobileNetV2 << 1 << 1;
    QTest::newRow("resnet50") << resNet50 << 1 << 1;
}

void TestGraphModels::importCheckAndExport() {
    QFETCH(QString, code);
    QFETCH(int, inputs);
    QFETCH(int, outputs);
    const QString tag = QString::fromLatin1(QTest::currentDataTag()).replace(u' ', u'_');
    const QString file = m_dir.filePath(tag + QStringLiteral(".keras"));
    const qint64 expected = save(code, file);
    QVERIFY2(expected > 0, "the model could not be made in Python");

    const std::optional<QString> refused = import(file);
    QVERIFY2(!refused, qPrintable(refused.value_or(QString())));
    // A chain opens as the Sequential list; Edit as Graph makes it the same graph.
    const bool importedAsGraph = document().isGraph();
    if (!importedAsGraph) {
        QCOMPARE(inputs + outputs, 2);
        document().convertToGraph();
    }
    QVERIFY(document().isGraph());
    const ModelGraph& graph = document().graph();
    QCOMPARE(static_cast<int>(graph.inputIds().size()), inputs);
    QCOMPARE(static_cast<int>(graph.outputIds().size()), outputs);
    if (importedAsGraph) // laid out by Graphviz
        QVERIFY(std::all_of(graph.nodes.begin(), graph.nodes.end(),
                            [](const GraphNode& n) { return n.position.has_value(); }));
    QVERIFY2(waitUntil([this] { return checker().isUpToDate(); }, 300000),
             qPrintable(m_ide.report()));
    QVERIFY2(checker().firstError().isEmpty(), qPrintable(checker().firstError()));
    QCOMPARE(checker().totalParams(), expected);
    for (const GraphNode& node : graph.nodes)
        QVERIFY2(checker().result(node.id), qPrintable(node.className()));

    // The exported script rebuilds the same model and loads the file's weights into it.
    const QString script = m_dir.filePath(tag + QStringLiteral(".py"));
    QString error;
    QVERIFY2(project().exportScript(script, &error), qPrintable(error));
    QFile text(script);
    QVERIFY(text.open(QIODevice::ReadOnly));
    const QByteArray source = text.readAll();
    text.close();
    // Weights come along for a graph as imported (its layers keep the file's names).
    QCOMPARE(source.contains("load_weights("), importedAsGraph);
    QVERIFY(!source.contains("qtkeras_worker"));
    const QJsonObject result = runScript(script);
    QCOMPARE(result.value(QStringLiteral("total_params")).toInteger(), expected);
    // Without weights it builds the model alone.
    QVERIFY2(project().exportScript(script, &error, false), qPrintable(error));
    QVERIFY(text.open(QIODevice::ReadOnly));
    QVERIFY(!text.readAll().contains("load_weights("));
}

void TestGraphModels::chainImportsAsAList() {
    // A graph first, which the chain replaces.
    const QString graphFile = m_dir.filePath(QStringLiteral("before_chain.keras"));
    QVERIFY(save(QString::fromLatin1(sharedLayer), graphFile) > 0);
    QVERIFY(!import(graphFile));
    QVERIFY(document().isGraph());
    const QString file = m_dir.filePath(QStringLiteral("chain.keras"));
    const qint64 expected = save(QStringLiteral("m = keras.Sequential([keras.Input((4,)), "
                                                "keras.layers.Dense(16), keras.layers.Dense(3)])"),
                                 file);
    QVERIFY(expected > 0);
    QVERIFY(!import(file));
    QVERIFY(!document().isGraph());
    QCOMPARE(document().layerCount(), 3);
    // Keras' own names (dense_7) are not kept for a list.
    QVERIFY(!document().layerAt(1).layer.has(QStringLiteral("name")));
    // Undo brings the graph back.
    document().undoStack()->undo();
    QVERIFY(document().isGraph());
    QCOMPARE(static_cast<int>(document().graph().inputIds().size()), 2);
}

void TestGraphModels::graphSavesAsKeras() {
    const QString source = m_dir.filePath(QStringLiteral("shared_source.keras"));
    const qint64 expected = save(QString::fromLatin1(sharedLayer), source);
    QVERIFY(!import(source));
    const QString target = m_dir.filePath(QStringLiteral("shared_saved.keras"));
    QString error;
    auto saved = project().saveModel(target, &error);
    QVERIFY2(saved, qPrintable(error));
    QVERIFY2(waitFinished(*saved, 120000), qPrintable(m_ide.report()));
    try {
        saved->result();
    } catch (const std::exception& e) {
        QFAIL(e.what());
    }
    // The saved model is the graph, with the weights of the file it came from.
    const Value same =
        python(QStringLiteral("import numpy as np\n"
                              "a = keras.saving.load_model(%1)\nb = keras.saving.load_model(%2)\n"
                              "x = [np.ones((2, 16)), np.zeros((2, 16))]\n"
                              "bool(np.allclose(a.predict(x, verbose=0), b.predict(x, verbose=0))) "
                              "and a.count_params() == %3")
                   .arg(pyString(source), pyString(target))
                   .arg(expected));
    QCOMPARE(same, Value(true));
}

void TestGraphModels::nestedModelsOpenAsBlocks() {
    const QString file = m_dir.filePath(QStringLiteral("nested.keras"));
    const qint64 expected = save(QString::fromLatin1(nestedBlocks), file);
    QVERIFY(expected > 0);
    const std::optional<QString> refused = import(file);
    QVERIFY2(!refused, qPrintable(refused.value_or(QString())));
    QVERIFY(document().isGraph());
    QVERIFY2(waitUntil([this] { return checker().isUpToDate(); }, 300000),
             qPrintable(m_ide.report()));
    QVERIFY2(checker().firstError().isEmpty(), qPrintable(checker().firstError()));
    QCOMPARE(checker().totalParams(), expected);
    const int head = blockNamed(QStringLiteral("Sequential"));
    const int base = blockNamed(QStringLiteral("deserialize_keras_object"));
    QVERIFY(head && base);
    NodeItem* headItem = scene()->nodeItem(head);
    NodeItem* baseItem = scene()->nodeItem(base);
    // Closed, a block is one node.
    QVERIFY(headItem->innerItems().isEmpty());
    const QSizeF closedSize = headItem->sceneBoundingRect().size();

    // A double-click opens the head: its two layers, with their shapes and parameters.
    view()->centerOn(headItem);
    const QPoint at = view()->mapFromScene(headItem->scenePos());
    QTest::mouseDClick(view()->viewport(), Qt::LeftButton, Qt::NoModifier, at);
    QTest::mouseRelease(view()->viewport(), Qt::LeftButton, Qt::NoModifier, at);
    QVERIFY(document().graph().node(head)->expanded);
    QTRY_COMPARE(innerLayers(head).size(), 2);
    const InnerLayerItem* hidden = innerLayers(head).value(QStringLiteral("hidden"));
    QVERIFY(hidden);
    QCOMPARE(hidden->layer().className, QStringLiteral("Dense"));
    QCOMPARE(hidden->layer().shape, QStringLiteral("(None, 16)"));
    QCOMPARE(hidden->layer().params, 1280 * 16 + 16);
    QCOMPARE(innerLayers(head).value(QStringLiteral("logits"))->layer().shape,
             QStringLiteral("(None, 4)"));
    // The frame holds its layers, and no other node lies under it.
    const QRectF frame = headItem->sceneBoundingRect();
    QVERIFY(frame.height() > closedSize.height() * 2);
    QVERIFY(frame.contains(hidden->sceneBoundingRect()));
    for (const GraphNode& node : document().graph().nodes) {
        if (node.id != head)
            QVERIFY2(!scene()->nodeItem(node.id)->sceneBoundingRect().intersects(frame),
                     qPrintable(node.className()));
    }

    // The application opens from the context menu's action: every one of its layers, the
    // image going in and each layer's parameters adding up to the block's.
    scene()->selectNodes({base});
    if (const QByteArray dir = qgetenv("QTKERAS_SCREENSHOT_DIR"); !dir.isEmpty())
        m_ide.window->grab().save(
            QDir(QString::fromLocal8Bit(dir)).filePath(QStringLiteral("graph_block_window.png")));
    QAction* toggle = m_ide.window->actionRegistry().action(ids::graphToggleBlock);
    QVERIFY(toggle && toggle->isEnabled());
    QCOMPARE(toggle->text(), tr("&Open Block"));
    toggle->trigger();
    QVERIFY(document().graph().node(base)->expanded);
    const GraphChecker::NodeResult* result = checker().result(base);
    QVERIFY(result && result->inner.size() > 100);
    QTRY_COMPARE(innerLayers(base).size(), result->inner.size());
    qint64 innerParams = 0;
    for (const InnerLayerItem* layer : innerLayers(base))
        innerParams += layer->layer().params;
    QCOMPARE(innerParams, result->params);
    QCOMPARE(innerLayers(base).value(result->inner.front().name)->layer().shape,
             QStringLiteral("(None, 32, 32, 3)"));
    QCOMPARE(toggle->text(), tr("Cl&ose Block"));
    // The exported script rebuilds both blocks: the same parameters.
    const QString script = m_dir.filePath(QStringLiteral("nested.py"));
    QString error;
    QVERIFY2(project().exportScript(script, &error), qPrintable(error));
    QFile text(script);
    QVERIFY(text.open(QIODevice::ReadOnly));
    const QByteArray source = text.readAll();
    // Each block under the name of the model it holds.
    QVERIFY(source.contains("head = keras.Sequential(layers=[keras.layers.InputLayer("));
    QVERIFY(source.contains("mobilenetv2_0_35_32 = keras.saving.deserialize_keras_object("));
    QCOMPARE(runScript(script).value(QStringLiteral("total_params")).toInteger(), expected);

    // At full size, the top of both opened blocks.
    view()->setTransform(QTransform());
    const auto shoot = [this](const QPointF& centre, const QString& name) {
        view()->centerOn(centre);
        const QImage shot = m_ide.window->workspace().graphBuilder()->grab().toImage();
        QVERIFY(!shot.isNull());
        if (const QByteArray dir = qgetenv("QTKERAS_SCREENSHOT_DIR"); !dir.isEmpty())
            shot.save(QDir(QString::fromLocal8Bit(dir)).filePath(name));
    };
    shoot(baseItem->scenePos() + QPointF(150, 150), QStringLiteral("graph_block_open.png"));
    shoot(headItem->sceneBoundingRect().center(), QStringLiteral("graph_block_sequential.png"));

    // Its - button closes it again; undo opens it, and undo again closes it.
    view()->centerOn(baseItem->mapToScene(baseItem->toggleRect().center()));
    QTest::mouseClick(view()->viewport(), Qt::LeftButton, Qt::NoModifier,
                      view()->mapFromScene(baseItem->mapToScene(baseItem->toggleRect().center())));
    QVERIFY(!document().graph().node(base)->expanded);
    QVERIFY(baseItem->innerItems().isEmpty());
    document().undoStack()->undo();
    QVERIFY(document().graph().node(base)->expanded);
    QCOMPARE(innerLayers(base).size(), result->inner.size());
    document().undoStack()->undo();
    QVERIFY(!document().graph().node(base)->expanded);
    QVERIFY(baseItem->innerItems().isEmpty());
    QCOMPARE(innerLayers(head).size(), 2);

    // The project keeps which blocks are open.
    const QString projectPath = m_dir.filePath(QStringLiteral("blocks.qtkeras"));
    QVERIFY2(project().saveAs(projectPath, &error), qPrintable(error));
    scene()->editor().setExpanded(head, false);
    QVERIFY(innerLayers(head).isEmpty());
    QVERIFY2(project().open(projectPath, &error), qPrintable(error));
    QVERIFY(document().graph().node(head)->expanded);
    QVERIFY(!document().graph().node(base)->expanded);
    QTRY_COMPARE(innerLayers(head).size(), 2);
    QVERIFY(innerLayers(base).isEmpty());
}

void TestGraphModels::commandLineExportsAScriptAndAPicture() {
    const QString model = m_dir.filePath(QStringLiteral("cli.keras"));
    const qint64 expected = save(QString::fromLatin1(twoInputsTwoOutputs), model);
    QVERIFY(expected > 0);
    const QString script = m_dir.filePath(QStringLiteral("cli.py"));
    const QString picture = m_dir.filePath(QStringLiteral("cli.png"));
    QProcess program;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    // No QT_QPA_PLATFORM: the scripted import chooses the offscreen platform itself.
    env.remove(QStringLiteral("QT_QPA_PLATFORM"));
    env.remove(QStringLiteral("DISPLAY"));
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    env.insert(QStringLiteral("QTKERAS_PYTHON"), QStringLiteral(QTKERAS_TEST_PYTHON));
    env.insert(QStringLiteral("KERAS_BACKEND"), QStringLiteral("jax"));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.filePath(QStringLiteral("config")));
    program.setProcessEnvironment(env);
    program.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    program.start(QStringLiteral(QTKERAS_TEST_APP),
                  {QStringLiteral("--import"), model, QStringLiteral("--export-script"), script,
                   QStringLiteral("--screenshot"), picture});
    QVERIFY2(program.waitForFinished(900000), "qtkeras --import did not exit");
    QCOMPARE(program.exitStatus(), QProcess::NormalExit);
    QCOMPARE(program.exitCode(), 0);
    QVERIFY(program.readAllStandardOutput().contains("cli.py"));
    // The script rebuilds the model, with the file's weights.
    const QJsonObject result = runScript(script);
    QCOMPARE(result.value(QStringLiteral("total_params")).toInteger(), expected);
    // The picture is the laid-out graph: nodes drawn over the background.
    const QImage image(picture);
    QVERIFY(!image.isNull());
    QVERIFY(image.width() >= 480 && image.height() > 200);
    const QRgb background = image.pixel(image.width() - 1, image.height() - 1);
    int drawn = 0;
    for (int y = 0; y < image.height(); y += 4)
        for (int x = 0; x < image.width(); x += 4)
            drawn += image.pixel(x, y) != background;
    QVERIFY2(drawn > image.width() * image.height() / 16 / 20, "the picture is nearly empty");
}

void TestGraphModels::commandLineRefusesAFileThatIsNoModel() {
    QProcess program;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QTKERAS_PYTHON"), QStringLiteral(QTKERAS_TEST_PYTHON));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.filePath(QStringLiteral("config")));
    program.setProcessEnvironment(env);
    // A file that is not a model: exit 1, a message naming it, no script.
    const QString bad = m_dir.filePath(QStringLiteral("bad.keras"));
    QFile out(bad);
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write("not a zip");
    out.close();
    const QString none = m_dir.filePath(QStringLiteral("none.py"));
    program.start(QStringLiteral(QTKERAS_TEST_APP),
                  {QStringLiteral("--import"), bad, QStringLiteral("--export-script"), none});
    QVERIFY2(program.waitForFinished(900000), "qtkeras --import did not exit");
    QCOMPARE(program.exitCode(), 1);
    QVERIFY(program.readAllStandardError().contains("bad.keras"));
    QVERIFY(!QFileInfo::exists(none));
}

QTEST_MAIN(TestGraphModels)
#include "tst_graphmodels.moc"
