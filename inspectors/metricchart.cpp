// SPDX-License-Identifier: GPL-3.0-or-later
#include "inspectors/metricchart.h"

#include "bridge/keras/traininghistory.h"
#include "inspectors/chartlegend.h"
#include "inspectors/theme.h"
#include "inspectors/trainingrunmodel.h"

#include <QChart>
#include <QGraphicsEllipseItem>
#include <QLabel>
#include <QLegend>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QMouseEvent>
#include <QScatterSeries>
#include <QValueAxis>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <limits>

namespace qk::inspectors {

namespace {

QString valName(const QString& metric) {
    return QStringLiteral("val_") + metric;
}

QString titleOf(const QString& metric) {
    QString title = metric;
    title.replace(QLatin1Char('_'), QLatin1Char(' '));
    if (!title.isEmpty())
        title[0] = title[0].toUpper();
    return title;
}

// A step of 1, 2 or 5 times a power of ten that cuts `span` into at most `ticks` parts.
double niceStep(double span, int ticks) {
    if (span <= 0)
        return 1;
    const double raw = span / ticks;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
        if (m * magnitude >= raw)
            return m * magnitude;
    }
    return 10 * magnitude;
}

// A step of 1, 2, 2.5 or 5 times a power of ten that cuts `span` into about `ticks` parts.
double valueStep(double span, int ticks) {
    if (span <= 0)
        return 1;
    const double raw = span / ticks;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
        if (m * magnitude >= raw * 0.999)
            return m * magnitude;
    }
    return 10 * magnitude;
}

} // namespace

MetricChart::MetricChart(const TrainingRunModel& runs, QString metric, QWidget* parent)
    : QChartView(parent)
    , m_runs(runs)
    , m_metric(std::move(metric))
    , m_chart(new QChart)
    , m_epochAxis(new QValueAxis(m_chart))
    , m_legend(new ChartLegend(m_chart))
    , m_hoverLabel(new QLabel(this))
    , m_hoverDot(new QGraphicsEllipseItem(-4.5, -4.5, 9, 9, m_chart)) {
    setObjectName(QStringLiteral("chart-") + m_metric);
    m_chart->setAnimationOptions(QChart::NoAnimation);
    m_chart->setBackgroundRoundness(0);
    m_chart->setMargins(QMargins(4, 4, 8, 4));
    m_chart->setTitle(titleOf(m_metric));
    QFont titleFont = m_chart->titleFont();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.1);
    m_chart->setTitleFont(titleFont);
    // Qt Charts' legend keeps one row and cuts names short: ours wraps (ChartLegend).
    QFont legendFont = m_chart->legend()->font();
    legendFont.setPointSizeF(legendFont.pointSizeF() * 0.9);
    m_chart->legend()->hide();
    m_legend->setFont(legendFont);
    connect(m_legend, &ChartLegend::clicked, this, &MetricChart::toggleLegendEntry);
    connect(m_chart, &QGraphicsWidget::geometryChanged, this, &MetricChart::layoutLegend);
    setChart(m_chart);
    setRenderHint(QPainter::Antialiasing);
    setRubberBand(QChartView::RectangleRubberBand);
    setMouseTracking(true);
    viewport()->setMouseTracking(true);
    setMinimumSize(240, 190);
    setToolTip(tr("Drag to zoom, wheel to zoom at the mouse, right-click to zoom out, "
                  "double-click to follow the latest epoch again. Click a legend entry to "
                  "hide or show its line."));

    m_epochAxis->setTitleText(tr("Epoch"));
    m_epochAxis->setLabelFormat(QStringLiteral("%d"));
    m_epochAxis->setTickType(QValueAxis::TicksDynamic);
    m_epochAxis->setTickAnchor(0);
    m_epochAxis->setRange(0, 10);
    m_epochAxis->setTickInterval(2);
    m_chart->addAxis(m_epochAxis, Qt::AlignBottom);
    setLogScale(false);
    // A taller or shorter plot gets more or fewer value ticks.
    connect(m_chart, &QChart::plotAreaChanged, this, [this] {
        if (valueTicks() == m_valueTicks)
            return;
        if (m_follow)
            autoRange();
        else
            fitTicksToRange();
    });

    m_hoverLabel->setObjectName(QStringLiteral("hoverLabel"));
    m_hoverLabel->setTextFormat(Qt::RichText);
    m_hoverLabel->setAutoFillBackground(true);
    m_hoverLabel->setBackgroundRole(QPalette::ToolTipBase);
    m_hoverLabel->setForegroundRole(QPalette::ToolTipText);
    m_hoverLabel->setFrameShape(QFrame::Box);
    m_hoverLabel->setMargin(4);
    m_hoverLabel->setAttribute(Qt::WA_TransparentForMouseEvents);
    m_hoverLabel->hide();
    m_hoverDot->setZValue(100);
    m_hoverDot->setPen(QPen(Qt::white, 1.5));
    m_hoverDot->hide();
}

