// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/keras/search.h"

#include "bridge/keras/worker.h"
#include "bridge/session/command.h"

#include <QThread>

#include <algorithm>
#include <stdexcept>

namespace qk::keras {

namespace {

const QString module = QStringLiteral("search");

py::Expr searchCall(const QString& function, std::vector<py::Expr> args = {},
                    py::Keywords kwargs = {}) {
    return worker::call(module, function, std::move(args), std::move(kwargs));
}

// qk_search.make(keras.layers.Dense, ...): the object is made anew, its ranges resolved,
// each time a trial builds the model.
py::Expr made(const KerasObject& object) {
    std::vector<py::Expr> args{object.callee()};
    for (py::Expr& arg : object.positionalExprs())
        args.push_back(std::move(arg));
    return searchCall(QStringLiteral("make"), std::move(args), object.keywordExprs());
}

py::Expr argumentExpr(const Argument& argument) {
    return argument.isObject() ? made(argument.object()) : argument.expr();
}

QString tunerName(SearchOptions::Tuner tuner) {
    switch (tuner) {
    case SearchOptions::Tuner::Random:
        return QStringLiteral("random");
    case SearchOptions::Tuner::Bayesian:
        return QStringLiteral("bayesian");
    case SearchOptions::Tuner::Hyperband:
        return QStringLiteral("hyperband");
    }
    return {};
}

QString valueText(const Value& value) {
    if (value.isFloat())
        return QString::number(value.toDouble(), 'g', 3);
    if (value.isString())
        return value.toString();
    if (value.isBool())
        return value.toBool() ? QStringLiteral("True") : QStringLiteral("False");
    return value.toDisplayString(40);
}

QString reasonOf(const std::exception& e) {
    if (const auto* error = dynamic_cast<const CommandError*>(&e))
        return error->reason();
    return QString::fromUtf8(e.what());
}

} // namespace

HyperParameter HyperParameter::integer(QString name, qint64 min, qint64 max, qint64 step) {
    HyperParameter hp;
    hp.m_kind = Kind::Int;
    hp.m_name = std::move(name);
    hp.m_min = static_cast<double>(min);
    hp.m_max = static_cast<double>(max);
    hp.m_step = static_cast<double>(step);
    return hp;
}

HyperParameter HyperParameter::real(QString name, double min, double max, bool log) {
    HyperParameter hp;
    hp.m_kind = Kind::Float;
    hp.m_name = std::move(name);
    hp.m_min = min;
    hp.m_max = max;
    hp.m_log = log;
    return hp;
}

HyperParameter HyperParameter::choice(QString name, std::vector<Value> values) {
    HyperParameter hp;
    hp.m_kind = Kind::Choice;
    hp.m_name = std::move(name);
    hp.m_values = std::move(values);
    return hp;
}

HyperParameter::operator Argument() const {
    switch (m_kind) {
    case Kind::Int:
        return Argument::expression(searchCall(
            QStringLiteral("Int"), {m_name, static_cast<qint64>(m_min), static_cast<qint64>(m_max)},
            {{QStringLiteral("step"), static_cast<qint64>(std::max(1.0, m_step))}}));
    case Kind::Float: {
        py::Keywords kw;
        if (m_log)
            kw.emplace_back(QStringLiteral("log"), true);
        return Argument::expression(
            searchCall(QStringLiteral("Float"), {m_name, m_min, m_max}, std::move(kw)));
    }
    case Kind::Choice: {
        std::vector<py::Expr> items;
        items.reserve(m_values.size());
        for (const Value& v : m_values)
            items.push_back(py::Expr::literal(v));
        return Argument::expression(
            searchCall(QStringLiteral("Choice"), {m_name, py::Expr::list(std::move(items))}));
    }
    }
    return Argument(nullptr);
}

QString Trial::label() const {
    QStringList parts;
    for (const auto& [name, value] : values) {
        if (!name.startsWith(QLatin1String("tuner/")))
            parts << name + u'=' + valueText(value);
    }
    return parts.join(u' ');
}

QString Trial::title() const {
    const QString text = QStringLiteral("trial %1").arg(number());
    const QString searched = label();
    return searched.isEmpty() ? text : text + QStringLiteral(" · ") + searched;
}

QString Trial::statusName(Status status) {
    switch (status) {
    case Status::Running:
        return QStringLiteral("running");
    case Status::Completed:
        return QStringLiteral("completed");
    case Status::Failed:
        return QStringLiteral("failed");
    case Status::Lost:
        return QStringLiteral("lost");
    case Status::Stopped:
        return QStringLiteral("stopped");
    }
    return {};
}

// One trial process: its session and what it is doing.
struct Search::Slot {
    enum class State { Starting, Ready, Asking, Running, Idle, Done, Retired };
    std::unique_ptr<Session> session;
    State state = State::Starting;
    QString reason; // why it was retired
};

Search::Search(Session& chief, HyperModel model, Value x, Value y, SearchOptions options,
               QObject* parent)
    : QObject(parent)
    , m_chief(chief)
    , m_model(std::move(model))
    , m_x(std::move(x))
    , m_y(std::move(y))
    , m_options(std::move(options))
    , m_variable(worker::variable(QStringLiteral("search")))
    , m_promise(std::make_shared<QPromise<SearchResult>>()) {
    qRegisterMetaType<qk::keras::Trial>();
}

Search::~Search() {
    if (!m_finished) {
        m_promise->setException(std::make_exception_ptr(std::runtime_error("search abandoned")));
        m_promise->finish();
    }
}

Session& Search::workerSession(int worker) const {
    return *m_workers.at(static_cast<std::size_t>(worker))->session;
}

py::Expr Search::hyperModelExpr() const {
    std::vector<py::Expr> metrics;
    metrics.reserve(m_model.metrics.size());
    for (const Argument& metric : m_model.metrics)
        metrics.push_back(argumentExpr(metric));
    py::Keywords compile{{QStringLiteral("loss"), argumentExpr(m_model.loss)},
                         {QStringLiteral("optimizer"), argumentExpr(m_model.optimizer)},
                         {QStringLiteral("metrics"), py::Expr::list(std::move(metrics))}};
    if (!m_model.graph.isEmpty())
        return searchCall(QStringLiteral("functional"), {py::Expr(m_model.graph.source())},
                          std::move(compile));
    std::vector<py::Expr> layers;
    layers.reserve(m_model.layers.size());
    for (const Layer& layer : m_model.layers)
        layers.push_back(made(layer));
    return searchCall(QStringLiteral("sequential"), {py::Expr::list(std::move(layers))},
                      std::move(compile));
}

QFuture<SearchResult> Search::start() {
    if (m_launched)
        return m_promise->future();
    m_launched = true;
    m_promise->start();
    // No more processes than trials (Hyperband's count is its own).
    int n = std::max(1, m_options.parallelTrials);
    if (m_options.tuner != SearchOptions::Tuner::Hyperband)
        n = std::min(n, std::max(1, m_options.maxTrials));
    for (int i = 0; i < n; ++i) {
        auto slot = std::make_unique<Slot>();
        slot->session = std::make_unique<Session>(m_options.session);
        slot->session->ready().then(this, [this, i](const QFuture<WorkerInfo>& ready) {
            if (m_finished)
                return;
            Slot& started = *m_workers[static_cast<std::size_t>(i)];
            try {
                ready.result();
            } catch (const std::exception& e) {
                started.state = Slot::State::Retired;
                started.reason = reasonOf(e);
                maybeFinish();
                return;
            }
            started.state = Slot::State::Ready;
            if (m_started)
                requestTrial(i);
        });
        m_workers.push_back(std::move(slot));
    }

    py::Keywords kw{{QStringLiteral("kind"), tunerName(m_options.tuner)},
                    {QStringLiteral("objective"), m_options.objective},
                    {QStringLiteral("max_trials"), m_options.maxTrials},
                    {QStringLiteral("executions_per_trial"), m_options.executionsPerTrial},
                    {QStringLiteral("max_epochs"), m_options.maxEpochs},
                    {QStringLiteral("factor"), m_options.factor}};
    if (!m_options.direction.isEmpty())
        kw.emplace_back(QStringLiteral("direction"), m_options.direction);
    if (m_options.seed)
        kw.emplace_back(QStringLiteral("seed"), *m_options.seed);
    const py::Expr search = py::Expr::name(m_variable);
    py::Program code{py::Statement::assign(search, searchCall(QStringLiteral("tuner"),
                                                              {hyperModelExpr()}, std::move(kw))),
                     searchCall(QStringLiteral("describe"), {search})};
    m_chief.send(worker::command(code)).then(this, [this](const QFuture<Value>& f) {
        if (m_finished)
            return;
        Value described;
        try {
            described = f.result();
        } catch (const std::exception& e) {
            fail(QStringLiteral("the search could not start: %1").arg(reasonOf(e)));
            return;
        }
        m_settings = described["settings"];
        m_objective = described["objective"].toString();
        m_direction = described["direction"].toString();
        m_started = true;
        for (int i = 0; i < workerCount(); ++i) {
            if (m_workers[static_cast<std::size_t>(i)]->state == Slot::State::Ready)
                requestTrial(i);
        }
        maybeFinish();
    });
    return m_promise->future();
}

void Search::requestTrial(int worker) {
    Slot& slot = *m_workers[static_cast<std::size_t>(worker)];
    if (m_stopping || m_finished) {
        slot.state = Slot::State::Done;
        maybeFinish();
        return;
    }
    slot.state = Slot::State::Asking;
    const QString tunerId = QStringLiteral("worker-%1").arg(worker);
    m_chief
        .send(worker::command(
            {searchCall(QStringLiteral("next_trial"), {py::Expr::name(m_variable), tunerId})}))
        .then(this, [this, worker](const QFuture<Value>& f) {
            if (m_finished)
                return;
            Value trial;
            try {
                trial = f.result();
            } catch (const std::exception& e) {
                fail(QStringLiteral("the tuner failed: %1").arg(reasonOf(e)));
                return;
            }
            const QString status = trial["status"].toString();
            if (status == QLatin1String("running") && !m_stopping) {
                runTrial(worker, trial);
                return;
            }
            m_workers[static_cast<std::size_t>(worker)]->state =
                status == QLatin1String("idle") && !m_stopping ? Slot::State::Idle
                                                               : Slot::State::Done;
            maybeFinish();
        });
}

void Search::runTrial(int worker, const Value& described) {
    Slot& slot = *m_workers[static_cast<std::size_t>(worker)];
    Session& session = *slot.session;
    slot.state = Slot::State::Running;

    Trial trial;
    trial.id = described["id"].toString();
    trial.worker = worker;
    std::optional<int> planned = m_options.fit.epochs;
    for (const auto& [key, value] : described["values"].toDict()) {
        trial.values.emplace_back(key.toString(), value);
        if (key.toString() == QLatin1String("tuner/epochs") && value.isInt())
            planned = static_cast<int>(value.toInt());
    }

    const QString settings = worker::variable(QStringLiteral("settings"));
    const QString state = worker::variable(QStringLiteral("trial"));
    const QString x = worker::variable(QStringLiteral("x_train"));
    const QString y = worker::variable(QStringLiteral("y_train"));
    py::Keywords kw;
    const FitOptions& fit = m_options.fit;
    if (fit.epochs)
        kw.emplace_back(QStringLiteral("epochs"), *fit.epochs);
    if (fit.batchSize)
        kw.emplace_back(QStringLiteral("batch_size"), *fit.batchSize);
    if (fit.validationSplit)
        kw.emplace_back(QStringLiteral("validation_split"), *fit.validationSplit);
    if (fit.shuffle)
        kw.emplace_back(QStringLiteral("shuffle"), *fit.shuffle);
    py::Program code{searchCall(QStringLiteral("run_trial"),
                                {py::Expr::name(settings), hyperModelExpr(), py::Expr::name(state),
                                 py::Expr::name(x), py::Expr::name(y)},
                                std::move(kw))};
    Command command = worker::command(
        code, {{settings, m_settings}, {state, described["state"]}, {x, m_x}, {y, m_y}});
    command.id = QStringLiteral("trial-") + Session::freshName();
    trial.history = std::shared_ptr<TrainingHistory>(
        new TrainingHistory(session, command.id, planned), [](TrainingHistory* h) {
            if (h->thread() == QThread::currentThread())
                delete h;
            else
                h->deleteLater();
        });
    m_trials.push_back(trial);
    const std::size_t index = m_trials.size() - 1;
    Q_EMIT trialStarted(m_trials[index]);

    session.send(std::move(command)).then(this, [this, worker, index](const QFuture<Value>& f) {
        if (m_finished)
            return;
        Trial& ran = m_trials[index];
        Value result;
        try {
            result = f.result();
            if (result["status"].toString() == QLatin1String("completed")) {
                ran.history->finish(result["fit"]);
            } else {
                ran.reason = result["message"].toString();
                ran.history->end(TrainingHistory::Outcome::Failed, ran.reason);
            }
        } catch (const std::exception& e) {
            ran.reason = reasonOf(e);
            const auto* error = dynamic_cast<const CommandError*>(&e);
            const bool lost = error && error->state() == CommandState::Cancelled;
            ran.status = lost ? Trial::Status::Lost : Trial::Status::Failed;
            ran.history->end(lost ? TrainingHistory::Outcome::Lost
                                  : TrainingHistory::Outcome::Failed,
                             ran.reason);
            result = Value::dict({{QStringLiteral("status"), QStringLiteral("failed")},
                                  {QStringLiteral("message"), ran.reason}});
        }
        endTrial(worker, index, std::move(result));
    });
}

void Search::endTrial(int worker, std::size_t index, Value result) {
    const QString resultName = worker::variable(QStringLiteral("result"));
    m_chief
        .send(worker::command({searchCall(QStringLiteral("end_trial"),
                                          {py::Expr::name(m_variable), m_trials[index].id,
                                           py::Expr::name(resultName)})},
                              {{resultName, std::move(result)}}))
        .then(this, [this, worker, index](const QFuture<Value>& f) {
            if (m_finished)
                return;
            Value summary;
            try {
                summary = f.result();
            } catch (const std::exception& e) {
                fail(QStringLiteral("the tuner failed: %1").arg(reasonOf(e)));
                return;
            }
            Trial& trial = m_trials[index];
            if (summary["status"].toString() == QLatin1String("completed")) {
                const bool stopped =
                    trial.history->outcome() == TrainingHistory::Outcome::Stopped && m_stopping;
                trial.status = stopped ? Trial::Status::Stopped : Trial::Status::Completed;
            } else if (trial.status != Trial::Status::Lost) {
                trial.status = Trial::Status::Failed;
                if (trial.reason.isEmpty() && summary["message"].isString())
                    trial.reason = summary["message"].toString();
            }
            if (summary["score"].isNumber())
                trial.score = summary["score"].toDouble();
            if (summary["error"].isString()) {
                m_error = summary["error"].toString();
                m_stopping = true;
            }
            Q_EMIT trialEnded(trial);
            wakeIdle();
            // A worker that died is started again by its session (commands wait for it);
            // one its session gave up on runs no more trials.
            Slot& slot = *m_workers[static_cast<std::size_t>(worker)];
            if (slot.session->workerState() == WorkerState::Dead) {
                slot.state = Slot::State::Retired;
                slot.reason = trial.reason;
                maybeFinish();
                return;
            }
            requestTrial(worker);
        });
}

void Search::wakeIdle() {
    for (int i = 0; i < workerCount(); ++i) {
        if (m_workers[static_cast<std::size_t>(i)]->state == Slot::State::Idle)
            requestTrial(i);
    }
}

void Search::stop() {
    if (m_finished)
        return;
    m_stopping = true;
    for (const auto& slot : m_workers) {
        if (slot->state == Slot::State::Running)
            slot->session->stopTraining();
        else if (slot->state == Slot::State::Idle || slot->state == Slot::State::Ready)
            slot->state = Slot::State::Done;
    }
    maybeFinish();
}

void Search::maybeFinish() {
    if (m_finished)
        return;
    bool retired = !m_workers.empty();
    QString reason;
    for (const auto& slot : m_workers) {
        switch (slot->state) {
        case Slot::State::Asking:
        case Slot::State::Running:
            return;
        case Slot::State::Starting:
        case Slot::State::Ready:
            if (!m_stopping)
                return;
            break;
        case Slot::State::Retired:
            reason = slot->reason;
            break;
        case Slot::State::Idle:
        case Slot::State::Done:
            break;
        }
        retired = retired && slot->state == Slot::State::Retired;
    }
    if (retired && m_trials.empty()) {
        fail(QStringLiteral("no trial worker could start: %1").arg(reason));
        return;
    }
    if (!m_started)
        return;
    m_finished = true;
    const py::Expr search = py::Expr::name(m_variable);
    m_chief.send(worker::command({searchCall(QStringLiteral("results"), {search})}))
        .then(this, [this](const QFuture<Value>& f) {
            SearchResult result;
            result.objective = m_objective;
            result.direction = m_direction;
            result.error = m_error;
            try {
                const Value ranked = f.result();
                for (const Value& summary : ranked.items()) {
                    if (const Trial* trial = trialById(summary["id"].toString()))
                        result.trials.push_back(*trial);
                }
            } catch (const std::exception& e) {
                result.error = reasonOf(e);
                result.trials = m_trials;
            }
            for (const Trial& trial : result.trials) {
                if (trial.score) {
                    result.best = trial;
                    break;
                }
            }
            m_workers.clear();
            m_promise->addResult(result);
            m_promise->finish();
            Q_EMIT finished();
        });
    m_chief.send(worker::command(
        {searchCall(QStringLiteral("close"), {search}), py::Statement::del({search})}));
}

void Search::fail(const QString& reason) {
    if (m_finished)
        return;
    m_finished = true;
    m_error = reason;
    m_workers.clear();
    if (m_started) {
        const py::Expr search = py::Expr::name(m_variable);
        m_chief.send(worker::command(
            {searchCall(QStringLiteral("close"), {search}), py::Statement::del({search})}));
    }
    m_promise->setException(std::make_exception_ptr(std::runtime_error(reason.toStdString())));
    m_promise->finish();
    Q_EMIT finished();
}

Trial* Search::trialById(const QString& id) {
    // A Hyperband trial id names one trial; the newest entry is the one that counts.
    for (std::size_t i = m_trials.size(); i-- > 0;) {
        if (m_trials[i].id == id)
            return &m_trials[i];
    }
    return nullptr;
}

} // namespace qk::keras
