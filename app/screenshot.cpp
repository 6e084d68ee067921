// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/screenshot.h"

#include <QApplication>
#include <QDialog>
#include <QPainter>
#include <QWidget>

namespace qk::app {

QImage grabWithDialogs(QWidget* window) {
    QImage image = window->grab().toImage();
    QPainter painter(&image);
    const qreal ratio = image.devicePixelRatio();
    for (QWidget* top : QApplication::topLevelWidgets()) {
        auto* dialog = qobject_cast<QDialog*>(top);
        if (!dialog || !dialog->isVisible() || dialog->parentWidget() != window)
            continue;
        const QImage shot = dialog->grab().toImage();
        const QSize size = shot.size() / ratio;
        const QPoint at((window->width() - size.width()) / 2,
                        (window->height() - size.height()) / 2);
        painter.fillRect(QRect(at + QPoint(4, 4), size), QColor(0, 0, 0, 60));
        painter.drawImage(QRect(at, size), shot);
        painter.setPen(QColor(0x60, 0x60, 0x60));
        painter.drawRect(QRect(at, size).adjusted(0, 0, -1, -1));
    }
    return image;
}

} // namespace qk::app
