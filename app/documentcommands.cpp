// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/documentcommands.h"

#include <QCoreApplication>

namespace qk::app {

InsertLayerCommand::InsertLayerCommand(Document& document, int index, LayerItem item,
                                       QUndoCommand* parent)
    : QUndoCommand(QCoreApplication::translate("Document", "Add %1").arg(item.layer.className()),
                   parent)
    , m_document(document)
    , m_index(index)
    , m_item(std::move(item)) {}

void InsertLayerCommand::redo() {
    m_document.insertLayerItem(m_index, m_item);
}

void InsertLayerCommand::undo() {
    m_document.takeLayerItem(m_index);
}

RemoveLayerCommand::RemoveLayerCommand(Document& document, int index, QUndoCommand* parent)
    : QUndoCommand(parent)
    , m_document(document)
    , m_index(index)
    , m_item(document.layerAt(index)) {
    setText(QCoreApplication::translate("Document", "Remove %1").arg(m_item.layer.className()));
}

void RemoveLayerCommand::redo() {
    m_item = m_document.takeLayerItem(m_index);
}

void RemoveLayerCommand::undo() {
    m_document.insertLayerItem(m_index, m_item);
}

MoveLayerCommand::MoveLayerCommand(Document& document, int from, int to)
    : QUndoCommand(QCoreApplication::translate("Document", "Move %1")
                       .arg(document.layerAt(from).layer.className()))
    , m_document(document)
    , m_from(from)
    , m_to(to) {}

void MoveLayerCommand::redo() {
    m_document.moveLayerItem(m_from, m_to);
}

void MoveLayerCommand::undo() {
    m_document.moveLayerItem(m_to, m_from);
}

} // namespace qk::app
