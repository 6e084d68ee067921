// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/keras/processgroup.h"

#include "bridge/keras/worker.h"

#include <QSet>
#include <QTimer>

#include <csignal>
#include <stdexcept>

namespace qk::keras {

namespace {

constexpr int stderrLines = 30;
const QString cluster = QStringLiteral("cluster");

py::Program clusterCall(const QString& function, std::vector<py::Expr> args = {},
                        py::Keywords kwargs = {}) {
    return {worker::call(cluster, function, std::move(args), std::move(kwargs))};
}

QString hostPort(const QString& host, quint16 port) {
    return host.contains(u':') ? QStringLiteral("[%1]:%2").arg(host).arg(port)
                               : QStringLiteral("%1:%2").arg(host).arg(port);
}

QString errorText(const QFuture<Value>& future) {
    try {
        future.result();
    } catch (const CommandError& e) {
        if (!e.failure().message.isEmpty())
            return e.failure().message;
        return e.reason();
    } catch (const std::exception& e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}

} // namespace

QString ProcessFailure::message() const {
    QString text = QStringLiteral("process %1 on %2").arg(process).arg(host);
    if (pid > 0)
        text += QStringLiteral(" (pid %1)").arg(pid);
    text += QStringLiteral(": ") + reason;
    const QString tail = stderrTail.trimmed();
    if (!tail.isEmpty() && !reason.contains(tail))
        text += QStringLiteral("; its stderr:\n") + tail;
    return text;
}

ProcessGroup::ProcessGroup(ProcessGroupOptions options, QObject* parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_blameTimer(new QTimer(this)) {
    qRegisterMetaType<ProcessFailure>();
    qRegisterMetaType<GroupInfo>();
    if (m_options.processes < 1)
        throw std::invalid_argument("a job needs at least one process");
    m_blameTimer->setSingleShot(true);
    connect(m_blameTimer, &QTimer::timeout, this, [this] {
        if (m_suspect)
            fail(*m_suspect);
    });
}

ProcessGroup::~ProcessGroup() {
    stop();
}

Session& ProcessGroup::session(int process) const {
    if (process < 0 || process >= size())
        throw std::out_of_range("no such process in the job");
    return *m_sessions[static_cast<std::size_t>(process)];
}

QString ProcessGroup::hostOf(int process) const {
    return process < m_info.hosts.size() ? m_info.hosts.at(process) : QStringLiteral("localhost");
}

QFuture<GroupInfo> ProcessGroup::start() {
    if (m_start)
        return m_start->future();
    m_start = std::make_shared<QPromise<GroupInfo>>();
    m_start->start();
    const int n = m_options.processes;
    m_stderr.assign(static_cast<std::size_t>(n), {});
    m_info.pids.assign(static_cast<std::size_t>(n), 0);
    for (int i = 0; i < n; ++i) {
        SessionOptions options = m_options.session;
        options.restart.automatic = false;
        // Every process of the job runs on this host: on a GPU they share its memory.
        options.worker.extraArguments << QStringLiteral("--gpu-workers") << QString::number(n);
        if (m_options.cpuDevicesPerProcess > 0)
            options.worker.extraArguments << QStringLiteral("--cpu-devices")
                                          << QString::number(m_options.cpuDevicesPerProcess);
        auto session = std::make_unique<Session>(options);
        connect(&session->events(), &SessionEvents::workerLost, this,
                [this, i](const QString& reason) { onLost(i, reason); });
        connect(&session->events(), &SessionEvents::workerLog, this,
                [this, i](const QString& line) {
                    auto& tail = m_stderr[static_cast<std::size_t>(i)];
                    tail.push_back(line);
                    if (tail.size() > stderrLines)
                        tail.pop_front();
                });
        connect(&session->events(), &SessionEvents::commandFailed, this,
                [this, i](const CommandFailure& failure) {
                    onCommandFailed(i, QStringLiteral("%1: %2").arg(failure.type, failure.message));
                });
        m_sessions.push_back(std::move(session));
    }
    auto remaining = std::make_shared<int>(n);
    for (int i = 0; i < n; ++i) {
        m_sessions[static_cast<std::size_t>(i)]->ready().then(
            this, [this, i, remaining](const QFuture<WorkerInfo>& ready) {
                if (m_failure)
                    return;
                try {
                    m_info.pids[static_cast<std::size_t>(i)] = ready.result().pid;
                } catch (const std::exception& e) {
                    failStart(i, QStringLiteral("the worker could not start: %1")
                                     .arg(QString::fromUtf8(e.what())));
                    return;
                }
                if (--*remaining == 0)
                    everywhere({clusterCall(QStringLiteral("host"))},
                               [this](const std::vector<Value>& hosts) { checkHosts(hosts); });
            });
    }
    return m_start->future();
}

void ProcessGroup::everywhere(const std::vector<py::Program>& code, const Step& next) {
    const int n = size();
    auto values = std::make_shared<std::vector<Value>>(static_cast<std::size_t>(n));
    auto remaining = std::make_shared<int>(n);
    for (int i = 0; i < n; ++i) {
        const py::Program& program = code.size() == 1 ? code.front() : code[std::size_t(i)];
        session(i)
            .send(worker::command(program))
            .then(this, [this, i, values, remaining, next](const QFuture<Value>& done) {
                if (m_failure)
                    return;
                const QString error = errorText(done);
                if (!error.isEmpty()) {
                    failStart(i, error);
                    return;
                }
                (*values)[std::size_t(i)] = done.result();
                if (--*remaining == 0)
                    next(*values);
            });
    }
}

void ProcessGroup::checkHosts(const std::vector<Value>& hosts) {
    QSet<QString> names;
    m_info.hosts.clear();
    m_addresses.clear();
    for (const Value& host : hosts) {
        m_info.hosts << host["hostname"].toString();
        names.insert(m_info.hosts.back());
        const auto& addresses = host["addresses"].items();
        m_addresses.push_back(addresses.empty() ? QString() : addresses.front().toString());
    }
    const bool multiHost = names.size() > 1;
    for (int i = 0; i < size(); ++i) {
        const Value& host = hosts[std::size_t(i)];
        if (m_addresses[std::size_t(i)].isEmpty()) {
            failStart(i, QStringLiteral("its host name '%1' does not resolve to an address "
                                        "there; JAX's collectives need it to")
                             .arg(m_info.hosts.at(i)));
            return;
        }
        if (multiHost && host["loopback"].toBool()) {
            failStart(i, QStringLiteral("its host name '%1' resolves to %2 (loopback) there, so "
                                        "the other hosts could not reach its collectives; map "
                                        "the name to the address of the interface the job "
                                        "uses in that host's /etc/hosts")
                             .arg(m_info.hosts.at(i), m_addresses[std::size_t(i)]));
            return;
        }
    }
    probeCoordinator();
}

void ProcessGroup::probeCoordinator() {
    const QString address = m_options.coordinatorAddress;
    session(0)
        .send(worker::command(
            clusterCall(QStringLiteral("listen"), {address, int(m_options.coordinatorPort)})))
        .then(this, [this](const QFuture<Value>& done) {
            if (m_failure)
                return;
            const QString error = errorText(done);
            if (!error.isEmpty()) {
                failStart(0, QStringLiteral("the coordinator cannot listen there: ") + error);
                return;
            }
            probePeers(static_cast<quint16>(done.result().toInt()));
        });
}

void ProcessGroup::probePeers(quint16 coordinatorPort) {
    // Every process opens a probe where its peers will reach it, then every process connects
    // to the coordinator's probe and to every other process's.
    std::vector<py::Program> listen;
    listen.reserve(std::size_t(size()));
    for (int i = 0; i < size(); ++i)
        listen.push_back(clusterCall(QStringLiteral("listen"), {m_addresses[std::size_t(i)]}));
    everywhere(listen, [this, coordinatorPort](const std::vector<Value>& ports) {
        std::vector<py::Program> connect;
        for (int i = 0; i < size(); ++i) {
            std::vector<py::Expr> probes;
            if (i != 0)
                probes.push_back(
                    py::Expr::tuple({m_options.coordinatorAddress, int(coordinatorPort)}));
            for (int j = 0; j < size(); ++j) {
                if (j != i)
                    probes.push_back(py::Expr::tuple(
                        {m_addresses[std::size_t(j)], ports[std::size_t(j)].toInt()}));
            }
            connect.push_back(
                clusterCall(QStringLiteral("reach"), {py::Expr::list(std::move(probes))}));
        }
        everywhere(connect, [this, coordinatorPort](const std::vector<Value>& errors) {
            for (int i = 0; i < size(); ++i) {
                const auto& found = errors[std::size_t(i)].items();
                if (!found.empty()) {
                    failStart(i, found.front().toString());
                    return;
                }
            }
            everywhere({clusterCall(QStringLiteral("close"))},
                       [this, coordinatorPort](const std::vector<Value>&) {
                           initialize(coordinatorPort);
                       });
        });
    });
}

void ProcessGroup::initialize(quint16 coordinatorPort) {
    m_info.coordinator = hostPort(m_options.coordinatorAddress, coordinatorPort);
    std::vector<py::Program> code;
    for (int i = 0; i < size(); ++i) {
        py::Keywords kwargs;
        if (i == 0)
            kwargs.emplace_back(QStringLiteral("bind"), m_options.coordinatorAddress);
        code.push_back(clusterCall(QStringLiteral("initialize"), {m_info.coordinator, size(), i},
                                   std::move(kwargs)));
    }
    everywhere(code, [this](const std::vector<Value>& joined) {
        m_info.localDevices.clear();
        for (const Value& j : joined) {
            QStringList local;
            for (const Value& d : j["local_devices"].items())
                local << d.toString();
            m_info.localDevices.push_back(local);
        }
        m_info.devices.clear();
        for (const Value& d : joined.front()["devices"].items())
            m_info.devices << d.toString();
        m_started = true;
        m_start->addResult(m_info);
        m_start->finish();
        Q_EMIT started(m_info);
    });
}

QFuture<DistributionInfo> ProcessGroup::setDistribution(const Distribution& distribution) {
    QFuture<DistributionInfo> first;
    for (int i = 0; i < size(); ++i) {
        QFuture<DistributionInfo> f = keras::setDistribution(session(i), distribution);
        if (i == 0)
            first = f;
    }
    return first;
}

void ProcessGroup::failStart(int process, const QString& reason) {
    ProcessFailure f;
    f.process = process;
    f.host = hostOf(process);
    f.pid = process < int(m_info.pids.size()) ? m_info.pids[std::size_t(process)] : 0;
    f.reason = reason;
    fail(std::move(f));
}

void ProcessGroup::onLost(int process, const QString& reason) {
    if (m_stopping || m_failure)
        return;
    ProcessFailure f;
    f.process = process;
    f.host = hostOf(process);
    f.pid = m_info.pids[std::size_t(process)];
    f.reason = reason;
    QStringList tail(m_stderr[std::size_t(process)].begin(), m_stderr[std::size_t(process)].end());
    f.stderrTail = tail.join(u'\n');
    fail(std::move(f));
}

void ProcessGroup::onCommandFailed(int process, const QString& reason) {
    if (!m_started || m_stopping || m_failure || m_suspect)
        return;
    ProcessFailure f;
    f.process = process;
    f.host = hostOf(process);
    f.pid = m_info.pids[std::size_t(process)];
    f.reason = QStringLiteral("a command failed: ") + reason;
    m_suspect = std::move(f);
    m_blameTimer->start(m_options.blameWindowMs);
}

void ProcessGroup::fail(ProcessFailure failure) {
    if (m_failure)
        return;
    m_blameTimer->stop();
    if (failure.stderrTail.isEmpty() && failure.process >= 0 && failure.process < size()) {
        const auto& tail = m_stderr[std::size_t(failure.process)];
        failure.stderrTail = QStringList(tail.begin(), tail.end()).join(u'\n');
    }
    m_failure = std::move(failure);
    stop();
    if (m_start && !m_started) {
        m_start->setException(std::make_exception_ptr(WorkerError(m_failure->message())));
        m_start->finish();
    }
    Q_EMIT failed(*m_failure);
}

void ProcessGroup::stop() {
    m_stopping = true;
    for (std::size_t i = 0; i < m_sessions.size(); ++i) {
        const WorkerState state = m_sessions[i]->workerState();
        const qint64 pid = i < m_info.pids.size() ? m_info.pids[i] : 0;
        if (pid <= 0 || state == WorkerState::Dead || state == WorkerState::Stopped)
            continue;
        // The worker leads its process group: its children go with it.
        ::kill(static_cast<pid_t>(-pid), SIGKILL);
        ::kill(static_cast<pid_t>(pid), SIGKILL);
    }
}

} // namespace qk::keras
