// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/keras/dataset.h"

#include <QAbstractTableModel>

namespace qk::app {

// A read-only table over a dataset: one column per dataset column (numbers right-aligned),
// one row per row, headed by the column names and the file's line numbers. The dataset is
// shared, not copied.
class DatasetModel : public QAbstractTableModel {
    Q_OBJECT
public:
    explicit DatasetModel(QObject* parent = nullptr);

    const keras::Dataset& dataset() const { return m_dataset; }
    void setDataset(const keras::Dataset& dataset);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    keras::Dataset m_dataset;
    QStringList m_columns;
};

} // namespace qk::app
