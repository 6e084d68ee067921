// Model::exportScript(): a standalone Python script that rebuilds, compiles and trains a model.
#include "bridge/codegen/python.h"
#include "bridge/keras/model.h"
#include "bridge/keras/modelstate.h"

#include <map>
#include <stdexcept>

namespace qk::keras {

namespace {

py::Expr pyName(const QString& identifier) {
    return py::Expr::name(identifier);
}

// An array as the nested list numpy reads back.
Value nestedList(const NdArray& a, std::size_t dim, std::int64_t& offset) {
    Value::List items;
    const bool isFloat =
        a.dtype() == DType::Float16 || a.dtype() == DType::Float32 || a.dtype() == DType::Float64;
    for (std::int64_t i = 0; i < a.shape()[dim]; ++i) {
        if (dim + 1 < a.shape().size()) {
            items.push_back(nestedList(a, dim + 1, offset));
        } else {
            const double v = a.valueAt(offset++);
            if (a.dtype() == DType::Bool)
                items.emplace_back(v != 0);
            else if (isFloat)
                items.emplace_back(a.dtype() == DType::Float32 ? double(float(v)) : v);
            else
                items.emplace_back(static_cast<long long>(v));
        }
    }
    return Value(std::move(items));
}

py::Expr arrayExpr(const Value& value, const char* what) {
    // Several inputs or outputs: a list or dict of arrays.
    if (value.isList() || value.isTuple()) {
        std::vector<py::Expr> items;
        for (const Value& item : value.items())
            items.push_back(arrayExpr(item, what));
        return py::Expr::list(std::move(items));
    }
    if (value.isDict()) {
        std::vector<std::pair<py::Expr, py::Expr>> items;
        for (const auto& [key, item] : value.toDict())
            items.emplace_back(py::Expr::literal(key), arrayExpr(item, what));
        return py::Expr::dict(std::move(items));
    }
    if (!value.isArray())
        throw std::logic_error(
            QStringLiteral("the exported script embeds the training data, but %1 is a %2, "
                           "not an array")
                .arg(QString::fromUtf8(what), kindName(value.kind()))
                .toStdString());
    const NdArray& a = value.toArray();
    std::int64_t offset = 0;
    const Value list = a.ndim() == 0 ? Value(a.valueAt(0)) : nestedList(a, 0, offset);
    return pyName(QStringLiteral("np"))
        .attr(QStringLiteral("array"))
        .call({py::Expr::literal(list)}, {{QStringLiteral("dtype"), dtypeName(a.dtype())}});
}

} // namespace

// Writes what builds models into a script: a Sequential model layer by layer, an application
// by its call, a functional graph tensor by tensor in dependency order, under readable names
// (`inputs` when the exported model has one input, else input_1, input_2...; x1, x2... for
// the others). A shared layer (layer_1...) and a model called as a block (block_1...) are
// made once, before their first call.
class ModelScript {
public:
    ModelScript(py::Program& script, const Model::State& exported)
        : m_script(script) {
        if (exported.kind == Model::State::Kind::Functional) {
            const std::vector<Tensor> inputs = exported.inputs->all();
            if (inputs.size() == 1)
                m_onlyInput = &inputs.front().node();
        }
    }

    // Appends the statements that make `target` the model `state` stands for.
    void build(const py::Expr& target, const Model::State& state) {
        std::vector<Layer> layers;
        std::optional<bool> trainable;
        {
            std::lock_guard lock(state.mutex);
            layers = state.layers;
            trainable = state.trainable;
        }
        py::Keywords kwargs;
        if (!state.name.isEmpty())
            kwargs.emplace_back(QStringLiteral("name"), state.name);
        const py::Expr keras = pyName(QStringLiteral("keras"));
        switch (state.kind) {
        case Model::State::Kind::Sequential:
            m_script += py::Statement::assign(
                target, keras.attr(QStringLiteral("Sequential")).call({}, std::move(kwargs)));
            for (const Layer& layer : layers)
                m_script += target.attr(QStringLiteral("add")).call({layer.expr()});
            break;
        case Model::State::Kind::Application:
            m_script += py::Statement::assign(target, state.application->expr());
            break;
        case Model::State::Kind::Functional: {
            for (const Tensor& t : state.inputs->all())
                tensor(t);
            for (const Tensor& t : state.outputs->all())
                tensor(t);
            const TensorNamer nameOf = [this](const Tensor& t) { return tensor(t); };
            m_script += py::Statement::assign(
                target, keras.attr(QStringLiteral("Model"))
                            .call({state.inputs->expr(nameOf), state.outputs->expr(nameOf)},
                                  std::move(kwargs)));
            break;
        }
        case Model::State::Kind::Loaded:
            throw std::logic_error(
                "a loaded model cannot be exported, nor a graph that uses one as a block: how "
                "it was built is unknown");
        }
        if (trainable)
            m_script += py::Statement::assign(target.attr(QStringLiteral("trainable")), *trainable);
    }

private:
    // The tensor's name, after the statements that make it (and what it depends on).
    py::Expr tensor(const Tensor& t) {
        const Tensor::Node* node = &t.node();
        if (auto it = m_names.find(node); it != m_names.end())
            return pyName(it->second);
        const py::Expr value = node->expr([this](const Tensor& input) { return tensor(input); },
                                          [this](const Tensor::Node& n) { return callee(n); });
        const QString label = node == m_onlyInput ? QStringLiteral("inputs")
                              : t.isInput()       ? QStringLiteral("input_%1").arg(++m_inputs)
                                                  : QStringLiteral("x%1").arg(++m_hidden);
        m_script += py::Statement::assign(pyName(label), value);
        m_names.emplace(node, label);
        return pyName(label);
    }

