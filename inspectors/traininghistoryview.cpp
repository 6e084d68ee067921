// SPDX-License-Identifier: GPL-3.0-or-later
#include "inspectors/traininghistoryview.h"

#include "bridge/keras/traininghistory.h"
#include "inspectors/evaluationview.h"
#include "inspectors/metricchart.h"
#include "inspectors/trainingrunmodel.h"

#include <QAction>
#include <QCheckBox>
#include <QFile>
#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QPixmap>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollArea>
#include <QSlider>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QTabWidget>
#include <QTimer>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <functional>

namespace qk::inspectors {

namespace {

constexpr int progressSteps = 1000;

QString baseMetric(const QString& metric) {
    return metric.startsWith(QLatin1String("val_")) ? metric.mid(4) : metric;
}

QString clock(double seconds) {
    const auto total = static_cast<long long>(std::llround(std::max(0.0, seconds)));
    if (total >= 3600)
        return QStringLiteral("%1:%2:%3")
            .arg(total / 3600)
            .arg(total / 60 % 60, 2, 10, QLatin1Char('0'))
            .arg(total % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1:%2").arg(total / 60).arg(total % 60, 2, 10, QLatin1Char('0'));
}

// A run's reason on one line: Keras' "Exception encountered when calling X." preamble and its
// "Arguments received by ..." list are left out, the lines of the message joined.
QString oneLine(const QString& reason) {
    // "ValueError: ..." keeps its type in front.
    const qsizetype colon = reason.indexOf(QLatin1String(": "));
    const bool typed = colon > 0 && !reason.left(colon).contains(u' ');
    const QString type = typed ? reason.left(colon) : QString();
    QStringList kept;
    for (const QString& raw : (typed ? reason.mid(colon + 2) : reason).split(u'\n')) {
        const QString line = raw.trimmed();
        if (line.startsWith(QLatin1String("Arguments received by")))
            break;
        if (line.isEmpty() || line.startsWith(QLatin1String("Exception encountered when calling")))
            continue;
        kept << line;
    }
    const QString text = kept.join(u' ');
    return type.isEmpty() ? text : type + QStringLiteral(": ") + text;
}

// What an epoch takes now: the median of the last epochs but the first, which also compiles
// the model (on iris, the first epoch takes a hundred times as long as the others); the
// median, so that an epoch slowed by something else running does not move it. 0 while only
// the first is done.
double secondsPerEpoch(const QList<double>& seconds) {
    constexpr qsizetype recent = 11;
    if (seconds.size() < 2)
        return 0;
    QList<double> last = seconds.mid(std::max<qsizetype>(1, seconds.size() - recent));
    const auto middle = last.begin() + last.size() / 2;
    std::nth_element(last.begin(), middle, last.end());
    return *middle;
}

} // namespace

TrainingHistoryView::TrainingHistoryView(QWidget* parent)
    : QWidget(parent)
    , m_runs(new TrainingRunModel(this))
    , m_redrawTimer(new QTimer(this))
    , m_clockTimer(new QTimer(this)) {
    m_redrawTimer->setSingleShot(true);
    m_redrawTimer->setInterval(RedrawIntervalMs);
    connect(m_redrawTimer, &QTimer::timeout, this, &TrainingHistoryView::redraw);
    m_clockTimer->setInterval(500);
    connect(m_clockTimer, &QTimer::timeout, this, &TrainingHistoryView::updateProgress);
    connect(m_runs, &TrainingRunModel::runsChanged, this, &TrainingHistoryView::scheduleRedraw);
    // A removed run's history may be gone with it: drop its series before anything draws.
    connect(m_runs, &QAbstractItemModel::rowsRemoved, this, [this] {
        m_reshape = true;
        redrawNow();
    });
    connect(m_runs, &TrainingRunModel::runsReshaped, this, [this] {
        m_reshape = true;
        scheduleRedraw();
    });

    // Progress of the live run.
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("progress"));
    m_progress->setRange(0, progressSteps);
    m_progress->setValue(0);
    m_progress->setTextVisible(true);
    m_progress->setFormat(tr("No training yet"));
    m_progress->setMinimumWidth(180);
    m_progressText = new QLabel(this);
    m_progressText->setObjectName(QStringLiteral("progressText"));
    m_progressText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Long texts are cut rather than widening the dock.
    m_progressText->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_stop = new QPushButton(style()->standardIcon(QStyle::SP_MediaStop), tr("Stop"), this);
    m_stop->setObjectName(QStringLiteral("stop"));
    m_stop->setToolTip(tr("Stop training after the current batch; the weights are kept"));
    m_stop->setEnabled(false);
    connect(m_stop, &QPushButton::clicked, this, [this] {
        m_stop->setEnabled(false);
        m_stop->setText(tr("Stopping…"));
        Q_EMIT stopRequested();
    });

