// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QPalette>

namespace qk::app {

// The IDE's colour theme: the system's palette (light or dark, as the desktop says), or the
// IDE's own light or dark one. Everything drawn follows the application's palette.
enum class Theme { System, Light, Dark };

// Remembers the palette the platform gave the application; call once, before any theme.
void rememberSystemPalette();
void applyTheme(Theme theme);
Theme savedTheme();
void saveTheme(Theme theme);

} // namespace qk::app
