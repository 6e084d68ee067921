// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/keras/kerasobject.h"
#include "bridge/keras/layer.h"

#include <QFuture>
#include <QPointer>

#include <concepts>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace qk {
class Session;
}

namespace qk::keras {

class Tensor;
class SharedLayer;
class Model;

// Names a tensor in generated code: its worker variable, or a label in an exported script.
using TensorNamer = std::function<py::Expr(const Tensor&)>;

// One tensor, a list of tensors or a dict of named tensors: the inputs or outputs of a
// functional model, as Keras takes them. A list of one tensor stands for the tensor itself.
class Tensors {
public:
    Tensors(const Tensor& tensor);
    Tensors(std::vector<Tensor> list);
    Tensors(std::initializer_list<Tensor> list);
    // A dict, in the order given: {{"title", title}, {"body", body}}.
    Tensors(std::vector<std::pair<QString, Tensor>> dict);
    Tensors(std::initializer_list<std::pair<QString, Tensor>> dict);

    bool isDict() const { return m_isDict; }
    // The tensors, in order (a dict's values).
    std::vector<Tensor> all() const;
    // The dict's keys, in order; empty for a tensor or list.
    QStringList keys() const;
    py::Expr expr(const TensorNamer& nameOf) const;

private:
    std::vector<std::pair<QString, Tensor>> m_items;
    bool m_isDict = false;
};

// An argument of a call on tensors (a layer's call, a keras.ops function): a tensor, a list
// or dict of tensors, or any other argument (plain data, a Keras object, an expression).
class CallArgument {
public:
    CallArgument(const Tensor& tensor);
    CallArgument(std::vector<Tensor> list);
    CallArgument(std::initializer_list<Tensor> list);
    CallArgument(std::vector<std::pair<QString, Tensor>> dict);
    CallArgument(std::initializer_list<std::pair<QString, Tensor>> dict);
    template <typename T>
    requires std::constructible_from<Argument, T> CallArgument(T&& value)
        : m_value(Argument(std::forward<T>(value))) {}

    // The tensors it holds, in order.
    const std::vector<Tensor>& tensors() const { return m_tensors; }
    py::Expr expr(const TensorNamer& nameOf) const;

private:
    enum class Kind { Tensor, List, Dict, Value };
    Kind m_kind = Kind::Value;
    std::vector<Tensor> m_tensors;
    QStringList m_keys; // Dict
    std::optional<Argument> m_value;
};

// Arguments of keras.Input beyond the shape; only those set are generated.
struct InputOptions {
    QString name = {};
    QString dtype = {}; // "int32", "float16"...
    std::optional<int> batchSize = {};
    std::optional<bool> sparse = {};
    std::optional<bool> optional = {}; // an input that may be given as None
};

// A symbolic tensor of the functional API, held in a worker variable: an input
// (keras.Input), the output of a layer, an application or a keras.ops function called on
// other tensors, or one item of a call's several outputs. It remembers how it was made, so
// that a model built from it can be exported, and a graph editor can show it. The variable
// lives as long as any copy of the tensor (or a model built from it).
class Tensor {
public:
    struct Node {
        enum class Kind {
            Input,    // keras.Input(...): `object`
            Layer,    // a layer or an application called: `object`, `shared` or `block`
            Function, // a keras.ops function called: `object` is keras.ops.<name>
            Item      // inputs[0][key]
        };
        Kind kind = Kind::Input;
        QPointer<Session> session;
        QString variable;
        KerasObject object; // the constructor call (Input, Layer) or function
        std::shared_ptr<const SharedLayer> shared; // Layer: the layer made once, when it is one
        std::shared_ptr<const Model> block;        // Layer: a model called as a block
        std::vector<CallArgument> args;            // Layer, Function
        CallKeywords kwargs;                       // Layer, Function
        Value key;                                 // Item: an int or a str
        std::vector<Tensor> inputs;                // every tensor the call takes, in order
        QFuture<Value> shape;                      // settles when the tensor exists in the worker
        ~Node();

        // The expression that makes the tensor, its inputs named by `nameOf` and what a
        // Layer node calls, when that is an object made before (`shared`, `block`), by
        // `calleeOf`.
        py::Expr expr(const TensorNamer& nameOf,
                      const std::function<py::Expr(const Node&)>& calleeOf) const;
    };

