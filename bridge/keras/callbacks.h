#pragma once

// keras.callbacks as first-class objects, passed to fit() in FitOptions::callbacks.

#include "bridge/keras/kerasobject.h"

namespace qk::keras {

// A keras.callbacks constructor call; any callback class by name, or a typed one below.
class Callback : public KerasObject {
public:
    explicit Callback(const QString& className,
                      const std::vector<std::pair<QString, Argument>>& kwargs = {});
};

class EarlyStopping : public Callback {
public:
    EarlyStopping();
    EarlyStopping& monitor(const QString& value);
    EarlyStopping& minDelta(double value);
    EarlyStopping& patience(int value);
    EarlyStopping& mode(const QString& value);
    EarlyStopping& baseline(double value);
    EarlyStopping& restoreBestWeights(bool value);
    EarlyStopping& startFromEpoch(int value);
};

class ReduceLROnPlateau : public Callback {
public:
    ReduceLROnPlateau();
    ReduceLROnPlateau& monitor(const QString& value);
    ReduceLROnPlateau& factor(double value);
    ReduceLROnPlateau& patience(int value);
    ReduceLROnPlateau& mode(const QString& value);
    ReduceLROnPlateau& minDelta(double value);
    ReduceLROnPlateau& cooldown(int value);
    ReduceLROnPlateau& minLr(double value);
};

} // namespace qk::keras
