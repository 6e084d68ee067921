// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/protocol/value.h"

#include <QMap>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

namespace qk::keras {

// evaluate()'s result: metric name -> value ("loss", "accuracy", ...).
using Scores = QMap<QString, double>;

// Model::evaluateDetailed()'s arguments.
struct EvaluationOptions {
    std::optional<int> batchSize = {};
    // Predictions sent back, at most: a classifier's misclassified rows first, then the first
    // others; a regression model's first rows. The scores and the matrix count every row.
    int predictionRows = 500;
    // The classes' names by index, for the matrix and the table; "0", "1", ... when empty.
    QStringList classNames = {};
};

// A model scored on held-out data, with what a person checks next: Keras' scores, for a
// classifier the confusion matrix (every row counted), and a sample of the predictions. The
// worker works it out (qtkeras_worker.evaluation, numpy alone) and sends only these.
struct Evaluation {
    enum class Task {
        Classification, // a class per row: the confusion matrix and class predictions
        Regression,     // numbers per row: predictions with their error, no matrix
        Other           // neither (several outputs, multi-label): the scores only; see note
    };

    // One row of the predictions table.
    struct Prediction {
        std::int64_t row = 0; // index in the evaluated rows, from 0
        // Classification: the true and the predicted class, and the predicted class's
        // probability (of the softmax or sigmoid when the model gives logits).
        int trueClass = -1;
        int predictedClass = -1;
        double confidence = std::numeric_limits<double>::quiet_NaN();
        // Regression: one value per output, and predicted − true (with several outputs, the
        // mean absolute difference).
        std::vector<double> trueValues = {};
        std::vector<double> predictedValues = {};
        double error = std::numeric_limits<double>::quiet_NaN();

        bool isMisclassified() const { return trueClass != predictedClass; }
    };

    Scores scores;
    Task task = Task::Other;
    QString note;          // why there is no matrix or table (Task::Other)
    std::int64_t rows = 0; // rows evaluated
    QStringList classNames;
    // counts[t][p]: rows of true class t predicted as p; empty unless Classification.
    std::vector<std::vector<std::int64_t>> confusion;
    std::int64_t misclassified = 0;
    std::vector<Prediction> predictions; // in row order; see EvaluationOptions::predictionRows

    int classCount() const { return static_cast<int>(confusion.size()); }
    QString className(int index) const;
    std::int64_t count(int trueClass, int predictedClass) const;
    std::int64_t correct() const;                     // the matrix's diagonal
    std::int64_t support(int trueClass) const;        // rows of the class
    std::int64_t predictedCount(int predicted) const; // rows predicted as the class
    double recall(int trueClass) const;               // NaN when the class has no rows
    double precision(int predicted) const;            // NaN when nothing was predicted as it
    // Whether rows were left out of predictions.
    bool predictionsTruncated() const {
        return static_cast<std::int64_t>(predictions.size()) < rows;
    }

    // Reads the worker's answer (qtkeras_worker.evaluation.report); `classNames` name the
    // classes when there are as many as the model's. Throws std::runtime_error when the
    // answer is not one.
    static Evaluation fromValue(const Value& value, const QStringList& classNames = {});
};

} // namespace qk::keras
