// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/commandhistory.h"
#include "bridge/session/session.h"

#include <QObject>
#include <QSet>

namespace qk::app {

class SessionHost;

// The Python console's logic: runs what the user typed as a command on the worker and
// reports the command, its output, its value and its error as entries to show.
class Console : public QObject {
    Q_OBJECT
public:
    enum class EntryKind { Input, Stdout, Stderr, Result, Error, Info };

    explicit Console(SessionHost& host, QObject* parent = nullptr);

    // Sends the code to the worker; returns the command's id.
    QString execute(const QString& code);
    // The names that complete the end of the line, from the worker's scope.
    QFuture<Completions> complete(const QString& line);
    CommandHistory& history() { return m_history; }
    // Console commands not yet settled.
    int openCount() const { return static_cast<int>(m_open.size()); }

Q_SIGNALS:
    void entry(qk::app::Console::EntryKind kind, const QString& text, const QString& commandId);

private:
    SessionHost& m_host;
    CommandHistory m_history;
    QSet<QString> m_open;
    quint64 m_counter = 0;
};

} // namespace qk::app
