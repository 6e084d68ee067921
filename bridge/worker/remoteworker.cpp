// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/worker/remoteworker.h"

#include "bridge/worker/remotepackage.h"
#include "bridge/worker/workerprocess.h"

#include <nlohmann/json.hpp>

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTimer>
#include <QUrl>

#include <algorithm>

#include <unistd.h>

namespace qk {

namespace {

// ssh's exit status for its own errors (connection refused or dropped, host key refused).
constexpr int kSshError = 255;
constexpr int kMaxStderrLine = 4096;
// A longer answer line from the bootstrap is garbage: it is dropped.
constexpr qsizetype kMaxAnswerLine = qsizetype(64) << 10;
constexpr int kForwardAttempts = 3;
// How long a worker whose connection dropped is tried to be stopped over a new one before it
// is left to end with its lease.
constexpr qint64 kDetachedStopMs = 30000;

std::string utf8(const QString& text) {
    return text.toStdString();
}

quint16 freeLocalPort() {
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

} // namespace

RemoteWorker::RemoteWorker(WorkerOptions options, QByteArray token, QObject* parent)
    : WorkerHandle(parent)
    , m_options(std::move(options))
    , m_token(std::move(token))
    , m_controlDir(QDir::tempPath() + QStringLiteral("/qk-ssh-XXXXXX")) {
    // The control socket's path must fit in a sockaddr_un (108 bytes).
    m_controlPath = m_controlDir.filePath(QStringLiteral("c"));
}

RemoteWorker::~RemoteWorker() {
    for (QProcess* process : {m_forwarder, m_master}) {
        if (!process || process->state() == QProcess::NotRunning)
            continue;
        process->disconnect(this);
        if (process == m_master) {
            process->write("stop\n");
            process->closeWriteChannel();
            if (process->waitForFinished(2000))
                continue;
        }
        process->kill();
        process->waitForFinished(1000);
    }
}

qint64 RemoteWorker::sshPid() const {
    return m_master ? m_master->processId() : 0;
}

void RemoteWorker::start() {
    Q_ASSERT(m_phase == Phase::Idle);
    m_phase = Phase::Starting;
    QString error;
    const std::optional<SshTarget> target = SshTarget::parse(m_options.remote, &error);
    if (!target)
        return fail(error);
    m_target = *target;
    m_info.host = m_target.toString();
    if (!m_controlDir.isValid())
        return fail(QStringLiteral("cannot make a directory for ssh's control socket: ") +
                    m_controlDir.errorString());
    const RemotePackage package = workerPackage(m_options);
    if (package.hash.isEmpty())
        return fail(QStringLiteral("the worker's Python sources (qtkeras_worker/bootstrap.py) "
                                   "are not on the worker's Python path"));
    if (m_options.leaseSeconds != 0 && m_options.leaseSeconds < 10)
        return fail(QStringLiteral("a remote worker's lease is at least 10 s (or 0: none)"));
    armStartDeadline();
    if (!m_options.attachRun.isEmpty()) {
        // A worker the host runs already: its token comes back with the answer.
        m_attaching = true;
        m_info.run = m_options.attachRun;
        const nlohmann::json request = {
            {"op", "attach"}, {"run", utf8(m_info.run)}, {"token", true}};
        runMaster(bootstrapInput(m_options, QByteArray::fromStdString(request.dump())));
        return;
    }

    nlohmann::json request = {
        {"op", "start"},
        {"token", m_token.toStdString()},
        {"python", utf8(m_options.python)},
        {"lease", m_options.leaseSeconds},
        {"environment",
         {{"KERAS_BACKEND",
           utf8(m_options.backend.isEmpty() ? QStringLiteral("jax") : m_options.backend)}}},
        {"package", {{"hash", package.hash.toStdString()}, {"bytes", package.bytes.size()}}},
    };
    nlohmann::json arguments = nlohmann::json::array();
    if (m_options.fetchResultsOver > 0) {
        arguments.push_back("--fetch-results-over");
        arguments.push_back(std::to_string(m_options.fetchResultsOver));
    }
    for (const QString& argument : m_options.extraArguments)
        arguments.push_back(utf8(argument));
    request["arguments"] = arguments;
    const std::string line = request.dump();

    runMaster(bootstrapInput(m_options, QByteArray::fromStdString(line), package.bytes));
}

void RemoteWorker::armStartDeadline() {
    m_timer = new QTimer(this);
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, [this] {
        if (m_stopping) {
            if (m_phase == Phase::Reconnecting)
                stopDetached();
            return;
        }
        if (m_phase == Phase::Reconnecting) {
            reattach();
            return;
        }
        if (m_phase == Phase::Starting || m_phase == Phase::Forwarding) {
            fail(QStringLiteral("the worker on %1 did not report ready within %2 s")
                     .arg(m_info.host)
                     .arg(m_options.startTimeoutMs / 1000));
            if (m_master)
                m_master->kill();
        }
    });
    m_timer->start(m_options.startTimeoutMs);
}

void RemoteWorker::runMaster(const QByteArray& input) {
    if (m_master) {
        m_master->disconnect(this);
        m_master->deleteLater();
    }
    m_stdoutBuffer.clear();
    m_master = new QProcess(this);
    // Its own session: a Ctrl+C in the IDE's terminal does not reach it.
    m_master->setChildProcessModifier([] { ::setsid(); });
    QFile::remove(m_controlPath);
    QStringList args = sshArguments(m_options, m_target);
    args.insert(args.size() - 2, QStringLiteral("-M"));
    args.insert(args.size() - 2, QStringLiteral("-S"));
    args.insert(args.size() - 2, m_controlPath);
    args.insert(args.size() - 2, QStringLiteral("-o"));
    args.insert(args.size() - 2, QStringLiteral("ControlPersist=no"));
    args << remoteCommand(m_options);
    connect(m_master, &QProcess::readyReadStandardOutput, this, &RemoteWorker::onMasterStdout);
    connect(m_master, &QProcess::readyReadStandardError, this, &RemoteWorker::onMasterStderr);
    connect(m_master, &QProcess::finished, this, &RemoteWorker::onMasterFinished);
    connect(m_master, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error != QProcess::FailedToStart)
            return;
        end(QStringLiteral("cannot run ssh (%1): install OpenSSH's client (Debian: "
                           "openssh-client)")
                .arg(m_master->errorString()));
    });
    m_master->start(QStringLiteral("ssh"), args);
    m_master->write(input);
}

