// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/keras/evaluation.h"

#include <QWidget>

class QCheckBox;
class QLabel;
class QSortFilterProxyModel;
class QSplitter;
class QStackedWidget;
class QTableView;

namespace qk::inspectors {

class ConfusionMatrixModel;
class PredictionModel;

// A run's model scored on held-out data: the scores, a classifier's confusion matrix and its
// predictions table (misclassified rows marked, sortable, "only misclassified" on demand); a
// regression model's predictions with their error, and a line saying why there is no matrix.
class EvaluationView : public QWidget {
    Q_OBJECT
public:
    explicit EvaluationView(QWidget* parent = nullptr);

    // `subject` ("run 3") is being evaluated: the previous result goes.
    void showPending(const QString& subject);
    void showEvaluation(const QString& subject, const keras::Evaluation& evaluation);
    // There is no evaluation of `subject`: it was refused or failed, and why.
    void showProblem(const QString& subject, const QString& message);
    void clear();

    bool hasEvaluation() const { return m_shown; }
    const keras::Evaluation& evaluation() const { return m_evaluation; }
    // What the view says above its tables: the subject and state, and the scores.
    QString statusText() const;
    QString scoresText() const;
    // Below the predictions: how many rows they are of how many (empty when all).
    QString predictionsNote() const;
    // What is shown in place of the matrix: why a regression or other model has none, or why
    // there is no evaluation; empty for a classifier.
    QString matrixNote() const;

    ConfusionMatrixModel& matrix() const { return *m_matrix; }
    PredictionModel& predictions() const { return *m_predictions; }
    QTableView* matrixView() const { return m_matrixView; }
    QTableView* predictionsView() const { return m_predictionsView; }
    void setOnlyMisclassified(bool on);

private:
    void showNothing(const QString& hint);
    // Gives the matrix the width it needs, the predictions the rest.
    void fitMatrix();

    keras::Evaluation m_evaluation;
    bool m_shown = false;
    ConfusionMatrixModel* m_matrix;
    PredictionModel* m_predictions;
    QSortFilterProxyModel* m_sorted;
    QLabel* m_status;
    QLabel* m_scores;
    QLabel* m_axes;
    QStackedWidget* m_matrixStack;
    QTableView* m_matrixView;
    QLabel* m_matrixNote;
    QTableView* m_predictionsView;
    QCheckBox* m_onlyWrong;
    QLabel* m_predictionsNote;
    QSplitter* m_splitter;
};

} // namespace qk::inspectors
