// SPDX-License-Identifier: GPL-3.0-or-later
// The graph builder in the IDE's window, with the real worker, on the offscreen platform
// unless QT_QPA_PLATFORM says otherwise: ResNet50 (weights=None) saved by Keras, then
// imported as File > Import does (until it is laid out on the canvas, and until Keras' shapes
// are on every node); an edit of one layer until its shapes are back (p50 over --edits);
// and frames of zooming and panning a 500-node graph (each a synchronous repaint of the
// canvas; pans far out and at 0.6, where nodes are drawn in full); ResNet50 as a block in a graph,
// opened and closed, frames over it opened, and an edit beside it. Prints one JSON line of figures
// on stdout.
#include "bench/benchsupport.h"

#include "app/document.h"
#include "app/graphbuilder.h"
#include "app/graphchecker.h"
#include "app/grapheditor.h"
#include "app/graphitems.h"
#include "app/graphlayout.h"
#include "app/graphscene.h"
#include "app/graphview.h"
#include "app/mainwindow.h"
#include "app/projectactions.h"
#include "app/sessionhost.h"
#include "app/workspace.h"
#include "bridge/codegen/python.h"
#include "bridge/keras/layers.h"
#include "bridge/session/session.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QEventLoop>
#include <QScrollBar>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>

#include <ctime>

using namespace qk;
using namespace qk::bench;
using namespace qk::app;

