// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/grapheditor.h"
#include "app/modelgraph.h"

#include <QGraphicsScene>
#include <QHash>

class QGraphicsPathItem;

namespace qk::app {

class Document;
class EdgeItem;
class GraphChecker;
class NodeItem;
struct DocumentChange;

// The document's graph as graphics items, kept in step with every change (undo and redo
// too, whose selection it takes over) and with Keras' answers. A drag from an output port to
// a node's input port connects them; dragging nodes moves them as one edit on release.
class GraphScene : public QGraphicsScene {
    Q_OBJECT
public:
    GraphScene(Document& document, GraphChecker& checker, QObject* parent = nullptr);
    ~GraphScene() override;

    GraphEditor& editor() { return m_editor; }
    NodeItem* nodeItem(int nodeId) const { return m_nodes.value(nodeId); }
    QList<EdgeItem*> edgeItems() const { return m_edges; }
    EdgeItem* edgeItem(const GraphEdge& edge) const;
    QList<int> selectedNodeIds() const;
    QList<GraphEdge> selectedEdges() const;
    void selectNodes(const QList<int>& nodeIds);
    // The rectangle of every node (for fit-to-view).
    QRectF graphRect() const;

    // Called by a node item when it moves: its edges follow.
    void nodeMoved(int nodeId);

Q_SIGNALS:
    // A refused edit (a connection that would make a cycle), for the status line.
    void message(const QString& text);
    // The items follow a new graph (after any change).
    void synced();

protected:
    void mousePressEvent(QGraphicsSceneMouseEvent* event) override;
    void mouseMoveEvent(QGraphicsSceneMouseEvent* event) override;
    void mouseReleaseEvent(QGraphicsSceneMouseEvent* event) override;

private:
    void onChanged(const DocumentChange& change);
    void sync();
    void updateResults();
    void adjustEdge(EdgeItem* item);
    // Puts the items where the graph has them, moved aside for opened blocks.
    void placeNodes();
    QPointF basePosition(const GraphNode& node) const;
    // Where an edge from `start` down to `end` runs past the nodes between them; none when
    // its straight way is free.
    std::optional<qreal> laneAround(const QPointF& start, const QPointF& end,
                                    const QList<NodeItem*>& ends) const;
    NodeItem* nodeAt(const QPointF& scenePos) const;

    Document& m_document;
    GraphChecker& m_checker;
    GraphEditor m_editor;
    QHash<int, NodeItem*> m_nodes;
    QList<EdgeItem*> m_edges;
    QHash<int, QPointF> m_autoPositions; // laid out for nodes without a position
    QHash<int, QPointF> m_offsets;       // how far opened blocks push a node aside
    // The connection being dragged.
    int m_dragFrom = 0;
    int m_dragOutput = -1;
    QGraphicsPathItem* m_dragLine = nullptr;
    bool m_syncing = false;
};

} // namespace qk::app
