// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/codegen/program.h"
#include "bridge/keras/kerasobject.h"
#include "bridge/keras/layer.h"
#include "bridge/keras/model.h"
#include "bridge/keras/traininghistory.h"
#include "bridge/protocol/value.h"
#include "bridge/session/session.h"

#include <QFuture>
#include <QObject>
#include <QPromise>

#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace qk::keras {

// A range an argument is searched over (KerasTuner's hp.Int, hp.Float with an optional log
// scale, hp.Choice). As an Argument it stands in for a layer's or optimizer's argument:
// Dense(HyperParameter::integer("units", 8, 64, 8)).
class HyperParameter {
public:
    enum class Kind { Int, Float, Choice };

    static HyperParameter integer(QString name, qint64 min, qint64 max, qint64 step = 1);
    static HyperParameter real(QString name, double min, double max, bool log = false);
    static HyperParameter choice(QString name, std::vector<Value> values);

    Kind kind() const { return m_kind; }
    const QString& name() const { return m_name; }
    double min() const { return m_min; }
    double max() const { return m_max; }
    double step() const { return m_step; }
    bool log() const { return m_log; }
    const std::vector<Value>& values() const { return m_values; }

    operator Argument() const; // NOLINT(google-explicit-constructor): stands for an argument

private:
    Kind m_kind = Kind::Int;
    QString m_name;
    double m_min = 0;
    double m_max = 0;
    double m_step = 0;
    bool m_log = false;
    std::vector<Value> m_values;
};

// The model a search builds for each trial: a Sequential model of `layers`, or, when `graph`
// has statements, the functional model they leave in `model` (the IDE's ModelGraph::buildCode
// writes them; they name Keras as `keras`); compiled with this loss, optimizer and metrics.
// Any argument of a layer, of a `keras` call in `graph` or of the optimizer may be a
// HyperParameter. Layers, the optimizer and metric objects are made anew for every trial.
struct HyperModel {
    std::vector<Layer> layers;
    py::Program graph;
    Argument loss = QStringLiteral("categorical_crossentropy");
    Argument optimizer = QStringLiteral("adam");
    std::vector<Argument> metrics;
};

struct SearchOptions {
    enum class Tuner { Random, Bayesian, Hyperband };
    Tuner tuner = Tuner::Random;
    // A metric of fit()'s logs; direction "min" or "max", empty for KerasTuner's guess
    // (accuracy up, loss down).
    QString objective = QStringLiteral("val_loss");
    QString direction;
    int maxTrials = 10;
    int executionsPerTrial = 1;
    // Worker processes that run trials side by side, each with a session of its own.
    int parallelTrials = 1;
    // Hyperband: the most epochs a trial trains, and the reduction factor between rounds.
    int maxEpochs = 10;
    int factor = 3;
    std::optional<int> seed;
    // Each trial's fit(): epochs (Hyperband sets its own), batch size, validation split.
    FitOptions fit;
    // How the trial workers are started (as the session's own worker is).
    SessionOptions session;
};

// One trial: its hyper-parameter values, its training (epochs stream into its history while
// it runs) and how it ended.
struct Trial {
    enum class Status { Running, Completed, Failed, Lost, Stopped };
    QString id;     // KerasTuner's trial id ("0", "1", ...)
    int worker = 0; // the trial process that ran it
    std::vector<std::pair<QString, Value>> values;
    Status status = Status::Running;
    std::optional<double> score; // the objective's best value, once completed
    QString reason;              // why it failed or was lost
    std::shared_ptr<TrainingHistory> history;

    int number() const { return id.toInt() + 1; }
    // The values of the searched hyper-parameters ("units=32 lr=0.003"), without
    // KerasTuner's own (tuner/epochs, ...).
    QString label() const;
    // "trial 3 · units=32 lr=0.003"
    QString title() const;
    static QString statusName(Status status);
};

struct SearchResult {
    QString objective;
    QString direction;         // "min" or "max"
    std::vector<Trial> trials; // best first; those without a score after them
    std::optional<Trial> best; // the trial with the best score
    QString error;             // why the search ended early (the oracle gave up), if it did
};

// A KerasTuner search (random search, Bayesian optimisation, Hyperband) over a HyperModel.
// The chief session's worker holds the tuner and its oracle; options.parallelTrials worker
// processes, started like the chief's own worker, each run one trial at a time as a command
// whose epochs stream into the trial's TrainingHistory. A trial whose worker dies ends as
// lost with the reason; the worker is restarted and the search goes on.
//
// Lives on the thread that creates it and uses its event loop: wait for the result with
// QFutureWatcher, a signal spy or QTRY_*, not with result() on that thread.
class Search : public QObject {
    Q_OBJECT
public:
    Search(Session& chief, HyperModel model, Value x, Value y, SearchOptions options = {},
           QObject* parent = nullptr);
    ~Search() override; // stops the trial workers

    // Starts the trial workers and the tuner; settles when every trial has ended. Once only:
    // later calls return the same future.
    QFuture<SearchResult> start();
    QFuture<SearchResult> future() const { return m_promise->future(); }
    const std::vector<Trial>& trials() const { return m_trials; }
    const SearchOptions& options() const { return m_options; }
    int workerCount() const { return static_cast<int>(m_workers.size()); }
    Session& workerSession(int worker) const;
    // Starts no further trial; running ones stop after their batch and are scored as they are.
    void stop();
    // Ends the search at once, failed with `reason`: the trial workers are stopped and the chief
    // is not used again (call it before the chief session goes away).
    void abandon(const QString& reason) { fail(reason); }
    bool isFinished() const { return m_finished; }
    // The objective's direction ("min" or "max") once the tuner has started; empty before.
    const QString& direction() const { return m_direction; }

Q_SIGNALS:
    void trialStarted(const qk::keras::Trial& trial);
    void trialEnded(const qk::keras::Trial& trial);
    void finished();

private:
    struct Slot;
    void requestTrial(int worker);
    void runTrial(int worker, const Value& trial);
    void endTrial(int worker, std::size_t index, Value result);
    void wakeIdle();
    void maybeFinish();
    void fail(const QString& reason);
    Trial* trialById(const QString& id);
    py::Expr hyperModelExpr() const;

    Session& m_chief;
    HyperModel m_model;
    Value m_x;
    Value m_y;
    SearchOptions m_options;
    QString m_variable; // the chief's search object
    Value m_settings;   // what a trial worker rebuilds the tuner from
    QString m_objective;
    QString m_direction;
    QString m_error;
    std::vector<std::unique_ptr<Slot>> m_workers;
    std::vector<Trial> m_trials;
    std::shared_ptr<QPromise<SearchResult>> m_promise;
    bool m_launched = false; // start() was called
    bool m_started = false;  // the chief has the tuner
    bool m_stopping = false;
    bool m_finished = false;
};

} // namespace qk::keras

Q_DECLARE_METATYPE(qk::keras::Trial)