namespace {

// Runs the event loop until `done` holds, checking after each batch of events.
double threadCpuTime() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

void runUntil(const std::function<bool()>& done) {
    while (!done())
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
}

// Input(64), then residual blocks Dense -> Dense -> Add(block input, second Dense) up to
// `count` nodes.
ModelGraph residualGraph(int count) {
    ModelGraph graph;
    keras::KerasObject input(QStringLiteral("keras.layers"), QStringLiteral("InputLayer"));
    input.set(QStringLiteral("shape"), Value::tuple({Value(64)}));
    graph.nodes.push_back({1, input, 0, {}, {}, false});
    const QString in = QStringLiteral("inputs");
    int last = 1;
    int id = 1;
    while (id + 3 <= count) {
        graph.nodes.push_back({id + 1, keras::Dense(64), 0, {}, {}, false});
        graph.nodes.push_back({id + 2, keras::Dense(64), 0, {}, {}, false});
        graph.nodes.push_back({id + 3, keras::Layer(QStringLiteral("Add")), 0, {}, {}, false});
        graph.edges.push_back({last, -1, id + 1, in});
        graph.edges.push_back({id + 1, -1, id + 2, in});
        graph.edges.push_back({last, -1, id + 3, in});
        graph.edges.push_back({id + 2, -1, id + 3, in});
        last = id + 3;
        id += 3;
    }
    return graph;
}

} // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("QtKerasBench"));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("The graph builder: import, edits, frames"));
    parser.addHelpOption();
    const QCommandLineOption editsOption(QStringLiteral("edits"),
                                         QStringLiteral("Edits of ResNet50 to time."),
                                         QStringLiteral("n"), QStringLiteral("20"));
    const QCommandLineOption nodesOption(QStringLiteral("nodes"),
                                         QStringLiteral("Nodes of the graph to zoom and pan."),
                                         QStringLiteral("n"), QStringLiteral("500"));
    parser.addOptions({editsOption, nodesOption});
    parser.process(app);
    const int edits = parser.value(editsOption).toInt();
    const int nodes = parser.value(nodesOption).toInt();

    try {
        QTemporaryDir dir;
        SessionHost host(workerOptions());
        MainWindow window(host);
        window.resize(1600, 1000);
        window.show();
        await(host.session().ready());
        const QString file = dir.filePath(QStringLiteral("resnet50.keras"));
        progress(QStringLiteral("saving ResNet50 (weights=None)"));
        await(host.session().run(
            QStringLiteral("import keras\nkeras.applications.ResNet50(weights=None).save(%1)")
                .arg(py::Expr::literal(Value(file)).source())));

        Document& document = window.document();
        GraphChecker& checker = window.workspace().graphChecker();
        GraphBuilder* builder = window.workspace().graphBuilder();
        Json figures;

        // Import: laid out on the canvas, then Keras' shapes on every node.
        double start = now();
        QFuture<ImportedModel> imported = window.project().importKerasModel(file);
        runUntil([&] { return imported.isFinished(); });
        imported.result();
        QCoreApplication::processEvents();
        const double laidOut = now() - start;
        runUntil([&] { return checker.isUpToDate(); });
        const double checked = now() - start;
        figures["graph_resnet50_nodes"] = document.graph().nodes.size();
        figures["graph_resnet50_import_laid_out_s"] = laidOut;
        figures["graph_resnet50_import_shapes_s"] = checked;
        progress(QStringLiteral("ResNet50: %1 nodes laid out in %2 s, shapes in %3 s")
                     .arg(document.graph().nodes.size())
                     .arg(laidOut, 0, 'f', 2)
                     .arg(checked, 0, 'f', 2));

        // Edits: the last Dense layer's units, as the Properties dock sets them.
        const int head = document.graph().outputIds().front();
        std::vector<double> editTimes;
        for (int i = 0; i < edits; ++i) {
            ModelGraph graph = document.graph();
            for (GraphNode& node : graph.nodes) {
                if (node.id == head)
                    node.object.set(QStringLiteral("units"), 1000 - (i % 2));
            }
            start = now();
            document.setGraph(graph, QStringLiteral("Units"));
            runUntil([&] { return checker.isUpToDate(); });
            editTimes.push_back(now() - start);
            if (const auto* r = checker.result(head); !r || !r->error.isEmpty())
                throw std::runtime_error("the edited layer has no shape");
        }
        figures["graph_edit_shapes_p50_ms"] = median(editTimes) * 1e3;
        figures["graph_edit_shapes_max_ms"] = percentile(editTimes, 1.0) * 1e3;
        progress(
            QStringLiteral("edit -> shapes p50 %1 ms").arg(median(editTimes) * 1e3, 0, 'f', 1));

        // ResNet50 as a block: opened (its 177 layers laid out in its frame) and closed,
        // frames while it is open, and an edit of the layer after it.
        {
            GraphEditor editor(document);
            document.setGraph(ModelGraph(), QStringLiteral("Clear"));
            keras::KerasObject input(QStringLiteral("keras.layers"), QStringLiteral("InputLayer"));
            input.set(QStringLiteral("shape"), Value::tuple({Value(224), Value(224), Value(3)}));
            const int in = editor.addNode(input);
            keras::KerasObject resnet(QStringLiteral("keras.applications"),
                                      QStringLiteral("ResNet50"));
            resnet.set(QStringLiteral("weights"), nullptr);
            const int block = editor.addNode(resnet, std::nullopt, in);
            const int dense = editor.addNode(QStringLiteral("Dense"), std::nullopt, block);
            editor.autoLayout();
            runUntil([&] { return checker.isUpToDate(); });
            const auto* r = checker.result(block);
            if (!r || r->inner.isEmpty())
                throw std::runtime_error("the ResNet50 block has no inner layers");
            NodeItem* item = builder->scene()->nodeItem(block);
            std::vector<double> opens;
            std::vector<double> closes;
            for (int i = 0; i < 5; ++i) {
                start = now();
                editor.setExpanded(block, true);
                builder->view()->viewport()->repaint();
                opens.push_back(now() - start);
                if (item->innerItems().size() < r->inner.size())
                    throw std::runtime_error("the opened block shows no inner layers");
                start = now();
                editor.setExpanded(block, false);
                builder->view()->viewport()->repaint();
                closes.push_back(now() - start);
            }
            editor.setExpanded(block, true);
            GraphView* view = builder->view();
            view->setTransform(QTransform());
            std::vector<double> blockFrames;
            QScrollBar* vertical = view->verticalScrollBar();
            const QRectF frame = item->sceneBoundingRect();
            for (int i = 0; i < 60; ++i) {
                view->centerOn(frame.center().x(), frame.top() + frame.height() * i / 59);
                const double t = now();
                view->viewport()->repaint();
                blockFrames.push_back(now() - t);
            }
            view->fitGraph();
            for (int i = 0; i < 30; ++i) {
                vertical->setValue(vertical->value() + (i < 15 ? 20 : -20));
                const double t = now();
                view->viewport()->repaint();
                blockFrames.push_back(now() - t);
            }
            std::vector<double> blockEdits;
            for (int i = 0; i < std::max(3, edits / 2); ++i) {
                ModelGraph graph = document.graph();
                graph.node(dense)->object.set(QStringLiteral("units"), 10 + (i % 2));
                start = now();
                document.setGraph(graph, QStringLiteral("Units"));
                runUntil([&] { return checker.isUpToDate(); });
                blockEdits.push_back(now() - start);
            }
            figures["graph_block_layers"] = r->inner.size();
            figures["graph_block_open_p50_ms"] = median(opens) * 1e3;
            figures["graph_block_open_max_ms"] = percentile(opens, 1.0) * 1e3;
            figures["graph_block_close_p50_ms"] = median(closes) * 1e3;
            figures["graph_block_frame_p50_ms"] = median(blockFrames) * 1e3;
            figures["graph_block_frame_max_ms"] = percentile(blockFrames, 1.0) * 1e3;
            figures["graph_block_edit_shapes_p50_ms"] = median(blockEdits) * 1e3;
            progress(QStringLiteral("ResNet50 block (%1 layers): open p50 %2 ms (max %3), "
                                    "close %4 ms, frames p50 %5 ms max %6 ms, edit %7 ms")
                         .arg(r->inner.size())
                         .arg(median(opens) * 1e3, 0, 'f', 1)
                         .arg(percentile(opens, 1.0) * 1e3, 0, 'f', 1)
                         .arg(median(closes) * 1e3, 0, 'f', 1)
                         .arg(median(blockFrames) * 1e3, 0, 'f', 1)
                         .arg(percentile(blockFrames, 1.0) * 1e3, 0, 'f', 1)
                         .arg(median(blockEdits) * 1e3, 0, 'f', 1));
        }

        // Frames of a large graph: zoom steps, then pans, each painted at once.
        document.setGraph(GraphLayout::laidOut(residualGraph(nodes), NodeItem::size),
                          QStringLiteral("Large graph"));
        runUntil([&] { return checker.isUpToDate(); });
        GraphView* view = builder->view();
        view->fitGraph();
        view->zoomBy(4);
        std::vector<double> frames;
        // Wall time, and the main thread's CPU time: on a busy machine a frame waits for a
        // core, which the CPU time leaves out.
        std::vector<double> cpuFrames;
        const auto frame = [&] {
            const double t = now();
            const double c = threadCpuTime();
            view->viewport()->repaint();
            frames.push_back(now() - t);
            cpuFrames.push_back(threadCpuTime() - c);
        };
        for (int i = 0; i < 60; ++i) {
            view->zoomBy(i < 30 ? 0.95 : 1.0 / 0.95);
            frame();
        }
        QScrollBar* vertical = view->verticalScrollBar();
        for (int i = 0; i < 120; ++i) {
            vertical->setValue(vertical->minimum() +
                               (vertical->maximum() - vertical->minimum()) * i / 119);
            frame();
        }
        // Nodes drawn in full (not the coloured boxes of a far view): pans at 0.6.
        view->setTransform(QTransform::fromScale(0.6, 0.6));
        for (int i = 0; i < 120; ++i) {
            vertical->setValue(vertical->minimum() +
                               (vertical->maximum() - vertical->minimum()) * i / 119);
            frame();
        }
        const auto phase = [&](const char* name, size_t from, size_t to) {
            const std::vector<double> times(frames.begin() + from, frames.begin() + to);
            const std::vector<double> cpu(cpuFrames.begin() + from, cpuFrames.begin() + to);
            const std::string key = std::string("graph_frame_") + name;
            figures[key + "_p50_ms"] = median(times) * 1e3;
            figures[key + "_max_ms"] = percentile(times, 1.0) * 1e3;
            figures[key + "_cpu_max_ms"] = percentile(cpu, 1.0) * 1e3;
            progress(QStringLiteral("%1 frames: p50 %2 ms, max %3 ms (CPU max %4 ms)")
                         .arg(QLatin1String(name))
                         .arg(median(times) * 1e3, 0, 'f', 1)
                         .arg(percentile(times, 1.0) * 1e3, 0, 'f', 1)
                         .arg(percentile(cpu, 1.0) * 1e3, 0, 'f', 1));
        };
        phase("zoom", 0, 60);
        phase("pan_far", 60, 180);
        phase("pan_near", 180, frames.size());
        figures["graph_frame_nodes"] = document.graph().nodes.size();
        figures["graph_frame_p50_ms"] = median(frames) * 1e3;
        figures["graph_frame_p99_ms"] = percentile(frames, 0.99) * 1e3;
        figures["graph_frame_max_ms"] = percentile(frames, 1.0) * 1e3;
        progress(QStringLiteral("%1 nodes: frame p50 %2 ms, max %3 ms")
                     .arg(document.graph().nodes.size())
                     .arg(median(frames) * 1e3, 0, 'f', 1)
                     .arg(percentile(frames, 1.0) * 1e3, 0, 'f', 1));
        printFigures(figures);
        window.project().autosave().discard();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_graph: %s\n", e.what());
        return 1;
    }
    return 0;
}
