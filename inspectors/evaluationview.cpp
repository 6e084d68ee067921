// SPDX-License-Identifier: GPL-3.0-or-later
#include "inspectors/evaluationview.h"

#include "inspectors/confusionmatrixmodel.h"
#include "inspectors/predictionmodel.h"
#include "inspectors/theme.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QRegularExpression>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace qk::inspectors {

namespace {

QLabel* title(const QString& text, QWidget* parent) {
    auto* label = new QLabel(text, parent);
    QFont bold = label->font();
    bold.setBold(true);
    label->setFont(bold);
    return label;
}

QTableView* table(QWidget* parent) {
    auto* view = new QTableView(parent);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->setSelectionBehavior(QAbstractItemView::SelectItems);
    view->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    return view;
}

} // namespace

EvaluationView::EvaluationView(QWidget* parent)
    : QWidget(parent)
    , m_matrix(new ConfusionMatrixModel(this))
    , m_predictions(new PredictionModel(this))
    , m_sorted(new QSortFilterProxyModel(this)) {
    m_status = title(QString(), this);
    m_status->setObjectName(QStringLiteral("evaluationStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_scores = new QLabel(this);
    m_scores->setObjectName(QStringLiteral("evaluationScores"));
    m_scores->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_scores->setWordWrap(true);

    // The matrix, or why there is none.
    auto* matrixPanel = new QWidget(this);
    auto* matrixLayout = new QVBoxLayout(matrixPanel);
    matrixLayout->setContentsMargins(0, 0, 0, 0);
    auto* matrixTitle = title(tr("Confusion matrix"), matrixPanel);
    matrixTitle->setToolTip(tr("Rows: the true class; columns: the predicted class"));
    matrixLayout->addWidget(matrixTitle);
    m_axes = new QLabel(tr("rows: true class · columns: predicted"), matrixPanel);
    setTextTone(m_axes, Tone::Muted);
    matrixLayout->addWidget(m_axes);
    m_matrixStack = new QStackedWidget(matrixPanel);
    m_matrixView = table(m_matrixStack);
    m_matrixView->setObjectName(QStringLiteral("confusionMatrix"));
    m_matrixView->setModel(m_matrix);
    m_matrixView->horizontalHeader()->setDefaultAlignment(Qt::AlignCenter);
    m_matrixStack->addWidget(m_matrixView);
    m_matrixNote = new QLabel(m_matrixStack);
    m_matrixNote->setObjectName(QStringLiteral("matrixNote"));
    m_matrixNote->setWordWrap(true);
    m_matrixNote->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    setTextTone(m_matrixNote, Tone::Muted);
    m_matrixStack->addWidget(m_matrixNote);
    matrixLayout->addWidget(m_matrixStack, 1);

    // The predictions.
    auto* predictionsPanel = new QWidget(this);
    auto* predictionsLayout = new QVBoxLayout(predictionsPanel);
    predictionsLayout->setContentsMargins(0, 0, 0, 0);
    auto* predictionsHeader = new QHBoxLayout;
    predictionsHeader->addWidget(title(tr("Predictions"), predictionsPanel));
    predictionsHeader->addStretch(1);
    m_onlyWrong = new QCheckBox(tr("Only misclassified"), predictionsPanel);
    m_onlyWrong->setObjectName(QStringLiteral("onlyMisclassified"));
    connect(m_onlyWrong, &QCheckBox::toggled, this, &EvaluationView::setOnlyMisclassified);
    predictionsHeader->addWidget(m_onlyWrong);
    predictionsLayout->addLayout(predictionsHeader);
    m_sorted->setSourceModel(m_predictions);
    m_sorted->setSortRole(PredictionModel::SortRole);
    m_sorted->setFilterRole(PredictionModel::MisclassifiedRole);
    m_sorted->setFilterKeyColumn(PredictionModel::RowColumn);
    m_predictionsView = table(predictionsPanel);
    m_predictionsView->setObjectName(QStringLiteral("predictions"));
    m_predictionsView->setModel(m_sorted);
    m_predictionsView->setSortingEnabled(true);
    m_predictionsView->sortByColumn(PredictionModel::RowColumn, Qt::AscendingOrder);
    m_predictionsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_predictionsView->verticalHeader()->hide();
    m_predictionsView->horizontalHeader()->setStretchLastSection(true);
    predictionsLayout->addWidget(m_predictionsView, 1);
    m_predictionsNote = new QLabel(predictionsPanel);
    m_predictionsNote->setObjectName(QStringLiteral("predictionsNote"));
    m_predictionsNote->setWordWrap(true);
    setTextTone(m_predictionsNote, Tone::Muted);
    predictionsLayout->addWidget(m_predictionsNote);

    m_splitter = new QSplitter(Qt::Horizontal, this);
    m_splitter->addWidget(matrixPanel);
    m_splitter->addWidget(predictionsPanel);
    m_splitter->setChildrenCollapsible(false);
    m_splitter->setStretchFactor(0, 0);
    m_splitter->setStretchFactor(1, 1);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_status);
    layout->addWidget(m_scores);
    layout->addWidget(m_splitter, 1);
    clear();
}

void EvaluationView::clear() {
    showNothing(tr("No evaluation yet: a finished run is scored on the test set when it ends, "
                   "or with Model ▸ Evaluate on Test Set."));
}

void EvaluationView::showNothing(const QString& hint) {
    m_shown = false;
    m_evaluation = {};
    m_matrix->clear();
    m_predictions->clear();
    m_status->setText(hint);
    m_scores->clear();
    m_scores->hide();
    m_matrixNote->clear();
    setTextTone(m_matrixNote, Tone::Muted);
    m_matrixStack->setCurrentWidget(m_matrixNote);
    m_axes->hide();
    m_predictionsNote->clear();
    m_onlyWrong->setEnabled(false);
}

void EvaluationView::showPending(const QString& subject) {
    showNothing(tr("Evaluating %1 on the test set…").arg(subject));
    setTextTone(m_status, Tone::Muted);
}

void EvaluationView::showProblem(const QString& subject, const QString& message) {
    showNothing(tr("Cannot evaluate %1").arg(subject));
    setTextTone(m_status, Tone::Error);
    // The reason where there is room for it, in place of the matrix.
    m_matrixNote->setText(message.isEmpty() ? message : message.at(0).toUpper() + message.mid(1));
    setTextTone(m_matrixNote, Tone::Error);
}

void EvaluationView::showEvaluation(const QString& subject, const keras::Evaluation& evaluation) {
    using Task = keras::Evaluation::Task;
    m_evaluation = evaluation;
    m_shown = true;
    m_matrix->setEvaluation(evaluation);
    m_predictions->setEvaluation(evaluation);
    m_predictionsView->resizeColumnsToContents();

    QString status = evaluation.rows == 1
                         ? tr("%1 on the test set: 1 row").arg(subject)
                         : tr("%1 on the test set: %2 rows").arg(subject).arg(evaluation.rows);
    if (evaluation.task == Task::Classification)
        status += tr(", %1 right, %2 misclassified")
                      .arg(evaluation.correct())
                      .arg(evaluation.misclassified);
    m_status->setText(status);
    setTextTone(m_status, evaluation.misclassified > 0 ? Tone::Warning : Tone::Success);
    if (evaluation.task != Task::Classification)
        setTextTone(m_status, Tone::Accent);

    // Loss first, as Keras reports it, then the metrics.
    QStringList scores;
    for (auto it = evaluation.scores.cbegin(); it != evaluation.scores.cend(); ++it) {
        const QString score =
            QStringLiteral("%1 <b>%2</b>")
                .arg(it.key().toHtmlEscaped(), QString::number(it.value(), 'g', 4));
        if (it.key() == QLatin1String("loss"))
            scores.prepend(score);
        else
            scores.append(score);
    }
    m_scores->setText(scores.join(QStringLiteral(" &nbsp;·&nbsp; ")));
    m_scores->setVisible(!scores.isEmpty());

    m_axes->setVisible(evaluation.task == Task::Classification);
    switch (evaluation.task) {
    case Task::Classification:
        m_matrixNote->clear();
        m_matrixStack->setCurrentWidget(m_matrixView);
        fitMatrix();
        break;
    case Task::Regression:
        m_matrixNote->setText(tr("A regression model: its targets are numbers, not classes, so "
                                 "there is no confusion matrix. The predictions show each "
                                 "row's error."));
        m_matrixStack->setCurrentWidget(m_matrixNote);
        break;
    case Task::Other:
        m_matrixNote->setText(tr("No confusion matrix: %1.").arg(evaluation.note));
        m_matrixStack->setCurrentWidget(m_matrixNote);
        break;
    }
    m_onlyWrong->setEnabled(evaluation.task == Task::Classification &&
                            evaluation.misclassified > 0);
    if (!m_onlyWrong->isEnabled())
        m_onlyWrong->setChecked(false);

    QString note;
    const auto shown = static_cast<std::int64_t>(evaluation.predictions.size());
    if (evaluation.predictionsTruncated() && evaluation.task == Task::Classification)
        note = tr("Showing %1 of %2 rows: every misclassified row first (up to the limit), "
                  "then the first others. The matrix and scores count every row.")
                   .arg(shown)
                   .arg(evaluation.rows);
    else if (evaluation.predictionsTruncated() && evaluation.task == Task::Regression)
        note = tr("Showing the first %1 of %2 rows; the scores count every row.")
                   .arg(shown)
                   .arg(evaluation.rows);
    m_predictionsNote->setText(note);
}

void EvaluationView::fitMatrix() {
    m_matrixView->resizeColumnsToContents();
    m_matrixView->resizeRowsToContents();
    const int frame = 2 * m_matrixView->frameWidth();
    const int wanted = m_matrixView->verticalHeader()->sizeHint().width() +
                       m_matrixView->horizontalHeader()->length() + frame + 2;
    const QList<int> sizes = m_splitter->sizes();
    const int total = sizes.value(0) + sizes.value(1);
    // At most half of the width, so the predictions keep room of their own.
    const int matrixWidth = total > 0 ? std::min(wanted, total / 2) : wanted;
    m_splitter->setSizes({matrixWidth, std::max(0, total - matrixWidth)});
}

void EvaluationView::setOnlyMisclassified(bool on) {
    {
        const QSignalBlocker blocker(m_onlyWrong);
        m_onlyWrong->setChecked(on);
    }
    m_sorted->setFilterFixedString(on ? QStringLiteral("true") : QString());
}

QString EvaluationView::statusText() const {
    return m_status->text();
}

QString EvaluationView::scoresText() const {
    return m_scores->text();
}

QString EvaluationView::predictionsNote() const {
    return m_predictionsNote->text();
}

QString EvaluationView::matrixNote() const {
    return m_matrixNote->text();
}

} // namespace qk::inspectors
