#pragma once

#include "bridge/codegen/expr.h"

#include <QString>

#include <utility>
#include <vector>

namespace qk::py {

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
    // Trusted statement text, possibly several lines, inserted as it is.
    static Statement raw(const QString& source);

    QString source() const;

private:
    enum class Kind { Expression, Assign, Delete, Import, ImportFrom, Raw };
    explicit Statement(Kind kind)
        : m_kind(kind) {}

    Kind m_kind;
    std::vector<Expr> m_exprs; // Expression: the expression; Assign: target, value; Delete
    QString m_text;            // module (imports) or raw text
    std::vector<std::pair<QString, QString>> m_names; // imported names and their aliases
};

} // namespace qk::py