void RemoteWorker::onMasterStdout() {
    m_stdoutBuffer += m_master->readAllStandardOutput();
    qsizetype newline;
    while ((newline = m_stdoutBuffer.indexOf('\n')) >= 0) {
        const QByteArray line = m_stdoutBuffer.left(newline);
        m_stdoutBuffer.remove(0, newline + 1);
        onAnswer(line);
    }
    if (m_stdoutBuffer.size() > kMaxAnswerLine)
        m_stdoutBuffer.clear();
}

void RemoteWorker::onAnswer(const QByteArray& line) {
    const nlohmann::json answer =
        nlohmann::json::parse(line.constBegin(), line.constEnd(), nullptr, false);
    if (!answer.is_object())
        return;
    if (const auto error = answer.find("error"); error != answer.end() && error->is_string()) {
        const QString reason =
            QStringLiteral("%1: %2").arg(m_info.host, QString::fromStdString(*error));
        if (m_attaching)
            end(reason);
        else
            fail(reason);
        return;
    }
    std::optional<WorkerInfo> info;
    if (m_phase == Phase::Starting && !m_attaching) {
        info = parseReadyLine(line);
    } else if (m_attaching) {
        if (const auto attached = answer.find("attached"); attached != answer.end())
            info = parseReadyLine(QByteArray::fromStdString(attached->dump()));
        if (const auto token = answer.find("token");
            info && !m_wasReady && token != answer.end() && token->is_string())
            m_adoptedToken = QByteArray::fromStdString(*token);
    }
    if (!info)
        return;
    info->host = m_info.host;
    m_info = *info;
    if (m_info.run.isEmpty() && m_options.leaseSeconds > 0)
        forwardStderr(QStringLiteral("the worker on %1 names no run directory: it cannot be "
                                     "re-attached after a dropped connection")
                          .arg(m_info.host));
    forward(1);
}

