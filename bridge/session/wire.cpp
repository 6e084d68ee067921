// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/session/wire.h"

namespace qk::wire {

namespace {

std::string lifetimeName(BindingLifetime lifetime) {
    return lifetime == BindingLifetime::Eternal ? "eternal" : "command";
}

std::string resultName(ResultMode mode) {
    switch (mode) {
    case ResultMode::Ref:
        return "ref";
    case ResultMode::None:
        return "none";
    case ResultMode::Value:
        break;
    }
    return "value";
}

} // namespace

bool hasBinary(const Command& command) {
    for (const auto& [name, value] : command.bindings) {
        if (protocol::hasBinary(value))
            return true;
    }
    return false;
}

protocol::Json command(const Command& command, protocol::Format format,
                       protocol::Payloads& payloads, const protocol::Stager* stager) {
    protocol::Json bindings = protocol::Json::object();
    for (const auto& [name, value] : command.bindings)
        bindings[name.toStdString()] =
            stager ? protocol::toWire(value, format, *stager, &payloads)
                   : protocol::toWire(value, format, protocol::kDefaultMaxDepth, &payloads);
    protocol::Json wire = protocol::Json::object();
    wire["id"] = command.id.toStdString();
    wire["code"] = command.code.toStdString();
    wire["bindings"] = std::move(bindings);
    wire["lifetime"] = lifetimeName(command.lifetime);
    wire["result"] = resultName(command.result);
    return wire;
}

QString text(const protocol::Json& object, const char* key) {
    auto it = object.find(key);
    if (it == object.end() || !it->is_string())
        return {};
    return QString::fromStdString(it->template get<std::string>());
}

double number(const protocol::Json& object, const char* key) {
    auto it = object.find(key);
    return it == object.end() || !it->is_number() ? 0.0 : it->template get<double>();
}

} // namespace qk::wire
