// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QGraphicsView>

namespace qk::app {

class GraphScene;

// The graph's canvas: wheel zooms about the cursor, a middle-button drag (or a
// drag on empty canvas with Alt) pans, a rubber band selects; palette entries dropped on it
// become nodes where they fall. A minimap in the corner shows the whole graph and where the
// view is once the graph outgrows the view.
class GraphView : public QGraphicsView {
    Q_OBJECT
public:
    explicit GraphView(GraphScene* scene, QWidget* parent = nullptr);

    GraphScene* graphScene() const { return m_scene; }
    void zoomBy(qreal factor);
    void fitGraph();
    qreal zoom() const { return transform().m11(); }
    QGraphicsView* minimap() const { return m_minimap; }
    void updateMinimap();

Q_SIGNALS:
    // A palette entry dropped at a scene position.
    void entryDropped(const QString& className, const QPointF& scenePos);

protected:
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dragMoveEvent(QDragMoveEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void showEvent(QShowEvent* event) override;
    void scrollContentsBy(int dx, int dy) override;

private:
    GraphScene* m_scene;
    QGraphicsView* m_minimap;
    bool m_panning = false;
    bool m_fitWhenShown = false;
    QPoint m_panFrom;
};

} // namespace qk::app
