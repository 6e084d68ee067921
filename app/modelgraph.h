// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/codegen/python.h"
#include "bridge/keras/kerasobject.h"
#include "bridge/keras/layer.h"

#include <QList>
#include <QPointF>
#include <QString>

#include <optional>
#include <utility>
#include <vector>

namespace qk::app {

// An input of a layer call: the first positional argument ("inputs", a list for merges), a
// tensor argument by name (MultiHeadAttention's query, value, key, attention_mask; a mask).
struct GraphPort {
    QString name;
    bool positional = false; // passed by position, in the order of the ports
    bool list = false;       // takes several tensors, passed as one list (Add, Concatenate)
    bool optional = false;   // the call works without it
};

// A tensor flowing from one node's output to another node's input port.
struct GraphEdge {
    int from = 0;
    int output = -1; // -1: the whole output; i >= 0: output i of a layer with several
    int to = 0;
    QString port = QStringLiteral("inputs");

    friend bool operator==(const GraphEdge&, const GraphEdge&) = default;
};

// One call in the functional graph: an Input (a keras.layers.InputLayer object that becomes
// keras.Input), a keras.layers layer, or a keras.applications model used as a block. A node
// that shares another node's layer calls that layer (same weights) and has no object of
// its own.
struct GraphNode {
    int id = 0;
    keras::KerasObject object;
    int sharedWith = 0;                   // the node whose layer this call reuses; 0: its own
    keras::Layer::Keywords callArguments; // non-tensor call arguments (training=False, ...)
    std::optional<QPointF> position;      // none: the automatic layout places it
    bool expanded = false;                // a block shown open

    bool isInput() const;
    // A model used as a layer: a keras.applications model, or a nested Sequential or
    // functional model (read from its config).
    bool isBlock() const;
    QString className() const { return object.className(); }
    friend bool operator==(const GraphNode&, const GraphNode&) = default;
};

// A problem that keeps the graph from being a Keras model, on the node (and edge) it is about.
struct GraphProblem {
    int nodeId = 0;
    std::optional<GraphEdge> edge;
    QString message;
};

// A Keras functional model as a graph: nodes (layer calls) and edges (tensors). Inputs are
// the Input nodes, outputs the nodes whose output nothing takes, both in node order. A
// Sequential model is the chain that fromSequential() makes. Plain data: copies are
// independent, and an edit of the document replaces one graph by another.
class ModelGraph {
public:
    std::vector<GraphNode> nodes;
    std::vector<GraphEdge> edges;

    friend bool operator==(const ModelGraph&, const ModelGraph&) = default;

    // The chain of a Sequential model; its InputLayer (if first) becomes an Input node.
    static ModelGraph fromSequential(const std::vector<keras::Layer>& layers, int firstId = 1);

    bool isEmpty() const { return nodes.empty(); }
    // The graph without what only the canvas keeps (positions, blocks shown open): what makes
    // the model.
    ModelGraph structure() const;
    const GraphNode* node(int id) const;
    GraphNode* node(int id);
    int indexOf(int id) const;
    int maxId() const;
    // The ports of a node's call, by its class (and a shared node by its owner's class).
    std::vector<GraphPort> ports(int nodeId) const;
    static std::vector<GraphPort> portsOf(const QString& className);
    // Edges into a node (in order), or into one of its ports.
    std::vector<GraphEdge> edgesInto(int nodeId, const QString& port = {}) const;
    std::vector<GraphEdge> edgesFrom(int nodeId) const;
    // The node whose layer a node calls (itself, or the one it shares).
    // Only for nodes of this graph, which outlive the call: never a temporary.
    const GraphNode& owner(const GraphNode& node) const;
    const GraphNode& owner(GraphNode&& node) const = delete;

    std::vector<int> inputIds() const;
    std::vector<int> outputIds() const;
    // How the user knows an input or output: the name given to Keras ('wide'), else its
    // place ("input 2", "output 1"); empty for a node that is none.
    QString inputName(int nodeId) const;
    QString outputName(int nodeId) const;
    // The name given to Keras for the node's layer (the `name` argument); empty when none is.
    QString kerasName(int nodeId) const;
    // The graph with a name for every output layer that has none: "output_1", "output_2", ...
    // by its place among the outputs (made unique). Keras names an output's losses and metrics
    // after its layer, and a layer without a name gets one counted in the process that builds
    // it ("dense_7"), different from one build to the next; these stay the same. buildCode()
    // names the outputs of a graph of several so.
    ModelGraph withOutputsNamed() const;

    // Nodes in an order where every node comes after those it takes tensors from; nullopt
    // when there is a cycle (`cycle` then names nodes on it).
    std::optional<std::vector<int>> topologicalOrder(std::vector<int>* cycle = nullptr) const;
    // Why the edge cannot be added (a cycle, a node onto itself, an unknown port), or empty.
    QString refusalFor(const GraphEdge& edge) const;
    // What keeps the graph from being a model: a cycle, a layer without its input, an input
    // nothing uses, no input at all. Empty when it can be built.
    std::vector<GraphProblem> problems() const;

    // A Sequential chain, when the graph is one (one Input, each node feeding the next);
    // its layers (InputLayer first).
    std::optional<std::vector<keras::Layer>> asSequential() const;

    // Python that builds the graph as a keras.Model assigned to `model`, each tensor under a
    // readable name (the layer's name, or its class in snake case), the outputs of a graph of
    // several named (withOutputsNamed), so that every run, search trial and exported script
    // names their losses and metrics alike. Throws std::invalid_argument with the first
    // problem when the graph cannot be built.
    py::Program buildCode(const QString& model = QStringLiteral("model"),
                          const QString& modelName = {}) const;

    // The graph as data for the worker's graph.describe(): one dict per node in
    // topological order. Throws std::invalid_argument on a cycle.
    py::Expr describeSpec() const;

private:
    QString endpointName(const std::vector<int>& ends, int nodeId, const QString& numbered) const;
};

// The name in the config of a block rebuilt from it (keras.saving.deserialize_keras_object);
// empty for any other object.
QString configName(const keras::KerasObject& object);

// The call of an Input node (keras.Input(shape=..., ...)) from its InputLayer object.
keras::KerasObject inputCall(const keras::KerasObject& inputLayer);

} // namespace qk::app
