// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/worker/workerprocess.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTimer>

#include <algorithm>
#include <csignal>
#include <utility>

#include <unistd.h>

namespace qk {

namespace {

// The name of a signal (SIGKILL), or its number when it has none here. POSIX has no function
// for this (glibc's sigabbrev_np is its own).
QString signalName(int sig) {
    static const std::pair<int, const char*> names[] = {
        {SIGHUP, "SIGHUP"},       {SIGINT, "SIGINT"},   {SIGQUIT, "SIGQUIT"}, {SIGILL, "SIGILL"},
        {SIGTRAP, "SIGTRAP"},     {SIGABRT, "SIGABRT"}, {SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},
        {SIGKILL, "SIGKILL"},     {SIGUSR1, "SIGUSR1"}, {SIGSEGV, "SIGSEGV"}, {SIGUSR2, "SIGUSR2"},
        {SIGPIPE, "SIGPIPE"},     {SIGALRM, "SIGALRM"}, {SIGTERM, "SIGTERM"}, {SIGCHLD, "SIGCHLD"},
        {SIGCONT, "SIGCONT"},     {SIGSTOP, "SIGSTOP"}, {SIGTSTP, "SIGTSTP"}, {SIGTTIN, "SIGTTIN"},
        {SIGTTOU, "SIGTTOU"},     {SIGURG, "SIGURG"},   {SIGXCPU, "SIGXCPU"}, {SIGXFSZ, "SIGXFSZ"},
        {SIGVTALRM, "SIGVTALRM"}, {SIGPROF, "SIGPROF"}, {SIGSYS, "SIGSYS"},
    };
    for (const auto& [number, name] : names) {
        if (number == sig)
            return QString::fromLatin1(name);
    }
    return QString::number(sig);
}

constexpr int kMaxStderrLine = 4096;

// The module a traceback failed in: the file of its last "File ..." line.
QString lastTracebackFile(const QString& text) {
    static const QRegularExpression file(QStringLiteral("File \"([^\"]+)\""));
    QString last;
    for (auto it = file.globalMatch(text); it.hasNext();)
        last = it.next().captured(1);
    return last;
}

} // namespace

WorkerProcess::WorkerProcess(WorkerOptions options, QByteArray token, QUrl notifyUrl,
                             QObject* parent)
    : WorkerHandle(parent)
    , m_options(std::move(options))
    , m_token(std::move(token))
    , m_notifyUrl(std::move(notifyUrl)) {}

WorkerProcess::~WorkerProcess() {
    if (m_process && m_process->state() != QProcess::NotRunning) {
        m_process->disconnect(this);
        m_process->closeWriteChannel();
        if (!m_process->waitForFinished(1000)) {
            killGroup();
            m_process->kill();
            m_process->waitForFinished(1000);
        }
    }
    killGroup();
}

void WorkerProcess::killGroup() {
    // The worker is the leader of its own process group (setsid), so its pid names the
    // group; processes it started stay in it unless they left on purpose.
    if (m_pid > 0)
        ::kill(static_cast<pid_t>(-m_pid), SIGKILL);
}

QString WorkerProcess::resolvePython(const WorkerOptions& options) {
    if (!options.python.isEmpty())
        return options.python;
    QString fromEnv = qEnvironmentVariable("QTKERAS_PYTHON");
    if (!fromEnv.isEmpty())
        return fromEnv;
    // A build uses its own virtual environment; an installed program never does.
    QString build = QStringLiteral(QTKERAS_DEFAULT_PYTHON);
    const bool installed = isInstalled();
    if (!installed && QFileInfo::exists(build))
        return build;
    QString user = userEnvironment() + QStringLiteral("/bin/python");
    if (QFileInfo::exists(user))
        return user;
    return installed ? QStringLiteral("python3") : build;
}

QStringList WorkerProcess::resolvePythonPath(const WorkerOptions& options) {
    if (!options.pythonPath.isEmpty())
        return options.pythonPath;
    // An installed program carries the worker beside it; a build uses the source tree.
    if (isInstalled())
        return {installedWorkerDir()};
    return {QStringLiteral(QTKERAS_DEFAULT_WORKER_DIR)};
}

QString WorkerProcess::installedWorkerDir() {
    return QDir::cleanPath(QCoreApplication::applicationDirPath() +
                           QStringLiteral("/../share/qtkeras/python_worker"));
}

bool WorkerProcess::isInstalled() {
    return QFileInfo::exists(installedWorkerDir() + QStringLiteral("/qtkeras_worker/__main__.py"));
}

QString WorkerProcess::userEnvironment() {
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
           QStringLiteral("/qtkeras/venv");
}

QString WorkerProcess::setupAdvice(const QString& python) {
    if (isInstalled()) {
        return QStringLiteral("run qtkeras-setup-python, which creates a Python environment "
                              "with the worker's packages in %1")
            .arg(userEnvironment());
    }
    return QStringLiteral("install the worker's packages with `%1 -m pip install -r "
                          "python_worker/requirements.txt` (scripts/setup.sh does)")
        .arg(python);
}

qint64 WorkerProcess::pid() const {
    return m_process ? m_process->processId() : 0;
}

void WorkerProcess::start() {
    Q_ASSERT(!m_process);
    m_process = new QProcess(this);
    const QString python = resolvePython(m_options);

    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    QStringList path = resolvePythonPath(m_options);
    if (env.contains(QStringLiteral("PYTHONPATH")))
        path << env.value(QStringLiteral("PYTHONPATH"));
    env.insert(QStringLiteral("PYTHONPATH"), path.join(QDir::listSeparator()));
    env.insert(QStringLiteral("PYTHONUNBUFFERED"), QStringLiteral("1"));
    env.remove(QStringLiteral("QTKERAS_TOKEN"));
    if (!m_options.backend.isEmpty())
        env.insert(QStringLiteral("KERAS_BACKEND"), m_options.backend);
    else if (!env.contains(QStringLiteral("KERAS_BACKEND")))
        env.insert(QStringLiteral("KERAS_BACKEND"), QStringLiteral("jax"));
    m_process->setProcessEnvironment(env);
    // Its own process group, so that a Ctrl+C in the IDE's terminal does not interrupt the
    // running command and the worker can end its children with the group.
    m_process->setChildProcessModifier([] { ::setsid(); });

    QStringList args{QStringLiteral("-m"), QStringLiteral("qtkeras_worker")};
    if (m_notifyUrl.isValid())
        args << QStringLiteral("--notify-url") << m_notifyUrl.toString();
    if (m_options.fetchResultsOver > 0)
        args << QStringLiteral("--fetch-results-over")
             << QString::number(m_options.fetchResultsOver);
    args << m_options.extraArguments;

    connect(m_process, &QProcess::readyReadStandardOutput, this, &WorkerProcess::onStdout);
    connect(m_process, &QProcess::readyReadStandardError, this, &WorkerProcess::onStderr);
    connect(m_process, &QProcess::finished, this, &WorkerProcess::onFinished);
    connect(m_process, &QProcess::errorOccurred, this, &WorkerProcess::onError);
    connect(m_process, &QProcess::started, this, [this] { m_pid = m_process->processId(); });

    m_startTimer = new QTimer(this);
    m_startTimer->setSingleShot(true);
    connect(m_startTimer, &QTimer::timeout, this, [this] {
        fail(QStringLiteral("the worker did not report ready within %1 s")
                 .arg(m_options.startTimeoutMs / 1000));
        kill();
    });
    m_startTimer->start(m_options.startTimeoutMs);

    m_process->start(python, args);
    // The token goes on the first line of stdin; stdin then stays open for the worker's
    // lifetime.
    m_process->write(m_token + '\n');
}

void WorkerProcess::stop(int graceMs) {
    if (!m_process || m_process->state() == QProcess::NotRunning)
        return;
    m_stopping = true;
    m_process->closeWriteChannel();
    QTimer::singleShot(graceMs, this, [this] {
        if (m_process && m_process->state() != QProcess::NotRunning)
            m_process->kill();
    });
}

void WorkerProcess::kill() {
    if (m_process && m_process->state() != QProcess::NotRunning) {
        killGroup();
        m_process->kill();
    }
}

QString WorkerProcess::stderrTail(int lines) const {
    QStringList out;
    const int n = static_cast<int>(m_stderrTail.size());
    for (int i = std::max(0, n - lines); i < n; ++i)
        out << m_stderrTail[static_cast<std::size_t>(i)];
    return out.join(u'\n');
}

void WorkerProcess::onStdout() {
    m_stdoutBuffer += m_process->readAllStandardOutput();
    if (m_ready) {
        // The worker writes only its ready line to stdout; anything else is ignored.
        m_stdoutBuffer.clear();
        return;
    }
    const qsizetype newline = m_stdoutBuffer.indexOf('\n');
    if (newline < 0) {
        if (m_stdoutBuffer.size() > qsizetype{64} * 1024)
            fail(QStringLiteral("the worker wrote an overlong first line to stdout"));
        return;
    }
    const QByteArray line = m_stdoutBuffer.left(newline);
    m_stdoutBuffer.clear();
    const std::optional<WorkerInfo> info = parseReadyLine(line);
    if (!info) {
        fail(QStringLiteral("the worker's ready line is not what this version expects: %1")
                 .arg(QString::fromUtf8(line.left(200))));
        kill();
        return;
    }
    m_info = *info;
    m_ready = true;
    m_startTimer->stop();
    Q_EMIT ready(m_info);
}

void WorkerProcess::onStderr() {
    m_stderrBuffer += m_process->readAllStandardError();
    qsizetype newline;
    qsizetype start = 0;
    while ((newline = m_stderrBuffer.indexOf('\n', start)) >= 0) {
        forwardStderr(QString::fromUtf8(m_stderrBuffer.constData() + start,
                                        std::min<qsizetype>(newline - start, kMaxStderrLine)));
        start = newline + 1;
    }
    m_stderrBuffer.remove(0, start);
    if (m_stderrBuffer.size() > kMaxStderrLine) {
        forwardStderr(QString::fromUtf8(m_stderrBuffer.left(kMaxStderrLine)));
        m_stderrBuffer.clear();
    }
}

void WorkerProcess::forwardStderr(const QString& line) {
    m_stderrTail.push_back(line);
    if (m_stderrTail.size() > 1000)
        m_stderrTail.pop_front();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (now - m_stderrWindowStart >= 1000) {
        if (m_stderrDroppedBytes > 0)
            Q_EMIT stderrLine(QStringLiteral("[%1 bytes of the worker's stderr were not shown]")
                                  .arg(m_stderrDroppedBytes));
        m_stderrWindowStart = now;
        m_stderrWindowBytes = 0;
        m_stderrDroppedBytes = 0;
    }
    const qint64 size = line.size() + 1;
    if (m_stderrWindowBytes + size > m_options.stderrBytesPerSecond) {
        m_stderrDroppedBytes += size;
        return;
    }
    m_stderrWindowBytes += size;
    Q_EMIT stderrLine(line);
}

QString WorkerProcess::describeExit(int exitCode, QProcess::ExitStatus status) const {
    QString how;
    if (status == QProcess::CrashExit) {
        // QProcess reports the terminating signal as the exit code of a crash exit.
        how = exitCode > 0 ? QStringLiteral("the worker was killed by %1").arg(signalName(exitCode))
                           : QStringLiteral("the worker crashed");
    } else {
        how = QStringLiteral("the worker exited with code %1").arg(exitCode);
    }
    // A crash report of faulthandler: "Fatal Python error: Segmentation fault", then the
    // stack of every thread. The header and the crashing thread's stack (with the command's
    // frame) are shown; the other threads are in the log.
    const int n = static_cast<int>(m_stderrTail.size());
    auto line = [this](int i) -> const QString& {
        return m_stderrTail[static_cast<std::size_t>(i)];
    };
    for (int i = n - 1; i >= 0; --i) {
        if (!line(i).startsWith(QStringLiteral("Fatal Python error")))
            continue;
        QStringList report;
        int j = i;
        for (; j < n && !line(j).startsWith(QStringLiteral("Thread 0x")) &&
               !line(j).startsWith(QStringLiteral("Current thread 0x"));
             ++j)
            report << line(j);
        int others = 0;
        for (; j < n; ++j) {
            if (!line(j).startsWith(QStringLiteral("Current thread 0x"))) {
                others += line(j).startsWith(QStringLiteral("Thread 0x"));
                continue;
            }
            for (report << line(j++); j < n && line(j).startsWith(QStringLiteral("  ")); ++j)
                report << line(j);
            --j;
        }
        if (others > 0)
            report << QStringLiteral("(and the stacks of %1 other threads)").arg(others);
        return how + QStringLiteral("; its crash report:\n") + report.join(u'\n');
    }
    const QString tail = stderrTail(20);
    return tail.isEmpty() ? how : how + QStringLiteral("; its last output:\n") + tail;
}

void WorkerProcess::onFinished(int exitCode, QProcess::ExitStatus status) {
    onStderr();
    if (!m_stderrBuffer.isEmpty()) {
        m_stderrTail.push_back(QString::fromUtf8(m_stderrBuffer));
        m_stderrBuffer.clear();
    }
    if (m_startTimer)
        m_startTimer->stop();
    // Children the worker left behind die with it.
    killGroup();
    m_pid = 0;
    const QString reason = describeExit(exitCode, status);
    if (!m_ready) {
        fail(reason);
        return;
    }
    m_ready = false;
    Q_EMIT exited(m_stopping ? QStringLiteral("the worker was stopped") : reason);
}

void WorkerProcess::onError(QProcess::ProcessError error) {
    if (error != QProcess::FailedToStart)
        return; // crashes are reported by finished()
    const QString python = resolvePython(m_options);
    const QString create =
        isInstalled()
            ? QStringLiteral("run qtkeras-setup-python to create %1").arg(userEnvironment())
            : QStringLiteral("run scripts/setup.sh to create .venv");
    fail(QStringLiteral("cannot start the Python interpreter '%1': %2. Set the interpreter in "
                        "the settings or QTKERAS_PYTHON, or %3.")
             .arg(python, m_process->errorString(), create));
}

void WorkerProcess::fail(const QString& reason) {
    if (m_failed || m_ready)
        return;
    m_failed = true;
    if (m_startTimer)
        m_startTimer->stop();
    QString text = reason;
    if (m_stderrTail.size() > 0 && !reason.contains(QStringLiteral("last output")) &&
        !reason.contains(QStringLiteral("crash report"))) {
        text += QStringLiteral("; its last output:\n") + stderrTail(20);
    }
    text += startHints(text);
    Q_EMIT startFailed(text);
}

QString WorkerProcess::startHints(const QString& text) const {
    const QString python = resolvePython(m_options);
    static const QRegularExpression missing(QStringLiteral("No module named '([^'.]+)"));
    const QRegularExpressionMatch module = missing.match(text);
    if (module.hasMatch() && module.captured(1) == QLatin1String("qtkeras_worker")) {
        return QStringLiteral("\nThe worker package is not on the interpreter's path: add the "
                              "folder that holds qtkeras_worker (python_worker in the source "
                              "tree) to the worker's Python path.");
    }
    // A file of the user's on PYTHONPATH that has the name of a module Python or the worker
    // needs (json.py, signal.py...) is imported in its place.
    QStringList path = resolvePythonPath(m_options);
    path += qEnvironmentVariable("PYTHONPATH").split(QDir::listSeparator(), Qt::SkipEmptyParts);
    QStringList suspects;
    if (const QString file = lastTracebackFile(text); !file.isEmpty())
        suspects << file;
    static const QRegularExpression named(
        QStringLiteral("(?:module|from|named) '([A-Za-z_][A-Za-z0-9_]*)"));
    for (auto it = named.globalMatch(text); it.hasNext();) {
        const QString name = it.next().captured(1);
        for (const QString& entry : std::as_const(path)) {
            suspects << entry + u'/' + name + QStringLiteral(".py")
                     << entry + u'/' + name + QStringLiteral("/__init__.py");
        }
    }
    for (const QString& suspect : std::as_const(suspects)) {
        const QFileInfo info(suspect);
        if (!info.exists())
            continue;
        const QString folder = QDir::cleanPath(info.absolutePath());
        for (const QString& entry : std::as_const(path)) {
            const QString dir = QDir::cleanPath(entry);
            const bool workerDir =
                QFileInfo::exists(dir + QStringLiteral("/qtkeras_worker/__main__.py"));
            if (!workerDir && (folder == dir || QFileInfo(folder).path() == dir)) {
                return QStringLiteral("\n%1 is on the worker's PYTHONPATH and is imported in "
                                      "place of the module of the same name that Python or the "
                                      "worker needs: rename it, or remove %2 from PYTHONPATH.")
                    .arg(info.filePath(), dir);
            }
        }
    }
    if (module.hasMatch()) {
        return QStringLiteral("\nThe interpreter %1 lacks the worker's dependencies (%2): %3, "
                              "or choose another interpreter in the settings or QTKERAS_PYTHON.")
            .arg(python, module.captured(1), setupAdvice(python));
    }
    return {};
}

} // namespace qk
