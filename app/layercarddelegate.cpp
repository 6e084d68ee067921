// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/layercarddelegate.h"

#include "inspectors/theme.h"

#include "app/layermodel.h"

#include <QApplication>
#include <QFontDatabase>
#include <QPainter>
#include <QPainterPath>

namespace qk::app {

namespace {
constexpr int cardHeight = 58;
constexpr int connector = 18; // space between cards, where the arrow goes
constexpr int margin = 14;
constexpr int maxCardWidth = 640;

QColor accentFor(const QString& className) {
    // A stable colour per kind of layer, so that a network reads at a glance.
    if (className.contains(QLatin1String("Input")))
        return QColor(0x4c, 0x8b, 0xf5);
    if (className.contains(QLatin1String("Conv")))
        return QColor(0x8e, 0x6b, 0xd8);
    if (className.contains(QLatin1String("Pool")))
        return QColor(0x2e, 0xa8, 0xa0);
    if (className == QLatin1String("Activation") || className.contains(QLatin1String("ReLU")) ||
        className == QLatin1String("Softmax"))
        return QColor(0xf0, 0x9a, 0x36);
    if (className.contains(QLatin1String("Dropout")) ||
        className.contains(QLatin1String("Normalization")))
        return QColor(0x9a, 0xa5, 0xb1);
    if (className.contains(QLatin1String("LSTM")) || className.contains(QLatin1String("GRU")) ||
        className.contains(QLatin1String("RNN")))
        return QColor(0xd8, 0x5b, 0x8a);
    return QColor(0x3b, 0xa5, 0x5c);
}

QRect cardRect(const QStyleOptionViewItem& option) {
    const int width = std::min(option.rect.width() - 2 * margin, maxCardWidth);
    const int left = option.rect.left() + (option.rect.width() - width) / 2;
    return QRect(left, option.rect.top() + connector, width, option.rect.height() - connector);
}

int errorHeight(const QStyleOptionViewItem& option, const QString& error, int width) {
    if (error.isEmpty())
        return 0;
    QFont font = option.font;
    font.setPointSizeF(font.pointSizeF() * 0.9);
    const QFontMetrics metrics(font);
    return metrics.boundingRect(QRect(0, 0, width - 28, 1000), Qt::TextWordWrap, error).height() +
           10;
}
} // namespace

QSize LayerCardDelegate::sizeHint(const QStyleOptionViewItem& option,
                                  const QModelIndex& index) const {
    const int width = std::min(option.rect.width() - 2 * margin, maxCardWidth);
    QString note = index.data(LayerModel::ErrorRole).toString();
    if (note.isEmpty())
        note = index.data(LayerModel::WarningRole).toString();
    return QSize(width, connector + cardHeight + errorHeight(option, note, std::max(width, 200)));
}

void LayerCardDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                              const QModelIndex& index) const {
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const QPalette& palette = option.palette;
    const QRect card = cardRect(option);
    const bool selected = option.state & QStyle::State_Selected;
    const QString className = index.data(LayerModel::ClassNameRole).toString();
    const QString arguments = index.data(LayerModel::ArgumentsRole).toString();
    const QVariant shape = index.data(LayerModel::OutputShapeRole);
    const QVariant params = index.data(LayerModel::ParamsRole);
    // An error stops the network; a warning (the data does not fit) shows the same way, amber.
    QString error = index.data(LayerModel::ErrorRole).toString();
    const bool warning = error.isEmpty();
    if (warning)
        error = index.data(LayerModel::WarningRole).toString();
    const bool pending = index.data(LayerModel::PendingRole).toBool();
    const QColor accent = accentFor(className);
    const QColor errorColor = inspectors::toneColour(
        warning ? inspectors::Tone::Warning : inspectors::Tone::Error, palette);
    const QColor text = palette.color(QPalette::Text);
    QColor muted = text;
    muted.setAlphaF(0.6f);

    // The connector from the layer above.
    const QPoint top(card.center().x(), option.rect.top());
    if (index.row() > 0) {
        painter->setPen(QPen(palette.color(QPalette::Mid), 1.5));
        painter->drawLine(top, QPoint(top.x(), card.top() - 4));
        QPainterPath arrow;
        arrow.moveTo(top.x() - 4, card.top() - 8);
        arrow.lineTo(top.x() + 4, card.top() - 8);
        arrow.lineTo(top.x(), card.top() - 2);
        arrow.closeSubpath();
        painter->fillPath(arrow, palette.color(QPalette::Mid));
    }

    // The card.
    QPainterPath path;
    path.addRoundedRect(QRectF(card).adjusted(0.5, 0.5, -0.5, -0.5), 7, 7);
    QColor fill = palette.color(QPalette::Base);
    if (selected)
        fill = inspectors::tint(palette.color(QPalette::Highlight), palette, 0.3);
    painter->fillPath(path, fill);
    QPen border(error.isEmpty()
                    ? (selected ? palette.color(QPalette::Highlight) : palette.color(QPalette::Mid))
                    : errorColor,
                error.isEmpty() && !selected ? 1.0 : 2.0);
    painter->setPen(border);
    painter->drawPath(path);
    // Accent bar on the left.
    painter->save();
    painter->setClipPath(path);
    painter->fillRect(QRect(card.left(), card.top(), 6, card.height()),
                      error.isEmpty() ? accent : errorColor);
    painter->restore();

    const QRect body = card.adjusted(18, 8, -14, -8);
    QFont titleFont = option.font;
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.1);
    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    mono.setPointSizeF(option.font.pointSizeF() * 0.95);
    QFont small = option.font;
    small.setPointSizeF(option.font.pointSizeF() * 0.9);

    // Right: output shape and parameters.
    const int rightWidth = std::min(200, body.width() / 2);
    const QRect right(body.right() - rightWidth, body.top(), rightWidth, cardHeight - 16);
    painter->setFont(mono);
    painter->setPen(pending ? muted : text);
    const QString shapeText = shape.isValid() ? shape.toString() : QStringLiteral("—");
    painter->drawText(right.adjusted(0, 0, 0, -right.height() / 2),
                      Qt::AlignRight | Qt::AlignVCenter, shapeText);
    painter->setFont(small);
    painter->setPen(muted);
    const QString paramsText =
        params.isValid() ? tr("%L1 params").arg(params.toLongLong())
                         : (error.isEmpty() || warning ? tr("not checked") : tr("does not fit"));
    painter->drawText(right.adjusted(0, right.height() / 2, 0, 0),
                      Qt::AlignRight | Qt::AlignVCenter, paramsText);

    // Left: class and arguments.
    const QRect left(body.left(), body.top(), body.width() - rightWidth - 12, cardHeight - 16);
    painter->setFont(titleFont);
    painter->setPen(text);
    painter->drawText(left.adjusted(0, 0, 0, -left.height() / 2), Qt::AlignLeft | Qt::AlignVCenter,
                      className);
    painter->setFont(mono);
    painter->setPen(muted);
    const QString args = QFontMetrics(mono).elidedText(
        arguments.isEmpty() ? tr("(defaults)") : arguments, Qt::ElideRight, left.width());
    painter->drawText(left.adjusted(0, left.height() / 2, 0, 0), Qt::AlignLeft | Qt::AlignVCenter,
                      args);

    // The error, under a thin rule.
    if (!error.isEmpty()) {
        const QRect errorRect(card.left() + 18, card.top() + cardHeight - 2, card.width() - 32,
                              card.bottom() - (card.top() + cardHeight) - 4);
        painter->setPen(QPen(QColor(errorColor.red(), errorColor.green(), errorColor.blue(), 60)));
        painter->drawLine(errorRect.topLeft(), errorRect.topRight());
        painter->setFont(small);
        painter->setPen(errorColor);
        painter->drawText(errorRect.adjusted(0, 5, 0, 0), Qt::TextWordWrap | Qt::AlignLeft, error);
    }
    painter->restore();
}

} // namespace qk::app
