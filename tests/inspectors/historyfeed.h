// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/keras/traininghistory.h"
#include "bridge/session/session.h"

#include <QHash>
#include <QMap>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>
#include <vector>

namespace qk::test {

// Feeds TrainingHistory objects the worker events a fit() sends ("epoch", "batch") and the
// value fit() ends with, without a worker: the session never starts one.
class HistoryFeed {
public:
    HistoryFeed()
        : m_session(offline()) {}

    std::shared_ptr<keras::TrainingHistory> start(std::optional<int> planned = {}) {
        const QString id = QStringLiteral("fit-%1").arg(++m_started);
        auto history = std::make_shared<keras::TrainingHistory>(m_session, id, planned);
        m_planned.insert(history.get(), planned);
        return history;
    }

    void epoch(const keras::TrainingHistory& history, const QMap<QString, double>& logs,
               double seconds = 0.25) {
        Value::Dict values;
        for (auto it = logs.cbegin(); it != logs.cend(); ++it)
            values.emplace_back(Value(it.key()), Value(it.value()));
        Value::Dict data = {{Value("epoch"), Value(history.epochCount() + 1)},
                            {Value("logs"), Value(std::move(values))},
                            {Value("seconds"), Value(seconds)}};
        const auto planned = m_planned.value(&history);
        data.emplace_back(Value("epochs"), planned ? Value(*planned) : Value());
        Q_EMIT m_session.events().workerEvent(
            {QStringLiteral("epoch"), history.commandId(), Value(data)});
    }

    void batch(const keras::TrainingHistory& history, int epoch, int batch, int batches,
               double loss) {
        const Value data =
            Value::dict({{QStringLiteral("epoch"), epoch},
                         {QStringLiteral("batch"), batch},
                         {QStringLiteral("batches"), batches},
                         {QStringLiteral("logs"), Value::dict({{QStringLiteral("loss"), loss}})}});
        Q_EMIT m_session.events().workerEvent({QStringLiteral("batch"), history.commandId(), data});
    }

    // Ends fit() with what the history holds, as Keras' History.history.
    void finish(keras::TrainingHistory& history) {
        Value::Dict series;
        const QMap<QString, QList<double>> map = history.toMap();
        for (const QString& metric : history.metricNames()) {
            Value::List values;
            for (double v : map.value(metric))
                values.emplace_back(v);
            series.emplace_back(Value(metric), Value(std::move(values)));
        }
        Value::List seconds;
        Value::List epochs;
        const QList<double> taken = history.epochSeconds();
        for (qsizetype i = 0; i < taken.size(); ++i) {
            seconds.emplace_back(taken.at(i));
            epochs.emplace_back(static_cast<int>(i));
        }
        history.finish(Value::dict({{QStringLiteral("history"), Value(std::move(series))},
                                    {QStringLiteral("seconds"), Value(std::move(seconds))},
                                    {QStringLiteral("epochs"), Value(std::move(epochs))}}));
    }

private:
    static SessionOptions offline() {
        SessionOptions options;
        options.worker.python = QStringLiteral("/nonexistent/python3");
        options.restart.automatic = false;
        return options;
    }

    Session m_session;
    int m_started = 0;
    QHash<const keras::TrainingHistory*, std::optional<int>> m_planned;
};

} // namespace qk::test
