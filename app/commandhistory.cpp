// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/commandhistory.h"

#include "app/setting.h"

namespace qk::app {

namespace {
const Setting<QStringList> savedHistory{"console/history"};
}

CommandHistory::CommandHistory()
    : m_entries(savedHistory.value())
    , m_cursor(static_cast<int>(m_entries.size())) {}

void CommandHistory::add(const QString& entry) {
    if (!entry.trimmed().isEmpty() && (m_entries.isEmpty() || m_entries.last() != entry)) {
        m_entries.append(entry);
        while (m_entries.size() > maxEntries)
            m_entries.removeFirst();
        savedHistory.setValue(m_entries);
    }
    m_cursor = static_cast<int>(m_entries.size());
    m_draft.clear();
}

QString CommandHistory::previous(const QString& draft) {
    if (m_cursor == m_entries.size())
        m_draft = draft;
    if (m_cursor > 0)
        --m_cursor;
    return m_cursor < m_entries.size() ? m_entries.at(m_cursor) : m_draft;
}

QString CommandHistory::next() {
    if (m_cursor < m_entries.size())
        ++m_cursor;
    return m_cursor < m_entries.size() ? m_entries.at(m_cursor) : m_draft;
}

} // namespace qk::app
