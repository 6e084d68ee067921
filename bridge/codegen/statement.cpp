// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/codegen/statement.h"

#include "bridge/codegen/identifier.h"
#include "bridge/codegen/rawsource.h"

#include <QStringList>

#include <algorithm>
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
    return render(false);
}

QString Statement::shownSource() const {
    return render(true);
}

Statement Statement::shownAsBody() const {
    Statement s = *this;
    s.m_shownAsBody = m_kind == Kind::With && !m_body.empty();
    return s;
}

namespace {

int lineCount(const QString& text) {
    return static_cast<int>(text.count(QLatin1Char('\n'))) + 1;
}

} // namespace

Shown Statement::shown(const std::vector<Statement>& statements) {
    Shown out;
    QStringList texts;
    int at = 0; // the first line of the next statement's text
    for (const Statement& statement : statements) {
        Shown one = statement.shown();
        for (const int line : one.lines)
            out.lines.push_back(at + line);
        at += lineCount(one.text);
        texts << std::move(one.text);
    }
    out.text = texts.join(QLatin1Char('\n'));
    return out;
}

Shown Statement::shown() const {
    const int lines = lineCount(source());
    if (!m_shownAsBody) {
        // A statement keeps its lines when shown; a call shown shorter ends on its last line.
        Shown out{render(true), {}};
        const int last = lineCount(out.text) - 1;
        out.lines.reserve(static_cast<std::size_t>(lines));
        for (int line = 0; line < lines; ++line)
            out.lines.push_back(std::min(line, last));
        return out;
    }
    // `with context:` and the body under it: the header is shown as the body's first line,
    // each body line as itself, one line up. A body on the header's line is that line.
    Shown out = shown(m_body);
    if (lines == 1)
        out.lines = {0};
    else
        out.lines.insert(out.lines.begin(), 0);
    return out;
}

QString Statement::render(bool asShown) const {
    const auto expr = [asShown](const Expr& e) { return asShown ? e.shownSource() : e.source(); };
    QString out;
    switch (m_kind) {
    case Kind::Expression:
        return expr(m_exprs[0]);
    case Kind::Assign:
        return expr(m_exprs[0]) + QLatin1String(" = ") + expr(m_exprs[1]);
    case Kind::Delete:
        for (const Expr& target : m_exprs)
            out += (out.isEmpty() ? QStringLiteral("del ") : QStringLiteral(", ")) + expr(target);
        return out;
    case Kind::Import:
        return QLatin1String("import ") + importedName(m_names[0]);
    case Kind::ImportFrom:
        for (const auto& name : m_names)
            out += (out.isEmpty() ? QString() : QStringLiteral(", ")) + importedName(name);
        return QLatin1String("from ") + m_text + QLatin1String(" import ") + out;
    case Kind::With:
        if (asShown && m_shownAsBody) {
            QStringList body;
            for (const Statement& statement : m_body)
                body << statement.render(true);
            return body.join(QLatin1Char('\n'));
        }
        out = QLatin1String("with ") + expr(m_exprs[0]);
        if (m_exprs.size() > 1)
            out += QLatin1String(" as ") + expr(m_exprs[1]);
        out += QLatin1Char(':');
        if (m_body.size() == 1 && m_body[0].m_kind != Kind::With && m_body[0].m_kind != Kind::Raw) {
            const QString only = m_body[0].render(asShown);
            if (!only.contains(QLatin1Char('\n')))
                return out + QLatin1Char(' ') + only;
        }
        for (const Statement& statement : m_body)
            out += QLatin1String("\n    ") +
                   indentedSource(statement.render(asShown), QStringLiteral("    "));
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
