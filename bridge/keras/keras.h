// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// First-class Keras in C++: models, layers, applications, keras.ops, optimizers and their
// learning-rate schedules, losses, metrics, constraints, callbacks and the training history.

#include "bridge/keras/applications.h"    // IWYU pragma: export
#include "bridge/keras/callbacks.h"       // IWYU pragma: export
#include "bridge/keras/constraints.h"     // IWYU pragma: export
#include "bridge/keras/kerasobject.h"     // IWYU pragma: export
#include "bridge/keras/layer.h"           // IWYU pragma: export
#include "bridge/keras/layers.h"          // IWYU pragma: export
#include "bridge/keras/losses.h"          // IWYU pragma: export
#include "bridge/keras/model.h"           // IWYU pragma: export
#include "bridge/keras/modelinfo.h"       // IWYU pragma: export
#include "bridge/keras/ops.h"             // IWYU pragma: export
#include "bridge/keras/optimizers.h"      // IWYU pragma: export
#include "bridge/keras/schedules.h"       // IWYU pragma: export
#include "bridge/keras/search.h"          // IWYU pragma: export
#include "bridge/keras/sequential.h"      // IWYU pragma: export
#include "bridge/keras/tensor.h"          // IWYU pragma: export
#include "bridge/keras/traininghistory.h" // IWYU pragma: export
