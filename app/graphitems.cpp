// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/graphitems.h"

#include "app/graphlayout.h"
#include "app/graphscene.h"

#include <QGraphicsSceneMouseEvent>
#include <QLocale>
#include <QPainter>
#include <QStyleOptionGraphicsItem>

namespace qk::app {

namespace {

constexpr qreal portRadius = 5;
constexpr qreal radius = 7;
constexpr qreal framePadding = 16;
constexpr qreal toggleSize = 16;

QColor classColor(const QString& c) {
    if (c == QLatin1String("InputLayer"))
        return QColor(0x2e, 0x9d, 0x5b);
    if (c == QLatin1String("Add") || c == QLatin1String("Concatenate") ||
        c == QLatin1String("Multiply") || c == QLatin1String("Average") ||
        c == QLatin1String("Subtract") || c == QLatin1String("Dot") ||
        c == QLatin1String("Maximum") || c == QLatin1String("Minimum"))
        return QColor(0xd9, 0x8a, 0x1c);
    if (c.contains(QLatin1String("Attention")))
        return QColor(0x8e, 0x4e, 0xc6);
    if (c.startsWith(QLatin1String("Conv")) || c.contains(QLatin1String("Pooling")))
        return QColor(0x2f, 0x8f, 0xa8);
    if (c.contains(QLatin1String("Normalization")) || c == QLatin1String("Dropout") ||
        c == QLatin1String("Activation") || c == QLatin1String("ReLU"))
        return QColor(0x80, 0x88, 0x94);
    return QColor(0x4a, 0x67, 0x8c);
}

QColor categoryColor(const GraphNode& node) {
    if (node.isInput())
        return QColor(0x2e, 0x9d, 0x5b);
    if (node.isBlock())
        return QColor(0x3a, 0x6e, 0xc8);
    return classColor(node.className());
}

QString paramsText(qint64 params) {
    return params ? QObject::tr("%L1 params").arg(params) : QObject::tr("no params");
}

// One cubic curve per inner tensor, from the bottom of one layer to the top of the next.
QPainterPath innerEdges(const QList<GraphChecker::InnerLayer>& inner,
                        const QList<QGraphicsItem*>& items) {
    QPainterPath path;
    for (qsizetype i = 0; i < inner.size(); ++i) {
        for (int source : inner[i].inputs) {
            if (source < 0 || source >= items.size())
                continue;
            const QPointF from = items[source]->pos() + QPointF(0, InnerLayerItem::Height / 2);
            const QPointF to = items[i]->pos() - QPointF(0, InnerLayerItem::Height / 2);
            const qreal dy = std::max<qreal>(16, std::abs(to.y() - from.y()) / 2);
            path.moveTo(from);
            path.cubicTo(from + QPointF(0, dy), to - QPointF(0, dy), to);
        }
    }
    return path;
}

} // namespace

QSizeF NodeItem::size(const GraphNode&) {
    return {Width, Height};
}

NodeItem::NodeItem(GraphScene& scene, const GraphNode& node)
    : m_scene(scene)
    , m_node(node) {
    setFlags(ItemIsMovable | ItemIsSelectable | ItemSendsGeometryChanges);
    setCacheMode(DeviceCoordinateCache);
    setZValue(1);
}

void NodeItem::update(const GraphNode& node, const std::vector<GraphPort>& ports,
                      const QString& title, const QString& shape, qint64 params, int outputs,
                      const QString& error, bool shared,
                      const QList<GraphChecker::InnerLayer>& inner) {
    const bool portsChanged = ports.size() != m_ports.size() || outputs != m_outputs;
    if (portsChanged)
        prepareGeometryChange();
    const bool open = node.isBlock() && node.expanded;
    if (open != m_innerShown || (open && inner != m_inner)) {
        m_inner = inner;
        m_node = node;
        buildInner();
    }
    m_inner = inner;
    m_node = node;
    m_ports = ports;
    m_title = title;
    m_shape = shape;
    m_params = params;
    m_outputs = std::max(1, outputs);
    m_error = error;
    m_shared = shared;
    QString tip = QStringLiteral("<b>%1</b>").arg(title.toHtmlEscaped());
    if (!shape.isEmpty())
        tip += QStringLiteral("<br>Output: %1<br>Parameters: %2")
                   .arg(shape.toHtmlEscaped(), QLocale().toString(params));
    if (shared)
        tip += QStringLiteral("<br>Shares its layer (and weights) with another call.");
    if (!error.isEmpty())
        tip +=
            QStringLiteral("<br><span style='color:#c62828'>%1</span>").arg(error.toHtmlEscaped());
    setToolTip(tip);
    QGraphicsItem::update();
}

void NodeItem::buildInner() {
    qDeleteAll(m_innerItems);
    m_innerItems.clear();
    prepareGeometryChange();
    m_box = QRectF(-Width / 2, -Height / 2, Width, Height);
    m_innerShown = m_node.isBlock() && m_node.expanded;
    if (!m_innerShown || m_inner.isEmpty()) {
        setCacheMode(DeviceCoordinateCache);
        return;
    }
    // A frame as big as the inner graph is too big a picture to cache.
    setCacheMode(NoCache);
    ModelGraph innerGraph;
    for (qsizetype i = 0; i < m_inner.size(); ++i) {
        GraphNode n;
        n.id = static_cast<int>(i) + 1;
        innerGraph.nodes.push_back(n);
        for (int source : m_inner[i].inputs)
            innerGraph.edges.push_back({source + 1, -1, n.id});
    }
    const QHash<int, QPointF> placed = GraphLayout::layout(innerGraph, [](const GraphNode&) {
        return QSizeF(InnerLayerItem::Width, InnerLayerItem::Height);
    });
    QRectF extent;
    for (const QPointF& p : placed)
        extent |= QRectF(p - QPointF(InnerLayerItem::Width / 2, InnerLayerItem::Height / 2),
                         QSizeF(InnerLayerItem::Width, InnerLayerItem::Height));
    const QPointF origin(m_box.left() + framePadding - extent.left(),
                         m_box.bottom() + framePadding - extent.top());
    for (qsizetype i = 0; i < m_inner.size(); ++i) {
        auto* item = new InnerLayerItem(m_inner[i], this);
        item->setPos(placed.value(static_cast<int>(i) + 1) + origin);
        m_innerItems << item;
    }
    auto* edges = new QGraphicsPathItem(innerEdges(m_inner, m_innerItems), this);
    edges->setPen(QPen(QColor(0x8a, 0x93, 0x9e), 1.2));
    edges->setZValue(-1);
    m_innerItems << edges;
    m_box.setWidth(std::max(Width, extent.width() + 2 * framePadding));
    m_box.setHeight(Height + extent.height() + 2 * framePadding);
}

QRectF NodeItem::toggleRect() const {
    return QRectF(m_box.right() - toggleSize - 6, m_box.top() + 5, toggleSize, toggleSize);
}

void NodeItem::toggle() {
    m_scene.editor().setExpanded(m_node.id, !m_node.expanded);
}

void NodeItem::mousePressEvent(QGraphicsSceneMouseEvent* event) {
    if (m_node.isBlock() && event->button() == Qt::LeftButton &&
        toggleRect().contains(event->pos())) {
        event->accept();
        toggle();
        return;
    }
    QGraphicsItem::mousePressEvent(event);
}

void NodeItem::mouseDoubleClickEvent(QGraphicsSceneMouseEvent* event) {
    if (m_node.isBlock() && event->button() == Qt::LeftButton) {
        event->accept();
        toggle();
        return;
    }
    QGraphicsItem::mouseDoubleClickEvent(event);
}

QRectF NodeItem::boundingRect() const {
    return m_box.adjusted(-portRadius, -portRadius - 10, portRadius, portRadius + 10);
}

QPointF NodeItem::inputPortPos(int index) const {
    const auto n = static_cast<int>(m_ports.size());
    const qreal x = -Width / 2 + Width * (index + 1) / (n + 1);
    return mapToScene(QPointF(x, m_box.top()));
}

QPointF NodeItem::inputPortPos(const QString& port) const {
    for (size_t i = 0; i < m_ports.size(); ++i) {
        if (m_ports[i].name == port)
            return inputPortPos(static_cast<int>(i));
    }
    return mapToScene(QPointF(0, m_box.top()));
}

QPointF NodeItem::outputPortPos(int index) const {
    const int n = m_outputs;
    const int i = std::clamp(index, 0, n - 1);
    const qreal x = -Width / 2 + Width * (i + 1) / (n + 1);
    return mapToScene(QPointF(x, m_box.bottom()));
}

int NodeItem::outputPortAt(const QPointF& scenePos) const {
    for (int i = 0; i < m_outputs; ++i) {
        if (QLineF(outputPortPos(i), scenePos).length() <= portRadius + 5)
            return i;
    }
    return -1;
}

QString NodeItem::inputPortNear(const QPointF& scenePos) const {
    QString best;
    qreal distance = 1e9;
    for (size_t i = 0; i < m_ports.size(); ++i) {
        const qreal d = QLineF(inputPortPos(static_cast<int>(i)), scenePos).length();
        if (d < distance) {
            distance = d;
            best = m_ports[i].name;
        }
    }
    return best;
}

QColor NodeItem::accent() const {
    return categoryColor(m_node);
}

void NodeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*) {
    const qreal lod = option->levelOfDetailFromTransform(painter->worldTransform());
    const QRectF box(m_box.left(), m_box.top(), m_box.width(), Height); // the header
    const bool open = m_box.height() > Height;
    const QColor color = accent();
    const bool selected = isSelected();
    // Far out, a node is a coloured box: cheap to draw for hundreds of them.
    if (lod < 0.35) {
        if (open) {
            painter->setPen(QPen(color, 0));
            painter->setBrush(QColor(0xe8, 0xef, 0xfa));
            painter->drawRect(m_box);
        }
        painter->fillRect(box, hasError() ? QColor(0xc6, 0x28, 0x28) : color);
        if (selected)
            painter->fillRect(box.adjusted(10, 10, -10, -10), Qt::white);
        return;
    }
    painter->setRenderHint(QPainter::Antialiasing, true);
    QPen border(hasError() ? QColor(0xc6, 0x28, 0x28) : color.darker(130),
                selected || hasError() ? 2.5 : 1.2);
    if (m_shared)
        border.setStyle(Qt::DashLine);
    painter->setPen(border);
    if (open) {
        // The frame around the inner layers, the header across its top.
        painter->setBrush(QColor(0xee, 0xf3, 0xfb));
        painter->drawRoundedRect(m_box, radius, radius);
        painter->setBrush(selected ? QColor(0xe1, 0xec, 0xfa) : QColor(0xfb, 0xfc, 0xfd));
        painter->drawRoundedRect(box, radius, radius);
    } else {
        painter->setBrush(selected ? QColor(0xe1, 0xec, 0xfa) : QColor(0xfb, 0xfc, 0xfd));
        painter->drawRoundedRect(box, radius, radius);
    }
    // The class band on the left.
    painter->setPen(Qt::NoPen);
    painter->setBrush(color);
    painter->drawRoundedRect(QRectF(box.left(), box.top(), 6, box.height()), 3, 3);

    QFont font = painter->font();
    font.setPointSizeF(9);
    font.setBold(true);
    painter->setFont(font);
    painter->setPen(QColor(0x20, 0x24, 0x2a));
    // The text leaves room for a block's +/- button.
    const QRectF text = box.adjusted(12, 4, m_node.isBlock() ? -26 : -8, -4);
    painter->drawText(
        QRectF(text.left(), text.top(), text.width(), 16), Qt::AlignLeft | Qt::AlignVCenter,
        painter->fontMetrics().elidedText(m_title, Qt::ElideRight, static_cast<int>(text.width())));
    font.setBold(false);
    font.setPointSizeF(8);
    painter->setFont(font);
    QString detail;
    if (hasError()) {
        painter->setPen(QColor(0xc6, 0x28, 0x28));
        detail = m_error;
    } else {
        painter->setPen(QColor(0x50, 0x58, 0x63));
        detail = m_shape.isEmpty() ? QStringLiteral("…") : m_shape;
    }
    painter->drawText(
        QRectF(text.left(), text.top() + 17, text.width(), 15), Qt::AlignLeft | Qt::AlignVCenter,
        painter->fontMetrics().elidedText(detail, Qt::ElideRight, static_cast<int>(text.width())));
    if (!hasError() && !m_shape.isEmpty()) {
        painter->setPen(QColor(0x70, 0x78, 0x83));
        QString params = paramsText(m_params);
        if (m_node.isBlock() && !m_inner.isEmpty())
            params += QObject::tr(" · %n layer(s)", nullptr, static_cast<int>(m_inner.size()));
        painter->drawText(QRectF(text.left(), text.top() + 32, text.width(), 15),
                          Qt::AlignLeft | Qt::AlignVCenter,
                          painter->fontMetrics().elidedText(params, Qt::ElideRight,
                                                            static_cast<int>(text.width())));
    }
    if (m_node.isBlock()) {
        // The +/- button that opens or closes the block.
        const QRectF button = toggleRect();
        painter->setPen(QPen(color.darker(130), 1));
        painter->setBrush(QColor(0xf0, 0xf4, 0xfb));
        painter->drawRoundedRect(button, 3, 3);
        painter->setPen(QPen(color.darker(150), 1.6));
        const QPointF c = button.center();
        painter->drawLine(c - QPointF(4, 0), c + QPointF(4, 0));
        if (!m_node.expanded)
            painter->drawLine(c - QPointF(0, 4), c + QPointF(0, 4));
    }

    // Ports: inputs on top (labelled when there are several), outputs at the bottom.
    painter->setPen(QPen(color.darker(150), 1));
    painter->setBrush(Qt::white);
    for (size_t i = 0; i < m_ports.size(); ++i) {
        const QPointF p = mapFromScene(inputPortPos(static_cast<int>(i)));
        painter->setBrush(m_ports[i].optional ? QColor(Qt::white) : color.lighter(150));
        painter->drawEllipse(p, portRadius, portRadius);
        if (m_ports.size() > 1 || m_ports[i].name != QLatin1String("inputs")) {
            font.setPointSizeF(6.5);
            painter->setFont(font);
            painter->drawText(QRectF(p.x() - 40, p.y() - 16, 80, 10), Qt::AlignCenter,
                              m_ports[i].name);
        }
    }
    painter->setBrush(color);
    for (int i = 0; i < m_outputs; ++i)
        painter->drawEllipse(mapFromScene(outputPortPos(i)), portRadius, portRadius);
}

