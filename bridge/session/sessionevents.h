// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/session/command.h"
#include "bridge/worker/workerprocess.h"

#include <QObject>

namespace qk {

// The worker as the session sees it.
enum class WorkerState {
    Starting,
    Ready,  // idle
    Busy,   // commands open
    Paused, // a command failed; waiting for a decision
    Dead,   // exited or could not start
    Stopped // the session closed it
};

QString workerStateName(WorkerState state);

// Something the worker reported that is not a command's result: training progress
// ("epoch", "batch"), Keras import ("keras-ready", "keras-failed"), and the others of
// docs/PROTOCOL.md, with their fields in data.
struct WorkerEvent {
    QString kind;
    QString commandId;
    Value data;
};

// Everything a session reports, declared once: the session's core reports on the object's
// own thread (the session's), and an owner of several sessions in turn (the IDE's session
// host) forwards each session's events to one object of its own with forwardTo().
class SessionEvents : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;

    // Re-emits every signal of this object on `target` (both on one thread), until either
    // is destroyed.
    void forwardTo(SessionEvents* target) const;

Q_SIGNALS:
    void workerReady(const qk::WorkerInfo& info);
    void workerStateChanged(qk::WorkerState state, const QString& reason);
    void commandChanged(const qk::CommandInfo& info);
    void commandFailed(const qk::CommandFailure& failure);
    void output(const QString& commandId, const QString& stream, const QString& text);
    void workerEvent(const qk::WorkerEvent& event);
    void workerLog(const QString& line);
    // The worker ended while the session needed it (a crash, os._exit, a kill, an interrupt
    // it ignored): every open command was cancelled and its variables are gone. The reason
    // says how it ended, with its last output (a crash report with the command's frame).
    void workerLost(const QString& reason);
    // A new worker is ready in place of one that was lost or restarted; its scope is empty.
    void workerRestarted(const qk::WorkerInfo& info, const QString& reason);
    // A problem the worker can run with but the user should fix, with the fix (Keras could
    // not be imported, a restart policy gave up).
    void workerWarning(const QString& message);
    // The connection to a remote worker dropped: it runs on under its lease while the
    // session attaches to it again; commands sent meanwhile wait.
    void workerDisconnected(const QString& reason);
    // The same worker is reached again; what it reported meanwhile is replayed from its
    // journal, in order.
    void workerReconnected(const qk::WorkerInfo& info);
};

} // namespace qk

Q_DECLARE_METATYPE(qk::WorkerState)
Q_DECLARE_METATYPE(qk::WorkerEvent)
