// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// keras.optimizers.schedules: learning rates that change with the training step, passed to an
// optimizer's learningRate(): Adam().learningRate(ExponentialDecay(1e-3, 1000, 0.9)).

#include "bridge/keras/kerasobject.h"

namespace qk::keras {

// A keras.optimizers.schedules constructor call; any schedule by name, or a typed one below.
class LearningRateSchedule : public KerasObject {
public:
    explicit LearningRateSchedule(const QString& className, const Keywords& kwargs = {})
        : KerasObject(QStringLiteral("keras.optimizers.schedules"), className, kwargs) {}
};

// Options of the schedules that start from an initial rate over some decay steps.
template <typename Self>
class DecaySchedule : public Builder<Self, LearningRateSchedule> {
public:
    DecaySchedule(const char* className, double initialLearningRate, int decaySteps)
        : Builder<Self, LearningRateSchedule>(className) {
        this->addPositional(initialLearningRate);
        this->addPositional(decaySteps);
    }
    Self& name(const QString& value) { return this->with("name", value); }
};

// initial * decay_rate ** (step / decay_steps), in steps with staircase(true).
class ExponentialDecay : public DecaySchedule<ExponentialDecay> {
public:
    ExponentialDecay(double initialLearningRate, int decaySteps, double decayRate)
        : DecaySchedule("ExponentialDecay", initialLearningRate, decaySteps) {
        addPositional(decayRate);
    }
    ExponentialDecay& staircase(bool value) { return with("staircase", value); }
};

class InverseTimeDecay : public DecaySchedule<InverseTimeDecay> {
public:
    InverseTimeDecay(double initialLearningRate, int decaySteps, double decayRate)
        : DecaySchedule("InverseTimeDecay", initialLearningRate, decaySteps) {
        addPositional(decayRate);
    }
    InverseTimeDecay& staircase(bool value) { return with("staircase", value); }
};

class PolynomialDecay : public DecaySchedule<PolynomialDecay> {
public:
    PolynomialDecay(double initialLearningRate, int decaySteps)
        : DecaySchedule("PolynomialDecay", initialLearningRate, decaySteps) {}
    PolynomialDecay& endLearningRate(double value) { return with("end_learning_rate", value); }
    PolynomialDecay& power(double value) { return with("power", value); }
    PolynomialDecay& cycle(bool value) { return with("cycle", value); }
};

class CosineDecay : public DecaySchedule<CosineDecay> {
public:
    CosineDecay(double initialLearningRate, int decaySteps)
        : DecaySchedule("CosineDecay", initialLearningRate, decaySteps) {}
    CosineDecay& alpha(double value) { return with("alpha", value); }
    CosineDecay& warmupTarget(double value) { return with("warmup_target", value); }
    CosineDecay& warmupSteps(int value) { return with("warmup_steps", value); }
};

class CosineDecayRestarts : public DecaySchedule<CosineDecayRestarts> {
public:
    CosineDecayRestarts(double initialLearningRate, int firstDecaySteps)
        : DecaySchedule("CosineDecayRestarts", initialLearningRate, firstDecaySteps) {}
    CosineDecayRestarts& tMul(double value) { return with("t_mul", value); }
    CosineDecayRestarts& mMul(double value) { return with("m_mul", value); }
    CosineDecayRestarts& alpha(double value) { return with("alpha", value); }
};

// The rate values[i] up to boundaries[i] steps, values.back() after the last boundary.
class PiecewiseConstantDecay : public Builder<PiecewiseConstantDecay, LearningRateSchedule> {
public:
    PiecewiseConstantDecay(std::vector<int> boundaries, std::vector<double> values)
        : Builder("PiecewiseConstantDecay") {
        addPositional(Value(Value::List(boundaries.begin(), boundaries.end())));
        addPositional(Value(Value::List(values.begin(), values.end())));
    }
    PiecewiseConstantDecay& name(const QString& value) { return with("name", value); }
};

} // namespace qk::keras
