#include "bridge/keras/model.h"

#include "bridge/keras/modelstate.h"
#include "bridge/keras/worker.h"
#include "bridge/session/session.h"

#include <QThread>

#include <map>
#include <stdexcept>

namespace qk::keras {

namespace {

py::Expr name(const QString& identifier) {
    return py::Expr::name(identifier);
}

QFuture<ModelInfo> toInfo(QFuture<Value> future) {
    return future.then([](const Value& v) { return ModelInfo::fromValue(v); });
}

// `target = value` and the new model's info(), as one command.
Command creation(const py::Expr& target, const py::Expr& value) {
    return worker::command(
        {py::Statement::assign(target, value), worker::support(QStringLiteral("info"), {target})});
}

// fit()'s keyword arguments: only those set; validation data as the given expressions.
py::Keywords fitKeywords(const FitOptions& o, const std::optional<py::Expr>& validation) {
    py::Keywords kw;
    if (o.epochs)
        kw.emplace_back(QStringLiteral("epochs"), *o.epochs);
    if (o.batchSize)
        kw.emplace_back(QStringLiteral("batch_size"), *o.batchSize);
    if (o.validationSplit)
        kw.emplace_back(QStringLiteral("validation_split"), *o.validationSplit);
    if (validation)
        kw.emplace_back(QStringLiteral("validation_data"), *validation);
    if (o.shuffle)
        kw.emplace_back(QStringLiteral("shuffle"), *o.shuffle);
    if (o.initialEpoch)
        kw.emplace_back(QStringLiteral("initial_epoch"), *o.initialEpoch);
    if (o.stepsPerEpoch)
        kw.emplace_back(QStringLiteral("steps_per_epoch"), *o.stepsPerEpoch);
    if (o.checkpoint)
        kw.emplace_back(QStringLiteral("checkpoint"), *o.checkpoint);
    if (o.resume)
        kw.emplace_back(QStringLiteral("resume"), true);
    if (!o.callbacks.empty()) {
        std::vector<py::Expr> callbacks;
        for (const Callback& c : o.callbacks)
            callbacks.push_back(c.expr());
        kw.emplace_back(QStringLiteral("callbacks"), py::Expr::list(std::move(callbacks)));
    }
    return kw;
}

py::Keywords compileKeywords(const Model::State::Compiled& c) {
    std::vector<py::Expr> metrics;
    for (const Argument& m : c.metrics)
        metrics.push_back(m.expr());
    py::Keywords kw{{QStringLiteral("loss"), c.loss.expr()},
                    {QStringLiteral("optimizer"), c.optimizer.expr()}};
    if (!c.metrics.empty())
        kw.emplace_back(QStringLiteral("metrics"), py::Expr::list(std::move(metrics)));
    return kw;
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
    return name(QStringLiteral("np"))
        .attr(QStringLiteral("array"))
        .call({py::Expr::literal(list)}, {{QStringLiteral("dtype"), dtypeName(a.dtype())}});
}

} // namespace

Model::State::~State() {
    if (session)
        session->deleteVariables({variable});
}

Model::Model(std::shared_ptr<State> state)
    : m_state(std::move(state)) {}

Model::~Model() = default;

Model::Model(const Tensors& inputs, const Tensors& outputs, const QString& modelName)
    : m_state(std::make_shared<State>()) {
    if (inputs.all().empty() || outputs.all().empty())
        throw std::invalid_argument("a functional model needs inputs and outputs");
    Session& s = inputs.all().front().session();
    m_state->session = &s;
    m_state->variable = worker::variable(QStringLiteral("model"));
    m_state->kind = State::Kind::Functional;
    m_state->name = modelName;
    m_state->inputs = inputs;
    m_state->outputs = outputs;
    py::Keywords kwargs;
    if (!modelName.isEmpty())
        kwargs.emplace_back(QStringLiteral("name"), modelName);
    auto byVariable = [](const Tensor& t) { return name(t.variable()); };
    m_state->created = toInfo(s.send(creation(
        name(m_state->variable),
        name(QStringLiteral("keras"))
            .attr(QStringLiteral("Model"))
            .call({inputs.expr(byVariable), outputs.expr(byVariable)}, std::move(kwargs)))));
}

Model::Model(Session& session, const Application& application)
    : m_state(std::make_shared<State>()) {
    m_state->session = &session;
    m_state->variable = worker::variable(QStringLiteral("model"));
    m_state->kind = State::Kind::Application;
    m_state->application = application;
    m_state->created = toInfo(session.send(creation(name(m_state->variable), application.expr())));
}

Model Model::load(Session& session, const QString& path) {
    auto state = std::make_shared<State>();
    state->session = &session;
    state->variable = worker::variable(QStringLiteral("model"));
    state->kind = State::Kind::Loaded;
    state->created =
        toInfo(session.send(creation(name(state->variable), name(QStringLiteral("keras"))
                                                                .attr(QStringLiteral("saving"))
                                                                .attr(QStringLiteral("load_model"))
                                                                .call({path}))));
    return Model(std::move(state));
}

Session& Model::session() const {
    if (!m_state->session)
        throw std::logic_error("the model's session is gone");
    return *m_state->session;
}

const QString& Model::variable() const {
    return m_state->variable;
}

QFuture<ModelInfo> Model::created() const {
    return m_state->created;
}

QFuture<ModelInfo> Model::info() const {
    return toInfo(session().send(
        worker::command({worker::support(QStringLiteral("info"), {name(variable())})})));
}

QFuture<QString> Model::summary() const {
    return session()
        .send(worker::command({worker::support(QStringLiteral("summary"), {name(variable())})}))
        .then([](const Value& v) { return v.toString(); });
}

QFuture<Value> Model::compile(Argument loss, Argument optimizer, std::vector<Argument> metrics) {
    State::Compiled compiled{std::move(loss), std::move(optimizer), std::move(metrics)};
    const py::Expr call =
        name(variable()).attr(QStringLiteral("compile")).call({}, compileKeywords(compiled));
    auto state = m_state;
    return session().send(worker::command({call})).then([state, compiled](const Value& v) {
        std::lock_guard lock(state->mutex);
        state->compiled = compiled;
        return v;
    });
}

Training Model::fit(const Value& x, const Value& y, const FitOptions& options) {
    Session& s = session();
    const QString xName = worker::variable(QStringLiteral("x_train"));
    const QString yName = worker::variable(QStringLiteral("y_train"));
    std::vector<std::pair<QString, Value>> bindings{{xName, x}, {yName, y}};
    std::optional<py::Expr> validation;
    if (options.validationData) {
        const QString xValName = worker::variable(QStringLiteral("x_val"));
        const QString yValName = worker::variable(QStringLiteral("y_val"));
        bindings.emplace_back(xValName, options.validationData->first);
        bindings.emplace_back(yValName, options.validationData->second);
        validation = py::Expr::tuple({name(xValName), name(yValName)});
    }
    // model.fit() with the worker's progress events, and under a distribution each
    // process's rows (qtkeras_worker.model_support.fit).
    py::Program code{worker::support(QStringLiteral("fit"),
                                     {name(variable()), name(xName), name(yName)},
                                     fitKeywords(options, validation))};
    Command command = worker::command(std::move(code), std::move(bindings));
    command.id = QStringLiteral("fit-") + Session::freshName();
    std::shared_ptr<TrainingHistory> history(new TrainingHistory(s, command.id, options.epochs),
                                             [](TrainingHistory* h) {
                                                 if (h->thread() == QThread::currentThread())
                                                     delete h;
                                                 else
                                                     h->deleteLater();
                                             });
    auto state = m_state;
    auto future = s.send(std::move(command)).then([state, history, x, y, options](const Value& v) {
        history->finish(v);
        std::lock_guard lock(state->mutex);
        state->fitted = State::Fitted{x, y, options};
        return history;
    });
    return Training(history, future, &s);
}

QFuture<Scores> Model::evaluate(const Value& x, const Value& y, const EvaluateOptions& options) {
    const QString xName = worker::variable(QStringLiteral("x_test"));
    const QString yName = worker::variable(QStringLiteral("y_test"));
    py::Keywords kw;
    if (options.batchSize)
        kw.emplace_back(QStringLiteral("batch_size"), *options.batchSize);
    // model.evaluate() as a dict, under a distribution on each process's rows.
    return session()
        .send(worker::command(
            {worker::support(QStringLiteral("evaluate"),
                             {name(variable()), name(xName), name(yName)}, std::move(kw))},
            {{xName, x}, {yName, y}}))
        .then([](const Value& v) {
            Scores scores;
            for (const auto& [key, value] : v.toDict())
                scores.insert(key.toString(), value.toDouble());
            return scores;
        });
}

QFuture<NdArray> Model::predict(const Value& x, const PredictOptions& options) {
    const QString xName = worker::variable(QStringLiteral("x_test"));
    py::Keywords kw;
    if (options.batchSize)
        kw.emplace_back(QStringLiteral("batch_size"), *options.batchSize);
    kw.emplace_back(QStringLiteral("verbose"), 0);
    return session()
        .send(worker::command(
            {name(variable()).attr(QStringLiteral("predict")).call({name(xName)}, std::move(kw))},
            {{xName, x}}))
        .then([](const Value& v) { return v.toArray(); });
}

QFuture<Value> Model::save(const QString& path) const {
    return session().send(worker::command(
        {name(variable()).attr(QStringLiteral("save")).call({path}), py::Expr(nullptr)}));
}

QString Model::exportScript(const ExportOptions& options) const {
    std::vector<Layer> layers;
    std::optional<State::Compiled> compiled;
    std::optional<State::Fitted> fitted;
    {
        std::lock_guard lock(m_state->mutex);
        layers = m_state->layers;
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
        script +=
            py::Statement::assign(name(QStringLiteral("x_train")), arrayExpr(fitted->x, "x_train"));
        script +=
            py::Statement::assign(name(QStringLiteral("y_train")), arrayExpr(fitted->y, "y_train"));
        if (fitted->options.validationData) {
            script +=
                py::Statement::assign(name(QStringLiteral("x_val")),
                                      arrayExpr(fitted->options.validationData->first, "x_val"));
            script +=
                py::Statement::assign(name(QStringLiteral("y_val")),
                                      arrayExpr(fitted->options.validationData->second, "y_val"));
            validation =
                py::Expr::tuple({name(QStringLiteral("x_val")), name(QStringLiteral("y_val"))});
        }
    }

    script += py::Statement::raw(QStringLiteral("\n# The model."));
    const py::Expr model = name(QStringLiteral("model"));
    py::Keywords modelKwargs;
    if (!m_state->name.isEmpty())
        modelKwargs.emplace_back(QStringLiteral("name"), m_state->name);
    if (m_state->kind == State::Kind::Sequential) {
        script += py::Statement::assign(model, name(QStringLiteral("keras"))
                                                   .attr(QStringLiteral("Sequential"))
                                                   .call({}, std::move(modelKwargs)));
        for (const Layer& layer : layers)
            script += model.attr(QStringLiteral("add")).call({layer.expr()});
    } else if (m_state->kind == State::Kind::Application) {
        script += py::Statement::assign(model, m_state->application->expr());
    } else {
        // The graph in dependency order, each tensor (and each layer made once) under a
        // readable name.
        std::map<const Tensor::Node*, QString> names;
        std::map<QString, QString> sharedNames; // by worker variable
        int inputCount = 0;
        int hiddenCount = 0;
        const bool oneInput = m_state->inputs->all().size() == 1;
        const auto layerOf = [&](const SharedLayer& layer) {
            auto it = sharedNames.find(layer.variable());
            if (it == sharedNames.end()) {
                const QString label = QStringLiteral("layer_%1").arg(sharedNames.size() + 1);
                script += py::Statement::assign(name(label), layer.layer().expr());
                it = sharedNames.emplace(layer.variable(), label).first;
            }
            return name(it->second);
        };
        std::function<py::Expr(const Tensor&)> visit = [&](const Tensor& t) -> py::Expr {
            const Tensor::Node* node = &t.node();
            if (auto it = names.find(node); it != names.end())
                return name(it->second);
            const py::Expr value = node->expr(visit, layerOf);
            const QString label = t.isInput()
                                      ? (oneInput ? QStringLiteral("inputs")
                                                  : QStringLiteral("input_%1").arg(++inputCount))
                                      : QStringLiteral("x%1").arg(++hiddenCount);
            script += py::Statement::assign(name(label), value);
            names.emplace(node, label);
            return name(label);
        };
        for (const Tensor& t : m_state->inputs->all())
            visit(t);
        for (const Tensor& t : m_state->outputs->all())
            visit(t);
        script += py::Statement::assign(
            model, name(QStringLiteral("keras"))
                       .attr(QStringLiteral("Model"))
                       .call({m_state->inputs->expr(visit), m_state->outputs->expr(visit)},
                             std::move(modelKwargs)));
    }
    script += model.attr(QStringLiteral("summary")).call();

    if (compiled) {
        script += py::Statement::raw(QStringLiteral("\n# Compile and train."));
        script += model.attr(QStringLiteral("compile")).call({}, compileKeywords(*compiled));
    }
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
            name(QStringLiteral("history")),
            model.attr(QStringLiteral("fit"))
                .call({name(QStringLiteral("x_train")), name(QStringLiteral("y_train"))},
                      std::move(kw)));
        script += py::Statement::raw(QStringLiteral(
            "final = {metric: values[-1] for metric, values in history.history.items()}\n"
            "print(json.dumps({\"total_params\": model.count_params(),\n"
            "                  \"epochs\": len(history.epoch), **final}))"));
    } else {
        script += py::Statement::raw(
            QStringLiteral("print(json.dumps({\"total_params\": model.count_params()}))"));
    }
    return script.source() + u'\n';
}

Training::Training(std::shared_ptr<TrainingHistory> history,
                   QFuture<std::shared_ptr<TrainingHistory>> future, Session* session)
    : m_history(std::move(history))
    , m_future(std::move(future))
    , m_session(session) {}

std::shared_ptr<TrainingHistory> Training::result() const {
    return m_future.result();
}

void Training::stop() const {
    m_session->stopTraining();
}

void Training::interrupt() const {
    m_session->interrupt(m_history->commandId());
}

} // namespace qk::keras
