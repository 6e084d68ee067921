// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QColor>
#include <QHash>
#include <QImage>
#include <QList>
#include <QWidget>

#include <memory>

class QCheckBox;
class QGridLayout;
class QLabel;
class QProgressBar;
class QPushButton;
class QSlider;
class QStackedWidget;
class QTabWidget;
class QTimer;
class QToolButton;
class QTreeView;

namespace qk::keras {
class TrainingHistory;
}

namespace qk::inspectors {

class EvaluationView;
class MetricChart;
class TrainingRunModel;

// The training-history inspector: a line chart per metric (with its val_ twin) for every run,
// growing live while fit() runs; the progress of the live run (epoch N of M, batch, elapsed
// and remaining time) with a Stop button; the list of runs (show, hide, remove); follow-latest,
// log scale and smoothing; export as CSV and PNG (the learning rate is charted once it changes
// during a run); in a tab beside the charts, a run's
// evaluation on the test set (EvaluationView). Training events only mark the view dirty:
// redraws happen on a single-shot timer, at most about 30 a second.
class TrainingHistoryView : public QWidget {
    Q_OBJECT
public:
    static constexpr int RedrawIntervalMs = 33;

    explicit TrainingHistoryView(QWidget* parent = nullptr);
    ~TrainingHistoryView() override;

    // Shows a fit() as a new run (overlaid on the others, in its own colour); returns its row.
    int addRun(std::shared_ptr<const keras::TrainingHistory> history, const QString& name = {},
               const QColor& colour = {});
    TrainingRunModel& runs() const { return *m_runs; }
    // The run the user points at: the first selected one, else the newest; -1 when none.
    int currentRun() const;
    void selectRun(int row);

    // The Evaluation tab beside the charts, and bringing it to the front.
    EvaluationView* evaluationView() const { return m_evaluation; }
    void showEvaluation();

    QList<MetricChart*> charts() const { return m_charts; }
    // What the Curves tab says while it has no chart (no run yet, none with an epoch yet);
    // empty while charts are shown.
    QString chartHint() const;
    // The chart showing `metric` (or its val_ twin); null when there is none yet.
    MetricChart* chart(const QString& metric) const;

    void setSmoothing(double weight);
    double smoothing() const;
    void setLogScale(bool on);
    void setFollowLatest(bool on);
    bool followsLatest() const;

    // Every run, every metric, one row per epoch (see TrainingRunModel::toCsv).
    bool exportCsv(const QString& path, QString* error = nullptr) const;
    // The charts as they are on screen.
    QImage renderCharts() const;
    bool exportPng(const QString& path, QString* error = nullptr) const;

    // Redraws done so far (each pushes the new points of every changed series once).
    int redrawCount() const { return m_redraws; }
    // Draws pending changes now rather than on the timer.
    void redrawNow();
    // Whether changes wait for the next redraw.
    bool redrawPending() const;

Q_SIGNALS:
    // The user asked the live fit() to stop after its current batch (the weights are kept).
    void stopRequested();
    // The user asked for the run at `row` to be scored on the test set.
    void evaluateRequested(int row);

private:
    void scheduleRedraw();
    void redraw();
    void syncCharts();
    QString hintText() const;
    bool learningRateVaries() const;
    void updateProgress();
    void removeSelectedRuns();
    void askExportCsv();
    void askExportPng();
    void showMessage(const QString& text);
    // Shows the runs list's columns that fit its width whole, by need: name, status, best,
    // epochs, time; a column the user showed or hid from the header's menu stays so.
    void fitRunColumns();
    bool eventFilter(QObject* watched, QEvent* event) override;

    TrainingRunModel* m_runs;
    QTimer* m_redrawTimer;
    QTimer* m_clockTimer;
    QList<MetricChart*> m_charts;
    int m_redraws = 0;
    bool m_reshape = true;

    QCheckBox* m_follow;
    QCheckBox* m_logScale;
    QSlider* m_smoothing;
    QLabel* m_smoothingValue;
    QToolButton* m_export;
    QProgressBar* m_progress;
    QLabel* m_progressText;
    QPushButton* m_stop;
    QTabWidget* m_tabs;
    QStackedWidget* m_chartStack;
    QLabel* m_chartHint; // shown while there is no chart
    EvaluationView* m_evaluation;
    QWidget* m_chartArea;
    QGridLayout* m_chartGrid;
    QTreeView* m_runList;
    QPushButton* m_remove;
    QPushButton* m_evaluate;
    QHash<int, bool> m_columnChoice; // column -> shown, as chosen from the header's menu
    QHash<int, int> m_titleWidth;    // column -> the header's size hint for its title
};

} // namespace qk::inspectors
