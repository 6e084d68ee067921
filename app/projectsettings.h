// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/keras/callbacks.h"
#include "bridge/keras/kerasobject.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>
#include <vector>

namespace qk::app {

// How the network is compiled: a loss and metrics by their Keras names, and an optimizer
// call (keras.optimizers.Adam(learning_rate=...)) with the arguments the user set.
struct CompileSettings {
    QString loss = QStringLiteral("categorical_crossentropy");
    keras::KerasObject optimizer{QStringLiteral("keras.optimizers"), QStringLiteral("Adam")};
    QStringList metrics = {QStringLiteral("accuracy")};

    friend bool operator==(const CompileSettings&, const CompileSettings&) = default;
};

// fit()'s arguments; those left unset are Keras' defaults.
struct TrainingSettings {
    int epochs = 100;
    std::optional<int> batchSize = {};
    double validationSplit = 0.0; // 0: none
    std::vector<keras::Callback> callbacks = {};

    friend bool operator==(const TrainingSettings&, const TrainingSettings&) = default;
};

// The columns that feed one input of a graph of several inputs: numeric features and text
// columns encoded one-hot, as DataSource names them for a model of one input.
struct InputColumns {
    int node = 0; // the graph's Input node
    QStringList features = {};
    QStringList encoded = {};

    bool isEmpty() const { return features.isEmpty() && encoded.isEmpty(); }
    friend bool operator==(const InputColumns&, const InputColumns&) = default;
};

// The label column of one output of a graph of several outputs.
struct OutputLabel {
    int node = 0; // the graph's output node
    QString label = {};

    friend bool operator==(const OutputLabel&, const OutputLabel&) = default;
};

// Where the training data comes from and how it becomes arrays.
struct DataSource {
    enum class Kind { Iris, Csv };
    Kind kind = Kind::Iris;
    QString csvPath = {};
    QStringList features = {}; // empty: every numeric column but the label
    QStringList encoded = {};  // text columns that are features too, one-hot
    QString label = QStringLiteral("species");
    bool oneHot = true; // one-hot targets; else class indices
    double testFraction = 0.2;
    std::uint64_t seed = 0;
    bool standardize = true;
    // For a graph of several inputs, each input's columns (features and encoded above are
    // then not used); an input without an entry has none chosen yet.
    QList<InputColumns> inputs = {};
    // For a graph of several outputs, each output's label (label above is then not used); an
    // output without an entry has none chosen yet.
    QList<OutputLabel> outputs = {};

    // The columns chosen for that input; null when none are.
    const InputColumns* columnsOf(int node) const {
        for (const InputColumns& columns : inputs) {
            if (columns.node == node)
                return columns.isEmpty() ? nullptr : &columns;
        }
        return nullptr;
    }

    // The label chosen for that output; empty when none is.
    QString labelOf(int node) const {
        for (const OutputLabel& output : outputs) {
            if (output.node == node)
                return output.label;
        }
        return {};
    }
    // The columns that are labels for a model with these outputs (the graph's output nodes;
    // none for a Sequential model): label, or each output's of a graph of several.
    QStringList labels(const std::vector<int>& outputNodes) const {
        if (outputNodes.size() < 2)
            return {label};
        QStringList out;
        for (int node : outputNodes) {
            if (const QString chosen = labelOf(node); !chosen.isEmpty() && !out.contains(chosen))
                out << chosen;
        }
        return out;
    }

    friend bool operator==(const DataSource&, const DataSource&) = default;
};

} // namespace qk::app