MetricChart::~MetricChart() = default;

void MetricChart::refresh() {
    // Nothing new (a batch of the live epoch, another chart's metric): nothing is touched,
    // so nothing is painted again.
    bool changed = syncTracks();
    for (Track& track : m_tracks)
        changed |= pushPoints(track);
    for (Marker& marker : m_markers)
        changed |= updateMarker(marker);
    changed |= m_restyle;
    m_restyle = false;
    changed |= applyVisibility();
    if (changed && m_follow)
        autoRange();
    updateAntialiasing();
}

void MetricChart::updateAntialiasing() {
    // Antialiased strokes are the costliest part of a repaint, and add little where a line
    // has more points than the plot has pixels across: such lines are drawn without while
    // their run streams in, and antialiased again once it has ended.
    qsizetype densest = 0;
    bool streaming = false;
    for (const Track& track : m_tracks) {
        if (!track.line->isVisible())
            continue;
        densest = std::max<qsizetype>(densest, track.line->count());
        streaming = streaming || !track.finished;
    }
    const bool smooth = !streaming || static_cast<double>(densest) <= m_chart->plotArea().width();
    if (renderHints().testFlag(QPainter::Antialiasing) != smooth)
        setRenderHint(QPainter::Antialiasing, smooth);
}

void MetricChart::setSmoothing(double weight) {
    weight = std::clamp(weight, 0.0, 0.999);
    if (weight == m_smoothing)
        return;
    m_smoothing = weight;
    m_restyle = true;
    refresh();
}

void MetricChart::applyPalette() {
    // Qt Charts draws in its theme's colours, not the widget's: the chart follows the palette.
    const QPalette& p = palette();
    m_chart->setBackgroundBrush(p.color(QPalette::Base));
    m_chart->setBackgroundPen(Qt::NoPen);
    m_chart->setTitleBrush(p.color(QPalette::Text));
    QColor grid = p.color(QPalette::Text);
    grid.setAlphaF(isDark(p) ? 0.16F : 0.12F);
    for (QAbstractAxis* axis : {static_cast<QAbstractAxis*>(m_epochAxis), m_valueAxis}) {
        if (!axis)
            continue;
        axis->setLabelsBrush(p.color(QPalette::Text));
        axis->setTitleBrush(p.color(QPalette::Text));
        axis->setGridLineColor(grid);
        axis->setMinorGridLineColor(grid);
        axis->setLinePenColor(p.color(QPalette::Mid));
    }
}

void MetricChart::changeEvent(QEvent* event) {
    QChartView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyPalette();
        refresh(); // the legend's text
    }
}

