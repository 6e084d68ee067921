// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/propertiespanel.h"

#include "app/catalogsource.h"
#include "app/document.h"
#include "app/parametereditor.h"

#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QScrollArea>
#include <QVBoxLayout>

namespace qk::app {

namespace {
// Strings with a known set of values get a combo box.
QStringList choicesFor(const CatalogSource& catalog, const keras::CatalogParameter& p) {
    const QString& name = p.name;
    if (name == QLatin1String("activation") || name.endsWith(QLatin1String("_activation")))
        return catalog.names(QStringLiteral("activations"));
    if (name.endsWith(QLatin1String("_initializer")))
        return catalog.names(QStringLiteral("initializers"));
    if (name.endsWith(QLatin1String("_regularizer")))
        return catalog.names(QStringLiteral("regularizers"));
    if (name == QLatin1String("padding"))
        return {QStringLiteral("valid"), QStringLiteral("same"), QStringLiteral("causal")};
    if (name == QLatin1String("data_format"))
        return {QStringLiteral("channels_last"), QStringLiteral("channels_first")};
    if (name == QLatin1String("interpolation"))
        return {QStringLiteral("nearest"), QStringLiteral("bilinear")};
    return {};
}
} // namespace

PropertiesPanel::PropertiesPanel(Document& document, CatalogSource& catalog, QWidget* parent)
    : QWidget(parent)
    , m_document(document)
    , m_catalog(catalog)
    , m_title(new QLabel(this))
    , m_doc(new QLabel(this))
    , m_scroll(new QScrollArea(this)) {
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.15);
    m_title->setFont(titleFont);
    m_doc->setWordWrap(true);
    m_doc->setEnabled(false);
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(m_title);
    layout->addWidget(m_doc);
    layout->addWidget(m_scroll, 1);
    connect(&document, &Document::changed, this, &PropertiesPanel::onChanged);
    connect(&catalog, &CatalogSource::loaded, this, &PropertiesPanel::rebuild);
    rebuild();
}

void PropertiesPanel::setLayer(int layerId) {
    if (layerId == m_layerId)
        return;
    m_layerId = layerId;
    rebuild();
}

ParameterEditor* PropertiesPanel::editor(const QString& name) const {
    if (!m_scroll->widget())
        return nullptr;
    const auto editors = m_scroll->widget()->findChildren<ParameterEditor*>();
    for (ParameterEditor* e : editors) {
        if (e->name() == name)
            return e;
    }
    return nullptr;
}

void PropertiesPanel::onChanged(const DocumentChange& change) {
    const bool graph = change.kind == DocumentChange::Kind::GraphChanged;
    if ((!change.isLayerChange() && !graph) || (graph && change.layoutOnly))
        return;
    if (!m_document.findLayer(m_layerId))
        m_layerId = 0;
    if (graph || change.layerId == m_layerId || m_layerId == 0)
        rebuild();
}

void PropertiesPanel::rebuild() {
    auto* form = new QWidget;
    auto* outer = new QVBoxLayout(form);
    outer->setContentsMargins(0, 4, 0, 0);
    const keras::KerasObject* shown = m_document.findLayer(m_layerId);
    const keras::CatalogEntry* entry = shown ? m_catalog.entryFor(*shown) : nullptr;
    if (!shown) {
        m_title->setText(tr("No layer selected"));
        m_doc->setText(tr("Select a layer in the model to edit its arguments."));
    } else if (!entry) {
        m_title->setText(shown->className());
        m_doc->setText(m_catalog.isLoaded() ? tr("This class is not in the worker's catalog.")
                                            : tr("Loading the Keras catalog…"));
    } else {
        // Arguments given by position (keras::Dense(16) from C++) show under their names.
        const keras::KerasObject layer = keras::Catalog::withNamedArguments(*entry, *shown);
        m_title->setText(entry->name);
        m_doc->setText(entry->doc);
        QFormLayout* own = nullptr;
        QFormLayout* base = nullptr;
        for (const keras::CatalogParameter& p : entry->parameters) {
            if (p.isVariadic())
                continue;
            QFormLayout*& target = p.inherited ? base : own;
            if (!target) {
                auto* box = new QGroupBox(p.inherited ? tr("Base layer") : tr("Arguments"), form);
                target = new QFormLayout(box);
                target->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
                target->setLabelAlignment(Qt::AlignRight);
                outer->addWidget(box);
            }
            std::optional<Value> value;
            std::optional<keras::KerasObject> object;
            if (const auto argument = layer.get(p.name); argument && argument->isValue())
                value = argument->value();
            else if (argument && argument->isObject())
                object = argument->object();
            auto* editor = new ParameterEditor(p, value, choicesFor(m_catalog, p), form);
            editor->acceptObjects(
                [this](const QString& className) { return m_catalog.moduleOf(className); }, object);
            connect(editor, &ParameterEditor::committed, this, &PropertiesPanel::commit);
            connect(editor, &ParameterEditor::objectCommitted, this,
                    [this](const QString& name, const keras::KerasObject& nested) {
                        applyArgument(name, keras::Argument(nested));
                    });
            connect(editor, &ParameterEditor::resetRequested, this,
                    [this](const QString& name) { applyArgument(name, std::nullopt); });
            auto* label =
                new QLabel(p.required ? QStringLiteral("<b>%1</b>").arg(p.name) : p.name, form);
            label->setToolTip(p.doc);
            target->addRow(label, editor);
        }
    }
    outer->addStretch(1);
    if (QWidget* old = m_scroll->takeWidget())
        old->deleteLater(); // may be the sender of the change that got us here
    m_scroll->setWidget(form);
}

void PropertiesPanel::commit(const QString& name, const Value& value) {
    applyArgument(name, keras::Argument(value));
}

void PropertiesPanel::applyArgument(const QString& name,
                                    const std::optional<keras::Argument>& value) {
    ParameterEditor* source = editor(name);
    const keras::KerasObject* shown = m_document.findLayer(m_layerId);
    if (!shown || !source)
        return;
    const keras::KerasObject current = *shown;
    const keras::CatalogEntry* entry = m_catalog.entryFor(current);
    // An argument given by position is edited (or reset) by name, as the panel shows it.
    keras::KerasObject candidate(entry ? keras::Catalog::withNamedArguments(*entry, current)
                                       : current);
    if (value)
        candidate.set(name, *value);
    else
        candidate.unset(name);
    if (entry && value) {
        try {
            keras::Catalog::check(*entry, candidate);
        } catch (const keras::CatalogError& e) {
            // Only this argument's problems refuse it; a missing required one is shown on
            // the layer by the worker.
            if (e.parameter() == name) {
                source->showError(QString::fromUtf8(e.what()));
                return;
            }
        }
    }
    source->showError({});
    m_document.setLayerObject(m_layerId, candidate,
                              value ? tr("Set %1.%2").arg(current.className(), name)
                                    : tr("Reset %1.%2").arg(current.className(), name));
}

} // namespace qk::app
