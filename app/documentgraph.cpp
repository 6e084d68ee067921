// SPDX-License-Identifier: GPL-3.0-or-later
// The document's functional graph: its edits and their undo command.
#include "app/document.h"

#include <QUndoCommand>
#include <QUndoStack>

namespace qk::app {

namespace {

// The graph without what only the view uses (positions, open blocks).
ModelGraph structure(ModelGraph graph) {
    for (GraphNode& node : graph.nodes) {
        node.position.reset();
        node.expanded = false;
    }
    return graph;
}

// Replaces the whole model (list or graph); undo puts back the one before. Each way selects
// the nodes its side names, so that the selection and the Properties dock follow.
class ReplaceModelCommand : public QUndoCommand {
public:
    struct Side {
        bool isGraph = false;
        std::vector<LayerItem> layers;
        ModelGraph graph;
        QList<int> selection;
    };
    ReplaceModelCommand(Document& document, const QString& text, Side before, Side after)
        : QUndoCommand(text)
        , m_document(document)
        , m_before(std::move(before))
        , m_after(std::move(after))
        , m_layoutOnly(m_before.isGraph == m_after.isGraph &&
                       structure(m_before.graph) == structure(m_after.graph) &&
                       m_before.layers.empty() && m_after.layers.empty()) {}
    void redo() override { apply(m_after); }
    void undo() override { apply(m_before); }

private:
    void apply(const Side& side) {
        m_document.replaceModel(side.isGraph, side.layers, side.graph, side.selection,
                                m_layoutOnly);
    }
    Document& m_document;
    Side m_before;
    Side m_after;
    bool m_layoutOnly;
};

} // namespace

void Document::setGraph(const ModelGraph& graph, const QString& text, const QList<int>& selection,
                        const QList<int>& selectionBefore) {
    if (m_isGraph && graph == m_graph)
        return;
    m_nextId = std::max(m_nextId, graph.maxId() + 1);
    m_undoStack->push(new ReplaceModelCommand(*this, text,
                                              {m_isGraph, m_layers, m_graph, selectionBefore},
                                              {true, {}, graph, selection}));
}

void Document::resetToSequential(const QString& text) {
    if (!m_isGraph)
        return;
    m_undoStack->push(
        new ReplaceModelCommand(*this, text, {true, {}, m_graph, {}}, {false, {}, {}, {}}));
}

void Document::convertToGraph() {
    if (m_isGraph)
        return;
    ModelGraph graph;
    int previous = 0;
    for (const LayerItem& item : m_layers) {
        GraphNode node;
        node.id = item.id; // the same ids: the selection and Properties stay on the layer
        node.object = item.layer;
        graph.nodes.push_back(node);
        if (previous != 0)
            graph.edges.push_back({previous, -1, node.id, QStringLiteral("inputs")});
        previous = node.id;
    }
    setGraph(graph, tr("Edit as a graph"));
}

const keras::KerasObject* Document::findLayer(int id) const {
    if (m_isGraph) {
        const GraphNode* node = m_graph.node(id);
        return node ? &m_graph.owner(*node).object : nullptr;
    }
    const int index = indexOf(id);
    return index < 0 ? nullptr : &m_layers[static_cast<size_t>(index)].layer;
}

void Document::setLayerObject(int id, const keras::KerasObject& object, const QString& text) {
    if (!m_isGraph) {
        setLayer(id, keras::Layer(object), text);
        return;
    }
    const GraphNode* node = m_graph.node(id);
    if (!node)
        return;
    ModelGraph graph = m_graph;
    graph.node(m_graph.owner(*node).id)->object = object;
    setGraph(graph, text, {id}, {id});
}

void Document::replaceModel(bool isGraph, const std::vector<LayerItem>& layers,
                            const ModelGraph& graph, const QList<int>& selection, bool layoutOnly) {
    // The list changes entry by entry, so that its item model follows.
    while (!m_layers.empty())
        takeLayerItem(layerCount() - 1);
    for (const LayerItem& item : layers)
        insertLayerItem(layerCount(), item);
    m_nextId = std::max(m_nextId, graph.maxId() + 1);
    DocumentChange change{DocumentChange::Kind::GraphChanged};
    change.nodeIds = selection;
    change.layoutOnly = layoutOnly;
    notify(change, [&] {
        m_isGraph = isGraph;
        m_graph = graph;
    });
}

} // namespace qk::app
