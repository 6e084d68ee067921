// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/worker/workerhandle.h"

#include <QByteArray>
#include <QProcess>
#include <QStringList>
#include <QUrl>

#include <deque>

class QTimer;

namespace qk {

// One `python -m qtkeras_worker` process: spawns it with the token on stdin (never argv),
// reads its ready line, collects its stderr, and reports when it ends. Closing its stdin
// makes it exit, so it never outlives this object.
class WorkerProcess : public WorkerHandle {
    Q_OBJECT
public:
    WorkerProcess(WorkerOptions options, QByteArray token, QUrl notifyUrl,
                  QObject* parent = nullptr);
    ~WorkerProcess() override;

    // Starts the process; ready() or startFailed() follows.
    void start() override;
    // Closes stdin (the worker exits by itself) and kills it if it is still there after
    // graceMs.
    void stop(int graceMs = 2000) override;
    // Kills the worker and every process of its process group (its children).
    void kill() override;

    bool isReady() const override { return m_ready; }
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
