// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/session/command.h"

#include <QSet>
#include <QSortFilterProxyModel>

namespace qk::inspectors {

// Shows the commands of a CommandModel whose state is in a chosen set (all when empty).
class CommandFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit CommandFilterModel(QObject* parent = nullptr);

    void setStates(const QSet<qk::CommandState>& states);
    const QSet<qk::CommandState>& states() const { return m_states; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    QSet<qk::CommandState> m_states;
};

} // namespace qk::inspectors
