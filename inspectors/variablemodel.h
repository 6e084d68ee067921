// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QAbstractTableModel>

#include <vector>

namespace qk {
class Value;
}

namespace qk::inspectors {

// The variables in the worker's scope (name, type, repr), as Session::variables() lists them.
class VariableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { NameColumn, TypeColumn, ValueColumn };
    static constexpr int ColumnCount = ValueColumn + 1;

    struct Variable {
        QString name;
        QString type;
        QString repr;
        friend bool operator==(const Variable&, const Variable&) = default;
    };

    explicit VariableModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // Replaces the list with the worker's answer (a list of dicts with name, type, repr),
    // updating rows in place where a variable stays.
    void setVariables(const qk::Value& list);
    void setVariables(std::vector<Variable> variables);
    const Variable& variable(int row) const {
        return m_variables.at(static_cast<std::size_t>(row));
    }

private:
    std::vector<Variable> m_variables;
};

} // namespace qk::inspectors
