// SPDX-License-Identifier: GPL-3.0-or-later
// Model::exportScript(): a standalone Python script that rebuilds, compiles and trains a model.
#include "bridge/codegen/python.h"
#include "bridge/keras/model.h"
#include "bridge/keras/modelstate.h"

#include <QSet>

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
// made once, before their first call. A loaded model is written from the worker's blueprint
// (qtkeras_worker/blueprint.py), its tensors named after the layers that make them. No name
// is given twice, nor one the rest of the script uses.
class ModelScript {
public:
    ModelScript(py::Program& script, const Model::State& exported)
        : m_script(script) {
        for (const char* reserved :
             {"keras",   "np",        "json",   "model",  "x_train", "y_train", "x_val", "y_val",
              "history", "trainable", "final",  "sum",    "int",     "len",     "print", "metric",
              "values",  "w",         "x_test", "y_test", "scores",  "float"})
            m_used.insert(QString::fromLatin1(reserved));
        if (exported.kind == Model::State::Kind::Functional) {
            const std::vector<Tensor> inputs = exported.functionalInputs().all();
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
            m_script += py::Statement::assign(target, state.builtApplication().expr());
            break;
        case Model::State::Kind::Functional: {
            for (const Tensor& t : state.functionalInputs().all())
                tensor(t);
            for (const Tensor& t : state.functionalOutputs().all())
                tensor(t);
            const TensorNamer nameOf = [this](const Tensor& t) { return tensor(t); };
            m_script +=
                py::Statement::assign(target, keras.attr(QStringLiteral("Model"))
                                                  .call({state.functionalInputs().expr(nameOf),
                                                         state.functionalOutputs().expr(nameOf)},
                                                        std::move(kwargs)));
            break;
        }
        case Model::State::Kind::Loaded:
            loaded(target, state);
            break;
        }
        if (trainable)
            m_script += py::Statement::assign(target.attr(QStringLiteral("trainable")), *trainable);
    }

private:
    // A loaded model, from the blueprint the worker read when it was loaded.
    void loaded(const py::Expr& target, const Model::State& state) {
        std::optional<Value> answer;
        {
            std::lock_guard lock(state.mutex);
            answer = state.blueprint;
        }
        if (!answer)
            throw std::logic_error("the loaded model is not there yet: export it once its "
                                   "created() future has settled");
        const Value& error = (*answer)[QStringLiteral("error")];
        if (!error.isNone())
            throw std::logic_error(
                QStringLiteral("the loaded model cannot be written as a script: %1")
                    .arg(error.toString())
                    .toStdString());
        blueprint(target, (*answer)[QStringLiteral("blueprint")]);
    }

    // The statements that make `target` the model a blueprint describes.
    void blueprint(const py::Expr& target, const Value& model) {
        const py::Expr keras = pyName(QStringLiteral("keras"));
        const py::Keywords named{{QStringLiteral("name"), model[QStringLiteral("name")]}};
        const std::vector<Value>& layers = model[QStringLiteral("layers")].items();
        if (model[QStringLiteral("kind")].toString() == QLatin1String("Sequential")) {
            m_script += py::Statement::assign(
                target, keras.attr(QStringLiteral("Sequential")).call({}, named));
            const Value& input = model[QStringLiteral("input")];
            if (!input.isNone())
                m_script +=
                    target.attr(QStringLiteral("add"))
                        .call({keras.attr(QStringLiteral("Input")).call({}, keywords(input, {}))});
            for (const Value& layer : layers)
                m_script += target.attr(QStringLiteral("add")).call({layerMade(layer)});
        } else {
            Graph graph;
            for (const Value& input : model[QStringLiteral("inputs")].items()) {
                const QString label = fresh(input[QStringLiteral("name")].toString());
                m_script += py::Statement::assign(
                    pyName(label),
                    keras.attr(QStringLiteral("Input")).call({}, keywords(input, {})));
                graph.inputs.push_back(label);
            }
            const std::vector<Value>& calls = model[QStringLiteral("calls")].items();
            std::vector<int> callCount(layers.size(), 0);
            for (const Value& call : calls)
                ++callCount.at(std::size_t(call[QStringLiteral("layer")].toInt()));
            // A layer called more than once, or a model, is made before its calls.
            std::vector<std::optional<py::Expr>> made(layers.size());
            for (std::size_t i = 0; i < layers.size(); ++i) {
                if (!layers[i].contains(QStringLiteral("function")) &&
                    (callCount[i] > 1 || layers[i].contains(QStringLiteral("model"))))
                    made[i] = pyName(layerNamed(layers[i]));
            }
            for (const Value& call : calls) {
                const auto index = std::size_t(call[QStringLiteral("layer")].toInt());
                const std::optional<py::Expr>& premade = made.at(index);
                const py::Expr callee = premade ? *premade : layerMade(layers[index]);
                std::vector<py::Expr> args;
                for (const Value& arg : call[QStringLiteral("args")].items())
                    args.push_back(valueExpr(arg, graph));
                py::Keywords kwargs = keywords(call[QStringLiteral("kwargs")], graph);
                if (layers[index].contains(QStringLiteral("function"))) {
                    // keras.ops.<function>(tensors..., its arguments)
                    for (auto& keyword : keywords(layers[index][QStringLiteral("kwargs")], graph))
                        kwargs.push_back(std::move(keyword));
                }
                const QString label = fresh(layers[index][QStringLiteral("name")].toString());
                m_script += py::Statement::assign(pyName(label),
                                                  callee.call(std::move(args), std::move(kwargs)));
                graph.calls.push_back({label, call[QStringLiteral("outputs")].items()});
            }
            m_script += py::Statement::assign(
                target, keras.attr(QStringLiteral("Model"))
                            .call({valueExpr(model[QStringLiteral("input_struct")], graph),
                                   valueExpr(model[QStringLiteral("output_struct")], graph)},
                                  named));
        }
        if (!model[QStringLiteral("trainable")].toBool())
            m_script += py::Statement::assign(target.attr(QStringLiteral("trainable")), false);
    }

