// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/codegen/expr.h"
#include "bridge/protocol/value.h"

#include <QString>

#include <cstddef>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace qk::keras {

class KerasObject;

// An argument of a Keras constructor: plain data, another Keras object (an initializer, a
// regularizer, the layer a Bidirectional wraps), or a trusted Python expression.
class Argument {
public:
    Argument(Value value)
        : m_value(std::move(value)) {}
    Argument(const char* text)
        : m_value(QString::fromUtf8(text)) {}
    Argument(QString text)
        : m_value(std::move(text)) {}
    Argument(int i)
        : m_value(i) {}
    Argument(double d)
        : m_value(d) {}
    Argument(bool b)
        : m_value(b) {}
    // Python's None (weights=None).
    Argument(std::nullptr_t)
        : m_value(nullptr) {}
    Argument(const KerasObject& object);
    static Argument expression(py::Expr expr);
    // A list or a dict of arguments that may hold Keras objects, such as the losses of a model
    // of several outputs: Argument::dict({{"priority", "mse"}, {"department", loss}}).
    static Argument list(const std::vector<Argument>& items);
    static Argument dict(const std::vector<std::pair<QString, Argument>>& items);

    bool isValue() const { return !m_object && !m_expr; }
    bool isObject() const { return m_object != nullptr; }
    const Value& value() const { return m_value; }
    const KerasObject& object() const { return *m_object; }
    py::Expr expr() const;

    friend bool operator==(const Argument& a, const Argument& b);

private:
    Argument() = default;
    Value m_value;
    std::shared_ptr<const KerasObject> m_object;
    std::optional<py::Expr> m_expr;
};

// A Keras object as a constructor call: the module ("keras.layers"), the class or function
// ("Dense") and the arguments the user set, in order. Only those arguments are generated;
// Keras' own defaults are never copied here. expr() renders the call.
class KerasObject {
public:
    using Keywords = std::vector<std::pair<QString, Argument>>;

    KerasObject() = default;
    KerasObject(QString module, QString className, const Keywords& kwargs = {});

    const QString& module() const { return m_module; }
    const QString& className() const { return m_className; }
    QString qualifiedName() const { return m_module + u'.' + m_className; }

    const std::vector<Argument>& positional() const { return m_positional; }
    const std::vector<std::pair<QString, Argument>>& keywords() const { return m_keywords; }

    KerasObject& addPositional(Argument value);
    // Sets a keyword argument (replacing an earlier value of the same name, in place).
    KerasObject& set(const QString& name, Argument value);
    KerasObject& unset(const QString& name);
    std::optional<Argument> get(const QString& name) const;
    bool has(const QString& name) const { return get(name).has_value(); }

    // keras.layers.Dense(16, activation='relu'), with `keras` as the module's root name.
    py::Expr expr() const;
    // The parts of that call: the callee (keras.layers.Dense), the positional and the keyword
    // arguments, for code that passes them on (factory(*args, **kwargs)).
    py::Expr callee() const;
    std::vector<py::Expr> positionalExprs() const;
    py::Keywords keywordExprs() const;

    friend bool operator==(const KerasObject& a, const KerasObject& b);

private:
    QString m_module;
    QString m_className;
    std::vector<Argument> m_positional;
    std::vector<std::pair<QString, Argument>> m_keywords;
};

// The fluent setters of the typed Keras objects. Each setter sets one keyword argument and
// returns the typed object, so that Dense(16).activation("relu").name("hidden") stays a
// Dense; a typed class declares its setters as one-liners over with(). Setters shared by a
// family (every layer's name, every optimizer's learning rate) live in a template between
// this and the typed class.
template <typename Self, typename Base>
class Builder : public Base {
public:
    using Base::Base;

    // Any keyword argument, in Keras' snake_case name.
    Self& arg(const QString& keyword, Argument value) { return with(keyword, std::move(value)); }

protected:
    Self& with(const QString& keyword, Argument value) {
        this->set(keyword, std::move(value));
        return static_cast<Self&>(*this);
    }
};

} // namespace qk::keras