    // Chart settings.
    m_follow = new QCheckBox(tr("Follow latest"), this);
    m_follow->setObjectName(QStringLiteral("followLatest"));
    m_follow->setChecked(true);
    m_follow->setToolTip(tr("Fit the axes to the data as epochs arrive; zooming a chart turns "
                            "this off for that chart"));
    connect(m_follow, &QCheckBox::toggled, this, &TrainingHistoryView::setFollowLatest);
    m_logScale = new QCheckBox(tr("Log scale"), this);
    m_logScale->setObjectName(QStringLiteral("logScale"));
    m_logScale->setToolTip(tr("Logarithmic value axis"));
    connect(m_logScale, &QCheckBox::toggled, this, [this](bool on) {
        for (MetricChart* chart : std::as_const(m_charts))
            chart->setLogScale(on);
    });
    auto* smoothingLabel = new QLabel(tr("Smoothing"), this);
    m_smoothing = new QSlider(Qt::Horizontal, this);
    m_smoothing->setObjectName(QStringLiteral("smoothing"));
    m_smoothing->setRange(0, 99);
    m_smoothing->setMaximumWidth(160);
    m_smoothing->setToolTip(tr("Exponential moving average; the raw values stay faint behind"));
    m_smoothingValue = new QLabel(QStringLiteral("0.00"), this);
    m_smoothingValue->setMinimumWidth(
        m_smoothingValue->fontMetrics().horizontalAdvance(QStringLiteral("0.000")));
    connect(m_smoothing, &QSlider::valueChanged, this, [this](int value) {
        const double weight = value / 100.0;
        m_smoothingValue->setText(QString::number(weight, 'f', 2));
        for (MetricChart* chart : std::as_const(m_charts))
            chart->setSmoothing(weight);
    });
    m_export = new QToolButton(this);
    m_export->setText(tr("Export"));
    m_export->setIcon(style()->standardIcon(QStyle::SP_DialogSaveButton));
    m_export->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_export->setPopupMode(QToolButton::InstantPopup);
    auto* exportMenu = new QMenu(m_export);
    exportMenu->addAction(tr("Metrics as CSV…"), this, &TrainingHistoryView::askExportCsv);
    exportMenu->addAction(tr("Charts as PNG…"), this, &TrainingHistoryView::askExportPng);
    m_export->setMenu(exportMenu);

    // Charts, or a hint while there are none.
    m_chartStack = new QStackedWidget(this);
    m_chartHint = new QLabel(hintText(), m_chartStack);
    m_chartHint->setAlignment(Qt::AlignCenter);
    m_chartHint->setEnabled(false);
    m_chartHint->setWordWrap(true);
    m_chartStack->addWidget(m_chartHint);
    auto* scroll = new QScrollArea(m_chartStack);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    m_chartArea = new QWidget(scroll);
    m_chartArea->setObjectName(QStringLiteral("chartArea"));
    m_chartArea->setAutoFillBackground(true);
    m_chartArea->setBackgroundRole(QPalette::Base);
    m_chartGrid = new QGridLayout(m_chartArea);
    m_chartGrid->setContentsMargins(2, 2, 2, 2);
    m_chartGrid->setSpacing(4);
    scroll->setWidget(m_chartArea);
    m_chartStack->addWidget(scroll);

