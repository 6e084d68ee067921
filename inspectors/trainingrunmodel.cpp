// SPDX-License-Identifier: GPL-3.0-or-later
#include "inspectors/trainingrunmodel.h"

#include "bridge/keras/traininghistory.h"
#include "inspectors/theme.h"

#include <QGuiApplication>
#include <QLocale>
#include <QPixmap>
#include <QRegularExpression>

#include <algorithm>
#include <array>
#include <cmath>

namespace qk::inspectors {

namespace {

// matplotlib's "tab10": distinct, colour-blind aware and familiar to Keras users.
constexpr std::array<QRgb, 10> runColours = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
                                             0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};

QString formatNumber(double value) {
    if (std::isnan(value))
        return QStringLiteral("nan");
    return QString::number(value, 'g', QLocale::FloatingPointShortest);
}

QString csvField(const QString& text) {
    if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) &&
        !text.contains(QLatin1Char('\n')))
        return text;
    QString quoted = text;
    quoted.replace(QLatin1String("\""), QLatin1String("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

QString formatDuration(double seconds) {
    const auto total = static_cast<long long>(std::llround(seconds));
    if (total < 60)
        return QStringLiteral("%1 s").arg(seconds < 10 ? QString::number(seconds, 'f', 1)
                                                       : QString::number(total));
    if (total < 3600)
        return QStringLiteral("%1:%2").arg(total / 60).arg(total % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1:%2:%3")
        .arg(total / 3600)
        .arg(total / 60 % 60, 2, 10, QLatin1Char('0'))
        .arg(total % 60, 2, 10, QLatin1Char('0'));
}

} // namespace

bool higherIsBetter(const QString& metric) {
    QString base = metric.startsWith(QLatin1String("val_")) ? metric.mid(4) : metric;
    base = base.toLower();
    static const QStringList higher = {QStringLiteral("acc"),       QStringLiteral("auc"),
                                       QStringLiteral("precision"), QStringLiteral("recall"),
                                       QStringLiteral("f1"),        QStringLiteral("iou"),
                                       QStringLiteral("r2"),        QStringLiteral("fbeta")};
    for (const QString& word : higher) {
        if (base.contains(word))
            return true;
    }
    return false;
}

bool hasBest(const QString& metric) {
    return metric != QLatin1String("learning_rate") && metric != QLatin1String("lr");
}

int bestEpoch(const QList<double>& values, bool higherBetter) {
    int best = 0;
    for (int i = 0; i < values.size(); ++i) {
        const double v = values.at(i);
        if (!std::isfinite(v))
            continue;
        if (best == 0 || (higherBetter ? v > values.at(best - 1) : v < values.at(best - 1)))
            best = i + 1;
    }
    return best;
}

QString selectionMetric(const QStringList& metrics) {
    for (const QString& name : {QStringLiteral("val_loss"), QStringLiteral("loss")}) {
        if (metrics.contains(name))
            return name;
    }
    return metrics.value(0);
}

QList<double> smoothed(const QList<double>& values, double weight) {
    QList<double> out;
    out.reserve(values.size());
    double last = std::nan("");
    for (double v : values) {
        if (std::isnan(v)) {
            out.append(v);
            continue;
        }
        last = std::isnan(last) ? v : weight * last + (1 - weight) * v;
        out.append(last);
    }
    return out;
}

TrainingRunModel::TrainingRunModel(QObject* parent)
    : QAbstractTableModel(parent) {}

TrainingRunModel::~TrainingRunModel() = default;

int TrainingRunModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_runs.size());
}

int TrainingRunModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TrainingRunModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid())
        return {};
    Q_ASSERT(checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid));
    const Run& run = m_runs.at(static_cast<size_t>(index.row()));
    const int column = index.column();
    if (role == Qt::ToolTipRole && column == BestColumn)
        return bestToolTip(run);
    if (role == Qt::ToolTipRole && column == StatusColumn)
        return statusToolTip(run);
    if (role == Qt::ToolTipRole && column == NameColumn) {
        // Everything the row holds, also the columns a narrow list leaves out.
        QStringList parts{run.name, status(run)};
        if (const QString b = best(run); !b.isEmpty())
            parts << tr("best %1").arg(b);
        const int epochs = run.history->epochCount();
        parts << tr("%n epoch(s)", nullptr, epochs) << formatDuration(elapsedSeconds(index.row()));
        return parts.join(QStringLiteral(" · "));
    }
    if (role == Qt::ForegroundRole && column == StatusColumn) {
        using Outcome = keras::TrainingHistory::Outcome;
        const Outcome outcome = run.history->outcome();
        if (outcome == Outcome::Failed || outcome == Outcome::Lost)
            return toneColour(Tone::Error, QGuiApplication::palette());
        return {};
    }
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
        const int epochs = run.history->epochCount();
        const auto planned = run.history->plannedEpochs();
        switch (column) {
        case NameColumn:
            return run.name;
        case EpochsColumn:
            return planned ? QStringLiteral("%1 / %2").arg(epochs).arg(*planned)
                           : QString::number(epochs);
        case StatusColumn:
            return status(run);
        case BestColumn:
            return best(run);
        case TimeColumn:
            return formatDuration(elapsedSeconds(index.row()));
        default:
            return {};
        }
    }
    if (role == Qt::CheckStateRole && column == NameColumn)
        return run.shown ? Qt::Checked : Qt::Unchecked;
    if (role == Qt::DecorationRole && column == NameColumn) {
        QPixmap swatch(12, 12);
        swatch.fill(run.colour);
        return swatch;
    }
    if (role == Qt::TextAlignmentRole && column == EpochsColumn)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

bool TrainingRunModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (!index.isValid() || index.column() != NameColumn)
        return false;
    Q_ASSERT(checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid));
    Run& run = m_runs.at(static_cast<size_t>(index.row()));
    if (role == Qt::CheckStateRole) {
        setShown(index.row(), value.value<Qt::CheckState>() == Qt::Checked);
        return true;
    }
    if (role == Qt::EditRole) {
        const QString name = value.toString().trimmed();
        if (name.isEmpty())
            return false;
        run.name = name;
        Q_EMIT dataChanged(index, index);
        Q_EMIT runsReshaped();
        return true;
    }
    return false;
}

Qt::ItemFlags TrainingRunModel::flags(const QModelIndex& index) const {
    if (!index.isValid())
        return Qt::NoItemFlags;
    Q_ASSERT(checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid));
    Qt::ItemFlags flags = Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemNeverHasChildren;
    if (index.column() == NameColumn)
        flags |= Qt::ItemIsUserCheckable | Qt::ItemIsEditable;
    return flags;
}

QVariant TrainingRunModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Run");
    case EpochsColumn:
        return tr("Epochs");
    case StatusColumn:
        return tr("Status");
    case BestColumn:
        return tr("Best");
    case TimeColumn:
        return tr("Time");
    default:
        return {};
    }
}

bool TrainingRunModel::removeRows(int row, int count, const QModelIndex& parent) {
    if (parent.isValid() || row < 0 || count <= 0 || row + count > rowCount())
        return false;
    beginRemoveRows(parent, row, row + count - 1);
    for (int i = row; i < row + count; ++i)
        QObject::disconnect(m_runs.at(static_cast<size_t>(i)).history.get(), nullptr, this,
                            nullptr);
    m_runs.erase(m_runs.begin() + row, m_runs.begin() + row + count);
    endRemoveRows();
    Q_EMIT runsReshaped();
    return true;
}

