// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/keras/layer.h"
#include "bridge/keras/model.h"

namespace qk::keras {

// keras.Sequential: layers added one by one. Each add() creates the layer in the worker and
// answers with the model's structure; a layer that cannot be made or does not fit fails the
// future with a CommandError naming it, and the model stays as it was.
class Sequential : public Model {
public:
    explicit Sequential(Session& session, const QString& name = {});

    QFuture<ModelInfo> add(const Layer& layer);
    // Removes the last layer.
    QFuture<ModelInfo> pop();
    // The layers added so far (those whose add() succeeded).
    std::vector<Layer> layers() const;
};

} // namespace qk::keras
