// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QObject>
#include <QProcess>
#include <QStringList>
#include <QUrl>

#include <deque>

class QTimer;

namespace qk {

// How to start a worker. Empty fields take defaults: the interpreter from QTKERAS_PYTHON or
// the build's virtual environment, the worker package from the source tree, KERAS_BACKEND
// from the environment or "jax".
struct WorkerOptions {
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
};

// What the worker reported in its ready line.
struct WorkerInfo {
    quint16 port = 0;
    qint64 pid = 0;
    QString python;
    QString keras;
    QString backend;
};

// One `python -m qtkeras_worker` process: spawns it with the token on stdin (never argv),
// reads its ready line, collects its stderr, and reports when it ends. Closing its stdin
// makes it exit, so it never outlives this object.
class WorkerProcess : public QObject {
    Q_OBJECT
public:
    WorkerProcess(WorkerOptions options, QByteArray token, QUrl notifyUrl,
                  QObject* parent = nullptr);
    ~WorkerProcess() override;

    // Starts the process; ready() or startFailed() follows.
    void start();
    // Closes stdin (the worker exits by itself) and kills it if it is still there after
    // graceMs.
    void stop(int graceMs = 2000);
    // Kills the worker and every process of its process group (its children).
    void kill();

    bool isReady() const { return m_ready; }
    const WorkerInfo& info() const { return m_info; }
    qint64 pid() const;
    // The last lines the worker wrote to stderr (tracebacks, import errors).
    QString stderrTail(int lines = 30) const;

    // The interpreter and PYTHONPATH the options resolve to. Without an interpreter in the
    // options or QTKERAS_PYTHON: a build's virtual environment (never for an installed
    // program), else userEnvironment(), else python3 on PATH.
    static QString resolvePython(const WorkerOptions& options);
    static QStringList resolvePythonPath(const WorkerOptions& options);
    // True when the program runs from an installed tree: the worker package is in
    // ../share/qtkeras/python_worker beside its binary.
    static bool isInstalled();
    static QString installedWorkerDir();
    // The virtual environment qtkeras-setup-python creates for an installed program:
    // $XDG_DATA_HOME/qtkeras/venv (~/.local/share/qtkeras/venv).
    static QString userEnvironment();
    // How to give the interpreter the worker's packages, as the end of a sentence.
    static QString setupAdvice(const QString& python);

Q_SIGNALS:
    void ready(const qk::WorkerInfo& info);
    void startFailed(const QString& reason);
    // The process ended after it was ready; reason says how (exit code, signal, stderr).
    void exited(const QString& reason);
    void stderrLine(const QString& line);

private:
    void onStdout();
    void onStderr();
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void onError(QProcess::ProcessError error);
    void fail(const QString& reason);
    void forwardStderr(const QString& line);
    QString describeExit(int exitCode, QProcess::ExitStatus status) const;
    QString startHints(const QString& text) const;
    void killGroup();

    WorkerOptions m_options;
    QByteArray m_token;
    QUrl m_notifyUrl;
    QProcess* m_process = nullptr;
    QTimer* m_startTimer = nullptr;
    QByteArray m_stdoutBuffer;
    QByteArray m_stderrBuffer;
    std::deque<QString> m_stderrTail;
    WorkerInfo m_info;
    qint64 m_pid = 0;
    qint64 m_stderrWindowStart = 0;
    qint64 m_stderrWindowBytes = 0;
    qint64 m_stderrDroppedBytes = 0;
    bool m_ready = false;
    bool m_failed = false;
    bool m_stopping = false;
};

} // namespace qk

Q_DECLARE_METATYPE(qk::WorkerInfo)