    // A blueprint's tensors: the inputs' names, and each call's name and how each of its
    // outputs is reached in what it returns.
    struct Graph {
        struct Call {
            QString label;
            std::vector<Value> paths;
        };
        std::vector<QString> inputs;
        std::vector<Call> calls;
    };

    // A blueprint's layer made under its own name: `conv = keras.layers.Conv2D(...)`, or a
    // model built under it.
    QString layerNamed(const Value& layer) {
        QString label = fresh(layer[QStringLiteral("name")].toString());
        if (layer.contains(QStringLiteral("model")))
            blueprint(pyName(label), layer[QStringLiteral("model")]);
        else
            m_script += py::Statement::assign(pyName(label), layerMade(layer));
        return label;
    }

    // The expression that makes a blueprint's layer (a model is made under a name first), or
    // the keras.ops function it stands for.
    py::Expr layerMade(const Value& layer) {
        if (layer.contains(QStringLiteral("function")))
            return pyName(QStringLiteral("keras"))
                .attr(QStringLiteral("ops"))
                .attr(layer[QStringLiteral("function")].toString());
        if (layer.contains(QStringLiteral("model")))
            return pyName(layerNamed(layer));
        if (layer.contains(QStringLiteral("object")))
            return objectExpr(layer[QStringLiteral("object")], {});
        return deserialized(layer[QStringLiteral("serialized")]);
    }

    // module.Class(**kwargs) of the public keras API.
    py::Expr objectExpr(const Value& object, const Graph& graph) {
        py::Expr callee = pyName(QStringLiteral("keras"));
        const QStringList module = object[QStringLiteral("module")].toString().split(u'.');
        if (module.front() != QLatin1String("keras"))
            throw std::logic_error(QStringLiteral("the blueprint names a class of module '%1', "
                                                  "not of keras")
                                       .arg(module.join(u'.'))
                                       .toStdString());
        for (qsizetype i = 1; i < module.size(); ++i)
            callee = callee.attr(module[i]);
        return callee.attr(object[QStringLiteral("class")].toString())
            .call({}, keywords(object[QStringLiteral("kwargs")], graph));
    }

    static py::Expr deserialized(const Value& config) {
        return pyName(QStringLiteral("keras"))
            .attr(QStringLiteral("saving"))
            .attr(QStringLiteral("deserialize_keras_object"))
            .call({py::Expr::literal(config)});
    }

    py::Keywords keywords(const Value& dict, const Graph& graph) {
        py::Keywords kwargs;
        for (const auto& [key, item] : dict.toDict())
            kwargs.emplace_back(key.toString(), valueExpr(item, graph));
        return kwargs;
    }

    // A blueprint's value: plain data, a Keras object, or a tensor of the graph.
    py::Expr valueExpr(const Value& v, const Graph& graph) {
        if (v.isList() || v.isTuple()) {
            std::vector<py::Expr> items;
            for (const Value& item : v.items())
                items.push_back(valueExpr(item, graph));
            return v.isList() ? py::Expr::list(std::move(items))
                              : py::Expr::tuple(std::move(items));
        }
        if (!v.isDict())
            return py::Expr::literal(v);
        if (v.toDict().size() == 1) {
            const QString marker = v.toDict().front().first.isString()
                                       ? v.toDict().front().first.toString()
                                       : QString();
            const Value& item = v.toDict().front().second;
            if (marker == QLatin1String("qk_input"))
                return pyName(graph.inputs.at(std::size_t(item.toInt())));
            if (marker == QLatin1String("qk_tensor")) {
                const Graph::Call& call = graph.calls.at(std::size_t(item.items().at(0).toInt()));
                py::Expr tensor = pyName(call.label);
                for (const Value& key :
                     call.paths.at(std::size_t(item.items().at(1).toInt())).items())
                    tensor = tensor.index(py::Expr::literal(key));
                return tensor;
            }
            if (marker == QLatin1String("qk_object"))
                return objectExpr(item, graph);
            if (marker == QLatin1String("qk_serialized"))
                return deserialized(item);
        }
        std::vector<std::pair<py::Expr, py::Expr>> items;
        for (const auto& [key, item] : v.toDict())
            items.emplace_back(py::Expr::literal(key), valueExpr(item, graph));
        return py::Expr::dict(std::move(items));
    }

