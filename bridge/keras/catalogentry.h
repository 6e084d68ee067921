// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/protocol/value.h"

#include <QString>
#include <QStringList>

#include <vector>

namespace qk::keras {

// How a parameter binds, as Python's inspect.Parameter.kind says.
enum class ParameterKind {
    PositionalOnly,
    PositionalOrKeyword,
    KeywordOnly,
    VarPositional,
    VarKeyword
};

QString parameterKindName(ParameterKind kind);

// A range Keras' documentation states for a parameter ("Positive integer", "Float between 0
// and 1"); checked before anything is sent.
enum class Constraint { None, Positive, UnitInterval };

// One parameter of a catalog entry.
struct CatalogParameter {
    QString name;
    ParameterKind kind = ParameterKind::PositionalOrKeyword;
    bool required = false;
    bool hasDefault = false;
    Value defaultValue; // the default when it is plain data
    bool defaultPlain = true;
    QString defaultRepr; // Python's repr of the default (for display; the only form of a
                         // default that is not plain data)
    QString annotation;  // empty when there is none
    // The value types accepted: "bool", "int", "float", "str", "sequence", "dict", "none".
    // Empty: any value. Keras objects and expressions are always accepted.
    QStringList types;
    Constraint constraint = Constraint::None;
    QString doc;            // its documentation, in one line
    bool inherited = false; // accepted through **kwargs by a base class (a layer's name, dtype...)

    bool isVariadic() const {
        return kind == ParameterKind::VarPositional || kind == ParameterKind::VarKeyword;
    }
    bool acceptsPositional() const {
        return kind == ParameterKind::PositionalOnly || kind == ParameterKind::PositionalOrKeyword;
    }
    bool acceptsKeyword() const {
        return kind == ParameterKind::PositionalOrKeyword || kind == ParameterKind::KeywordOnly;
    }
};

// A public class or function of a Keras module (keras.layers.Dense, keras.optimizers.Adam...).
struct CatalogEntry {
    QString group;  // "layers", "optimizers", "losses", ..., "schedules", "applications"
    QString name;   // "Dense"
    QString module; // "keras.layers", "keras.optimizers.schedules"
    bool isClass = true;
    QString category;    // layers: core, convolution, pooling, recurrent, ...; applications: the
                         // family (resnet, mobilenet_v2...); else the group
    QString doc;         // the docstring's first line
    QString source;      // the module that defines it ("keras.src.layers.core.dense")
    QString canonical;   // the name Keras gives it; differs from name for an alias
    QStringList aliases; // other names of the same object in the module
    std::vector<CatalogParameter> parameters;
    bool openKeywords = false;    // accepts keywords beyond those listed
    bool openPositionals = false; // accepts any number of positional arguments
    bool signatureKnown = true;

    QString qualifiedName() const { return module + u'.' + name; }
    bool isAlias() const { return name != canonical; }
    const CatalogParameter* parameter(const QString& parameterName) const;
    // The required parameters, in order.
    QStringList requiredParameters() const;
};

} // namespace qk::keras
