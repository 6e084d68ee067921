// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/keras/layer.h"
#include "bridge/keras/model.h"

#include <QPointer>

#include <mutex>

namespace qk::keras {

// What a model is made of: its worker variable, how it was built, compiled and last trained.
struct Model::State {
    enum class Kind { Sequential, Functional, Application, Loaded };

    QPointer<Session> session;
    QString variable;
    Kind kind = Kind::Sequential;
    QString name; // the name given to Keras, empty for its default
    QFuture<ModelInfo> created;
    std::optional<Tensors> inputs, outputs; // Functional
    std::optional<Application> application; // Application
    // Loaded: how the model is built, as qtkeras_worker.blueprint.read() answered once the
    // model was loaded ({"blueprint": ..., "error": None or why it cannot be rebuilt}).
    std::optional<Value> blueprint;
    bool fromFile = false; // Loaded by Model::load() rather than adopted
    // The parts that the kind says are set; a kind without them is a defect (std::logic_error).
    const Tensors& functionalInputs() const;
    const Tensors& functionalOutputs() const;
    const Application& builtApplication() const;

    struct Compiled {
        Argument loss;
        Argument optimizer;
        std::vector<Argument> metrics;
        // compile()'s keyword arguments: loss=..., optimizer=..., metrics=[...] when given.
        py::Keywords keywords() const;
    };
    struct Fitted {
        Value x, y;
        FitOptions options;
    };

    mutable std::mutex mutex; // guards what follows, updated when commands succeed
    std::vector<Layer> layers;
    std::optional<bool> trainable; // set by setTrainable()
    std::optional<Compiled> compiled;
    std::optional<Fitted> fitted;
    QString weightsFrom; // the file of the last loadWeights()

    ~State();
};

// fit()'s keyword arguments: only those set; validation data as the given expressions.
py::Keywords fitKeywords(const FitOptions& options, const std::optional<py::Expr>& validation);

} // namespace qk::keras
