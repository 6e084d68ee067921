// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/statuslabel.h"

#include <QList>
#include <QWidget>

class QAction;
class QLabel;
class QListView;

namespace qk::app {

class Document;
class LayerModel;
class ShapeChecker;

// The central panel: the network as a vertical diagram of layer cards, each with the
// output shape and parameter count the worker computed, and the total. Layers are added
// from the palette (double-click or drop), reordered by drag, deleted and duplicated.
class ModelBuilder : public QWidget {
    Q_OBJECT
public:
    ModelBuilder(Document& document, ShapeChecker& checker, QWidget* parent = nullptr);

    LayerModel* model() const { return m_model; }
    QListView* view() const { return m_view; }
    QLabel* titleLabel() const { return m_title; }
    StatusLabel* statusLabel() const { return m_status; }
    QLabel* totalLabel() const { return m_total; }
    QAction* deleteAction() const { return m_delete; }
    QAction* duplicateAction() const { return m_duplicate; }
    QAction* moveUpAction() const { return m_moveUp; }
    QAction* moveDownAction() const { return m_moveDown; }

    // Adds a keras.layers class after the current layer (at the end when there is none),
    // and makes it current.
    void addLayer(const QString& className, int row = -1);
    int currentLayerId() const;
    // The layers drawn selected: what Delete and Duplicate act on. An undo or redo selects
    // the layers it brings back, or the current one after a removal.
    QList<int> selectedLayerIds() const;
    void selectLayer(int layerId);

Q_SIGNALS:
    void currentLayerChanged(int layerId);

protected:
    void changeEvent(QEvent* event) override;

private:
    void applyPalette();
    void updateHeader();
    void updateActions();
    void moveCurrent(int delta);
    void selectAfterUndoStep();

    Document& m_document;
    ShapeChecker& m_checker;
    LayerModel* m_model;
    QListView* m_view;
    QLabel* m_title;
    QLabel* m_total;
    StatusLabel* m_status;
    QLabel* m_empty;
    QAction* m_delete;
    QAction* m_duplicate;
    QAction* m_moveUp;
    QAction* m_moveDown;
    QList<int> m_inserted; // layers inserted since the undo stack last moved
};

} // namespace qk::app
