// SPDX-License-Identifier: GPL-3.0-or-later
// The graph document without a window or worker: what ModelGraph refuses (cycles, layers
// without input, unused inputs), the Python it writes, graph edits with undo and redo and
// the selection they carry, and the project format (version 2 with a graph; version 1 files
// from before the graph still open).
#include "app/document.h"
#include "app/grapheditor.h"
#include "app/graphitems.h"
#include "app/graphlayout.h"
#include "app/projectfile.h"
#include "bridge/keras/layers.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest>

using namespace qk;
using namespace qk::app;

namespace {

keras::KerasObject input(int size, const QString& name = {}) {
    keras::KerasObject object(QStringLiteral("keras.layers"), QStringLiteral("InputLayer"));
    object.set(QStringLiteral("shape"), Value::tuple({Value(size)}));
    if (!name.isEmpty())
        object.set(QStringLiteral("name"), name);
    return object;
}

keras::KerasObject dense(int units) {
    return keras::Dense(units);
}

// Input(8) -> Dense(16) -> Dense(4), and Input(8) -> Dense(16) again (shared) -> Add.
ModelGraph residual() {
    ModelGraph g;
    g.nodes = {{1, input(8, QStringLiteral("features")), 0, {}, {}, false},
               {2, dense(8), 0, {}, {}, false},
               {3, keras::Layer(QStringLiteral("Add")), 0, {}, {}, false},
               {4, dense(8), 2, {}, {}, false}};
    g.edges = {{1, -1, 2, QStringLiteral("inputs")},
               {2, -1, 4, QStringLiteral("inputs")},
               {1, -1, 3, QStringLiteral("inputs")},
               {4, -1, 3, QStringLiteral("inputs")}};
    return g;
}

} // namespace

class TestGraphDocument : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void portsFollowTheLayerClass();
    void problemsNameTheNode();
    void cycleIsRefusedBeforeItIsMade();
    void buildCodeIsReadableKeras();
    void outputsWithoutNamesAreNamedByTheirPlace();
    void sequentialChainRoundTrips();
    void editsUndoRedoWithSelection();
    void duplicatePasteAndRemove();
    void projectKeepsGraphAndPositions();
    void versionOneProjectStillOpens();
    void layoutIsLayered();
};

void TestGraphDocument::portsFollowTheLayerClass() {
    QCOMPARE(ModelGraph::portsOf(QStringLiteral("InputLayer")).size(), size_t(0));
    const auto add = ModelGraph::portsOf(QStringLiteral("Add"));
    QCOMPARE(add.size(), size_t(1));
    QVERIFY(add.front().list);
    const auto mha = ModelGraph::portsOf(QStringLiteral("MultiHeadAttention"));
    QCOMPARE(mha.size(), size_t(4));
    QCOMPARE(mha[0].name, QStringLiteral("query"));
    QCOMPARE(mha[1].name, QStringLiteral("value"));
    QVERIFY(mha[2].optional && !mha[2].positional);
    QCOMPARE(mha[3].name, QStringLiteral("attention_mask"));
    const auto lstm = ModelGraph::portsOf(QStringLiteral("LSTM"));
    QCOMPARE(lstm[1].name, QStringLiteral("mask"));
    // A shared call has its owner's ports.
    QCOMPARE(residual().ports(4).front().name, QStringLiteral("inputs"));
}

void TestGraphDocument::problemsNameTheNode() {
    QVERIFY(residual().problems().empty());
    ModelGraph g = residual();
    g.nodes.push_back({5, dense(3), 0, {}, {}, false});
    auto found = g.problems();
    QCOMPARE(found.size(), size_t(1));
    QCOMPARE(found.front().nodeId, 5);
    QVERIFY(found.front().message.contains(QLatin1String("nothing connected to its input")));
    g.nodes.push_back({6, input(3, QStringLiteral("unused")), 0, {}, {}, false});
    found = g.problems();
    QVERIFY(std::any_of(found.begin(), found.end(), [](const GraphProblem& p) {
        return p.nodeId == 6 && p.message.contains(QLatin1String("'unused' is not connected"));
    }));
    ModelGraph none;
    none.nodes.push_back({1, dense(3), 0, {}, {}, false});
    QVERIFY(none.problems().front().message.contains(QLatin1String("no Input")));
}

