// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDialog>

class QTextBrowser;

namespace qk::app {

class ActionRegistry;

// The user guide shipped with the program (docs/USER_GUIDE.md, with its screenshots), and
// the keyboard shortcuts of the window's menus as they are, listed at its end.
class HelpWindow : public QDialog {
    Q_OBJECT
public:
    HelpWindow(const ActionRegistry& actions, QWidget* parent = nullptr);

    QTextBrowser* browser() const { return m_browser; }
    // The shortcuts table: one "action — keys" row per action that has a shortcut.
    static QString shortcutsMarkdown(const ActionRegistry& actions);

private:
    QTextBrowser* m_browser;
};

} // namespace qk::app
