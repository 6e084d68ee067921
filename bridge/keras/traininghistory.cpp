// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/keras/traininghistory.h"

#include "bridge/session/session.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qk::keras {

namespace {
QMap<QString, double> metricsOf(const Value& logs, QStringList* order = nullptr) {
    QMap<QString, double> out;
    if (!logs.isDict())
        return out;
    for (const auto& [key, value] : logs.toDict()) {
        if (!key.isString() || !value.isNumber())
            continue;
        out.insert(key.toString(), value.toDouble());
        if (order && !order->contains(key.toString()))
            order->append(key.toString());
    }
    return out;
}
} // namespace

TrainingHistory::TrainingHistory(Session& session, QString commandId,
                                 std::optional<int> plannedEpochs)
    : m_commandId(std::move(commandId))
    , m_plannedEpochs(plannedEpochs) {
    connect(&session.events(), &SessionEvents::workerEvent, this, &TrainingHistory::onEvent);
    connect(&session.events(), &SessionEvents::commandChanged, this,
            &TrainingHistory::onCommandChanged);
}

TrainingHistory::TrainingHistory(QString commandId, std::optional<int> plannedEpochs,
                                 QStringList metrics, QMap<QString, QList<double>> series,
                                 QList<double> epochSeconds, Outcome outcome, QString reason)
    : m_commandId(std::move(commandId))
    , m_plannedEpochs(plannedEpochs)
    , m_metrics(std::move(metrics))
    , m_series(std::move(series))
    , m_seconds(std::move(epochSeconds))
    , m_finished(true)
    // A run saved while it ran ended with the program that ran it.
    , m_outcome(outcome == Outcome::Running ? Outcome::Lost : outcome)
    , m_reason(std::move(reason))
    , m_emitted(static_cast<int>(m_seconds.size())) {}

std::optional<int> TrainingHistory::plannedEpochs() const {
    std::lock_guard lock(m_mutex);
    return m_plannedEpochs;
}

int TrainingHistory::epochsBefore() const {
    std::lock_guard lock(m_mutex);
    return m_epochsBefore;
}

int TrainingHistory::epochCount() const {
    std::lock_guard lock(m_mutex);
    return static_cast<int>(m_seconds.size());
}

QStringList TrainingHistory::metricNames() const {
    std::lock_guard lock(m_mutex);
    return m_metrics;
}

QList<double> TrainingHistory::series(const QString& metric) const {
    std::lock_guard lock(m_mutex);
    return m_series.value(metric);
}

double TrainingHistory::last(const QString& metric) const {
    std::lock_guard lock(m_mutex);
    const QList<double> values = m_series.value(metric);
    return values.isEmpty() ? std::numeric_limits<double>::quiet_NaN() : values.back();
}

QMap<QString, double> TrainingHistory::logs(int epoch) const {
    std::lock_guard lock(m_mutex);
    QMap<QString, double> out;
    for (auto it = m_series.cbegin(); it != m_series.cend(); ++it) {
        if (epoch >= 1 && epoch <= it.value().size())
            out.insert(it.key(), it.value().at(epoch - 1));
    }
    return out;
}

QMap<QString, QList<double>> TrainingHistory::toMap() const {
    std::lock_guard lock(m_mutex);
    return m_series;
}

QList<double> TrainingHistory::epochSeconds() const {
    std::lock_guard lock(m_mutex);
    return m_seconds;
}

double TrainingHistory::totalSeconds() const {
    std::lock_guard lock(m_mutex);
    double total = 0;
    for (double s : m_seconds)
        total += s;
    return total;
}

TrainingHistory::BatchProgress TrainingHistory::lastBatch() const {
    std::lock_guard lock(m_mutex);
    return m_lastBatch;
}

bool TrainingHistory::isFinished() const {
    std::lock_guard lock(m_mutex);
    return m_finished;
}

bool TrainingHistory::stoppedEarly() const {
    std::lock_guard lock(m_mutex);
    return m_outcome == Outcome::Stopped;
}

TrainingHistory::Outcome TrainingHistory::outcome() const {
    std::lock_guard lock(m_mutex);
    return m_outcome;
}

QString TrainingHistory::reason() const {
    std::lock_guard lock(m_mutex);
    return m_reason;
}

QString TrainingHistory::outcomeName(Outcome outcome) {
    switch (outcome) {
    case Outcome::Running:
        return QStringLiteral("running");
    case Outcome::Finished:
        return QStringLiteral("finished");
    case Outcome::Stopped:
        return QStringLiteral("stopped");
    case Outcome::Failed:
        return QStringLiteral("failed");
    case Outcome::Lost:
        return QStringLiteral("lost");
    }
    return {};
}

