// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/keras/kerasobject.h"

#include <QAbstractItemModel>

#include <vector>

namespace qk::keras {
struct CatalogEntry;
}

namespace qk::app {

class CatalogSource;

// The catalog's layers as a tree: categories (core, convolution, pooling, ...), each with
// its layer classes in catalog order, the one-line doc as tooltip, and last Keras'
// applications (ResNet50, MobileNetV2...) to use as blocks. Aliases are left out. Entries
// drag as LayerModel::catalogMimeType(), named as paletteObject() reads them.
class PaletteModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Role {
        // A layer's class name, an application's qualified name; empty for a category row.
        EntryNameRole = Qt::UserRole + 1,
        DocRole
    };

    explicit PaletteModel(CatalogSource& catalog, QObject* parent = nullptr);

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QStringList mimeTypes() const override;
    QMimeData* mimeData(const QModelIndexList& indexes) const override;
    Qt::DropActions supportedDragActions() const override;

    // The index of a layer class or an application (by its name or qualified name), or an
    // invalid index.
    QModelIndex indexOfEntry(const QString& name) const;

private:
    void rebuild();

    struct Category {
        QString name;
        std::vector<const keras::CatalogEntry*> entries;
    };
    CatalogSource& m_catalog;
    std::vector<Category> m_categories;
};

// The object a palette entry adds: a keras.layers class by its name, or another module's
// by its qualified name (keras.applications.ResNet50). An application comes without
// pretrained weights (weights=None): nothing is downloaded unless the user asks for it.
keras::KerasObject paletteObject(const QString& name);

} // namespace qk::app
