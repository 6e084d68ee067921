// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/graphchecker.h"
#include "app/modelgraph.h"

#include <QGraphicsItem>
#include <QGraphicsPathItem>

namespace qk::app {

class GraphScene;

// A node of the graph: the layer's class and name, the output shape and parameters that
// Keras computed (or its error), input ports along the top and output ports along the bottom.
// A block (a model used as a layer) has a +/- button; opened, it grows into a frame with its
// inner layers laid out inside (read-only), its header where the closed node was.
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

    // Takes the node's data and Keras' answer for it (a block's inner layers too).
    void update(const GraphNode& node, const std::vector<GraphPort>& ports, const QString& title,
                const QString& shape, qint64 params, int outputs, const QString& error, bool shared,
                const QList<GraphChecker::InnerLayer>& inner = {});
    // An opened block's inner layers as items (none while it is closed or not yet checked).
    QList<QGraphicsItem*> innerItems() const { return m_innerItems; }
    // How much bigger than a closed node it is drawn (an opened block's frame).
    QSizeF growth() const { return m_box.size() - QSizeF(Width, Height); }
    // The +/- button of a block, in item coordinates.
    QRectF toggleRect() const;

    // Port positions in scene coordinates.
    QPointF inputPortPos(int index) const;
    QPointF inputPortPos(const QString& port) const;
    QPointF outputPortPos(int index) const;
    // The output port under a scene point (-1: none; 0 for a single output).
    int outputPortAt(const QPointF& scenePos) const;
    // The input port nearest a scene point over the node; empty when it has none.
    QString inputPortNear(const QPointF& scenePos) const;
    // What the node says it is ("Dense · output 2", "Input · title").
    const QString& title() const { return m_title; }
    int outputCount() const { return m_outputs; }
    const std::vector<GraphPort>& ports() const { return m_ports; }
    bool hasError() const { return !m_error.isEmpty(); }

    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

protected:
    QVariant itemChange(GraphicsItemChange change, const QVariant& value) override;
    void mousePressEvent(QGraphicsSceneMouseEvent* event) override;
    void mouseDoubleClickEvent(QGraphicsSceneMouseEvent* event) override;

private:
    QColor accent() const;
    void toggle();
    void buildInner();

    GraphScene& m_scene;
    GraphNode m_node;
    std::vector<GraphPort> m_ports;
    QString m_title;
    QString m_shape;
    qint64 m_params = 0;
    int m_outputs = 1;
    QString m_error;
    bool m_shared = false;
    QList<GraphChecker::InnerLayer> m_inner;
    bool m_innerShown = false; // m_innerItems show m_inner
    QList<QGraphicsItem*> m_innerItems;
    QRectF m_box{-Width / 2, -Height / 2, Width, Height};
};

// A layer inside an opened block: class, name, output shape and parameters.
class InnerLayerItem : public QGraphicsItem {
public:
    enum { Type = UserType + 3 };
    static constexpr qreal Width = 176;
    static constexpr qreal Height = 50;
    InnerLayerItem(const GraphChecker::InnerLayer& layer, QGraphicsItem* parent);
    int type() const override { return Type; }
    const GraphChecker::InnerLayer& layer() const { return m_layer; }
    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

private:
    GraphChecker::InnerLayer m_layer;
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
