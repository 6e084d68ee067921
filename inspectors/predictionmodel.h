// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/keras/evaluation.h"

#include <QAbstractTableModel>

namespace qk::inspectors {

// The predictions of an evaluation, a row each: for a classifier the true and the predicted
// class and the confidence, misclassified rows marked (a cross, the error tone); for a
// regression model the true and predicted values and the error.
class PredictionModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { RowColumn, TrueColumn, PredictedColumn, ScoreColumn };
    Q_ENUM(Column)
    static constexpr int ColumnCount = ScoreColumn + 1;
    // A number to sort by (the row, a class index, the confidence or error).
    static constexpr int SortRole = Qt::UserRole;
    // Whether the row is misclassified (bool; always false for a regression).
    static constexpr int MisclassifiedRole = Qt::UserRole + 1;

    explicit PredictionModel(QObject* parent = nullptr);

    void setEvaluation(const keras::Evaluation& evaluation);
    void clear();
    bool isRegression() const { return m_evaluation.task == keras::Evaluation::Task::Regression; }
    const keras::Evaluation::Prediction& prediction(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QVariant display(const keras::Evaluation::Prediction& p, int column) const;
    QVariant sortValue(const keras::Evaluation::Prediction& p, int column) const;

    keras::Evaluation m_evaluation;
};

} // namespace qk::inspectors