void RemoteWorker::forward(int attempt) {
    m_phase = Phase::Forwarding;
    const quint16 local = freeLocalPort();
    if (local == 0)
        return connectionLost(QStringLiteral("no free local port to forward the worker's to"));
    if (m_forwarder) {
        m_forwarder->disconnect(this);
        m_forwarder->deleteLater();
    }
    m_forwarder = new QProcess(this);
    m_forwarder->setChildProcessModifier([] { ::setsid(); });
    QStringList args = sshArguments(m_options, m_target);
    args.insert(args.size() - 2, QStringLiteral("-S"));
    args.insert(args.size() - 2, m_controlPath);
    args.insert(args.size() - 2, QStringLiteral("-O"));
    args.insert(args.size() - 2, QStringLiteral("forward"));
    args.insert(args.size() - 2, QStringLiteral("-L"));
    args.insert(args.size() - 2,
                QStringLiteral("127.0.0.1:%1:127.0.0.1:%2").arg(local).arg(m_info.hostPort));
    QProcess* forwarder = m_forwarder;
    connect(forwarder, &QProcess::finished, this,
            [this, forwarder, local, attempt](int exitCode, QProcess::ExitStatus status) {
                if (forwarder != m_forwarder || m_phase != Phase::Forwarding)
                    return;
                const QString said = QString::fromUtf8(forwarder->readAllStandardError()).trimmed();
                if (status != QProcess::NormalExit || exitCode != 0) {
                    if (attempt < kForwardAttempts) // the port was taken meanwhile
                        return forward(attempt + 1);
                    return connectionLost(
                        QStringLiteral("ssh could not forward a local port to the worker: ") +
                        said);
                }
                m_info.port = local;
                m_phase = Phase::Ready;
                m_reattempts = 0;
                m_timer->stop();
                m_reconnecting = false;
                if (m_wasReady) {
                    Q_EMIT reconnected(m_info);
                } else {
                    m_wasReady = true;
                    Q_EMIT ready(m_info);
                }
            });
    m_forwarder->start(QStringLiteral("ssh"), args);
    m_forwarder->closeWriteChannel();
}

void RemoteWorker::onMasterStderr() {
    m_stderrBuffer += m_master->readAllStandardError();
    qsizetype newline;
    qsizetype start = 0;
    while ((newline = m_stderrBuffer.indexOf('\n', start)) >= 0) {
        forwardStderr(QString::fromUtf8(m_stderrBuffer.constData() + start,
                                        std::min<qsizetype>(newline - start, kMaxStderrLine))
                          .trimmed());
        start = newline + 1;
    }
    m_stderrBuffer.remove(0, start);
    if (m_stderrBuffer.size() > kMaxStderrLine) {
        forwardStderr(QString::fromUtf8(m_stderrBuffer.left(kMaxStderrLine)));
        m_stderrBuffer.clear();
    }
}

void RemoteWorker::forwardStderr(const QString& line) {
    m_stderrTail.push_back(line);
    if (m_stderrTail.size() > 1000)
        m_stderrTail.pop_front();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (now - m_stderrWindowStart >= 1000) {
        m_stderrWindowStart = now;
        m_stderrWindowBytes = 0;
    }
    m_stderrWindowBytes += line.size() + 1;
    if (m_stderrWindowBytes <= m_options.stderrBytesPerSecond)
        Q_EMIT stderrLine(line);
}

QString RemoteWorker::stderrTail(int lines) const {
    QStringList out;
    const int n = static_cast<int>(m_stderrTail.size());
    for (int i = std::max(0, n - lines); i < n; ++i)
        out << m_stderrTail[static_cast<std::size_t>(i)];
    return out.join(u'\n');
}

QString RemoteWorker::describe(int exitCode, QProcess::ExitStatus status) const {
    QString how;
    if (status == QProcess::CrashExit)
        how = QStringLiteral("ssh to %1 was killed").arg(m_info.host);
    else if (exitCode == kSshError)
        how = QStringLiteral("the connection to %1 failed").arg(m_info.host);
    else
        how = QStringLiteral("the worker on %1 exited with code %2").arg(m_info.host).arg(exitCode);
    const QString tail = stderrTail(20);
    if (tail.contains(QLatin1String("Host key verification failed")) ||
        tail.contains(QLatin1String("REMOTE HOST IDENTIFICATION HAS CHANGED"))) {
        how += QStringLiteral(": its host key is not the one known_hosts holds for it. Connect "
                              "once with `ssh %1` in a terminal to check and accept the key; "
                              "QtKeras never accepts one by itself")
                   .arg(m_target.host);
    } else if (tail.contains(QLatin1String("Permission denied"))) {
        how += QStringLiteral(": ssh could not log in without a password. Give ssh a key (in "
                              "~/.ssh/config or the agent) for %1")
                   .arg(m_target.host);
    }
    return tail.isEmpty() ? how : how + QStringLiteral("; ssh said:\n") + tail;
}

void RemoteWorker::onMasterFinished(int exitCode, QProcess::ExitStatus status) {
    onMasterStderr();
    const QString reason = describe(exitCode, status);
    if (m_stopping || m_phase == Phase::Ended)
        return end(QStringLiteral("the worker on %1 was stopped").arg(m_info.host));
    const bool dropped = status == QProcess::CrashExit || exitCode == kSshError;
    if (!m_wasReady && !m_attaching)
        return fail(reason);
    if (dropped && m_options.leaseSeconds > 0 && !m_info.run.isEmpty())
        return connectionLost(reason);
    end(reason);
}

void RemoteWorker::connectionLost(const QString& reason) {
    if (!m_wasReady)
        return fail(reason);
    m_phase = Phase::Reconnecting;
    if (!m_reconnecting) {
        m_reconnecting = true;
        m_lost.start();
        Q_EMIT disconnected(reason);
    }
    scheduleReattach();
}