    // What a node calls that is made once: a shared layer or a model used as a block.
    py::Expr callee(const Tensor::Node& node) {
        const QString variable = node.shared ? node.shared->variable() : node.block->variable();
        if (auto it = m_madeOnce.find(variable); it != m_madeOnce.end())
            return pyName(it->second);
        QString label;
        if (node.shared) {
            label = QStringLiteral("layer_%1").arg(++m_layers);
            m_script += py::Statement::assign(pyName(label), node.shared->layer().expr());
        } else {
            label = QStringLiteral("block_%1").arg(++m_blocks);
            build(pyName(label), *node.block->m_state);
        }
        m_madeOnce.emplace(variable, label);
        return pyName(label);
    }

    py::Program& m_script;
    const Tensor::Node* m_onlyInput = nullptr;
    std::map<const Tensor::Node*, QString> m_names;
    std::map<QString, QString> m_madeOnce; // by worker variable
    int m_inputs = 0;
    int m_hidden = 0;
    int m_layers = 0;
    int m_blocks = 0;
};

QString Model::exportScript(const ExportOptions& options) const {
    std::optional<State::Compiled> compiled;
    std::optional<State::Fitted> fitted;
    {
        std::lock_guard lock(m_state->mutex);
        compiled = m_state->compiled;
        fitted = m_state->fitted;
    }
    if (m_state->kind == State::Kind::Loaded)
        throw std::logic_error("a loaded model cannot be exported: how it was built is unknown");

    const QString title =
        m_state->kind == State::Kind::Sequential    ? QStringLiteral("a Sequential model")
        : m_state->kind == State::Kind::Application ? QStringLiteral("a keras.applications model")
                                                    : QStringLiteral("a functional model");
    py::Program script{
        py::Statement::raw(QStringLiteral("# Builds, compiles and trains %1, as QtKeras made it.\n"
                                          "# Run it with: KERAS_BACKEND=jax python <this file>")
                               .arg(title)),
        py::Statement::importModule(QStringLiteral("json")),
        py::Statement::importModule(QStringLiteral("numpy"), QStringLiteral("np")),
        py::Statement::importModule(QStringLiteral("keras")),
    };

    std::optional<py::Expr> validation;
    if (fitted) {
        script += py::Statement::raw(QStringLiteral("\n# The training data, embedded."));
        script += py::Statement::assign(pyName(QStringLiteral("x_train")),
                                        arrayExpr(fitted->x, "x_train"));
        script += py::Statement::assign(pyName(QStringLiteral("y_train")),
                                        arrayExpr(fitted->y, "y_train"));
        if (fitted->options.validationData) {
            script +=
                py::Statement::assign(pyName(QStringLiteral("x_val")),
                                      arrayExpr(fitted->options.validationData->first, "x_val"));
            script +=
                py::Statement::assign(pyName(QStringLiteral("y_val")),
                                      arrayExpr(fitted->options.validationData->second, "y_val"));
            validation =
                py::Expr::tuple({pyName(QStringLiteral("x_val")), pyName(QStringLiteral("y_val"))});
        }
    }

    script += py::Statement::raw(QStringLiteral("\n# The model."));
    const py::Expr model = pyName(QStringLiteral("model"));
    ModelScript(script, *m_state).build(model, *m_state);
    script += model.attr(QStringLiteral("summary")).call();

    if (compiled) {
        script += py::Statement::raw(QStringLiteral("\n# Compile and train."));
        script += model.attr(QStringLiteral("compile")).call({}, compiled->keywords());
    }
    script +=
        py::Statement::assign(pyName(QStringLiteral("trainable")),
                              py::Expr::raw(QStringLiteral(
                                  "sum(int(np.prod(w.shape)) for w in model.trainable_weights)")));
    if (compiled && fitted) {
        FitOptions fitOptions = fitted->options;
        if (options.epochs)
            fitOptions.epochs = options.epochs;
        // Checkpoints are the worker's, not plain Keras' fit().
        fitOptions.checkpoint.reset();
        fitOptions.resume = false;
        py::Keywords kw = fitKeywords(fitOptions, validation);
        kw.emplace_back(QStringLiteral("verbose"), 2);
        script += py::Statement::assign(
            pyName(QStringLiteral("history")),
            model.attr(QStringLiteral("fit"))
                .call({pyName(QStringLiteral("x_train")), pyName(QStringLiteral("y_train"))},
                      std::move(kw)));
        script += py::Statement::raw(QStringLiteral(
            "final = {metric: values[-1] for metric, values in history.history.items()}\n"
            "print(json.dumps({\"total_params\": model.count_params(),\n"
            "                  \"trainable_params\": trainable,\n"
            "                  \"epochs\": len(history.epoch), **final}))"));
    } else {
        script += py::Statement::raw(
            QStringLiteral("print(json.dumps({\"total_params\": model.count_params(),\n"
                           "                  \"trainable_params\": trainable}))"));
    }
    return script.source() + u'\n';
}

} // namespace qk::keras
