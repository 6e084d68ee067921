// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/keras/model.h"

#include "bridge/keras/modelstate.h"
#include "bridge/keras/worker.h"
#include "bridge/session/session.h"

#include <QThread>

#include <algorithm>
#include <stdexcept>

namespace qk::keras {

namespace {

// A Python name in generated code.
py::Expr pyName(const QString& identifier) {
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

} // namespace

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
    if (!o.callbacks.empty() || o.checkpoint) {
        std::vector<py::Expr> callbacks;
        callbacks.reserve(o.callbacks.size() + 1);
        for (const Callback& c : o.callbacks)
            callbacks.push_back(c.expr());
        py::Expr list = py::Expr::list(callbacks);
        if (o.checkpoint) {
            // People read checkpoint and resume as the Keras callback that does the same.
            callbacks.push_back(py::Expr::name(QStringLiteral("keras"))
                                    .attr(QStringLiteral("callbacks"))
                                    .attr(QStringLiteral("BackupAndRestore"))
                                    .call({py::Expr::literal(Value(*o.checkpoint))}));
            list = list.shownAs(py::Expr::list(std::move(callbacks)));
        }
        kw.emplace_back(QStringLiteral("callbacks"), std::move(list));
    }
    return kw;
}

py::Keywords Model::State::Compiled::keywords() const {
    std::vector<py::Expr> metricExprs;
    metricExprs.reserve(metrics.size());
    for (const Argument& m : metrics)
        metricExprs.push_back(m.expr());
    py::Keywords kw{{QStringLiteral("loss"), loss.expr()},
                    {QStringLiteral("optimizer"), optimizer.expr()}};
    if (!metrics.empty())
        kw.emplace_back(QStringLiteral("metrics"), py::Expr::list(std::move(metricExprs)));
    return kw;
}

Model::State::~State() {
    if (session)
        session->release({variable});
}

const Tensors& Model::State::functionalInputs() const {
    if (!inputs)
        throw std::logic_error("a functional model without its inputs");
    return *inputs;
}

const Tensors& Model::State::functionalOutputs() const {
    if (!outputs)
        throw std::logic_error("a functional model without its outputs");
    return *outputs;
}

const Application& Model::State::builtApplication() const {
    if (!application)
        throw std::logic_error("an application model without its application");
    return *application;
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
    auto byVariable = [](const Tensor& t) { return pyName(t.variable()); };
    m_state->created = toInfo(s.send(creation(
        pyName(m_state->variable),
        pyName(QStringLiteral("keras"))
            .attr(QStringLiteral("Model"))
            .call({inputs.expr(byVariable), outputs.expr(byVariable)}, std::move(kwargs)))));
}

Model::Model(Session& session, const Application& application)
    : m_state(std::make_shared<State>()) {
    m_state->session = &session;
    m_state->variable = worker::variable(QStringLiteral("model"));
    m_state->kind = State::Kind::Application;
    m_state->application = application;
    m_state->created =
        toInfo(session.send(creation(pyName(m_state->variable), application.expr())));
}

Model Model::load(Session& session, const QString& path) {
    const QString variable = worker::variable(QStringLiteral("model"));
    const py::Expr load = pyName(QStringLiteral("keras"))
                              .attr(QStringLiteral("saving"))
                              .attr(QStringLiteral("load_model"));
    Model model =
        read(session, variable, py::Statement::assign(pyName(variable), load.call({path})));
    model.m_state->fromFile = true;
    return model;
}

Model Model::adopt(Session& session, const QString& variable) {
    return read(session, variable, std::nullopt);
}

Model Model::read(Session& session, const QString& variable, std::optional<py::Statement> make) {
    auto state = std::make_shared<State>();
    state->session = &session;
    state->variable = variable;
    state->kind = State::Kind::Loaded;
    const py::Expr model = pyName(state->variable);
    // The structure, and how the model is built for exportScript(): the worker reads it here,
    // where the model is, once.
    const py::Expr answer = py::Expr::dict(
        {{QStringLiteral("info"), worker::support(QStringLiteral("info"), {model})},
         {QStringLiteral("blueprint"),
          worker::call(QStringLiteral("blueprint"), QStringLiteral("read"), {model})}});
    py::Program code;
    if (make)
        code += *make;
    code += py::Statement::expression(answer);
    state->created = session.send(worker::command(code))
                         .then([state = std::weak_ptr<State>(state)](const Value& v) {
                             if (auto alive = state.lock()) {
                                 std::lock_guard lock(alive->mutex);
                                 alive->blueprint = v[QStringLiteral("blueprint")];
                             }
                             return ModelInfo::fromValue(v[QStringLiteral("info")]);
                         });
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
        worker::command({worker::support(QStringLiteral("info"), {pyName(variable())})})));
}

