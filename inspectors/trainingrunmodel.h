// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QAbstractTableModel>
#include <QColor>
#include <QElapsedTimer>
#include <QList>
#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

namespace qk::keras {
class TrainingHistory;
}

namespace qk::inspectors {

// True for metrics where a higher value is better (accuracy, AUC, precision, recall, ...).
bool higherIsBetter(const QString& metric);
// False for series that describe training rather than score it (the learning rate): they
// have no best epoch.
bool hasBest(const QString& metric);
// The epoch (counted from 1) of the best finite value of `values`; 0 when there is none.
int bestEpoch(const QList<double>& values, bool higherBetter);
// The metric that says which epoch of a run is best: val_loss, else loss, else the first one.
QString selectionMetric(const QStringList& metrics);
// Exponential moving average: s[0] = x[0], s[i] = w * s[i-1] + (1 - w) * x[i]; NaN values
// stay NaN and do not disturb the average.
QList<double> smoothed(const QList<double>& values, double weight);

// The training runs shown by the training-history inspector: one row per fit(), each with a
// name, a colour, whether it is shown, and its live TrainingHistory. Epoch signals are not
// turned into dataChanged one by one: the model records which runs changed and reports them
// in publishChanges(), which the view calls on its coalescing redraw timer.
class TrainingRunModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { NameColumn, EpochsColumn, StatusColumn, BestColumn, TimeColumn };
    Q_ENUM(Column)
    static constexpr int ColumnCount = TimeColumn + 1;

    explicit TrainingRunModel(QObject* parent = nullptr);
    ~TrainingRunModel() override;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    bool removeRows(int row, int count, const QModelIndex& parent = {}) override;

    // Appends a run that follows `history`; returns its row. An empty name becomes "run N",
    // with N above every run's so far (those read back from a project too); an invalid colour
    // becomes the first one of the palette that no run has.
    int addRun(std::shared_ptr<const keras::TrainingHistory> history, const QString& name = {},
               const QColor& colour = {});
    const keras::TrainingHistory& history(int row) const { return *m_runs.at(row).history; }
    QString name(int row) const { return m_runs.at(row).name; }
    QColor colour(int row) const { return m_runs.at(row).colour; }
    bool isShown(int row) const { return m_runs.at(row).shown; }
    void setShown(int row, bool shown);
    // Wall-clock seconds since the run was added, frozen when it finished.
    double elapsedSeconds(int row) const;
    // The row of the run training now (the newest unfinished one), or -1.
    int liveRow() const;
    // Every metric of every run, in the order they first appear.
    QStringList metricNames() const;

    // Reports the runs that changed since the last call with dataChanged.
    void publishChanges();

    // All runs, all metrics, one row per epoch: run,epoch,<metrics...>,seconds.
    QString toCsv() const;

Q_SIGNALS:
    // A run got new epochs, batch progress or finished (not yet published).
    void runsChanged();
    // A run was added, removed, shown or hidden.
    void runsReshaped();

private:
    struct Run {
        std::shared_ptr<const keras::TrainingHistory> history;
        QString name;
        QColor colour;
        bool shown = true;
        bool dirty = false;
        QElapsedTimer clock;
        double finishedAfter = -1; // seconds; set when finished
    };

    QString newName();
    QColor newColour() const;
    void markDirty(const keras::TrainingHistory* history);
    int rowOf(const keras::TrainingHistory* history) const;
    QString status(const Run& run) const;
    QString statusToolTip(const Run& run) const;
    QString best(const Run& run) const;
    QString bestToolTip(const Run& run) const;

    std::vector<Run> m_runs;
    int m_added = 0; // runs added, or the highest N of a run named "run N" if that is more
};

} // namespace qk::inspectors