void MetricChart::setLogScale(bool on) {
    if (m_valueAxis && on == m_logScale)
        return;
    m_logScale = on;
    QAbstractAxis* axis = nullptr;
    if (on) {
        auto* log = new QLogValueAxis(m_chart);
        log->setBase(10);
        log->setLabelFormat(QStringLiteral("%g"));
        log->setMinorTickCount(8);
        axis = log;
    } else {
        auto* linear = new QValueAxis(m_chart);
        linear->setLabelFormat(QStringLiteral("%.3g"));
        linear->setTickType(QValueAxis::TicksDynamic);
        linear->setTickAnchor(0);
        linear->setTickInterval(0.2);
        axis = linear;
    }
    axis->setTitleText(m_metric);
    if (m_valueAxis) {
        m_chart->removeAxis(m_valueAxis);
        delete m_valueAxis;
    }
    m_chart->addAxis(axis, Qt::AlignLeft);
    m_valueAxis = axis;
    applyPalette();
    for (QAbstractSeries* series : m_chart->series())
        series->attachAxis(axis);
    // Values at or below zero have no place on a log axis: the series are rebuilt without them.
    m_restyle = true;
    refresh();
    autoRange(); // the old range means nothing on the new scale
}

void MetricChart::setFollowLatest(bool on) {
    if (on == m_follow)
        return;
    m_follow = on;
    if (on)
        autoRange();
    Q_EMIT followLatestChanged(on);
}

QLineSeries* MetricChart::line(const keras::TrainingHistory* run, const QString& metric) const {
    for (const Track& track : m_tracks) {
        if (track.run == run && track.metric == metric)
            return track.line;
    }
    return nullptr;
}

QLineSeries* MetricChart::rawLine(const keras::TrainingHistory* run, const QString& metric) const {
    for (const Track& track : m_tracks) {
        if (track.run == run && track.metric == metric)
            return track.raw;
    }
    return nullptr;
}

QScatterSeries* MetricChart::bestMarker(const keras::TrainingHistory* run) const {
    for (const Marker& marker : m_markers) {
        if (marker.run == run)
            return marker.series;
    }
    return nullptr;
}

QString MetricChart::hoverText() const {
    return m_hoverLabel->isVisible() ? m_hoverLabel->text() : QString();
}

bool MetricChart::syncTracks() {
    bool changed = false;
    std::vector<const keras::TrainingHistory*> gone;
    for (const Track& track : m_tracks) {
        if (rowOf(track.run) < 0 && std::find(gone.begin(), gone.end(), track.run) == gone.end())
            gone.push_back(track.run);
    }
    for (const keras::TrainingHistory* run : gone) {
        removeRun(run);
        changed = true;
    }

    const bool several = m_runs.rowCount() > 1;
    for (int row = 0; row < m_runs.rowCount(); ++row) {
        const keras::TrainingHistory* run = &m_runs.history(row);
        const QStringList metrics = run->metricNames();
        for (const QString& metric : {m_metric, valName(m_metric)}) {
            if (metrics.contains(metric) && !line(run, metric)) {
                addTrack(run, metric, m_runs.colour(row));
                changed = true;
            }
        }
        if (!bestMarker(run) && (line(run, m_metric) || line(run, valName(m_metric)))) {
            Marker marker;
            marker.run = run;
            marker.series = new QScatterSeries;
            marker.series->setMarkerShape(QScatterSeries::MarkerShapeStar);
            marker.series->setMarkerSize(16);
            marker.series->setColor(m_runs.colour(row));
            marker.series->setBorderColor(m_runs.colour(row).darker(150));
            marker.series->setName(tr("best epoch"));
            m_chart->addSeries(marker.series);
            attach(marker.series);
            m_markers.push_back(marker);
            changed = true;
        }
        for (Track& track : m_tracks) {
            if (track.run != run)
                continue;
            // With several runs the colour tells the run and the dashes tell validation.
            const bool validation = track.metric.startsWith(QLatin1String("val_"));
            const QString name = !several     ? track.metric
                                 : validation ? tr("%1 (val)").arg(m_runs.name(row))
                                              : m_runs.name(row);
            track.line->setName(name);
            track.raw->setName(name);
        }
    }
    return changed;
}

