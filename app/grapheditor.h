// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/modelgraph.h"

#include <QHash>
#include <QList>
#include <QPointF>
#include <QString>

namespace qk::app {

class Document;

// The graph edits a user makes, each one undoable command on the document (selection
// included): add, connect, disconnect, remove, duplicate, paste, share, move, lay out.
// Widgets call these; tests call them without a window.
class GraphEditor {
public:
    explicit GraphEditor(Document& document)
        : m_document(document) {}

    // Adds a node for a keras.layers class (or "keras.applications.ResNet50", or
    // "InputLayer" for an Input) at `position`; when `after` names a node, the new node takes
    // its output. Returns the new node's id.
    int addNode(const QString& className, const std::optional<QPointF>& position = {},
                int after = 0);
    int addNode(const keras::KerasObject& object, const std::optional<QPointF>& position = {},
                int after = 0);
    // Connects an output to an input port; a port that takes one tensor gives up the one it
    // had. Returns why it cannot be done (a cycle...), empty when done.
    QString connect(const GraphEdge& edge);
    void disconnect(const QList<GraphEdge>& edges);
    // Removes nodes with their edges (and the calls that share their layers).
    void remove(const QList<int>& nodeIds, const QList<GraphEdge>& edges = {});
    // Copies of the nodes and the edges among them, beside the originals, without their
    // layer names (Keras wants them unique); returns the new ids.
    QList<int> duplicate(const QList<int>& nodeIds);
    // A new call of a node's layer (the same weights), beside it; returns its id.
    int share(int nodeId);
    // Sets node positions (a drag) as one edit.
    void move(const QHash<int, QPointF>& positions);
    // Lays the whole graph out with Graphviz as one edit.
    void autoLayout();
    void setExpanded(int nodeId, bool expanded);

    // The nodes and the edges among them as bytes for the clipboard; and back, pasted at an
    // offset with new ids. paste() returns the new ids (empty when the bytes are no graph).
    static QByteArray copy(const ModelGraph& graph, const QList<int>& nodeIds);
    QList<int> paste(const QByteArray& bytes, const QPointF& offset = {40, 40});

private:
    // Adds copies of `part` (its own ids) with fresh ids and no names; returns the new ids.
    QList<int> insertCopies(ModelGraph& into, const ModelGraph& part, const QPointF& offset);

    Document& m_document;
};

} // namespace qk::app
