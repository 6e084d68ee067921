#pragma once

// keras.losses, keras.metrics and keras.activations as first-class objects.

#include "bridge/keras/kerasobject.h"

namespace qk::keras {

// A keras.losses constructor call; any loss class by name, or a typed one below.
class Loss : public KerasObject {
public:
    explicit Loss(const QString& className,
                  const std::vector<std::pair<QString, Argument>>& kwargs = {});
    Loss& name(const QString& value);
    Loss& reduction(const QString& value);
};

// Losses over class probabilities or logits.
class CategoricalCrossentropy : public Loss {
public:
    CategoricalCrossentropy();
    CategoricalCrossentropy& fromLogits(bool value);
    CategoricalCrossentropy& labelSmoothing(double value);
};

class SparseCategoricalCrossentropy : public Loss {
public:
    SparseCategoricalCrossentropy();
    SparseCategoricalCrossentropy& fromLogits(bool value);
};

class BinaryCrossentropy : public Loss {
public:
    BinaryCrossentropy();
    BinaryCrossentropy& fromLogits(bool value);
    BinaryCrossentropy& labelSmoothing(double value);
};

class MeanSquaredError : public Loss {
public:
    MeanSquaredError();
};

class MeanAbsoluteError : public Loss {
public:
    MeanAbsoluteError();
};

class Huber : public Loss {
public:
    Huber();
    Huber& delta(double value);
};

// A keras.metrics constructor call. Metrics may also be given by name ("accuracy").
class Metric : public KerasObject {
public:
    explicit Metric(const QString& className,
                    const std::vector<std::pair<QString, Argument>>& kwargs = {});
    Metric& name(const QString& value);
};

class CategoricalAccuracy : public Metric {
public:
    CategoricalAccuracy();
};

class SparseCategoricalAccuracy : public Metric {
public:
    SparseCategoricalAccuracy();
};

class BinaryAccuracy : public Metric {
public:
    BinaryAccuracy();
    BinaryAccuracy& threshold(double value);
};

class TopKCategoricalAccuracy : public Metric {
public:
    TopKCategoricalAccuracy();
    TopKCategoricalAccuracy& k(int value);
};

class AUC : public Metric {
public:
    AUC();
};

class Precision : public Metric {
public:
    Precision();
};

class Recall : public Metric {
public:
    Recall();
};

// An activation function of keras.activations, as an argument: activation(relu()) renders
// keras.activations.relu. A name ("relu") works too, as in Keras.
Argument activationFunction(const QString& name);

} // namespace qk::keras
