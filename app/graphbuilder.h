// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/statuslabel.h"

#include <QWidget>

class QAction;
class QImage;
class QLabel;

namespace qk::app {

class ActionRegistry;
class Document;
class GraphChecker;
class GraphScene;
class GraphView;

// The central panel for a functional model: the graph of layer calls on a canvas, with the
// shapes and parameters Keras computed on each node, errors on the node and edge that cause
// them, and the total. Its actions (registered under ids::graph*) delete, duplicate, copy,
// paste, share a layer, open or close a block, lay out, zoom and fit.
class GraphBuilder : public QWidget {
    Q_OBJECT
public:
    GraphBuilder(Document& document, GraphChecker& checker, ActionRegistry& actions,
                 QWidget* parent = nullptr);

    GraphScene* scene() const { return m_scene; }
    GraphView* view() const { return m_view; }
    QLabel* totalLabel() const { return m_total; }
    StatusLabel* statusLabel() const { return m_status; }
    int currentNodeId() const;
    // Adds a palette entry after the current node (connected to it), or where it was dropped.
    int addNode(const QString& className);
    // The whole graph as a picture, at the view's scale where it fits in `maxSide` pixels
    // (smaller otherwise), under a line with the node count and the total parameters.
    QImage renderGraph(int maxSide = 12000) const;

Q_SIGNALS:
    // The node whose arguments the Properties dock shows (0: none).
    void currentNodeChanged(int nodeId);

private:
    void createActions(ActionRegistry& actions);
    void updateHeader();
    void updateActions();
    void copySelection();
    void paste();

    Document& m_document;
    GraphChecker& m_checker;
    GraphScene* m_scene;
    GraphView* m_view;
    QLabel* m_title;
    StatusLabel* m_status;
    QLabel* m_total;
    QList<QAction*> m_selectionActions;
    QAction* m_toggleBlock = nullptr;
    QString m_message;
    bool m_fitPending = true;
};

} // namespace qk::app
