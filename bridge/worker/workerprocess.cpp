#include "bridge/worker/workerprocess.h"

#include <nlohmann/json.hpp>

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <QTimer>

#include <csignal>
#include <cstring>

#include <unistd.h>

namespace qk {

namespace {

QString signalName(int sig) {
    const char* name = sigabbrev_np(sig);
    return name ? QStringLiteral("SIG") + QString::fromLatin1(name) : QString::number(sig);
}

} // namespace

WorkerProcess::WorkerProcess(WorkerOptions options, QByteArray token, QUrl notifyUrl,
                             QObject* parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_token(std::move(token))
    , m_notifyUrl(std::move(notifyUrl)) {}

WorkerProcess::~WorkerProcess() {
    if (m_process && m_process->state() != QProcess::NotRunning) {
        m_process->disconnect(this);
        m_process->closeWriteChannel();
        if (!m_process->waitForFinished(1000)) {
            m_process->kill();
            m_process->waitForFinished(1000);
        }
    }
}

QString WorkerProcess::resolvePython(const WorkerOptions& options) {
    if (!options.python.isEmpty())
        return options.python;
    const QString fromEnv = qEnvironmentVariable("QTKERAS_PYTHON");
    if (!fromEnv.isEmpty())
        return fromEnv;
    return QStringLiteral(QTKERAS_DEFAULT_PYTHON);
}

QStringList WorkerProcess::resolvePythonPath(const WorkerOptions& options) {
    if (!options.pythonPath.isEmpty())
        return options.pythonPath;
    // An installed program carries the worker beside it; a build uses the source tree.
    const QString installed =
        QCoreApplication::applicationDirPath() + QStringLiteral("/../share/qtkeras/python_worker");
    if (QFileInfo::exists(installed + QStringLiteral("/qtkeras_worker/__main__.py")))
        return {QDir::cleanPath(installed)};
    return {QStringLiteral(QTKERAS_DEFAULT_WORKER_DIR)};
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
    args << m_options.extraArguments;

    connect(m_process, &QProcess::readyReadStandardOutput, this, &WorkerProcess::onStdout);
    connect(m_process, &QProcess::readyReadStandardError, this, &WorkerProcess::onStderr);
    connect(m_process, &QProcess::finished, this, &WorkerProcess::onFinished);
    connect(m_process, &QProcess::errorOccurred, this, &WorkerProcess::onError);

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
    if (m_process && m_process->state() != QProcess::NotRunning)
        m_process->kill();
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
        if (m_stdoutBuffer.size() > 64 * 1024)
            fail(QStringLiteral("the worker wrote an overlong first line to stdout"));
        return;
    }
    const QByteArray line = m_stdoutBuffer.left(newline);
    m_stdoutBuffer.clear();
    nlohmann::json j = nlohmann::json::parse(line.constBegin(), line.constEnd(), nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.value("ready", false) || !j.contains("port") ||
        !j["port"].is_number_unsigned()) {
        fail(QStringLiteral("the worker's ready line is not what this version expects: %1")
                 .arg(QString::fromUtf8(line.left(200))));
        kill();
        return;
    }
    auto text = [&j](const char* key) {
        return j.contains(key) && j[key].is_string()
                   ? QString::fromStdString(j[key].get<std::string>())
                   : QString();
    };
    m_info.port = j["port"].get<quint16>();
    m_info.pid = j.value("pid", qint64{0});
    m_info.python = text("python");
    m_info.keras = text("keras");
    m_info.backend = text("backend");
    m_ready = true;
    m_startTimer->stop();
    Q_EMIT ready(m_info);
}

void WorkerProcess::onStderr() {
    m_stderrBuffer += m_process->readAllStandardError();
    qsizetype newline;
    while ((newline = m_stderrBuffer.indexOf('\n')) >= 0) {
        const QString line = QString::fromUtf8(m_stderrBuffer.left(newline));
        m_stderrBuffer.remove(0, newline + 1);
        m_stderrTail.push_back(line);
        if (m_stderrTail.size() > 200)
            m_stderrTail.pop_front();
        Q_EMIT stderrLine(line);
    }
    if (m_stderrBuffer.size() > 64 * 1024) {
        m_stderrTail.push_back(QString::fromUtf8(m_stderrBuffer));
        m_stderrBuffer.clear();
    }
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
    fail(QStringLiteral("cannot start the Python interpreter '%1': %2. Set the interpreter in "
                        "the settings or QTKERAS_PYTHON, or run scripts/setup.sh to create .venv.")
             .arg(python, m_process->errorString()));
}

void WorkerProcess::fail(const QString& reason) {
    if (m_failed || m_ready)
        return;
    m_failed = true;
    if (m_startTimer)
        m_startTimer->stop();
    QString text = reason;
    if (m_stderrTail.size() > 0 && !reason.contains(QStringLiteral("last output"))) {
        text += QStringLiteral("; its last output:\n") + stderrTail(20);
    }
    if (text.contains(QStringLiteral("No module named 'qtkeras_worker'")))
        text += QStringLiteral("\nThe worker package is not on the interpreter's path.");
    else if (text.contains(QStringLiteral("No module named")))
        text += QStringLiteral("\nThe interpreter lacks the worker's dependencies: install "
                               "python_worker/requirements.txt into it (scripts/setup.sh does).");
    Q_EMIT startFailed(text);
}

} // namespace qk