    // Runs.
    m_runList = new QTreeView(this);
    m_runList->setObjectName(QStringLiteral("runs"));
    m_runList->setModel(m_runs);
    m_runList->setRootIsDecorated(false);
    m_runList->setUniformRowHeights(true);
    m_runList->setAlternatingRowColors(true);
    m_runList->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_runList->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_runList->setEditTriggers(QAbstractItemView::EditKeyPressed |
                               QAbstractItemView::DoubleClicked);
    QHeaderView* header = m_runList->header();
    // The name takes the room the other columns leave, and is elided when it is wider.
    header->setStretchLastSection(false);
    header->setSectionResizeMode(QHeaderView::ResizeToContents);
    header->setSectionResizeMode(TrainingRunModel::NameColumn, QHeaderView::Stretch);
    // What a run is doing and its best value come right after the name, where a narrow panel
    // still shows them; fitRunColumns() leaves out what does not fit rather than scroll. The
    // header's context menu hides and shows columns.
    header->setSectionsMovable(true);
    header->moveSection(header->visualIndex(TrainingRunModel::StatusColumn), 1);
    header->moveSection(header->visualIndex(TrainingRunModel::BestColumn), 2);
    header->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(header, &QWidget::customContextMenuRequested, this, [this, header](const QPoint& at) {
        QMenu menu;
        for (int column = 1; column < TrainingRunModel::ColumnCount; ++column) {
            QAction* action = menu.addAction(m_runs->headerData(column, Qt::Horizontal).toString());
            action->setCheckable(true);
            action->setChecked(!header->isSectionHidden(column));
            connect(action, &QAction::toggled, this, [this, column](bool shown) {
                m_columnChoice.insert(column, shown);
                fitRunColumns();
            });
        }
        menu.exec(header->mapToGlobal(at));
    });
    m_runList->viewport()->installEventFilter(this);
    for (const auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(m_runs, signal, this, &TrainingHistoryView::fitRunColumns, Qt::QueuedConnection);
    connect(m_runs, &QAbstractItemModel::dataChanged, this, &TrainingHistoryView::fitRunColumns,
            Qt::QueuedConnection);
    // A section that grew with its contents (a longer status) may no longer leave room for the
    // others; fitRunColumns() changes nothing when the choice stands, so this settles.
    connect(header, &QHeaderView::sectionResized, this, &TrainingHistoryView::fitRunColumns,
            Qt::QueuedConnection);
    m_remove = new QPushButton(tr("Remove"), this);
    m_remove->setObjectName(QStringLiteral("removeRuns"));
    m_remove->setToolTip(tr("Remove the selected runs from the charts"));
    m_remove->setEnabled(false);
    connect(m_remove, &QPushButton::clicked, this, &TrainingHistoryView::removeSelectedRuns);
    connect(m_runList->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            [this] { m_remove->setEnabled(m_runList->selectionModel()->hasSelection()); });
    auto* removeAction = new QAction(m_runList);
    removeAction->setShortcut(QKeySequence::Delete);
    removeAction->setShortcutContext(Qt::WidgetShortcut);
    connect(removeAction, &QAction::triggered, this, &TrainingHistoryView::removeSelectedRuns);
    m_runList->addAction(removeAction);

    auto* runsPanel = new QWidget(this);
    auto* runsLayout = new QVBoxLayout(runsPanel);
    runsLayout->setContentsMargins(0, 0, 0, 0);
    auto* runsTitle = new QLabel(tr("Runs"), runsPanel);
    QFont bold = runsTitle->font();
    bold.setBold(true);
    runsTitle->setFont(bold);
    runsLayout->addWidget(runsTitle);
    runsLayout->addWidget(m_runList, 1);
    m_evaluate = new QPushButton(tr("Evaluate"), this);
    m_evaluate->setObjectName(QStringLiteral("evaluateRun"));
    m_evaluate->setToolTip(tr("Score the selected run (else the newest) on the test set: "
                              "scores, confusion matrix and predictions"));
    m_evaluate->setEnabled(false);
    connect(m_evaluate, &QPushButton::clicked, this, [this] {
        if (const int row = currentRun(); row >= 0)
            Q_EMIT evaluateRequested(row);
    });
    connect(m_runs, &QAbstractItemModel::rowsInserted, this,
            [this] { m_evaluate->setEnabled(true); });
    connect(m_runs, &QAbstractItemModel::rowsRemoved, this,
            [this] { m_evaluate->setEnabled(m_runs->rowCount() > 0); });
    auto* runsButtons = new QHBoxLayout;
    runsButtons->addWidget(m_evaluate);
    runsButtons->addStretch(1);
    runsButtons->addWidget(m_remove);
    runsLayout->addLayout(runsButtons);

    // The charts, and the evaluation of a run in a tab beside them.
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("historyTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(m_chartStack, tr("Curves"));
    m_evaluation = new EvaluationView(m_tabs);
    m_evaluation->setObjectName(QStringLiteral("evaluation"));
    m_tabs->addTab(m_evaluation, tr("Evaluation"));

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_tabs);
    splitter->addWidget(runsPanel);
    splitter->setStretchFactor(0, 5);
    splitter->setStretchFactor(1, 2);
    splitter->setChildrenCollapsible(false);
    splitter->setSizes({1000, 400});

    auto* progressRow = new QHBoxLayout;
    progressRow->addWidget(m_progress, 2);
    progressRow->addWidget(m_progressText, 3);
    progressRow->addWidget(m_stop);
    auto* controls = new QHBoxLayout;
    controls->addWidget(m_follow);
    controls->addSpacing(8);
    controls->addWidget(m_logScale);
    controls->addSpacing(8);
    controls->addWidget(smoothingLabel);
    controls->addWidget(m_smoothing);
    controls->addWidget(m_smoothingValue);
    controls->addStretch(1);
    controls->addWidget(m_export);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(progressRow);
    layout->addLayout(controls);
    layout->addWidget(splitter, 1);
    updateProgress();
}

TrainingHistoryView::~TrainingHistoryView() = default;

int TrainingHistoryView::addRun(std::shared_ptr<const keras::TrainingHistory> history,
                                const QString& name, const QColor& colour) {
    return m_runs->addRun(std::move(history), name, colour);
}

int TrainingHistoryView::currentRun() const {
    const QModelIndexList selected = m_runList->selectionModel()->selectedRows();
    if (!selected.isEmpty())
        return selected.front().row();
    return m_runs->rowCount() - 1;
}

void TrainingHistoryView::selectRun(int row) {
    m_runList->selectionModel()->select(m_runs->index(row, 0), QItemSelectionModel::ClearAndSelect |
                                                                   QItemSelectionModel::Rows);
}

void TrainingHistoryView::showEvaluation() {
    m_tabs->setCurrentWidget(m_evaluation);
}

MetricChart* TrainingHistoryView::chart(const QString& metric) const {
    const QString base = baseMetric(metric);
    for (MetricChart* chart : m_charts) {
        if (chart->metricName() == base)
            return chart;
    }
    return nullptr;
}

void TrainingHistoryView::setSmoothing(double weight) {
    m_smoothing->setValue(static_cast<int>(std::lround(weight * 100)));
}

double TrainingHistoryView::smoothing() const {
    return m_smoothing->value() / 100.0;
}

void TrainingHistoryView::setLogScale(bool on) {
    m_logScale->setChecked(on);
}

void TrainingHistoryView::setFollowLatest(bool on) {
    {
        const QSignalBlocker blocker(m_follow);
        m_follow->setChecked(on);
    }
    for (MetricChart* chart : std::as_const(m_charts))
        chart->setFollowLatest(on);
}

bool TrainingHistoryView::followsLatest() const {
    return m_follow->isChecked();
}

bool TrainingHistoryView::exportCsv(const QString& path, QString* error) const {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text) ||
        file.write(m_runs->toCsv().toUtf8()) < 0 || !file.commit()) {
        if (error)
            *error = file.errorString();
        return false;
    }
    return true;
}

