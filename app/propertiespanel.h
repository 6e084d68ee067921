// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/keras/kerasobject.h"
#include "bridge/protocol/value.h"

#include <QWidget>

class QLabel;
class QScrollArea;

namespace qk::app {

class CatalogSource;
class Document;
class ParameterEditor;
struct DocumentChange;

// The arguments of the selected layer, with editors generated from its catalog entry. A
// value is checked against the catalog before it is applied; one the catalog refuses stays
// in the field, marked, and is not applied. Every applied change is one undoable command.
class PropertiesPanel : public QWidget {
    Q_OBJECT
public:
    PropertiesPanel(Document& document, CatalogSource& catalog, QWidget* parent = nullptr);

    int layerId() const { return m_layerId; }
    void setLayer(int layerId);
    // The editor of an argument of the shown layer, or nullptr.
    ParameterEditor* editor(const QString& name) const;

private:
    void rebuild();
    void onChanged(const DocumentChange& change);
    void commit(const QString& name, const qk::Value& value);
    // Sets (or with nullopt resets) an argument as one undoable edit, unless the catalog
    // refuses the value; positional arguments are named first.
    void applyArgument(const QString& name, const std::optional<keras::Argument>& value);

    Document& m_document;
    CatalogSource& m_catalog;
    int m_layerId = 0;
    QLabel* m_title;
    QLabel* m_doc;
    QScrollArea* m_scroll;
};

} // namespace qk::app
