// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/parametereditor.h"

#include "app/pythonliteral.h"
#include "inspectors/theme.h"

#include <QCheckBox>
#include <QComboBox>
#include <QGridLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QStyle>
#include <QToolButton>

#include <functional>
#include <limits>

namespace qk::app {

namespace {
constexpr int intLimit = 1'000'000'000;

// The value types a parameter takes: the catalog's, else those of its plain default.
QStringList typesOf(const keras::CatalogParameter& p) {
    if (!p.types.isEmpty())
        return p.types;
    if (p.hasDefault && p.defaultPlain) {
        const Value& d = p.defaultValue;
        if (d.isBool())
            return {QStringLiteral("bool")};
        if (d.isInt())
            return {QStringLiteral("int")};
        if (d.isFloat())
            return {QStringLiteral("float")};
    }
    return {};
}

const char* const unsetProperty = "unsetValue";

// A spin box for whole numbers that shows a fraction or an exponent as typed ("3.5" would
// otherwise lose its point and become 35) and reports it instead of reading it.
class WholeNumberSpinBox : public QSpinBox {
public:
    using Refused = std::function<void(const QString&)>;
    WholeNumberSpinBox(Refused refused, QWidget* parent)
        : QSpinBox(parent)
        , m_refused(std::move(refused)) {}

    QValidator::State validate(QString& text, int& pos) const override {
        const QValidator::State state = QSpinBox::validate(text, pos);
        if (state == QValidator::Invalid && isNumber(text))
            return QValidator::Intermediate;
        return state;
    }

protected:
    void keyPressEvent(QKeyEvent* event) override {
        if ((event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter) && refuse()) {
            event->accept();
            return;
        }
        QSpinBox::keyPressEvent(event);
    }
    void focusOutEvent(QFocusEvent* event) override {
        refuse(); // the value stays what it was
        QSpinBox::focusOutEvent(event);
    }

private:
    static bool isNumber(const QString& text) {
        bool ok = false;
        text.trimmed().toDouble(&ok);
        return ok;
    }
    // A number that is no whole number was typed: reported, and true.
    bool refuse() {
        QString text = lineEdit()->text();
        int pos = 0;
        if (QSpinBox::validate(text, pos) == QValidator::Acceptable || !isNumber(text))
            return false;
        m_refused(text.trimmed());
        return true;
    }

