// SPDX-License-Identifier: GPL-3.0-or-later
#include "inspectors/searchtrialmodel.h"

#include "bridge/keras/search.h"

#include <limits>

namespace qk::inspectors {

SearchTrialModel::SearchTrialModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void SearchTrialModel::setSearch(const keras::Search* search) {
    beginResetModel();
    if (m_search)
        disconnect(m_search, nullptr, this, nullptr);
    m_search = search;
    m_rows = search ? static_cast<int>(search->trials().size()) : 0;
    m_objective = search ? search->options().objective : QString();
    if (search) {
        connect(search, &keras::Search::trialStarted, this, [this](const keras::Trial& trial) {
            onTrialStarted();
            onTrialChanged(trial);
        });
        connect(search, &keras::Search::trialEnded, this, &SearchTrialModel::onTrialChanged);
    }
    endResetModel();
}

QString SearchTrialModel::direction() const {
    if (m_search && !m_search->direction().isEmpty())
        return m_search->direction();
    if (m_search && !m_search->options().direction.isEmpty())
        return m_search->options().direction;
    const bool higher =
        m_objective.contains(QLatin1String("acc")) || m_objective.contains(QLatin1String("auc"));
    return higher ? QStringLiteral("max") : QStringLiteral("min");
}

int SearchTrialModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : m_rows;
}

int SearchTrialModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

const keras::Trial& SearchTrialModel::trial(int row) const {
    return m_search->trials().at(static_cast<std::size_t>(row));
}

QVariant SearchTrialModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid) ||
        !m_search)
        return {};
    const keras::Trial& t = trial(index.row());
    const bool higher = direction() == QLatin1String("max");
    if (role == SortRole) {
        switch (index.column()) {
        case TrialColumn:
            return t.number();
        case ScoreColumn:
            // Best first when sorted ascending: trials without a score go last.
            if (!t.score)
                return std::numeric_limits<double>::infinity();
            return higher ? -*t.score : *t.score;
        case EpochsColumn:
            return t.history ? t.history->epochCount() : 0;
        default:
            return data(index, Qt::DisplayRole);
        }
    }
    if (role == Qt::TextAlignmentRole && index.column() != ValuesColumn &&
        index.column() != StatusColumn)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && index.column() == StatusColumn && !t.reason.isEmpty())
        return t.reason;
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case TrialColumn:
        return t.number();
    case ValuesColumn:
        return t.label();
    case ScoreColumn:
        return t.score ? QString::number(*t.score, 'g', 4) : QString();
    case StatusColumn:
        return keras::Trial::statusName(t.status);
    case EpochsColumn:
        return t.history ? t.history->epochCount() : 0;
    default:
        return {};
    }
}

QVariant SearchTrialModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TrialColumn:
        return tr("Trial");
    case ValuesColumn:
        return tr("Hyper-parameters");
    case ScoreColumn:
        return m_objective.isEmpty() ? tr("Score") : m_objective;
    case StatusColumn:
        return tr("Status");
    case EpochsColumn:
        return tr("Epochs");
    default:
        return {};
    }
}

void SearchTrialModel::onTrialStarted() {
    const int rows = static_cast<int>(m_search->trials().size());
    if (rows <= m_rows)
        return;
    beginInsertRows({}, m_rows, rows - 1);
    m_rows = rows;
    endInsertRows();
    const keras::Trial& started = trial(rows - 1);
    if (started.history) {
        connect(started.history.get(), &keras::TrainingHistory::epochEnded, this,
                [this, row = rows - 1] {
                    Q_EMIT dataChanged(index(row, EpochsColumn), index(row, EpochsColumn));
                });
    }
}

void SearchTrialModel::onTrialChanged(const keras::Trial& changed) {
    const int row = rowOf(changed.id);
    if (row >= 0)
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

int SearchTrialModel::rowOf(const QString& id) const {
    for (int row = m_rows - 1; row >= 0; --row) {
        if (trial(row).id == id)
            return row;
    }
    return -1;
}

} // namespace qk::inspectors
