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

QSet<QString> Program::names() const {
    QSet<QString> found;
    for (const Statement& statement : m_statements)
        found.unite(statement.names());
    return found;
}

} // namespace qk::py
