// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/codegen/statement.h"

#include "bridge/codegen/identifier.h"
#include "bridge/codegen/rawsource.h"

#include <stdexcept>

namespace qk::py {
namespace {

void requireTarget(const Expr& target, const char* action) {
    if (!target.isTarget())
        throw std::invalid_argument(QStringLiteral("cannot %1 %2: not a name, attribute, "
                                                   "subscript or tuple of those")
                                        .arg(QString::fromUtf8(action), target.source())
                                        .toStdString());
}

QString importedName(const std::pair<QString, QString>& name) {
    return name.second.isEmpty() ? name.first : name.first + QLatin1String(" as ") + name.second;
}

} // namespace

Statement::Statement(Expr expression)
    : m_kind(Kind::Expression)
    , m_exprs{std::move(expression)} {}

Statement Statement::assign(Expr target, Expr value) {
    requireTarget(target, "assign to");
    Statement s(Kind::Assign);
    s.m_exprs = {std::move(target), std::move(value)};
    return s;
}

Statement Statement::del(std::vector<Expr> targets) {
    if (targets.empty())
        throw std::invalid_argument("del needs at least one target");
    for (const Expr& target : targets)
        requireTarget(target, "delete");
    Statement s(Kind::Delete);
    s.m_exprs = std::move(targets);
    return s;
}

Statement Statement::importModule(const QString& module, const QString& alias) {
    requireModuleName(module);
    if (alias.isEmpty())
        requireBindableName(module.section(QLatin1Char('.'), 0, 0), "imported name");
    else
        requireBindableName(alias, "import alias");
    Statement s(Kind::Import);
    s.m_names = {{module, alias}};
    return s;
}

Statement Statement::importFrom(const QString& module,
                                std::vector<std::pair<QString, QString>> names) {
    requireModuleName(module);
    if (names.empty())
        throw std::invalid_argument("from-import needs at least one name");
    for (const auto& [name, alias] : names) {
        requireBindableName(name, "imported name");
        if (!alias.isEmpty())
            requireBindableName(alias, "import alias");
    }
    Statement s(Kind::ImportFrom);
    s.m_text = module;
    s.m_names = std::move(names);
    return s;
}

Statement Statement::with(Expr context, std::vector<Statement> body, std::optional<Expr> target) {
    if (body.empty())
        throw std::invalid_argument("a with statement needs a body");
    if (target)
        requireTarget(*target, "bind with ... as");
    Statement s(Kind::With);
    s.m_exprs.push_back(std::move(context));
    if (target)
        s.m_exprs.push_back(std::move(*target));
    s.m_body = std::move(body);
    return s;
}

Statement Statement::raw(const QString& source) {
    scanSource(source, "raw statement");
    for (const QString& line : source.split(QLatin1Char('\n'))) {
        const QString code = line.trimmed();
        if (code.isEmpty() || code.startsWith(QLatin1Char('#')))
            continue;
        if (line.at(0).isSpace())
            throw std::invalid_argument(
                QStringLiteral("raw statement '%1' cannot be embedded: its first line is indented")
                    .arg(source.left(60))
                    .toStdString());
        break;
    }
    Statement s(Kind::Raw);
    s.m_text = source;
    return s;
}

QString Statement::source() const {
    QString out;
    switch (m_kind) {
    case Kind::Expression:
        return m_exprs[0].source();
    case Kind::Assign:
        return m_exprs[0].source() + QLatin1String(" = ") + m_exprs[1].source();
    case Kind::Delete:
        for (const Expr& target : m_exprs)
            out +=
                (out.isEmpty() ? QStringLiteral("del ") : QStringLiteral(", ")) + target.source();
        return out;
    case Kind::Import:
        return QLatin1String("import ") + importedName(m_names[0]);
    case Kind::ImportFrom:
        for (const auto& name : m_names)
            out += (out.isEmpty() ? QString() : QStringLiteral(", ")) + importedName(name);
        return QLatin1String("from ") + m_text + QLatin1String(" import ") + out;
    case Kind::With:
        out = QLatin1String("with ") + m_exprs[0].source();
        if (m_exprs.size() > 1)
            out += QLatin1String(" as ") + m_exprs[1].source();
        out += QLatin1Char(':');
        if (m_body.size() == 1 && m_body[0].m_kind != Kind::With && m_body[0].m_kind != Kind::Raw) {
            const QString only = m_body[0].source();
            if (!only.contains(QLatin1Char('\n')))
                return out + QLatin1Char(' ') + only;
        }
        for (const Statement& statement : m_body)
            out += QLatin1String("\n    ") +
                   indentedSource(statement.source(), QStringLiteral("    "));
        return out;
    case Kind::Raw:
        return m_text;
    }
    throw std::logic_error("unknown statement kind");
}

QSet<QString> Statement::names() const {
    QSet<QString> found;
    for (const Expr& expr : m_exprs)
        found.unite(expr.names());
    for (const auto& [name, alias] : m_names)
        found.insert(alias.isEmpty() ? name.section(QLatin1Char('.'), 0, 0) : alias);
    for (const Statement& statement : m_body)
        found.unite(statement.names());
    return found;
}

} // namespace qk::py
