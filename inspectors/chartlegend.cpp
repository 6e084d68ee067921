// SPDX-License-Identifier: GPL-3.0-or-later
#include "inspectors/chartlegend.h"

#include <QCursor>
#include <QFontMetricsF>
#include <QGraphicsSceneMouseEvent>
#include <QGraphicsSimpleTextItem>
#include <QPainter>

#include <algorithm>
#include <cmath>
#include <limits>

namespace qk::inspectors {

namespace {
constexpr qreal sampleLength = 22;
constexpr qreal sampleGap = 4;  // between two samples, and between samples and label
constexpr qreal entryGap = 14;  // between entries in a row
constexpr qreal rowPadding = 3; // above and below a row's text
} // namespace

ChartLegend::ChartLegend(QGraphicsItem* parent)
    : QGraphicsObject(parent) {
    setAcceptedMouseButtons(Qt::LeftButton);
    setAcceptHoverEvents(true);
    setZValue(10);
}

ChartLegend::~ChartLegend() = default;

bool ChartLegend::setEntries(const QList<Entry>& entries) {
    if (entries == m_entries)
        return false;
    m_entries = entries;
    return true;
}

void ChartLegend::setFont(const QFont& font) {
    m_font = font;
}

bool ChartLegend::setTextColour(const QColor& colour) {
    if (colour == m_textColour)
        return false;
    m_textColour = colour;
    return true;
}

qreal ChartLegend::sampleWidth(const Entry& entry) const {
    return entry.secondPen.style() == Qt::NoPen ? sampleLength : 2 * sampleLength + sampleGap;
}

qreal ChartLegend::layout(qreal width, qreal maxHeight) {
    prepareGeometryChange();
    for (const Placed& placed : std::as_const(m_placed))
        delete placed.text;
    m_placed.clear();
    delete m_more;
    m_more = nullptr;
    m_width = width;
    const QFontMetricsF metrics(m_font);
    const qreal rowHeight = metrics.height() + 2 * rowPadding;
    const int maxRows = std::max(1, static_cast<int>(std::floor(maxHeight / rowHeight)));
    if (m_entries.isEmpty() || width <= 0) {
        m_height = 0;
        update();
        return 0;
    }

    // Entries flow into rows; each row is centred afterwards.
    struct Slot {
        int entry;
        qreal width;
        QString text;
        int row;
        qreal x;
    };
    QList<Slot> slots;
    int row = 0;
    qreal x = 0;
    for (int i = 0; i < m_entries.size(); ++i) {
        const Entry& entry = m_entries.at(i);
        const qreal sample = sampleWidth(entry) + sampleGap;
        const qreal room = std::max(width - sample, metrics.horizontalAdvance(u'…') * 3);
        const QString text = metrics.elidedText(entry.label, Qt::ElideRight, room);
        const qreal w = sample + metrics.horizontalAdvance(text);
        if (x > 0 && x + w > width) {
            ++row;
            x = 0;
        }
        slots.append({i, w, text, row, x});
        x += w + entryGap;
    }
    // Too many rows: the last row shown ends with how many entries are left out.
    int shown = static_cast<int>(slots.size());
    QString moreText;
    if (row + 1 > maxRows) {
        const int lastRow = maxRows - 1;
        shown = 0;
        while (shown < slots.size() && slots.at(shown).row <= lastRow)
            ++shown;
        const auto textFor = [&](int kept) { return tr("… %1 more").arg(m_entries.size() - kept); };
        // Drop entries from the end of the last row until the note fits after them.
        while (shown > 0 && slots.at(shown - 1).row == lastRow &&
               slots.at(shown - 1).x + slots.at(shown - 1).width + entryGap +
                       metrics.horizontalAdvance(textFor(shown)) >
                   width)
            --shown;
        moreText = textFor(shown);
        row = lastRow;
    }
    const int rows = row + 1;
    QList<qreal> rowWidths(rows, 0.0);
    for (int i = 0; i < shown; ++i) {
        const Slot& slot = slots.at(i);
        rowWidths[slot.row] = slot.x + slot.width;
    }
    qreal moreX = 0;
    if (!moreText.isEmpty()) {
        moreX = rowWidths[rows - 1] > 0 ? rowWidths[rows - 1] + entryGap : 0;
        rowWidths[rows - 1] = moreX + metrics.horizontalAdvance(moreText);
    }

    for (int i = 0; i < shown; ++i) {
        const Slot& slot = slots.at(i);
        const Entry& entry = m_entries.at(slot.entry);
        const qreal left = (width - rowWidths[slot.row]) / 2 + slot.x;
        const qreal top = slot.row * rowHeight;
        Placed placed;
        placed.rect = QRectF(left, top, slot.width, rowHeight);
        placed.sample = QRectF(left, top, sampleWidth(entry), rowHeight);
        placed.text = new QGraphicsSimpleTextItem(slot.text, this);
        placed.text->setFont(m_font);
        QColor colour = m_textColour;
        if (entry.dimmed)
            colour.setAlpha(90);
        placed.text->setBrush(colour);
        placed.text->setPos(left + sampleWidth(entry) + sampleGap, top + rowPadding);
        placed.text->setToolTip(!entry.toolTip.isEmpty() ? entry.toolTip : entry.label);
        placed.text->setAcceptedMouseButtons(Qt::NoButton);
        m_placed.append(placed);
    }
    if (!moreText.isEmpty()) {
        m_more = new QGraphicsSimpleTextItem(moreText, this);
        m_more->setFont(m_font);
        QColor colour = m_textColour;
        colour.setAlpha(160);
        m_more->setBrush(colour);
        m_more->setPos((width - rowWidths[rows - 1]) / 2 + moreX,
                       (rows - 1) * rowHeight + rowPadding);
        QStringList left;
        for (int i = shown; i < m_entries.size(); ++i)
            left << m_entries.at(i).label;
        m_more->setToolTip(left.join(u'\n'));
    }
    m_height = rows * rowHeight;
    update();
    return m_height;
}

QStringList ChartLegend::shownLabels() const {
    QStringList labels;
    for (const Placed& placed : m_placed)
        labels << placed.text->text();
    return labels;
}

QRectF ChartLegend::boundingRect() const {
    return QRectF(0, 0, m_width, m_height);
}

void ChartLegend::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) {
    painter->setRenderHint(QPainter::Antialiasing);
    for (int i = 0; i < m_placed.size(); ++i) {
        const Entry& entry = m_entries.at(i);
        const QRectF sample = m_placed.at(i).sample;
        const auto draw = [&](QPen pen, qreal left) {
            if (entry.dimmed) {
                QColor faded = pen.color();
                faded.setAlpha(60);
                pen.setColor(faded);
            }
            pen.setCosmetic(true);
            painter->setPen(pen);
            const qreal y = sample.center().y();
            painter->drawLine(QPointF(left + 1, y), QPointF(left + sampleLength - 1, y));
        };
        draw(entry.pen, sample.left());
        if (entry.secondPen.style() != Qt::NoPen)
            draw(entry.secondPen, sample.left() + sampleLength + sampleGap);
    }
}

int ChartLegend::entryAt(const QPointF& pos) const {
    for (int i = 0; i < m_placed.size(); ++i) {
        if (m_placed.at(i).rect.contains(pos))
            return i;
    }
    return -1;
}

void ChartLegend::mousePressEvent(QGraphicsSceneMouseEvent* event) {
    const int entry = entryAt(event->pos());
    if (entry < 0 || !m_entries.at(entry).clickable) {
        event->ignore();
        return;
    }
    event->accept();
    Q_EMIT clicked(entry);
}

void ChartLegend::hoverMoveEvent(QGraphicsSceneHoverEvent* event) {
    const int entry = entryAt(event->pos());
    if (entry >= 0 && m_entries.at(entry).clickable)
        setCursor(Qt::PointingHandCursor);
    else
        unsetCursor();
    QGraphicsObject::hoverMoveEvent(event);
}

} // namespace qk::inspectors
