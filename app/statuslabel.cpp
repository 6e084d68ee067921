// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/statuslabel.h"

#include "inspectors/theme.h"

#include <QFontMetrics>
#include <QPalette>

namespace qk::app {

StatusLabel::StatusLabel(QWidget* parent)
    : QLabel(parent) {
    setTextFormat(Qt::PlainText);
    setMinimumWidth(50);
    setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
}

void StatusLabel::setStatus(const QString& text, bool error, const QString& detail) {
    m_status = text;
    m_detail = detail;
    if (error != m_error) {
        m_error = error;
        if (error) {
            QPalette red = palette();
            const QColor colour = inspectors::toneColour(inspectors::Tone::Error, red);
            for (const QPalette::ColorGroup group :
                 {QPalette::Active, QPalette::Inactive, QPalette::Disabled})
                red.setColor(group, QPalette::WindowText, colour);
            setPalette(red);
        } else {
            setPalette(QPalette()); // the parent's again, theme changes included
        }
    }
    fit();
}

void StatusLabel::resizeEvent(QResizeEvent* event) {
    QLabel::resizeEvent(event);
    fit();
}

void StatusLabel::fit() {
    const int room = contentsRect().width();
    const QString shown = fontMetrics().elidedText(m_status, Qt::ElideRight, room);
    if (shown != text())
        setText(shown);
    setToolTip(!m_detail.isEmpty() ? m_detail : (shown != m_status ? m_status : QString()));
}

} // namespace qk::app
