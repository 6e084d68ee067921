// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/keras/kerasobject.h"

#include <QStringList>

namespace qk::keras {

Argument::Argument(const KerasObject& object)
    : m_object(std::make_shared<const KerasObject>(object)) {}

Argument Argument::expression(py::Expr expr) {
    Argument a;
    a.m_expr = std::move(expr);
    return a;
}

Argument Argument::list(const std::vector<Argument>& items) {
    std::vector<py::Expr> exprs;
    exprs.reserve(items.size());
    for (const Argument& item : items)
        exprs.push_back(item.expr());
    return expression(py::Expr::list(std::move(exprs)));
}

Argument Argument::dict(const std::vector<std::pair<QString, Argument>>& items) {
    std::vector<std::pair<py::Expr, py::Expr>> exprs;
    exprs.reserve(items.size());
    for (const auto& [key, item] : items)
        exprs.emplace_back(py::Expr(key), item.expr());
    return expression(py::Expr::dict(std::move(exprs)));
}

py::Expr Argument::expr() const {
    if (m_object)
        return m_object->expr();
    if (m_expr)
        return *m_expr;
    return py::Expr::literal(m_value);
}

bool operator==(const Argument& a, const Argument& b) {
    if (a.isObject() != b.isObject() || a.m_expr.has_value() != b.m_expr.has_value())
        return false;
    if (a.isObject())
        return a.object() == b.object();
    if (a.m_expr)
        return a.m_expr->source() == b.m_expr->source();
    return a.m_value == b.m_value;
}

KerasObject::KerasObject(QString module, QString className, const Keywords& kwargs)
    : m_module(std::move(module))
    , m_className(std::move(className)) {
    for (const auto& [key, value] : kwargs)
        set(key, value);
}

KerasObject& KerasObject::addPositional(Argument value) {
    m_positional.push_back(std::move(value));
    return *this;
}

KerasObject& KerasObject::set(const QString& name, Argument value) {
    for (auto& [key, existing] : m_keywords) {
        if (key == name) {
            existing = std::move(value);
            return *this;
        }
    }
    m_keywords.emplace_back(name, std::move(value));
    return *this;
}

KerasObject& KerasObject::unset(const QString& name) {
    std::erase_if(m_keywords, [&name](const auto& kw) { return kw.first == name; });
    return *this;
}

std::optional<Argument> KerasObject::get(const QString& name) const {
    for (const auto& [key, value] : m_keywords) {
        if (key == name)
            return value;
    }
    return std::nullopt;
}

py::Expr KerasObject::callee() const {
    const QStringList parts = m_module.split(u'.');
    py::Expr callee = py::Expr::name(parts.front());
    for (qsizetype i = 1; i < parts.size(); ++i)
        callee = callee.attr(parts[i]);
    return callee.attr(m_className);
}

std::vector<py::Expr> KerasObject::positionalExprs() const {
    std::vector<py::Expr> args;
    args.reserve(m_positional.size());
    for (const Argument& a : m_positional)
        args.push_back(a.expr());
    return args;
}

py::Keywords KerasObject::keywordExprs() const {
    py::Keywords kwargs;
    for (const auto& [name, value] : m_keywords)
        kwargs.emplace_back(name, value.expr());
    return kwargs;
}

py::Expr KerasObject::expr() const {
    return callee().call(positionalExprs(), keywordExprs());
}

bool operator==(const KerasObject& a, const KerasObject& b) {
    return a.m_module == b.m_module && a.m_className == b.m_className &&
           a.m_positional == b.m_positional && a.m_keywords == b.m_keywords;
}

} // namespace qk::keras