int TrainingRunModel::addRun(std::shared_ptr<const keras::TrainingHistory> history,
                             const QString& name, const QColor& colour) {
    Q_ASSERT(history);
    const int row = rowCount();
    Run run;
    run.history = std::move(history);
    // Runs are counted as they are added, and those named "run N" (read back from a project)
    // raise the count to N: a new run never repeats a name.
    if (!name.isEmpty())
        ++m_added;
    run.name = name.isEmpty() ? newName() : name;
    static const QRegularExpression numbered([] {
        QStringList parts = tr("run %1").split(QStringLiteral("%1"));
        for (QString& part : parts)
            part = QRegularExpression::escape(part);
        return QStringLiteral("^%1$").arg(parts.join(QStringLiteral("(\\d+)")));
    }());
    if (const QRegularExpressionMatch match = numbered.match(run.name); match.hasMatch())
        m_added = std::max(m_added, match.captured(1).toInt());
    run.colour = colour.isValid() ? colour : newColour();
    run.clock.start();
    if (run.history->isFinished())
        run.finishedAfter = run.history->totalSeconds();

    const keras::TrainingHistory* source = run.history.get();
    connect(source, &keras::TrainingHistory::epochEnded, this,
            [this, source] { markDirty(source); });
    connect(source, &keras::TrainingHistory::batchProgressed, this,
            [this, source] { markDirty(source); });
    connect(source, &keras::TrainingHistory::finished, this, [this, source] {
        if (const int at = rowOf(source); at >= 0) {
            Run& finished = m_runs.at(static_cast<size_t>(at));
            if (finished.finishedAfter < 0)
                finished.finishedAfter = static_cast<double>(finished.clock.elapsed()) / 1000.0;
        }
        markDirty(source);
    });

    beginInsertRows({}, row, row);
    m_runs.push_back(std::move(run));
    endInsertRows();
    Q_EMIT runsReshaped();
    return row;
}

QString TrainingRunModel::newName() {
    QString name;
    do
        name = tr("run %1").arg(++m_added);
    while (std::any_of(m_runs.cbegin(), m_runs.cend(),
                       [&name](const Run& run) { return run.name == name; }));
    return name;
}

QColor TrainingRunModel::newColour() const {
    // The palette's first colour that no run has, after the newest run's; when every colour
    // is taken, the one fewest runs have.
    std::array<int, runColours.size()> uses{};
    size_t after = runColours.size() - 1;
    for (const Run& run : m_runs) {
        for (size_t i = 0; i < runColours.size(); ++i) {
            if (run.colour == QColor(runColours.at(i))) {
                ++uses.at(i);
                after = i;
            }
        }
    }
    size_t best = (after + 1) % runColours.size();
    for (size_t step = 1; step <= runColours.size(); ++step) {
        const size_t i = (after + step) % runColours.size();
        if (uses.at(i) < uses.at(best))
            best = i;
    }
    return QColor(runColours.at(best));
}

void TrainingRunModel::setShown(int row, bool shown) {
    Run& run = m_runs.at(static_cast<size_t>(row));
    if (run.shown == shown)
        return;
    run.shown = shown;
    const QModelIndex at = index(row, NameColumn);
    Q_EMIT dataChanged(at, at, {Qt::CheckStateRole});
    Q_EMIT runsReshaped();
}

double TrainingRunModel::elapsedSeconds(int row) const {
    const Run& run = m_runs.at(static_cast<size_t>(row));
    return run.finishedAfter >= 0 ? run.finishedAfter
                                  : static_cast<double>(run.clock.elapsed()) / 1000.0;
}

int TrainingRunModel::liveRow() const {
    for (int row = rowCount() - 1; row >= 0; --row) {
        if (!m_runs.at(static_cast<size_t>(row)).history->isFinished())
            return row;
    }
    return -1;
}

QStringList TrainingRunModel::metricNames() const {
    QStringList names;
    for (const Run& run : m_runs) {
        for (const QString& metric : run.history->metricNames()) {
            if (!names.contains(metric))
                names.append(metric);
        }
    }
    return names;
}

