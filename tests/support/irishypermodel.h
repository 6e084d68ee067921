// SPDX-License-Identifier: GPL-3.0-or-later
// The search space the tuner's test and benchmark share: a small iris network whose width
// and the optimizer's learning rate are searched.
#pragma once

#include "bridge/keras/keras.h"

namespace qk::test {

inline keras::HyperModel irisHyperModel(int maxUnits) {
    namespace K = qk::keras;
    K::HyperModel model;
    model.layers = {K::InputLayer({4}),
                    K::Layer(QStringLiteral("Dense"),
                             {{QStringLiteral("units"),
                               K::HyperParameter::integer(QStringLiteral("units"), 4, maxUnits, 4)},
                              {QStringLiteral("activation"), QStringLiteral("relu")}}),
                    K::Layer(QStringLiteral("Dense"),
                             {{QStringLiteral("units"), 3},
                              {QStringLiteral("activation"), QStringLiteral("softmax")}})};
    model.optimizer =
        K::Optimizer(QStringLiteral("Adam"),
                     {{QStringLiteral("learning_rate"),
                       K::HyperParameter::real(QStringLiteral("lr"), 1e-3, 1e-1, true)}});
    model.metrics = {QStringLiteral("accuracy")};
    return model;
}

} // namespace qk::test
