// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStyledItemDelegate>

namespace qk::app {

// Paints a layer of the builder as a card in a vertical network diagram: the class and its
// arguments on the left, the output shape and parameter count on the right, a connector to
// the next layer, and the worker's error in red on the layer that stops the network.
class LayerCardDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;
};

} // namespace qk::app
