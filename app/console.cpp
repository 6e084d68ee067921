// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/console.h"

#include "app/sessionhost.h"

namespace qk::app {

Console::Console(SessionHost& host, QObject* parent)
    : QObject(parent)
    , m_host(host) {
    connect(&host.events(), &SessionEvents::output, this,
            [this](const QString& id, const QString& stream, const QString& text) {
                Q_EMIT entry(stream == QStringLiteral("stderr") ? EntryKind::Stderr
                                                                : EntryKind::Stdout,
                             text, id);
            });
    connect(&host.events(), &SessionEvents::workerLost, this, [this](const QString& reason) {
        Q_EMIT entry(EntryKind::Error, tr("The worker stopped: %1").arg(reason), {});
    });
    connect(&host.events(), &SessionEvents::workerWarning, this,
            [this](const QString& message) { Q_EMIT entry(EntryKind::Info, message, {}); });
    connect(&host.events(), &SessionEvents::workerReady, this, [this](const WorkerInfo& info) {
        Q_EMIT entry(EntryKind::Info,
                     tr("Python %1, Keras %2 (%3)").arg(info.python, info.keras, info.backend), {});
    });
}

QFuture<Completions> Console::complete(const QString& line) {
    return m_host.session().completions(line);
}

QString Console::execute(const QString& code) {
    m_history.add(code);
    Command command(code);
    command.id = QStringLiteral("console-%1").arg(++m_counter);
    QString id = command.id;
    QFuture<Value> future = m_host.session().send(std::move(command));
    m_open.insert(id);
    Q_EMIT entry(EntryKind::Input, code, id);
    // One continuation for both outcomes: a failure handled by a second one (onFailed) would
    // reach the transcript a turn of the event loop later than a result that settled after it.
    future.then(this, [this, id](const QFuture<Value>& done) {
        m_open.remove(id);
        try {
            const Value value = done.result();
            if (!value.isNone())
                Q_EMIT entry(EntryKind::Result, value.toDisplayString(4000), id);
        } catch (const CommandError& error) {
            const CommandFailure& failure = error.failure();
            QString text = failure.traceback.trimmed();
            if (text.isEmpty())
                text = error.reason();
            else if (!text.contains(failure.type))
                text += QLatin1Char('\n') + failure.type + QStringLiteral(": ") + failure.message;
            if (failure.type == QLatin1String("KeyboardInterrupt"))
                text += QStringLiteral("\n") + tr("(interrupted)");
            else if (error.state() != CommandState::Failed)
                text += QStringLiteral("\n(") + stateName(error.state()) + QLatin1Char(')');
            Q_EMIT entry(EntryKind::Error, text, id);
        } catch (const std::exception& e) {
            Q_EMIT entry(EntryKind::Error, QString::fromUtf8(e.what()), id);
        }
    });
    return id;
}

} // namespace qk::app
