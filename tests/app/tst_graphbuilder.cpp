// SPDX-License-Identifier: GPL-3.0-or-later
// The graph builder with the real worker, driven as a user would: layers dropped from the
// palette onto the canvas, tensors connected by dragging from an output port to an input
// port, Keras' shapes and parameters on every node, errors on the node and edge that cause
// them, a cycle refused, undo and redo with the selection following, copy and paste, a
// shared layer, and the graph laid out by Graphviz. Then keras.io's architectures built so,
// from the palette and Properties alone, each with the parameter count Python's Keras gives
// the same model.
#include "app/actionids.h"
#include "app/actionregistry.h"
#include "app/catalogsource.h"
#include "app/document.h"
#include "app/graphbuilder.h"
#include "app/graphchecker.h"
#include "app/graphitems.h"
#include "app/graphlayout.h"
#include "app/graphscene.h"
#include "app/graphview.h"
#include "app/layerpalette.h"
#include "app/mainwindow.h"
#include "app/palettemodel.h"
#include "app/parametereditor.h"
#include "app/propertiespanel.h"
#include "app/workspace.h"
#include "bridge/keras/layers.h"
#include "support/idefixture.h"
#include "support/kerasiomodels.h"
#include "support/testsupport.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QTreeView>
#include <QUndoStack>
#include <QtTest>

using namespace qk;
using namespace qk::app;
using qk::test::waitUntil;

class TestGraphBuilder : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void twoInputTwoOutputModelByDragging();
    void shapeErrorShowsOnTheNodeAndItsEdges();
    void cycleIsRefusedWithAMessage();
    void undoRedoRestoreGraphAndSelection();
    void copyPasteAndSharedLayer();
    void layoutUsesGraphviz();
    void skipConnectionGoesAroundTheNodesItSkips();
    void zoomPanFitAndMinimap();

    void mnistConvnetByClicking();
    void bidirectionalLstmByClicking();
    void transformerClassifierByClicking();
    void ticketClassifierWithThreeInputsAndTwoOutputsByClicking();
    void conv1dTimeseriesByClicking();
    void mobileNetV2ByClicking();
    void resNet50ByClicking();

private:
    using Arguments = QList<std::pair<QString, QString>>;
    GraphBuilder* builder() const { return m_ide.window->workspace().graphBuilder(); }
    GraphScene* scene() const { return builder()->scene(); }
    GraphView* view() const { return builder()->view(); }
    GraphChecker& checker() const { return m_ide.window->workspace().graphChecker(); }
    LayerPalette* palette() const { return m_ide.window->workspace().palette(); }
    PropertiesPanel* properties() const { return m_ide.window->workspace().properties(); }
    Document& document() const { return m_ide.window->document(); }

    // Drops a palette entry on the canvas at a viewport point, as a drag from the palette ends.
    int dropFromPalette(const QString& name, QPoint at);
    // Drags from a node's output port to the input port of another node.
    void dragEdge(int from, int to, const QString& port = QStringLiteral("inputs"));
    void setArgument(const QString& name, const QString& text);
    // A new, empty graph, at a scale at which a few rows of nodes fit in the view.
    void startGraph();
    // Drops a palette entry at a scene point (the view scrolled there first), clicks the
    // new node and types or picks its arguments in Properties.
    int place(const QString& entry, QPointF at, const Arguments& arguments = {});
    // Drags a tensor from one node's output to another's input port, the view on both.
    void link(int from, int to, const QString& port = QStringLiteral("inputs"));
    // Keras' verdict on the graph built: no error, and Python's parameter count for `code`.
    void checkAgainstPython(const char* code);
    bool waitForShapes();
    QString shapeOf(int nodeId) const;
    int nodeCount() const { return static_cast<int>(document().graph().nodes.size()); }

    qk::test::IdeFixture m_ide;
};

void TestGraphBuilder::initTestCase() {
    m_ide.start({1500, 950});
    if (QTest::currentTestFailed())
        return;
    QVERIFY2(waitUntil([this] { return m_ide.window->workspace().catalog().isLoaded(); }, 120000),
             "the catalog did not load");
}

void TestGraphBuilder::cleanupTestCase() {
    m_ide.stop();
}

