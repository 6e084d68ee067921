// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/session/commandregistry.h"

#include <algorithm>

namespace qk {

namespace {

int rank(CommandState state) {
    switch (state) {
    case CommandState::Pending:
        return 0;
    case CommandState::Queued:
        return 1;
    case CommandState::Running:
        return 2;
    default:
        return 3;
    }
}

// When a command that has run for `seconds` by `now` started.
QDateTime startedBefore(const QDateTime& now, double seconds) {
    return now.addMSecs(-qRound64(std::max(seconds, 0.0) * 1000.0));
}

} // namespace

QFuture<Value> CommandRegistry::add(const CommandInfo& info) {
    auto entry = std::make_unique<Entry>();
    entry->info = info;
    entry->promise.start();
    QFuture<Value> future = entry->promise.future();
    std::lock_guard lock(m_mutex);
    entry->sequence = m_nextSequence++;
    m_open[info.id] = std::move(entry);
    return future;
}

std::optional<CommandInfo> CommandRegistry::advance(const QString& id, CommandState state,
                                                    double ranSeconds) {
    std::lock_guard lock(m_mutex);
    auto it = m_open.find(id);
    if (it == m_open.end() || rank(it->second->info.state) >= rank(state))
        return std::nullopt;
    Entry& e = *it->second;
    e.info.state = state;
    if (state == CommandState::Running)
        e.info.started = startedBefore(QDateTime::currentDateTimeUtc(), ranSeconds);
    return e.info;
}

std::optional<CommandInfo> CommandRegistry::markFailed(const QString& id,
                                                       const CommandFailure& failure) {
    std::lock_guard lock(m_mutex);
    auto it = m_open.find(id);
    if (it == m_open.end())
        return std::nullopt;
    Entry& e = *it->second;
    e.info.state = CommandState::Failed;
    e.info.failed = QDateTime::currentDateTimeUtc();
    e.info.error = failure.type + QStringLiteral(": ") + failure.message;
    e.failure = failure;
    return e.info;
}

std::optional<CommandInfo> CommandRegistry::markReplaced(const QString& id) {
    std::lock_guard lock(m_mutex);
    auto it = m_open.find(id);
    if (it == m_open.end() || it->second->info.state != CommandState::Failed)
        return std::nullopt;
    it->second->info.state = CommandState::Replaced;
    it->second->info.error.clear();
    return it->second->info;
}

std::optional<CommandInfo> CommandRegistry::settle(const QString& id, Value* value,
                                                   const CommandError* error, double ranSeconds) {
    std::unique_ptr<Entry> entry;
    {
        std::lock_guard lock(m_mutex);
        auto it = m_open.find(id);
        if (it == m_open.end())
            return std::nullopt;
        entry = std::move(it->second);
        m_open.erase(it);
    }
    CommandInfo& info = entry->info;
    info.finished = QDateTime::currentDateTimeUtc();
    if (value) {
        // The worker's own measure of the run, when the result has one, wins over the start
        // taken from when the `started` event arrived, which a busy client receives late.
        if (!info.started.isValid() || ranSeconds > 0)
            info.started = startedBefore(info.finished, ranSeconds);
        if (info.state != CommandState::Replaced)
            info.state = CommandState::Succeeded;
        info.resultPreview = value->toDisplayString(200);
        entry->promise.addResult(std::move(*value));
    } else {
        info.state = error->state();
        info.error = error->reason();
        entry->promise.setException(std::make_exception_ptr(*error));
    }
    entry->promise.finish();
    return info;
}

std::optional<CommandInfo> CommandRegistry::succeed(const QString& id, Value value,
                                                    double ranSeconds) {
    return settle(id, &value, nullptr, ranSeconds);
}

std::optional<CommandInfo> CommandRegistry::fail(const QString& id, const CommandError& error) {
    return settle(id, nullptr, &error);
}

std::vector<CommandInfo> CommandRegistry::failAll(CommandState state, const QString& reason) {
    std::vector<std::pair<quint64, QString>> ids;
    {
        std::lock_guard lock(m_mutex);
        for (const auto& [id, entry] : m_open)
            ids.emplace_back(entry->sequence, id);
    }
    std::sort(ids.begin(), ids.end()); // settle in the order the commands were sent
    const CommandError error(state, reason);
    std::vector<CommandInfo> settled;
    for (const auto& [sequence, id] : ids) {
        if (auto info = settle(id, nullptr, &error))
            settled.push_back(*info);
    }
    return settled;
}

std::optional<CommandInfo> CommandRegistry::info(const QString& id) const {
    std::lock_guard lock(m_mutex);
    auto it = m_open.find(id);
    if (it == m_open.end())
        return std::nullopt;
    return it->second->info;
}

std::optional<CommandFailure> CommandRegistry::failure(const QString& id) const {
    std::lock_guard lock(m_mutex);
    auto it = m_open.find(id);
    if (it == m_open.end())
        return std::nullopt;
    return it->second->failure;
}

std::size_t CommandRegistry::openCount() const {
    std::lock_guard lock(m_mutex);
    return m_open.size();
}

QString CommandRegistry::oldestActive() const {
    std::lock_guard lock(m_mutex);
    const Entry* oldest = nullptr;
    for (const auto& [id, entry] : m_open) {
        const CommandState state = entry->info.state;
        if ((state == CommandState::Pending || state == CommandState::Queued ||
             state == CommandState::Running || state == CommandState::Replaced) &&
            (!oldest || entry->sequence < oldest->sequence))
            oldest = entry.get();
    }
    return oldest ? oldest->info.id : QString();
}

} // namespace qk