    Session& session() const;
    const QString& variable() const { return m_node->variable; }
    bool isInput() const { return m_node->kind == Node::Kind::Input; }
    const Node& node() const { return *m_node; }

    // The tensor's shape ([None, 16]; a list of shapes for several outputs); fails with the
    // CommandError that kept it from being made (an error names the layer).
    QFuture<Value> shape() const { return m_node->shape; }

    // One of several outputs (a layer with return_state, a call that returns a tuple or a
    // dict): tensor[0], tensor["key"].
    Tensor operator[](int index) const;
    Tensor operator[](const QString& key) const;

    // Calls a layer (made on the spot, or a SharedLayer) or a keras.ops function in the
    // worker. Throws std::invalid_argument when no argument is a tensor (for a layer) or none
    // names a session (a function without tensors: use the overload with a session).
    static Tensor call(const Layer& layer, std::vector<CallArgument> args, CallKeywords kwargs);
    static Tensor call(const SharedLayer& layer, std::vector<CallArgument> args,
                       CallKeywords kwargs);
    // Calls a model on tensors, as a block of a larger model (its layers and weights are
    // the model's own, shared with it).
    static Tensor call(const Model& model, std::vector<CallArgument> args, CallKeywords kwargs);
    static Tensor function(const QString& name, std::vector<CallArgument> args,
                           CallKeywords kwargs);
    static Tensor function(Session& session, const QString& name, std::vector<CallArgument> args,
                           CallKeywords kwargs);

private:
    explicit Tensor(std::shared_ptr<Node> node)
        : m_node(std::move(node)) {}
    friend Tensor Input(Session& session, const Shape& shape, const InputOptions& options);
    static Tensor make(Session& session, std::shared_ptr<Node> node, const QString& prefix);
    Tensor item(Value key) const;

    std::shared_ptr<Node> m_node;
};

// keras.Input(shape=..., ...): the start of a functional model.
Tensor Input(Session& session, const Shape& shape, const InputOptions& options = {});
Tensor Input(Session& session, const Shape& shape, const QString& name);

// A layer made once in the worker and called on several tensors, which then share its
// weights (a siamese network, an embedding used twice). Copies share the layer.
class SharedLayer : public Callable<SharedLayer> {
public:
    SharedLayer(Session& session, Layer layer);

    const Layer& layer() const { return m_state->layer; }
    const QString& variable() const { return m_state->variable; }
    Session& session() const;
    // Settles when the layer exists in the worker; fails with the error that kept it from
    // being made.
    QFuture<Value> created() const { return m_state->created; }
    bool operator==(const SharedLayer& other) const { return m_state == other.m_state; }

private:
    struct State {
        State(Session& session, Layer layer);
        ~State();
        QPointer<Session> session;
        QString variable;
        Layer layer;
        QFuture<Value> created;
    };
    std::shared_ptr<State> m_state;
};

// keras.ops arithmetic on tensors: a + b is keras.ops.add(a, b).
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, double b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, double b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, double b);
Tensor operator/(double a, const Tensor& b);
Tensor operator-(const Tensor& a);

template <typename Self>
Tensor Callable<Self>::operator()(const Tensor& input) const {
    return Tensor::call(static_cast<const Self&>(*this), {input}, {});
}

template <typename Self>
Tensor Callable<Self>::operator()(const std::vector<Tensor>& inputs) const {
    return Tensor::call(static_cast<const Self&>(*this), {CallArgument(inputs)}, {});
}

template <typename Self>
template <typename... More>
requires(std::same_as<More, Tensor>&&...) Tensor Callable<Self>::operator()(
    const Tensor& first, const Tensor& second, const More&... more) const {
    return Tensor::call(static_cast<const Self&>(*this),
                        {CallArgument(first), CallArgument(second), CallArgument(more)...}, {});
}

template <typename Self>
Tensor Callable<Self>::call(std::vector<CallArgument> args) const {
    return call(std::move(args), {});
}

template <typename Self>
Tensor Callable<Self>::call(std::vector<CallArgument> args, CallKeywords kwargs) const {
    return Tensor::call(static_cast<const Self&>(*this), std::move(args), std::move(kwargs));
}

} // namespace qk::keras
