// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/codegen/statement.h"
#include "bridge/keras/applications.h"
#include "bridge/keras/callbacks.h"
#include "bridge/keras/evaluation.h"
#include "bridge/keras/kerasobject.h"
#include "bridge/keras/modelinfo.h"
#include "bridge/keras/tensor.h"
#include "bridge/keras/traininghistory.h"
#include "bridge/protocol/value.h"

#include <QFuture>
#include <QMap>

#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace qk {
class Session;
}

namespace qk::keras {

// fit()'s arguments; only those set are passed on to Keras.
struct FitOptions {
    std::optional<int> epochs = {};
    std::optional<int> batchSize = {};
    std::optional<double> validationSplit = {};
    std::optional<std::pair<Value, Value>> validationData = {}; // (x, y)
    std::optional<bool> shuffle = {};
    std::optional<int> initialEpoch = {};
    std::optional<int> stepsPerEpoch = {};
    std::vector<Callback> callbacks = {};
    // A directory that receives the model's and optimizer's variables after every epoch
    // (written by process 0 of a job); with resume, training starts from the checkpoint
    // there, at the epoch after the last one it holds.
    std::optional<QString> checkpoint = {};
    bool resume = false;
};

struct EvaluateOptions {
    std::optional<int> batchSize = {};
};

struct PredictOptions {
    std::optional<int> batchSize = {};
};

// One run of fit(): the history that grows while it runs, and the future of its end.
class Training {
public:
    Training(std::shared_ptr<TrainingHistory> history,
             QFuture<std::shared_ptr<TrainingHistory>> future, Session* session);

    // The live history (its signals are emitted on the session's thread).
    const std::shared_ptr<TrainingHistory>& history() const { return m_history; }
    // Settles when fit() ends, after the history holds Keras' own History.history; fails
    // with the CommandError of a failed or interrupted fit().
    const QFuture<std::shared_ptr<TrainingHistory>>& future() const { return m_future; }
    bool isFinished() const { return m_future.isFinished(); }
    // Waits for the end and returns the finished history; throws the CommandError.
    std::shared_ptr<TrainingHistory> result() const;

    // Finishes the current batch and ends fit(), keeping the weights.
    void stop() const;
    // Raises KeyboardInterrupt in fit(): the hard stop.
    void interrupt() const;

private:
    std::shared_ptr<TrainingHistory> m_history;
    QFuture<std::shared_ptr<TrainingHistory>> m_future;
    Session* m_session;
};

// What an exported script trains for, and with which data.
struct ExportOptions {
    std::optional<int> epochs = {}; // overrides the epochs of the last fit()
    // A weights file (saveWeights()) that the script loads after building the model, as the
    // script's own path sees it; none: the file of the last loadWeights(), if any, or else
    // fresh weights.
    QString weights = {};
    // Held-out data (x, y), embedded too: the script scores the trained model on it with
    // model.evaluate() and prints the scores under "test".
    std::optional<std::pair<Value, Value>> testData = {};
};

// A Keras model in a worker variable (model_ and 25 random characters), with what it was
// made of, so that it can be exported as a standalone script. Copies share the model; the
// variable is deleted when the last copy goes. Every method queues a command and returns at
// once; commands run in order, so add(), compile() and fit() may be chained without waiting.
// A model is also a block of a larger one: model(x) calls it on tensors, as a layer (its
// layers and weights are shared with the larger model), and model.call({x}, {{"training",
// false}}) passes keyword arguments.
class Model : public Callable<Model> {
public:
    // keras.Model(inputs, outputs): a functional model. Inputs and outputs are a tensor, a
    // list, or a dict of named tensors ({{"title", title}, {"body", body}}), whose names
    // then key the data of fit() and the losses of compile().
    Model(const Tensors& inputs, const Tensors& outputs, const QString& name = {});
    // A keras.applications model of its own: Model(session, ResNet50().weights(nullptr)).
    Model(Session& session, const Application& application);
    // keras.saving.load_model(path), read as layers and calls for exportScript() too.
    static Model load(Session& session, const QString& path);
    // The model the worker holds in `variable`, made by commands sent before (they run first),
    // read as load() reads one. The Model owns the variable from then on.
    static Model adopt(Session& session, const QString& variable);
    virtual ~Model();

