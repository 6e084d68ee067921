// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/keras/losses.h"

namespace qk::keras {

Argument activationFunction(const QString& name) {
    return Argument::expression(
        py::Expr::name(QStringLiteral("keras")).attr(QStringLiteral("activations")).attr(name));
}

} // namespace qk::keras
