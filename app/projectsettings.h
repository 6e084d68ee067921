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

    // The columns chosen for that input; null when none are.
    const InputColumns* columnsOf(int node) const {
        for (const InputColumns& columns : inputs) {
            if (columns.node == node)
                return columns.isEmpty() ? nullptr : &columns;
        }
        return nullptr;
    }

    friend bool operator==(const DataSource&, const DataSource&) = default;
};

} // namespace qk::app
