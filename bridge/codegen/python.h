// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The Python source DSL: expressions, statements and programs that render to valid Python.
//
//     using namespace qk::py;
//     Program code{Statement::importModule("keras"),
//                  Statement::assign(Expr::name("layer"),
//                                    Expr::name("keras").attr("layers").attr("Dense").call(
//                                        {16}, {{"activation", "relu"}})),
//                  Expr::name("layer").attr("units")};
//     code.source(); // import keras
//                    // layer = keras.layers.Dense(16, activation='relu')
//                    // layer.units

#include "bridge/codegen/expr.h"       // IWYU pragma: export
#include "bridge/codegen/identifier.h" // IWYU pragma: export
#include "bridge/codegen/program.h"    // IWYU pragma: export
#include "bridge/codegen/statement.h"  // IWYU pragma: export
