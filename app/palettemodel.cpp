// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/palettemodel.h"

#include "app/catalogsource.h"
#include "app/layermodel.h"

#include <QMimeData>

#include <algorithm>

namespace qk::app {

namespace {
// Internal ids: 0 for a category row, category index + 1 for an entry row.
constexpr quintptr categoryId = 0;

QString categoryTitle(const QString& category) {
    QString title = category;
    if (!title.isEmpty())
        title[0] = title[0].toUpper();
    return title;
}
} // namespace

PaletteModel::PaletteModel(CatalogSource& catalog, QObject* parent)
    : QAbstractItemModel(parent)
    , m_catalog(catalog) {
    connect(&catalog, &CatalogSource::loaded, this, &PaletteModel::rebuild);
    rebuild();
}

void PaletteModel::rebuild() {
    beginResetModel();
    m_categories.clear();
    for (const keras::CatalogEntry* entry : m_catalog.catalog().entries(QStringLiteral("layers"))) {
        if (entry->isAlias() || !entry->isClass)
            continue;
        auto it = std::find_if(m_categories.begin(), m_categories.end(),
                               [&](const Category& c) { return c.name == entry->category; });
        if (it == m_categories.end())
            it = m_categories.insert(m_categories.end(), Category{entry->category, {}});
        it->entries.push_back(entry);
    }
    // Core layers first: they are what most networks are made of.
    std::stable_sort(
        m_categories.begin(), m_categories.end(), [](const Category& a, const Category& b) {
            return (a.name == QLatin1String("core")) > (b.name == QLatin1String("core"));
        });
    // The applications' builders (functions), after the layers; their preprocessing and
    // decoding helpers are no models.
    Category applications{QStringLiteral("applications"), {}};
    for (const keras::CatalogEntry* entry :
         m_catalog.catalog().entries(QStringLiteral("applications"))) {
        if (!entry->isAlias() && !entry->isClass && entry->name.front().isUpper())
            applications.entries.push_back(entry);
    }
    if (!applications.entries.empty())
        m_categories.push_back(std::move(applications));
    endResetModel();
}

QModelIndex PaletteModel::index(int row, int column, const QModelIndex& parent) const {
    if (!hasIndex(row, column, parent))
        return {};
    if (!parent.isValid())
        return createIndex(row, column, categoryId);
    return createIndex(row, column, static_cast<quintptr>(parent.row()) + 1);
}

QModelIndex PaletteModel::parent(const QModelIndex& child) const {
    if (!child.isValid() || child.internalId() == categoryId)
        return {};
    return createIndex(static_cast<int>(child.internalId() - 1), 0, categoryId);
}

int PaletteModel::rowCount(const QModelIndex& parent) const {
    if (!parent.isValid())
        return static_cast<int>(m_categories.size());
    if (parent.column() != 0 || parent.internalId() != categoryId)
        return 0;
    return static_cast<int>(m_categories[static_cast<size_t>(parent.row())].entries.size());
}

int PaletteModel::columnCount(const QModelIndex&) const {
    return 1;
}

QVariant PaletteModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    if (index.internalId() == categoryId) {
        const Category& category = m_categories[static_cast<size_t>(index.row())];
        if (role == Qt::DisplayRole)
            return categoryTitle(category.name);
        if (role == Qt::ToolTipRole && category.name == QLatin1String("applications"))
            return tr("%n Keras application(s): a model to use as a block, without "
                      "pretrained weights",
                      nullptr, static_cast<int>(category.entries.size()));
        if (role == Qt::ToolTipRole)
            return tr("%n layer class(es)", nullptr, static_cast<int>(category.entries.size()));
        if (role == EntryNameRole)
            return QString();
        return {};
    }
    const keras::CatalogEntry* entry = m_categories[static_cast<size_t>(index.internalId() - 1)]
                                           .entries[static_cast<size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        return entry->name;
    case EntryNameRole:
        return entry->group == QLatin1String("layers") ? entry->name : entry->qualifiedName();
    case Qt::ToolTipRole:
        return QStringLiteral("<b>%1</b><br>%2").arg(entry->name, entry->doc.toHtmlEscaped());
    case DocRole:
        return entry->doc;
    default:
        return {};
    }
}

Qt::ItemFlags PaletteModel::flags(const QModelIndex& index) const {
    if (!index.isValid())
        return Qt::NoItemFlags;
    if (index.internalId() == categoryId)
        return Qt::ItemIsEnabled;
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsDragEnabled |
           Qt::ItemNeverHasChildren;
}

QStringList PaletteModel::mimeTypes() const {
    return {LayerModel::catalogMimeType()};
}

QMimeData* PaletteModel::mimeData(const QModelIndexList& indexes) const {
    for (const QModelIndex& index : indexes) {
        const QString name = index.data(EntryNameRole).toString();
        if (name.isEmpty())
            continue;
        auto* mime = new QMimeData;
        mime->setData(LayerModel::catalogMimeType(), name.toUtf8());
        mime->setText(name);
        return mime;
    }
    return nullptr;
}

Qt::DropActions PaletteModel::supportedDragActions() const {
    return Qt::CopyAction;
}

QModelIndex PaletteModel::indexOfEntry(const QString& name) const {
    for (size_t c = 0; c < m_categories.size(); ++c) {
        const auto& entries = m_categories[c].entries;
        for (size_t r = 0; r < entries.size(); ++r) {
            if (entries[r]->name == name || entries[r]->qualifiedName() == name)
                return createIndex(static_cast<int>(r), 0, static_cast<quintptr>(c) + 1);
        }
    }
    return {};
}

keras::KerasObject paletteObject(const QString& name) {
    const qsizetype dot = name.lastIndexOf(u'.');
    if (dot <= 0)
        return keras::KerasObject(QStringLiteral("keras.layers"), name);
    keras::KerasObject object(name.left(dot), name.mid(dot + 1));
    if (object.module() == QLatin1String("keras.applications"))
        object.set(QStringLiteral("weights"), nullptr);
    return object;
}

} // namespace qk::app
