// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/workersmodel.h"

#include "app/sessionhost.h"
#include "bridge/keras/distribution.h"
#include "bridge/keras/search.h"

#include <QBrush>
#include <QColor>

#include <algorithm>

namespace qk::app {

namespace {

WorkerEntry::Health healthOf(WorkerState state) {
    switch (state) {
    case WorkerState::Starting:
        return WorkerEntry::Health::Starting;
    case WorkerState::Ready:
        return WorkerEntry::Health::Ready;
    case WorkerState::Busy:
        return WorkerEntry::Health::Busy;
    case WorkerState::Paused:
        return WorkerEntry::Health::Paused;
    case WorkerState::Dead:
        return WorkerEntry::Health::Lost;
    case WorkerState::Stopped:
        return WorkerEntry::Health::Stopped;
    }
    return WorkerEntry::Health::Lost;
}

QColor healthColour(WorkerEntry::Health health) {
    switch (health) {
    case WorkerEntry::Health::Starting:
    case WorkerEntry::Health::Reconnecting:
        return QColor(0xf9, 0xa8, 0x25);
    case WorkerEntry::Health::Ready:
        return QColor(0x2e, 0x7d, 0x32);
    case WorkerEntry::Health::Busy:
    case WorkerEntry::Health::Detached:
        return QColor(0x1e, 0x88, 0xe5);
    case WorkerEntry::Health::Paused:
        return QColor(0xef, 0x6c, 0x00);
    case WorkerEntry::Health::Lost:
    case WorkerEntry::Health::Stopped:
        return QColor(0xc6, 0x28, 0x28);
    }
    return {};
}

// What a worker reported when it became ready: its process and versions.
void showVersions(WorkerEntry& e, const WorkerInfo& info) {
    e.python = info.python;
    e.keras = info.keras;
    e.backend = info.backend;
    e.pid = info.pid;
}

QString location(const WorkerOptions& options) {
    return options.remote.isEmpty() ? WorkersModel::tr("this computer") : options.remote;
}

} // namespace

QString WorkerEntry::healthText() const {
    switch (health) {
    case Health::Starting:
        return WorkersModel::tr("starting");
    case Health::Ready:
        return WorkersModel::tr("ready");
    case Health::Busy:
        return WorkersModel::tr("busy");
    case Health::Paused:
        return WorkersModel::tr("paused on error");
    case Health::Reconnecting:
        return WorkersModel::tr("disconnected, reconnecting");
    case Health::Lost:
        return WorkersModel::tr("lost");
    case Health::Stopped:
        return WorkersModel::tr("stopped");
    case Health::Detached:
        return WorkersModel::tr("detached (runs under its lease)");
    }
    return {};
}

WorkersModel::WorkersModel(SessionHost& host, QObject* parent)
    : QAbstractTableModel(parent)
    , m_host(host) {
    WorkerEntry own;
    own.current = true;
    own.location = location(host.options().worker);
    own.remote = !host.options().worker.remote.isEmpty();
    own.health = healthOf(host.workerState());
    m_entries << own;
    showInfo(host.workerInfo());

    SessionEvents& events = host.events();
    connect(&events, &SessionEvents::workerStateChanged, this, &WorkersModel::showState);
    connect(&events, &SessionEvents::workerReady, this, &WorkersModel::showInfo);
    connect(&events, &SessionEvents::workerDisconnected, this, [this](const QString& reason) {
        update([&reason](WorkerEntry& e) {
            e.health = WorkerEntry::Health::Reconnecting;
            e.reason = reason;
        });
    });
    connect(&events, &SessionEvents::workerReconnected, this, [this](const WorkerInfo& info) {
        showInfo(info);
        update([this](WorkerEntry& e) {
            e.health = healthOf(m_host.workerState());
            e.reason = tr("reconnected to %1").arg(e.location);
        });
    });
    connect(&events, &SessionEvents::workerLost, this, [this](const QString& reason) {
        update([&reason](WorkerEntry& e) {
            e.health = WorkerEntry::Health::Lost;
            e.reason = reason;
        });
    });
    connect(&host, &SessionHost::sessionReplaced, this, [this] {
        const WorkerOptions& options = m_host.options().worker;
        update([&options](WorkerEntry& e) {
            e.location = location(options);
            e.remote = !options.remote.isEmpty();
        });
    });
    connect(&host, &SessionHost::restarting, this, [this] {
        const WorkerOptions& options = m_host.options().worker;
        update([&options](WorkerEntry& e) {
            e = WorkerEntry{};
            e.current = true;
            e.location = location(options);
            e.remote = !options.remote.isEmpty();
        });
        m_devicesAsked = false;
        ++m_generation;
    });
}

int WorkersModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_entries.size());
}

int WorkersModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant WorkersModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const WorkerEntry& e = m_entries.at(index.row());
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case WorkerColumn:
            if (e.trialProcess > 0)
                return tr("%1 · search trial process %2").arg(e.location).arg(e.trialProcess);
            return e.current ? e.location : tr("%1 (run %2)").arg(e.location, e.run);
        case StateColumn:
            return e.healthText();
        case VersionsColumn:
            return e.python.isEmpty()
                       ? QString()
                       : tr("Python %1 · Keras %2 · %3").arg(e.python, e.keras, e.backend);
        case DevicesColumn:
            if (!e.devicesError.isEmpty())
                return tr("unknown");
            return e.devices.join(QStringLiteral(", "));
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        if (index.column() == StateColumn)
            return e.reason;
        if (index.column() == DevicesColumn)
            return e.devicesError;
        if (index.column() == WorkerColumn && e.pid > 0)
            return e.run.isEmpty() ? tr("process %1").arg(e.pid)
                                   : tr("process %1, run directory %2").arg(e.pid).arg(e.run);
    }
    if (role == Qt::ForegroundRole && index.column() == StateColumn)
        return QBrush(healthColour(e.health));
    return {};
}

QVariant WorkersModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case WorkerColumn:
        return tr("Worker");
    case StateColumn:
        return tr("State");
    case VersionsColumn:
        return tr("Versions");
    case DevicesColumn:
        return tr("Devices");
    default:
        return {};
    }
}

void WorkersModel::setDetached(const QList<WorkerEntry>& workers) {
    const WorkerEntry& own = m_entries.front();
    QList<WorkerEntry> kept;
    for (const WorkerEntry& w : workers) {
        if ((own.run.isEmpty() || w.run != own.run) && (own.pid == 0 || w.pid != own.pid))
            kept << w;
    }
    const int first = 1 + trialCount();
    if (m_entries.size() > first) {
        beginRemoveRows({}, first, static_cast<int>(m_entries.size()) - 1);
        m_entries.resize(first);
        endRemoveRows();
    }
    if (kept.isEmpty())
        return;
    beginInsertRows({}, first, first + static_cast<int>(kept.size()) - 1);
    m_entries << kept;
    endInsertRows();
}

int WorkersModel::trialCount() const {
    return static_cast<int>(std::count_if(m_entries.begin(), m_entries.end(),
                                          [](const WorkerEntry& e) { return e.trialProcess > 0; }));
}

int WorkersModel::trialRow(int process) const {
    for (int row = 1; row < m_entries.size(); ++row) {
        if (m_entries.at(row).trialProcess == process)
            return row;
    }
    return -1;
}

