// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/worker/workerprocess.h"

#include <QMap>
#include <QObject>
#include <QPointer>
#include <QProcess>

namespace qk::app {

// What an interpreter offers the worker: versions, and what is missing with how to fix it.
struct EnvironmentReport {
    QString interpreter;
    QString host; // ssh://..., empty for this computer
    QString backend;
    bool ran = false;                // the interpreter ran the check
    QString python;                  // its version
    QMap<QString, QString> packages; // name -> version, empty when missing
    bool workerFound = false;
    QStringList gpus;    // NVIDIA GPUs nvidia-smi lists ("name, memory MiB")
    QStringList devices; // what JAX sees (checked on a remote host only)
    QStringList problems;
    QStringList fixes;
    QStringList offers; // what would do more (GPU support), not problems

    // What each Keras backend gives the worker in this interpreter, one line each.
    QStringList backendSupport() const;

    bool ok() const { return ran && problems.isEmpty(); }
    QString toText() const;
};

// Runs an interpreter asynchronously to see whether it can run the worker with a backend; on
// a remote host (WorkerOptions::remote) through ssh, with the devices JAX sees there.
class EnvironmentCheck : public QObject {
    Q_OBJECT
public:
    explicit EnvironmentCheck(QObject* parent = nullptr);
    ~EnvironmentCheck() override;

    // Starts a check (a running one is abandoned); finished() follows.
    void start(const qk::WorkerOptions& options);
    bool isRunning() const { return m_process != nullptr; }

    // The packages the worker needs, and which one each backend needs.
    static QStringList requiredPackages();
    static QString backendPackage(const QString& backend);

Q_SIGNALS:
    void finished(const qk::app::EnvironmentReport& report);

private:
    void startRemote(const qk::WorkerOptions& options);
    void complete(const QByteArray& output, const QString& error);

    QPointer<QProcess> m_process;
    EnvironmentReport m_report;
    QString m_requirements;
};

} // namespace qk::app

Q_DECLARE_METATYPE(qk::app::EnvironmentReport)
