// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/grapheditor.h"

#include "app/document.h"
#include "app/graphitems.h"
#include "app/graphlayout.h"
#include "app/palettemodel.h"
#include "app/projectfile.h"

#include <QCoreApplication>
#include <QSet>

namespace qk::app {

namespace {

QString tr(const char* text, const char* disambiguation = nullptr, int n = -1) {
    return QCoreApplication::translate("GraphEditor", text, disambiguation, n);
}

QPointF besides(const ModelGraph& graph, int nodeId, QPointF offset) {
    const GraphNode* node = graph.node(nodeId);
    return (node && node->position ? *node->position : QPointF()) + offset;
}

} // namespace

int GraphEditor::addNode(const QString& className, const std::optional<QPointF>& position,
                         int after) {
    return addNode(paletteObject(className), position, after);
}

int GraphEditor::addNode(const keras::KerasObject& object, const std::optional<QPointF>& position,
                         int after) {
    ModelGraph graph = m_document.graph();
    GraphNode node;
    node.id = m_document.newNodeId();
    node.object = object;
    node.position = position;
    if (!node.position && graph.node(after))
        node.position = besides(graph, after, {0, NodeItem::Height + 40});
    graph.nodes.push_back(node);
    if (graph.node(after) && !node.isInput()) {
        const auto ports = ModelGraph::portsOf(object.className());
        if (!ports.empty())
            graph.edges.push_back({after, -1, node.id, ports.front().name});
    }
    m_document.setGraph(graph, tr("Add %1").arg(object.className()), {node.id},
                        after ? QList<int>{after} : QList<int>{});
    return node.id;
}

QString GraphEditor::connect(const GraphEdge& edge) {
    ModelGraph graph = m_document.graph();
    QString refusal = graph.refusalFor(edge);
    if (!refusal.isEmpty())
        return refusal;
    if (std::find(graph.edges.begin(), graph.edges.end(), edge) != graph.edges.end())
        return {};
    const auto ports = graph.ports(edge.to);
    const auto port = std::find_if(ports.begin(), ports.end(),
                                   [&](const GraphPort& p) { return p.name == edge.port; });
    if (port != ports.end() && !port->list) {
        std::erase_if(graph.edges,
                      [&](const GraphEdge& e) { return e.to == edge.to && e.port == edge.port; });
    }
    graph.edges.push_back(edge);
    const GraphNode* from = graph.node(edge.from);
    const GraphNode* to = graph.node(edge.to);
    m_document.setGraph(graph, tr("Connect %1 to %2").arg(from->className(), to->className()),
                        {edge.to}, {edge.to});
    return {};
}

void GraphEditor::disconnect(const QList<GraphEdge>& edges) {
    remove({}, edges);
}

void GraphEditor::remove(const QList<int>& nodeIds, const QList<GraphEdge>& edges) {
    ModelGraph graph = m_document.graph();
    QSet<int> gone(nodeIds.begin(), nodeIds.end());
    // The calls of a removed layer go with it.
    for (const GraphNode& node : graph.nodes) {
        if (node.sharedWith != 0 && gone.contains(node.sharedWith))
            gone.insert(node.id);
    }
    const auto before = graph.edges.size() + graph.nodes.size();
    std::erase_if(graph.nodes, [&](const GraphNode& n) { return gone.contains(n.id); });
    std::erase_if(graph.edges, [&](const GraphEdge& e) {
        return gone.contains(e.from) || gone.contains(e.to) || edges.contains(e);
    });
    if (graph.edges.size() + graph.nodes.size() == before)
        return;
    const QString text =
        gone.isEmpty() ? tr("Disconnect %n tensor(s)", nullptr, static_cast<int>(edges.size()))
                       : tr("Remove %n node(s)", nullptr, static_cast<int>(gone.size()));
    m_document.setGraph(graph, text, {}, nodeIds);
}

QList<int> GraphEditor::insertCopies(ModelGraph& into, const ModelGraph& part,
                                     const QPointF& offset) {
    QHash<int, int> ids;
    QList<int> created;
    for (const GraphNode& n : part.nodes)
        ids.insert(n.id, m_document.newNodeId());
    for (GraphNode n : part.nodes) {
        n.id = ids.value(n.id);
        n.object.unset(QStringLiteral("name"));
        if (n.sharedWith != 0)
            n.sharedWith = ids.value(n.sharedWith, into.node(n.sharedWith) ? n.sharedWith : 0);
        if (n.position)
            n.position = *n.position + offset;
        into.nodes.push_back(n);
        created << n.id;
    }
    for (GraphEdge e : part.edges) {
        if (!ids.contains(e.from) || !ids.contains(e.to))
            continue;
        e.from = ids.value(e.from);
        e.to = ids.value(e.to);
        into.edges.push_back(e);
    }
    return created;
}

QByteArray GraphEditor::copy(const ModelGraph& graph, const QList<int>& nodeIds) {
    ModelGraph part;
    QSet<int> ids(nodeIds.begin(), nodeIds.end());
    for (const GraphNode& n : graph.nodes) {
        if (ids.contains(n.id)) {
            GraphNode copy = n;
            // A shared call copied without its owner takes the owner's layer along.
            if (copy.sharedWith != 0 && !ids.contains(copy.sharedWith)) {
                copy.object = graph.owner(n).object;
                copy.sharedWith = 0;
            }
            part.nodes.push_back(copy);
        }
    }
    for (const GraphEdge& e : graph.edges) {
        if (ids.contains(e.from) && ids.contains(e.to))
            part.edges.push_back(e);
    }
    return ProjectFile::graphToBytes(part);
}

QList<int> GraphEditor::duplicate(const QList<int>& nodeIds) {
    if (nodeIds.isEmpty())
        return {};
    const QByteArray bytes = copy(m_document.graph(), nodeIds);
    const auto part = ProjectFile::graphFromBytes(bytes);
    if (!part)
        return {};
    ModelGraph graph = m_document.graph();
    QList<int> created = insertCopies(graph, *part, {40, 40});
    m_document.setGraph(graph,
                        tr("Duplicate %n node(s)", nullptr, static_cast<int>(created.size())),
                        created, nodeIds);
    return created;
}

QList<int> GraphEditor::paste(const QByteArray& bytes, const QPointF& offset) {
    const auto part = ProjectFile::graphFromBytes(bytes);
    if (!part || part->nodes.empty())
        return {};
    ModelGraph graph = m_document.graph();
    QList<int> created = insertCopies(graph, *part, offset);
    m_document.setGraph(graph, tr("Paste %n node(s)", nullptr, static_cast<int>(created.size())),
                        created);
    return created;
}

int GraphEditor::share(int nodeId) {
    ModelGraph graph = m_document.graph();
    const GraphNode* node = graph.node(nodeId);
    if (!node || node->isInput())
        return 0;
    const GraphNode& owner = graph.owner(*node);
    GraphNode call;
    call.id = m_document.newNodeId();
    call.object = keras::KerasObject(owner.object.module(), owner.object.className());
    call.sharedWith = owner.id;
    call.position = besides(graph, nodeId, {NodeItem::Width + 40, 0});
    graph.nodes.push_back(call);
    m_document.setGraph(graph, tr("Call %1 again (shared)").arg(owner.className()), {call.id},
                        {nodeId});
    return call.id;
}

void GraphEditor::move(const QHash<int, QPointF>& positions) {
    ModelGraph graph = m_document.graph();
    bool changed = false;
    for (auto it = positions.cbegin(); it != positions.cend(); ++it) {
        if (GraphNode* node = graph.node(it.key()); node && node->position != it.value()) {
            node->position = it.value();
            changed = true;
        }
    }
    if (changed) {
        const QList<int> ids = positions.keys();
        m_document.setGraph(graph, tr("Move %n node(s)", nullptr, static_cast<int>(ids.size())),
                            ids, ids);
    }
}

void GraphEditor::autoLayout() {
    m_document.setGraph(GraphLayout::laidOut(m_document.graph(), NodeItem::size),
                        tr("Lay out the graph"));
}

void GraphEditor::setExpanded(int nodeId, bool expanded) {
    ModelGraph graph = m_document.graph();
    if (GraphNode* node = graph.node(nodeId); node && node->expanded != expanded) {
        node->expanded = expanded;
        m_document.setGraph(graph, expanded ? tr("Open block") : tr("Close block"), {nodeId},
                            {nodeId});
    }
}

} // namespace qk::app
