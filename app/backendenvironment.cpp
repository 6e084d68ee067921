// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/backendenvironment.h"

#include "bridge/worker/workerprocess.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace qk::app {

namespace {

QString suffix(const QString& backend) {
    return backend.isEmpty() || backend == QLatin1String("jax") ? QString() : u'-' + backend;
}

// The source tree a program run from its build folder belongs to (its python_worker's parent).
QString sourceTree() {
    const QStringList path = WorkerProcess::resolvePythonPath(WorkerOptions{});
    return path.isEmpty() ? QString() : QFileInfo(path.front()).absolutePath();
}

} // namespace

BackendEnvironment::BackendEnvironment(QObject* parent)
    : QObject(parent) {}

BackendEnvironment::~BackendEnvironment() {
    if (m_process) {
        m_process->disconnect(this);
        m_process->kill();
        m_process->waitForFinished(1000);
    }
}

QString BackendEnvironment::setupScript() {
    if (WorkerProcess::isInstalled())
        return QDir(QCoreApplication::applicationDirPath())
            .filePath(QStringLiteral("qtkeras-setup-python"));
    return QDir(sourceTree()).filePath(QStringLiteral("packaging/qtkeras-setup-python"));
}

QString BackendEnvironment::location(const QString& backend) {
    if (WorkerProcess::isInstalled()) {
        const QString venv = WorkerProcess::userEnvironment();
        return venv + suffix(backend);
    }
    return QDir(sourceTree()).filePath(QStringLiteral(".venv") + suffix(backend));
}

QString BackendEnvironment::interpreter(const QString& backend) {
    return QDir(location(backend)).filePath(QStringLiteral("bin/python"));
}

bool BackendEnvironment::exists(const QString& backend) {
    return QFileInfo(interpreter(backend)).isExecutable();
}

void BackendEnvironment::create(const QString& backend) {
    if (m_process)
        return;
    m_backend = backend;
    auto* process = new QProcess(this);
    m_process = process;
    process->setProcessChannelMode(QProcess::MergedChannels);
    connect(process, &QProcess::readyRead, this, [this, process] {
        while (process->canReadLine())
            Q_EMIT output(QString::fromUtf8(process->readLine()).trimmed());
    });
    connect(
        process, &QProcess::finished, this,
        [this, process](int exitCode, QProcess::ExitStatus status) {
            const QString rest = QString::fromUtf8(process->readAll()).trimmed();
            if (!rest.isEmpty())
                Q_EMIT output(rest);
            process->deleteLater();
            m_process = nullptr;
            const bool ok = status == QProcess::NormalExit && exitCode == 0 && exists(m_backend);
            Q_EMIT finished(
                ok,
                ok ? tr("The %1 environment is ready: %2").arg(m_backend, interpreter(m_backend))
                   : tr("Creating the %1 environment failed (exit code %2)")
                         .arg(m_backend)
                         .arg(exitCode));
        });
    connect(process, &QProcess::errorOccurred, this, [this, process](QProcess::ProcessError e) {
        if (e != QProcess::FailedToStart)
            return;
        process->deleteLater();
        m_process = nullptr;
        Q_EMIT finished(false, tr("Cannot run %1: %2").arg(setupScript(), process->errorString()));
    });
    process->start(setupScript(), {QStringLiteral("--backend"), backend, QStringLiteral("--venv"),
                                   location(backend)});
}

} // namespace qk::app
