// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/workersmodel.h"
#include "bridge/worker/workerhandle.h"

#include <QObject>
#include <QPointer>

class QProcess;

namespace qk::app {

// Requests to a remote host's bootstrap over the system ssh (the same path, keys and host
// checks as a remote worker's): the workers it still runs, stopping one, and setting up
// the worker's Python environment there (what qtkeras-setup-python does on this computer).
// One request at a time; a new one abandons the running one.
class HostTasks : public QObject {
    Q_OBJECT
public:
    explicit HostTasks(QObject* parent = nullptr);
    ~HostTasks() override;

    void list(const qk::WorkerOptions& options);
    void stop(const qk::WorkerOptions& options, const QString& run);
    // A virtual environment in the host's ~/.local/share/qtkeras/venv with the worker's
    // pinned requirements (downloads from PyPI there; minutes). A worker on that host whose
    // interpreter is not set uses it.
    void setUpPython(const qk::WorkerOptions& options);
    bool isRunning() const { return m_process != nullptr; }

Q_SIGNALS:
    void listed(const QString& host, const QList<qk::app::WorkerEntry>& workers);
    void output(const QString& line);
    // The request's outcome, said for the user (nothing more to say for a listing that
    // worked: listed() has it).
    void finished(bool ok, const QString& message);

private:
    void run(const qk::WorkerOptions& options, const QByteArray& request, bool withPackage,
             const std::function<void(const QByteArray& line)>& onLine,
             const std::function<void(bool ok, const QString& error)>& onEnd);

    QPointer<QProcess> m_process;
};

} // namespace qk::app
