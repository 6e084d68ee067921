// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/modelgraph.h"
#include "app/projectsettings.h"
#include "bridge/keras/layer.h"

#include <QList>
#include <QObject>

#include <functional>
#include <optional>
#include <vector>

class QUndoStack;

namespace qk::app {

// A layer of the network being built: a keras.layers call with the arguments the user set,
// under an id that stays the same through moves, edits and undo.
struct LayerItem {
    int id = 0;
    keras::Layer layer;
};

// What changed in a document; sent before (aboutToChange) and after (changed) the change.
struct DocumentChange {
    enum class Kind {
        LayerInserted, // index: where
        LayerRemoved,  // index: from where
        LayerMoved,    // index: from, to: where it ends up
        LayerChanged,  // index: which; its arguments changed
        CompileChanged,
        TrainingChanged,
        DataChanged,
        GraphChanged // the graph was replaced; nodeIds: the nodes the edit is about
    };
    Kind kind;
    int index = -1;
    int to = -1;
    int layerId = 0;
    QList<int> nodeIds = {};
    bool layoutOnly = false; // GraphChanged: only positions or open/closed blocks changed

    bool isLayerChange() const {
        return kind == Kind::LayerInserted || kind == Kind::LayerRemoved ||
               kind == Kind::LayerMoved || kind == Kind::LayerChanged;
    }
};

// The project being edited: the network's layers, how it is compiled and trained, and the
// data it learns from. Every edit is one command on its undo stack; widgets call the edit
// methods below and follow changes through changed().
class Document : public QObject {
    Q_OBJECT
public:
    explicit Document(QObject* parent = nullptr);

    QUndoStack* undoStack() const { return m_undoStack; }
    QString displayName() const;
    // Unsaved: edits since the last save, or changes outside the undo stack (setModified).
    bool isModified() const;
    // true marks changes that are no undo command (a new training run, a recovered project)
    // as unsaved; false marks the document saved (the undo stack's clean state is here).
    void setModified(bool modified);
    const QString& fileName() const { return m_fileName; }
    void setFileName(const QString& fileName);

    // The layers, in order.
    int layerCount() const { return static_cast<int>(m_layers.size()); }
    const LayerItem& layerAt(int index) const { return m_layers.at(static_cast<size_t>(index)); }
    const std::vector<LayerItem>& layers() const { return m_layers; }
    // The index of the layer with that id, or -1.
    int indexOf(int layerId) const;
    const CompileSettings& compileSettings() const { return m_compile; }
    const TrainingSettings& trainingSettings() const { return m_training; }
    const DataSource& dataSource() const { return m_data; }

    // Edits, each undoable. index -1 appends. Returns the new layer's id.
    int addLayer(const keras::Layer& layer, int index = -1);
    void removeLayers(const QList<int>& layerIds);
    // Moves the layer so that it ends up at index `to` (clamped to the list).
    void moveLayer(int layerId, int to);
    // Copies of the layers, each right after the last of them; returns their ids.
    QList<int> duplicateLayers(const QList<int>& layerIds);
    // Sets an argument of a layer's call, or unsets it (Keras' default applies) with nullopt.
    void setLayerArgument(int layerId, const QString& name,
                          const std::optional<keras::Argument>& value);
    // Replaces a layer's call (same class), as one edit named `text`.
    void setLayer(int layerId, const keras::Layer& layer, const QString& text);
    void setCompileSettings(const CompileSettings& settings);
    void setTrainingSettings(const TrainingSettings& settings);
    void setDataSource(const DataSource& source);

    // The functional graph (documentgraph.cpp). A document is a Sequential layer list or a
    // graph; the list is the graph's simple special case, shown as the list of cards.
    bool isGraph() const { return m_isGraph; }
    const ModelGraph& graph() const { return m_graph; }
    // Replaces the graph as one undoable edit named `text`; the document becomes a graph.
    // `selection` names the nodes to select after the edit (and after its redo); undo
    // selects those that were selected before (`selectionBefore`).
    void setGraph(const ModelGraph& graph, const QString& text, const QList<int>& selection = {},
                  const QList<int>& selectionBefore = {});
    // Back to an empty Sequential list, as one undoable edit (no-op when already one).
    void resetToSequential(const QString& text);
    // The Sequential layers as a graph, as one undoable edit (no-op when already one).
    void convertToGraph();
    // A fresh node id (never reused in this document).
    int newNodeId() { return m_nextId++; }
    // The layer (or block) of a list entry or graph node by id; nullptr when there is none.
    const keras::KerasObject* findLayer(int id) const;
    // Replaces the object of a list entry or a graph node, as one edit named `text`.
    void setLayerObject(int id, const keras::KerasObject& object, const QString& text);
    // Unrecorded: the whole model (list or graph), for undo commands and loading projects.
    void replaceModel(bool isGraph, const std::vector<LayerItem>& layers, const ModelGraph& graph,
                      const QList<int>& selection = {}, bool layoutOnly = false);

    // The unrecorded changes that undo commands make; not for widgets.
    void insertLayerItem(int index, const LayerItem& item);
    LayerItem takeLayerItem(int index);
    void moveLayerItem(int from, int to);
    void replaceLayer(int layerId, const keras::Layer& layer);
    void replaceCompileSettings(const CompileSettings& settings);
    void replaceTrainingSettings(const TrainingSettings& settings);
    void replaceDataSource(const DataSource& source);

Q_SIGNALS:
    void aboutToChange(const qk::app::DocumentChange& change);
    void changed(const qk::app::DocumentChange& change);
    void modifiedChanged(bool modified);
    void fileNameChanged(const QString& fileName);

private:
    void notify(const DocumentChange& change, const std::function<void()>& apply);
    void updateModified();

    QUndoStack* m_undoStack;
    bool m_unrecorded = false; // changes outside the undo stack
    bool m_modified = false;   // as last announced by modifiedChanged
    QString m_fileName;
    std::vector<LayerItem> m_layers;
    bool m_isGraph = false;
    ModelGraph m_graph;
    int m_nextId = 1;
    CompileSettings m_compile;
    TrainingSettings m_training;
    DataSource m_data;
};

} // namespace qk::app
