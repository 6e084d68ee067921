// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/session/session.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFuture>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <functional>
#include <optional>
#include <stdexcept>

namespace qk::test {

// The Keras backend the tests run on: JAX, unless `scripts/test.sh --backend NAME` runs them
// in that backend's environment (QTKERAS_TEST_BACKEND, QTKERAS_TEST_BACKEND_PYTHON).
inline QString testBackend() {
    const QString backend = qEnvironmentVariable("QTKERAS_TEST_BACKEND");
    return backend.isEmpty() ? QStringLiteral("jax") : backend;
}

inline QString testPython() {
    const QString python = qEnvironmentVariable("QTKERAS_TEST_BACKEND_PYTHON");
    return python.isEmpty() ? QStringLiteral(QTKERAS_TEST_PYTHON) : python;
}

// Options that start the worker from the build's virtual environment and source tree.
inline SessionOptions workerOptions() {
    SessionOptions options;
    options.worker.python = testPython();
    options.worker.pythonPath = {QStringLiteral(QTKERAS_TEST_SOURCE_DIR "/python_worker")};
    options.worker.backend = testBackend();
    return options;
}

// Runs the event loop until the condition holds or the time is up; returns the condition.
inline bool waitUntil(const std::function<bool()>& condition, int timeoutMs = 30000) {
    QDeadlineTimer deadline(timeoutMs);
    while (!condition()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        QThread::msleep(1);
    }
    return true;
}

// Runs the event loop for `ms` where the passing of time is itself what a test is about: a
// window in which something must not happen (a second settling, a restart, CPU use) or an
// attacker that trickles bytes past a server's deadline. Never a pause before acting: a test
// that needs a state waits on it (waitUntil, QSignalSpy::wait, CommandWatch).
inline void letTimePass(int ms) {
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

template <typename T>
bool waitFinished(const QFuture<T>& future, int timeoutMs = 30000) {
    return waitUntil([&future] { return future.isFinished(); }, timeoutMs);
}

// The future's result once it has settled (throws its exception, or std::runtime_error when
// it has not settled in time).
template <typename T>
T await(const QFuture<T>& future, int timeoutMs = 120000) {
    if (!waitFinished(future, timeoutMs))
        throw std::runtime_error("timed out");
    return future.result();
}

// The message of the CommandError a future failed with, once it has settled (empty when it
// succeeded).
template <typename T>
QString errorMessage(QFuture<T> future, int timeoutMs = 60000) {
    waitFinished(future, timeoutMs);
    try {
        future.result();
    } catch (const CommandError& e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}

// Why a future failed (any exception's message, or that it did not settle in time), or
// nothing when it succeeded.
template <typename T>
std::optional<QString> failureOf(const QFuture<T>& future, int timeoutMs = 60000) {
    if (!waitFinished(future, timeoutMs))
        return QStringLiteral("it did not finish");
    try {
        future.result();
    } catch (const std::exception& e) {
        return QString::fromUtf8(e.what());
    }
    return std::nullopt;
}

// The CommandError a finished future failed with, or nothing when it succeeded.
inline std::optional<CommandError> errorOf(QFuture<Value> future) {
    try {
        future.waitForFinished();
        future.result();
    } catch (const CommandError& e) {
        return e;
    }
    return std::nullopt;
}

// Holds a command in the worker until the test lets it go: the command's code waits for a file
// that open() creates. A test that needs a command running (or commands queued behind it)
// waits on that state instead of on a sleep of a given length.
class Gate {
public:
    // Python that waits until the gate is open, then runs `rest`.
    QString code(const QString& rest) const {
        return QStringLiteral(
                   "import os, time\nwhile not os.path.exists(%1):\n    time.sleep(0.005)\n")
                   .arg(QLatin1Char('\'') + path() + QLatin1Char('\'')) +
               rest;
    }
    void open() const {
        QFile file(path());
        [[maybe_unused]] const bool created = file.open(QIODevice::WriteOnly);
    }

private:
    QString path() const { return QDir(m_dir.path()).filePath(QStringLiteral("open")); }

    QTemporaryDir m_dir;
};

// What a session reports about its commands, recorded from the moment the watch is made: which
// commands have started running in the worker (their "started" event) and what they printed.
// A test that acts on a running command (interrupts it, kills its worker) waits on these
// rather than for a fixed time.
class CommandWatch {
public:
    explicit CommandWatch(const Session& session) {
        QObject::connect(&session.events(), &SessionEvents::commandChanged, &m_context,
                         [this](const CommandInfo& info) {
                             if (info.state == CommandState::Running)
                                 m_started.append(info.code);
                         });
        QObject::connect(
            &session.events(), &SessionEvents::output, &m_context,
            [this](const QString&, const QString&, const QString& text) { m_output += text; });
    }
    // Waits until a command with this code has started running.
    bool waitStarted(const QString& code, int timeoutMs = 30000) {
        return waitUntil([&] { return m_started.contains(code); }, timeoutMs);
    }
    // Waits until the commands have printed `text` (so the code that prints it has run).
    bool waitOutput(const QString& text, int timeoutMs = 30000) {
        return waitUntil([&] { return m_output.contains(text); }, timeoutMs);
    }

private:
    QObject m_context;
    QStringList m_started;
    QString m_output;
};

// What a Python script printed when run by the test interpreter as a plain program.
struct ScriptRun {
    bool finished = false;
    int exitCode = -1;
    QByteArray standardError;
    QJsonObject lastLine; // its last stdout line, read as a JSON object
};

// Runs `script` with the venv's interpreter outside the worker (no PYTHONPATH), on the tests'
// backend, as a user would run an exported script.
inline ScriptRun runPythonScript(const QString& script, const QString& workingDirectory,
                                 int timeoutMs = 120000) {
    QProcess python;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("KERAS_BACKEND"), testBackend());
    env.remove(QStringLiteral("PYTHONPATH"));
    python.setProcessEnvironment(env);
    python.setWorkingDirectory(workingDirectory);
    python.start(testPython(), {script});
    ScriptRun run;
    run.finished = python.waitForFinished(timeoutMs);
    run.exitCode = python.exitCode();
    run.standardError = python.readAllStandardError();
    const QList<QByteArray> lines = python.readAllStandardOutput().trimmed().split('\n');
    run.lastLine = QJsonDocument::fromJson(lines.back()).object();
    return run;
}

} // namespace qk::test
