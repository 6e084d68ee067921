// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/modelgraph.h"

#include <QCoreApplication>
#include <QHash>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>
#include <functional>
#include <stdexcept>

namespace qk::app {

namespace {

const QString inputsPort = QStringLiteral("inputs");

QString tr(const char* text) {
    return QCoreApplication::translate("ModelGraph", text);
}

bool isMerge(const QString& c) {
    static const QSet<QString> merges{
        QStringLiteral("Add"),       QStringLiteral("Subtract"),
        QStringLiteral("Multiply"),  QStringLiteral("Average"),
        QStringLiteral("Maximum"),   QStringLiteral("Minimum"),
        QStringLiteral("Dot"),       QStringLiteral("Concatenate"),
        QStringLiteral("Attention"), QStringLiteral("AdditiveAttention")};
    return merges.contains(c);
}

bool isRecurrent(const QString& c) {
    static const QSet<QString> rnns{QStringLiteral("LSTM"),          QStringLiteral("GRU"),
                                    QStringLiteral("SimpleRNN"),     QStringLiteral("RNN"),
                                    QStringLiteral("Bidirectional"), QStringLiteral("ConvLSTM1D"),
                                    QStringLiteral("ConvLSTM2D"),    QStringLiteral("ConvLSTM3D")};
    return rnns.contains(c);
}

QString snakeCase(const QString& name) {
    QString out = name;
    out.replace(QRegularExpression(QStringLiteral("(.)([A-Z][a-z]+)")), QStringLiteral("\\1_\\2"));
    out.replace(QRegularExpression(QStringLiteral("([a-z0-9])([A-Z])")), QStringLiteral("\\1_\\2"));
    return out.toLower();
}

QString nameArgument(const keras::KerasObject& object) {
    const auto name = object.get(QStringLiteral("name"));
    return name && name->isValue() && name->value().isString() ? name->value().toString()
                                                               : QString();
}

QString nodeLabel(const GraphNode& node) {
    const QString name = nameArgument(node.object);
    return name.isEmpty() ? node.className()
                          : QStringLiteral("%1 '%2'").arg(node.className(), name);
}

// Readable, unique Python names: a layer's own name when it is an identifier, else its class
// in snake case, numbered from the second on.
class Namer {
public:
    Namer() {
        for (const char* reserved : {"keras", "np", "json", "model", "history", "final"})
            m_used.insert(QString::fromLatin1(reserved));
    }
    QString take(QString stem) {
        if (!py::isIdentifier(stem) || py::isKeyword(stem))
            stem = QStringLiteral("x");
        QString name = stem;
        for (int i = 1; m_used.contains(name); ++i)
            name = QStringLiteral("%1_%2").arg(stem).arg(i);
        m_used.insert(name);
        return name;
    }

private:
    QSet<QString> m_used;
};

py::Expr keywordDict(const py::Keywords& keywords) {
    std::vector<std::pair<py::Expr, py::Expr>> items;
    for (const auto& [name, value] : keywords)
        items.emplace_back(py::Expr::literal(name), value);
    return py::Expr::dict(std::move(items));
}

py::Keywords callKeywords(const keras::Layer::Keywords& arguments) {
    py::Keywords out;
    for (const auto& [name, argument] : arguments)
        out.emplace_back(name, argument.expr());
    return out;
}

} // namespace

bool GraphNode::isInput() const {
    return object.className() == QLatin1String("InputLayer") && sharedWith == 0;
}

bool GraphNode::isBlock() const {
    const QString& module = object.module();
    const QString& name = object.className();
    return module == QLatin1String("keras.applications") ||
           (module == QLatin1String("keras") &&
            (name == QLatin1String("Sequential") || name == QLatin1String("Model"))) ||
           (module == QLatin1String("keras.saving") &&
            name == QLatin1String("deserialize_keras_object"));
}

QString configName(const keras::KerasObject& object) {
    const auto config = object.get(QStringLiteral("config"));
    if (object.module() != QLatin1String("keras.saving") || !config || !config->isValue() ||
        !config->value().isDict() || !config->value().contains(QStringLiteral("config")))
        return {};
    const Value& inner = config->value()["config"];
    return inner.isDict() && inner.contains(QStringLiteral("name")) && inner["name"].isString()
               ? inner["name"].toString()
               : QString();
}

keras::KerasObject inputCall(const keras::KerasObject& inputLayer) {
    keras::KerasObject call(QStringLiteral("keras"), QStringLiteral("Input"));
    for (const keras::Argument& argument : inputLayer.positional())
        call.addPositional(argument);
    for (const auto& [name, argument] : inputLayer.keywords())
        call.set(name == QLatin1String("input_tensor") ? QStringLiteral("tensor") : name, argument);
    return call;
}

ModelGraph ModelGraph::fromSequential(const std::vector<keras::Layer>& layers, int firstId) {
    ModelGraph graph;
    int previous = 0;
    int id = firstId;
    for (const keras::Layer& layer : layers) {
        GraphNode node;
        node.id = id++;
        node.object = layer;
        graph.nodes.push_back(node);
        if (previous != 0)
            graph.edges.push_back({previous, -1, node.id, inputsPort});
        previous = node.id;
    }
    return graph;
}

ModelGraph ModelGraph::structure() const {
    ModelGraph graph = *this;
    for (GraphNode& node : graph.nodes) {
        node.position.reset();
        node.expanded = false;
    }
    return graph;
}

const GraphNode* ModelGraph::node(int id) const {
    const int i = indexOf(id);
    return i < 0 ? nullptr : &nodes[static_cast<size_t>(i)];
}

GraphNode* ModelGraph::node(int id) {
    const int i = indexOf(id);
    return i < 0 ? nullptr : &nodes[static_cast<size_t>(i)];
}

int ModelGraph::indexOf(int id) const {
    for (size_t i = 0; i < nodes.size(); ++i) {
        if (nodes[i].id == id)
            return static_cast<int>(i);
    }
    return -1;
}

int ModelGraph::maxId() const {
    int id = 0;
    for (const GraphNode& n : nodes)
        id = std::max(id, n.id);
    return id;
}

std::vector<GraphPort> ModelGraph::portsOf(const QString& c) {
    if (c == QLatin1String("InputLayer"))
        return {};
    if (isMerge(c))
        return {{inputsPort, true, true, false}};
    if (c == QLatin1String("MultiHeadAttention") || c == QLatin1String("GroupQueryAttention") ||
        c == QLatin1String("GroupedQueryAttention")) {
        return {{QStringLiteral("query"), true, false, false},
                {QStringLiteral("value"), true, false, false},
                {QStringLiteral("key"), false, false, true},
                {QStringLiteral("attention_mask"), false, false, true}};
    }
    if (isRecurrent(c)) {
        return {{inputsPort, true, false, false},
                {QStringLiteral("mask"), false, false, true},
                {QStringLiteral("initial_state"), false, true, true}};
    }
    return {{inputsPort, true, false, false}};
}

std::vector<GraphPort> ModelGraph::ports(int nodeId) const {
    const GraphNode* n = node(nodeId);
    if (!n)
        return {};
    if (n->sharedWith != 0)
        return portsOf(owner(*n).className());
    return portsOf(n->className());
}

const GraphNode& ModelGraph::owner(const GraphNode& n) const {
    if (n.sharedWith != 0) {
        if (const GraphNode* o = node(n.sharedWith))
            return *o;
    }
    // The rvalue overload is deleted, so n is a node that outlives the call.
    return n; // NOLINT(bugprone-return-const-ref-from-parameter)
}

std::vector<GraphEdge> ModelGraph::edgesInto(int nodeId, const QString& port) const {
    std::vector<GraphEdge> out;
    for (const GraphEdge& e : edges) {
        if (e.to == nodeId && (port.isEmpty() || e.port == port))
            out.push_back(e);
    }
    return out;
}

std::vector<GraphEdge> ModelGraph::edgesFrom(int nodeId) const {
    std::vector<GraphEdge> out;
    for (const GraphEdge& e : edges) {
        if (e.from == nodeId)
            out.push_back(e);
    }
    return out;
}

std::vector<int> ModelGraph::inputIds() const {
    std::vector<int> out;
    for (const GraphNode& n : nodes) {
        if (n.isInput())
            out.push_back(n.id);
    }
    return out;
}

QString ModelGraph::inputName(int nodeId) const {
    return endpointName(inputIds(), nodeId, tr("input %1"));
}

QString ModelGraph::outputName(int nodeId) const {
    return endpointName(outputIds(), nodeId, tr("output %1"));
}

QString ModelGraph::kerasName(int nodeId) const {
    const GraphNode* n = node(nodeId);
    return n ? nameArgument(owner(*n).object) : QString();
}

ModelGraph ModelGraph::withOutputsNamed() const {
    ModelGraph named = *this;
    QSet<QString> used;
    for (const GraphNode& n : nodes)
        used.insert(nameArgument(n.object));
    const std::vector<int> outputs = outputIds();
    for (std::size_t i = 0; i < outputs.size(); ++i) {
        // Layers and applications take a name; a nested model keeps the one its config has.
        GraphNode* layer = named.node(owner(*node(outputs[i])).id);
        if (!layer || !nameArgument(layer->object).isEmpty() ||
            (layer->object.module() != QLatin1String("keras.layers") &&
             layer->object.module() != QLatin1String("keras.applications")))
            continue;
        const QString base = QStringLiteral("output_%1").arg(i + 1);
        QString name = base;
        for (int n = 2; used.contains(name); ++n)
            name = base + QStringLiteral("_%1").arg(n);
        used.insert(name);
        layer->object.set(QStringLiteral("name"), name);
    }
    return named;
}

QString ModelGraph::endpointName(const std::vector<int>& ends, int nodeId,
                                 const QString& numbered) const {
    const auto at = std::find(ends.cbegin(), ends.cend(), nodeId);
    if (at == ends.cend())
        return {};
    if (const QString name = kerasName(nodeId); !name.isEmpty())
        return u'\'' + name + u'\'';
    return numbered.arg(at - ends.cbegin() + 1);
}

std::vector<int> ModelGraph::outputIds() const {
    QSet<int> feeding;
    for (const GraphEdge& e : edges)
        feeding.insert(e.from);
    std::vector<int> out;
    for (const GraphNode& n : nodes) {
        if (!feeding.contains(n.id) && !n.isInput())
            out.push_back(n.id);
    }
    return out;
}

std::optional<std::vector<int>> ModelGraph::topologicalOrder(std::vector<int>* cycle) const {
    // Kahn's algorithm, taking ready nodes in node order; what is left lies on or after a cycle.
    QHash<int, int> pending;
    for (const GraphNode& n : nodes)
        pending.insert(n.id, 0);
    for (const GraphEdge& e : edges) {
        if (pending.contains(e.from) && pending.contains(e.to))
            ++pending[e.to];
    }
    // A shared node needs its owner's layer made first.
    for (const GraphNode& n : nodes) {
        if (n.sharedWith != 0 && pending.contains(n.sharedWith))
            ++pending[n.id];
    }
    std::vector<int> order;
    order.reserve(nodes.size());
    std::vector<bool> done(nodes.size(), false);
    bool progress = true;
    while (progress && order.size() < nodes.size()) {
        progress = false;
        for (size_t i = 0; i < nodes.size(); ++i) {
            if (done[i] || pending.value(nodes[i].id) != 0)
                continue;
            done[i] = true;
            progress = true;
            const int id = nodes[i].id;
            order.push_back(id);
            for (const GraphEdge& e : edges) {
                if (e.from == id && pending.contains(e.to))
                    --pending[e.to];
            }
            for (const GraphNode& n : nodes) {
                if (n.sharedWith == id)
                    --pending[n.id];
            }
        }
    }
    if (order.size() == nodes.size())
        return order;
    if (cycle) {
        cycle->clear();
        for (size_t i = 0; i < nodes.size(); ++i) {
            if (!done[i])
                cycle->push_back(nodes[i].id);
        }
    }
    return std::nullopt;
}

QString ModelGraph::refusalFor(const GraphEdge& edge) const {
    const GraphNode* from = node(edge.from);
    const GraphNode* to = node(edge.to);
    if (!from || !to)
        return tr("The connection names a node that is not in the graph.");
    if (edge.from == edge.to)
        return tr("%1 cannot take its own output.").arg(nodeLabel(*to));
    const std::vector<GraphPort> toPorts = ports(edge.to);
    const auto port = std::find_if(toPorts.begin(), toPorts.end(),
                                   [&](const GraphPort& p) { return p.name == edge.port; });
    if (port == toPorts.end())
        return tr("%1 has no input '%2'.").arg(nodeLabel(*to), edge.port);
    ModelGraph with = *this;
    with.edges.push_back(edge);
    if (!with.topologicalOrder())
        return tr("Connecting %1 to %2 would make a cycle: a Keras model cannot feed a layer "
                  "with its own output.")
            .arg(nodeLabel(*from), nodeLabel(*to));
    return {};
}

std::vector<GraphProblem> ModelGraph::problems() const {
    std::vector<GraphProblem> out;
    std::vector<int> cycle;
    if (!topologicalOrder(&cycle)) {
        QStringList names;
        for (int id : cycle)
            names << nodeLabel(*node(id));
        out.push_back({cycle.front(), std::nullopt,
                       tr("The graph has a cycle through %1: a Keras model cannot feed a layer "
                          "with its own output.")
                           .arg(names.join(QStringLiteral(", ")))});
    }
    if (nodes.empty())
        return out;
    if (inputIds().empty())
        out.push_back({nodes.front().id, std::nullopt,
                       tr("The model has no Input: add an InputLayer and connect it.")});
    QSet<int> used;
    for (const GraphEdge& e : edges)
        used.insert(e.from);
    for (const GraphNode& n : nodes) {
        if (n.sharedWith != 0 && !node(n.sharedWith)) {
            out.push_back(
                {n.id, std::nullopt,
                 tr("%1 shares a layer that is no longer in the graph.").arg(nodeLabel(n))});
        }
        if (n.isInput()) {
            if (!used.contains(n.id))
                out.push_back({n.id, std::nullopt,
                               tr("%1 is not connected: connect its output to a layer or remove "
                                  "it.")
                                   .arg(nodeLabel(n))});
            continue;
        }
        for (const GraphPort& p : ports(n.id)) {
            const auto into = edgesInto(n.id, p.name);
            if (into.empty() && !p.optional)
                out.push_back(
                    {n.id, std::nullopt,
                     tr("%1 has nothing connected to its input '%2'.").arg(nodeLabel(n), p.name)});
            if (into.size() > 1 && !p.list)
                out.push_back({n.id, into.back(),
                               tr("%1 takes one tensor as '%2', not %3.")
                                   .arg(nodeLabel(n), p.name)
                                   .arg(into.size())});
        }
    }
    return out;
}

std::optional<std::vector<keras::Layer>> ModelGraph::asSequential() const {
    const std::vector<int> inputs = inputIds();
    if (inputs.size() != 1 || edges.size() + 1 != nodes.size())
        return std::nullopt;
    std::vector<keras::Layer> layers;
    int current = inputs.front();
    QSet<int> seen;
    while (true) {
        const GraphNode* n = node(current);
        if (!n || seen.contains(current) || n->sharedWith != 0 || !n->callArguments.empty() ||
            n->object.module() != QLatin1String("keras.layers"))
            return std::nullopt;
        seen.insert(current);
        layers.emplace_back(n->object);
        const auto out = edgesFrom(current);
        if (out.empty())
            break;
        if (out.size() != 1 || out.front().output != -1 || out.front().port != inputsPort ||
            edgesInto(out.front().to).size() != 1)
            return std::nullopt;
        current = out.front().to;
    }
    if (layers.size() != nodes.size())
        return std::nullopt;
    return layers;
}

py::Program ModelGraph::buildCode(const QString& modelVariable, const QString& modelName) const {
    if (const auto found = problems(); !found.empty())
        throw std::invalid_argument(found.front().message.toStdString());
    if (outputIds().size() > 1) {
        if (const ModelGraph named = withOutputsNamed(); named != *this)
            return named.buildCode(modelVariable, modelName);
    }
    const std::optional<std::vector<int>> sorted = topologicalOrder();
    if (!sorted) // problems() names a cycle; this is a defect if it did not
        throw std::logic_error("a graph with a cycle passed its checks");
    const std::vector<int>& order = *sorted;
    Namer namer;
    QHash<int, QString> tensor;   // node -> variable of its output
    QHash<int, QString> layerVar; // owner node -> variable of its layer, when shared
    QSet<int> shared;
    for (const GraphNode& n : nodes) {
        if (n.sharedWith != 0)
            shared.insert(n.sharedWith);
    }
    const bool oneInput = inputIds().size() == 1;
    py::Program code;
    const auto tensorExpr = [&](const GraphEdge& e) {
        const py::Expr source = py::Expr::name(tensor.value(e.from));
        return e.output < 0 ? source : source.index(py::Expr(e.output));
    };
    for (int id : order) {
        const GraphNode& n = *node(id);
        const QString own = nameArgument(owner(n).object);
        if (n.isInput()) {
            const QString var = namer.take(
                !own.isEmpty() ? own
                               : (oneInput ? QStringLiteral("inputs") : QStringLiteral("input")));
            code += py::Statement::assign(py::Expr::name(var), inputCall(n.object).expr());
            tensor.insert(id, var);
            continue;
        }
        // A block rebuilt from its config is named after the model it holds (mobilenetv2_1_00).
        QString stem = own;
        if (stem.isEmpty()) {
            stem = configName(owner(n).object);
            stem.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9_]")), QStringLiteral("_"));
        }
        if (stem.isEmpty())
            stem = snakeCase(owner(n).className());
        py::Expr callee = owner(n).object.expr();
        if (shared.contains(id) || n.sharedWith != 0) {
            const int ownerId = owner(n).id;
            if (!layerVar.contains(ownerId)) {
                const QString var = namer.take(stem + QStringLiteral("_layer"));
                code += py::Statement::assign(py::Expr::name(var), owner(n).object.expr());
                layerVar.insert(ownerId, var);
            }
            callee = py::Expr::name(layerVar.value(ownerId));
        }
        std::vector<py::Expr> args;
        py::Keywords kwargs;
        for (const GraphPort& p : ports(id)) {
            const auto into = edgesInto(id, p.name);
            if (into.empty())
                continue;
            py::Expr value = tensorExpr(into.front());
            if (p.list) {
                std::vector<py::Expr> items;
                items.reserve(into.size());
                for (const GraphEdge& e : into)
                    items.push_back(tensorExpr(e));
                value = py::Expr::list(std::move(items));
            }
            if (p.positional)
                args.push_back(value);
            else
                kwargs.emplace_back(p.name, value);
        }
        for (auto& kw : callKeywords(n.callArguments))
            kwargs.push_back(std::move(kw));
        const QString var = namer.take(stem);
        code += py::Statement::assign(py::Expr::name(var),
                                      callee.call(std::move(args), std::move(kwargs)));
        tensor.insert(id, var);
    }
    const auto endpoints = [&](const std::vector<int>& ids) {
        std::vector<py::Expr> items;
        items.reserve(ids.size());
        for (int id : ids)
            items.push_back(py::Expr::name(tensor.value(id)));
        return items.size() == 1 ? items.front() : py::Expr::list(std::move(items));
    };
    py::Keywords modelKwargs{{QStringLiteral("inputs"), endpoints(inputIds())},
                             {QStringLiteral("outputs"), endpoints(outputIds())}};
    if (!modelName.isEmpty())
        modelKwargs.emplace_back(QStringLiteral("name"), modelName);
    code +=
        py::Statement::assign(py::Expr::name(modelVariable), py::Expr::name(QStringLiteral("keras"))
                                                                 .attr(QStringLiteral("Model"))
                                                                 .call({}, std::move(modelKwargs)));
    return code;
}

