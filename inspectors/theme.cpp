// SPDX-License-Identifier: GPL-3.0-or-later
#include "inspectors/theme.h"

#include <QEvent>
#include <QStyle>
#include <QStyleFactory>
#include <QWidget>

#include <cmath>

namespace qk::inspectors {

namespace {

double channel(double c) {
    return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}

double luminance(const QColor& colour) {
    const QColor rgb = colour.toRgb();
    return 0.2126 * channel(rgb.redF()) + 0.7152 * channel(rgb.greenF()) +
           0.0722 * channel(rgb.blueF());
}

// Re-applies a tone to its widget's text colour whenever the application's palette changes.
// Q_OBJECT gives it a meta-object of its own, which findChild() looks for: without one, any
// child QObject would be taken for it.
class ToneKeeper : public QObject {
    Q_OBJECT

public:
    ToneKeeper(QWidget* widget, Tone tone)
        : QObject(widget)
        , m_tone(tone) {
        widget->installEventFilter(this);
        apply(widget);
    }

    void setTone(QWidget* widget, Tone tone) {
        m_tone = tone;
        apply(widget);
    }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override {
        if (event->type() == QEvent::ApplicationPaletteChange)
            apply(static_cast<QWidget*>(watched));
        return false;
    }

private:
    void apply(QWidget* widget) const {
        // Only the text roles are set: Base and Window go on following the application.
        QPalette palette = widget->palette();
        const QColor colour = toneColour(m_tone, palette);
        palette.setColor(QPalette::WindowText, colour);
        palette.setColor(QPalette::Text, colour);
        widget->setPalette(palette);
    }

    Tone m_tone;
};

} // namespace

bool isDark(const QPalette& palette) {
    return luminance(palette.color(QPalette::Base)) < luminance(palette.color(QPalette::Text));
}

double contrastRatio(const QColor& a, const QColor& b) {
    const double la = luminance(a);
    const double lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

QColor readable(const QColor& colour, const QColor& background, double contrast) {
    if (contrastRatio(colour, background) >= contrast)
        return colour;
    const QColor hsl = colour.toHsl();
    const bool lighter = luminance(background) < 0.18;
    // Lightness moves away from the background until the contrast holds (halving the step).
    float low = hsl.lightnessF();
    float high = lighter ? 1.0F : 0.0F;
    QColor best = QColor::fromHslF(hsl.hslHueF(), hsl.hslSaturationF(), high, hsl.alphaF());
    for (int i = 0; i < 20; ++i) {
        const float middle = (low + high) / 2;
        const QColor candidate =
            QColor::fromHslF(hsl.hslHueF(), hsl.hslSaturationF(), middle, hsl.alphaF());
        if (contrastRatio(candidate, background) >= contrast) {
            best = candidate;
            high = middle;
        } else {
            low = middle;
        }
    }
    return best.toRgb();
}

QColor readable(const QColor& colour, const QPalette& palette, double contrast) {
    // Text stands on Base in views and on Window in labels: it must read on both.
    return readable(readable(colour, palette.color(QPalette::Window), contrast),
                    palette.color(QPalette::Base), contrast);
}

QColor tint(const QColor& colour, const QPalette& palette, double alpha) {
    const QColor base = palette.color(QPalette::Base).toRgb();
    const QColor c = colour.toRgb();
    const auto mix = [alpha](double over, double under) {
        return over * alpha + under * (1 - alpha);
    };
    return QColor::fromRgbF(static_cast<float>(mix(c.redF(), base.redF())),
                            static_cast<float>(mix(c.greenF(), base.greenF())),
                            static_cast<float>(mix(c.blueF(), base.blueF())));
}

QColor toneColour(Tone tone, const QPalette& palette) {
    switch (tone) {
    case Tone::Error:
        return readable(QColor(0xc6, 0x28, 0x28), palette);
    case Tone::Warning:
        return readable(QColor(0xb2, 0x6a, 0x00), palette);
    case Tone::Success:
        return readable(QColor(0x2e, 0x7d, 0x32), palette);
    case Tone::Accent:
        return readable(palette.color(QPalette::Link), palette);
    case Tone::Muted:
        return readable(palette.color(QPalette::PlaceholderText), palette, 3.0);
    }
    return palette.color(QPalette::Text);
}

void setTextTone(QWidget* widget, Tone tone) {
    if (auto* keeper = widget->findChild<ToneKeeper*>(QString(), Qt::FindDirectChildrenOnly))
        keeper->setTone(widget, tone);
    else
        new ToneKeeper(widget, tone);
}

QPalette lightPalette() {
    QStyle* fusion = QStyleFactory::create(QStringLiteral("Fusion"));
    QPalette palette = fusion ? fusion->standardPalette() : QPalette();
    delete fusion;
    return palette;
}

QPalette darkPalette() {
    const QColor window(0x2b, 0x2d, 0x30);
    const QColor base(0x1e, 0x1f, 0x22);
    const QColor text(0xdf, 0xe1, 0xe5);
    const QColor disabled(0x7a, 0x7e, 0x85);
    QPalette palette;
    palette.setColor(QPalette::Window, window);
    palette.setColor(QPalette::WindowText, text);
    palette.setColor(QPalette::Base, base);
    palette.setColor(QPalette::AlternateBase, QColor(0x26, 0x28, 0x2b));
    palette.setColor(QPalette::ToolTipBase, QColor(0x3c, 0x3f, 0x41));
    palette.setColor(QPalette::ToolTipText, text);
    palette.setColor(QPalette::PlaceholderText, QColor(0x8c, 0x90, 0x96));
    palette.setColor(QPalette::Text, text);
    palette.setColor(QPalette::Button, QColor(0x3c, 0x3f, 0x41));
    palette.setColor(QPalette::ButtonText, text);
    palette.setColor(QPalette::BrightText, QColor(0xff, 0x6b, 0x6b));
    palette.setColor(QPalette::Light, QColor(0x4a, 0x4d, 0x50));
    palette.setColor(QPalette::Midlight, QColor(0x40, 0x43, 0x46));
    palette.setColor(QPalette::Mid, QColor(0x5a, 0x5d, 0x62));
    palette.setColor(QPalette::Dark, QColor(0x18, 0x19, 0x1b));
    palette.setColor(QPalette::Shadow, QColor(0x0c, 0x0c, 0x0d));
    palette.setColor(QPalette::Highlight, QColor(0x2f, 0x65, 0xca));
    palette.setColor(QPalette::HighlightedText, QColor(0xff, 0xff, 0xff));
    palette.setColor(QPalette::Link, QColor(0x6c, 0xa6, 0xff));
    palette.setColor(QPalette::LinkVisited, QColor(0xb1, 0x8c, 0xf2));
    for (const QPalette::ColorRole role :
         {QPalette::WindowText, QPalette::Text, QPalette::ButtonText, QPalette::HighlightedText})
        palette.setColor(QPalette::Disabled, role, disabled);
    palette.setColor(QPalette::Disabled, QPalette::Highlight, QColor(0x44, 0x47, 0x4a));
    return palette;
}

} // namespace qk::inspectors

#include "theme.moc"
