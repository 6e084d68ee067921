// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/workersettings.h"

#include "app/setting.h"

namespace qk::app {

namespace {
const Setting<QString> pythonSetting{"worker/python"};
const Setting<QString> backendSetting{"worker/backend"};
const Setting<int> cpuDevicesSetting{"worker/cpuDevices", 0};
const QString cpuDevicesFlag = QStringLiteral("--cpu-devices");
const Setting<QString> remoteSetting{"worker/remote"};
} // namespace

WorkerOptions savedWorkerOptions() {
    WorkerOptions options;
    options.python = pythonSetting.value();
    options.backend = backendSetting.value();
    options.remote = remoteSetting.value();
    setCpuDevices(options, cpuDevicesSetting.value());
    return options;
}

void saveWorkerOptions(const WorkerOptions& options) {
    pythonSetting.setValue(options.python);
    backendSetting.setValue(options.backend);
    remoteSetting.setValue(options.remote);
    cpuDevicesSetting.setValue(cpuDevices(options));
}

int cpuDevices(const WorkerOptions& options) {
    const qsizetype at = options.extraArguments.indexOf(cpuDevicesFlag);
    return at >= 0 && at + 1 < options.extraArguments.size()
               ? options.extraArguments.at(at + 1).toInt()
               : 0;
}

void setCpuDevices(WorkerOptions& options, int devices) {
    const qsizetype at = options.extraArguments.indexOf(cpuDevicesFlag);
    if (at >= 0)
        options.extraArguments.remove(at,
                                      std::min<qsizetype>(2, options.extraArguments.size() - at));
    if (devices > 0)
        options.extraArguments << cpuDevicesFlag << QString::number(devices);
}

} // namespace qk::app
