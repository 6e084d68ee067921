// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/modelgraph.h"

#include <QHash>
#include <QPointF>
#include <QSizeF>

#include <functional>

namespace qk::app {

// Places a graph's nodes in layers from its inputs down to its outputs with few crossings:
// Graphviz' dot (through libgvc). Positions are the nodes' centres in scene coordinates
// (y grows downwards). When Graphviz cannot lay it out (its plugins missing), a plain
// layering by longest path is used, and usedGraphviz() says so.
class GraphLayout {
public:
    using SizeOf = std::function<QSizeF(const GraphNode&)>;

    static QHash<int, QPointF> layout(const ModelGraph& graph, const SizeOf& sizeOf);
    // Whether the last layout came from Graphviz.
    static bool usedGraphviz();
    // The graph with every node placed (positions replaced).
    static ModelGraph laidOut(ModelGraph graph, const SizeOf& sizeOf);
};

} // namespace qk::app
