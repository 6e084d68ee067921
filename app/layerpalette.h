// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QWidget>

class QLineEdit;
class QSortFilterProxyModel;
class QTreeView;
class QLabel;

namespace qk::app {

class CatalogSource;
class PaletteModel;

// The layer palette: every layer class of the worker's catalog, grouped by category, with
// a filter field. Double-click (or Enter) asks for the layer; entries drag into the builder.
class LayerPalette : public QWidget {
    Q_OBJECT
public:
    explicit LayerPalette(CatalogSource& catalog, QWidget* parent = nullptr);

    PaletteModel* model() const { return m_model; }
    QSortFilterProxyModel* filterModel() const { return m_filter; }
    QLineEdit* filterEdit() const { return m_filterEdit; }
    QTreeView* view() const { return m_view; }
    // The view's index of a layer class (expanding its category), or an invalid index.
    QModelIndex indexOf(const QString& name) const;

Q_SIGNALS:
    void layerRequested(const QString& name);

private:
    void setFilter(const QString& text);
    void activate(const QModelIndex& index);

    PaletteModel* m_model;
    QSortFilterProxyModel* m_filter;
    QLineEdit* m_filterEdit;
    QTreeView* m_view;
    QLabel* m_status;
};

} // namespace qk::app
