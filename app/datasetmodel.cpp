// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/datasetmodel.h"

#include <limits>

namespace qk::app {

DatasetModel::DatasetModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void DatasetModel::setDataset(const keras::Dataset& dataset) {
    beginResetModel();
    m_dataset = dataset;
    m_columns = dataset.columnNames();
    endResetModel();
}

int DatasetModel::rowCount(const QModelIndex& parent) const {
    if (parent.isValid())
        return 0;
    return static_cast<int>(
        std::min<qint64>(m_dataset.rowCount(), std::numeric_limits<int>::max()));
}

int DatasetModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_columns.size());
}

QVariant DatasetModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QString& column = m_columns.at(index.column());
    const bool numeric = m_dataset.columnType(column) == keras::Dataset::ColumnType::Numeric;
    const auto row = static_cast<size_t>(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
        return numeric ? QString::number(m_dataset.numbers(column).at(row))
                       : m_dataset.texts(column).at(index.row());
    case Qt::EditRole:
        return numeric ? QVariant(m_dataset.numbers(column).at(row))
                       : QVariant(m_dataset.texts(column).at(index.row()));
    case Qt::TextAlignmentRole:
        return numeric ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                       : QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    default:
        return {};
    }
}

QVariant DatasetModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (orientation == Qt::Horizontal) {
        if (section < 0 || section >= m_columns.size())
            return {};
        const QString& name = m_columns.at(section);
        if (role == Qt::ToolTipRole)
            return m_dataset.columnType(name) == keras::Dataset::ColumnType::Numeric
                       ? tr("%1: numeric").arg(name)
                       : tr("%1: categorical").arg(name);
        return name;
    }
    if (section < 0 || section >= rowCount())
        return {};
    return role == Qt::ToolTipRole ? tr("line %1").arg(m_dataset.lineOfRow(section))
                                   : QVariant(section + 1);
}

} // namespace qk::app
