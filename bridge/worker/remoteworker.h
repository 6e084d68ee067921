// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/worker/workerhandle.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QTemporaryDir>

#include <deque>
#include <optional>

class QTimer;

namespace qk {

// ssh://[user@]host[:port], as ssh takes it.
struct SshTarget {
    QString user;
    QString host;
    int port = 0; // 0: ssh's default (or the configuration's)

    // nullopt (and why in *error) for anything else, a host that ssh would read as an
    // option, or characters a host name cannot have.
    static std::optional<SshTarget> parse(const QString& url, QString* error = nullptr);
    QString toString() const;
};

// A worker on another host, started over the system ssh (so ~/.ssh/config, ProxyJump, the
// agent and known_hosts apply; host keys are checked strictly and no password is ever
// asked). The connection is an ssh control master whose session runs the worker's
// bootstrap (python_worker/qtkeras_worker/bootstrap.py): its source, a request with the
// token and the worker package go on ssh's standard input, never on a command line. Once
// the worker is ready, its port (on the remote loopback) is forwarded to a free local port
// through the same connection; the client reads notifications from the worker's journal.
// When the connection drops, the worker runs on under its lease, and this object attaches
// to it again (disconnected(), then reconnected() with the new local port) until the
// lease would have ended.
class RemoteWorker : public WorkerHandle {
    Q_OBJECT
public:
    RemoteWorker(WorkerOptions options, QByteArray token, QObject* parent = nullptr);
    ~RemoteWorker() override;

    void start() override;
    // Tells the worker to stop (a line "stop" on the session's stdin) and ends the
    // connection, killing ssh if it is still there after graceMs. While the connection is
    // down, the worker is stopped by its run over new connections, tried for 30 s; exited()
    // says whether that reached it.
    void stop(int graceMs = 2000) override;
    void kill() override { stop(2000); }
    bool isReady() const override { return m_phase == Phase::Ready; }
    bool pollsNotifications() const override { return true; }
    bool reachesNotificationServer() const override { return false; }

    const WorkerInfo& info() const { return m_info; }
    // The pid of the local ssh control master, 0 when there is none.
    qint64 sshPid() const;
    QString stderrTail(int lines = 30) const;

    // The ssh arguments every call shares: strict host keys, batch mode, keep-alives, then
    // the options' own arguments and the destination.
    static QStringList sshArguments(const WorkerOptions& options, const SshTarget& target);
    // Runs one request of the bootstrap (`check`, `list`, `stop`, `setup`: JSON without a
    // token; withPackage sends the worker package after it, as `setup` needs) on the options'
    // host and returns the ssh process, started, its stdin written and closed; its stdout has
    // the answers, one JSON line each. Null (and why in *error) when the host or the
    // worker's sources are not usable.
    static QProcess* runRequest(const WorkerOptions& options, const QByteArray& request,
                                QObject* parent, QString* error, bool withPackage = false);
    // Attaches again at once when the connection is down, instead of at the next attempt
    // of the back-off.
    void reconnectNow() override;
    QByteArray adoptedToken() const override { return m_adoptedToken; }

private:
    enum class Phase { Idle, Starting, Forwarding, Ready, Reconnecting, Ended };

    void armStartDeadline();
    void runMaster(const QByteArray& input);
    void onMasterStdout();
    void onMasterStderr();
    void onMasterFinished(int exitCode, QProcess::ExitStatus status);
    void onAnswer(const QByteArray& line);
    void forward(int attempt);
    void connectionLost(const QString& reason);
    void scheduleReattach();
    void reattach();
    void stopDetached();
    // The pause before the next attempt to reach the host (re-attach or stop), counted.
    int nextBackoffMs();
    // Kills a master still trying to reach the host, unheard.
    void dropAttempt();
    void fail(const QString& reason);
    void end(const QString& reason);
    void forwardStderr(const QString& line);
    static QByteArray bootstrapInput(const WorkerOptions& options, const QByteArray& request,
                                     const QByteArray& payload = {});
    static QString remoteCommand(const WorkerOptions& options);
    QString describe(int exitCode, QProcess::ExitStatus status) const;

    WorkerOptions m_options;
    QByteArray m_token;
    SshTarget m_target;
    QTemporaryDir m_controlDir;
    QString m_controlPath;
    QProcess* m_master = nullptr;
    QProcess* m_forwarder = nullptr;
    QTimer* m_timer = nullptr; // the start deadline, then the next re-attach
    Phase m_phase = Phase::Idle;
    bool m_attaching = false; // the master runs the bootstrap's "attach"
    bool m_wasReady = false;
    bool m_reconnecting = false; // disconnected() was emitted, reconnected() not yet
    bool m_stopping = false;
    WorkerInfo m_info;
    QByteArray m_adoptedToken;
    QByteArray m_stdoutBuffer;
    QByteArray m_stderrBuffer;
    std::deque<QString> m_stderrTail;
    QElapsedTimer m_lost; // since the connection dropped
    int m_reattempts = 0;
    qint64 m_stderrWindowStart = 0;
    qint64 m_stderrWindowBytes = 0;
};

} // namespace qk
