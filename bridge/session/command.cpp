// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/session/command.h"

namespace qk {

QString stateName(CommandState state) {
    switch (state) {
    case CommandState::Pending:
        return QStringLiteral("pending");
    case CommandState::Queued:
        return QStringLiteral("queued");
    case CommandState::Running:
        return QStringLiteral("running");
    case CommandState::Succeeded:
        return QStringLiteral("succeeded");
    case CommandState::Failed:
        return QStringLiteral("failed");
    case CommandState::Ignored:
        return QStringLiteral("ignored");
    case CommandState::Replaced:
        return QStringLiteral("replaced");
    case CommandState::Dropped:
        return QStringLiteral("dropped");
    case CommandState::Cancelled:
        return QStringLiteral("cancelled");
    }
    return {};
}

bool isFinal(CommandState state) {
    return state == CommandState::Succeeded || state == CommandState::Ignored ||
           state == CommandState::Dropped || state == CommandState::Cancelled;
}

int shownLine(const std::vector<int>& shownLines, int lineno) {
    if (shownLines.empty() || lineno <= 0)
        return lineno;
    const auto index = static_cast<std::size_t>(lineno - 1);
    return index < shownLines.size() ? shownLines[index] + 1 : 0;
}

CommandError::CommandError(CommandState state, QString reason, CommandFailure failure)
    : m_state(state)
    , m_reason(std::move(reason))
    , m_failure(std::move(failure))
    , m_what((stateName(m_state) + QStringLiteral(": ") + m_reason).toUtf8()) {}

} // namespace qk