QImage TrainingHistoryView::renderCharts() const {
    return m_chartArea->grab().toImage();
}

bool TrainingHistoryView::exportPng(const QString& path, QString* error) const {
    const QImage image = renderCharts();
    if (image.isNull()) {
        if (error)
            *error = tr("there is nothing to draw");
        return false;
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || !image.save(&file, "PNG") || !file.commit()) {
        if (error)
            *error = file.errorString();
        return false;
    }
    return true;
}

void TrainingHistoryView::redrawNow() {
    m_redrawTimer->stop();
    redraw();
}

bool TrainingHistoryView::redrawPending() const {
    return m_redrawTimer->isActive();
}

void TrainingHistoryView::scheduleRedraw() {
    if (!m_redrawTimer->isActive())
        m_redrawTimer->start();
}

void TrainingHistoryView::redraw() {
    ++m_redraws;
    m_runs->publishChanges();
    syncCharts();
    for (MetricChart* chart : std::as_const(m_charts))
        chart->refresh();
    updateProgress();
}

bool TrainingHistoryView::learningRateVaries() const {
    for (int row = 0; row < m_runs->rowCount(); ++row) {
        const QList<double> rates = m_runs->history(row).series(QStringLiteral("learning_rate"));
        if (std::adjacent_find(rates.cbegin(), rates.cend(), std::not_equal_to<>()) != rates.cend())
            return true;
    }
    return false;
}

