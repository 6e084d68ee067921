// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/workersettings.h"

#include "app/setting.h"

namespace qk::app {

namespace {
const Setting<QString> pythonSetting{"worker/python"};
const Setting<QString> backendSetting{"worker/backend"};
const Setting<QString> remoteSetting{"worker/remote"};
} // namespace

WorkerOptions savedWorkerOptions() {
    WorkerOptions options;
    options.python = pythonSetting.value();
    options.backend = backendSetting.value();
    options.remote = remoteSetting.value();
    return options;
}

void saveWorkerOptions(const WorkerOptions& options) {
    pythonSetting.setValue(options.python);
    backendSetting.setValue(options.backend);
    remoteSetting.setValue(options.remote);
}

} // namespace qk::app