void MetricChart::addTrack(const keras::TrainingHistory* run, const QString& metric,
                           const QColor& colour) {
    Track track;
    track.run = run;
    track.metric = metric;
    const bool validation = metric.startsWith(QLatin1String("val_"));

    track.raw = new QLineSeries;
    QColor faint = colour;
    faint.setAlpha(70);
    QPen rawPen(faint, 1.2);
    rawPen.setCosmetic(true);
    track.raw->setPen(rawPen);

    track.line = new QLineSeries;
    QPen pen(colour, 2.2);
    pen.setCosmetic(true);
    pen.setStyle(validation ? Qt::DashLine : Qt::SolidLine);
    // A solid line is painted segment by segment: square caps close the joints as round ones
    // do, at a third of the cost of stroking round ends.
    pen.setCapStyle(validation ? Qt::RoundCap : Qt::SquareCap);
    track.line->setPen(pen);

    m_chart->addSeries(track.raw);
    attach(track.raw);
    m_chart->addSeries(track.line);
    attach(track.line);
    m_tracks.push_back(track);
    // Keep markers drawn above the lines: re-add them after a new line.
    for (Marker& marker : m_markers) {
        m_chart->removeSeries(marker.series);
        m_chart->addSeries(marker.series);
        attach(marker.series);
    }
}

void MetricChart::removeRun(const keras::TrainingHistory* run) {
    for (auto it = m_tracks.begin(); it != m_tracks.end();) {
        if (it->run != run) {
            ++it;
            continue;
        }
        m_chart->removeSeries(it->line);
        m_chart->removeSeries(it->raw);
        delete it->line;
        delete it->raw;
        it = m_tracks.erase(it);
    }
    for (auto it = m_markers.begin(); it != m_markers.end();) {
        if (it->run != run) {
            ++it;
            continue;
        }
        m_chart->removeSeries(it->series);
        delete it->series;
        it = m_markers.erase(it);
    }
    hideHover();
}

QList<QPointF> MetricChart::points(const QList<double>& values) const {
    QList<QPointF> out;
    out.reserve(values.size());
    for (qsizetype i = 0; i < values.size(); ++i) {
        const double v = values.at(i);
        if (!std::isfinite(v) || (m_logScale && v <= 0))
            continue;
        out.append(QPointF(static_cast<double>(i + 1), v));
    }
    return out;
}

bool MetricChart::pushPoints(Track& track) {
    const QList<double> values = track.run->series(track.metric);
    const bool finished = track.run->isFinished();
    if (!m_restyle && values.size() == track.pushed && finished == track.finished)
        return false;
    track.pushed = values.size();
    track.finished = finished;
    if (m_smoothing > 0) {
        track.line->replace(points(smoothed(values, m_smoothing)));
        track.raw->replace(points(values));
    } else {
        track.line->replace(points(values));
        if (track.raw->count() > 0)
            track.raw->clear();
    }
    return true;
}

bool MetricChart::updateMarker(Marker& marker) {
    const QString metric =
        marker.run->metricNames().contains(valName(m_metric)) ? valName(m_metric) : m_metric;
    const QList<double> values = marker.run->series(metric);
    const int epoch = hasBest(metric) ? bestEpoch(values, higherIsBetter(metric)) : 0;
    if (epoch == marker.epoch && !m_restyle)
        return false;
    marker.epoch = epoch;
    const double value = epoch > 0 ? values.at(epoch - 1) : 0;
    if (epoch == 0 || (m_logScale && value <= 0))
        marker.series->clear();
    else
        marker.series->replace({QPointF(epoch, value)});
    return true;
}

bool MetricChart::applyVisibility() {
    bool changed = false;
    const auto show = [&changed](QAbstractSeries* series, bool shown) {
        if (series->isVisible() == shown)
            return;
        series->setVisible(shown);
        changed = true;
    };
    for (Track& track : m_tracks) {
        const int row = rowOf(track.run);
        const bool shown = row >= 0 && m_runs.isShown(row) && !track.hiddenByLegend;
        show(track.line, shown);
        show(track.raw, shown && m_smoothing > 0);
    }
    for (Marker& marker : m_markers) {
        const int row = rowOf(marker.run);
        const QString metric =
            marker.run->metricNames().contains(valName(m_metric)) ? valName(m_metric) : m_metric;
        bool shown = row >= 0 && m_runs.isShown(row);
        for (const Track& track : m_tracks) {
            if (track.run == marker.run && track.metric == metric && track.hiddenByLegend)
                shown = false;
        }
        show(marker.series, shown);
    }
    updateLegend();
    return changed;
}

