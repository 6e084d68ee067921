// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/keras/search.h"

#include <QAbstractTableModel>
#include <QPointer>

namespace qk::inspectors {

// The trials of a hyper-parameter search, one row each, as the search holds them: number,
// hyper-parameter values, the objective's score, status and epochs. Rows appear when a trial
// starts and change as its epochs arrive and when it ends. SortRole orders rows by score in
// the objective's direction, trials without a score last, whichever way the column is sorted
// for "best first".
class SearchTrialModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { TrialColumn, ValuesColumn, ScoreColumn, StatusColumn, EpochsColumn };
    Q_ENUM(Column)
    static constexpr int ColumnCount = EpochsColumn + 1;
    // The value a QSortFilterProxyModel sorts by (set as its sortRole).
    static constexpr int SortRole = Qt::UserRole + 1;

    explicit SearchTrialModel(QObject* parent = nullptr);

    // Follows `search` (null: none), which must outlive its use here or be replaced first.
    void setSearch(const keras::Search* search);
    const keras::Search* search() const { return m_search; }
    // "min" or "max": which scores are better (the search's, or the usual one for its
    // objective's name until the search knows).
    QString direction() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    const keras::Trial& trial(int row) const;

private:
    void onTrialStarted();
    void onTrialChanged(const keras::Trial& trial);
    int rowOf(const QString& id) const;

    QPointer<const keras::Search> m_search;
    QString m_objective;
    int m_rows = 0;
};

} // namespace qk::inspectors