py::Expr ModelGraph::describeSpec() const {
    const auto order = topologicalOrder();
    if (!order)
        throw std::invalid_argument(problems().front().message.toStdString());
    std::vector<py::Expr> specs;
    specs.reserve(order->size());
    const auto str = [](const char* key) { return py::Expr::literal(QString::fromLatin1(key)); };
    for (int id : *order) {
        const GraphNode& n = *node(id);
        const keras::KerasObject object = n.isInput() ? inputCall(n.object) : n.object;
        std::vector<py::Expr> inputs;
        if (!n.isInput()) {
            for (const GraphPort& p : ports(id)) {
                std::vector<py::Expr> sources;
                for (const GraphEdge& e : edgesInto(id, p.name))
                    sources.push_back(py::Expr::tuple({e.from, e.output}));
                if (sources.empty())
                    continue;
                inputs.push_back(py::Expr::tuple(
                    {p.name, p.positional, p.list, py::Expr::list(std::move(sources))}));
            }
        }
        std::vector<std::pair<py::Expr, py::Expr>> spec{
            {str("id"), id},
            {str("input"), n.isInput()},
            {str("factory"), py::Expr::tuple({object.module(), object.className()})},
            {str("args"), py::Expr::tuple(object.positionalExprs())},
            {str("kwargs"), keywordDict(object.keywordExprs())},
            {str("shared"), n.sharedWith != 0 ? py::Expr(n.sharedWith) : py::Expr(Value())},
            {str("inputs"), py::Expr::list(std::move(inputs))},
            {str("call"), keywordDict(callKeywords(n.callArguments))}};
        specs.push_back(py::Expr::dict(std::move(spec)));
    }
    return py::Expr::list(std::move(specs));
}

} // namespace qk::app
