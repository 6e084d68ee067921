// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// How the Keras objects talk to the worker: plain Keras, and where the worker must do what
// Keras does not (name a failing layer, describe a model as data, report training
// progress, set up distribution), a few helpers of the qtkeras_worker package, imported
// under a short name: model_support as `qk`, another module as `qk_<module>`.
//
//     import keras
//     import qtkeras_worker.model_support as qk
//     with qk.building(model_k3x...): model_k3x....add(keras.layers.Dense(16))
//     qk.info(model_k3x...)

#include "bridge/codegen/python.h"
#include "bridge/session/command.h"

#include <optional>

namespace qk::keras::worker {

// <alias>.<function>(args..., kwargs...): a function of qtkeras_worker.<module>, which the
// command imports as `qk_<module>` (`qk` for model_support).
py::Expr call(const QString& module, const QString& function, std::vector<py::Expr> args = {},
              py::Keywords kwargs = {});

// qk.<function>(args..., kwargs...): a helper of qtkeras_worker.model_support. The helpers
// that stand for a Keras call are shown as that call (Expr::shownAs): fit and evaluate as
// model.fit(x, y, ...) and model.evaluate(x, y, ...), info and summary as model.summary(),
// shape as value.shape.
py::Expr support(const QString& function, std::vector<py::Expr> args = {},
                 py::Keywords kwargs = {});

// `with qk.building(model): body`: an error in the body names the layer it comes from, and a
// Sequential `model` that a failed add() changed is put back as it was. Shown as the body.
py::Statement building(std::vector<py::Statement> body, std::optional<py::Expr> model = {});

// A command running `program` after the imports it uses (`import keras`, and the helper
// modules under their short names), with its bindings. Its shown form (Command::shown) is
// the program's shown source after the imports it still needs.
Command command(const py::Program& program, std::vector<std::pair<QString, Value>> bindings = {});

// A fresh worker variable that says what it holds: `prefix`, '_' and the paper's 25 random
// characters (model_k3x..., x_train_..., dense_...). The prefix is made a lowercase ASCII
// identifier that cannot be taken for a helper module's name; an empty one becomes "v".
QString variable(const QString& prefix);

// Keras' snake_case of a class name, as it names layers: MultiHeadAttention ->
// multi_head_attention, Conv2D -> conv2d.
QString snakeCase(const QString& className);

} // namespace qk::keras::worker
