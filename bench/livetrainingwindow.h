#pragma once

#include <QList>
#include <QPointF>
#include <QTimer>
#include <QWidget>

class QLineSeries;
class QValueAxis;

namespace qk {
class Session;
struct WorkerEvent;
} // namespace qk

namespace qk::bench {

// A window with a live training chart (loss and accuracy per epoch) fed by a session's
// epoch events, redrawn at most about 30 times a second with one replace() per series, as
// DESIGN.md asks of the IDE's chart. It stands in for the IDE's main window in bench_gui.
class LiveTrainingWindow : public QWidget {
public:
    explicit LiveTrainingWindow(Session& session, QWidget* parent = nullptr);

    int redraws() const { return m_redraws; }
    int epochs() const { return static_cast<int>(m_loss.size()); }

private:
    void onWorkerEvent(const WorkerEvent& event);
    void redraw();

    QLineSeries* m_lossSeries;
    QLineSeries* m_accuracySeries;
    QValueAxis* m_epochAxis;
    QValueAxis* m_valueAxis;
    QList<QPointF> m_loss;
    QList<QPointF> m_accuracy;
    QTimer m_redrawTimer;
    double m_maxValue = 1.0;
    int m_redraws = 0;
};

} // namespace qk::bench
