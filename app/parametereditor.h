// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/keras/catalogentry.h"
#include "bridge/keras/kerasobject.h"

#include <QWidget>

#include <functional>
#include <optional>

class QLabel;
class QToolButton;

namespace qk::app {

// One argument of a Keras call, edited with a widget that fits its type in the catalog:
// a spin box for int, a line edit for float, a check box for bool, a combo for a string
// with known choices, else a line edit read as a Python literal. An unset argument shows
// Keras' default, greyed. Input that cannot be read is refused here: a red border and the
// reason under the field, and nothing is committed.
class ParameterEditor : public QWidget {
    Q_OBJECT
public:
    enum class Kind { Bool, Int, Float, Choice, Literal };

    ParameterEditor(const keras::CatalogParameter& parameter, const std::optional<Value>& value,
                    const QStringList& choices, QWidget* parent = nullptr);

    const QString& name() const { return m_parameter.name; }
    Kind kind() const { return m_kind; }
    QWidget* input() const { return m_input; }
    QToolButton* resetButton() const { return m_reset; }
    QLabel* errorLabel() const { return m_error; }
    QString errorText() const;
    bool isSet() const { return m_value.has_value(); }

    // Shows why the value was refused (empty: clears it).
    void showError(const QString& message);
    // A line-edit field also takes a Keras object typed as its call (LSTM(64)): the object
    // the argument holds now, if any, is shown so, and a call typed is read with moduleOf
    // for class names without a module, and committed by objectCommitted().
    void acceptObjects(std::function<QString(const QString&)> moduleOf,
                       const std::optional<keras::KerasObject>& current);

    // How an editor of this parameter would read text (for tests and the literal fields).
    static std::optional<Value> read(const keras::CatalogParameter& parameter, Kind kind,
                                     const QString& text, QString* error);
    static Kind kindOf(const keras::CatalogParameter& parameter, bool hasChoices);

Q_SIGNALS:
    void committed(const QString& name, const qk::Value& value);
    void objectCommitted(const QString& name, const qk::keras::KerasObject& object);
    void resetRequested(const QString& name);

private:
    void commitText(const QString& text);

    keras::CatalogParameter m_parameter;
    std::optional<Value> m_value;
    std::function<QString(const QString&)> m_moduleOf;
    std::optional<keras::KerasObject> m_object;
    Kind m_kind;
    QWidget* m_input = nullptr;
    QToolButton* m_reset;
    QLabel* m_error;
};

} // namespace qk::app