QVariant NodeItem::itemChange(GraphicsItemChange change, const QVariant& value) {
    if (change == ItemPositionHasChanged)
        m_scene.nodeMoved(m_node.id);
    return QGraphicsItem::itemChange(change, value);
}

InnerLayerItem::InnerLayerItem(const GraphChecker::InnerLayer& layer, QGraphicsItem* parent)
    : QGraphicsItem(parent)
    , m_layer(layer) {
    setCacheMode(DeviceCoordinateCache);
    setToolTip(QStringLiteral("<b>%1</b> (%2)<br>Output: %3<br>Parameters: %4")
                   .arg(layer.name.toHtmlEscaped(), layer.className.toHtmlEscaped(),
                        layer.shape.toHtmlEscaped(), QLocale().toString(layer.params)));
}

QRectF InnerLayerItem::boundingRect() const {
    return QRectF(-Width / 2, -Height / 2, Width, Height);
}

void InnerLayerItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*) {
    const qreal lod = option->levelOfDetailFromTransform(painter->worldTransform());
    const QRectF box = boundingRect();
    const QColor color = classColor(m_layer.className);
    if (lod < 0.35) {
        painter->fillRect(box, color.lighter(130));
        return;
    }
    painter->setRenderHint(QPainter::Antialiasing, true);
    painter->setPen(QPen(color.darker(120), 1));
    painter->setBrush(Qt::white);
    painter->drawRoundedRect(box, 5, 5);
    painter->setPen(Qt::NoPen);
    painter->setBrush(color);
    painter->drawRoundedRect(QRectF(box.left(), box.top(), 5, box.height()), 2.5, 2.5);
    QFont font = painter->font();
    font.setPointSizeF(7.5);
    font.setBold(true);
    painter->setFont(font);
    painter->setPen(QColor(0x20, 0x24, 0x2a));
    const QRectF text = box.adjusted(10, 3, -6, -3);
    const auto line = [&](int row, const QString& value) {
        painter->drawText(QRectF(text.left(), text.top() + row * 14, text.width(), 14),
                          Qt::AlignLeft | Qt::AlignVCenter,
                          painter->fontMetrics().elidedText(value, Qt::ElideRight,
                                                            static_cast<int>(text.width())));
    };
    line(0, m_layer.className + QStringLiteral(" · ") + m_layer.name);
    font.setBold(false);
    font.setPointSizeF(7);
    painter->setFont(font);
    painter->setPen(QColor(0x50, 0x58, 0x63));
    line(1, m_layer.shape.isEmpty() ? QStringLiteral("…") : m_layer.shape);
    painter->setPen(QColor(0x70, 0x78, 0x83));
    line(2, paramsText(m_layer.params));
}

