// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QObject>
#include <QStringList>

#include <optional>

namespace qk {

// How to start a worker. Empty fields take defaults: the interpreter from QTKERAS_PYTHON or
// the build's virtual environment, the worker package from the source tree, KERAS_BACKEND
// from the environment or "jax".
struct WorkerOptions {
    // The interpreter; for a remote worker, on the remote host (default: the environment
    // qtkeras-setup-python made there, else python3).
    QString python;
    QStringList pythonPath;
    QString backend;
    QStringList extraArguments;
    // Results with at least this many bytes of array data are announced and downloaded
    // into one buffer (GET /results) instead of posted to the notification server, which
    // reads a body in pieces; 0 posts every result.
    qint64 fetchResultsOver = qint64(256) << 10;
    int startTimeoutMs = 60000;
    // Worker stderr forwarded as stderrLine() per second; the rest is counted and dropped
    // (the tail is kept), so that a flood of C-level output cannot swamp the receiver.
    int stderrBytesPerSecond = 256 * 1024;

    // Where the worker runs: empty for this machine, or ssh://[user@]host[:port], reached
    // with the system ssh (its configuration, agent and known_hosts; host keys checked
    // strictly, never a password).
    QString remote;
    // Further ssh arguments before the destination (-F FILE, -o Name=value, -i KEY).
    QStringList sshArguments;
    // How long a remote worker outlives a dropped connection with no client reaching it;
    // it is re-attached meanwhile (0: it ends with the connection).
    int leaseSeconds = 600;
    // A worker the remote host already runs (its run directory there, as its bootstrap's
    // `list` names it) to attach to instead of starting one; the session then uses that
    // worker's token, which the host gives to its owner over ssh. Used for the first start
    // only: a worker started after it (a restart) is a new one.
    QString attachRun;
};

// What the worker reported in its ready line.
struct WorkerInfo {
    quint16 port = 0; // where the client reaches it (a forwarded local port for a remote one)
    qint64 pid = 0;   // on the worker's host
    QString python;
    QString keras;
    QString backend;
    QString host;         // the remote host (ssh://...), empty for a local worker
    quint16 hostPort = 0; // the port the worker listens on on its host
    QString run;          // a remote worker's run directory there
};

// The ready line a worker prints (docs/PROTOCOL.md), or nothing when it is not one.
std::optional<WorkerInfo> parseReadyLine(const QByteArray& line);

// A worker as a session drives it: a process on this machine (WorkerProcess) or one on
// another host over SSH (RemoteWorker).
class WorkerHandle : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;

    // Starts the worker; ready() or startFailed() follows.
    virtual void start() = 0;
    // Lets the worker end by itself, killing it if it is still there after graceMs.
    virtual void stop(int graceMs = 2000) = 0;
    // Ends the worker and every process it started, now.
    virtual void kill() = 0;
    virtual bool isReady() const = 0;
    // Whether the client reads notifications from the worker's journal (GET
    // /notifications) instead of receiving them on its notification server, which the
    // worker cannot reach.
    virtual bool pollsNotifications() const { return false; }
    // A remote worker whose connection dropped: attach again now. Nothing for others.
    virtual void reconnectNow() {}
    // The token of a worker that was attached to rather than started (WorkerOptions::
    // attachRun): the client must use it. Empty otherwise.
    virtual QByteArray adoptedToken() const { return {}; }
    // Whether staged bindings (GET /blobs on the notification server) can reach the worker.
    virtual bool reachesNotificationServer() const { return true; }

Q_SIGNALS:
    void ready(const qk::WorkerInfo& info);
    void startFailed(const QString& reason);
    // The worker ended after it was ready; reason says how (exit code, signal, stderr).
    void exited(const QString& reason);
    void stderrLine(const QString& line);
    // The connection to a remote worker dropped; it is being re-attached while the worker
    // runs on under its lease.
    void disconnected(const QString& reason);
    // The connection is back: the same worker, reached at info.port now.
    void reconnected(const qk::WorkerInfo& info);
};

} // namespace qk

Q_DECLARE_METATYPE(qk::WorkerInfo)
