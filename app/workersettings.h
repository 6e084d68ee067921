// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/worker/workerprocess.h"

namespace qk::app {

// The host, interpreter and Keras backend chosen in the settings dialog (empty: the defaults),
// and the simulated CPU devices chosen in the distribution dialog.
qk::WorkerOptions savedWorkerOptions();
void saveWorkerOptions(const qk::WorkerOptions& options);

// The worker's simulated CPU devices (its --cpu-devices argument); 0: none.
int cpuDevices(const qk::WorkerOptions& options);
void setCpuDevices(qk::WorkerOptions& options, int devices);

} // namespace qk::app
