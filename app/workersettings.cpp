// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/workersettings.h"

#include "app/setting.h"

namespace qk::app {

namespace {
const Setting<QString> pythonSetting{"worker/python"};
const Setting<QString> backendSetting{"worker/backend"};
} // namespace

WorkerOptions savedWorkerOptions() {
    WorkerOptions options;
    options.python = pythonSetting.value();
    options.backend = backendSetting.value();
    return options;
}

void saveWorkerOptions(const WorkerOptions& options) {
    pythonSetting.setValue(options.python);
    backendSetting.setValue(options.backend);
}

} // namespace qk::app
