// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/layermodel.h"

#include "app/datafitcheck.h"
#include "app/document.h"
#include "app/shapechecker.h"

#include <QDataStream>
#include <QIODevice>
#include <QMimeData>

namespace qk::app {

QString LayerModel::layerMimeType() {
    return QStringLiteral("application/x-qtkeras-layer-ids");
}

QString LayerModel::catalogMimeType() {
    return QStringLiteral("application/x-qtkeras-catalog-entry");
}

LayerModel::LayerModel(Document& document, ShapeChecker& checker, QObject* parent)
    : QAbstractListModel(parent)
    , m_document(document)
    , m_checker(checker) {
    connect(&document, &Document::aboutToChange, this, &LayerModel::onAboutToChange);
    connect(&document, &Document::changed, this, &LayerModel::onChanged);
    connect(&checker, &ShapeChecker::updated, this, [this] {
        if (rowCount() > 0)
            Q_EMIT dataChanged(index(0), index(rowCount() - 1));
    });
}

int LayerModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : m_document.layerCount();
}

namespace {
QString argumentsText(const keras::Layer& layer) {
    QStringList parts;
    for (const py::Expr& e : layer.positionalExprs())
        parts << e.source();
    for (const auto& [name, value] : layer.keywordExprs())
        parts << name + u'=' + value.source();
    return parts.join(QStringLiteral(", "));
}
} // namespace

QVariant LayerModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const LayerItem& item = m_document.layerAt(index.row());
    const ShapeChecker::LayerResult* result = m_checker.result(item.id);
    switch (role) {
    case Qt::DisplayRole:
    case ClassNameRole:
        return item.layer.className();
    case Qt::ToolTipRole: {
        if (m_checker.failure().layerId == item.id)
            return m_checker.failure().message;
        const QString call =
            QStringLiteral("%1(%2)").arg(item.layer.className(), argumentsText(item.layer));
        const QString warning = m_fit ? m_fit->warning(item.id) : QString();
        return warning.isEmpty() ? call : call + QLatin1Char('\n') + warning;
    }
    case WarningRole:
        return m_fit && !m_fit->warning(item.id).isEmpty() ? QVariant(m_fit->warning(item.id))
                                                           : QVariant();
    case LayerIdRole:
        return item.id;
    case ArgumentsRole:
        return argumentsText(item.layer);
    case OutputShapeRole:
        return result ? QVariant(result->outputShape) : QVariant();
    case ParamsRole:
        return result ? QVariant(result->params) : QVariant();
    case ErrorRole:
        return m_checker.failure().layerId == item.id ? QVariant(m_checker.failure().message)
                                                      : QVariant();
    case PendingRole:
        return !m_checker.isUpToDate();
    default:
        return {};
    }
}

void LayerModel::setDataFit(const DataFitCheck* check) {
    if (m_fit)
        disconnect(m_fit, nullptr, this, nullptr);
    m_fit = check;
    const auto refresh = [this] {
        if (rowCount() > 0)
            Q_EMIT dataChanged(index(0), index(rowCount() - 1),
                               {WarningRole, Qt::ToolTipRole, Qt::SizeHintRole});
    };
    if (m_fit)
        connect(m_fit, &DataFitCheck::changed, this, refresh);
    refresh();
}

Qt::ItemFlags LayerModel::flags(const QModelIndex& index) const {
    if (!index.isValid())
        return Qt::ItemIsDropEnabled;
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsDragEnabled |
           Qt::ItemNeverHasChildren;
}

QHash<int, QByteArray> LayerModel::roleNames() const {
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names.insert(LayerIdRole, "layerId");
    names.insert(ClassNameRole, "className");
    names.insert(ArgumentsRole, "arguments");
    names.insert(OutputShapeRole, "outputShape");
    names.insert(ParamsRole, "params");
    names.insert(ErrorRole, "error");
    names.insert(WarningRole, "warning");
    names.insert(PendingRole, "pending");
    return names;
}

QStringList LayerModel::mimeTypes() const {
    return {layerMimeType(), catalogMimeType()};
}

QMimeData* LayerModel::mimeData(const QModelIndexList& indexes) const {
    QByteArray bytes;
    QDataStream stream(&bytes, QIODevice::WriteOnly);
    for (const QModelIndex& index : indexes)
        stream << layerId(index);
    auto* mime = new QMimeData;
    mime->setData(layerMimeType(), bytes);
    return mime;
}

Qt::DropActions LayerModel::supportedDropActions() const {
    return Qt::MoveAction | Qt::CopyAction;
}

Qt::DropActions LayerModel::supportedDragActions() const {
    return Qt::MoveAction;
}

bool LayerModel::canDropMimeData(const QMimeData* data, Qt::DropAction, int, int,
                                 const QModelIndex&) const {
    return data && (data->hasFormat(layerMimeType()) || data->hasFormat(catalogMimeType()));
}

bool LayerModel::dropMimeData(const QMimeData* data, Qt::DropAction action, int row, int column,
                              const QModelIndex& parent) {
    if (!canDropMimeData(data, action, row, column, parent))
        return false;
    if (row < 0)
        row = parent.isValid() ? parent.row() : rowCount();
    if (data->hasFormat(catalogMimeType())) {
        Q_EMIT catalogEntryDropped(QString::fromUtf8(data->data(catalogMimeType())), row);
        return true;
    }
    QDataStream stream(data->data(layerMimeType()));
    int id = 0;
    stream >> id;
    const int from = m_document.indexOf(id);
    if (from < 0)
        return false;
    // Dropped above row `row`: the layer ends up just before what is there now.
    m_document.moveLayer(id, row > from ? row - 1 : row);
    // The move is done; the view must not remove the dragged row as well.
    return false;
}

int LayerModel::layerId(const QModelIndex& index) const {
    return index.isValid() ? m_document.layerAt(index.row()).id : 0;
}

QModelIndex LayerModel::indexOfLayer(int layerId) const {
    const int row = m_document.indexOf(layerId);
    return row < 0 ? QModelIndex() : index(row);
}

void LayerModel::onAboutToChange(const DocumentChange& change) {
    using Kind = DocumentChange::Kind;
    switch (change.kind) {
    case Kind::LayerInserted:
        beginInsertRows({}, change.index, change.index);
        break;
    case Kind::LayerRemoved:
        beginRemoveRows({}, change.index, change.index);
        break;
    case Kind::LayerMoved:
        beginMoveRows({}, change.index, change.index, {},
                      change.to > change.index ? change.to + 1 : change.to);
        break;
    default:
        break;
    }
}

void LayerModel::onChanged(const DocumentChange& change) {
    using Kind = DocumentChange::Kind;
    switch (change.kind) {
    case Kind::LayerInserted:
        endInsertRows();
        break;
    case Kind::LayerRemoved:
        endRemoveRows();
        break;
    case Kind::LayerMoved:
        endMoveRows();
        break;
    case Kind::LayerChanged:
        Q_EMIT dataChanged(index(change.index), index(change.index));
        break;
    default:
        return;
    }
    // Shapes are being recomputed: every row shows it is pending.
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0), index(rowCount() - 1), {PendingRole});
}

} // namespace qk::app
