// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/keras/evaluation.h"

#include <QAbstractTableModel>

namespace qk::inspectors {

// A classifier's confusion matrix as a table: a row per true class and a column per
// predicted class, each cell the rows counted there, shaded by its share of the true class
// (the diagonal in the success tone, mistakes in the error tone, from the palette). A last
// column gives each class's rows and recall, a last row each predicted class's precision;
// their corner the rows evaluated and the accuracy.
class ConfusionMatrixModel : public QAbstractTableModel {
    Q_OBJECT
public:
    // The count of a class cell (qint64), for tests and sorting; null for the margins.
    static constexpr int CountRole = Qt::UserRole;

    explicit ConfusionMatrixModel(QObject* parent = nullptr);

    void setEvaluation(const keras::Evaluation& evaluation);
    void clear();

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    int classCount() const { return m_evaluation.classCount(); }
    // The share of its true class's rows that a cell holds: 0..1 (0 for an empty class).
    double share(int trueClass, int predictedClass) const;

private:
    QVariant cellData(int trueClass, int predicted, int role) const;
    QVariant marginData(int row, int column, int role) const;

    keras::Evaluation m_evaluation;
};

} // namespace qk::inspectors
