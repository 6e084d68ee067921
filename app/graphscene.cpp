// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/graphscene.h"

#include "app/document.h"
#include "app/graphchecker.h"
#include "app/graphitems.h"
#include "app/graphlayout.h"

#include <QGraphicsSceneMouseEvent>
#include <QScopedValueRollback>

namespace qk::app {

namespace {

// `endpoint`: how the Data panel and the charts call an input or output of several that has
// no name ("output 2"), empty for other nodes.
QString titleOf(const ModelGraph& graph, const GraphNode& node, const QString& endpoint) {
    const GraphNode& owner = graph.owner(node);
    QString title = node.isInput() ? QStringLiteral("Input") : owner.className();
    QString nameText;
    if (owner.isBlock() && owner.object.module() == QLatin1String("keras.saving")) {
        title = QStringLiteral("Functional");
        nameText = configName(owner.object);
    }
    const auto name = owner.object.get(QStringLiteral("name"));
    if (name && name->isValue() && name->value().isString())
        nameText = name->value().toString();
    if (nameText.isEmpty())
        nameText = endpoint;
    if (!nameText.isEmpty())
        title += QStringLiteral(" · ") + nameText;
    if (node.sharedWith != 0)
        title += QObject::tr(" (shared)");
    return title;
}

} // namespace

GraphScene::GraphScene(Document& document, GraphChecker& checker, QObject* parent)
    : QGraphicsScene(parent)
    , m_document(document)
    , m_checker(checker)
    , m_editor(document) {
    setItemIndexMethod(QGraphicsScene::BspTreeIndex);
    connect(&document, &Document::changed, this, &GraphScene::onChanged);
    connect(&checker, &GraphChecker::updated, this, &GraphScene::updateResults);
    sync();
}

GraphScene::~GraphScene() {
    // Items removed while the scene goes are no selection change for anyone.
    blockSignals(true);
    clear();
}

EdgeItem* GraphScene::edgeItem(const GraphEdge& edge) const {
    for (EdgeItem* item : m_edges) {
        if (item->edge() == edge)
            return item;
    }
    return nullptr;
}

QList<int> GraphScene::selectedNodeIds() const {
    QList<int> ids;
    const auto items = selectedItems();
    for (QGraphicsItem* item : items) {
        if (item->type() == NodeItem::Type)
            ids << static_cast<NodeItem*>(item)->nodeId();
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

QList<GraphEdge> GraphScene::selectedEdges() const {
    QList<GraphEdge> edges;
    const auto items = selectedItems();
    for (QGraphicsItem* item : items) {
        if (item->type() == EdgeItem::Type)
            edges << static_cast<EdgeItem*>(item)->edge();
    }
    return edges;
}

void GraphScene::selectNodes(const QList<int>& nodeIds) {
    QSignalBlocker blocker(this);
    clearSelection();
    for (int id : nodeIds) {
        if (NodeItem* item = m_nodes.value(id))
            item->setSelected(true);
    }
    blocker.unblock();
    Q_EMIT selectionChanged();
}

QRectF GraphScene::graphRect() const {
    QRectF rect;
    for (NodeItem* item : m_nodes)
        rect |= item->sceneBoundingRect();
    return rect;
}

void GraphScene::onChanged(const DocumentChange& change) {
    if (change.kind != DocumentChange::Kind::GraphChanged)
        return;
    sync();
    // The selection follows the edit, its undo and its redo.
    if (!change.nodeIds.isEmpty())
        selectNodes(change.nodeIds);
}

void GraphScene::sync() {
    const QScopedValueRollback syncing(m_syncing, true);
    const ModelGraph& graph = m_document.graph();
    // Nodes without a position are laid out, the others stay where the user put them.
    bool unplaced = false;
    for (const GraphNode& node : graph.nodes)
        unplaced = unplaced || (!node.position && !m_autoPositions.contains(node.id));
    if (unplaced)
        m_autoPositions = GraphLayout::layout(graph, NodeItem::size);

    QSet<int> alive;
    for (const GraphNode& node : graph.nodes) {
        alive.insert(node.id);
        NodeItem* item = m_nodes.value(node.id);
        if (!item) {
            item = new NodeItem(*this, node);
            addItem(item);
            m_nodes.insert(node.id, item);
        }
    }
    for (auto it = m_nodes.begin(); it != m_nodes.end();) {
        if (alive.contains(it.key())) {
            ++it;
            continue;
        }
        delete it.value();
        it = m_nodes.erase(it);
    }
    qDeleteAll(m_edges);
    m_edges.clear();
    for (const GraphEdge& edge : graph.edges) {
        auto* item = new EdgeItem(edge);
        addItem(item);
        m_edges << item;
    }
    updateResults();
    Q_EMIT synced();
}

void GraphScene::updateResults() {
    const ModelGraph& graph = m_document.graph();
    QHash<int, QString> problems;
    for (const GraphProblem& p : m_checker.problems()) {
        if (!problems.contains(p.nodeId))
            problems.insert(p.nodeId, p.message);
    }
    QHash<int, QString> endpoints; // unnamed inputs and outputs of several, by place
    for (const auto& [ids, nameOf] : {std::pair{graph.inputIds(), &ModelGraph::inputName},
                                      std::pair{graph.outputIds(), &ModelGraph::outputName}}) {
        if (ids.size() < 2)
            continue;
        for (int id : ids) {
            if (graph.kerasName(id).isEmpty())
                endpoints.insert(id, (graph.*nameOf)(id));
        }
    }
    for (const GraphNode& node : graph.nodes) {
        NodeItem* item = m_nodes.value(node.id);
        if (!item)
            continue;
        const GraphChecker::NodeResult* r = m_checker.result(node.id);
        QString error = problems.value(node.id);
        if (error.isEmpty() && r)
            error = r->error;
        item->update(node, graph.ports(node.id), titleOf(graph, node, endpoints.value(node.id)),
                     r ? r->shape : QString(), r ? r->params : 0, r ? r->outputs : 1, error,
                     node.sharedWith != 0, r ? r->inner : QList<GraphChecker::InnerLayer>());
    }
    placeNodes();
    for (EdgeItem* item : std::as_const(m_edges)) {
        const GraphChecker::NodeResult* r = m_checker.result(item->edge().to);
        item->setError(m_checker.edgeHasError(item->edge())
                           ? (r && !r->error.isEmpty() ? r->error : problems.value(item->edge().to))
                           : QString());
        adjustEdge(item);
    }
}

QPointF GraphScene::basePosition(const GraphNode& node) const {
    return node.position.value_or(m_autoPositions.value(node.id));
}

void GraphScene::placeNodes() {
    // An opened block is bigger than the node the layout placed: the nodes below it move
    // down by its extra height, those beside it (to its right) by its extra width. Only
    // the view moves them; the graph keeps its positions.
    struct Open {
        int id;
        QPointF at;
        QSizeF growth;
    };
    const ModelGraph& graph = m_document.graph();
    QList<Open> open;
    for (const GraphNode& node : graph.nodes) {
        const NodeItem* item = m_nodes.value(node.id);
        if (item && (item->growth().width() > 0.5 || item->growth().height() > 0.5))
            open << Open{node.id, basePosition(node), item->growth()};
    }
    m_offsets.clear();
    for (const GraphNode& node : graph.nodes) {
        NodeItem* item = m_nodes.value(node.id);
        if (!item)
            continue;
        const QPointF at = basePosition(node);
        QPointF offset;
        for (const Open& o : std::as_const(open)) {
            if (o.id == node.id)
                continue;
            if (at.y() > o.at.y() + NodeItem::Height / 2)
                offset.ry() += o.growth.height();
            else if (at.y() > o.at.y() - NodeItem::Height / 2 && at.x() > o.at.x())
                offset.rx() += o.growth.width();
        }
        if (!offset.isNull())
            m_offsets.insert(node.id, offset);
        if (item->pos() != at + offset)
            item->setPos(at + offset);
    }
}

void GraphScene::adjustEdge(EdgeItem* item) {
    NodeItem* from = m_nodes.value(item->edge().from);
    NodeItem* to = m_nodes.value(item->edge().to);
    if (!from || !to)
        return;
    const QPointF start = from->outputPortPos(std::max(0, item->edge().output));
    const QPointF end = to->inputPortPos(item->edge().port);
    item->adjust(start, end, laneAround(start, end, {from, to}));
}

std::optional<qreal> GraphScene::laneAround(const QPointF& start, const QPointF& end,
                                            const QList<NodeItem*>& ends) const {
    // A tensor that skips layers (a residual connection) would cross the nodes between its
    // ends: it goes down a lane beside them instead, on the side nearer to it.
    constexpr qreal margin = 24;
    if (end.y() - start.y() < 2 * EdgeItem::laneTurn)
        return std::nullopt;
    const qreal top = start.y() + EdgeItem::laneTurn / 2;
    const qreal bottom = end.y() - EdgeItem::laneTurn / 2;
    const auto blocking = [&](const QRectF& corridor) {
        QRectF blocked;
        for (NodeItem* node : m_nodes) {
            if (ends.contains(node))
                continue;
            const QRectF rect = node->sceneBoundingRect();
            if (rect.intersects(corridor))
                blocked = blocked.united(rect);
        }
        return blocked;
    };
    QRectF blocked = blocking(QRectF(QPointF(std::min(start.x(), end.x()) - 2, top),
                                     QPointF(std::max(start.x(), end.x()) + 2, bottom)));
    if (blocked.isNull())
        return std::nullopt;
    // Nodes in the lane itself push it further out (a few times at most).
    const qreal middle = (start.x() + end.x()) / 2;
    const bool right = blocked.right() - middle <= middle - blocked.left();
    qreal lane = right ? blocked.right() + margin : blocked.left() - margin;
    for (int i = 0; i < 4; ++i) {
        const QRectF more = blocking(QRectF(QPointF(lane - 2, top), QPointF(lane + 2, bottom)));
        if (more.isNull())
            break;
        lane = right ? more.right() + margin : more.left() - margin;
    }
    return lane;
}

void GraphScene::nodeMoved(int nodeId) {
    for (EdgeItem* item : std::as_const(m_edges)) {
        if (item->edge().from == nodeId || item->edge().to == nodeId)
            adjustEdge(item);
    }
}

NodeItem* GraphScene::nodeAt(const QPointF& scenePos) const {
    const auto found = items(scenePos);
    for (QGraphicsItem* item : found) {
        if (item->type() == NodeItem::Type)
            return static_cast<NodeItem*>(item);
    }
    return nullptr;
}

void GraphScene::mousePressEvent(QGraphicsSceneMouseEvent* event) {
    if (event->button() == Qt::LeftButton) {
        if (NodeItem* node = nodeAt(event->scenePos())) {
            const int output = node->outputPortAt(event->scenePos());
            if (output >= 0) {
                m_dragFrom = node->nodeId();
                m_dragOutput = node->outputCount() > 1 ? output : -1;
                m_dragLine = new QGraphicsPathItem;
                m_dragLine->setPen(QPen(QColor(0x1e, 0x6f, 0xd9), 2, Qt::DashLine));
                m_dragLine->setZValue(3);
                addItem(m_dragLine);
                event->accept();
                return;
            }
        }
    }
    QGraphicsScene::mousePressEvent(event);
}

void GraphScene::mouseMoveEvent(QGraphicsSceneMouseEvent* event) {
    if (m_dragLine) {
        const QPointF from = m_nodes.value(m_dragFrom)->outputPortPos(std::max(0, m_dragOutput));
        QPainterPath path(from);
        path.lineTo(event->scenePos());
        m_dragLine->setPath(path);
        event->accept();
        return;
    }
    QGraphicsScene::mouseMoveEvent(event);
}

void GraphScene::mouseReleaseEvent(QGraphicsSceneMouseEvent* event) {
    if (m_dragLine) {
        delete m_dragLine;
        m_dragLine = nullptr;
        const int from = m_dragFrom;
        m_dragFrom = 0;
        NodeItem* target = nodeAt(event->scenePos());
        if (target && target->nodeId() != from) {
            const QString port = target->inputPortNear(event->scenePos());
            if (port.isEmpty()) {
                Q_EMIT message(tr("%1 takes no input.").arg(target->node().className()));
            } else {
                const QString refusal =
                    m_editor.connect({from, m_dragOutput, target->nodeId(), port});
                if (!refusal.isEmpty())
                    Q_EMIT message(refusal);
            }
        }
        event->accept();
        return;
    }
    QGraphicsScene::mouseReleaseEvent(event);
    // Nodes dragged to a new place: one edit for all of them.
    QHash<int, QPointF> moved;
    const ModelGraph& graph = m_document.graph();
    for (NodeItem* item : std::as_const(m_nodes)) {
        const GraphNode* node = graph.node(item->nodeId());
        const QPointF offset = m_offsets.value(item->nodeId());
        const QPointF shown = node ? basePosition(*node) + offset : QPointF();
        if (node && item->pos() != shown)
            moved.insert(item->nodeId(), item->pos() - offset);
    }
    if (!moved.isEmpty())
        m_editor.move(moved);
}

} // namespace qk::app