void TrainingHistoryView::syncCharts() {
    QStringList bases;
    for (const QString& metric : m_runs->metricNames()) {
        const QString base = baseMetric(metric);
        if (!bases.contains(base))
            bases.append(base);
    }
    // The learning rate gets a chart once it changes in some run (a schedule, a callback);
    // a constant rate stays in the CSV export and the history.
    if (!learningRateVaries())
        bases.removeAll(QStringLiteral("learning_rate"));
    // Loss first, then the metrics in the order Keras reports them.
    if (const auto loss = bases.indexOf(QStringLiteral("loss")); loss > 0)
        bases.move(loss, 0);

    bool changed = false;
    for (auto it = m_charts.begin(); it != m_charts.end();) {
        if (bases.contains((*it)->metricName())) {
            ++it;
            continue;
        }
        delete *it;
        it = m_charts.erase(it);
        changed = true;
    }
    for (const QString& base : bases) {
        if (chart(base))
            continue;
        auto* chart = new MetricChart(*m_runs, base, m_chartArea);
        chart->setSmoothing(smoothing());
        chart->setLogScale(m_logScale->isChecked());
        chart->setFollowLatest(m_follow->isChecked());
        connect(chart, &MetricChart::followLatestChanged, this, [this](bool on) {
            const bool all = on && std::all_of(m_charts.cbegin(), m_charts.cend(),
                                               [](MetricChart* c) { return c->followsLatest(); });
            const QSignalBlocker blocker(m_follow);
            m_follow->setChecked(all);
        });
        m_charts.append(chart);
        changed = true;
    }
    if (changed || m_reshape) {
        std::sort(m_charts.begin(), m_charts.end(), [&bases](MetricChart* a, MetricChart* b) {
            return bases.indexOf(a->metricName()) < bases.indexOf(b->metricName());
        });
        const auto count = m_charts.size();
        const int columns =
            count <= 3 ? static_cast<int>(std::max<qsizetype>(count, 1)) : (count == 4 ? 2 : 3);
        for (qsizetype i = 0; i < count; ++i) {
            m_chartGrid->removeWidget(m_charts.at(i));
            m_chartGrid->addWidget(m_charts.at(i), static_cast<int>(i) / columns,
                                   static_cast<int>(i) % columns);
        }
    }
    m_reshape = false;
    m_chartHint->setText(hintText());
    m_chartStack->setCurrentIndex(m_charts.isEmpty() ? 0 : 1);
}

