// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/modelgraph.h"
#include "app/projectsettings.h"
#include "bridge/keras/model.h"

#include <QString>

namespace qk::app {

// What a script made from a graph does besides building the model.
struct GraphScriptOptions {
    std::optional<CompileSettings> compile; // compiles the model when set
    QString weightsFrom;                    // a .keras file whose weights the model loads
    QString saveTo;                         // a .keras file the model is saved to
};

// A standalone Python script (keras installed) that rebuilds the graph as a keras.Model
// named `model`, prints its summary and ends with one JSON line holding the parameter
// count. Throws std::invalid_argument when the graph cannot be a model (a cycle, an
// unconnected layer), naming the problem.
QString graphScript(const ModelGraph& graph, const GraphScriptOptions& options = {});

// The same steps as statements for the worker, with `model` as the variable that receives
// the model: build, load weights, save.
py::Program graphProgram(const ModelGraph& graph, const QString& model,
                         const GraphScriptOptions& options = {});

// The graph built in the session's worker, as a keras::Model that owns it (compile it with
// Model::compile). Throws std::invalid_argument when the graph cannot be a model; Keras' own
// errors come as the commands' failures.
keras::Model graphModel(Session& session, const ModelGraph& graph);

} // namespace qk::app
