// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/worker/workerprocess.h"

namespace qk::app {

// The host, interpreter and Keras backend chosen in the settings dialog (empty: the defaults).
qk::WorkerOptions savedWorkerOptions();
void saveWorkerOptions(const qk::WorkerOptions& options);

} // namespace qk::app
