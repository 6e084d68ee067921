// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/protocol/value.h"

#include <QCoreApplication>
#include <QString>

#include <optional>

namespace qk::app {

// Reads what a user types as a Python literal: ints, floats (1e-3, inf, nan), True, False,
// None, quoted strings, tuples "(3, 3)" and lists "[1, 2]", nested. A bare word that is not
// one of these (relu, same) is taken as a string. Returns nullopt with `error` set when the
// text is not a literal.
std::optional<Value> parsePythonLiteral(const QString& text, QString* error = nullptr);

// The Python source of a literal value, as it would be typed: (3, 3), 'relu', 0.001.
QString pythonLiteralText(const Value& value);

} // namespace qk::app
