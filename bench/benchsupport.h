// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/session/session.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFutureWatcher>
#include <QString>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace qk::bench {

using Json = nlohmann::json;

// A monotonic clock in seconds, for spans from microseconds to minutes.
inline double now() {
    using Clock = std::chrono::steady_clock;
    return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

// The q-quantile (0..1) of samples, by the nearest-rank method.
inline double percentile(std::vector<double> samples, double q) {
    if (samples.empty())
        return 0.0;
    std::sort(samples.begin(), samples.end());
    const auto rank = static_cast<std::size_t>(q * static_cast<double>(samples.size() - 1) + 0.5);
    return samples[std::min(rank, samples.size() - 1)];
}

inline double median(std::vector<double> samples) {
    return percentile(std::move(samples), 0.5);
}

// A worker started from the build's virtual environment and the source tree, unless
// QTKERAS_PYTHON says otherwise.
inline SessionOptions workerOptions() {
    SessionOptions options;
    options.worker.python =
        qEnvironmentVariable("QTKERAS_PYTHON", QStringLiteral(QTKERAS_BENCH_PYTHON));
    options.worker.pythonPath = {QStringLiteral(QTKERAS_BENCH_SOURCE_DIR "/python_worker")};
    options.worker.backend = QStringLiteral("jax");
    return options;
}

inline QString sourcePath(const char* relative) {
    return QStringLiteral(QTKERAS_BENCH_SOURCE_DIR "/") + QString::fromUtf8(relative);
}

inline QString pythonPath() {
    return qEnvironmentVariable("QTKERAS_PYTHON", QStringLiteral(QTKERAS_BENCH_PYTHON));
}

// Runs this thread's event loop until the future settles (no polling), then returns its
// result (rethrowing its exception).
template <typename T>
T await(const QFuture<T>& future) {
    if (!future.isFinished()) {
        QEventLoop loop;
        QFutureWatcher<T> watcher;
        QObject::connect(&watcher, &QFutureWatcherBase::finished, &loop, &QEventLoop::quit);
        watcher.setFuture(future);
        if (!future.isFinished())
            loop.exec();
    }
    return future.result();
}

// One line of JSON on stdout: {"figures": {...}} for the report to merge.
inline void printFigures(const Json& figures) {
    const std::string line = Json{{"figures", figures}}.dump();
    std::fprintf(stdout, "%s\n", line.c_str());
    std::fflush(stdout);
}

inline void progress(const QString& text) {
    std::fprintf(stderr, "    %s\n", qPrintable(text));
    std::fflush(stderr);
}

} // namespace qk::bench
