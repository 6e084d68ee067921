// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/layoutrulesmodel.h"

#include "inspectors/theme.h"

#include <QBrush>
#include <QColor>
#include <QGuiApplication>

namespace qk::app {

LayoutRulesModel::LayoutRulesModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void LayoutRulesModel::setRules(std::vector<keras::LayoutRule> rules) {
    beginResetModel();
    m_rules = std::move(rules);
    m_uses.assign(m_rules.size(), std::nullopt);
    endResetModel();
}

void LayoutRulesModel::addRule(const keras::LayoutRule& rule) {
    const int row = rowCount();
    beginInsertRows({}, row, row);
    m_rules.push_back(rule);
    m_uses.emplace_back();
    endInsertRows();
    clearUses();
}

void LayoutRulesModel::setUses(const std::vector<keras::RuleUse>& uses) {
    for (std::size_t i = 0; i < m_rules.size(); ++i) {
        m_uses[i].reset();
        for (const keras::RuleUse& use : uses) {
            if (use.rule.pattern == m_rules[i].pattern)
                m_uses[i] = use;
        }
    }
    if (!m_rules.empty())
        Q_EMIT dataChanged(index(0, MatchesColumn), index(rowCount() - 1, MatchesColumn));
}

void LayoutRulesModel::clearUses() {
    for (auto& use : m_uses)
        use.reset();
    if (!m_rules.empty())
        Q_EMIT dataChanged(index(0, MatchesColumn), index(rowCount() - 1, MatchesColumn));
}

QStringList LayoutRulesModel::parseAxes(const QString& text) {
    QStringList axes;
    for (QString part : text.split(u',')) {
        part = part.trimmed();
        part.remove(u'\'').remove(u'"');
        axes << (part.compare(QLatin1String("None"), Qt::CaseInsensitive) == 0 ? QString() : part);
    }
    if (axes.size() == 1 && axes.front().isEmpty() && text.trimmed().isEmpty())
        axes.clear();
    return axes;
}

QString LayoutRulesModel::axesText(const QStringList& axes) {
    QStringList parts;
    for (const QString& axis : axes)
        parts << (axis.isEmpty() ? QStringLiteral("None") : axis);
    return parts.join(QStringLiteral(", "));
}

int LayoutRulesModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_rules.size());
}

int LayoutRulesModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LayoutRulesModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const keras::LayoutRule& rule = m_rules[std::size_t(index.row())];
    const std::optional<keras::RuleUse>& use = m_uses[std::size_t(index.row())];
    if (index.column() == MatchesColumn) {
        if (!use)
            return role == Qt::DisplayRole ? QStringLiteral("?") : QVariant();
        if (role == Qt::ForegroundRole && use->matches == 0)
            return QBrush(
                inspectors::toneColour(inspectors::Tone::Error, QGuiApplication::palette()));
        if (role == Qt::DisplayRole) {
            if (use->matches > 0)
                return tr("%n variable(s)", nullptr, use->matches);
            if (use->partial.isEmpty())
                return tr("nothing");
            return tr("nothing: matches only a part of %1").arg(use->partial.front());
        }
        if (role == Qt::ToolTipRole && use->matches == 0)
            return tr("Keras matches a rule against a variable's whole path and says nothing "
                      "when a rule matches no variable. %1")
                .arg(use->partial.isEmpty() ? QString()
                                            : tr("Paths it matches a part of: %1")
                                                  .arg(use->partial.join(QStringLiteral(", "))));
        return {};
    }
    if (role != Qt::DisplayRole && role != Qt::EditRole)
        return {};
    return index.column() == PatternColumn ? rule.pattern : axesText(rule.axes);
}

bool LayoutRulesModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (role != Qt::EditRole || !index.isValid() || index.column() == MatchesColumn)
        return false;
    keras::LayoutRule& rule = m_rules[std::size_t(index.row())];
    if (index.column() == PatternColumn)
        rule.pattern = value.toString().trimmed();
    else
        rule.axes = parseAxes(value.toString());
    Q_EMIT dataChanged(index, index);
    clearUses();
    return true;
}

Qt::ItemFlags LayoutRulesModel::flags(const QModelIndex& index) const {
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (index.isValid() && index.column() != MatchesColumn)
        f |= Qt::ItemIsEditable;
    return f;
}

QVariant LayoutRulesModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case PatternColumn:
        return tr("Pattern (whole path)");
    case AxesColumn:
        return tr("Axes per dimension");
    case MatchesColumn:
        return tr("Matches");
    default:
        return {};
    }
}

bool LayoutRulesModel::removeRows(int row, int count, const QModelIndex& parent) {
    if (parent.isValid() || row < 0 || count < 1 || row + count > rowCount())
        return false;
    beginRemoveRows({}, row, row + count - 1);
    m_rules.erase(m_rules.begin() + row, m_rules.begin() + row + count);
    m_uses.erase(m_uses.begin() + row, m_uses.begin() + row + count);
    endRemoveRows();
    clearUses();
    return true;
}

} // namespace qk::app
