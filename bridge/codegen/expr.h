// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/protocol/value.h"

#include <QSet>
#include <QString>

#include <concepts>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace qk::py {

class Expr;
using Keywords = std::vector<std::pair<QString, Expr>>;

// An immutable Python expression tree. Copies share their nodes; source() renders the tree
// to Python, parenthesising wherever precedence requires, so that the source always parses
// and means what the tree says. Construction validates names, literals and raw text and
// throws std::invalid_argument on anything that cannot be rendered, including nesting deeper
// than maxDepth.
class Expr {
public:
    // The deepest nesting rendered (calls, displays, subscripts, literals, a raw expression's
    // own brackets): far below the 200 brackets and the recursion Python's parser allows.
    static constexpr int maxDepth = 100;

    enum class Kind { Name, Literal, Attribute, Call, Subscript, List, Tuple, Dict, Negation, Raw };

    // Any value a qk::Value can be made from becomes a literal: Expr(3), Expr("text"),
    // Expr(Value::tuple({1})). A string converts to a str literal, never to a name.
    template <typename T>
    requires(!std::same_as<std::remove_cvref_t<T>, Expr> && std::constructible_from<Value, T>)
        Expr(T&& value)
        : Expr(literal(Value(std::forward<T>(value)))) {}

    // A variable: an identifier that is not a keyword.
    static Expr name(const QString& identifier);
    // Plain data: None, bool, int, big int, float (NaN, infinities and -0.0 included), str,
    // bytes, list, tuple and dict, nested. Arrays, CSR matrices and references are not
    // literals: they travel as command bindings. An int of more digits than any Python
    // accepts in a literal (640 is the least limit sys.set_int_max_str_digits allows) is
    // rendered as arithmetic on shorter ones, so it reads back the same under any limit.
    static Expr literal(const Value& value);
    // A trusted single expression, rendered in parentheses; it may span lines and end in a
    // comment. Refused when it could break the code around it: a string or bracket left
    // open, a bracket closed that it did not open, a final line continuation, NUL.
    static Expr raw(const QString& source);
    static Expr list(std::vector<Expr> items);
    static Expr tuple(std::vector<Expr> items);
    static Expr dict(std::vector<std::pair<Expr, Expr>> items);

    Expr attr(const QString& name) const;
    // Positional arguments, then keyword arguments in the order given.
    Expr call(std::vector<Expr> args = {}, Keywords kwargs = {}) const;
    Expr index(const Expr& key) const;
    Expr operator[](const Expr& key) const { return index(key); }
    Expr operator-() const;

    Kind kind() const;
    // How deeply the expression nests (1 for a name or a scalar literal).
    int depth() const;
    // The variable names it reads, at any depth (a raw expression's text is not looked into).
    QSet<QString> names() const;
    // True when the expression can be assigned to or deleted: a name, an attribute, a
    // subscript, or a non-empty tuple or list of those; `__debug__` is never a target.
    bool isTarget() const;

    QString source() const;

    // The same expression, shown to a person as `shown`: plain Keras in place of a call of the
    // worker's own helpers (qk.fit(model, x, y) shown as model.fit(x, y)). source() is what
    // runs; shownSource() renders each part's shown form where it has one.
    Expr shownAs(const Expr& shown) const;
    QString shownSource() const;

private:
    struct Node;
    explicit Expr(std::shared_ptr<const Node> node)
        : m_node(std::move(node)) {}
    static Expr make(Node node);

    std::shared_ptr<const Node> m_node;
};

} // namespace qk::py