EdgeItem::EdgeItem(const GraphEdge& edge)
    : m_edge(edge) {
    setFlags(ItemIsSelectable);
    setZValue(0);
    setPen(QPen(QColor(0x6b, 0x75, 0x80), 1.6));
}

void EdgeItem::setError(const QString& error) {
    m_error = !error.isEmpty();
    setToolTip(error);
    setPen(
        QPen(m_error ? QColor(0xc6, 0x28, 0x28) : QColor(0x6b, 0x75, 0x80), m_error ? 2.2 : 1.6));
}

void EdgeItem::adjust(const QPointF& from, const QPointF& to, std::optional<qreal> lane) {
    QPainterPath path(from);
    if (lane) {
        const QPointF in(*lane, from.y() + laneTurn);
        const QPointF out(*lane, to.y() - laneTurn);
        path.cubicTo(from + QPointF(0, laneTurn * 0.6), QPointF(*lane, from.y() + laneTurn * 0.4),
                     in);
        path.lineTo(out);
        path.cubicTo(QPointF(*lane, to.y() - laneTurn * 0.4), to - QPointF(0, laneTurn * 0.6), to);
        setPath(path);
        return;
    }
    const qreal dy = std::max<qreal>(30, std::abs(to.y() - from.y()) / 2);
    path.cubicTo(from + QPointF(0, dy), to - QPointF(0, dy), to);
    setPath(path);
}

void EdgeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*) {
    const qreal lod = option->levelOfDetailFromTransform(painter->worldTransform());
    painter->setRenderHint(QPainter::Antialiasing, lod > 0.35);
    QPen p = pen();
    if (isSelected()) {
        p.setColor(QColor(0x1e, 0x6f, 0xd9));
        p.setWidthF(3);
    }
    painter->setPen(p);
    painter->setBrush(Qt::NoBrush);
    painter->drawPath(path());
}

} // namespace qk::app
