#pragma once

#include "bridge/protocol/value.h"

#include <QFuture>
#include <QString>

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

// Trains the paper's iris model (4 -> Dense 16 -> sigmoid -> Dense 3 -> softmax, categorical
// cross-entropy, Adam, accuracy) in the session's worker with live per-epoch events. The
// future holds the last epoch's loss. bench/train_plain.py runs the same Keras code.
QFuture<Value> trainIris(Session& session, const IrisData& data, int epochs, int batchSize);

} // namespace qk::bench
