// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/workersmodel.h"

#include "app/sessionhost.h"
#include "bridge/keras/distribution.h"

#include <QBrush>
#include <QColor>

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
    if (m_entries.size() > 1) {
        beginRemoveRows({}, 1, static_cast<int>(m_entries.size()) - 1);
        m_entries.resize(1);
        endRemoveRows();
    }
    if (kept.isEmpty())
        return;
    beginInsertRows({}, 1, static_cast<int>(kept.size()));
    m_entries << kept;
    endInsertRows();
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
    change(m_entries.front());
    Q_EMIT dataChanged(index(0, 0), index(0, ColumnCount - 1));
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
        e.python = info.python;
        e.keras = info.keras;
        e.backend = info.backend;
        e.pid = info.pid;
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
    for (int row = static_cast<int>(m_entries.size()) - 1; row > 0; --row) {
        const WorkerEntry& e = m_entries.at(row);
        if ((!info.run.isEmpty() && e.run == info.run) || (info.pid > 0 && e.pid == info.pid)) {
            beginRemoveRows({}, row, row);
            m_entries.removeAt(row);
            endRemoveRows();
        }
    }
}

} // namespace qk::app