void MetricChart::updateLegend() {
    // Only the main lines have legend entries; hidden ones stay listed, dimmed, so that a
    // click brings them back. One run: an entry per line ("loss", "val_loss"). Several: an
    // entry per run, its name beside its solid and dashed samples, and a key for the dashes.
    QList<ChartLegend::Entry> entries;
    std::vector<std::vector<QLineSeries*>> keys;
    const bool several = m_runs.rowCount() > 1;
    bool anyValidation = false;
    const QString hint = tr("Click to hide or show");
    for (int row = 0; row < m_runs.rowCount(); ++row) {
        if (!m_runs.isShown(row))
            continue;
        const keras::TrainingHistory* run = &m_runs.history(row);
        const Track* train = nullptr;
        const Track* validation = nullptr;
        for (const Track& track : m_tracks) {
            if (track.run != run)
                continue;
            (track.metric == m_metric ? train : validation) = &track;
        }
        anyValidation = anyValidation || validation;
        if (!several) {
            for (const Track* track : {train, validation}) {
                if (!track)
                    continue;
                entries.append({track->metric, track->line->pen(), QPen(Qt::NoPen),
                                track->hiddenByLegend, true,
                                QStringLiteral("%1 — %2").arg(track->metric, hint)});
                keys.push_back({track->line});
            }
            continue;
        }
        if (!train && !validation)
            continue;
        ChartLegend::Entry entry;
        entry.label = m_runs.name(row);
        entry.pen = (train ? train : validation)->line->pen();
        entry.secondPen = train && validation ? validation->line->pen() : QPen(Qt::NoPen);
        entry.dimmed =
            (!train || train->hiddenByLegend) && (!validation || validation->hiddenByLegend);
        entry.toolTip = QStringLiteral("%1 — %2").arg(m_runs.name(row), hint);
        entries.append(entry);
        std::vector<QLineSeries*> lines;
        for (const Track* track : {train, validation}) {
            if (track)
                lines.push_back(track->line);
        }
        keys.push_back(lines);
    }
    if (several && anyValidation) {
        QPen dashed(palette().color(QPalette::Text), 2.2, Qt::DashLine, Qt::RoundCap);
        entries.append({tr("validation"), dashed, QPen(Qt::NoPen), false, false,
                        tr("Dashed lines: the validation data's values")});
        keys.emplace_back();
    }
    m_legendKeys = std::move(keys);
    const bool recoloured = m_legend->setTextColour(palette().color(QPalette::Text));
    if (m_legend->setEntries(entries) || recoloured)
        layoutLegend();
}

void MetricChart::layoutLegend() {
    const QSizeF size = m_chart->size();
    constexpr int side = 8;
    // The legend may take a third of the chart; past that it says how many it leaves out.
    const qreal height = m_legend->layout(size.width() - 2 * side, size.height() * 0.34);
    m_legend->setPos(side, size.height() - 4 - height);
    const QMargins margins(4, 4, 8, 4 + static_cast<int>(std::ceil(height)) + (height > 0 ? 2 : 0));
    if (m_chart->margins() != margins)
        m_chart->setMargins(margins);
}

void MetricChart::toggleLegendEntry(int entry) {
    if (entry < 0 || entry >= static_cast<int>(m_legendKeys.size()))
        return;
    const std::vector<QLineSeries*>& lines = m_legendKeys.at(static_cast<size_t>(entry));
    bool allHidden = true;
    for (const Track& track : m_tracks) {
        if (std::find(lines.begin(), lines.end(), track.line) != lines.end())
            allHidden = allHidden && track.hiddenByLegend;
    }
    for (Track& track : m_tracks) {
        if (std::find(lines.begin(), lines.end(), track.line) != lines.end())
            track.hiddenByLegend = !allHidden;
    }
    applyVisibility();
    if (m_follow)
        autoRange();
}

