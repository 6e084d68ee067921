// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// keras.optimizers as first-class objects. Only the parameters set here are generated.

#include "bridge/keras/kerasobject.h"

namespace qk::keras {

// A keras.optimizers constructor call; any optimizer class by name, or a typed one below.
class Optimizer : public KerasObject {
public:
    explicit Optimizer(const QString& className, const Keywords& kwargs = {})
        : KerasObject(QStringLiteral("keras.optimizers"), className, kwargs) {}
};

// Options every optimizer takes.
template <typename Self>
class OptimizerBuilder : public Builder<Self, Optimizer> {
public:
    using Builder<Self, Optimizer>::Builder;
    // A number, or a schedule of keras.optimizers.schedules (ExponentialDecay...).
    Self& learningRate(Argument value) { return this->with("learning_rate", std::move(value)); }
    Self& weightDecay(double value) { return this->with("weight_decay", value); }
    Self& clipnorm(double value) { return this->with("clipnorm", value); }
    Self& clipvalue(double value) { return this->with("clipvalue", value); }
    Self& globalClipnorm(double value) { return this->with("global_clipnorm", value); }
    Self& useEma(bool value) { return this->with("use_ema", value); }
    Self& name(const QString& value) { return this->with("name", value); }
};

class SGD : public OptimizerBuilder<SGD> {
public:
    SGD()
        : OptimizerBuilder("SGD") {}
    SGD& momentum(double value) { return with("momentum", value); }
    SGD& nesterov(bool value) { return with("nesterov", value); }
};

// Options shared by Adam and its variants.
template <typename Self>
class AdamLike : public OptimizerBuilder<Self> {
public:
    using OptimizerBuilder<Self>::OptimizerBuilder;
    Self& beta1(double value) { return this->with("beta_1", value); }
    Self& beta2(double value) { return this->with("beta_2", value); }
    Self& epsilon(double value) { return this->with("epsilon", value); }
};

class Adam : public AdamLike<Adam> {
public:
    Adam()
        : AdamLike("Adam") {}
    Adam& amsgrad(bool value) { return with("amsgrad", value); }
};

class AdamW : public AdamLike<AdamW> {
public:
    AdamW()
        : AdamLike("AdamW") {}
    AdamW& amsgrad(bool value) { return with("amsgrad", value); }
};

class Adamax : public AdamLike<Adamax> {
public:
    Adamax()
        : AdamLike("Adamax") {}
};

class Nadam : public AdamLike<Nadam> {
public:
    Nadam()
        : AdamLike("Nadam") {}
};

class RMSprop : public OptimizerBuilder<RMSprop> {
public:
    RMSprop()
        : OptimizerBuilder("RMSprop") {}
    RMSprop& rho(double value) { return with("rho", value); }
    RMSprop& momentum(double value) { return with("momentum", value); }
    RMSprop& epsilon(double value) { return with("epsilon", value); }
    RMSprop& centered(bool value) { return with("centered", value); }
};

class Adagrad : public OptimizerBuilder<Adagrad> {
public:
    Adagrad()
        : OptimizerBuilder("Adagrad") {}
    Adagrad& initialAccumulatorValue(double value) {
        return with("initial_accumulator_value", value);
    }
    Adagrad& epsilon(double value) { return with("epsilon", value); }
};

class Adadelta : public OptimizerBuilder<Adadelta> {
public:
    Adadelta()
        : OptimizerBuilder("Adadelta") {}
    Adadelta& rho(double value) { return with("rho", value); }
    Adadelta& epsilon(double value) { return with("epsilon", value); }
};

} // namespace qk::keras
