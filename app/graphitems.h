// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/modelgraph.h"

#include <QGraphicsItem>
#include <QGraphicsPathItem>

namespace qk::app {

class GraphScene;

// A node of the graph: the layer's class and name, the output shape and parameters that
// Keras computed (or its error), input ports along the top and output ports along the bottom.
class NodeItem : public QGraphicsItem {
public:
    enum { Type = UserType + 1 };
    static constexpr qreal Width = 200;
    static constexpr qreal Height = 58;
    static QSizeF size(const GraphNode& node);

    NodeItem(GraphScene& scene, const GraphNode& node);
    int type() const override { return Type; }
    int nodeId() const { return m_node.id; }
    const GraphNode& node() const { return m_node; }

    // Takes the node's data and Keras' answer for it.
    void update(const GraphNode& node, const std::vector<GraphPort>& ports, const QString& title,
                const QString& shape, qint64 params, int outputs, const QString& error,
                bool shared);

    // Port positions in scene coordinates.
    QPointF inputPortPos(int index) const;
    QPointF inputPortPos(const QString& port) const;
    QPointF outputPortPos(int index) const;
    // The output port under a scene point (-1: none; 0 for a single output).
    int outputPortAt(const QPointF& scenePos) const;
    // The input port nearest a scene point over the node; empty when it has none.
    QString inputPortNear(const QPointF& scenePos) const;
    int outputCount() const { return m_outputs; }
    const std::vector<GraphPort>& ports() const { return m_ports; }
    bool hasError() const { return !m_error.isEmpty(); }

    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

protected:
    QVariant itemChange(GraphicsItemChange change, const QVariant& value) override;

private:
    QColor accent() const;

    GraphScene& m_scene;
    GraphNode m_node;
    std::vector<GraphPort> m_ports;
    QString m_title;
    QString m_shape;
    qint64 m_params = 0;
    int m_outputs = 1;
    QString m_error;
    bool m_shared = false;
};

// A tensor from a node's output port to another node's input port; red when the call it
// feeds fails.
class EdgeItem : public QGraphicsPathItem {
public:
    enum { Type = UserType + 2 };
    EdgeItem(const GraphEdge& edge);
    int type() const override { return Type; }
    const GraphEdge& edge() const { return m_edge; }
    void setError(const QString& error);
    // A curve from an output port down to an input port; with a lane, down that vertical
    // line between the two turns.
    void adjust(const QPointF& from, const QPointF& to, std::optional<qreal> lane = {});
    static constexpr qreal laneTurn = 20; // the height of a turn into or out of a lane
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

private:
    GraphEdge m_edge;
    bool m_error = false;
};

} // namespace qk::app
