// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/trainingcontroller.h"

#include "app/document.h"
#include "app/graphscript.h"
#include "app/sessionhost.h"

#include <QFileInfo>

#include <algorithm>
#include <stdexcept>

namespace qk::app {

TrainingController::TrainingController(SessionHost& host, Document& document, QObject* parent)
    : QObject(parent)
    , m_host(host)
    , m_document(document) {
    connect(&host.events(), &SessionEvents::commandChanged, this, [this](const CommandInfo& info) {
        if (!m_running || !m_history || info.id != m_history->commandId() ||
            info.state != CommandState::Running)
            return;
        m_fitRunning = true;
        if (m_stopRequested)
            m_host.session().stopTraining();
    });
    // A new worker starts with an empty scope: the trained model is gone with the old one.
    connect(&host.events(), &SessionEvents::workerRestarted, this, [this] {
        if (m_model && !m_running)
            m_modelGone = tr("the worker was restarted since, and its model went with it");
    });
    connect(&host, &SessionHost::sessionReplaced, this, [this] {
        if (m_model && !m_running)
            m_modelGone = tr("the worker was replaced since, and its model went with it");
    });
}

namespace {

// "a", "a and b", "a, b and c".
QString listed(const QStringList& items) {
    if (items.size() < 2)
        return items.value(0);
    return TrainingController::tr("%1 and %2")
        .arg(items.mid(0, items.size() - 1).join(QStringLiteral(", ")), items.back());
}

} // namespace

QString TrainingController::whyNotTrainable(const Document& document) {
    const bool graph = document.isGraph();
    if (graph ? document.graph().isEmpty() : document.layerCount() == 0)
        return tr("The model has no layers.");
    if (!graph)
        return {};
    const ModelGraph& g = document.graph();
    const DataSource& source = document.dataSource();
    QStringList inputs;
    if (g.inputIds().size() > 1) {
        for (int input : g.inputIds()) {
            if (!source.columnsOf(input))
                inputs << g.inputName(input);
        }
    }
    QStringList outputs;
    if (g.outputIds().size() > 1) {
        for (int output : g.outputIds()) {
            if (source.labelOf(output).isEmpty())
                outputs << g.outputName(output);
        }
    }
    if (!inputs.isEmpty() && !outputs.isEmpty())
        return tr("Choose the columns that feed %1 (Input), and the label of %2 (Output), in "
                  "the Data panel.")
            .arg(listed(inputs), listed(outputs));
    if (!inputs.isEmpty())
        return tr("Choose the columns that feed %1 in the Data panel (Input).").arg(listed(inputs));
    if (!outputs.isEmpty())
        return tr("Choose the label of %1 in the Data panel (Output).").arg(listed(outputs));
    return {};
}

bool TrainingController::train(QString* error) {
    const auto refuse = [error](const QString& message) {
        if (error)
            *error = message;
        return false;
    };
    if (m_running)
        return refuse(tr("A run is in progress."));
    const bool graph = m_document.isGraph();
    if (const QString why = whyNotTrainable(m_document); !why.isEmpty())
        return refuse(why);
    try {
        m_data = prepareData(m_document);
    } catch (const std::exception& e) {
        return refuse(QString::fromUtf8(e.what()));
    }

    Session& session = m_host.session();
    if (m_distribution) {
        keras::setDistribution(session, *m_distribution);
        m_distributionSent = true;
    } else if (m_distributionSent) {
        keras::clearDistribution(session);
        m_distributionSent = false;
    }
    m_modelGone.clear();
    if (graph) {
        // The graph is built as Export Python Script writes it, then read back.
        try {
            m_model.emplace(graphModel(session, m_document.graph()));
        } catch (const std::exception& e) {
            return refuse(QString::fromUtf8(e.what()));
        }
        m_trainedGraph = m_document.graph().structure();
    } else {
        keras::Sequential sequential(session);
        for (const LayerItem& item : m_document.layers())
            sequential.add(item.layer);
        m_model.emplace(sequential);
        m_trainedGraph.reset();
    }
    // A model imported from a file, and unchanged since, goes on from the file's weights.
    m_startedFrom = m_startingWeights ? m_startingWeights() : QString();
    if (!m_startedFrom.isEmpty()) {
        // A file changed since so that it no longer fits fails the command (the error dialog
        // says why); a run let go on from there starts from fresh weights.
        m_model->loadWeights(m_startedFrom).onFailed(this, [this](const std::exception&) {
            m_startedFrom.clear();
            return Value();
        });
    }
    // Compiled and trained through the model, which keeps how: its exported script trains too.
    const CompileSettings& compile = m_document.compileSettings();
    m_model->compile(compile.loss, compile.optimizer, metricsFor(m_document));
    // The console reaches the run's model and data by readable names.
    Command names(QStringLiteral("model = %1").arg(m_model->variable()));
    names.bind(QStringLiteral("x_train"), m_data->xTrain)
        .bind(QStringLiteral("y_train"), m_data->yTrain)
        .bind(QStringLiteral("x_test"), m_data->xTest)
        .bind(QStringLiteral("y_test"), m_data->yTest);
    names.lifetime = BindingLifetime::Eternal;
    names.result = ResultMode::None;
    session.send(std::move(names));
    const TrainingSettings& settings = m_document.trainingSettings();
    keras::FitOptions fit;
    fit.epochs = settings.epochs;
    fit.batchSize = settings.batchSize;
    if (settings.validationSplit > 0)
        fit.validationSplit = settings.validationSplit;
    fit.callbacks = settings.callbacks;
    const keras::Training training = m_model->fit(m_data->xTrain, m_data->yTrain, fit);
    m_history = training.history();
    m_runs.push_back(m_history);
    m_running = true;
    m_fitRunning = false;
    m_stopRequested = false;
    Q_EMIT runningChanged(true);
    Q_EMIT started(m_history);
    // The run is over when its history ends (a failed fit ends it before anyone decides
    // about the error); the message waits for the fit's command to settle.
    const std::shared_ptr<keras::TrainingHistory> history = m_history;
    connect(history.get(), &keras::TrainingHistory::finished, this,
            [this, history] { endRun(history); });
    QFuture<std::shared_ptr<keras::TrainingHistory>> done = training.future();
    done.then(this,
              [this](const std::shared_ptr<keras::TrainingHistory>& ended) {
                  endRun(ended);
                  QString message =
                      ended->stoppedEarly()
                          ? tr("Stopped after %n epoch(s)", nullptr, ended->epochCount())
                          : tr("Trained %n epoch(s)", nullptr, ended->epochCount());
                  if (!m_startedFrom.isEmpty())
                      message += tr(", starting from the weights of %1")
                                     .arg(QFileInfo(m_startedFrom).fileName());
                  Q_EMIT finished(true, message);
              })
        .onFailed(this, [this, history](const std::exception& e) {
            endRun(history);
            Q_EMIT finished(false, QString::fromUtf8(e.what()));
        });
    return true;
}

TrainingData TrainingController::prepareData(const Document& document) {
    const DataSource& source = document.dataSource();
    const keras::Dataset dataset = source.kind == DataSource::Kind::Iris
                                       ? keras::Dataset::iris()
                                       : keras::Dataset::fromCsv(source.csvPath);
    const bool graph = document.isGraph();
    const std::vector<int> inputs = graph ? document.graph().inputIds() : std::vector<int>();
    const std::vector<int> outputs = graph ? document.graph().outputIds() : std::vector<int>();
    if (const QString why = whyNotTrainable(document); !why.isEmpty())
        throw std::runtime_error(why.toStdString());
    // The first output's label splits the rows; the others' targets come from the same rows.
    const QStringList labels = source.labels(outputs);
    keras::PrepareOptions options;
    options.label = labels.value(0);
    options.testFraction = source.testFraction;
    options.seed = source.seed;
    options.standardize = source.standardize;
    options.targets = source.oneHot ? keras::PrepareOptions::Targets::OneHot
                                    : keras::PrepareOptions::Targets::Indices;
    const auto checkedFeatures = [&](const QStringList& chosen) {
        for (const QString& column : chosen) {
            if (labels.contains(column))
                throw std::runtime_error(
                    tr("%1 is a label and cannot be a feature too").arg(column).toStdString());
        }
        return chosen;
    };

    TrainingData data;
    if (inputs.size() <= 1) {
        options.features = checkedFeatures(source.features);
        options.encoded = checkedFeatures(source.encoded);
        if (options.features.isEmpty() && labels.size() > 1) {
            // Every numeric column but the labels.
            for (const QString& column : dataset.columnNames()) {
                if (!labels.contains(column) &&
                    dataset.columnType(column) == keras::Dataset::ColumnType::Numeric)
                    options.features << column;
            }
            options.numericByDefault = false;
        }
        data.prepared = dataset.prepare(options);
        data.xTrain = data.prepared.xTrain;
        data.xTest = data.prepared.xTest;
    } else {
        // One preparation per input: the same label, fraction and seed split the rows alike.
        Value::List train;
        Value::List test;
        options.numericByDefault = false;
        for (int input : inputs) {
            const InputColumns* columns = source.columnsOf(input);
            options.features = checkedFeatures(columns->features);
            options.encoded = checkedFeatures(columns->encoded);
            keras::PreparedData prepared = dataset.prepare(options);
            train.emplace_back(prepared.xTrain);
            test.emplace_back(prepared.xTest);
            if (train.size() == 1)
                data.prepared = std::move(prepared);
        }
        data.xTrain = Value(std::move(train));
        data.xTest = Value(std::move(test));
    }
    if (outputs.size() <= 1) {
        data.yTrain = data.prepared.yTrain;
        data.yTest = data.prepared.yTest;
        return data;
    }
    Value::List train;
    Value::List test;
    for (int output : outputs) {
        const keras::Labels y = dataset.labels(source.labelOf(output));
        const NdArray targets = source.oneHot
                                    ? keras::oneHot(y.indices, static_cast<int>(y.classes.size()))
                                    : y.indices;
        train.emplace_back(keras::takeRows(targets, data.prepared.split.train));
        test.emplace_back(keras::takeRows(targets, data.prepared.split.test));
    }
    data.yTrain = Value(std::move(train));
    data.yTest = Value(std::move(test));
    return data;
}

std::vector<keras::Argument> TrainingController::metricsFor(const Document& document) {
    const QStringList& names = document.compileSettings().metrics;
    std::vector<keras::Argument> metrics;
    const std::size_t outputs = document.isGraph() ? document.graph().outputIds().size() : 1;
    if (outputs < 2) {
        for (const QString& metric : names)
            metrics.emplace_back(metric);
        return metrics;
    }
    Value::List each;
    for (const QString& metric : names)
        each.emplace_back(metric);
    for (std::size_t i = 0; i < outputs; ++i)
        metrics.emplace_back(Value(each));
    return metrics;
}

void TrainingController::setDistribution(std::optional<keras::Distribution> distribution) {
    m_distribution = std::move(distribution);
}

void TrainingController::endRun(const std::shared_ptr<keras::TrainingHistory>& history) {
    if (history != m_history || !m_running)
        return;
    m_running = false;
    Q_EMIT runningChanged(false);
}

void TrainingController::stop() {
    if (!m_running)
        return;
    // The worker stops the command that runs when it is asked: the fit, or nothing yet.
    m_stopRequested = true;
    if (m_fitRunning)
        m_host.session().stopTraining();
}

QFuture<keras::Scores> TrainingController::evaluate() const {
    if (!m_model || !m_data)
        throw std::logic_error("evaluate() before a model was trained on prepared data");
    keras::Model model = *m_model; // copies share the worker's model
    return model.evaluate(m_data->xTest, m_data->yTest);
}

bool TrainingController::canEvaluate(const keras::TrainingHistory& run, QString* why) const {
    const auto refuse = [why](const QString& message) {
        if (why)
            *why = message;
        return false;
    };
    using Outcome = keras::TrainingHistory::Outcome;
    const bool trainedHere = std::any_of(m_runs.cbegin(), m_runs.cend(), [&run](const auto& own) {
        return own.lock().get() == &run;
    });
    if (!trainedHere)
        return refuse(tr("it was not trained in this session (a run read from a project, or a "
                         "trial of a search, which trains in a worker of its own), so its model "
                         "is not in the worker. Train again to evaluate."));
    if (&run != m_history.get() || !m_model || !m_data)
        return refuse(tr("its model is no longer in the worker: each run trains a model of its "
                         "own, and only the last run's is kept. Train again to evaluate."));
    switch (run.outcome()) {
    case Outcome::Running:
        return refuse(tr("it is still training"));
    case Outcome::Failed:
    case Outcome::Lost:
        return refuse(tr("it %1, so its model has no trained weights to score")
                          .arg(keras::TrainingHistory::outcomeName(run.outcome())));
    case Outcome::Finished:
    case Outcome::Stopped:
        break;
    }
    if (!m_modelGone.isEmpty())
        return refuse(m_modelGone);
    return true;
}

QFuture<keras::Evaluation> TrainingController::evaluateDetailed(int predictionRows) const {
    if (!m_model || !m_data)
        throw std::logic_error("evaluateDetailed() before a model was trained on prepared data");
    keras::Model model = *m_model; // copies share the worker's model
    keras::EvaluationOptions options;
    options.predictionRows = predictionRows;
    options.classNames = m_data->prepared.classes;
    return model.evaluateDetailed(m_data->xTest, m_data->yTest, options);
}

} // namespace qk::app
