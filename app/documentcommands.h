// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/document.h"

#include <QUndoCommand>

#include <functional>

namespace qk::app {

// Inserts a layer; undo removes it.
class InsertLayerCommand : public QUndoCommand {
public:
    InsertLayerCommand(Document& document, int index, LayerItem item,
                       QUndoCommand* parent = nullptr);
    void redo() override;
    void undo() override;

private:
    Document& m_document;
    int m_index;
    LayerItem m_item;
};

// Removes a layer; undo puts it back where it was.
class RemoveLayerCommand : public QUndoCommand {
public:
    RemoveLayerCommand(Document& document, int index, QUndoCommand* parent = nullptr);
    void redo() override;
    void undo() override;

private:
    Document& m_document;
    int m_index;
    LayerItem m_item;
};

// Moves a layer from one index to another.
class MoveLayerCommand : public QUndoCommand {
public:
    MoveLayerCommand(Document& document, int from, int to);
    void redo() override;
    void undo() override;

private:
    Document& m_document;
    int m_from;
    int m_to;
};

// Any property edit: a value read and written through two functions, the old value kept
// for undo. Layer arguments, compile and training settings and the data source all use it.
template <typename T>
class ChangeValueCommand : public QUndoCommand {
public:
    using Setter = std::function<void(const T&)>;
    ChangeValueCommand(const QString& text, T oldValue, T newValue, Setter setter)
        : QUndoCommand(text)
        , m_old(std::move(oldValue))
        , m_new(std::move(newValue))
        , m_set(std::move(setter)) {}
    void redo() override { m_set(m_new); }
    void undo() override { m_set(m_old); }

private:
    T m_old;
    T m_new;
    Setter m_set;
};

} // namespace qk::app
