// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/protocol/value.h"

#include <QDateTime>
#include <QMetaType>
#include <QString>

#include <exception>
#include <utility>
#include <vector>

namespace qk {

// The life of a command (DESIGN.md, "Commands and the queue"). Pending → Queued → Running →
// Succeeded | Failed; a failed command waits for a decision, then ends Failed (queue dropped),
// Ignored or Replaced (its future takes the replacement's outcome). Dropped: discarded by a
// drop-queue decision before it ran. Cancelled: the worker died or the session closed.
enum class CommandState {
    Pending,
    Queued,
    Running,
    Succeeded,
    Failed,
    Ignored,
    Replaced,
    Dropped,
    Cancelled
};

QString stateName(CommandState state);
// The 1-based line of a command's shown code that shows line `lineno` (1-based) of its code:
// `lineno` itself when the code is shown as it is, 0 when unknown.
int shownLine(const std::vector<int>& shownLines, int lineno);
// Whether a command in this state has settled for good (its future is finished).
bool isFinal(CommandState state);

// How long the worker keeps a command's bindings.
enum class BindingLifetime {
    Command, // deleted when the command finishes
    Eternal  // kept until deleted
};

// What a command sends back.
enum class ResultMode {
    Value, // plain data, or a reference when the value is not plain data
    Ref,   // always a reference
    None   // nothing (None)
};

// A command for the worker: Python code, the values bound before it runs, and what to return.
struct Command {
    QString code;
    std::vector<std::pair<QString, Value>> bindings;
    BindingLifetime lifetime = BindingLifetime::Command;
    ResultMode result = ResultMode::Value;
    QString id; // assigned by the session when empty
    // What monitors show (empty: the code itself): the code as plain Keras, without the
    // worker's helpers (py::Program::shownSource()); shownLines maps each line of the code,
    // from 0, to the line of `shown` that shows it.
    QString shown;
    std::vector<int> shownLines;

    Command() = default;
    Command(QString source)
        : code(std::move(source)) {}
    Command(const char* source)
        : code(QString::fromUtf8(source)) {}
    Command& bind(const QString& name, Value value) {
        bindings.emplace_back(name, std::move(value));
        return *this;
    }
};

// What the worker reports about a failed command.
struct CommandFailure {
    QString id;
    QString type;        // exception type, e.g. "ZeroDivisionError"
    QString message;     // str(exception)
    QString traceback;   // formatted traceback of the user's code
    QString line;        // the failing source line
    int lineno = 0;      // its 1-based number in the command's code (0: unknown)
    QString code;        // the command's code
    int queued = 0;      // commands waiting behind it
    QString shown;       // the code as monitors show it (Command::shown; empty: `code`)
    int shownLineno = 0; // the failing line's 1-based number in `shown` (0: unknown)
    // What a monitor shows of the code, and the failing line's number in it.
    const QString& shownCode() const { return shown.isEmpty() ? code : shown; }
    int shownLine() const { return shown.isEmpty() ? lineno : shownLineno; }
};

// The exception a command's future fails with: the final state, a one-line reason, and the
// worker's report when the code raised.
class CommandError : public std::exception {
public:
    CommandError(CommandState state, QString reason, CommandFailure failure = {});

    CommandState state() const { return m_state; }
    const QString& reason() const { return m_reason; }
    const CommandFailure& failure() const { return m_failure; }
    const char* what() const noexcept override { return m_what.constData(); }

private:
    CommandState m_state;
    QString m_reason;
    CommandFailure m_failure;
    QByteArray m_what;
};

// The answer to a failure (DESIGN.md): ignore the command, replace it, or drop the queue.
struct Decision {
    enum class Kind { Ignore, Replace, DropQueue };
    Kind kind = Kind::DropQueue;
    Command replacement; // for Replace

    static Decision ignore() { return {Kind::Ignore, {}}; }
    static Decision replace(Command command) { return {Kind::Replace, std::move(command)}; }
    static Decision dropQueue() { return {Kind::DropQueue, {}}; }
};

// A snapshot of a command for monitors: identity, code, state and timing.
struct CommandInfo {
    QString id;
    QString code;
    QString shown; // Command::shown: empty when the code is shown as it is
    std::vector<int> shownLines;
    // What a monitor shows of the code.
    const QString& shownCode() const { return shown.isEmpty() ? code : shown; }
    QStringList bindingNames;
    QStringList bindingPreviews;
    CommandState state = CommandState::Pending;
    // In UTC (toLocalTime() to show them): the local time zone would be looked up on every
    // change of every command, which cost about half the client's CPU time per command.
    QDateTime submitted;
    QDateTime started;
    QDateTime failed; // when the code raised: from then on it waited for a decision
    QDateTime finished;
    QString resultPreview;
    QString error; // one line, for failed/ignored/dropped/cancelled
};

} // namespace qk

Q_DECLARE_METATYPE(qk::CommandState)
Q_DECLARE_METATYPE(qk::CommandFailure)
Q_DECLARE_METATYPE(qk::CommandInfo)
Q_DECLARE_METATYPE(qk::Decision)
