#include "bridge/keras/losses.h"

namespace qk::keras {

Loss::Loss(const QString& className, const std::vector<std::pair<QString, Argument>>& kwargs)
    : KerasObject(QStringLiteral("keras.losses"), className) {
    for (const auto& [key, value] : kwargs)
        set(key, value);
}

Loss& Loss::name(const QString& value) {
    set(QStringLiteral("name"), value);
    return *this;
}

Loss& Loss::reduction(const QString& value) {
    set(QStringLiteral("reduction"), value);
    return *this;
}

CategoricalCrossentropy::CategoricalCrossentropy()
    : Loss(QStringLiteral("CategoricalCrossentropy")) {}
CategoricalCrossentropy& CategoricalCrossentropy::fromLogits(bool value) {
    set(QStringLiteral("from_logits"), value);
    return *this;
}
CategoricalCrossentropy& CategoricalCrossentropy::labelSmoothing(double value) {
    set(QStringLiteral("label_smoothing"), value);
    return *this;
}

SparseCategoricalCrossentropy::SparseCategoricalCrossentropy()
    : Loss(QStringLiteral("SparseCategoricalCrossentropy")) {}
SparseCategoricalCrossentropy& SparseCategoricalCrossentropy::fromLogits(bool value) {
    set(QStringLiteral("from_logits"), value);
    return *this;
}

BinaryCrossentropy::BinaryCrossentropy()
    : Loss(QStringLiteral("BinaryCrossentropy")) {}
BinaryCrossentropy& BinaryCrossentropy::fromLogits(bool value) {
    set(QStringLiteral("from_logits"), value);
    return *this;
}
BinaryCrossentropy& BinaryCrossentropy::labelSmoothing(double value) {
    set(QStringLiteral("label_smoothing"), value);
    return *this;
}

MeanSquaredError::MeanSquaredError()
    : Loss(QStringLiteral("MeanSquaredError")) {}
MeanAbsoluteError::MeanAbsoluteError()
    : Loss(QStringLiteral("MeanAbsoluteError")) {}

Huber::Huber()
    : Loss(QStringLiteral("Huber")) {}
Huber& Huber::delta(double value) {
    set(QStringLiteral("delta"), value);
    return *this;
}

Metric::Metric(const QString& className, const std::vector<std::pair<QString, Argument>>& kwargs)
    : KerasObject(QStringLiteral("keras.metrics"), className) {
    for (const auto& [key, value] : kwargs)
        set(key, value);
}

Metric& Metric::name(const QString& value) {
    set(QStringLiteral("name"), value);
    return *this;
}

CategoricalAccuracy::CategoricalAccuracy()
    : Metric(QStringLiteral("CategoricalAccuracy")) {}
SparseCategoricalAccuracy::SparseCategoricalAccuracy()
    : Metric(QStringLiteral("SparseCategoricalAccuracy")) {}

BinaryAccuracy::BinaryAccuracy()
    : Metric(QStringLiteral("BinaryAccuracy")) {}
BinaryAccuracy& BinaryAccuracy::threshold(double value) {
    set(QStringLiteral("threshold"), value);
    return *this;
}

TopKCategoricalAccuracy::TopKCategoricalAccuracy()
    : Metric(QStringLiteral("TopKCategoricalAccuracy")) {}
TopKCategoricalAccuracy& TopKCategoricalAccuracy::k(int value) {
    set(QStringLiteral("k"), value);
    return *this;
}

AUC::AUC()
    : Metric(QStringLiteral("AUC")) {}
Precision::Precision()
    : Metric(QStringLiteral("Precision")) {}
Recall::Recall()
    : Metric(QStringLiteral("Recall")) {}

Argument activationFunction(const QString& name) {
    return Argument::expression(
        py::Expr::name(QStringLiteral("keras")).attr(QStringLiteral("activations")).attr(name));
}

} // namespace qk::keras
