// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/graphview.h"

#include "app/graphscene.h"
#include "app/layermodel.h"

#include <QDragEnterEvent>
#include <QMimeData>
#include <QScrollBar>
#include <QWheelEvent>

namespace qk::app {

namespace {

constexpr qreal minZoom = 0.05;
constexpr qreal maxZoom = 3.0;
constexpr int minimapSize = 180;

// The minimap: the whole scene, small; a click or drag centres the main view there.
class Minimap : public QGraphicsView {
public:
    Minimap(GraphView* main, QGraphicsScene* scene)
        : QGraphicsView(scene, main)
        , m_main(main) {
        setInteractive(false);
        setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
        setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
        setFrameShape(QFrame::Box);
        setRenderHint(QPainter::Antialiasing, false);
        setViewportUpdateMode(QGraphicsView::FullViewportUpdate);
        setBackgroundBrush(QColor(255, 255, 255, 230));
        setCursor(Qt::PointingHandCursor);
    }

protected:
    void mousePressEvent(QMouseEvent* event) override { centre(event->position().toPoint()); }
    void mouseMoveEvent(QMouseEvent* event) override { centre(event->position().toPoint()); }
    void drawForeground(QPainter* painter, const QRectF&) override {
        const QRectF seen = m_main->mapToScene(m_main->viewport()->rect()).boundingRect();
        painter->setPen(QPen(QColor(0x1e, 0x6f, 0xd9), 0));
        painter->setBrush(QColor(0x1e, 0x6f, 0xd9, 40));
        painter->drawRect(seen);
    }

private:
    void centre(const QPoint& at) { m_main->centerOn(mapToScene(at)); }
    GraphView* m_main;
};

} // namespace

GraphView::GraphView(GraphScene* scene, QWidget* parent)
    : QGraphicsView(scene, parent)
    , m_scene(scene)
    , m_minimap(new Minimap(this, scene)) {
    setRenderHint(QPainter::Antialiasing, true);
    setDragMode(QGraphicsView::RubberBandDrag);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setViewportUpdateMode(QGraphicsView::MinimalViewportUpdate);
    setOptimizationFlags(QGraphicsView::DontSavePainterState |
                         QGraphicsView::DontAdjustForAntialiasing);
    setAcceptDrops(true);
    setBackgroundBrush(QColor(0xf3, 0xf5, 0xf8));
    setFrameShape(QFrame::NoFrame);
    setSceneRect(-5000, -5000, 10000, 10000);
    m_minimap->resize(minimapSize, minimapSize);
    m_minimap->hide();
    connect(scene, &GraphScene::synced, this, &GraphView::updateMinimap);
}

void GraphView::zoomBy(qreal factor) {
    const qreal target = std::clamp(zoom() * factor, minZoom, maxZoom);
    scale(target / zoom(), target / zoom());
    updateMinimap();
}

void GraphView::fitGraph() {
    // A hidden view (the model was a Sequential one until now) has no size yet to fit to.
    if (!isVisible()) {
        m_fitWhenShown = true;
        return;
    }
    m_fitWhenShown = false;
    const QRectF rect = m_scene->graphRect();
    if (rect.isEmpty())
        return;
    fitInView(rect.adjusted(-30, -30, 30, 30), Qt::KeepAspectRatio);
    if (zoom() > 1.0)
        setTransform(QTransform());
    if (zoom() < minZoom)
        setTransform(QTransform::fromScale(minZoom, minZoom));
    centerOn(rect.center());
    updateMinimap();
}

void GraphView::updateMinimap() {
    const QRectF rect = m_scene->graphRect();
    const QRectF seen = mapToScene(viewport()->rect()).boundingRect();
    // The canvas only grows (by large steps), so that the view never jumps under the user.
    const QRectF wanted = rect.adjusted(-2000, -2000, 2000, 2000);
    if (!sceneRect().contains(wanted))
        setSceneRect(sceneRect() | wanted.adjusted(-4000, -4000, 4000, 4000));
    const bool show = !rect.isEmpty() && !seen.contains(rect);
    m_minimap->setVisible(show);
    if (show) {
        m_minimap->move(viewport()->width() - minimapSize - 10,
                        viewport()->height() - minimapSize - 10);
        m_minimap->fitInView(rect.adjusted(-20, -20, 20, 20), Qt::KeepAspectRatio);
        m_minimap->viewport()->update();
    }
}

void GraphView::wheelEvent(QWheelEvent* event) {
    const qreal steps = event->angleDelta().y() / 120.0;
    if (steps != 0)
        zoomBy(std::pow(1.15, steps));
    event->accept();
}

void GraphView::mousePressEvent(QMouseEvent* event) {
    const bool onCanvas = !itemAt(event->position().toPoint());
    if (event->button() == Qt::MiddleButton ||
        (event->button() == Qt::LeftButton && (event->modifiers() & Qt::AltModifier) && onCanvas)) {
        m_panning = true;
        m_panFrom = event->position().toPoint();
        viewport()->setCursor(Qt::ClosedHandCursor);
        event->accept();
        return;
    }
    QGraphicsView::mousePressEvent(event);
}

void GraphView::mouseMoveEvent(QMouseEvent* event) {
    if (m_panning) {
        const QPoint delta = event->position().toPoint() - m_panFrom;
        m_panFrom = event->position().toPoint();
        horizontalScrollBar()->setValue(horizontalScrollBar()->value() - delta.x());
        verticalScrollBar()->setValue(verticalScrollBar()->value() - delta.y());
        event->accept();
        return;
    }
    QGraphicsView::mouseMoveEvent(event);
}

void GraphView::mouseReleaseEvent(QMouseEvent* event) {
    if (m_panning) {
        m_panning = false;
        viewport()->unsetCursor();
        event->accept();
        return;
    }
    QGraphicsView::mouseReleaseEvent(event);
}

void GraphView::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasFormat(LayerModel::catalogMimeType()))
        event->acceptProposedAction();
    else
        QGraphicsView::dragEnterEvent(event);
}

void GraphView::dragMoveEvent(QDragMoveEvent* event) {
    if (event->mimeData()->hasFormat(LayerModel::catalogMimeType()))
        event->acceptProposedAction();
    else
        QGraphicsView::dragMoveEvent(event);
}

void GraphView::dropEvent(QDropEvent* event) {
    if (!event->mimeData()->hasFormat(LayerModel::catalogMimeType())) {
        QGraphicsView::dropEvent(event);
        return;
    }
    const QString name = QString::fromUtf8(event->mimeData()->data(LayerModel::catalogMimeType()));
    event->acceptProposedAction();
    Q_EMIT entryDropped(name, mapToScene(event->position().toPoint()));
}

void GraphView::showEvent(QShowEvent* event) {
    QGraphicsView::showEvent(event);
    if (m_fitWhenShown)
        fitGraph();
}

void GraphView::resizeEvent(QResizeEvent* event) {
    QGraphicsView::resizeEvent(event);
    updateMinimap();
}

void GraphView::scrollContentsBy(int dx, int dy) {
    QGraphicsView::scrollContentsBy(dx, dy);
    if (m_minimap->isVisible())
        m_minimap->viewport()->update();
}

} // namespace qk::app
