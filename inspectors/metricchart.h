// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QChartView>
#include <QHash>
#include <QPointer>
#include <QString>

#include <vector>

class QAbstractAxis;
class QGraphicsEllipseItem;
class QLabel;
class QLineSeries;
class QScatterSeries;
class QValueAxis;

namespace qk::keras {
class TrainingHistory;
}

namespace qk::inspectors {

class ChartLegend;
class TrainingRunModel;

// One metric of every run as line charts: the metric and its "val_" twin (dashed), one colour
// per run, each line smoothed on demand with the raw values faint behind it, and each run's
// best epoch marked. refresh() pushes the points with one replace() per changed series; the
// axes follow the data until the user zooms (rubber band, wheel), then stay where the user put
// them until follow-latest is switched back on (or the chart is double-clicked).
class MetricChart : public QChartView {
    Q_OBJECT
public:
    MetricChart(const TrainingRunModel& runs, QString metric, QWidget* parent = nullptr);
    ~MetricChart() override;

    // The metric without "val_" ("loss", "accuracy").
    const QString& metricName() const { return m_metric; }

    // Brings series in line with the runs and pushes new points.
    void refresh();

    void setSmoothing(double weight);
    double smoothing() const { return m_smoothing; }
    void setLogScale(bool on);
    bool logScale() const { return m_logScale; }
    void setFollowLatest(bool on);
    bool followsLatest() const { return m_follow; }

    // The line shown for `metric` of a run (smoothed when smoothing is on), the faint raw line
    // behind it, and the run's best-epoch marker; null when the run has no such series.
    QLineSeries* line(const keras::TrainingHistory* run, const QString& metric) const;
    QLineSeries* rawLine(const keras::TrainingHistory* run, const QString& metric) const;
    QScatterSeries* bestMarker(const keras::TrainingHistory* run) const;
    QValueAxis* epochAxis() const { return m_epochAxis; }
    QAbstractAxis* valueAxis() const { return m_valueAxis; }
    // The text shown for the point under the mouse; empty when none is near.
    QString hoverText() const;
    // The legend under the plot (entries wrap into rows; a click hides or shows lines).
    ChartLegend* legend() const { return m_legend; }

Q_SIGNALS:
    // The user zoomed or panned, so the chart stopped following the latest epoch.
    void followLatestChanged(bool on);

protected:
    void changeEvent(QEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void leaveEvent(QEvent* event) override;

private:
    struct Track {
        const keras::TrainingHistory* run = nullptr;
        QString metric;
        QLineSeries* line = nullptr;
        QLineSeries* raw = nullptr;
        qsizetype pushed = -1; // epochs in the series after the last replace()
        bool finished = false;
        bool hiddenByLegend = false;
    };
    struct Marker {
        const keras::TrainingHistory* run = nullptr;
        QScatterSeries* series = nullptr;
        int epoch = 0;
    };

    // Each returns whether it changed what the chart shows.
    bool syncTracks();
    void addTrack(const keras::TrainingHistory* run, const QString& metric, const QColor& colour);
    void removeRun(const keras::TrainingHistory* run);
    bool pushPoints(Track& track);
    bool updateMarker(Marker& marker);
    bool applyVisibility();
    void updateLegend();
    void layoutLegend();
    void applyPalette();
    void toggleLegendEntry(int entry);
    void updateAntialiasing();
    void autoRange();
    void attach(QAbstractSeries* series);
    void userMovedView();
    void fitTicksToRange();
    int valueTicks() const;
    void showHover(const QPoint& pos);
    void hideHover();
    int rowOf(const keras::TrainingHistory* run) const;
    QList<QPointF> points(const QList<double>& values) const;

    const TrainingRunModel& m_runs;
    const QString m_metric;
    QChart* m_chart;
    QValueAxis* m_epochAxis;
    ChartLegend* m_legend;
    std::vector<std::vector<QLineSeries*>> m_legendKeys; // the lines each legend entry toggles
    QAbstractAxis* m_valueAxis = nullptr;
    std::vector<Track> m_tracks;
    std::vector<Marker> m_markers;
    double m_smoothing = 0;
    bool m_logScale = false;
    bool m_follow = true;
    int m_valueTicks = 0;  // value-axis ticks the last range was cut into
    bool m_restyle = true; // names, pens or values changed: replace every series
    QPoint m_pressPos;
    QLabel* m_hoverLabel;
    QGraphicsEllipseItem* m_hoverDot;
};

} // namespace qk::inspectors
