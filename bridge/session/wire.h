// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/protocol/codec.h"
#include "bridge/session/command.h"

#include <QString>

// The session's messages in the protocol's form (docs/PROTOCOL.md).
namespace qk::wire {

// Whether a command's bindings hold binary data (then it travels as MessagePack).
bool hasBinary(const Command& command);
// A command as the worker takes it; large payloads go to `payloads` (see protocol::toWire),
// or to `stager` from its size on, for the worker to pull.
protocol::Json command(const Command& command, protocol::Format format,
                       protocol::Payloads& payloads, const protocol::Stager* stager = nullptr);
// The string at `key` of an object, or an empty string.
QString text(const protocol::Json& object, const char* key);
// The number at `key` of an object, or 0.
double number(const protocol::Json& object, const char* key);

} // namespace qk::wire
