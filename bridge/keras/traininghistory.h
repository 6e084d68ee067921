// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/protocol/value.h"

#include <QList>
#include <QMap>
#include <QObject>
#include <QString>
#include <QStringList>

#include <mutex>
#include <optional>

namespace qk {
class Session;
struct CommandInfo;
struct WorkerEvent;
} // namespace qk

namespace qk::keras {

// The metrics of one fit(), growing while it runs: one series per metric (validation ones
// too, as "val_<metric>"), the seconds each epoch took, and the latest batch progress. It
// lives on the session's thread, where its signals are emitted; its getters may be called
// from any thread. When fit() ends, its series are replaced by Keras' own History.history,
// so that the two are equal. Every run ends exactly once, in one of the outcomes below: the
// history follows its command, so a fit() that raises, never runs or loses its worker ends
// as soon as the session knows, with the reason.
class TrainingHistory : public QObject {
    Q_OBJECT
public:
    enum class Outcome {
        Running,  // not ended yet
        Finished, // fit() ran its epochs
        Stopped,  // stopped early: stop-training, EarlyStopping, or an interrupt
        Failed,   // fit() raised, or never ran (its queue was dropped)
        Lost      // the worker ended while it ran
    };
    Q_ENUM(Outcome)

    // Follows the epoch and batch events and the state of the command `commandId` of
    // `session`.
    TrainingHistory(Session& session, QString commandId, std::optional<int> plannedEpochs);
    // An ended history read back from a file; it follows no session. Every series has one
    // value per epoch of `epochSeconds`.
    TrainingHistory(QString commandId, std::optional<int> plannedEpochs, QStringList metrics,
                    QMap<QString, QList<double>> series, QList<double> epochSeconds,
                    Outcome outcome, QString reason = {});

    const QString& commandId() const { return m_commandId; }
    // The epochs fit() was asked for, when known.
    std::optional<int> plannedEpochs() const;
    int epochCount() const;
    // Epochs done before this fit() began, when it resumed from a checkpoint; the values here
    // are those of the epochs after them.
    int epochsBefore() const;
    QStringList metricNames() const;
    QList<double> series(const QString& metric) const;
    // The metric's latest value; NaN when it has none.
    double last(const QString& metric) const;
    // The logs of epoch `epoch` (counted from 1): metric -> value.
    QMap<QString, double> logs(int epoch) const;
    // Every series by name, as Keras' History.history holds it.
    QMap<QString, QList<double>> toMap() const;
    QList<double> epochSeconds() const;
    double totalSeconds() const;

    struct BatchProgress {
        int epoch = 0;
        int batch = 0;
        int batches = 0; // 0 when unknown
        QMap<QString, double> logs;
    };
    BatchProgress lastBatch() const;

    // Whether the run has ended, in any outcome.
    bool isFinished() const;
    Outcome outcome() const;
    // Why the run stopped, failed or was lost ("ValueError: ...", "interrupted", the way the
    // worker ended); empty when it finished or stopped on request.
    QString reason() const;
    // True when training ended before the planned epochs (stop-training, EarlyStopping, an
    // interrupt).
    bool stoppedEarly() const;

    // Settles the history with the value of model_support.fit(); called once, from any thread.
    // A run that has already ended stays as it ended.
    void finish(const Value& fitResult);
    // Ends a run that did not finish; the first end counts, later ones change nothing.
    // Thread-safe.
    void end(Outcome outcome, const QString& reason);

    static QString outcomeName(Outcome outcome);
    static std::optional<Outcome> outcomeFromName(const QString& name);

Q_SIGNALS:
    void epochEnded(int epoch, const QMap<QString, double>& logs);
    void batchProgressed(int epoch, int batch, int batches);
    // The run ended, in any outcome.
    void finished();

private:
    void onEvent(const WorkerEvent& event);
    void onCommandChanged(const CommandInfo& info);
    void emitPendingEpochs();
    void announceEnd();

    const QString m_commandId;
    mutable std::mutex m_mutex; // guards everything below
    std::optional<int> m_plannedEpochs;
    QStringList m_metrics;
    QMap<QString, QList<double>> m_series;
    QList<double> m_seconds;
    int m_epochsBefore = 0;
    BatchProgress m_lastBatch;
    bool m_finished = false;
    Outcome m_outcome = Outcome::Running;
    QString m_reason;
    int m_emitted = 0; // epochs announced through epochEnded (session thread only)
};

} // namespace qk::keras