QFuture<QString> Model::summary() const {
    return session()
        .send(worker::command({worker::support(QStringLiteral("summary"), {pyName(variable())})}))
        .then([](const Value& v) { return v.toString(); });
}

QString Model::name() const {
    if (const std::optional<Application>& application = m_state->application) {
        const auto given = application->get(QStringLiteral("name"));
        return given && given->isValue() ? given->value().toString() : QString();
    }
    return m_state->name;
}

QFuture<ModelInfo> Model::setTrainable(bool trainable) {
    const py::Expr model = pyName(variable());
    auto state = m_state;
    return toInfo(session().send(worker::command(
                      {py::Statement::assign(model.attr(QStringLiteral("trainable")), trainable),
                       worker::support(QStringLiteral("info"), {model})})))
        .then([state, trainable](const ModelInfo& info) {
            std::lock_guard lock(state->mutex);
            state->trainable = trainable;
            return info;
        });
}

QFuture<Value> Model::compile(Argument loss, Argument optimizer, std::vector<Argument> metrics) {
    State::Compiled compiled{std::move(loss), std::move(optimizer), std::move(metrics)};
    const py::Expr call =
        pyName(variable()).attr(QStringLiteral("compile")).call({}, compiled.keywords());
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
        validation = py::Expr::tuple({pyName(xValName), pyName(yValName)});
    }
    // model.fit() with the worker's progress events, and under a distribution each
    // process's rows (qtkeras_worker.model_support.fit).
    py::Program code{worker::support(QStringLiteral("fit"),
                                     {pyName(variable()), pyName(xName), pyName(yName)},
                                     fitKeywords(options, validation))};
    Command command = worker::command(code, std::move(bindings));
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
                             {pyName(variable()), pyName(xName), pyName(yName)}, std::move(kw))},
            {{xName, x}, {yName, y}}))
        .then([](const Value& v) {
            Scores scores;
            for (const auto& [key, value] : v.toDict())
                scores.insert(key.toString(), value.toDouble());
            return scores;
        });
}

QFuture<Evaluation> Model::evaluateDetailed(const Value& x, const Value& y,
                                            const EvaluationOptions& options) {
    const QString xName = worker::variable(QStringLiteral("x_test"));
    const QString yName = worker::variable(QStringLiteral("y_test"));
    py::Keywords kw{{QStringLiteral("rows"), std::max(0, options.predictionRows)}};
    if (options.batchSize)
        kw.emplace_back(QStringLiteral("batch_size"), *options.batchSize);
    return session()
        .send(worker::command(
            {worker::call(QStringLiteral("evaluation"), QStringLiteral("report"),
                          {pyName(variable()), pyName(xName), pyName(yName)}, std::move(kw))},
            {{xName, x}, {yName, y}}))
        .then([names = options.classNames](const Value& v) {
            return Evaluation::fromValue(v, names);
        });
}

QFuture<NdArray> Model::predict(const Value& x, const PredictOptions& options) {
    return predictOutputs(x, options).then([](const Value& v) { return v.toArray(); });
}

QFuture<Value> Model::predictOutputs(const Value& x, const PredictOptions& options) {
    const QString xName = worker::variable(QStringLiteral("x_test"));
    py::Keywords kw;
    if (options.batchSize)
        kw.emplace_back(QStringLiteral("batch_size"), *options.batchSize);
    kw.emplace_back(QStringLiteral("verbose"), 0);
    return session().send(worker::command(
        {pyName(variable()).attr(QStringLiteral("predict")).call({pyName(xName)}, std::move(kw))},
        {{xName, x}}));
}

QFuture<Value> Model::saveWeights(const QString& path) const {
    return session().send(worker::command(
        {pyName(variable()).attr(QStringLiteral("save_weights")).call({path}), py::Expr(nullptr)}));
}

QFuture<Value> Model::loadWeights(const QString& path) {
    auto state = m_state;
    return session()
        .send(worker::command({pyName(variable()).attr(QStringLiteral("load_weights")).call({path}),
                               py::Expr(nullptr)}))
        .then([state, path](const Value& v) {
            std::lock_guard lock(state->mutex);
            state->weightsFrom = path;
            return v;
        });
}

QFuture<Value> Model::save(const QString& path) const {
    return session().send(worker::command(
        {pyName(variable()).attr(QStringLiteral("save")).call({path}), py::Expr(nullptr)}));
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
