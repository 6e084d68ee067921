// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/actionregistry.h"

#include "app/actionids.h"

#include <QAction>
#include <QMenu>

#include <algorithm>

namespace qk::app {

namespace {

// Puts `object` in `table` under `key` (also its objectName) unless the id is taken; an object
// deleted with its owner (a dock, a panel) leaves the table.
template <typename T>
T* enter(QObject* registry, QHash<QString, T*>& table, bool taken, const QString& key, T* object) {
    if (taken) {
        qWarning("ActionRegistry: %s is registered already", qPrintable(key));
        return nullptr;
    }
    object->setObjectName(key);
    table.insert(key, object);
    QObject::connect(object, &QObject::destroyed, registry, [&table, key] { table.remove(key); });
    return object;
}

} // namespace

ActionRegistry::ActionRegistry(QObject* parent)
    : QObject(parent) {}

QAction* ActionRegistry::add(QAnyStringView id, QAction* action) {
    const QString key = id.toString();
    return enter(this, m_actions, m_actions.contains(key) || m_menus.contains(key), key, action);
}

QMenu* ActionRegistry::addMenu(QAnyStringView id, QMenu* menu) {
    const QString key = id.toString();
    return enter(this, m_menus, m_actions.contains(key) || m_menus.contains(key), key, menu);
}

QAction* ActionRegistry::action(QAnyStringView id) const {
    QAction* action = m_actions.value(id.toString());
    if (!action)
        qWarning("ActionRegistry: no action registered as %s", qPrintable(id.toString()));
    return action;
}

QMenu* ActionRegistry::menu(QAnyStringView id) const {
    QMenu* menu = m_menus.value(id.toString());
    if (!menu)
        qWarning("ActionRegistry: no menu registered as %s", qPrintable(id.toString()));
    return menu;
}

QStringList ActionRegistry::ids() const {
    QStringList ids = m_actions.keys();
    std::sort(ids.begin(), ids.end());
    return ids;
}

void ActionRegistry::fill(QWidget* target, std::initializer_list<QAnyStringView> entries) const {
    for (QAnyStringView entry : entries) {
        const QString key = entry.toString();
        if (key == QLatin1String(ids::separator)) {
            auto* separator = new QAction(target);
            separator->setSeparator(true);
            target->addAction(separator);
        } else if (QMenu* submenu = m_menus.value(key)) {
            target->addAction(submenu->menuAction());
        } else if (QAction* action = m_actions.value(key)) {
            target->addAction(action);
        } else {
            qWarning("ActionRegistry: no action or menu registered as %s", qPrintable(key));
        }
    }
}

} // namespace qk::app