QString TrainingHistoryView::chartHint() const {
    return m_charts.isEmpty() ? m_chartHint->text() : QString();
}

QString TrainingHistoryView::hintText() const {
    const int count = m_runs->rowCount();
    if (count == 0)
        return tr("Train a model to see its loss and metrics here, epoch by epoch.");
    if (const int live = m_runs->liveRow(); live >= 0)
        return tr("%1 is training: its curves start when its first epoch ends.")
            .arg(m_runs->name(live));
    return tr("No run has an epoch to draw: %1 ended before its first one.")
        .arg(m_runs->name(count - 1));
}

void TrainingHistoryView::updateProgress() {
    const int live = m_runs->liveRow();
    const int row = live >= 0 ? live : m_runs->rowCount() - 1;
    if (live >= 0 && !m_clockTimer->isActive())
        m_clockTimer->start();
    else if (live < 0)
        m_clockTimer->stop();
    if (live < 0) {
        m_stop->setEnabled(false);
        m_stop->setText(tr("Stop"));
    } else if (m_stop->text() == tr("Stop")) {
        m_stop->setEnabled(true);
    }
    if (row < 0) {
        m_progress->setValue(0);
        m_progress->setFormat(tr("No training yet"));
        m_progressText->clear();
        return;
    }

    const keras::TrainingHistory& history = m_runs->history(row);
    const int epochs = history.epochCount();
    const int planned = history.plannedEpochs().value_or(0);
    const double elapsed = m_runs->elapsedSeconds(row);
    const keras::TrainingHistory::BatchProgress batch = history.lastBatch();
    const QString name = m_runs->name(row);

    if (history.isFinished()) {
        using Outcome = keras::TrainingHistory::Outcome;
        const Outcome outcome = history.outcome();
        const QString reason = oneLine(history.reason());
        m_progress->setValue(outcome == Outcome::Finished || planned <= 0
                                 ? progressSteps
                                 : progressSteps * std::min(epochs, planned) / planned);
        switch (outcome) {
        case Outcome::Finished:
        case Outcome::Running:
            m_progress->setFormat(tr("%1 epochs done").arg(epochs));
            m_progressText->setText(tr("%1 finished in %2").arg(name, clock(elapsed)));
            break;
        case Outcome::Stopped:
            m_progress->setFormat(planned > 0
                                      ? tr("Stopped at epoch %1 of %2").arg(epochs).arg(planned)
                                      : tr("Stopped at epoch %1").arg(epochs));
            m_progressText->setText(
                reason.isEmpty()
                    ? tr("%1 stopped after %2; the weights are kept").arg(name, clock(elapsed))
                    : tr("%1 %2 after %3; the weights are kept").arg(name, reason, clock(elapsed)));
            break;
        case Outcome::Failed:
            m_progress->setFormat(tr("Failed at epoch %1").arg(epochs + 1));
            m_progressText->setText(tr("%1 failed after %2: %3").arg(name, clock(elapsed), reason));
            break;
        case Outcome::Lost:
            m_progress->setFormat(tr("Lost at epoch %1").arg(epochs + 1));
            m_progressText->setText(tr("%1 lost after %2: %3").arg(name, clock(elapsed), reason));
            break;
        }
        m_progressText->setToolTip(history.reason().isEmpty() ? m_progressText->text()
                                                              : history.reason());
        return;
    }

    double done = epochs;
    const bool inEpoch = batch.epoch == epochs + 1 && batch.batches > 0;
    if (inEpoch)
        done += static_cast<double>(batch.batch) / batch.batches;
    const int current = planned > 0 ? std::min(epochs + 1, planned) : epochs + 1;
    const double fraction = planned > 0 ? std::clamp(done / planned, 0.0, 1.0) : 0.0;
    m_progress->setValue(static_cast<int>(std::lround(fraction * progressSteps)));
    m_progress->setFormat(planned > 0 ? tr("Epoch %1 of %2").arg(current).arg(planned)
                                      : tr("Epoch %1").arg(current));
    QStringList parts = {name};
    if (inEpoch) {
        QString batchText = tr("batch %1/%2").arg(batch.batch).arg(batch.batches);
        if (batch.logs.contains(QStringLiteral("loss")))
            batchText +=
                tr(", loss %1")
                    .arg(QString::number(batch.logs.value(QStringLiteral("loss")), 'g', 4));
        parts.append(batchText);
    }
    parts.append(tr("elapsed %1").arg(clock(elapsed)));
    const double perEpoch = secondsPerEpoch(history.epochSeconds());
    if (planned > 0 && perEpoch > 0)
        parts.append(tr("about %1 left").arg(clock((planned - done) * perEpoch)));
    else
        parts.append(tr("estimating time left…"));
    m_progressText->setText(parts.join(QStringLiteral(" · ")));
    m_progressText->setToolTip(m_progressText->text());
}

