// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/keras/distribution.h"

#include <QAbstractTableModel>

namespace qk::app {

// LayoutMap rules being edited, one row each: the pattern (a regular expression that must
// match a variable's whole path) and the axes, typed as "None, model"; beside them, what the
// last layout report says the rule matched, so that a rule matching nothing stands out.
class LayoutRulesModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { PatternColumn, AxesColumn, MatchesColumn, ColumnCount };

    explicit LayoutRulesModel(QObject* parent = nullptr);

    void setRules(std::vector<keras::LayoutRule> rules);
    const std::vector<keras::LayoutRule>& rules() const { return m_rules; }
    void addRule(const keras::LayoutRule& rule);
    // What each rule matched, from a layout report of these rules; cleared by any edit.
    void setUses(const std::vector<keras::RuleUse>& uses);

    // "None, model" -> {"", "model"}; the inverse of axesText().
    static QStringList parseAxes(const QString& text);
    static QString axesText(const QStringList& axes);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    bool removeRows(int row, int count, const QModelIndex& parent = {}) override;

private:
    void clearUses();

    std::vector<keras::LayoutRule> m_rules;
    std::vector<std::optional<keras::RuleUse>> m_uses;
};

} // namespace qk::app