void TrainingRunModel::publishChanges() {
    for (int row = 0; row < rowCount(); ++row) {
        Run& run = m_runs.at(static_cast<size_t>(row));
        if (!run.dirty)
            continue;
        run.dirty = false;
        Q_EMIT dataChanged(index(row, EpochsColumn), index(row, TimeColumn),
                           {Qt::DisplayRole, Qt::ToolTipRole});
    }
}

QString TrainingRunModel::toCsv() const {
    const QStringList metrics = metricNames();
    QStringList header = {QStringLiteral("run"), QStringLiteral("epoch")};
    header += metrics;
    header.append(QStringLiteral("seconds"));
    QString out = header.join(QLatin1Char(',')) + QLatin1Char('\n');
    for (const Run& run : m_runs) {
        const QMap<QString, QList<double>> series = run.history->toMap();
        const QList<double> seconds = run.history->epochSeconds();
        qsizetype epochs = seconds.size();
        for (const QList<double>& values : series)
            epochs = std::max(epochs, values.size());
        for (qsizetype e = 0; e < epochs; ++e) {
            QStringList fields = {csvField(run.name), QString::number(e + 1)};
            for (const QString& metric : metrics) {
                const QList<double> values = series.value(metric);
                fields.append(e < values.size() ? formatNumber(values.at(e)) : QString());
            }
            fields.append(e < seconds.size() ? formatNumber(seconds.at(e)) : QString());
            out += fields.join(QLatin1Char(',')) + QLatin1Char('\n');
        }
    }
    return out;
}

void TrainingRunModel::markDirty(const keras::TrainingHistory* history) {
    const int row = rowOf(history);
    if (row < 0)
        return;
    m_runs.at(static_cast<size_t>(row)).dirty = true;
    Q_EMIT runsChanged();
}

int TrainingRunModel::rowOf(const keras::TrainingHistory* history) const {
    for (size_t i = 0; i < m_runs.size(); ++i) {
        if (m_runs[i].history.get() == history)
            return static_cast<int>(i);
    }
    return -1;
}

QString TrainingRunModel::status(const Run& run) const {
    using Outcome = keras::TrainingHistory::Outcome;
    const keras::TrainingHistory& h = *run.history;
    const int epochs = h.epochCount();
    switch (h.outcome()) {
    case Outcome::Running:
        return epochs == 0 ? tr("starting") : tr("training");
    case Outcome::Finished:
        return tr("finished");
    case Outcome::Stopped:
        return h.reason().isEmpty() ? tr("stopped at epoch %1").arg(epochs)
                                    : tr("%1 at epoch %2").arg(h.reason()).arg(epochs);
    case Outcome::Failed:
        return epochs == 0 ? tr("failed") : tr("failed at epoch %1").arg(epochs + 1);
    case Outcome::Lost:
        return epochs == 0 ? tr("lost") : tr("lost at epoch %1").arg(epochs + 1);
    }
    return {};
}

QString TrainingRunModel::statusToolTip(const Run& run) const {
    const QString reason = run.history->reason();
    return reason.isEmpty() ? status(run) : status(run) + QStringLiteral(": ") + reason;
}

QString TrainingRunModel::best(const Run& run) const {
    const QString metric = selectionMetric(run.history->metricNames());
    const QList<double> values = run.history->series(metric);
    const int epoch = bestEpoch(values, higherIsBetter(metric));
    if (epoch == 0)
        return {};
    return tr("%1 @ %2").arg(QString::number(values.at(epoch - 1), 'g', 4)).arg(epoch);
}

QString TrainingRunModel::bestToolTip(const Run& run) const {
    const QString metric = selectionMetric(run.history->metricNames());
    const QList<double> values = run.history->series(metric);
    const int epoch = bestEpoch(values, higherIsBetter(metric));
    if (epoch == 0)
        return {};
    return (higherIsBetter(metric) ? tr("Highest %1: %2 at epoch %3")
                                   : tr("Lowest %1: %2 at epoch %3"))
        .arg(metric, QString::number(values.at(epoch - 1), 'g', 6))
        .arg(epoch);
}

} // namespace qk::inspectors
