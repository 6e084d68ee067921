// SPDX-License-Identifier: GPL-3.0-or-later
#include "inspectors/confusionmatrixmodel.h"

#include "inspectors/theme.h"

#include <QFont>
#include <QGuiApplication>

#include <cmath>

namespace qk::inspectors {

namespace {

QString percent(double fraction) {
    return std::isnan(fraction) ? QStringLiteral("–")
                                : QStringLiteral("%1%").arg(fraction * 100, 0, 'f', 1);
}

} // namespace

ConfusionMatrixModel::ConfusionMatrixModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void ConfusionMatrixModel::setEvaluation(const keras::Evaluation& evaluation) {
    beginResetModel();
    m_evaluation = evaluation;
    endResetModel();
}

void ConfusionMatrixModel::clear() {
    setEvaluation({});
}

int ConfusionMatrixModel::rowCount(const QModelIndex& parent) const {
    const int k = classCount();
    return parent.isValid() || k == 0 ? 0 : k + 1;
}

int ConfusionMatrixModel::columnCount(const QModelIndex& parent) const {
    const int k = classCount();
    return parent.isValid() || k == 0 ? 0 : k + 2;
}

double ConfusionMatrixModel::share(int trueClass, int predictedClass) const {
    const std::int64_t rows = m_evaluation.support(trueClass);
    return rows == 0 ? 0.0
                     : static_cast<double>(m_evaluation.count(trueClass, predictedClass)) /
                           static_cast<double>(rows);
}

QVariant ConfusionMatrixModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const int k = classCount();
    if (role == Qt::TextAlignmentRole)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (index.row() < k && index.column() < k)
        return cellData(index.row(), index.column(), role);
    return marginData(index.row(), index.column(), role);
}

QVariant ConfusionMatrixModel::cellData(int trueClass, int predicted, int role) const {
    const std::int64_t count = m_evaluation.count(trueClass, predicted);
    const bool right = trueClass == predicted;
    switch (role) {
    case Qt::DisplayRole:
        return QString::number(count);
    case CountRole:
        return QVariant::fromValue(static_cast<qint64>(count));
    case Qt::BackgroundRole:
    case Qt::ForegroundRole: {
        if (count == 0)
            return role == Qt::ForegroundRole
                       ? QVariant(toneColour(Tone::Muted, QGuiApplication::palette()))
                       : QVariant();
        const QPalette palette = QGuiApplication::palette();
        const QColor tone = toneColour(right ? Tone::Success : Tone::Error, palette);
        // A cell holding all of its class is strongly shaded, a stray row faintly.
        const QColor fill = tint(tone, palette, 0.12 + 0.5 * share(trueClass, predicted));
        if (role == Qt::BackgroundRole)
            return fill;
        return readable(palette.color(QPalette::Text), fill);
    }
    case Qt::FontRole: {
        if (!right || count == 0)
            return {};
        QFont bold;
        bold.setBold(true);
        return bold;
    }
    case Qt::ToolTipRole: {
        const QString rows =
            count == 1 ? tr("1 %1 row").arg(m_evaluation.className(trueClass))
                       : tr("%1 %2 rows").arg(count).arg(m_evaluation.className(trueClass));
        const QString of = percent(share(trueClass, predicted));
        return right ? tr("%1 predicted right (%2 of the class)").arg(rows, of)
                     : tr("%1 predicted as %2 (%3 of the class)")
                           .arg(rows, m_evaluation.className(predicted), of);
    }
    default:
        return {};
    }
}

QVariant ConfusionMatrixModel::marginData(int row, int column, int role) const {
    const int k = classCount();
    if (role == Qt::ForegroundRole)
        return toneColour(Tone::Muted, QGuiApplication::palette());
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    const bool tip = role == Qt::ToolTipRole;
    if (row < k && column == k)
        return tip ? tr("rows of %1 in the test set").arg(m_evaluation.className(row))
                   : QString::number(m_evaluation.support(row));
    if (row < k && column == k + 1)
        return tip ? tr("recall: the share of %1 rows predicted as %1")
                         .arg(m_evaluation.className(row))
                   : percent(m_evaluation.recall(row));
    if (row == k && column < k)
        return tip ? tr("precision: the share of rows predicted as %1 that are %1")
                         .arg(m_evaluation.className(column))
                   : percent(m_evaluation.precision(column));
    if (row == k && column == k)
        return tip ? tr("rows evaluated") : QString::number(m_evaluation.rows);
    if (row == k && column == k + 1) {
        const double accuracy = m_evaluation.rows == 0
                                    ? std::nan("")
                                    : static_cast<double>(m_evaluation.correct()) /
                                          static_cast<double>(m_evaluation.rows);
        return tip ? tr("accuracy: rows predicted right") : percent(accuracy);
    }
    return {};
}

QVariant ConfusionMatrixModel::headerData(int section, Qt::Orientation orientation,
                                          int role) const {
    const int k = classCount();
    if (role == Qt::ToolTipRole) {
        if (section >= k)
            return {};
        return orientation == Qt::Vertical
                   ? tr("true class %1").arg(m_evaluation.className(section))
                   : tr("predicted as %1").arg(m_evaluation.className(section));
    }
    if (role != Qt::DisplayRole)
        return {};
    if (section < k)
        return m_evaluation.className(section);
    if (orientation == Qt::Vertical)
        return section == k ? tr("Precision") : QVariant();
    return section == k ? tr("Rows") : tr("Recall");
}

} // namespace qk::inspectors