int TestGraphBuilder::dropFromPalette(const QString& name, QPoint at) {
    const QModelIndex index = palette()->indexOf(name);
    [&] { QVERIFY2(index.isValid(), qPrintable(name)); }();
    QMimeData* mime = palette()->filterModel()->mimeData({index});
    const int before = nodeCount();
    QDragEnterEvent enter(at, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(view()->viewport(), &enter);
    QDropEvent drop(QPointF(at), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(view()->viewport(), &drop);
    delete mime;
    [&] { QCOMPARE(nodeCount(), before + 1); }();
    return document().graph().nodes.back().id;
}

void TestGraphBuilder::dragEdge(int from, int to, const QString& port) {
    NodeItem* source = scene()->nodeItem(from);
    NodeItem* target = scene()->nodeItem(to);
    QVERIFY(source && target);
    const QPoint start = view()->mapFromScene(source->outputPortPos(0));
    const QPoint end = view()->mapFromScene(target->inputPortPos(port));
    QWidget* viewport = view()->viewport();
    QTest::mousePress(viewport, Qt::LeftButton, Qt::NoModifier, start);
    QTest::mouseMove(viewport, (start + end) / 2);
    QTest::mouseMove(viewport, end);
    QTest::mouseRelease(viewport, Qt::LeftButton, Qt::NoModifier, end);
}

void TestGraphBuilder::setArgument(const QString& name, const QString& text) {
    ParameterEditor* editor = properties()->editor(name);
    QVERIFY2(editor, qPrintable(name));
    if (auto* spin = qobject_cast<QSpinBox*>(editor->input())) {
        spin->selectAll();
        QTest::keyClicks(spin, text);
        QTest::keyClick(spin, Qt::Key_Return);
        return;
    }
    if (auto* combo = qobject_cast<QComboBox*>(editor->input())) {
        const int at = combo->findText(text);
        QVERIFY2(at > 0, qPrintable(name + QStringLiteral(": ") + text));
        combo->setCurrentIndex(at);
        Q_EMIT combo->activated(at);
        return;
    }
    if (auto* box = qobject_cast<QCheckBox*>(editor->input())) {
        if (box->isChecked() != (text == QLatin1String("True")))
            QTest::mouseClick(box, Qt::LeftButton);
        return;
    }
    auto* line = qobject_cast<QLineEdit*>(editor->input());
    QVERIFY2(line, qPrintable(name));
    line->selectAll();
    QTest::keyClicks(line, text);
    QTest::keyClick(line, Qt::Key_Return);
}

bool TestGraphBuilder::waitForShapes() {
    return waitUntil([this] { return checker().isUpToDate(); }, 60000);
}

QString TestGraphBuilder::shapeOf(int nodeId) const {
    const GraphChecker::NodeResult* r = checker().result(nodeId);
    return r ? r->shape : QString();
}

// keras.io's "multi-input, multi-output" pattern, small: two inputs, a Dense on each, a
// Concatenate, two heads; every tensor connected by dragging on the canvas.
void TestGraphBuilder::twoInputTwoOutputModelByDragging() {
    document().setGraph(ModelGraph{}, QStringLiteral("New graph"));
    QTRY_VERIFY(builder()->isVisible());
    view()->resetTransform();
    const int a = dropFromPalette(QStringLiteral("InputLayer"), {150, 60});
    scene()->selectNodes({a});
    QCOMPARE(properties()->layerId(), a);
    setArgument(QStringLiteral("shape"), QStringLiteral("(8,)"));
    setArgument(QStringLiteral("name"), QStringLiteral("title"));
    const int b = dropFromPalette(QStringLiteral("InputLayer"), {450, 60});
    scene()->selectNodes({b});
    setArgument(QStringLiteral("shape"), QStringLiteral("(4,)"));
    setArgument(QStringLiteral("name"), QStringLiteral("tags"));
    const int da = dropFromPalette(QStringLiteral("Dense"), {150, 170});
    scene()->selectNodes({da});
    setArgument(QStringLiteral("units"), QStringLiteral("16"));
    const int db = dropFromPalette(QStringLiteral("Dense"), {450, 170});
    scene()->selectNodes({db});
    setArgument(QStringLiteral("units"), QStringLiteral("8"));
    const int cat = dropFromPalette(QStringLiteral("Concatenate"), {300, 280});
    const int head1 = dropFromPalette(QStringLiteral("Dense"), {150, 400});
    scene()->selectNodes({head1});
    setArgument(QStringLiteral("units"), QStringLiteral("1"));
    const int head2 = dropFromPalette(QStringLiteral("Dense"), {450, 400});
    scene()->selectNodes({head2});
    setArgument(QStringLiteral("units"), QStringLiteral("3"));

    dragEdge(a, da);
    dragEdge(b, db);
    dragEdge(da, cat);
    dragEdge(db, cat);
    dragEdge(cat, head1);
    dragEdge(cat, head2);
    QCOMPARE(document().graph().edges.size(), size_t(6));
    QCOMPARE(document().graph().edgesInto(cat).size(), size_t(2));
    QVERIFY(waitForShapes());
    QCOMPARE(checker().firstError(), QString());
    QCOMPARE(shapeOf(cat), QStringLiteral("(None, 24)"));
    QCOMPARE(shapeOf(head2), QStringLiteral("(None, 3)"));
    // Python: 8*16+16 + 4*8+8 + 24*1+1 + 24*3+3 = 144 + 40 + 25 + 75
    QCOMPARE(checker().totalParams(), 284);
    QCOMPARE(builder()->totalLabel()->text(), QStringLiteral("Total params: 284"));
    QCOMPARE(document().graph().inputIds(), (std::vector<int>{a, b}));
    QCOMPARE(document().graph().outputIds(), (std::vector<int>{head1, head2}));
    // The heads have no name: they are called as the Data panel and the charts call them.
    QCOMPARE(scene()->nodeItem(head1)->title(), QStringLiteral("Dense · output 1"));
    QCOMPARE(scene()->nodeItem(head2)->title(), QStringLiteral("Dense · output 2"));
    QCOMPARE(scene()->nodeItem(a)->title(), QStringLiteral("Input · title"));
    QCOMPARE(scene()->nodeItem(cat)->title(), QStringLiteral("Concatenate"));

    const QString dir = qEnvironmentVariable("QTKERAS_SCREENSHOT_DIR");
    if (!dir.isEmpty()) {
        builder()->scene()->editor().autoLayout();
        view()->fitGraph();
        QVERIFY(builder()->grab().save(dir + QStringLiteral("/graph-two-inputs-dragged.png")));
    }
}

void TestGraphBuilder::shapeErrorShowsOnTheNodeAndItsEdges() {
    const ModelGraph& graph = document().graph();
    const int cat = graph.nodes[4].id;
    const int db = graph.nodes[3].id;
    // Concatenate on the last axis of (None, 16) and (None, 8, 2) cannot work.
    scene()->selectNodes({db});
    setArgument(QStringLiteral("units"), QStringLiteral("8"));
    const int reshape = dropFromPalette(QStringLiteral("Reshape"), {600, 230});
    scene()->selectNodes({reshape});
    setArgument(QStringLiteral("target_shape"), QStringLiteral("(4, 2)"));
    dragEdge(db, reshape);
    dragEdge(reshape, cat);
    QVERIFY(waitForShapes());
    QVERIFY(checker().hasError(cat));
    QVERIFY2(checker().result(cat)->error.contains(QLatin1String("Concatenate")),
             qPrintable(checker().result(cat)->error));
    QVERIFY(scene()->nodeItem(cat)->hasError());
    const auto into = document().graph().edgesInto(cat);
    QVERIFY(std::all_of(into.begin(), into.end(),
                        [this](const GraphEdge& e) { return checker().edgeHasError(e); }));
    QVERIFY(builder()->statusLabel()->status().contains(QLatin1String("Concatenate")));
    // Undo the two connections and the node: the error goes.
    document().undoStack()->undo();
    document().undoStack()->undo();
    document().undoStack()->undo();
    document().undoStack()->undo();
    QVERIFY(waitForShapes());
    QVERIFY(!checker().hasError(cat));
    QCOMPARE(checker().totalParams(), 284);
}

void TestGraphBuilder::cycleIsRefusedWithAMessage() {
    const ModelGraph before = document().graph();
    const int da = before.nodes[2].id;
    const int head1 = before.nodes[5].id;
    const int undoCount = document().undoStack()->count();
    dragEdge(head1, da);
    QCOMPARE(document().graph(), before);
    QCOMPARE(document().undoStack()->count(), undoCount);
    QVERIFY2(builder()->statusLabel()->status().contains(QLatin1String("cycle")),
             qPrintable(builder()->statusLabel()->status()));
    // A dangling layer: the graph says which and why, without the worker.
    const int lonely = dropFromPalette(QStringLiteral("Dense"), {700, 400});
    QVERIFY(checker().hasError(lonely));
    QVERIFY(checker().firstError().contains(QLatin1String("nothing connected")));
    document().undoStack()->undo();
    QVERIFY(!document().graph().node(lonely));
}

void TestGraphBuilder::undoRedoRestoreGraphAndSelection() {
    const ModelGraph before = document().graph();
    const int head2 = before.nodes[6].id;
    scene()->selectNodes({head2});
    QTest::keyClick(view()->viewport(), Qt::Key_Delete);
    QVERIFY(!document().graph().node(head2));
    QVERIFY(scene()->selectedNodeIds().isEmpty());
    document().undoStack()->undo();
    QCOMPARE(document().graph(), before);
    // The restored node is selected again and the Properties dock shows it.
    QCOMPARE(scene()->selectedNodeIds(), QList<int>{head2});
    QCOMPARE(properties()->layerId(), head2);
    document().undoStack()->redo();
    QVERIFY(!document().graph().node(head2));
    document().undoStack()->undo();
    QVERIFY(waitForShapes());
    QCOMPARE(checker().totalParams(), 284);
}

void TestGraphBuilder::copyPasteAndSharedLayer() {
    const ModelGraph before = document().graph();
    const int da = before.nodes[2].id;
    const int db = before.nodes[3].id;
    scene()->selectNodes({da, db});
    builder()->setFocus();
    view()->setFocus();
    QTest::keyClick(view()->viewport(), Qt::Key_C, Qt::ControlModifier);
    QTest::keyClick(view()->viewport(), Qt::Key_V, Qt::ControlModifier);
    QCOMPARE(nodeCount(), 9);
    QCOMPARE(scene()->selectedNodeIds().size(), 2);
    document().undoStack()->undo();
    QCOMPARE(document().graph(), before);

    // One Dense called on both inputs' features: the same weights, counted once.
    const int a = before.nodes[0].id;
    const ModelGraph plain = document().graph();
    const int shared = scene()->editor().share(da);
    QVERIFY(shared != 0);
    QCOMPARE(document().graph().node(shared)->sharedWith, da);
    QVERIFY(scene()->editor().connect({a, -1, shared, QStringLiteral("inputs")}).isEmpty());
    QVERIFY(waitForShapes());
    QCOMPARE(shapeOf(shared), QStringLiteral("(None, 16)"));
    // The shared call is a new output of the model but adds no parameters.
    QCOMPARE(checker().totalParams(), 284);
    document().undoStack()->undo();
    document().undoStack()->undo();
    QCOMPARE(document().graph(), plain);
}

void TestGraphBuilder::layoutUsesGraphviz() {
    scene()->editor().autoLayout();
    QVERIFY(GraphLayout::usedGraphviz());
    const ModelGraph& graph = document().graph();
    // Layered top to bottom: every tensor flows downwards.
    for (const GraphEdge& e : graph.edges)
        QVERIFY(graph.node(e.from)->position->y() < graph.node(e.to)->position->y());
    document().undoStack()->undo();
}

// A residual block as Graphviz lays it out: the tensor that skips three layers does not run
// over them (and no other edge over a node it does not connect).
void TestGraphBuilder::skipConnectionGoesAroundTheNodesItSkips() {
    ModelGraph graph;
    keras::KerasObject input(QStringLiteral("keras.layers"), QStringLiteral("InputLayer"));
    input.set(QStringLiteral("shape"), Value::tuple({Value(8)}));
    graph.nodes = {{1, input, 0, {}, {}, false},
                   {2, keras::Dense(8), 0, {}, {}, false},
                   {3, keras::Dense(8), 0, {}, {}, false},
                   {4, keras::Dense(8), 0, {}, {}, false},
                   {5, keras::Layer(QStringLiteral("Add")), 0, {}, {}, false},
                   {6, keras::Dense(1), 0, {}, {}, false}};
    const QString in = QStringLiteral("inputs");
    graph.edges = {{1, -1, 2, in}, {2, -1, 3, in}, {3, -1, 4, in},
                   {1, -1, 5, in}, {4, -1, 5, in}, {5, -1, 6, in}};
    document().setGraph(GraphLayout::laidOut(graph, NodeItem::size), QStringLiteral("Residual"));
    QVERIFY(waitForShapes());
    QCOMPARE(shapeOf(5), QStringLiteral("(None, 8)"));
    QCOMPARE(scene()->edgeItems().size(), 6);
    for (EdgeItem* edge : scene()->edgeItems()) {
        const QPainterPath path = edge->mapToScene(edge->path());
        for (const GraphNode& node : document().graph().nodes) {
            if (node.id == edge->edge().from || node.id == edge->edge().to)
                continue;
            const QRectF rect = scene()->nodeItem(node.id)->sceneBoundingRect();
            for (int i = 0; i <= 200; ++i)
                QVERIFY2(!rect.contains(path.pointAtPercent(i / 200.0)),
                         qPrintable(QStringLiteral("the edge %1 -> %2 runs over node %3")
                                        .arg(edge->edge().from)
                                        .arg(edge->edge().to)
                                        .arg(node.id)));
        }
    }
    document().undoStack()->undo();
}

// A graph taller than the view: fit shows all of it; the wheel zooms about the cursor; an
// Alt-drag on empty canvas pans; once the graph outgrows the view the minimap shows, and a
// click on it centres the view there; Fit to View shows it all again.
void TestGraphBuilder::zoomPanFitAndMinimap() {
    ModelGraph graph;
    keras::KerasObject input(QStringLiteral("keras.layers"), QStringLiteral("InputLayer"));
    input.set(QStringLiteral("shape"), Value::tuple({Value(8)}));
    graph.nodes.push_back({1, input, 0, {}, {}, false});
    for (int id = 2; id <= 40; ++id) {
        graph.nodes.push_back({id, keras::Dense(8), 0, {}, {}, false});
        graph.edges.push_back({id - 1, -1, id, QStringLiteral("inputs")});
    }
    document().setGraph(GraphLayout::laidOut(graph, NodeItem::size), QStringLiteral("Chain"));
    QWidget* viewport = view()->viewport();
    const auto seen = [&] { return view()->mapToScene(viewport->rect()).boundingRect(); };
    view()->fitGraph();
    QVERIFY(seen().contains(scene()->graphRect()));
    QVERIFY(!view()->minimap()->isVisible());

    // The wheel: 1.15 times per notch, the point under the cursor staying there.
    const QPoint cursor(viewport->width() / 3, viewport->height() / 3);
    QTest::mouseMove(viewport, cursor);
    const QPointF under = view()->mapToScene(cursor);
    const qreal before = view()->zoom();
    QWheelEvent wheel(cursor, viewport->mapToGlobal(cursor), {}, {0, 120}, Qt::NoButton,
                      Qt::NoModifier, Qt::NoScrollPhase, false);
    QCoreApplication::sendEvent(viewport, &wheel);
    QVERIFY(qAbs(view()->zoom() / before - 1.15) < 0.01);
    QVERIFY2(QLineF(view()->mapToScene(cursor), under).length() * view()->zoom() < 3,
             "the point under the cursor moved");

    // Zoomed in, the graph outgrows the view: the minimap shows where the view is.
    view()->zoomBy(5);
    QVERIFY(!seen().contains(scene()->graphRect()));
    QVERIFY(view()->minimap()->isVisible());

    // Alt-drag on empty canvas pans by as much as the mouse moved.
    QPoint empty;
    for (int x = 5; x < viewport->width() && empty.isNull(); x += 20) {
        for (int y = 5; y < viewport->height() && empty.isNull(); y += 20) {
            const QPoint p(x, y);
            if (!view()->itemAt(p) && !view()->minimap()->geometry().contains(p) &&
                y + 60 < viewport->height())
                empty = p;
        }
    }
    QVERIFY(!empty.isNull());
    const QPointF centre = seen().center();
    const ModelGraph laidOut = document().graph();
    QTest::mousePress(viewport, Qt::LeftButton, Qt::AltModifier, empty + QPoint(0, 60));
    QTest::mouseMove(viewport, empty + QPoint(0, 30));
    QTest::mouseMove(viewport, empty);
    QTest::mouseRelease(viewport, Qt::LeftButton, Qt::AltModifier, empty);
    QVERIFY(qAbs((seen().center().y() - centre.y()) * view()->zoom() - 60) < 2);
    QVERIFY(document().graph() == laidOut); // panning moved no node

    // A click on the minimap centres the view on that place: the end of the chain.
    QGraphicsView* minimap = view()->minimap();
    const QPointF last = scene()->nodeItem(40)->scenePos();
    QTest::mouseClick(minimap->viewport(), Qt::LeftButton, Qt::NoModifier,
                      minimap->mapFromScene(last));
    QVERIFY(seen().contains(last));
    QVERIFY(QLineF(seen().center(), last).length() * view()->zoom() < 40);

    // Fit to View: all of it again, no minimap.
    m_ide.window->actionRegistry().action(ids::graphFit)->trigger();
    QVERIFY(seen().contains(scene()->graphRect()));
    QVERIFY(!view()->minimap()->isVisible());
}

void TestGraphBuilder::startGraph() {
    document().setGraph(ModelGraph{}, QStringLiteral("New graph"));
    QTRY_VERIFY(builder()->isVisible());
    view()->setTransform(QTransform::fromScale(0.8, 0.8));
}

int TestGraphBuilder::place(const QString& entry, QPointF at, const Arguments& arguments) {
    view()->centerOn(at);
    const int id = dropFromPalette(entry, view()->mapFromScene(at));
    if (QTest::currentTestFailed())
        return 0;
    scene()->clearSelection();
    QTest::mouseClick(view()->viewport(), Qt::LeftButton, Qt::NoModifier,
                      view()->mapFromScene(scene()->nodeItem(id)->scenePos()));
    [&] { QCOMPARE(properties()->layerId(), id); }();
    for (const auto& [name, text] : arguments) {
        setArgument(name, text);
        ParameterEditor* editor = properties()->editor(name);
        [&] {
            QVERIFY2(editor && editor->errorText().isEmpty(),
                     qPrintable(name + QStringLiteral(": ") +
                                (editor ? editor->errorText() : QStringLiteral("no editor"))));
        }();
    }
    return id;
}

void TestGraphBuilder::link(int from, int to, const QString& port) {
    const QPointF a = scene()->nodeItem(from)->scenePos();
    const QPointF b = scene()->nodeItem(to)->scenePos();
    view()->centerOn((a + b) / 2);
    const size_t before = document().graph().edgesInto(to, port).size();
    dragEdge(from, to, port);
    QVERIFY2(document().graph().edgesInto(to, port).size() == before + 1,
             qPrintable(QStringLiteral("%1 -> %2.%3: %4")
                            .arg(from)
                            .arg(to)
                            .arg(port, builder()->statusLabel()->status())));
}

void TestGraphBuilder::checkAgainstPython(const char* code) {
    QFuture<Value> count = m_ide.host->session().run(
        QStringLiteral("import keras\n%1\nm.count_params()").arg(QString::fromLatin1(code)));
    QVERIFY2(qk::test::waitFinished(count, 300000), qPrintable(m_ide.report()));
    QVERIFY2(waitUntil([this] { return checker().isUpToDate(); }, 300000),
             qPrintable(m_ide.report()));
    QVERIFY2(checker().firstError().isEmpty(), qPrintable(checker().firstError()));
    QCOMPARE(checker().totalParams(), static_cast<qint64>(count.result().toInt()));
    for (const GraphNode& node : document().graph().nodes)
        QVERIFY2(!shapeOf(node.id).isEmpty(), qPrintable(node.className()));
    const QString dir = qEnvironmentVariable("QTKERAS_SCREENSHOT_DIR");
    if (!dir.isEmpty()) {
        view()->fitGraph();
        QVERIFY(builder()->grab().save(
            QStringLiteral("%1/clicked-%2.png")
                .arg(dir, QString::fromLatin1(QTest::currentTestFunction()))));
    }
}

// Each architecture: nodes a row (110 scene units) apart, top to bottom, as a user lays them.
void TestGraphBuilder::mnistConvnetByClicking() {
    startGraph();
    qreal y = 0;
    const auto next = [&y] { return QPointF(0, y += 110); };
    const int input = place(QStringLiteral("InputLayer"), next(),
                            {{QStringLiteral("shape"), QStringLiteral("(28, 28, 1)")}});
    int last = input;
    for (const char* filters : {"32", "64"}) {
        const int conv = place(QStringLiteral("Conv2D"), next(),
                               {{QStringLiteral("filters"), QString::fromLatin1(filters)},
                                {QStringLiteral("kernel_size"), QStringLiteral("(3, 3)")},
                                {QStringLiteral("activation"), QStringLiteral("relu")}});
        link(last, conv);
        const int pool = place(QStringLiteral("MaxPooling2D"), next(),
                               {{QStringLiteral("pool_size"), QStringLiteral("(2, 2)")}});
        link(conv, pool);
        last = pool;
    }
    const int flatten = place(QStringLiteral("Flatten"), next());
    link(last, flatten);
    const int dropout =
        place(QStringLiteral("Dropout"), next(), {{QStringLiteral("rate"), QStringLiteral("0.5")}});
    link(flatten, dropout);
    const int dense = place(QStringLiteral("Dense"), next(),
                            {{QStringLiteral("units"), QStringLiteral("10")},
                             {QStringLiteral("activation"), QStringLiteral("softmax")}});
    link(dropout, dense);
    checkAgainstPython(qk::test::kerasio::mnistConvnet);
    QCOMPARE(shapeOf(flatten), QStringLiteral("(None, 1600)"));
}

// The wrapped LSTM is typed as its call in Bidirectional's `layer` field.
void TestGraphBuilder::bidirectionalLstmByClicking() {
    startGraph();
    qreal y = 0;
    const auto next = [&y] { return QPointF(0, y += 110); };
    const int input = place(QStringLiteral("InputLayer"), next(),
                            {{QStringLiteral("shape"), QStringLiteral("(None,)")},
                             {QStringLiteral("dtype"), QStringLiteral("int32")}});
    const int embedding = place(QStringLiteral("Embedding"), next(),
                                {{QStringLiteral("input_dim"), QStringLiteral("20000")},
                                 {QStringLiteral("output_dim"), QStringLiteral("128")}});
    link(input, embedding);
    const int first =
        place(QStringLiteral("Bidirectional"), next(),
              {{QStringLiteral("layer"), QStringLiteral("LSTM(64, return_sequences=True)")}});
    link(embedding, first);
    const int second = place(QStringLiteral("Bidirectional"), next(),
                             {{QStringLiteral("layer"), QStringLiteral("LSTM(64)")}});
    link(first, second);
    const int dense = place(QStringLiteral("Dense"), next(),
                            {{QStringLiteral("units"), QStringLiteral("1")},
                             {QStringLiteral("activation"), QStringLiteral("sigmoid")}});
    link(second, dense);
    checkAgainstPython(qk::test::kerasio::bidirectionalLstm);
    QCOMPARE(shapeOf(first), QStringLiteral("(None, None, 128)"));
    // The field shows the layer as its call, and an unknown class is refused there.
    scene()->clearSelection();
    scene()->selectNodes({second});
    auto* field = qobject_cast<QLineEdit*>(properties()->editor(QStringLiteral("layer"))->input());
    QVERIFY(field);
    QCOMPARE(field->text(), QStringLiteral("keras.layers.LSTM(64)"));
    // The argument's label carries Keras' own words on it; the field says how to type one.
    QLabel* label = nullptr;
    for (QLabel* candidate : properties()->findChildren<QLabel*>()) {
        if (candidate->text() == QStringLiteral("<b>layer</b>"))
            label = candidate;
    }
    QVERIFY(label);
    QVERIFY2(label->toolTip().contains(QStringLiteral("RNN")), qPrintable(label->toolTip()));
    QVERIFY2(field->toolTip().contains(QStringLiteral("typed as its call")),
             qPrintable(field->toolTip()));
    if (const QString dir = qEnvironmentVariable("QTKERAS_SCREENSHOT_DIR"); !dir.isEmpty())
        QVERIFY(
            m_ide.window->grab().save(dir + QStringLiteral("/clicked-bidirectional-window.png")));
    const ModelGraph before = document().graph();
    setArgument(QStringLiteral("layer"), QStringLiteral("LSTMM(64)"));
    QCOMPARE(properties()->editor(QStringLiteral("layer"))->errorText(),
             QStringLiteral("LSTMM is not a Keras class"));
    QCOMPARE(document().graph(), before);
}

// Query and value of the attention are the same tensor, dragged to both ports; each Add
// takes the tensor that skips the block and the block's output.
void TestGraphBuilder::transformerClassifierByClicking() {
    startGraph();
    qreal y = 0;
    const auto next = [&y](qreal x = 0) { return QPointF(x, y += 110); };
    const QString in = QStringLiteral("inputs");
    const int input = place(QStringLiteral("InputLayer"), next(),
                            {{QStringLiteral("shape"), QStringLiteral("(200,)")}});
    const int embedding = place(QStringLiteral("Embedding"), next(),
                                {{QStringLiteral("input_dim"), QStringLiteral("20000")},
                                 {QStringLiteral("output_dim"), QStringLiteral("32")}});
    link(input, embedding);
    const int attention = place(QStringLiteral("MultiHeadAttention"), next(250),
                                {{QStringLiteral("num_heads"), QStringLiteral("2")},
                                 {QStringLiteral("key_dim"), QStringLiteral("32")}});
    link(embedding, attention, QStringLiteral("query"));
    link(embedding, attention, QStringLiteral("value"));
    const int drop1 = place(QStringLiteral("Dropout"), next(250),
                            {{QStringLiteral("rate"), QStringLiteral("0.1")}});
    link(attention, drop1);
    const int add1 = place(QStringLiteral("Add"), next());
    link(embedding, add1);
    link(drop1, add1);
    const int norm1 = place(QStringLiteral("LayerNormalization"), next(),
                            {{QStringLiteral("epsilon"), QStringLiteral("1e-6")}});
    link(add1, norm1);
    const int ff1 = place(QStringLiteral("Dense"), next(250),
                          {{QStringLiteral("units"), QStringLiteral("32")},
                           {QStringLiteral("activation"), QStringLiteral("relu")}});
    link(norm1, ff1);
    const int ff2 = place(QStringLiteral("Dense"), next(250),
                          {{QStringLiteral("units"), QStringLiteral("32")}});
    link(ff1, ff2);
    const int drop2 = place(QStringLiteral("Dropout"), next(250),
                            {{QStringLiteral("rate"), QStringLiteral("0.1")}});
    link(ff2, drop2);
    const int add2 = place(QStringLiteral("Add"), next());
    link(norm1, add2);
    link(drop2, add2);
    const int norm2 = place(QStringLiteral("LayerNormalization"), next(),
                            {{QStringLiteral("epsilon"), QStringLiteral("1e-6")}});
    link(add2, norm2);
    const int pool = place(QStringLiteral("GlobalAveragePooling1D"), next());
    link(norm2, pool);
    int last = pool;
    for (const char* units : {"20", "2"}) {
        const int drop = place(QStringLiteral("Dropout"), next(),
                               {{QStringLiteral("rate"), QStringLiteral("0.1")}});
        link(last, drop);
        const bool head = qstrcmp(units, "2") == 0;
        last = place(QStringLiteral("Dense"), next(),
                     {{QStringLiteral("units"), QString::fromLatin1(units)},
                      {QStringLiteral("activation"),
                       head ? QStringLiteral("softmax") : QStringLiteral("relu")}});
        link(drop, last);
    }
    QCOMPARE(document().graph().edgesInto(attention).size(), size_t(2));
    QCOMPARE(document().graph().edgesInto(add1, in).size(), size_t(2));
    checkAgainstPython(qk::test::kerasio::transformerClassifier);
    QCOMPARE(shapeOf(attention), QStringLiteral("(None, 200, 32)"));
}

// keras.io's ticket classifier: three named inputs, two recurrent branches and the tags
// concatenated, two named heads.
void TestGraphBuilder::ticketClassifierWithThreeInputsAndTwoOutputsByClicking() {
    startGraph();
    std::vector<int> features;
    const int tags = place(QStringLiteral("InputLayer"), {500, 110},
                           {{QStringLiteral("shape"), QStringLiteral("(12,)")},
                            {QStringLiteral("name"), QStringLiteral("tags")}});
    qreal x = 0;
    for (const auto& [name, units] : {std::pair{"title", "128"}, std::pair{"body", "32"}}) {
        const int input = place(QStringLiteral("InputLayer"), {x, 110},
                                {{QStringLiteral("shape"), QStringLiteral("(None,)")},
                                 {QStringLiteral("name"), QString::fromLatin1(name)}});
        const int embedding = place(QStringLiteral("Embedding"), {x, 220},
                                    {{QStringLiteral("input_dim"), QStringLiteral("10000")},
                                     {QStringLiteral("output_dim"), QStringLiteral("64")}});
        link(input, embedding);
        const int lstm = place(QStringLiteral("LSTM"), {x, 330},
                               {{QStringLiteral("units"), QString::fromLatin1(units)}});
        link(embedding, lstm);
        features.push_back(lstm);
        x += 250;
    }
    const int concatenate = place(QStringLiteral("Concatenate"), {250, 440});
    for (const int from : {features[0], features[1], tags})
        link(from, concatenate);
    const int priority = place(QStringLiteral("Dense"), {100, 550},
                               {{QStringLiteral("units"), QStringLiteral("1")},
                                {QStringLiteral("name"), QStringLiteral("priority")}});
    const int department = place(QStringLiteral("Dense"), {400, 550},
                                 {{QStringLiteral("units"), QStringLiteral("4")},
                                  {QStringLiteral("name"), QStringLiteral("department")}});
    link(concatenate, priority);
    link(concatenate, department);
    checkAgainstPython(qk::test::kerasio::twoInputsTwoOutputs);
    QCOMPARE(document().graph().inputIds().size(), size_t(3));
    QCOMPARE(document().graph().outputIds(), (std::vector<int>{priority, department}));
    QCOMPARE(shapeOf(concatenate), QStringLiteral("(None, 172)"));
}

void TestGraphBuilder::conv1dTimeseriesByClicking() {
    startGraph();
    qreal y = 0;
    const auto next = [&y] { return QPointF(0, y += 110); };
    int last = place(QStringLiteral("InputLayer"), next(),
                     {{QStringLiteral("shape"), QStringLiteral("(500, 1)")}});
    for (int block = 0; block < 3; ++block) {
        const int conv = place(QStringLiteral("Conv1D"), next(),
                               {{QStringLiteral("filters"), QStringLiteral("64")},
                                {QStringLiteral("kernel_size"), QStringLiteral("3")},
                                {QStringLiteral("padding"), QStringLiteral("same")}});
        link(last, conv);
        const int norm = place(QStringLiteral("BatchNormalization"), next());
        link(conv, norm);
        last = place(QStringLiteral("ReLU"), next());
        link(norm, last);
    }
    const int pool = place(QStringLiteral("GlobalAveragePooling1D"), next());
    link(last, pool);
    const int dense = place(QStringLiteral("Dense"), next(),
                            {{QStringLiteral("units"), QStringLiteral("2")},
                             {QStringLiteral("activation"), QStringLiteral("softmax")}});
    link(pool, dense);
    checkAgainstPython(qk::test::kerasio::conv1dTimeseries);
    QCOMPARE(shapeOf(last), QStringLiteral("(None, 500, 64)"));
}

// An application from the palette's Applications group is a block, without pretrained
// weights (nothing is downloaded); its arguments are edited in Properties like a layer's.
void TestGraphBuilder::mobileNetV2ByClicking() {
    startGraph();
    const int input = place(QStringLiteral("InputLayer"), {0, 110},
                            {{QStringLiteral("shape"), QStringLiteral("(224, 224, 3)")}});
    const QModelIndex entry = palette()->indexOf(QStringLiteral("MobileNetV2"));
    QVERIFY(entry.isValid());
    QCOMPARE(entry.parent().data().toString(), QStringLiteral("Applications"));
    QVERIFY2(entry.parent().data(Qt::ToolTipRole).toString().contains(QStringLiteral("block")),
             qPrintable(entry.parent().data(Qt::ToolTipRole).toString()));
    if (const QString dir = qEnvironmentVariable("QTKERAS_SCREENSHOT_DIR"); !dir.isEmpty()) {
        palette()->view()->scrollTo(entry);
        QVERIFY(palette()->grab().save(dir + QStringLiteral("/clicked-palette-applications.png")));
    }
    const int block = place(QStringLiteral("MobileNetV2"), {0, 220});
    link(input, block);
    QVERIFY(document().graph().node(block)->isBlock());
    QCOMPARE(properties()->editor(QStringLiteral("weights"))->isSet(), true);
    checkAgainstPython(qk::test::kerasio::mobileNetV2);
    QCOMPARE(shapeOf(block), QStringLiteral("(None, 1000)"));
    // A smaller one, set in Properties: Keras counts it again.
    scene()->selectNodes({block});
    setArgument(QStringLiteral("alpha"), QStringLiteral("0.35"));
    checkAgainstPython("m = keras.applications.MobileNetV2(weights=None, alpha=0.35)");
}

void TestGraphBuilder::resNet50ByClicking() {
    startGraph();
    const int input = place(QStringLiteral("InputLayer"), {0, 110},
                            {{QStringLiteral("shape"), QStringLiteral("(224, 224, 3)")}});
    const int block = place(QStringLiteral("ResNet50"), {0, 220});
    link(input, block);
    checkAgainstPython(qk::test::kerasio::resNet50);
    QCOMPARE(checker().totalParams(), 25636712);
}

QTEST_MAIN(TestGraphBuilder)
#include "tst_graphbuilder.moc"
