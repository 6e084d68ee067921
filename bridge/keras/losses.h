// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// keras.losses, keras.metrics and keras.activations as first-class objects.

#include "bridge/keras/kerasobject.h"

namespace qk::keras {

// Options every loss takes.
template <typename Self, typename Base>
class LossOptions : public Builder<Self, Base> {
public:
    using Builder<Self, Base>::Builder;
    Self& name(const QString& value) { return this->with("name", value); }
    Self& reduction(const QString& value) { return this->with("reduction", value); }
};

// A keras.losses constructor call; any loss class by name, or a typed one below.
class Loss : public LossOptions<Loss, KerasObject> {
public:
    explicit Loss(const QString& className, const Keywords& kwargs = {})
        : LossOptions(QStringLiteral("keras.losses"), className, kwargs) {}
};

// Losses over class probabilities or logits.
template <typename Self>
class CrossentropyLoss : public LossOptions<Self, Loss> {
public:
    using LossOptions<Self, Loss>::LossOptions;
    Self& fromLogits(bool value) { return this->with("from_logits", value); }
};

class CategoricalCrossentropy : public CrossentropyLoss<CategoricalCrossentropy> {
public:
    CategoricalCrossentropy()
        : CrossentropyLoss("CategoricalCrossentropy") {}
    CategoricalCrossentropy& labelSmoothing(double value) { return with("label_smoothing", value); }
};

class SparseCategoricalCrossentropy : public CrossentropyLoss<SparseCategoricalCrossentropy> {
public:
    SparseCategoricalCrossentropy()
        : CrossentropyLoss("SparseCategoricalCrossentropy") {}
    SparseCategoricalCrossentropy& ignoreClass(int value) { return with("ignore_class", value); }
};

class BinaryCrossentropy : public CrossentropyLoss<BinaryCrossentropy> {
public:
    BinaryCrossentropy()
        : CrossentropyLoss("BinaryCrossentropy") {}
    BinaryCrossentropy& labelSmoothing(double value) { return with("label_smoothing", value); }
};

class MeanSquaredError : public LossOptions<MeanSquaredError, Loss> {
public:
    MeanSquaredError()
        : LossOptions("MeanSquaredError") {}
};

class MeanAbsoluteError : public LossOptions<MeanAbsoluteError, Loss> {
public:
    MeanAbsoluteError()
        : LossOptions("MeanAbsoluteError") {}
};

class Huber : public LossOptions<Huber, Loss> {
public:
    Huber()
        : LossOptions("Huber") {}
    Huber& delta(double value) { return with("delta", value); }
};

// Options every metric takes.
template <typename Self, typename Base>
class MetricOptions : public Builder<Self, Base> {
public:
    using Builder<Self, Base>::Builder;
    Self& name(const QString& value) { return this->with("name", value); }
};

// A keras.metrics constructor call. Metrics may also be given by name ("accuracy").
class Metric : public MetricOptions<Metric, KerasObject> {
public:
    explicit Metric(const QString& className, const Keywords& kwargs = {})
        : MetricOptions(QStringLiteral("keras.metrics"), className, kwargs) {}
};

class CategoricalAccuracy : public MetricOptions<CategoricalAccuracy, Metric> {
public:
    CategoricalAccuracy()
        : MetricOptions("CategoricalAccuracy") {}
};

class SparseCategoricalAccuracy : public MetricOptions<SparseCategoricalAccuracy, Metric> {
public:
    SparseCategoricalAccuracy()
        : MetricOptions("SparseCategoricalAccuracy") {}
};

class BinaryAccuracy : public MetricOptions<BinaryAccuracy, Metric> {
public:
    BinaryAccuracy()
        : MetricOptions("BinaryAccuracy") {}
    BinaryAccuracy& threshold(double value) { return with("threshold", value); }
};

class TopKCategoricalAccuracy : public MetricOptions<TopKCategoricalAccuracy, Metric> {
public:
    TopKCategoricalAccuracy()
        : MetricOptions("TopKCategoricalAccuracy") {}
    TopKCategoricalAccuracy& k(int value) { return with("k", value); }
};

class AUC : public MetricOptions<AUC, Metric> {
public:
    AUC()
        : MetricOptions("AUC") {}
    AUC& curve(const QString& value) { return with("curve", value); }
    AUC& multiLabel(bool value) { return with("multi_label", value); }
};

class Precision : public MetricOptions<Precision, Metric> {
public:
    Precision()
        : MetricOptions("Precision") {}
};

class Recall : public MetricOptions<Recall, Metric> {
public:
    Recall()
        : MetricOptions("Recall") {}
};

// An activation function of keras.activations, as an argument: activation(relu()) renders
// keras.activations.relu. A name ("relu") works too, as in Keras.
Argument activationFunction(const QString& name);

} // namespace qk::keras
