#pragma once

#include "bridge/keras/kerasobject.h"
#include "bridge/keras/layer.h"

#include <QFuture>
#include <QPointer>

#include <memory>
#include <vector>

namespace qk {
class Session;
}

namespace qk::keras {

// A symbolic tensor of the functional API, held in a worker variable: an input
// (keras.Input) or the output of a layer called on other tensors. It remembers how it was
// made, so that a model built from it can be exported. The variable lives as long as any
// copy of the tensor (or a model built from it).
class Tensor {
public:
    struct Node {
        QPointer<Session> session;
        QString variable;
        KerasObject producer;       // keras.Input(...) or the layer that made the tensor
        std::vector<Tensor> inputs; // none for an input
        bool listInput = false;     // the layer was called on a list of tensors
        QFuture<Value> shape;       // settles when the tensor exists in the worker
        ~Node();
    };

    Session& session() const;
    const QString& variable() const { return m_node->variable; }
    bool isInput() const { return m_node->inputs.empty(); }
    const Node& node() const { return *m_node; }

    // The tensor's shape ([None, 16]); fails with the CommandError that kept it from being
    // made (a shape error names the layer).
    QFuture<Value> shape() const { return m_node->shape; }

    // Calls `layer` on `inputs` in the worker.
    static Tensor call(const Layer& layer, std::vector<Tensor> inputs, bool asList);

private:
    explicit Tensor(std::shared_ptr<Node> node)
        : m_node(std::move(node)) {}
    friend Tensor Input(Session& session, const Shape& shape, const QString& name);

    std::shared_ptr<Node> m_node;
};

// keras.Input(shape=..., name=...): the start of a functional model.
Tensor Input(Session& session, const Shape& shape, const QString& name = {});

} // namespace qk::keras
