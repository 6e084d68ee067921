#include "bench/livetrainingwindow.h"

#include "bridge/session/session.h"

#include <QChart>
#include <QChartView>
#include <QLineSeries>
#include <QVBoxLayout>
#include <QValueAxis>

namespace qk::bench {

namespace {
constexpr int kRedrawIntervalMs = 33;
}

LiveTrainingWindow::LiveTrainingWindow(Session& session, QWidget* parent)
    : QWidget(parent)
    , m_lossSeries(new QLineSeries)
    , m_accuracySeries(new QLineSeries)
    , m_epochAxis(new QValueAxis)
    , m_valueAxis(new QValueAxis) {
    auto* chart = new QChart;
    m_lossSeries->setName(QStringLiteral("loss"));
    m_accuracySeries->setName(QStringLiteral("accuracy"));
    chart->addSeries(m_lossSeries);
    chart->addSeries(m_accuracySeries);
    chart->addAxis(m_epochAxis, Qt::AlignBottom);
    chart->addAxis(m_valueAxis, Qt::AlignLeft);
    for (QLineSeries* series : {m_lossSeries, m_accuracySeries}) {
        series->attachAxis(m_epochAxis);
        series->attachAxis(m_valueAxis);
    }
    m_epochAxis->setTitleText(QStringLiteral("epoch"));
    auto* view = new QChartView(chart, this);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(view);
    resize(900, 600);

    m_redrawTimer.setSingleShot(true);
    m_redrawTimer.setInterval(kRedrawIntervalMs);
    connect(&m_redrawTimer, &QTimer::timeout, this, &LiveTrainingWindow::redraw);
    connect(&session, &Session::workerEvent, this, &LiveTrainingWindow::onWorkerEvent);
}

void LiveTrainingWindow::onWorkerEvent(const WorkerEvent& event) {
    if (event.kind != QLatin1String("epoch"))
        return;
    const double epoch = static_cast<double>(event.data[QStringLiteral("epoch")].toInt());
    const Value& logs = event.data[QStringLiteral("logs")];
    if (logs.contains(QStringLiteral("loss"))) {
        const double loss = logs[QStringLiteral("loss")].toDouble();
        m_loss.append({epoch, loss});
        m_maxValue = std::max(m_maxValue, loss);
    }
    if (logs.contains(QStringLiteral("accuracy")))
        m_accuracy.append({epoch, logs[QStringLiteral("accuracy")].toDouble()});
    if (!m_redrawTimer.isActive())
        m_redrawTimer.start();
}

void LiveTrainingWindow::redraw() {
    m_lossSeries->replace(m_loss);
    m_accuracySeries->replace(m_accuracy);
    m_epochAxis->setRange(1, std::max(2.0, m_loss.isEmpty() ? 2.0 : m_loss.back().x()));
    m_valueAxis->setRange(0, m_maxValue * 1.05);
    ++m_redraws;
}

} // namespace qk::bench
