#include "bridge/keras/tensor.h"

#include "bridge/keras/worker.h"
#include "bridge/session/session.h"

#include <stdexcept>

namespace qk::keras {

Tensor::Node::~Node() {
    if (session)
        session->deleteVariables({variable});
}

Session& Tensor::session() const {
    if (!m_node->session)
        throw std::logic_error("the tensor's session is gone");
    return *m_node->session;
}

Tensor Input(Session& session, const Shape& shape, const QString& name) {
    auto node = std::make_shared<Tensor::Node>();
    node->session = &session;
    node->variable = Session::freshName();
    node->producer = KerasObject(QStringLiteral("keras"), QStringLiteral("Input"));
    node->producer.set(QStringLiteral("shape"), shapeValue(shape));
    if (!name.isEmpty())
        node->producer.set(QStringLiteral("name"), name);
    const py::Expr target = py::Expr::name(node->variable);
    node->shape = session.send(worker::command(
        {py::Statement::assign(target,
                               worker::support(QStringLiteral("create"), {node->producer.callee()},
                                               node->producer.keywordExprs())),
         worker::support(QStringLiteral("shape"), {target})}));
    return Tensor(std::move(node));
}

Tensor Tensor::call(const Layer& layer, std::vector<Tensor> inputs, bool asList) {
    if (inputs.empty())
        throw std::invalid_argument("a layer must be called on at least one tensor");
    Session& session = inputs.front().session();
    auto node = std::make_shared<Node>();
    node->session = &session;
    node->variable = Session::freshName();
    node->producer = layer;
    node->listInput = asList;
    std::vector<py::Expr> names;
    for (const Tensor& t : inputs)
        names.push_back(py::Expr::name(t.variable()));
    node->inputs = std::move(inputs);
    std::vector<py::Expr> args{layer.callee(), asList ? py::Expr::list(names) : names.front()};
    for (py::Expr& a : layer.positionalExprs())
        args.push_back(std::move(a));
    const py::Expr target = py::Expr::name(node->variable);
    node->shape = session.send(worker::command(
        {py::Statement::assign(target, worker::support(QStringLiteral("call"), std::move(args),
                                                       layer.keywordExprs())),
         worker::support(QStringLiteral("shape"), {target})}));
    return Tensor(std::move(node));
}

Tensor Layer::operator()(const Tensor& input) const {
    return Tensor::call(*this, {input}, false);
}

Tensor Layer::operator()(const std::vector<Tensor>& inputs) const {
    return Tensor::call(*this, inputs, true);
}

} // namespace qk::keras