void WorkersModel::setSearch(keras::Search* search) {
    const quint64 current = ++m_search;
    if (m_searchWatch) {
        m_searchWatch->deleteLater();
        m_searchWatch = nullptr;
    }
    if (const int n = trialCount(); n > 0) {
        beginRemoveRows({}, 1, n);
        m_entries.remove(1, n);
        endRemoveRows();
    }
    if (!search || search->workerCount() == 0)
        return;
    m_searchWatch = new QObject(this);
    connect(search, &QObject::destroyed, m_searchWatch, [this, current] {
        if (current == m_search)
            setSearch(nullptr);
    });
    const WorkerOptions& options = search->options().session.worker;
    const int n = search->workerCount();
    beginInsertRows({}, 1, n);
    for (int process = 1; process <= n; ++process) {
        WorkerEntry e;
        e.location = location(options);
        e.remote = !options.remote.isEmpty();
        e.trialProcess = process;
        m_entries.insert(process, e);
    }
    endInsertRows();
    for (int process = 1; process <= n; ++process) {
        // Each change goes to the row of its process while this search is the one listed.
        const auto change = [this, current, process](const std::function<void(WorkerEntry&)>& f) {
            if (current == m_search)
                updateRow(trialRow(process), f);
        };
        SessionEvents& events = search->workerSession(process - 1).events();
        connect(&events, &SessionEvents::workerStateChanged, m_searchWatch,
                [change](WorkerState state, const QString& reason) {
                    change([state, &reason](WorkerEntry& e) {
                        e.health = healthOf(state);
                        e.reason = reason;
                    });
                });
        connect(&events, &SessionEvents::workerReady, m_searchWatch, [change](const WorkerInfo& i) {
            change([&](WorkerEntry& e) { showVersions(e, i); });
        });
        connect(&events, &SessionEvents::workerLost, m_searchWatch,
                [change](const QString& reason) {
                    change([&reason](WorkerEntry& e) {
                        e.health = WorkerEntry::Health::Lost;
                        e.reason = reason;
                    });
                });
        connect(&events, &SessionEvents::workerRestarted, m_searchWatch,
                [change](const WorkerInfo& i, const QString& reason) {
                    change([&](WorkerEntry& e) {
                        showVersions(e, i);
                        e.reason = reason;
                    });
                });
    }
}

void WorkersModel::fetchDevices() {
    const WorkerEntry& own = m_entries.front();
    if (m_devicesAsked ||
        (own.health != WorkerEntry::Health::Ready && own.health != WorkerEntry::Health::Busy))
        return;
    m_devicesAsked = true;
    const quint64 generation = m_generation;
    keras::devices(m_host.session())
        .then(this,
              [this, generation](const keras::Devices& found) {
                  if (generation != m_generation)
                      return;
                  update([&found](WorkerEntry& e) {
                      e.devices.clear();
                      for (const keras::DeviceInfo& d : found.devices)
                          e.devices << d.name;
                      if (found.backend != QLatin1String("jax"))
                          e.devicesError =
                              tr("JAX's devices only: this worker runs %1").arg(found.backend);
                  });
              })
        .onFailed(this, [this, generation](const std::exception& error) {
            if (generation != m_generation)
                return;
            m_devicesAsked = false; // asked again the next time
            update([&error](WorkerEntry& e) { e.devicesError = QString::fromUtf8(error.what()); });
        });
}

void WorkersModel::update(const std::function<void(WorkerEntry&)>& change) {
    updateRow(0, change);
}

void WorkersModel::updateRow(int row, const std::function<void(WorkerEntry&)>& change) {
    if (row < 0 || row >= m_entries.size())
        return;
    change(m_entries[row]);
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void WorkersModel::showState(WorkerState state, const QString& reason) {
    // A dropped connection stays "reconnecting" until the worker is reached again.
    if (m_entries.front().health == WorkerEntry::Health::Reconnecting &&
        state != WorkerState::Dead && state != WorkerState::Stopped)
        return;
    update([state, &reason](WorkerEntry& e) {
        e.health = healthOf(state);
        e.reason = reason;
    });
}

void WorkersModel::showInfo(const WorkerInfo& info) {
    if (info.python.isEmpty())
        return;
    const bool newWorker = info.pid != m_entries.front().pid;
    update([&info, newWorker](WorkerEntry& e) {
        showVersions(e, info);
        e.run = info.run;
        if (newWorker) {
            e.devices.clear();
            e.devicesError.clear();
        }
    });
    if (newWorker) {
        m_devicesAsked = false;
        ++m_generation;
    }
    // A list made while the worker started may hold it as another.
    for (int row = static_cast<int>(m_entries.size()) - 1; row > trialCount(); --row) {
        const WorkerEntry& e = m_entries.at(row);
        if ((!info.run.isEmpty() && e.run == info.run) || (info.pid > 0 && e.pid == info.pid)) {
            beginRemoveRows({}, row, row);
            m_entries.removeAt(row);
            endRemoveRows();
        }
    }
}

} // namespace qk::app
