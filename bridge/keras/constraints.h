// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// keras.constraints: what a layer's weights are held to after each update, passed to
// kernelConstraint() or biasConstraint(): Dense(64).kernelConstraint(MaxNorm(2)).

#include "bridge/keras/kerasobject.h"

namespace qk::keras {

// A keras.constraints constructor call (keras.constraints.Constraint; the C++ name keeps it
// apart from a parameter's documented range): any constraint by name, or a typed one below.
class WeightConstraint : public KerasObject {
public:
    explicit WeightConstraint(const QString& className, const Keywords& kwargs = {})
        : KerasObject(QStringLiteral("keras.constraints"), className, kwargs) {}
};

// Options of the norm constraints.
template <typename Self>
class NormConstraint : public Builder<Self, WeightConstraint> {
public:
    using Builder<Self, WeightConstraint>::Builder;
    Self& axis(int value) { return this->with("axis", value); }
};

class MaxNorm : public NormConstraint<MaxNorm> {
public:
    explicit MaxNorm(double maxValue)
        : NormConstraint("MaxNorm") {
        set("max_value", maxValue);
    }
};

class MinMaxNorm : public NormConstraint<MinMaxNorm> {
public:
    MinMaxNorm(double minValue, double maxValue)
        : NormConstraint("MinMaxNorm") {
        set("min_value", minValue);
        set("max_value", maxValue);
    }
    MinMaxNorm& rate(double value) { return with("rate", value); }
};

class UnitNorm : public NormConstraint<UnitNorm> {
public:
    UnitNorm()
        : NormConstraint("UnitNorm") {}
};

class NonNeg : public Builder<NonNeg, WeightConstraint> {
public:
    NonNeg()
        : Builder("NonNeg") {}
};

} // namespace qk::keras