void MetricChart::autoRange() {
    double xMax = 1;
    double yMin = std::numeric_limits<double>::infinity();
    double yMax = -yMin;
    for (const Track& track : m_tracks) {
        if (!track.line->isVisible())
            continue;
        for (const QLineSeries* series : {track.line, track.raw}) {
            if (!series->isVisible())
                continue;
            for (const QPointF& p : series->points()) {
                xMax = std::max(xMax, p.x());
                yMin = std::min(yMin, p.y());
                yMax = std::max(yMax, p.y());
            }
        }
    }
    const double step = std::max(1.0, niceStep(xMax, 6)); // whole epochs
    m_epochAxis->setTickInterval(step);
    m_epochAxis->setRange(step >= 2 ? 0 : 1, std::max(2.0, std::ceil(xMax / step) * step));

    if (!std::isfinite(yMin)) {
        yMin = m_logScale ? 0.1 : 0;
        yMax = 1;
    }
    if (m_logScale) {
        m_valueAxis->setRange(yMin / 1.3, yMax * 1.3);
        return;
    }
    double pad = (yMax - yMin) * 0.06;
    if (pad <= 0)
        pad = std::max(std::abs(yMax) * 0.1, 0.05);
    // Ticks on round values (0.25, 0.5, …), the range ending on ticks.
    m_valueTicks = valueTicks();
    const double tick = valueStep(yMax - yMin + 2 * pad, m_valueTicks);
    double low = std::floor((yMin - pad) / tick) * tick;
    double high = std::ceil((yMax + pad) / tick) * tick;
    // Non-negative metrics should not show a negative axis, nor fractions (accuracy) one
    // above 1.
    if (yMin >= 0 && low < 0)
        low = 0;
    if (higherIsBetter(m_metric) && yMax <= 1 && high > 1)
        high = 1;
    auto* linear = static_cast<QValueAxis*>(m_valueAxis);
    linear->setTickInterval(tick);
    linear->setRange(low, high);
}

void MetricChart::attach(QAbstractSeries* series) {
    series->attachAxis(m_epochAxis);
    series->attachAxis(m_valueAxis);
}

void MetricChart::fitTicksToRange() {
    m_epochAxis->setTickInterval(
        std::max(1.0, niceStep(m_epochAxis->max() - m_epochAxis->min(), 6)));
    m_valueTicks = valueTicks();
    if (auto* linear = qobject_cast<QValueAxis*>(m_valueAxis))
        linear->setTickInterval(valueStep(linear->max() - linear->min(), m_valueTicks));
}

int MetricChart::valueTicks() const {
    // About one tick per 40 pixels of plot height.
    const auto height = static_cast<int>(m_chart->plotArea().height());
    return height > 0 ? std::clamp(height / 40, 3, 8) : 5;
}

void MetricChart::userMovedView() {
    // Zoomed out around a point near the start: there are no epochs before the first, so the
    // view slides right rather than showing negative ones.
    if (const double low = m_epochAxis->min(); low < 0)
        m_epochAxis->setRange(0, m_epochAxis->max() - low);
    // Zoomed in or out: ticks as many as before, on round values.
    fitTicksToRange();
    hideHover();
    if (!m_follow)
        return;
    m_follow = false;
    Q_EMIT followLatestChanged(false);
}

int MetricChart::rowOf(const keras::TrainingHistory* run) const {
    for (int row = 0; row < m_runs.rowCount(); ++row) {
        if (&m_runs.history(row) == run)
            return row;
    }
    return -1;
}

void MetricChart::wheelEvent(QWheelEvent* event) {
    const double steps = event->angleDelta().y() / 120.0;
    if (steps == 0) {
        event->ignore();
        return;
    }
    const double factor = std::pow(1.25, steps);
    const QRectF area = m_chart->plotArea();
    QPointF at = m_chart->mapFromScene(mapToScene(event->position().toPoint()));
    if (!area.contains(at))
        at = area.center();
    const QRectF zoomed(at.x() - (at.x() - area.left()) / factor,
                        at.y() - (at.y() - area.top()) / factor, area.width() / factor,
                        area.height() / factor);
    m_chart->zoomIn(zoomed);
    userMovedView();
    event->accept();
}

