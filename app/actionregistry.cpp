#include "app/actionregistry.h"

#include "app/actionids.h"

#include <QAction>
#include <QMenu>

#include <algorithm>

namespace qk::app {

ActionRegistry::ActionRegistry(QObject* parent)
    : QObject(parent) {}

QAction* ActionRegistry::add(QAnyStringView id, QAction* action) {
    const QString key = id.toString();
    if (m_actions.contains(key) || m_menus.contains(key)) {
        qWarning("ActionRegistry: %s is registered already", qPrintable(key));
        return nullptr;
    }
    action->setObjectName(key);
    m_actions.insert(key, action);
    // An action deleted with its owner (a dock, a panel) leaves the registry.
    connect(action, &QObject::destroyed, this, [this, key] { m_actions.remove(key); });
    return action;
}

QMenu* ActionRegistry::addMenu(QAnyStringView id, QMenu* menu) {
    const QString key = id.toString();
    if (m_actions.contains(key) || m_menus.contains(key)) {
        qWarning("ActionRegistry: %s is registered already", qPrintable(key));
        return nullptr;
    }
    menu->setObjectName(key);
    m_menus.insert(key, menu);
    connect(menu, &QObject::destroyed, this, [this, key] { m_menus.remove(key); });
    return menu;
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
