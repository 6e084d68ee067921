// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QAnyStringView>
#include <QHash>
#include <QObject>
#include <QStringList>

#include <initializer_list>

class QAction;
class QMenu;
class QWidget;

namespace qk::app {

// The window's actions and menus by id (actionids.h), as Tiled's ActionManager keeps them:
// the class that owns an action creates it and registers it here; the window builds its menus
// and tool bars from lists of ids; anyone else (a test, a script) looks an action up by id.
// An action's or menu's objectName is its id.
class ActionRegistry : public QObject {
    Q_OBJECT
public:
    explicit ActionRegistry(QObject* parent = nullptr);

    // Registers `action` under `id` and returns it. An id is registered once: a second
    // registration is refused with a warning and returns nullptr.
    QAction* add(QAnyStringView id, QAction* action);
    QMenu* addMenu(QAnyStringView id, QMenu* menu);

    // The action or menu registered as `id`; nullptr, with a warning, when there is none.
    QAction* action(QAnyStringView id) const;
    QMenu* menu(QAnyStringView id) const;
    // Every registered action id, sorted.
    QStringList ids() const;

    // Appends to `target` (a QMenu or QToolBar) the actions named by `entries`, a menu's id as
    // its submenu, ids::separator as a separator. An id that is not registered is left out
    // with a warning.
    void fill(QWidget* target, std::initializer_list<QAnyStringView> entries) const;

private:
    QHash<QString, QAction*> m_actions;
    QHash<QString, QMenu*> m_menus;
};

} // namespace qk::app
