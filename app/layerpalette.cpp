// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/layerpalette.h"

#include "app/catalogsource.h"
#include "app/palettemodel.h"

#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTreeView>
#include <QVBoxLayout>

namespace qk::app {

namespace {
// Keeps entries whose name or one-line doc contains the text, with their categories.
class PaletteFilter : public QSortFilterProxyModel {
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

    void setText(const QString& text) {
        m_text = text.trimmed();
        invalidateFilter();
    }

protected:
    bool filterAcceptsRow(int row, const QModelIndex& parent) const override {
        const QString& text = m_text;
        if (text.isEmpty())
            return true;
        const QModelIndex index = sourceModel()->index(row, 0, parent);
        const QString name = index.data(PaletteModel::EntryNameRole).toString();
        if (name.isEmpty())
            return false; // a category: shown when one of its entries is
        return name.contains(text, Qt::CaseInsensitive) ||
               index.data(PaletteModel::DocRole).toString().contains(text, Qt::CaseInsensitive);
    }

private:
    QString m_text;
};
} // namespace

LayerPalette::LayerPalette(CatalogSource& catalog, QWidget* parent)
    : QWidget(parent)
    , m_model(new PaletteModel(catalog, this))
    , m_filter(new PaletteFilter(this))
    , m_filterEdit(new QLineEdit(this))
    , m_view(new QTreeView(this))
    , m_status(new QLabel(this)) {
    m_filter->setSourceModel(m_model);
    m_filter->setRecursiveFilteringEnabled(true);
    m_filterEdit->setPlaceholderText(tr("Search layers…"));
    m_filterEdit->setClearButtonEnabled(true);
    m_view->setModel(m_filter);
    m_view->setHeaderHidden(true);
    m_view->setUniformRowHeights(true);
    m_view->setDragEnabled(true);
    m_view->setDragDropMode(QAbstractItemView::DragOnly);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setAnimated(true);
    m_status->setWordWrap(true);
    m_status->setText(tr("Loading the Keras catalog…"));
    m_status->setEnabled(false);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_filterEdit);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_status);

    connect(m_filterEdit, &QLineEdit::textChanged, this, &LayerPalette::setFilter);
    // Double-click or Enter on an entry.
    connect(m_view, &QTreeView::activated, this, &LayerPalette::activate);
    connect(m_model, &QAbstractItemModel::modelReset, this, [this, &catalog] {
        m_status->setVisible(!catalog.isLoaded());
        m_view->expandAll();
    });
    connect(&catalog, &CatalogSource::failed, this, [this](const QString& message) {
        m_status->setText(tr("The catalog could not be loaded: %1").arg(message));
        m_status->show();
    });
    m_status->setVisible(!catalog.isLoaded());
    m_view->expandAll();
}

QModelIndex LayerPalette::indexOf(const QString& name) const {
    const QModelIndex index = m_filter->mapFromSource(m_model->indexOfEntry(name));
    if (index.isValid())
        m_view->expand(index.parent());
    return index;
}

void LayerPalette::setFilter(const QString& text) {
    static_cast<PaletteFilter*>(m_filter)->setText(text);
    m_view->expandAll();
}

void LayerPalette::activate(const QModelIndex& index) {
    const QString name = index.data(PaletteModel::EntryNameRole).toString();
    if (!name.isEmpty())
        Q_EMIT layerRequested(name);
}

} // namespace qk::app
