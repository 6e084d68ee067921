// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QAbstractListModel>

namespace qk::app {

class DataFitCheck;
class Document;
class ShapeChecker;
struct DocumentChange;

// The network's layers as a list, one row per layer of the document, with the worker's
// output shape and parameter count beside each. Rows move by drag and drop; a catalog
// entry dropped from the palette inserts a layer.
class LayerModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role {
        LayerIdRole = Qt::UserRole + 1,
        ClassNameRole,   // "Dense"
        ArgumentsRole,   // "units=16, activation='relu'"
        OutputShapeRole, // "(None, 16)"; invalid until the worker reports it
        ParamsRole,      // qint64; invalid until the worker reports it
        ErrorRole,       // the message when this layer stops the network
        WarningRole,     // what does not fit the data at this layer (DataFitCheck)
        PendingRole      // bool: an answer for the latest edit is on its way
    };

    // MIME types: rows of this model (moves) and catalog entries (inserts: group/name).
    static QString layerMimeType();
    static QString catalogMimeType();

    LayerModel(Document& document, ShapeChecker& checker, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QHash<int, QByteArray> roleNames() const override;

    QStringList mimeTypes() const override;
    QMimeData* mimeData(const QModelIndexList& indexes) const override;
    Qt::DropActions supportedDropActions() const override;
    Qt::DropActions supportedDragActions() const override;
    bool canDropMimeData(const QMimeData* data, Qt::DropAction action, int row, int column,
                         const QModelIndex& parent) const override;
    bool dropMimeData(const QMimeData* data, Qt::DropAction action, int row, int column,
                      const QModelIndex& parent) override;

    int layerId(const QModelIndex& index) const;
    // Shows the check's warnings on the layers they concern.
    void setDataFit(const DataFitCheck* check);
    QModelIndex indexOfLayer(int layerId) const;

Q_SIGNALS:
    // A catalog entry was dropped at `row`: the receiver makes the layer.
    void catalogEntryDropped(const QString& name, int row);

private:
    void onAboutToChange(const DocumentChange& change);
    void onChanged(const DocumentChange& change);

    Document& m_document;
    ShapeChecker& m_checker;
    const DataFitCheck* m_fit = nullptr;
};

} // namespace qk::app
