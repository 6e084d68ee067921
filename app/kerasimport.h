// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/modelgraph.h"
#include "app/projectsettings.h"
#include "bridge/keras/layer.h"

#include <QFuture>
#include <QString>
#include <QStringList>

#include <optional>
#include <stdexcept>
#include <vector>

namespace qk {
class Session;
class Value;
} // namespace qk

namespace qk::app {

// A saved .keras model in the builder's terms: a Sequential chain as its layers, any other
// functional model as its graph (each layer keeping its name, so that the file's weights
// can be loaded into the rebuilt model), with the arguments that differ from Keras'
// defaults, and its compile settings when it was compiled. The weights stay in the file.
struct ImportedModel {
    QString name;
    QString className; // Sequential or Functional
    std::vector<keras::Layer> layers;
    std::optional<ModelGraph> graph; // when the model is not one chain
    std::optional<CompileSettings> compile;
    qint64 totalParams = 0;
    QStringList notes; // what was not taken over

    // From the dict the worker's model_import.describe() returns; throws std::out_of_range or
    // std::bad_variant_access when it is not one.
    static ImportedModel fromValue(const Value& value);
    // From the dict the worker's graph.read() returns; a chain becomes `layers`.
    static ImportedModel fromGraphValue(const Value& value);
};

// A model that cannot be imported: not a .keras file, a subclassed model, or layers that are
// not Keras' own.
class ImportError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Reads a .keras file's model in the worker (its config, in safe mode; no weights). The future
// fails with ImportError, saying why, when the file is refused; that is an answer, not a
// failed command, so the worker's queue goes on.
QFuture<ImportedModel> importKerasModel(Session& session, const QString& path);

} // namespace qk::app