void MetricChart::mousePressEvent(QMouseEvent* event) {
    m_pressPos = event->position().toPoint();
    QChartView::mousePressEvent(event);
}

void MetricChart::mouseReleaseEvent(QMouseEvent* event) {
    const bool dragged = (event->position().toPoint() - m_pressPos).manhattanLength() > 4;
    QChartView::mouseReleaseEvent(event);
    if ((event->button() == Qt::LeftButton && dragged) || event->button() == Qt::RightButton)
        userMovedView();
}

void MetricChart::mouseMoveEvent(QMouseEvent* event) {
    QChartView::mouseMoveEvent(event);
    if (event->buttons() == Qt::NoButton)
        showHover(event->position().toPoint());
    else
        hideHover();
}

void MetricChart::mouseDoubleClickEvent(QMouseEvent* event) {
    QChartView::mouseDoubleClickEvent(event);
    setFollowLatest(true);
}

void MetricChart::leaveEvent(QEvent* event) {
    hideHover();
    QChartView::leaveEvent(event);
}

void MetricChart::showHover(const QPoint& pos) {
    const QPointF at = m_chart->mapFromScene(mapToScene(pos));
    if (!m_chart->plotArea().adjusted(-8, -8, 8, 8).contains(at)) {
        hideHover();
        return;
    }
    const Track* nearest = nullptr;
    QPointF nearestPoint;
    QPointF nearestPos;
    double best = 24.0 * 24.0; // pixels, squared
    for (const Track& track : m_tracks) {
        if (!track.line->isVisible())
            continue;
        const QList<QPointF> pts = track.line->points();
        for (const QPointF& p : pts) {
            const QPointF screen = m_chart->mapToPosition(p, track.line);
            const QPointF d = screen - at;
            const double distance = d.x() * d.x() + d.y() * d.y();
            if (distance < best) {
                best = distance;
                nearest = &track;
                nearestPoint = p;
                nearestPos = screen;
            }
        }
    }
    if (!nearest) {
        hideHover();
        return;
    }
    const int epoch = static_cast<int>(std::lround(nearestPoint.x()));
    const double raw = nearest->run->series(nearest->metric).value(epoch - 1);
    const int row = rowOf(nearest->run);
    QString text = tr("<b>%1</b><br>%2, epoch %3: %4")
                       .arg(m_runs.name(row).toHtmlEscaped(), nearest->metric)
                       .arg(epoch)
                       .arg(QString::number(raw, 'g', 6));
    if (m_smoothing > 0)
        text += tr("<br>smoothed: %1").arg(QString::number(nearestPoint.y(), 'g', 6));
    for (const Marker& marker : m_markers) {
        if (marker.run == nearest->run && marker.epoch == epoch && marker.series->count() == 1 &&
            marker.series->at(0).y() == raw)
            text += tr("<br><i>best epoch</i>");
    }
    m_hoverLabel->setText(text);
    m_hoverLabel->adjustSize();
    QPoint place = pos + QPoint(14, 14);
    if (place.x() + m_hoverLabel->width() > width())
        place.setX(pos.x() - 14 - m_hoverLabel->width());
    if (place.y() + m_hoverLabel->height() > height())
        place.setY(pos.y() - 14 - m_hoverLabel->height());
    m_hoverLabel->move(place);
    m_hoverLabel->show();
    m_hoverLabel->raise();
    m_hoverDot->setBrush(row >= 0 ? m_runs.colour(row) : QColor(Qt::black));
    m_hoverDot->setPos(nearestPos);
    m_hoverDot->show();
}

void MetricChart::hideHover() {
    m_hoverLabel->hide();
    m_hoverDot->hide();
}

} // namespace qk::inspectors
