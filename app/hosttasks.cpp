// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/hosttasks.h"

#include "bridge/worker/remoteworker.h"

#include <nlohmann/json.hpp>

#include <QProcess>

namespace qk::app {

namespace {

QString text(const nlohmann::json& object, const char* key) {
    const auto found = object.find(key);
    return found != object.end() && found->is_string() ? QString::fromStdString(*found) : QString();
}

} // namespace

HostTasks::HostTasks(QObject* parent)
    : QObject(parent) {}

HostTasks::~HostTasks() {
    if (m_process) {
        m_process->disconnect(this);
        m_process->kill();
        m_process->waitForFinished(1000);
    }
}

void HostTasks::run(const WorkerOptions& options, const QByteArray& request, bool withPackage,
                    const std::function<void(const QByteArray&)>& onLine,
                    const std::function<void(bool, const QString&)>& onEnd) {
    if (m_process) {
        m_process->disconnect(this);
        m_process->kill();
        m_process->deleteLater();
    }
    QString error;
    QProcess* process = RemoteWorker::runRequest(options, request, this, &error, withPackage);
    m_process = process;
    if (!process) {
        onEnd(false, error);
        return;
    }
    auto buffer = std::make_shared<QByteArray>();
    auto refusal = std::make_shared<QString>();
    const auto readLines = [process, buffer, refusal, onLine] {
        *buffer += process->readAllStandardOutput();
        qsizetype newline;
        while ((newline = buffer->indexOf('\n')) >= 0) {
            const QByteArray line = buffer->left(newline);
            buffer->remove(0, newline + 1);
            const nlohmann::json answer =
                nlohmann::json::parse(line.constBegin(), line.constEnd(), nullptr, false);
            if (answer.is_object() && answer.contains("error"))
                *refusal = text(answer, "error");
            else
                onLine(line);
        }
    };
    connect(process, &QProcess::readyReadStandardOutput, this, readLines);
    connect(process, &QProcess::finished, this,
            [this, process, refusal, readLines, onEnd](int exitCode, QProcess::ExitStatus status) {
                readLines();
                if (process == m_process)
                    m_process = nullptr;
                process->deleteLater();
                const QString said = QString::fromUtf8(process->readAllStandardError()).trimmed();
                if (!refusal->isEmpty())
                    onEnd(false, *refusal);
                else if (status != QProcess::NormalExit || exitCode != 0)
                    onEnd(false,
                          said.isEmpty() ? tr("ssh ended with code %1").arg(exitCode) : said);
                else
                    onEnd(true, {});
            });
    connect(
        process, &QProcess::errorOccurred, this, [this, process, onEnd](QProcess::ProcessError e) {
            if (e != QProcess::FailedToStart)
                return;
            if (process == m_process)
                m_process = nullptr;
            process->deleteLater();
            onEnd(false,
                  tr("cannot run ssh (%1): install OpenSSH's client").arg(process->errorString()));
        });
}

void HostTasks::list(const WorkerOptions& options) {
    auto found = std::make_shared<QList<WorkerEntry>>();
    const QString host = options.remote;
    run(
        options, R"({"op": "list"})", false,
        [found, host](const QByteArray& line) {
            const nlohmann::json answer =
                nlohmann::json::parse(line.constBegin(), line.constEnd(), nullptr, false);
            if (!answer.is_object() || !answer.contains("workers") || !answer["workers"].is_array())
                return;
            for (const nlohmann::json& w : answer["workers"]) {
                if (!w.is_object())
                    continue;
                WorkerEntry entry;
                entry.location = host;
                entry.remote = true;
                entry.run = text(w, "run");
                entry.python = text(w, "python");
                entry.keras = text(w, "keras");
                entry.backend = text(w, "backend");
                entry.pid = w.value("pid", nlohmann::json()).is_number_integer()
                                ? w["pid"].get<qint64>()
                                : 0;
                const bool alive = w.value("alive", false);
                entry.health = alive                        ? WorkerEntry::Health::Detached
                               : w.value("starting", false) ? WorkerEntry::Health::Starting
                                                            : WorkerEntry::Health::Lost;
                if (const auto log = w.find("log"); !alive && log != w.end() && log->is_array() &&
                                                    !log->empty() && log->back().is_string())
                    entry.reason = QString::fromStdString(log->back().get<std::string>());
                *found << entry;
            }
        },
        [this, found, host](bool ok, const QString& error) {
            if (ok)
                Q_EMIT listed(host, *found);
            Q_EMIT finished(ok, ok ? QString()
                                   : tr("Could not list the workers on %1: %2").arg(host, error));
        });
}

void HostTasks::stop(const WorkerOptions& options, const QString& run) {
    const nlohmann::json request = {{"op", "stop"}, {"run", run.toStdString()}};
    auto stopped = std::make_shared<bool>(false);
    const QString host = options.remote;
    this->run(
        options, QByteArray::fromStdString(request.dump()), false,
        [stopped](const QByteArray& line) {
            const nlohmann::json answer =
                nlohmann::json::parse(line.constBegin(), line.constEnd(), nullptr, false);
            if (answer.is_object() && answer.value("stopped", false))
                *stopped = true;
        },
        [this, stopped, host, run](bool ok, const QString& error) {
            Q_EMIT finished(
                ok, !ok        ? tr("Could not stop %1 on %2: %3").arg(run, host, error)
                    : *stopped ? tr("Stopped the worker %1 on %2").arg(run, host)
                               : tr("The worker %1 on %2 was no longer running").arg(run, host));
        });
}

void HostTasks::setUpPython(const WorkerOptions& options) {
    // The interpreter named in the settings makes the environment; else the host's python3.
    const nlohmann::json request = {{"op", "setup"}, {"python", options.python.toStdString()}};
    auto python = std::make_shared<QString>();
    const QString host = options.remote;
    run(
        options, QByteArray::fromStdString(request.dump()), true,
        [this, python](const QByteArray& line) {
            const nlohmann::json answer =
                nlohmann::json::parse(line.constBegin(), line.constEnd(), nullptr, false);
            if (!answer.is_object())
                return;
            if (answer.contains("log"))
                Q_EMIT output(text(answer, "log"));
            if (answer.value("done", false))
                *python = text(answer, "python");
        },
        [this, python, host](bool ok, const QString& error) {
            ok = ok && !python->isEmpty();
            Q_EMIT finished(ok, ok ? tr("Python is set up on %1: %2 (a worker there whose "
                                        "interpreter is not set uses it)")
                                         .arg(host, *python)
                                   : tr("Setting up Python on %1 failed: %2").arg(host, error));
        });
}

} // namespace qk::app
