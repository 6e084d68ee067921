// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/keras/model.h"
#include "bridge/keras/sequential.h"
#include "bridge/protocol/value.h"

#include <QString>

#include <memory>

namespace qk {
class Session;
}

namespace qk::bench {

// The iris data set as a C++ user prepares it: standardized features (150 x 4, float32) and
// one-hot labels (150 x 3, float32), read from resources/data/iris.csv.
struct IrisData {
    NdArray x;
    NdArray y;
};

IrisData loadIris(const QString& csvPath);

// A fit() of the paper's iris model and the model it trains.
struct IrisRun {
    std::shared_ptr<keras::Sequential> model;
    keras::Training training;
};

// Trains the paper's iris model (4 -> Dense 16 -> sigmoid -> Dense 3 -> softmax, categorical
// cross-entropy, Adam, accuracy) with the qk::keras API, so that per-epoch events flow live.
// bench/train_plain.py runs the same model in plain Python.
IrisRun trainIris(Session& session, const IrisData& data, int epochs, int batchSize);

} // namespace qk::bench
