// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/keras/tensor.h"

#include "bridge/keras/model.h"
#include "bridge/keras/worker.h"
#include "bridge/session/session.h"

#include <stdexcept>

namespace qk::keras {

namespace {

const QString opsModule = QStringLiteral("keras.ops");

py::Expr listOf(const std::vector<Tensor>& tensors, const TensorNamer& nameOf) {
    std::vector<py::Expr> items;
    items.reserve(tensors.size());
    for (const Tensor& t : tensors)
        items.push_back(nameOf(t));
    return py::Expr::list(std::move(items));
}

py::Expr dictOf(const QStringList& keys, const std::vector<Tensor>& tensors,
                const TensorNamer& nameOf) {
    std::vector<std::pair<py::Expr, py::Expr>> items;
    items.reserve(tensors.size());
    for (std::size_t i = 0; i < tensors.size(); ++i)
        items.emplace_back(py::Expr(keys[static_cast<qsizetype>(i)]), nameOf(tensors[i]));
    return py::Expr::dict(std::move(items));
}

// The variable prefix of a layer's output: the name given to the layer, else Keras' own
// snake_case of its class (dense, multi_head_attention, mobile_net_v2).
QString prefixOf(const KerasObject& layer) {
    if (const auto name = layer.get(QStringLiteral("name"));
        name && name->isValue() && name->value().isString())
        return name->value().toString();
    return worker::snakeCase(layer.className());
}

// The part of a variable before its 25 random characters.
QString prefixOf(const QString& variable) {
    return variable.left(std::max<qsizetype>(0, variable.size() - 26));
}

void collect(const std::vector<CallArgument>& args, const CallKeywords& kwargs,
             std::vector<Tensor>& out) {
    for (const CallArgument& a : args)
        out.insert(out.end(), a.tensors().begin(), a.tensors().end());
    for (const auto& [keyword, a] : kwargs)
        out.insert(out.end(), a.tensors().begin(), a.tensors().end());
}

std::vector<py::Expr> argExprs(const std::vector<CallArgument>& args, const TensorNamer& nameOf) {
    std::vector<py::Expr> out;
    out.reserve(args.size());
    for (const CallArgument& a : args)
        out.push_back(a.expr(nameOf));
    return out;
}

py::Keywords keywordExprs(const CallKeywords& kwargs, const TensorNamer& nameOf) {
    py::Keywords out;
    for (const auto& [keyword, a] : kwargs)
        out.emplace_back(keyword, a.expr(nameOf));
    return out;
}

Session* sessionOf(const std::vector<Tensor>& tensors) {
    return tensors.empty() ? nullptr : &tensors.front().session();
}

py::Expr byVariable(const Tensor& t) {
    return py::Expr::name(t.variable());
}

py::Expr calleeByVariable(const Tensor::Node& node) {
    return py::Expr::name(node.shared ? node.shared->variable() : node.block->variable());
}

} // namespace

Tensors::Tensors(const Tensor& tensor)
    : m_items{{QString(), tensor}} {}

Tensors::Tensors(std::vector<Tensor> list) {
    for (Tensor& t : list)
        m_items.emplace_back(QString(), std::move(t));
}

Tensors::Tensors(std::initializer_list<Tensor> list)
    : Tensors(std::vector<Tensor>(list)) {}

Tensors::Tensors(std::vector<std::pair<QString, Tensor>> dict)
    : m_items(std::move(dict))
    , m_isDict(true) {}

Tensors::Tensors(std::initializer_list<std::pair<QString, Tensor>> dict)
    : Tensors(std::vector<std::pair<QString, Tensor>>(dict)) {}

std::vector<Tensor> Tensors::all() const {
    std::vector<Tensor> out;
    out.reserve(m_items.size());
    for (const auto& [key, t] : m_items)
        out.push_back(t);
    return out;
}

QStringList Tensors::keys() const {
    QStringList out;
    if (m_isDict) {
        for (const auto& [key, t] : m_items)
            out << key;
    }
    return out;
}

py::Expr Tensors::expr(const TensorNamer& nameOf) const {
    if (m_isDict)
        return dictOf(keys(), all(), nameOf);
    if (m_items.size() == 1)
        return nameOf(m_items.front().second);
    return listOf(all(), nameOf);
}

CallArgument::CallArgument(const Tensor& tensor)
    : m_kind(Kind::Tensor)
    , m_tensors{tensor} {}

CallArgument::CallArgument(std::vector<Tensor> list)
    : m_kind(Kind::List)
    , m_tensors(std::move(list)) {}

CallArgument::CallArgument(std::initializer_list<Tensor> list)
    : CallArgument(std::vector<Tensor>(list)) {}

CallArgument::CallArgument(std::vector<std::pair<QString, Tensor>> dict)
    : m_kind(Kind::Dict) {
    for (auto& entry : dict) {
        m_keys << entry.first;
        m_tensors.push_back(std::move(entry.second));
    }
}

CallArgument::CallArgument(std::initializer_list<std::pair<QString, Tensor>> dict)
    : CallArgument(std::vector<std::pair<QString, Tensor>>(dict)) {}

py::Expr CallArgument::expr(const TensorNamer& nameOf) const {
    switch (m_kind) {
    case Kind::Tensor:
        return nameOf(m_tensors.front());
    case Kind::List:
        return listOf(m_tensors, nameOf);
    case Kind::Dict:
        return dictOf(m_keys, m_tensors, nameOf);
    case Kind::Value:
        break;
    }
    if (!m_value)
        throw std::logic_error("a Tensors of kind Value without its value");
    return m_value->expr();
}

Tensor::Node::~Node() {
    if (session)
        session->release({variable});
}

py::Expr Tensor::Node::expr(const TensorNamer& nameOf,
                            const std::function<py::Expr(const Node&)>& calleeOf) const {
    switch (kind) {
    case Kind::Input:
        return object.expr();
    case Kind::Layer: {
        const py::Expr callee = shared || block ? calleeOf(*this) : object.expr();
        return callee.call(argExprs(args, nameOf), keywordExprs(kwargs, nameOf));
    }
    case Kind::Function:
        return object.callee().call(argExprs(args, nameOf), keywordExprs(kwargs, nameOf));
    case Kind::Item:
        return nameOf(inputs.front()).index(py::Expr::literal(key));
    }
    throw std::logic_error("unknown tensor kind");
}

Session& Tensor::session() const {
    if (!m_node->session)
        throw std::logic_error("the tensor's session is gone");
    return *m_node->session;
}

Tensor Tensor::make(Session& session, std::shared_ptr<Node> node, const QString& prefix) {
    node->session = &session;
    node->variable = worker::variable(prefix);
    const py::Expr target = py::Expr::name(node->variable);
    py::Statement assign = py::Statement::assign(target, node->expr(byVariable, calleeByVariable));
    if (node->kind == Node::Kind::Layer || node->kind == Node::Kind::Function)
        assign = worker::building({assign});
    node->shape =
        session.send(worker::command({assign, worker::support(QStringLiteral("shape"), {target})}));
    return Tensor(std::move(node));
}

Tensor Input(Session& session, const Shape& shape, const InputOptions& options) {
    auto node = std::make_shared<Tensor::Node>();
    node->kind = Tensor::Node::Kind::Input;
    node->object = KerasObject(QStringLiteral("keras"), QStringLiteral("Input"));
    node->object.set(QStringLiteral("shape"), shapeValue(shape));
    if (options.batchSize)
        node->object.set(QStringLiteral("batch_size"), *options.batchSize);
    if (!options.dtype.isEmpty())
        node->object.set(QStringLiteral("dtype"), options.dtype);
    if (options.sparse)
        node->object.set(QStringLiteral("sparse"), *options.sparse);
    if (!options.name.isEmpty())
        node->object.set(QStringLiteral("name"), options.name);
    if (options.optional)
        node->object.set(QStringLiteral("optional"), *options.optional);
    return Tensor::make(session, std::move(node),
                        options.name.isEmpty() ? QStringLiteral("input") : options.name);
}

Tensor Input(Session& session, const Shape& shape, const QString& name) {
    return Input(session, shape, InputOptions{.name = name});
}

Tensor Tensor::call(const Layer& layer, std::vector<CallArgument> args, CallKeywords kwargs) {
    auto node = std::make_shared<Node>();
    node->kind = Node::Kind::Layer;
    node->object = layer;
    collect(args, kwargs, node->inputs);
    Session* session = sessionOf(node->inputs);
    if (!session)
        throw std::invalid_argument(QStringLiteral("%1 must be called on at least one tensor")
                                        .arg(layer.qualifiedName())
                                        .toStdString());
    node->args = std::move(args);
    node->kwargs = std::move(kwargs);
    return make(*session, std::move(node), prefixOf(layer));
}

Tensor Tensor::call(const SharedLayer& layer, std::vector<CallArgument> args, CallKeywords kwargs) {
    auto node = std::make_shared<Node>();
    node->kind = Node::Kind::Layer;
    node->object = layer.layer();
    node->shared = std::make_shared<const SharedLayer>(layer);
    collect(args, kwargs, node->inputs);
    if (node->inputs.empty())
        throw std::invalid_argument(QStringLiteral("%1 must be called on at least one tensor")
                                        .arg(layer.layer().qualifiedName())
                                        .toStdString());
    node->args = std::move(args);
    node->kwargs = std::move(kwargs);
    return make(layer.session(), std::move(node), prefixOf(layer.layer()));
}

Tensor Tensor::call(const Model& model, std::vector<CallArgument> args, CallKeywords kwargs) {
    auto node = std::make_shared<Node>();
    node->kind = Node::Kind::Layer;
    node->block = std::make_shared<const Model>(model);
    collect(args, kwargs, node->inputs);
    if (node->inputs.empty())
        throw std::invalid_argument("a model must be called on at least one tensor");
    node->args = std::move(args);
    node->kwargs = std::move(kwargs);
    const QString given = model.name();
    return make(model.session(), std::move(node),
                given.isEmpty() ? QStringLiteral("block") : given);
}

Tensor Tensor::function(const QString& name, std::vector<CallArgument> args, CallKeywords kwargs) {
    std::vector<Tensor> inputs;
    collect(args, kwargs, inputs);
    Session* session = sessionOf(inputs);
    if (!session)
        throw std::invalid_argument(
            QStringLiteral("keras.ops.%1 is called on no tensor: give it the session")
                .arg(name)
                .toStdString());
    return function(*session, name, std::move(args), std::move(kwargs));
}

Tensor Tensor::function(Session& session, const QString& name, std::vector<CallArgument> args,
                        CallKeywords kwargs) {
    auto node = std::make_shared<Node>();
    node->kind = Node::Kind::Function;
    node->object = KerasObject(opsModule, name);
    collect(args, kwargs, node->inputs);
    node->args = std::move(args);
    node->kwargs = std::move(kwargs);
    return make(session, std::move(node), name);
}

Tensor Tensor::item(Value key) const {
    auto node = std::make_shared<Node>();
    node->kind = Node::Kind::Item;
    const QString suffix = key.isString() ? key.toString() : QString::number(key.toInt());
    node->key = std::move(key);
    node->inputs = {*this};
    return make(session(), std::move(node), prefixOf(variable()) + u'_' + suffix);
}

Tensor Tensor::operator[](int index) const {
    return item(index);
}

Tensor Tensor::operator[](const QString& key) const {
    return item(key);
}

SharedLayer::State::~State() {
    if (session)
        session->release({variable});
}

SharedLayer::State::State(Session& s, Layer l)
    : session(&s)
    , variable(worker::variable(prefixOf(l)))
    , layer(std::move(l)) {}

SharedLayer::SharedLayer(Session& session, Layer layer)
    : m_state(std::make_shared<State>(session, std::move(layer))) {
    const py::Expr target = py::Expr::name(m_state->variable);
    m_state->created = session.send(
        worker::command({worker::building({py::Statement::assign(target, m_state->layer.expr())}),
                         py::Expr(nullptr)}));
}

Session& SharedLayer::session() const {
    if (!m_state->session)
        throw std::logic_error("the layer's session is gone");
    return *m_state->session;
}

namespace {
Tensor binary(const char* function, CallArgument a, CallArgument b) {
    return Tensor::function(QString::fromLatin1(function), {std::move(a), std::move(b)}, {});
}
} // namespace

Tensor operator+(const Tensor& a, const Tensor& b) {
    return binary("add", a, b);
}
Tensor operator+(const Tensor& a, double b) {
    return binary("add", a, b);
}
Tensor operator+(double a, const Tensor& b) {
    return binary("add", a, b);
}
Tensor operator-(const Tensor& a, const Tensor& b) {
    return binary("subtract", a, b);
}
Tensor operator-(const Tensor& a, double b) {
    return binary("subtract", a, b);
}
Tensor operator-(double a, const Tensor& b) {
    return binary("subtract", a, b);
}
Tensor operator*(const Tensor& a, const Tensor& b) {
    return binary("multiply", a, b);
}
Tensor operator*(const Tensor& a, double b) {
    return binary("multiply", a, b);
}
Tensor operator*(double a, const Tensor& b) {
    return binary("multiply", a, b);
}
Tensor operator/(const Tensor& a, const Tensor& b) {
    return binary("divide", a, b);
}
Tensor operator/(const Tensor& a, double b) {
    return binary("divide", a, b);
}
Tensor operator/(double a, const Tensor& b) {
    return binary("divide", a, b);
}
Tensor operator-(const Tensor& a) {
    return Tensor::function(QStringLiteral("negative"), {a}, {});
}

} // namespace qk::keras