    Session& session() const;
    const QString& variable() const;

    // The model's structure when it was made (a load, or a functional model; for a
    // Sequential model, when it was created empty).
    QFuture<ModelInfo> created() const;
    // The model's structure now.
    QFuture<ModelInfo> info() const;
    // The name given to Keras (empty for Keras' default).
    QString name() const;

    // model.trainable = trainable: freezes every layer (false), as keras.io's transfer learning
    // does with a pre-trained block before compile(), or unfreezes them; answers with the
    // model's structure, its parameters counted as trainable or not.
    QFuture<ModelInfo> setTrainable(bool trainable);
    // Keras' summary text.
    QFuture<QString> summary() const;

    // model.compile(loss=..., optimizer=..., metrics=[...]); a loss, optimizer or metric is a
    // typed object or its Keras name ("categorical_crossentropy", "adam", "accuracy"). For a
    // model of several outputs, a loss may be a dict by output name (a Value::Dict).
    QFuture<Value> compile(Argument loss, Argument optimizer, std::vector<Argument> metrics = {});
    // model.fit(): x and y are arrays (or references to worker values), or lists or dicts of
    // arrays for a model of several inputs or outputs.
    Training fit(const Value& x, const Value& y, const FitOptions& options = {});
    QFuture<Scores> evaluate(const Value& x, const Value& y, const EvaluateOptions& options = {});
    // evaluate() and predict() in one command, for a person to check the model: the scores,
    // what the model does (classification, regression), a classifier's confusion matrix and
    // a sample of the predictions (at most options.predictionRows, so that the answer stays
    // small). Fails with the CommandError of evaluate(), or when y's labels are not classes
    // of the model.
    QFuture<Evaluation> evaluateDetailed(const Value& x, const Value& y,
                                         const EvaluationOptions& options = {});
    QFuture<NdArray> predict(const Value& x, const PredictOptions& options = {});
    // model.predict() for a model of several outputs: a list or dict of arrays, as Keras
    // gives them (predict() fails for such a model: its result is not one array).
    QFuture<Value> predictOutputs(const Value& x, const PredictOptions& options = {});
    // model.save(path), a .keras file.
    QFuture<Value> save(const QString& path) const;
    // model.save_weights(path), a .weights.h5 file (what ExportOptions::weights loads).
    QFuture<Value> saveWeights(const QString& path) const;
    // model.load_weights(path): a .weights.h5 file, or a .keras file of a model made of the
    // same layers. Once it succeeded, exportScript() loads the same file after building.
    QFuture<Value> loadWeights(const QString& path);

    // A standalone Python script that builds, compiles and trains the same model with plain
    // `python` (numpy and keras installed), with readable names (model, x_train, y_train, ...).
    // The training data of the last fit() is embedded as numpy arrays, so the script needs no
    // other file; it ends by printing one JSON line with the parameter count and the final
    // metrics (and, given test data, the test scores). Models used as blocks are built in the
    // script too. A loaded model is written layer by layer and call by call as the worker read it
    // at load(), so its script is there once created() has settled. Throws std::logic_error for a
    // loaded model before that, or one plain Keras cannot rebuild (a subclassed model, a custom or
    // Lambda layer: the message names it), or training data that is not an array (or a list or dict
    // of arrays).
    QString exportScript(const ExportOptions& options = {}) const;

    struct State;

protected:
    explicit Model(std::shared_ptr<State> state);
    std::shared_ptr<State> m_state;

private:
    static Model read(Session& session, const QString& variable, std::optional<py::Statement> make);

    friend class ModelScript; // writes the models of exportScript(), blocks included
};

} // namespace qk::keras
