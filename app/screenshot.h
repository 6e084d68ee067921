// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QImage>

class QWidget;

namespace qk::app {

// The window as the user sees it: the window itself with its visible dialogs drawn on top,
// centred over it.
QImage grabWithDialogs(QWidget* window);

} // namespace qk::app
