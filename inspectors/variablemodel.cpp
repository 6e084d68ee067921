// SPDX-License-Identifier: GPL-3.0-or-later
#include "inspectors/variablemodel.h"

#include "bridge/protocol/value.h"

#include <QFontDatabase>

#include <algorithm>

namespace qk::inspectors {

VariableModel::VariableModel(QObject* parent)
    : QAbstractTableModel(parent) {}

int VariableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_variables.size());
}

int VariableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant VariableModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Variable& v = m_variables[static_cast<std::size_t>(index.row())];
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
        switch (index.column()) {
        case NameColumn:
            return v.name;
        case TypeColumn:
            return v.type;
        case ValueColumn:
            return role == Qt::DisplayRole ? v.repr.left(200).replace(QLatin1Char('\n'), u' ')
                                           : v.repr;
        default: // not a column
            return {};
        }
    }
    if (role == Qt::FontRole && index.column() != TypeColumn)
        return QFontDatabase::systemFont(QFontDatabase::FixedFont);
    return {};
}

QVariant VariableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case NameColumn:
        return tr("Name");
    case TypeColumn:
        return tr("Type");
    case ValueColumn:
        return tr("Value");
    default: // not a column
        return {};
    }
}

void VariableModel::setVariables(const Value& list) {
    std::vector<Variable> variables;
    if (list.isList()) {
        for (const Value& item : list.toList()) {
            if (!item.isDict())
                continue;
            const auto text = [&item](const char* key) {
                const Value& v = item[key];
                return v.isString() ? v.toString() : v.toDisplayString();
            };
            variables.push_back({text("name"), text("type"), text("repr")});
        }
    }
    setVariables(std::move(variables));
}

void VariableModel::setVariables(std::vector<Variable> variables) {
    std::sort(variables.begin(), variables.end(),
              [](const Variable& a, const Variable& b) { return a.name < b.name; });
    // Both lists are sorted by name: walk them together, removing, inserting and updating
    // rows so that selections on unchanged variables survive a refresh.
    std::size_t row = 0;
    std::size_t next = 0;
    while (row < m_variables.size() || next < variables.size()) {
        const bool removeOld =
            next == variables.size() ||
            (row < m_variables.size() && m_variables[row].name < variables[next].name);
        if (removeOld) {
            beginRemoveRows({}, static_cast<int>(row), static_cast<int>(row));
            m_variables.erase(m_variables.begin() + static_cast<std::ptrdiff_t>(row));
            endRemoveRows();
            continue;
        }
        if (row == m_variables.size() || variables[next].name < m_variables[row].name) {
            beginInsertRows({}, static_cast<int>(row), static_cast<int>(row));
            m_variables.insert(m_variables.begin() + static_cast<std::ptrdiff_t>(row),
                               variables[next]);
            endInsertRows();
        } else if (!(m_variables[row] == variables[next])) {
            m_variables[row] = variables[next];
            Q_EMIT dataChanged(index(static_cast<int>(row), 0),
                               index(static_cast<int>(row), ColumnCount - 1));
        }
        ++row;
        ++next;
    }
}

} // namespace qk::inspectors