void TestGraphDocument::cycleIsRefusedBeforeItIsMade() {
    const ModelGraph g = residual();
    QVERIFY(g.refusalFor({3, -1, 2, QStringLiteral("inputs")}).contains(QLatin1String("cycle")));
    QVERIFY(g.refusalFor({2, -1, 2, QStringLiteral("inputs")}).contains(QLatin1String("own")));
    QVERIFY(g.refusalFor({1, -1, 2, QStringLiteral("query")}).contains(QLatin1String("no input")));
    QVERIFY(g.refusalFor({1, -1, 4, QStringLiteral("inputs")}).isEmpty());
    ModelGraph cyclic = g;
    cyclic.edges.push_back({3, -1, 2, QStringLiteral("inputs")});
    QVERIFY(!cyclic.topologicalOrder());
    QVERIFY(cyclic.problems().front().message.contains(QLatin1String("cycle through")));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, cyclic.buildCode());
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, cyclic.describeSpec());
}

void TestGraphDocument::buildCodeIsReadableKeras() {
    const QString code = residual().buildCode().source();
    QCOMPARE(code, QStringLiteral("features = keras.Input(shape=(8,), name='features')\n"
                                  "dense_layer = keras.layers.Dense(8)\n"
                                  "dense = dense_layer(features)\n"
                                  "dense_1 = dense_layer(dense)\n"
                                  "add = keras.layers.Add()([features, dense_1])\n"
                                  "model = keras.Model(inputs=features, outputs=add)"));
    // Tensor arguments by port: query and value by position, key by name.
    ModelGraph mha;
    mha.nodes = {{1, input(8), 0, {}, {}, false},
                 {2,
                  keras::Layer(QStringLiteral("MultiHeadAttention"),
                               {{QStringLiteral("num_heads"), 2}, {QStringLiteral("key_dim"), 4}}),
                  0,
                  {{QStringLiteral("training"), false}},
                  {},
                  false}};
    mha.edges = {{1, -1, 2, QStringLiteral("query")},
                 {1, -1, 2, QStringLiteral("value")},
                 {1, -1, 2, QStringLiteral("key")}};
    QVERIFY2(mha.buildCode().source().contains(QStringLiteral(
                 "multi_head_attention = keras.layers.MultiHeadAttention(num_heads=2, "
                 "key_dim=4)(inputs, inputs, key=inputs, training=False)")),
             qPrintable(mha.buildCode().source()));
}

void TestGraphDocument::outputsWithoutNamesAreNamedByTheirPlace() {
    // Outputs in node order: one named output_2 by the user, a second call of a shared layer
    // (named through the layer it calls), one without a name; the layer in the middle is no
    // output and keeps having none.
    ModelGraph g;
    g.nodes = {
        {1, input(8), 0, {}, {}, false},
        {2, dense(8), 0, {}, {}, false},
        {3, keras::Dense(2).name(QStringLiteral("output_2")), 0, {}, {}, false},
        {4, dense(8), 2, {}, {}, false},
        {5, dense(1), 0, {}, {}, false},
        {6,
         keras::KerasObject(QStringLiteral("keras.applications"), QStringLiteral("MobileNetV2")),
         0,
         {},
         {},
         false},
        {7,
         keras::KerasObject(QStringLiteral("keras.saving"),
                            QStringLiteral("deserialize_keras_object")),
         0,
         {},
         {},
         false}};
    g.edges = {{1, -1, 2, QStringLiteral("inputs")}, {2, -1, 3, QStringLiteral("inputs")},
               {2, -1, 4, QStringLiteral("inputs")}, {1, -1, 5, QStringLiteral("inputs")},
               {1, -1, 6, QStringLiteral("inputs")}, {1, -1, 7, QStringLiteral("inputs")}};
    const ModelGraph named = g.withOutputsNamed();
    QCOMPARE(named.outputIds(), (std::vector<int>{3, 4, 5, 6, 7}));
    // An application takes a name too; a model read from a config keeps the config's.
    QCOMPARE(named.kerasName(6), QStringLiteral("output_4"));
    QCOMPARE(named.kerasName(7), QString());
    QCOMPARE(named.kerasName(3), QStringLiteral("output_2"));
    QCOMPARE(named.kerasName(4), QStringLiteral("output_2_2"));
    QCOMPARE(named.kerasName(2), QStringLiteral("output_2_2"));
    QCOMPARE(named.kerasName(5), QStringLiteral("output_3"));
    QCOMPARE(named.kerasName(1), QString());
    // The graph itself is left as it was, and the model it builds has the names.
    QCOMPARE(g.kerasName(5), QString());
    QCOMPARE(g.kerasName(2), QString());
    ModelGraph layers = g; // without the blocks, whose code needs their configs
    layers.nodes.resize(5);
    layers.edges.resize(4);
    QVERIFY2(layers.buildCode().source().contains(
                 QStringLiteral("keras.layers.Dense(1, name='output_3')")),
             qPrintable(layers.buildCode().source()));
    QCOMPARE(layers.buildCode().source(), layers.withOutputsNamed().buildCode().source());
    // One output: Keras names its loss and metrics plainly, and the graph builds as it is.
    ModelGraph single = g;
    single.nodes.erase(single.nodes.begin() + 2, single.nodes.end());
    single.edges.resize(1);
    QCOMPARE(single.outputIds(), std::vector<int>{2});
    QVERIFY2(!single.buildCode().source().contains(QLatin1String("name=")),
             qPrintable(single.buildCode().source()));
}

