// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/modelgraph.h"
#include "bridge/keras/dataset.h"
#include "bridge/keras/distribution.h"
#include "bridge/keras/model.h"
#include "bridge/keras/sequential.h"

#include <QObject>

#include <functional>

#include <memory>
#include <optional>
#include <vector>

namespace qk::app {

class Document;
class SessionHost;

// A run's arrays: the data source's rows prepared for the model, an x array per input.
struct TrainingData {
    keras::PreparedData prepared; // the split, the first input's and first output's arrays
    Value xTrain, xTest;          // what fit() and evaluate() take: an array, or one per input
    Value yTrain, yTest;          // an array, or one per output
};

// Runs the document's network: prepares the data source's arrays, builds the model in the
// worker (a Sequential model layer by layer, a graph as its exported script builds it),
// compiles it, and fits it with the arrays sent once as bindings.
// The live TrainingHistory of each run is announced through started(); stop() ends a fit
// after its batch and keeps the weights (also when asked while the commands before the fit
// still run), so evaluate() afterwards scores the trained model.
class TrainingController : public QObject {
    Q_OBJECT
public:
    TrainingController(SessionHost& host, Document& document, QObject* parent = nullptr);

    // Starts a run; false, with the reason, when the document cannot be trained as it is.
    bool train(QString* error = nullptr);
    void stop();
    bool isRunning() const { return m_running; }
    // The current or last run's history; null before the first run.
    std::shared_ptr<keras::TrainingHistory> history() const { return m_history; }
    // The model of the current or last run; empty before the first run.
    const std::optional<keras::Model>& model() const { return m_model; }
    // Whether that model was built from this graph (positions aside).
    bool trained(const ModelGraph& graph) const {
        return m_model && m_trainedGraph && *m_trainedGraph == graph.structure();
    }
    // Scores of the trained model on the held-out test rows.
    QFuture<keras::Scores> evaluate() const;
    // Whether `run` can be scored on the test rows: each run trains a model of its own, which
    // replaces the one before in the worker, so only the last run can, once it ended with its
    // weights (finished or stopped) and while the worker that trained it runs. False, with
    // the reason, otherwise.
    bool canEvaluate(const keras::TrainingHistory& run, QString* why = nullptr) const;
    // The last run's model on the test rows: scores, a classifier's confusion matrix (classes
    // named as the data names them) and at most `predictionRows` predictions.
    QFuture<keras::Evaluation> evaluateDetailed(int predictionRows = 500) const;
    const std::optional<TrainingData>& data() const { return m_data; }
    // Why the document's model cannot train on the Data panel's rows (it has no layers, or
    // an input of a graph of several has no columns chosen, or an output of a graph of
    // several no label); empty when it can.
    static QString whyNotTrainable(const Document& document);
    // The data source's arrays as a run of the document's model trains on them: an x array
    // per input and a y array per output of a graph (in the graph's order); throws with the
    // reason.
    static TrainingData prepareData(const Document& document);
    // The compile settings' metrics for compile(): for a graph of several outputs, the same
    // list for each output (Keras wants one per output).
    static std::vector<keras::Argument> metricsFor(const Document& document);
    // How the next runs spread over the worker's devices (nullopt: one device); sent to the
    // worker before each run's model is built.
    void setDistribution(std::optional<keras::Distribution> distribution);
    const std::optional<keras::Distribution>& distribution() const { return m_distribution; }
    // The file whose weights a run's model starts from, asked at each run (an empty path, or
    // no source: fresh weights). The exported script of such a run loads the same file.
    void setStartingWeights(std::function<QString()> source) {
        m_startingWeights = std::move(source);
    }
    // The file the current or last run started from; empty for fresh weights.
    const QString& startedFrom() const { return m_startedFrom; }

Q_SIGNALS:
    void started(std::shared_ptr<qk::keras::TrainingHistory> history);
    void runningChanged(bool running);
    void finished(bool ok, const QString& message);

private:
    void endRun(const std::shared_ptr<keras::TrainingHistory>& history);

    SessionHost& m_host;
    Document& m_document;
    std::optional<keras::Model> m_model;
    std::optional<ModelGraph> m_trainedGraph; // the structure of a graph m_model was built from
    std::optional<TrainingData> m_data;
    std::shared_ptr<keras::TrainingHistory> m_history;
    std::optional<keras::Distribution> m_distribution;
    std::function<QString()> m_startingWeights;
    QString m_startedFrom;
    bool m_distributionSent = false; // the worker may hold one: clear it for a run without
    bool m_running = false;
    QString m_modelGone; // why the last run's model is no longer in the worker, if it is not
    std::vector<std::weak_ptr<const keras::TrainingHistory>> m_runs; // the runs trained here
    bool m_fitRunning = false;    // the worker runs the fit itself (not a command before it)
    bool m_stopRequested = false; // stop() before the fit ran: asked for as soon as it runs
};

} // namespace qk::app
