// SPDX-License-Identifier: GPL-3.0-or-later
#include "inspectors/commandfiltermodel.h"

#include "inspectors/commandmodel.h"

namespace qk::inspectors {

CommandFilterModel::CommandFilterModel(QObject* parent)
    : QSortFilterProxyModel(parent) {}

void CommandFilterModel::setStates(const QSet<CommandState>& states) {
    if (states == m_states)
        return;
    m_states = states;
    invalidateFilter();
}

bool CommandFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    if (m_states.isEmpty())
        return true;
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    return m_states.contains(
        static_cast<CommandState>(index.data(CommandModel::StateRole).toInt()));
}

} // namespace qk::inspectors
