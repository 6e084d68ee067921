// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStringList>

namespace qk::app {

// What was typed into the console, oldest first, browsed with previous() and next() as a
// shell does; the draft being typed is kept while browsing. Kept across runs.
class CommandHistory {
public:
    static constexpr int maxEntries = 500;

    CommandHistory();

    void add(const QString& entry);
    // The entry before the current one (the draft is what is typed now).
    QString previous(const QString& draft);
    QString next();
    const QStringList& entries() const { return m_entries; }

private:
    QStringList m_entries;
    int m_cursor = 0; // == m_entries.size() when editing the draft
    QString m_draft;
};

} // namespace qk::app
