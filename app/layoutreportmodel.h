// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/keras/distribution.h"

#include <QAbstractTableModel>

namespace qk::app {

// A layout report's variables, one row each: path, shape, the rule that lays it out, the
// sharding, the shape of one shard, the devices holding each shard and the problem Keras
// would raise; a row with a problem is drawn in red.
class LayoutReportModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        PathColumn,
        ShapeColumn,
        RuleColumn,
        ShardingColumn,
        ShardColumn,
        CopiesColumn,
        ProblemColumn,
        ColumnCount
    };

    explicit LayoutReportModel(QObject* parent = nullptr);

    void setReport(keras::LayoutReport report);
    const keras::LayoutReport& report() const { return m_report; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // "(4, 16)"; an axes list as a partition spec: "(None, 'model')".
    static QString shapeText(const std::vector<qint64>& shape);
    static QString axesText(const QStringList& axes);

private:
    keras::LayoutReport m_report;
};

} // namespace qk::app