void TestGraphDocument::sequentialChainRoundTrips() {
    const std::vector<keras::Layer> layers{keras::Layer(input(4)), keras::Dense(16),
                                           keras::Dense(3)};
    const ModelGraph g = ModelGraph::fromSequential(layers);
    QCOMPARE(g.nodes.size(), size_t(3));
    QCOMPARE(g.inputIds(), std::vector<int>{1});
    QCOMPARE(g.outputIds(), std::vector<int>{3});
    const auto back = g.asSequential();
    QVERIFY(back);
    QCOMPARE(back->size(), size_t(3));
    QVERIFY(!residual().asSequential());
}

void TestGraphDocument::editsUndoRedoWithSelection() {
    Document document;
    document.addLayer(keras::Layer(input(4)));
    document.addLayer(keras::Dense(16));
    QVERIFY(!document.isGraph());
    QSignalSpy changed(&document, &Document::changed);
    document.convertToGraph();
    QVERIFY(document.isGraph());
    QCOMPARE(document.layerCount(), 0);
    QCOMPARE(document.graph().nodes.size(), size_t(2));
    QCOMPARE(document.graph().edges.size(), size_t(1));
    document.undoStack()->undo();
    QVERIFY(!document.isGraph());
    QCOMPARE(document.layerCount(), 2);
    document.undoStack()->redo();

    GraphEditor editor(document);
    const int first = document.graph().nodes.front().id;
    const int last = document.graph().nodes.back().id;
    const int added = editor.addNode(QStringLiteral("Dense"), QPointF(10, 20), last);
    QCOMPARE(document.graph().edgesInto(added).front().from, last);
    const auto lastChange = [&] { return changed.last().first().value<DocumentChange>(); };
    QCOMPARE(lastChange().nodeIds, QList<int>{added});
    document.undoStack()->undo();
    // Undo selects what was selected before: the node the new one was added after.
    QCOMPARE(lastChange().nodeIds, QList<int>{last});
    document.undoStack()->redo();
    QCOMPARE(lastChange().nodeIds, QList<int>{added});

    // A port that takes one tensor gives up the old one when connected again.
    QCOMPARE(editor.connect({first, -1, added, QStringLiteral("inputs")}), QString());
    QCOMPARE(document.graph().edgesInto(added).size(), size_t(1));
    QCOMPARE(document.graph().edgesInto(added).front().from, first);
    const int before = document.undoStack()->count();
    QVERIFY(editor.connect({added, -1, first, QStringLiteral("inputs")})
                .contains(QLatin1String("no input")));
    QCOMPARE(document.undoStack()->count(), before);

    // Moves are one edit that changes only the layout.
    editor.move({{added, QPointF(300, 400)}});
    QVERIFY(lastChange().layoutOnly);
    QCOMPARE(*document.graph().node(added)->position, QPointF(300, 400));
    document.undoStack()->undo();
    QCOMPARE(*document.graph().node(added)->position, QPointF(10, 20));

    // Properties edit a node's object through the document.
    document.setLayerObject(added, keras::Dense(32), QStringLiteral("Set Dense.units"));
    QVERIFY(*document.findLayer(added) == keras::KerasObject(keras::Dense(32)));
    document.undoStack()->undo();
    QVERIFY(*document.findLayer(added) ==
            keras::KerasObject(keras::Layer(QStringLiteral("Dense"))));
}

void TestGraphDocument::duplicatePasteAndRemove() {
    Document document;
    document.setGraph(residual(), QStringLiteral("graph"));
    GraphEditor editor(document);
    const QList<int> copies = editor.duplicate({2, 4});
    QCOMPARE(copies.size(), 2);
    const ModelGraph& g = document.graph();
    // The copies keep the edge between them and the sharing, not the outside edges.
    QCOMPARE(g.edgesInto(copies[1]).size(), size_t(1));
    QCOMPARE(g.edgesInto(copies[1]).front().from, copies[0]);
    QCOMPARE(g.node(copies[1])->sharedWith, copies[0]);
    QCOMPARE(g.edgesInto(copies[0]).size(), size_t(0));
    document.undoStack()->undo();
    QCOMPARE(document.graph(), residual());

    // Pasting a shared call without its owner gives it the owner's layer.
    const QByteArray bytes = GraphEditor::copy(document.graph(), {4});
    const QList<int> pasted = editor.paste(bytes);
    QCOMPARE(pasted.size(), 1);
    QCOMPARE(document.graph().node(pasted.front())->sharedWith, 0);
    QCOMPARE(document.graph().node(pasted.front())->className(), QStringLiteral("Dense"));
    QVERIFY(editor.paste("not a graph").isEmpty());
    document.undoStack()->undo();

    // Removing a layer removes its shared calls and every edge they had.
    editor.remove({2});
    QVERIFY(!document.graph().node(2) && !document.graph().node(4));
    QCOMPARE(document.graph().edges.size(), size_t(1));
    document.undoStack()->undo();
    QCOMPARE(document.graph(), residual());
}