    Refused m_refused;
};
} // namespace

ParameterEditor::Kind ParameterEditor::kindOf(const keras::CatalogParameter& p, bool hasChoices) {
    const QStringList types = typesOf(p);
    const bool seq =
        types.contains(QLatin1String("sequence")) || types.contains(QLatin1String("dict"));
    if (hasChoices)
        return Kind::Choice;
    if (types == QStringList{QStringLiteral("bool")})
        return Kind::Bool;
    if (types == QStringList{QStringLiteral("int")})
        return Kind::Int;
    if (types.contains(QLatin1String("float")) && !seq && !types.contains(QLatin1String("str")))
        return Kind::Float;
    return Kind::Literal;
}

std::optional<Value> ParameterEditor::read(const keras::CatalogParameter& parameter, Kind kind,
                                           const QString& text, QString* error) {
    std::optional<Value> value = parsePythonLiteral(text.trimmed(), error);
    if (!value)
        return std::nullopt;
    if (kind == Kind::Float && !value->isNumber()) {
        if (error)
            *error = tr("%1 takes a number").arg(parameter.name);
        return std::nullopt;
    }
    // A shape given as one number or as a list is the tuple Keras expects.
    if (parameter.name.endsWith(QLatin1String("shape"))) {
        if (value->isInt())
            value = Value::tuple({*value});
        else if (value->isList())
            value = Value::tuple(value->toList());
    }
    return value;
}

ParameterEditor::ParameterEditor(const keras::CatalogParameter& parameter,
                                 const std::optional<Value>& value, const QStringList& choices,
                                 QWidget* parent)
    : QWidget(parent)
    , m_parameter(parameter)
    , m_value(value)
    , m_kind(kindOf(parameter, !choices.isEmpty()))
    , m_reset(new QToolButton(this))
    , m_error(new QLabel(this)) {
    const bool unset = !value.has_value();
    const Value& shown = value ? *value : parameter.defaultValue;
    const QString defaultText = parameter.hasDefault ? parameter.defaultRepr : tr("required");

    switch (m_kind) {
    case Kind::Bool: {
        auto* box = new QCheckBox(this);
        box->setChecked(shown.isBool() && shown.toBool());
        box->setText(unset ? tr("default") : QString());
        connect(box, &QCheckBox::toggled, this,
                [this](bool on) { Q_EMIT committed(m_parameter.name, Value(on)); });
        m_input = box;
        break;
    }
    case Kind::Int: {
        auto* spin = new WholeNumberSpinBox(
            [this](const QString& text) {
                showError(tr("%1 takes a whole number; %2 is not one").arg(m_parameter.name, text));
            },
            this);
        spin->setRange(-intLimit, intLimit);
        spin->setKeyboardTracking(false);
        spin->setAccelerated(true);
        if (shown.isInt()) {
            spin->setValue(static_cast<int>(shown.toInt()));
        } else {
            spin->setSpecialValueText(defaultText);
            spin->setValue(-intLimit);
        }
        connect(spin, &QSpinBox::valueChanged, this, [this, spin](int v) {
            if (v == spin->minimum() && !spin->specialValueText().isEmpty())
                return;
            Q_EMIT committed(m_parameter.name, Value(v));
        });
        m_input = spin;
        break;
    }
    case Kind::Choice: {
        auto* combo = new QComboBox(this);
        combo->addItem(tr("%1 (default)").arg(defaultText));
        combo->addItems(choices);
        const int at = shown.isString() && value ? combo->findText(shown.toString()) : 0;
        if (value && at < 0 && shown.isString())
            combo->addItem(shown.toString());
        combo->setCurrentIndex(at < 0 ? combo->count() - 1 : at);
        combo->setMaxVisibleItems(16);
        connect(combo, &QComboBox::activated, this, [this, combo](int index) {
            if (index == 0)
                Q_EMIT resetRequested(m_parameter.name);
            else
                Q_EMIT committed(m_parameter.name, Value(combo->itemText(index)));
        });
        m_input = combo;
        break;
    }
    case Kind::Float:
    case Kind::Literal: {
        auto* edit = new QLineEdit(this);
        edit->setPlaceholderText(defaultText);
        if (value)
            edit->setText(pythonLiteralText(*value));
        connect(edit, &QLineEdit::editingFinished, this,
                [this, edit] { commitText(edit->text()); });
        m_input = edit;
        break;
    }
    }
    m_input->setProperty(unsetProperty, unset);
    m_input->setToolTip(parameter.doc);
    // Keras' default in a spin box is greyed. A check box says "default" and a combo
    // "(default)" instead: greying a combo greys its list of choices too, like disabled ones.
    if (unset && m_kind == Kind::Int)
        m_input->setStyleSheet(QStringLiteral("color: palette(mid);"));

    m_reset->setIcon(style()->standardIcon(QStyle::SP_BrowserReload));
    m_reset->setAutoRaise(true);
    m_reset->setToolTip(tr("Reset to Keras' default (%1)").arg(defaultText));
    m_reset->setEnabled(!unset);
    connect(m_reset, &QToolButton::clicked, this,
            [this] { Q_EMIT resetRequested(m_parameter.name); });

    m_error->setWordWrap(true);
    inspectors::setTextTone(m_error, inspectors::Tone::Error);
    m_error->hide();

    auto* layout = new QGridLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setHorizontalSpacing(2);
    layout->setVerticalSpacing(2);
    layout->addWidget(m_input, 0, 0);
    layout->addWidget(m_reset, 0, 1);
    layout->addWidget(m_error, 1, 0, 1, 2);
    layout->setColumnStretch(0, 1);
}

QString ParameterEditor::errorText() const {
    return m_error->isVisible() || !m_error->isHidden() ? m_error->text() : QString();
}

void ParameterEditor::showError(const QString& message) {
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
    if (message.isEmpty())
        m_input->setStyleSheet(QString());
    else
        m_input->setStyleSheet(QStringLiteral("border: 1.5px solid #d93f3f; border-radius: 3px;"));
}

void ParameterEditor::acceptObjects(std::function<QString(const QString&)> moduleOf,
                                    const std::optional<keras::KerasObject>& current) {
    auto* edit = qobject_cast<QLineEdit*>(m_input);
    if (!edit || m_kind != Kind::Literal)
        return;
    m_moduleOf = std::move(moduleOf);
    m_object = current;
    const QString hint = tr("A Keras object is typed as its call: LSTM(64, return_sequences=True)");
    m_input->setToolTip(m_parameter.doc.isEmpty() ? hint : m_parameter.doc + u'\n' + hint);
    if (current) {
        edit->setText(kerasCallText(*current));
        edit->setCursorPosition(0);
        m_input->setProperty(unsetProperty, false);
        m_reset->setEnabled(true);
    }
}

void ParameterEditor::commitText(const QString& text) {
    if (text.trimmed().isEmpty()) {
        showError({});
        if (m_value || m_object)
            Q_EMIT resetRequested(m_parameter.name);
        return;
    }
    QString error;
    if (m_moduleOf && looksLikeCall(text)) {
        const std::optional<keras::KerasObject> object = parseKerasCall(text, m_moduleOf, &error);
        if (!object) {
            showError(error);
            return;
        }
        showError({});
        if (m_object != object)
            Q_EMIT objectCommitted(m_parameter.name, *object);
        return;
    }
    const std::optional<Value> value = read(m_parameter, m_kind, text, &error);
    if (!value) {
        showError(error);
        return;
    }
    if (m_value && *m_value == *value) {
        showError({});
        return;
    }
    Q_EMIT committed(m_parameter.name, *value);
}

} // namespace qk::app