    // A name for the script: `preferred` made a Python identifier, once.
    QString fresh(const QString& preferred) {
        QString base;
        for (const QChar c : preferred)
            base += py::isIdentifier(QStringLiteral("a") + c) ? c : QLatin1Char('_');
        if (base.isEmpty() || !py::isIdentifier(base))
            base = QStringLiteral("v_") + base;
        if (!py::isIdentifier(base))
            base = QStringLiteral("v");
        if (py::isKeyword(base))
            base += u'_';
        QString label = base;
        for (int n = 2; m_used.contains(label); ++n)
            label = QStringLiteral("%1_%2").arg(base).arg(n);
        m_used.insert(label);
        return label;
    }

    // The tensor's name, after the statements that make it (and what it depends on).
    py::Expr tensor(const Tensor& t) {
        const Tensor::Node* node = &t.node();
        if (auto it = m_names.find(node); it != m_names.end())
            return pyName(it->second);
        const py::Expr value = node->expr([this](const Tensor& input) { return tensor(input); },
                                          [this](const Tensor::Node& n) { return callee(n); });
        const QString label = fresh(node == m_onlyInput ? QStringLiteral("inputs")
                                    : t.isInput()       ? QStringLiteral("input_%1").arg(++m_inputs)
                                                        : QStringLiteral("x%1").arg(++m_hidden));
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
            label = fresh(QStringLiteral("layer_%1").arg(++m_layers));
            m_script += py::Statement::assign(pyName(label), node.shared->layer().expr());
        } else {
            label = fresh(QStringLiteral("block_%1").arg(++m_blocks));
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
    QSet<QString> m_used;
};

QString Model::exportScript(const ExportOptions& options) const {
    std::optional<State::Compiled> compiled;
    std::optional<State::Fitted> fitted;
    std::optional<Value> blueprint;
    QString weights = options.weights;
    {
        std::lock_guard lock(m_state->mutex);
        compiled = m_state->compiled;
        fitted = m_state->fitted;
        blueprint = m_state->blueprint;
        if (weights.isEmpty())
            weights = m_state->weightsFrom;
    }
    // An adopted model is named by the kind its blueprint found.
    const auto blueprintKind = [&blueprint] {
        const QString key = QStringLiteral("blueprint"), kind = QStringLiteral("kind");
        if (!blueprint || !blueprint->contains(key) || !(*blueprint)[key].contains(kind) ||
            !(*blueprint)[key][kind].isString())
            return QString();
        return (*blueprint)[key][kind].toString();
    };
    const bool sequential =
        m_state->kind == State::Kind::Sequential ||
        (m_state->kind == State::Kind::Loaded && blueprintKind() == QLatin1String("Sequential"));
    const QString title = m_state->kind == State::Kind::Application
                              ? QStringLiteral("a keras.applications model")
                          : m_state->kind == State::Kind::Loaded && m_state->fromFile
                              ? QStringLiteral("a model loaded from a file")
                          : sequential ? QStringLiteral("a Sequential model")
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
    const bool scored = fitted && compiled && options.testData;
    if (scored) {
        script += py::Statement::raw(QStringLiteral("\n# The test data, held out from training."));
        script += py::Statement::assign(pyName(QStringLiteral("x_test")),
                                        arrayExpr(options.testData->first, "x_test"));
        script += py::Statement::assign(pyName(QStringLiteral("y_test")),
                                        arrayExpr(options.testData->second, "y_test"));
    }

    script += py::Statement::raw(QStringLiteral("\n# The model."));
    const py::Expr model = pyName(QStringLiteral("model"));
    ModelScript(script, *m_state).build(model, *m_state);
    if (!weights.isEmpty())
        script += model.attr(QStringLiteral("load_weights")).call({weights});
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
            "final = {metric: values[-1] for metric, values in history.history.items()}"));
        if (scored) {
            script += py::Statement::raw(QStringLiteral(
                "\n# Scores on the test data.\n"
                "scores = model.evaluate(x_test, y_test, verbose=0, return_dict=True)\n"
                "final[\"test\"] = {metric: float(value) for metric, value in scores.items()}\n"
                "print(\"test:\", \", \".join(f\"{k} {v:.4f}\" for k, v in "
                "final[\"test\"].items()))"));
        }
        script += py::Statement::raw(
            QStringLiteral("print(json.dumps({\"total_params\": model.count_params(),\n"
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