std::optional<TrainingHistory::Outcome> TrainingHistory::outcomeFromName(const QString& name) {
    for (Outcome o :
         {Outcome::Running, Outcome::Finished, Outcome::Stopped, Outcome::Failed, Outcome::Lost}) {
        if (outcomeName(o) == name)
            return o;
    }
    return std::nullopt;
}

void TrainingHistory::onCommandChanged(const CommandInfo& info) {
    if (info.id != m_commandId)
        return;
    switch (info.state) {
    case CommandState::Cancelled:
        end(Outcome::Lost, info.error);
        break;
    case CommandState::Dropped:
        end(Outcome::Failed, tr("not run: %1").arg(info.error));
        break;
    case CommandState::Failed:
    case CommandState::Ignored:
        // Failed as soon as the worker reports the exception, before anyone decides about
        // it. An interrupt is the user's way to stop at once: the epochs done so far stand.
        if (info.error.startsWith(QLatin1String("KeyboardInterrupt")))
            end(Outcome::Stopped, tr("interrupted"));
        else
            end(Outcome::Failed, info.error);
        break;
    default:
        break;
    }
}

void TrainingHistory::end(Outcome outcome, const QString& reason) {
    Q_ASSERT(outcome != Outcome::Running);
    {
        std::lock_guard lock(m_mutex);
        if (m_finished)
            return;
        m_finished = true;
        m_outcome = outcome;
        m_reason = reason;
    }
    announceEnd();
}

void TrainingHistory::announceEnd() {
    QMetaObject::invokeMethod(
        this,
        [this] {
            emitPendingEpochs();
            Q_EMIT finished();
        },
        Qt::QueuedConnection);
}

void TrainingHistory::onEvent(const WorkerEvent& event) {
    if (event.commandId != m_commandId)
        return;
    if (event.kind == QLatin1String("batch")) {
        BatchProgress progress;
        progress.epoch = static_cast<int>(event.data["epoch"].toInt());
        progress.batch = static_cast<int>(event.data["batch"].toInt());
        const Value& batches = event.data["batches"];
        progress.batches = batches.isInt() ? static_cast<int>(batches.toInt()) : 0;
        progress.logs = metricsOf(event.data["logs"]);
        {
            std::lock_guard lock(m_mutex);
            if (m_finished)
                return;
            m_lastBatch = progress;
        }
        Q_EMIT batchProgressed(progress.epoch, progress.batch, progress.batches);
        return;
    }
    if (event.kind != QLatin1String("epoch"))
        return;
    {
        std::lock_guard lock(m_mutex);
        const auto epoch = event.data["epoch"].toInt();
        if (m_seconds.isEmpty() && !m_finished && epoch >= 1)
            m_epochsBefore = static_cast<int>(epoch - 1); // a fit() that resumed
        if (!m_finished && epoch == m_epochsBefore + m_seconds.size() + 1) {
            const QMap<QString, double> values = metricsOf(event.data["logs"], &m_metrics);
            for (auto it = values.cbegin(); it != values.cend(); ++it)
                m_series[it.key()].append(it.value());
            m_seconds.append(event.data["seconds"].toDouble());
            if (event.data["epochs"].isInt())
                m_plannedEpochs = static_cast<int>(event.data["epochs"].toInt());
        }
    }
    emitPendingEpochs();
}

void TrainingHistory::emitPendingEpochs() {
    const int count = epochCount();
    while (m_emitted < count) {
        ++m_emitted;
        Q_EMIT epochEnded(m_emitted, logs(m_emitted));
    }
}

void TrainingHistory::finish(const Value& fitResult) {
    {
        std::lock_guard lock(m_mutex);
        if (m_finished)
            return;
        m_series.clear();
        m_metrics.clear();
        for (const auto& [key, values] : fitResult["history"].toDict()) {
            QList<double> series;
            for (const Value& v : values.items())
                series.append(v.toDouble());
            m_metrics.append(key.toString());
            m_series.insert(key.toString(), series);
        }
        m_seconds.clear();
        for (const Value& s : fitResult["seconds"].items())
            m_seconds.append(s.toDouble());
        const auto& epochsRun = fitResult["epochs"].items();
        if (!epochsRun.empty())
            m_epochsBefore = std::max(0, static_cast<int>(epochsRun.front().toInt() - 1));
        const bool stopped = m_plannedEpochs &&
                             m_epochsBefore + static_cast<int>(epochsRun.size()) < *m_plannedEpochs;
        m_outcome = stopped ? Outcome::Stopped : Outcome::Finished;
        m_finished = true;
    }
    announceEnd();
}

} // namespace qk::keras