void RemoteWorker::scheduleReattach() {
    const qint64 leaseMs = qint64(m_options.leaseSeconds) * 1000;
    if (m_lost.elapsed() >= leaseMs) {
        end(QStringLiteral("the connection to %1 was lost for longer than the worker's lease "
                           "(%2 s), so the worker has ended")
                .arg(m_info.host)
                .arg(m_options.leaseSeconds));
        return;
    }
    m_timer->start(nextBackoffMs());
}

int RemoteWorker::nextBackoffMs() {
    // 0.2 s, then doubling up to 5 s between attempts.
    return std::min(5000, 200 << std::min(m_reattempts++, 5));
}

void RemoteWorker::dropAttempt() {
    // An attempt still waiting for the host gives way to what comes next.
    if (m_master && m_master->state() != QProcess::NotRunning) {
        m_master->disconnect(this);
        m_master->kill();
        m_master->waitForFinished(1000);
    }
}

void RemoteWorker::reconnectNow() {
    if (m_phase != Phase::Reconnecting)
        return;
    m_reattempts = 0;
    m_timer->stop();
    dropAttempt();
    reattach();
}

void RemoteWorker::reattach() {
    m_attaching = true;
    const nlohmann::json request = {{"op", "attach"}, {"run", utf8(m_info.run)}};
    runMaster(bootstrapInput(m_options, QByteArray::fromStdString(request.dump())));
}

void RemoteWorker::fail(const QString& reason) {
    if (m_phase == Phase::Ended)
        return;
    m_phase = Phase::Ended;
    if (m_timer)
        m_timer->stop();
    Q_EMIT startFailed(reason);
}

void RemoteWorker::end(const QString& reason) {
    if (m_phase == Phase::Ended)
        return;
    if (!m_wasReady)
        return fail(reason);
    m_phase = Phase::Ended;
    if (m_timer)
        m_timer->stop();
    Q_EMIT exited(reason);
}

void RemoteWorker::stop(int graceMs) {
    if (m_phase == Phase::Ended || m_stopping)
        return;
    m_stopping = true;
    if (m_timer)
        m_timer->stop();
    if (m_phase == Phase::Reconnecting && !m_info.run.isEmpty()) {
        // No connection to say "stop" on: a new one stops the worker by its run.
        m_lost.start();
        m_reattempts = 0;
        dropAttempt();
        stopDetached();
        return;
    }
    if (!m_master || m_master->state() == QProcess::NotRunning) {
        end(QStringLiteral("the worker on %1 was stopped").arg(m_info.host));
        return;
    }
    m_master->write("stop\n");
    m_master->closeWriteChannel();
    QTimer::singleShot(graceMs, this, [this] {
        if (m_master && m_master->state() != QProcess::NotRunning)
            m_master->kill();
    });
}

void RemoteWorker::stopDetached() {
    const nlohmann::json request = {{"op", "stop"}, {"run", utf8(m_info.run)}};
    QString error;
    QProcess* process =
        runRequest(m_options, QByteArray::fromStdString(request.dump()), this, &error);
    if (!process)
        return end(QStringLiteral("could not stop the worker %1 on %2: %3")
                       .arg(m_info.run, m_info.host, error));
    connect(process, &QProcess::finished, this, [this, process] {
        process->deleteLater();
        if (m_phase == Phase::Ended)
            return;
        for (const QByteArray& line : process->readAllStandardOutput().split('\n')) {
            const nlohmann::json answer =
                nlohmann::json::parse(line.constBegin(), line.constEnd(), nullptr, false);
            if (const auto stopped = answer.is_object() ? answer.find("stopped") : answer.end();
                stopped != answer.end() && stopped->is_boolean()) {
                return end(*stopped ? QStringLiteral("the worker %1 on %2 was stopped after "
                                                     "the connection to it had dropped")
                                          .arg(m_info.run, m_info.host)
                                    : QStringLiteral("the worker %1 on %2 had already ended")
                                          .arg(m_info.run, m_info.host));
            }
        }
        const QString said = QString::fromUtf8(process->readAllStandardError()).trimmed();
        const int delay = nextBackoffMs();
        if (m_lost.elapsed() + delay < kDetachedStopMs) {
            m_timer->start(delay);
            return;
        }
        end(QStringLiteral("could not reach %1 to stop the worker %2 (%3); it ends by itself "
                           "when its lease of %4 s runs out")
                .arg(m_info.host, m_info.run, said.section(u'\n', -1))
                .arg(m_options.leaseSeconds));
    });
}

} // namespace qk
