// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/graphlayout.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <QByteArray>
#include <QMutex>

#include <algorithm>
#include <atomic>

namespace qk::app {

namespace {

std::atomic<bool> lastUsedGraphviz{false};
constexpr double pointsPerInch = 72.0;

// One Graphviz context for the process: it loads the plugins once. libgvc is not
// thread-safe, so layouts take turns.
GVC_t* context() {
    static GVC_t* gvc = gvContext();
    return gvc;
}
QMutex& gvcMutex() {
    static QMutex mutex;
    return mutex;
}

void set(void* object, const char* name, const QByteArray& value) {
    agsafeset(object, const_cast<char*>(name), const_cast<char*>(value.constData()),
              const_cast<char*>(""));
}

std::optional<QHash<int, QPointF>> graphviz(const ModelGraph& graph,
                                            const GraphLayout::SizeOf& sizeOf) {
    QMutexLocker lock(&gvcMutex());
    GVC_t* gvc = context();
    if (!gvc)
        return std::nullopt;
    Agraph_t* g = agopen(const_cast<char*>("model"), Agdirected, nullptr);
    set(g, "rankdir", "TB");
    set(g, "nodesep", "0.35");
    set(g, "ranksep", "0.6");
    set(g, "ordering", "in");
    set(g, "splines", "false");
    QHash<int, Agnode_t*> nodes;
    for (const GraphNode& node : graph.nodes) {
        const QByteArray name = "n" + QByteArray::number(node.id);
        Agnode_t* n = agnode(g, const_cast<char*>(name.constData()), 1);
        const QSizeF size = sizeOf(node);
        set(n, "shape", "box");
        set(n, "fixedsize", "true");
        set(n, "width", QByteArray::number(size.width() / pointsPerInch));
        set(n, "height", QByteArray::number(size.height() / pointsPerInch));
        nodes.insert(node.id, n);
    }
    for (const GraphEdge& edge : graph.edges) {
        if (nodes.contains(edge.from) && nodes.contains(edge.to))
            agedge(g, nodes.value(edge.from), nodes.value(edge.to), nullptr, 1);
    }
    QHash<int, QPointF> out;
    if (gvLayout(gvc, g, "dot") == 0) {
        for (auto it = nodes.cbegin(); it != nodes.cend(); ++it) {
            const pointf p = ND_coord(it.value());
            out.insert(it.key(), QPointF(p.x, -p.y)); // Graphviz' y grows upwards
        }
        gvFreeLayout(gvc, g);
    }
    agclose(g);
    if (out.size() != static_cast<int>(graph.nodes.size()))
        return std::nullopt;
    return out;
}

// Layers by longest path from the inputs, side by side in node order.
QHash<int, QPointF> layered(const ModelGraph& graph, const GraphLayout::SizeOf& sizeOf) {
    QHash<int, int> rank;
    const auto order = graph.topologicalOrder();
    std::vector<int> ids;
    if (order) {
        ids = *order;
    } else {
        for (const GraphNode& n : graph.nodes)
            ids.push_back(n.id);
    }
    for (int id : ids) {
        int r = 0;
        for (const GraphEdge& e : graph.edgesInto(id))
            r = std::max(r, rank.value(e.from, -1) + 1);
        rank.insert(id, r);
    }
    QHash<int, int> filled;
    QHash<int, QPointF> out;
    for (int id : ids) {
        const QSizeF size = sizeOf(*graph.node(id));
        const int r = rank.value(id);
        const int column = filled[r]++;
        out.insert(id, QPointF(column * (size.width() + 30), r * (size.height() + 40)));
    }
    return out;
}

} // namespace

QHash<int, QPointF> GraphLayout::layout(const ModelGraph& graph, const SizeOf& sizeOf) {
    if (graph.nodes.empty())
        return {};
    if (auto placed = graphviz(graph, sizeOf)) {
        lastUsedGraphviz = true;
        return *placed;
    }
    lastUsedGraphviz = false;
    return layered(graph, sizeOf);
}

bool GraphLayout::usedGraphviz() {
    return lastUsedGraphviz;
}

ModelGraph GraphLayout::laidOut(ModelGraph graph, const SizeOf& sizeOf) {
    const QHash<int, QPointF> positions = layout(graph, sizeOf);
    for (GraphNode& node : graph.nodes)
        node.position = positions.value(node.id);
    return graph;
}

} // namespace qk::app
