// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/codegen/statement.h"

#include <QString>

#include <initializer_list>
#include <vector>

namespace qk::py {

// A sequence of statements: the code of one command. When the last statement is an
// expression, the worker returns its value.
class Program {
public:
    Program() = default;
    Program(std::initializer_list<Statement> statements)
        : m_statements(statements) {}

    Program& append(Statement statement);
    Program& append(const Program& other);
    Program& operator+=(Statement statement) { return append(std::move(statement)); }
    Program& operator+=(const Program& other) { return append(other); }

    bool isEmpty() const { return m_statements.empty(); }
    const std::vector<Statement>& statements() const { return m_statements; }

    // The statements' source, one after another, separated by newlines.
    QString source() const;
    // The statements as a person is shown them (Statement::shown()).
    Shown shown() const { return Statement::shown(m_statements); }
    QString shownSource() const { return shown().text; }
    std::vector<int> shownLines() const { return shown().lines; }
    // The variable names its statements read or bind (raw text is not looked into).
    QSet<QString> names() const;

private:
    std::vector<Statement> m_statements;
};

} // namespace qk::py
