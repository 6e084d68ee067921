// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/worker/workerhandle.h"

#include <nlohmann/json.hpp>

namespace qk {

std::optional<WorkerInfo> parseReadyLine(const QByteArray& line) {
    const nlohmann::json j =
        nlohmann::json::parse(line.constBegin(), line.constEnd(), nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.value("ready", false) || !j.contains("port") ||
        !j["port"].is_number_unsigned() || j["port"].get<quint64>() > 65535)
        return std::nullopt;
    auto text = [&j](const char* key) {
        return j.contains(key) && j[key].is_string()
                   ? QString::fromStdString(j[key].get<std::string>())
                   : QString();
    };
    WorkerInfo info;
    info.port = j["port"].get<quint16>();
    info.hostPort = info.port;
    info.pid = j.contains("pid") && j["pid"].is_number_integer() ? j["pid"].get<qint64>() : 0;
    info.python = text("python");
    info.keras = text("keras");
    info.backend = text("backend");
    info.run = text("run");
    return info;
}

} // namespace qk
