// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/codegen/python.h"
#include "bridge/keras/distribution.h"
#include "bridge/session/session.h"

#include <QFuture>
#include <QObject>
#include <QPromise>
#include <QStringList>

#include <deque>
#include <memory>
#include <optional>
#include <vector>

class QTimer;

namespace qk::keras {

struct ProcessGroupOptions {
    // Worker processes in the job, each with a session of its own (process 0 first).
    int processes = 2;
    // Simulated CPU devices per process (--cpu-devices); 0: the host's own devices.
    int cpuDevicesPerProcess = 0;
    // The address the coordinator (process 0) listens on, one interface of its host; never
    // every interface. Its port: 0 takes a free one.
    QString coordinatorAddress = QStringLiteral("127.0.0.1");
    quint16 coordinatorPort = 0;
    // How every process's worker is started; its automatic restarts are turned off (a new
    // worker could not rejoin the job), and it is told that the job's workers share the GPUs
    // of the host (--gpu-workers).
    SessionOptions session;
    // When a command of one process fails, how long to wait for another process's death
    // before blaming the command: a dead peer makes the others' collectives fail too.
    int blameWindowMs = 2000;
};

// The process that ended a job first, and how.
struct ProcessFailure {
    int process = -1;
    QString host;
    qint64 pid = 0;
    QString reason; // how it ended: an exit, a signal, a failed command
    QString stderrTail;

    // "process 1 on vm (pid 4242): the worker died (...); its stderr: ..."
    QString message() const;
};

// What a started job is made of.
struct GroupInfo {
    QString coordinator; // HOST:PORT
    QStringList hosts;   // per process, its host name
    std::vector<qint64> pids;
    QStringList devices;                   // every device of the job
    std::vector<QStringList> localDevices; // per process
};

// A multi-process JAX job: one worker per process, each with its own Session. start() runs the
// pre-flight checks (host names that resolve to loopback when the job spans several hosts,
// the coordinator's address reachable from every process, every process reachable from the
// others), then sends keras.distribution.initialize to every worker as its first command,
// with the coordinator bound to the chosen address only. Every process is then built and
// trained alike (the same commands to every session, sent before waiting on any: the steps
// are collective); curves come from process 0; the others are watched. When one process
// dies or fails, every process is stopped and failed() names the first one, its host and its
// stderr; training can resume from the last checkpoint (FitOptions::checkpoint) in a new job.
//
// Lives on the thread that creates it and uses its event loop: wait for start() with
// QFutureWatcher, a signal spy or QTRY_*, not with result() on that thread.
class ProcessGroup : public QObject {
    Q_OBJECT
public:
    explicit ProcessGroup(ProcessGroupOptions options = {}, QObject* parent = nullptr);
    ~ProcessGroup() override; // stops every worker

    // Starts the workers, checks, and initialises the job; fails with the first problem
    // (and then every worker is stopped).
    QFuture<GroupInfo> start();
    int size() const { return static_cast<int>(m_sessions.size()); }
    Session& session(int process) const;
    const GroupInfo& info() const { return m_info; }

    // Sends the distribution to every process; settles with process 0's answer.
    QFuture<DistributionInfo> setDistribution(const Distribution& distribution);

    // Kills every worker of the job (their process groups); what runs is lost.
    void stop();
    bool isFailed() const { return m_failure.has_value(); }
    const std::optional<ProcessFailure>& failure() const { return m_failure; }

Q_SIGNALS:
    void started(const qk::keras::GroupInfo& info);
    void failed(const qk::keras::ProcessFailure& failure);

private:
    using Step = std::function<void(const std::vector<Value>&)>;
    // Sends code[i] to process i (every process when code has one entry), then runs next
    // with the values in process order; the first failure fails the start.
    void everywhere(const std::vector<py::Program>& code, const Step& next);
    void checkHosts(const std::vector<Value>& hosts);
    void probeCoordinator();
    void probePeers(quint16 coordinatorPort);
    void initialize(quint16 coordinatorPort);
    void failStart(int process, const QString& reason);
    void onLost(int process, const QString& reason);
    void onCommandFailed(int process, const QString& reason);
    void fail(ProcessFailure failure);
    QString hostOf(int process) const;

    ProcessGroupOptions m_options;
    std::vector<std::unique_ptr<Session>> m_sessions;
    std::vector<std::deque<QString>> m_stderr;
    std::vector<QString> m_addresses; // per process, the address its peers reach it at
    std::shared_ptr<QPromise<GroupInfo>> m_start;
    GroupInfo m_info;
    std::optional<ProcessFailure> m_failure;
    std::optional<ProcessFailure> m_suspect; // a failed command, while deaths may come
    QTimer* m_blameTimer = nullptr;
    bool m_started = false;
    bool m_stopping = false;
};

} // namespace qk::keras

Q_DECLARE_METATYPE(qk::keras::ProcessFailure)
Q_DECLARE_METATYPE(qk::keras::GroupInfo)
