#pragma once

// How the Keras objects talk to the worker: calls into qtkeras_worker.model_support, reached
// through __import__ so that the user's scope gets no helper names.

#include "bridge/codegen/python.h"
#include "bridge/session/command.h"

namespace qk::keras::worker {

// qtkeras_worker.<module>.<function>(args..., kwargs...) as an expression.
py::Expr call(const QString& module, const QString& function, std::vector<py::Expr> args = {},
              py::Keywords kwargs = {});

// qtkeras_worker.model_support.<function>(args..., kwargs...) as an expression.
py::Expr support(const QString& function, std::vector<py::Expr> args = {},
                 py::Keywords kwargs = {});

// A command running `program` after `import keras`, with its bindings.
Command command(py::Program program, std::vector<std::pair<QString, Value>> bindings = {});

} // namespace qk::keras::worker
