// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/protocol/value.h"

#include <QString>

#include <vector>

namespace qk::keras {

// One layer of a model as the worker reports it after each change.
struct LayerInfo {
    QString name;
    QString className;
    Value outputShape; // a list with None for open sizes, nested for several outputs; None
                       // while the layer is not built
    qint64 params = 0;
    qint64 trainableParams = 0;
    qint64 nonTrainableParams = 0;

    // The output shape as Keras prints it: "(None, 16)", "?" before the layer is built.
    QString outputShapeText() const;
};

// A model's structure: its layers and parameter totals, as structured data.
struct ModelInfo {
    QString name;
    QString className;
    bool built = false;
    Value inputShape;
    Value outputShape;
    std::vector<LayerInfo> layers;
    qint64 totalParams = 0;
    qint64 trainableParams = 0;
    qint64 nonTrainableParams = 0;

    // From the dict the worker's model_support.info() returns; throws std::out_of_range or
    // std::bad_variant_access when it is not one.
    static ModelInfo fromValue(const Value& value);
};

// A shape value as Python prints a tuple: (None, 28, 28, 1); several shapes in brackets.
QString shapeText(const Value& shape);

} // namespace qk::keras
