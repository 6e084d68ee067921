// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/layoutreportmodel.h"

#include "inspectors/theme.h"

#include <QBrush>
#include <QColor>
#include <QGuiApplication>

namespace qk::app {

LayoutReportModel::LayoutReportModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void LayoutReportModel::setReport(keras::LayoutReport report) {
    beginResetModel();
    m_report = std::move(report);
    endResetModel();
}

int LayoutReportModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_report.variables.size());
}

int LayoutReportModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QString LayoutReportModel::shapeText(const std::vector<qint64>& shape) {
    QStringList parts;
    for (qint64 n : shape)
        parts << QString::number(n);
    return parts.size() == 1 ? u'(' + parts.front() + QStringLiteral(",)")
                             : u'(' + parts.join(QStringLiteral(", ")) + u')';
}

QString LayoutReportModel::axesText(const QStringList& axes) {
    QStringList parts;
    for (const QString& axis : axes)
        parts << (axis.isEmpty() ? QStringLiteral("None") : u'\'' + axis + u'\'');
    return parts.size() == 1 ? u'(' + parts.front() + QStringLiteral(",)")
                             : u'(' + parts.join(QStringLiteral(", ")) + u')';
}

QVariant LayoutReportModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const keras::VariableLayout& v = m_report.variables[std::size_t(index.row())];
    if (role == Qt::ForegroundRole)
        return v.problem.isEmpty() ? QVariant()
                                   : QBrush(inspectors::toneColour(inspectors::Tone::Error,
                                                                   QGuiApplication::palette()));
    if (role == Qt::ToolTipRole) {
        if (!v.problem.isEmpty())
            return v.problem;
        if (v.matches.size() > 1)
            return tr("Matched by: %1").arg(v.matches.join(QStringLiteral(", ")));
        return {};
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case PathColumn:
        return v.path;
    case ShapeColumn:
        return shapeText(v.shape);
    case RuleColumn:
        return v.rule.isEmpty() ? tr("none: replicated") : v.rule;
    case ShardingColumn:
        return axesText(v.axes);
    case ShardColumn:
        return v.problem.isEmpty() ? shapeText(v.shardShape) : QString();
    case CopiesColumn:
        return v.problem.isEmpty() ? QVariant(v.copies) : QVariant();
    case ProblemColumn:
        return v.problem;
    default:
        return {};
    }
}

QVariant LayoutReportModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case PathColumn:
        return tr("Variable");
    case ShapeColumn:
        return tr("Shape");
    case RuleColumn:
        return tr("Rule");
    case ShardingColumn:
        return tr("Sharding");
    case ShardColumn:
        return tr("Shard shape");
    case CopiesColumn:
        return tr("Copies");
    case ProblemColumn:
        return tr("Problem");
    default:
        return {};
    }
}

} // namespace qk::app
