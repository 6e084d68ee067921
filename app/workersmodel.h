// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/session/sessionevents.h"

#include <QAbstractTableModel>
#include <QList>
#include <QStringList>

#include <functional>

namespace qk::keras {
class Search;
}

namespace qk::app {

class SessionHost;

// One worker the Workers panel lists.
struct WorkerEntry {
    enum class Health { Starting, Ready, Busy, Paused, Reconnecting, Lost, Stopped, Detached };

    QString location; // "this computer", or ssh://[user@]host[:port]
    bool remote = false;
    bool current = false; // the session's own worker; else one left running on a host
    Health health = Health::Starting;
    QString reason; // why it is in that state, when it says
    QString python;
    QString keras;
    QString backend;
    QStringList devices; // what jax.devices() names ("cpu:0"); empty until asked
    QString devicesError;
    qint64 pid = 0;
    QString run;          // a remote worker's run directory on its host
    int trialProcess = 0; // 1, 2, ...: a trial process of the running search

    QString healthText() const;
};

// The workers the IDE knows: the session's own (local or remote, followed through its
// starts, drops, re-attaches and ends), the trial processes of the last hyper-parameter
// search (setSearch) and the workers a remote host still runs under a lease from an earlier
// session (setDetached, from the host's list), in that order.
class WorkersModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { WorkerColumn, StateColumn, VersionsColumn, DevicesColumn, ColumnCount };

    explicit WorkersModel(SessionHost& host, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // Row 0 is the session's worker, then the trial processes, then the detached ones.
    const WorkerEntry& entry(int row) const { return m_entries.at(row); }
    const WorkerEntry& current() const { return m_entries.front(); }
    // Replaces the detached workers (the session's own run is left out).
    void setDetached(const QList<WorkerEntry>& workers);
    // Lists the trial processes of `search` in place of those of the search before, followed
    // through their starts, restarts and ends until the search is deleted; null: none.
    void setSearch(qk::keras::Search* search);
    // Asks the session's worker which devices JAX gives it (a command in its queue), once
    // per worker; nothing while it is not running.
    void fetchDevices();

private:
    void update(const std::function<void(WorkerEntry&)>& change);
    void updateRow(int row, const std::function<void(WorkerEntry&)>& change);
    // The row of a trial process, or -1 once it is no longer listed.
    int trialRow(int process) const;
    int trialCount() const;
    void showState(qk::WorkerState state, const QString& reason);
    void showInfo(const qk::WorkerInfo& info);

    SessionHost& m_host;
    QList<WorkerEntry> m_entries;
    bool m_devicesAsked = false;
    quint64 m_generation = 0;         // a new worker's devices are asked again
    QObject* m_searchWatch = nullptr; // context of the connections to the trial processes
    quint64 m_search = 0;             // counts searches: a past one's news is dropped
};

} // namespace qk::app
