// SPDX-License-Identifier: GPL-3.0-or-later
#include "inspectors/predictionmodel.h"

#include "inspectors/theme.h"

#include <QFont>
#include <QGuiApplication>

namespace qk::inspectors {

namespace {

QString values(const std::vector<double>& v) {
    QStringList parts;
    for (double x : v)
        parts << QString::number(x, 'g', 5);
    return parts.join(QStringLiteral(", "));
}

} // namespace

PredictionModel::PredictionModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void PredictionModel::setEvaluation(const keras::Evaluation& evaluation) {
    beginResetModel();
    m_evaluation = evaluation;
    endResetModel();
}

void PredictionModel::clear() {
    setEvaluation({});
}

const keras::Evaluation::Prediction& PredictionModel::prediction(int row) const {
    return m_evaluation.predictions.at(static_cast<std::size_t>(row));
}

int PredictionModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_evaluation.predictions.size());
}

int PredictionModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant PredictionModel::display(const keras::Evaluation::Prediction& p, int column) const {
    switch (column) {
    case RowColumn:
        return QString::number(p.row + 1);
    case TrueColumn:
        return isRegression() ? values(p.trueValues) : m_evaluation.className(p.trueClass);
    case PredictedColumn:
        if (isRegression())
            return values(p.predictedValues);
        return p.isMisclassified() ? QStringLiteral("✗ ") + m_evaluation.className(p.predictedClass)
                                   : m_evaluation.className(p.predictedClass);
    case ScoreColumn:
        return isRegression() ? QString::number(p.error, 'g', 4)
                              : QString::number(p.confidence, 'f', 3);
    default:
        return {};
    }
}

QVariant PredictionModel::sortValue(const keras::Evaluation::Prediction& p, int column) const {
    switch (column) {
    case RowColumn:
        return QVariant::fromValue(static_cast<qint64>(p.row));
    case TrueColumn:
        return isRegression() ? QVariant(p.trueValues.empty() ? 0.0 : p.trueValues.front())
                              : QVariant(p.trueClass);
    case PredictedColumn:
        return isRegression()
                   ? QVariant(p.predictedValues.empty() ? 0.0 : p.predictedValues.front())
                   : QVariant(p.predictedClass);
    case ScoreColumn:
        return isRegression() ? p.error : p.confidence;
    default:
        return {};
    }
}

QVariant PredictionModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const keras::Evaluation::Prediction& p = prediction(index.row());
    const bool wrong = !isRegression() && p.isMisclassified();
    switch (role) {
    case Qt::DisplayRole:
        return display(p, index.column());
    case SortRole:
        return sortValue(p, index.column());
    case MisclassifiedRole:
        return wrong;
    case Qt::TextAlignmentRole:
        return index.column() == RowColumn || index.column() == ScoreColumn || isRegression()
                   ? QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter)
                   : QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::BackgroundRole:
        return wrong ? QVariant(tint(toneColour(Tone::Error, QGuiApplication::palette()),
                                     QGuiApplication::palette(), 0.16))
                     : QVariant();
    case Qt::ForegroundRole:
        return wrong && index.column() == PredictedColumn
                   ? QVariant(toneColour(Tone::Error, QGuiApplication::palette()))
                   : QVariant();
    case Qt::FontRole: {
        if (!wrong || index.column() != PredictedColumn)
            return {};
        QFont bold;
        bold.setBold(true);
        return bold;
    }
    case Qt::ToolTipRole:
        if (wrong)
            return tr("Misclassified: a %1 row predicted as %2")
                .arg(m_evaluation.className(p.trueClass), m_evaluation.className(p.predictedClass));
        return {};
    default:
        return {};
    }
}

QVariant PredictionModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case RowColumn:
            return tr("The row of the test set, counted from 1");
        case ScoreColumn:
            return isRegression() ? (m_evaluation.predictions.empty() ||
                                             m_evaluation.predictions.front().trueValues.size() <= 1
                                         ? tr("Predicted minus true value")
                                         : tr("Mean absolute difference over the outputs"))
                                  : tr("The model's probability for the predicted class");
        default:
            return {};
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case RowColumn:
        return tr("Row");
    case TrueColumn:
        return tr("True");
    case PredictedColumn:
        return tr("Predicted");
    case ScoreColumn:
        return isRegression() ? tr("Error") : tr("Confidence");
    default:
        return {};
    }
}

} // namespace qk::inspectors
