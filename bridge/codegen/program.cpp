// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/codegen/program.h"

#include <QStringList>

namespace qk::py {

Program& Program::append(Statement statement) {
    m_statements.push_back(std::move(statement));
    return *this;
}

Program& Program::append(const Program& other) {
    m_statements.insert(m_statements.end(), other.m_statements.begin(), other.m_statements.end());
    return *this;
}

QString Program::source() const {
    QStringList lines;
    for (const Statement& statement : m_statements)
        lines.append(statement.source());
    return lines.join(QLatin1Char('\n'));
}

QString Program::shownSource() const {
    QStringList lines;
    for (const Statement& statement : m_statements)
        lines.append(statement.shownSource());
    return lines.join(QLatin1Char('\n'));
}

std::vector<int> Program::shownLines() const {
    std::vector<int> out;
    int shownAt = 0;
    for (const Statement& statement : m_statements) {
        for (const int line : statement.shownLines())
            out.push_back(shownAt + line);
        shownAt += static_cast<int>(statement.shownSource().count(QLatin1Char('\n'))) + 1;
    }
    return out;
}

QSet<QString> Program::names() const {
    QSet<QString> found;
    for (const Statement& statement : m_statements)
        found.unite(statement.names());
    return found;
}

} // namespace qk::py
