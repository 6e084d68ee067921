#pragma once

#include "bridge/session/session.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QFuture>
#include <QThread>

#include <functional>
#include <optional>

namespace qk::test {

// Options that start the worker from the build's virtual environment and source tree.
inline SessionOptions workerOptions() {
    SessionOptions options;
    options.worker.python = QStringLiteral(QTKERAS_TEST_PYTHON);
    options.worker.pythonPath = {QStringLiteral(QTKERAS_TEST_SOURCE_DIR "/python_worker")};
    options.worker.backend = QStringLiteral("jax");
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

template <typename T>
bool waitFinished(const QFuture<T>& future, int timeoutMs = 30000) {
    return waitUntil([&future] { return future.isFinished(); }, timeoutMs);
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

} // namespace qk::test
