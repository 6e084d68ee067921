// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// keras.callbacks as first-class objects, passed to fit() in FitOptions::callbacks.

#include "bridge/keras/kerasobject.h"

namespace qk::keras {

// A keras.callbacks constructor call; any callback class by name, or a typed one below.
class Callback : public KerasObject {
public:
    explicit Callback(const QString& className, const Keywords& kwargs = {})
        : KerasObject(QStringLiteral("keras.callbacks"), className, kwargs) {}
};

// Options of the callbacks that watch a metric.
template <typename Self>
class MonitorCallback : public Builder<Self, Callback> {
public:
    using Builder<Self, Callback>::Builder;
    Self& monitor(const QString& value) { return this->with("monitor", value); }
    Self& mode(const QString& value) { return this->with("mode", value); }
    Self& minDelta(double value) { return this->with("min_delta", value); }
    Self& patience(int value) { return this->with("patience", value); }
};

class EarlyStopping : public MonitorCallback<EarlyStopping> {
public:
    EarlyStopping()
        : MonitorCallback("EarlyStopping") {}
    EarlyStopping& baseline(double value) { return with("baseline", value); }
    EarlyStopping& restoreBestWeights(bool value) { return with("restore_best_weights", value); }
    EarlyStopping& startFromEpoch(int value) { return with("start_from_epoch", value); }
};

class ReduceLROnPlateau : public MonitorCallback<ReduceLROnPlateau> {
public:
    ReduceLROnPlateau()
        : MonitorCallback("ReduceLROnPlateau") {}
    ReduceLROnPlateau& factor(double value) { return with("factor", value); }
    ReduceLROnPlateau& cooldown(int value) { return with("cooldown", value); }
    ReduceLROnPlateau& minLr(double value) { return with("min_lr", value); }
};

// Saves the model (or its weights) to `filepath` after epochs, the best one only if asked.
class ModelCheckpoint : public Builder<ModelCheckpoint, Callback> {
public:
    explicit ModelCheckpoint(const QString& filepath)
        : Builder("ModelCheckpoint") {
        addPositional(filepath);
    }
    ModelCheckpoint& monitor(const QString& value) { return with("monitor", value); }
    ModelCheckpoint& mode(const QString& value) { return with("mode", value); }
    ModelCheckpoint& saveBestOnly(bool value) { return with("save_best_only", value); }
    ModelCheckpoint& saveWeightsOnly(bool value) { return with("save_weights_only", value); }
};

// Appends each epoch's metrics to a CSV file.
class CSVLogger : public Builder<CSVLogger, Callback> {
public:
    explicit CSVLogger(const QString& filename)
        : Builder("CSVLogger") {
        addPositional(filename);
    }
    CSVLogger& separator(const QString& value) { return with("separator", value); }
    CSVLogger& append(bool value) { return with("append", value); }
};

class TerminateOnNaN : public Builder<TerminateOnNaN, Callback> {
public:
    TerminateOnNaN()
        : Builder("TerminateOnNaN") {}
};

} // namespace qk::keras