void TrainingHistoryView::removeSelectedRuns() {
    QList<int> rows;
    for (const QModelIndex& index : m_runList->selectionModel()->selectedRows())
        rows.append(index.row());
    std::sort(rows.begin(), rows.end(), std::greater<>());
    for (int row : rows)
        m_runs->removeRow(row);
}

void TrainingHistoryView::askExportCsv() {
    auto* dialog = new QFileDialog(this, tr("Export metrics"), QString(), tr("CSV files (*.csv)"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setDefaultSuffix(QStringLiteral("csv"));
    dialog->selectFile(QStringLiteral("training-history.csv"));
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString& path) {
        QString error;
        showMessage(exportCsv(path, &error) ? tr("Metrics saved to %1").arg(path)
                                            : tr("Could not save %1: %2").arg(path, error));
    });
    dialog->open();
}

void TrainingHistoryView::askExportPng() {
    auto* dialog = new QFileDialog(this, tr("Export charts"), QString(), tr("PNG images (*.png)"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setDefaultSuffix(QStringLiteral("png"));
    dialog->selectFile(QStringLiteral("training-history.png"));
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString& path) {
        QString error;
        showMessage(exportPng(path, &error) ? tr("Charts saved to %1").arg(path)
                                            : tr("Could not save %1: %2").arg(path, error));
    });
    dialog->open();
}

void TrainingHistoryView::showMessage(const QString& text) {
    m_progressText->setText(text);
}

bool TrainingHistoryView::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_runList->viewport() && event->type() == QEvent::Resize)
        fitRunColumns();
    return QWidget::eventFilter(watched, event);
}

void TrainingHistoryView::fitRunColumns() {
    QHeaderView* header = m_runList->header();
    const int available = m_runList->viewport()->width();
    // QTreeView makes it protected; QAbstractItemView's is public and the same function.
    const QAbstractItemView* view = m_runList;
    int used = 0;
    for (const int column : {TrainingRunModel::NameColumn, TrainingRunModel::StatusColumn,
                             TrainingRunModel::BestColumn, TrainingRunModel::EpochsColumn,
                             TrainingRunModel::TimeColumn}) {
        // The header gives no size hint for a hidden section: the last one it gave stands.
        if (!header->isSectionHidden(column))
            m_titleWidth.insert(column, header->sectionSizeHint(column));
        // What QHeaderView::ResizeToContents gives the section.
        const int width =
            std::clamp(std::max(view->sizeHintForColumn(column), m_titleWidth.value(column)),
                       header->minimumSectionSize(), header->maximumSectionSize());
        if (column == TrainingRunModel::NameColumn) {
            used += width;
            continue;
        }
        const auto chosen = m_columnChoice.constFind(column);
        const bool shown = chosen != m_columnChoice.cend() ? *chosen : used + width <= available;
        if (header->isSectionHidden(column) == shown)
            header->setSectionHidden(column, !shown);
        if (shown)
            used += width;
    }
}

} // namespace qk::inspectors
