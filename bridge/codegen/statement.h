// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/codegen/expr.h"

#include <QSet>
#include <QString>

#include <optional>
#include <utility>
#include <vector>

namespace qk::py {

// Code as a person is shown it (Expr::shownAs, Statement::shownAsBody), and for each line of
// the code that runs the 0-based line of `text` that shows it.
struct Shown {
    QString text;
    std::vector<int> lines;
};

// One Python statement, validated when made and rendered to source on demand.
class Statement {
public:
    // An expression statement; the implicit conversion lets a program take an Expr directly.
    Statement(Expr expression);
    static Statement expression(Expr expression) { return Statement(std::move(expression)); }

    // `target = value`; the target is a name, attribute, subscript or tuple/list of targets.
    static Statement assign(Expr target, Expr value);
    // `del a, b[0], c.d`: one or more targets.
    static Statement del(std::vector<Expr> targets);
    // `import module` or `import module as alias`.
    static Statement importModule(const QString& module, const QString& alias = {});
    // `from module import a, b as c`: each pair is a name and its alias (empty for none).
    static Statement importFrom(const QString& module,
                                std::vector<std::pair<QString, QString>> names);
    // `with context:` (or `with context as target:`) and the body, indented under it; a body
    // of one simple statement on one line stays on the header's line.
    static Statement with(Expr context, std::vector<Statement> body,
                          std::optional<Expr> target = std::nullopt);
    // Trusted statement text, possibly several lines, inserted as it is. Refused when it could
    // break the code around it: a string or bracket left open, a final line continuation, a
    // first line that is indented, NUL.
    static Statement raw(const QString& source);

    QString source() const;
    // As a person is shown it: each expression's shown form (Expr::shownAs), and a `with`
    // made shownAsBody() as its body alone, at the with's own indentation.
    QString shownSource() const;
    // A `with` whose context only supports the body (the worker's error reporting), shown as
    // the body alone; any other statement is returned as it is.
    Statement shownAsBody() const;
    // The variable names it reads or binds (raw text is not looked into).
    QSet<QString> names() const;
    // shownSource() and, for each line of source(), the line of it that shows that line.
    Shown shown() const;
    std::vector<int> shownLines() const { return shown().lines; }
    // Statements one after another, as shown.
    static Shown shown(const std::vector<Statement>& statements);

private:
    enum class Kind { Expression, Assign, Delete, Import, ImportFrom, With, Raw };
    explicit Statement(Kind kind)
        : m_kind(kind) {}
    QString render(bool asShown) const;

    Kind m_kind;
    bool m_shownAsBody = false; // With: shown as its body alone
    // Expression: the expression; Assign: target, value; Delete: the targets; With: the
    // context and the target, if any.
    std::vector<Expr> m_exprs;
    QString m_text;                                   // module (imports) or raw text
    std::vector<std::pair<QString, QString>> m_names; // imported names and their aliases
    std::vector<Statement> m_body;                    // With
};

} // namespace qk::py
