// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/keras/kerasobject.h"
#include "bridge/protocol/value.h"

#include <QCoreApplication>
#include <QString>

#include <functional>
#include <optional>

namespace qk::app {

// Reads what a user types as a Python literal: ints, floats (1e-3, inf, nan), True, False,
// None, quoted strings, tuples "(3, 3)" and lists "[1, 2]", nested. A bare word that is not
// one of these (relu, same) is taken as a string. Returns nullopt with `error` set when the
// text is not a literal.
std::optional<Value> parsePythonLiteral(const QString& text, QString* error = nullptr);

// Reads a Keras object typed as its constructor call, as an argument that takes one (the
// layer a Bidirectional wraps, a kernel constraint): LSTM(64, return_sequences=True),
// keras.constraints.MaxNorm(3), with literals or such calls as arguments. A class named
// without its module is found with moduleOf (empty: unknown); only Keras' modules are
// called. Returns nullopt with `error` set otherwise.
std::optional<keras::KerasObject>
parseKerasCall(const QString& text, const std::function<QString(const QString&)>& moduleOf,
               QString* error = nullptr);
// Whether text is meant as such a call: a name, then an opening parenthesis.
bool looksLikeCall(const QString& text);
// The text of a Keras object as parseKerasCall reads it back.
QString kerasCallText(const keras::KerasObject& object);

// The Python source of a literal value, as it would be typed: (3, 3), 'relu', 0.001.
QString pythonLiteralText(const Value& value);

} // namespace qk::app