void TestGraphDocument::projectKeepsGraphAndPositions() {
    Project project;
    project.isGraph = true;
    project.graph = residual();
    project.graph.nodes[0].position = QPointF(12.5, -40);
    project.graph.nodes[3].callArguments = {{QStringLiteral("training"), false}};
    QString error;
    const auto back = ProjectFile::fromBytes(ProjectFile::toBytes(project), &error);
    QVERIFY2(back, qPrintable(error));
    QVERIFY(back->isGraph);
    QCOMPARE(back->graph, project.graph);
    QCOMPARE(*back->graph.nodes[0].position, QPointF(12.5, -40));
    // A graph whose edges name missing nodes is a damaged file.
    QByteArray bad = ProjectFile::toBytes(project);
    bad.replace("\"from\": 4", "\"from\": 99");
    QVERIFY(!ProjectFile::fromBytes(bad, &error));
    QVERIFY2(error.contains(QLatin1String("damaged")), qPrintable(error));
}

// A project saved before the graph existed (format version 1): its layers load as the
// Sequential model they were.
void TestGraphDocument::versionOneProjectStillOpens() {
    const QByteArray v1 = R"({
  "format": "qtkeras-project",
  "version": 1,
  "model": {"layers": [
    {"module": "keras.layers", "class": "InputLayer", "args": [],
     "kwargs": [{"name": "shape", "value": {"value": {"$qk": "tuple", "v": [4]}}}]},
    {"module": "keras.layers", "class": "Dense", "args": [{"value": 16}],
     "kwargs": [{"name": "activation", "value": {"value": "relu"}}]},
    {"module": "keras.layers", "class": "Dense", "args": [],
     "kwargs": [{"name": "units", "value": {"value": 3}}]}]},
  "compile": {"loss": "categorical_crossentropy",
              "optimizer": {"module": "keras.optimizers", "class": "Adam", "args": [],
                            "kwargs": []},
              "metrics": ["accuracy"]},
  "training": {"epochs": 50, "batch_size": null, "validation_split": 0.0, "callbacks": []},
  "data": {"kind": "iris", "csv_path": "", "features": [], "label": "species",
           "one_hot": true, "test_fraction": 0.2, "seed": 0, "standardize": true},
  "history": {"smoothing": 0.0, "runs": []}
})";
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("old.qtkeras"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(v1);
    file.close();
    QString error;
    const auto project = ProjectFile::read(path, &error);
    QVERIFY2(project, qPrintable(error));
    QVERIFY(!project->isGraph);
    QCOMPARE(project->layers.size(), size_t(3));
    QCOMPARE(project->layers[1].className(), QStringLiteral("Dense"));
    QCOMPARE(project->training.epochs, 50);
    // Saved again, it is a version 2 file with the same model.
    const QByteArray again = ProjectFile::toBytes(*project);
    QVERIFY(again.contains("\"version\": 2"));
    QCOMPARE(ProjectFile::fromBytes(again)->layers, project->layers);
}

void TestGraphDocument::layoutIsLayered() {
    ModelGraph g = residual();
    g = GraphLayout::laidOut(g, NodeItem::size);
    QVERIFY(GraphLayout::usedGraphviz());
    for (const GraphEdge& e : g.edges)
        QVERIFY2(g.node(e.from)->position->y() < g.node(e.to)->position->y(),
                 qPrintable(QStringLiteral("%1 -> %2").arg(e.from).arg(e.to)));
    // Nodes of one layer do not overlap.
    for (const GraphNode& a : g.nodes) {
        for (const GraphNode& b : g.nodes) {
            if (a.id < b.id) {
                const QRectF ra(*a.position - QPointF(100, 29), QSizeF(200, 58));
                const QRectF rb(*b.position - QPointF(100, 29), QSizeF(200, 58));
                QVERIFY(!ra.intersects(rb));
            }
        }
    }
}

QTEST_MAIN(TestGraphDocument)
#include "tst_graphdocument.moc"
