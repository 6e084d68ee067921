#include "bridge/keras/callbacks.h"

namespace qk::keras {

Callback::Callback(const QString& className,
                   const std::vector<std::pair<QString, Argument>>& kwargs)
    : KerasObject(QStringLiteral("keras.callbacks"), className) {
    for (const auto& [key, value] : kwargs)
        set(key, value);
}

EarlyStopping::EarlyStopping()
    : Callback(QStringLiteral("EarlyStopping")) {}

EarlyStopping& EarlyStopping::monitor(const QString& value) {
    set(QStringLiteral("monitor"), value);
    return *this;
}
EarlyStopping& EarlyStopping::minDelta(double value) {
    set(QStringLiteral("min_delta"), value);
    return *this;
}
EarlyStopping& EarlyStopping::patience(int value) {
    set(QStringLiteral("patience"), value);
    return *this;
}
EarlyStopping& EarlyStopping::mode(const QString& value) {
    set(QStringLiteral("mode"), value);
    return *this;
}
EarlyStopping& EarlyStopping::baseline(double value) {
    set(QStringLiteral("baseline"), value);
    return *this;
}
EarlyStopping& EarlyStopping::restoreBestWeights(bool value) {
    set(QStringLiteral("restore_best_weights"), value);
    return *this;
}
EarlyStopping& EarlyStopping::startFromEpoch(int value) {
    set(QStringLiteral("start_from_epoch"), value);
    return *this;
}

ReduceLROnPlateau::ReduceLROnPlateau()
    : Callback(QStringLiteral("ReduceLROnPlateau")) {}

ReduceLROnPlateau& ReduceLROnPlateau::monitor(const QString& value) {
    set(QStringLiteral("monitor"), value);
    return *this;
}
ReduceLROnPlateau& ReduceLROnPlateau::factor(double value) {
    set(QStringLiteral("factor"), value);
    return *this;
}
ReduceLROnPlateau& ReduceLROnPlateau::patience(int value) {
    set(QStringLiteral("patience"), value);
    return *this;
}
ReduceLROnPlateau& ReduceLROnPlateau::mode(const QString& value) {
    set(QStringLiteral("mode"), value);
    return *this;
}
ReduceLROnPlateau& ReduceLROnPlateau::minDelta(double value) {
    set(QStringLiteral("min_delta"), value);
    return *this;
}
ReduceLROnPlateau& ReduceLROnPlateau::cooldown(int value) {
    set(QStringLiteral("cooldown"), value);
    return *this;
}
ReduceLROnPlateau& ReduceLROnPlateau::minLr(double value) {
    set(QStringLiteral("min_lr"), value);
    return *this;
}

} // namespace qk::keras
