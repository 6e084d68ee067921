// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFont>
#include <QGraphicsObject>
#include <QList>
#include <QPen>
#include <QString>

class QGraphicsSimpleTextItem;

namespace qk::inspectors {

// A chart's legend that keeps every entry's name: entries flow into as many rows as the
// width needs (Qt Charts' own legend keeps one row and cuts the names, to "…" with three
// runs). A name too long for a row on its own is cut with its full text in the tool tip.
// Past `maxHeight`, the last row says how many entries it leaves out. It lives in the
// chart's scene, so grabs and exports draw it as the screen does.
class ChartLegend : public QGraphicsObject {
    Q_OBJECT
public:
    struct Entry {
        QString label;
        QPen pen;            // the line's pen, drawn as a short sample
        QPen secondPen;      // when set (style not NoPen), a second sample after the first
        bool dimmed = false; // the line is hidden: drawn faint
        bool clickable = true;
        QString toolTip;

        friend bool operator==(const Entry&, const Entry&) = default;
    };

    explicit ChartLegend(QGraphicsItem* parent = nullptr);
    ~ChartLegend() override;

    // Whether they changed; the caller lays them out again.
    bool setEntries(const QList<Entry>& entries);
    const QList<Entry>& entries() const { return m_entries; }
    void setFont(const QFont& font);
    // Whether it changed; the caller lays the entries out again.
    bool setTextColour(const QColor& colour);
    // Lays the entries out in `width` and at most `maxHeight`; returns the height used.
    qreal layout(qreal width, qreal maxHeight);
    qreal height() const { return m_height; }
    // The labels as drawn (cut ones end in "…"), in order; entries left out are not there.
    QStringList shownLabels() const;

    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

Q_SIGNALS:
    void clicked(int entry);

protected:
    void mousePressEvent(QGraphicsSceneMouseEvent* event) override;
    void hoverMoveEvent(QGraphicsSceneHoverEvent* event) override;

private:
    struct Placed {
        QRectF rect;   // the whole entry: samples and label
        QRectF sample; // where the sample line goes
        QGraphicsSimpleTextItem* text = nullptr;
    };
    qreal sampleWidth(const Entry& entry) const;
    int entryAt(const QPointF& pos) const;

    QList<Entry> m_entries;
    QList<Placed> m_placed; // one per entry shown
    QGraphicsSimpleTextItem* m_more = nullptr;
    QFont m_font;
    QColor m_textColour = Qt::black;
    qreal m_width = 0;
    qreal m_height = 0;
};

} // namespace qk::inspectors
