#pragma once

// How the Keras objects talk to the worker: plain Keras, and where the worker must do what
// Keras does not (name a failing layer, describe a model as data, report training
// progress), a few helpers of qtkeras_worker.model_support, imported as `qk`:
//
//     import keras
//     import qtkeras_worker.model_support as qk
//     with qk.building(model_k3x...): model_k3x....add(keras.layers.Dense(16))
//     qk.info(model_k3x...)

#include "bridge/codegen/python.h"
#include "bridge/session/command.h"

#include <optional>

namespace qk::keras::worker {

// qk.<function>(args..., kwargs...): a helper of qtkeras_worker.model_support.
py::Expr support(const QString& function, std::vector<py::Expr> args = {},
                 py::Keywords kwargs = {});

// `with qk.building(model): body`: an error in the body names the layer it comes from, and a
// Sequential `model` that a failed add() changed is put back as it was.
py::Statement building(std::vector<py::Statement> body, std::optional<py::Expr> model = {});

// A command running `program` after the imports it uses (`import keras`, and the helpers as
// `qk`), with its bindings.
Command command(py::Program program, std::vector<std::pair<QString, Value>> bindings = {});

// A fresh worker variable that says what it holds: `prefix`, '_' and the paper's 25 random
// characters (model_k3x..., x_train_..., dense_...). The prefix is made a lowercase ASCII
// identifier; an empty one becomes "v".
QString variable(const QString& prefix);

// Keras' snake_case of a class name, as it names layers: MultiHeadAttention ->
// multi_head_attention, Conv2D -> conv2d.
QString snakeCase(const QString& className);

} // namespace qk::keras::worker
