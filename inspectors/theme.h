// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QColor>
#include <QPalette>

class QWidget;

namespace qk::inspectors {

// Colours that follow the palette: every colour the inspectors and the IDE draw text or marks
// with comes from here, so that a dark palette (the system's, or the IDE's own Dark theme)
// reads as well as a light one.

// Whether the palette shows light text on a dark base.
bool isDark(const QPalette& palette);

// The colour with its hue and saturation, at a lightness that reads on `background` (a
// contrast ratio of at least `contrast`, WCAG's measure; 4.5 is its level for text).
QColor readable(const QColor& colour, const QColor& background, double contrast = 4.5);
// The same against the palette's Base and Window (what views and labels are drawn on).
QColor readable(const QColor& colour, const QPalette& palette, double contrast = 4.5);
// WCAG's contrast ratio of two colours, from 1 to 21.
double contrastRatio(const QColor& a, const QColor& b);
// `colour` laid over the palette's Base at `alpha` (0..1): a tint for marked lines and cells.
QColor tint(const QColor& colour, const QPalette& palette, double alpha);

// What a colour means, for text that states it.
enum class Tone { Error, Warning, Success, Accent, Muted };
QColor toneColour(Tone tone, const QPalette& palette);
// Shows a label's (or any widget's) text in the tone, now and after every palette change.
void setTextTone(QWidget* widget, Tone tone);

// The IDE's palettes: Fusion's light one and a dark one of the same roles.
QPalette lightPalette();
QPalette darkPalette();

} // namespace qk::inspectors
