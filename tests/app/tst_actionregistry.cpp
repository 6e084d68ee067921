// SPDX-License-Identifier: GPL-3.0-or-later
// The action registry on its own: actions and menus by id, menus and tool bars built from ids.
#include "app/actionids.h"
#include "app/actionregistry.h"

#include <QAction>
#include <QMenu>
#include <QToolBar>
#include <QtTest>

using namespace qk::app;

class TestActionRegistry : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void actionsAreFoundByTheirId();
    void anIdIsRegisteredOnce();
    void anUnknownIdIsReported();
    void menusAndToolBarsAreBuiltFromIds();
    void aDeletedActionLeavesTheRegistry();
};

void TestActionRegistry::actionsAreFoundByTheirId() {
    ActionRegistry registry;
    auto* save = new QAction(QStringLiteral("&Save"), &registry);
    QCOMPARE(registry.add(ids::fileSave, save), save);
    QCOMPARE(save->objectName(), QStringLiteral("file.save"));
    QCOMPARE(registry.action(ids::fileSave), save);
    QCOMPARE(registry.action(QStringLiteral("file.save")), save);
    auto* recent = new QMenu(QStringLiteral("Open &Recent"));
    QCOMPARE(registry.addMenu(ids::recentMenu, recent), recent);
    QCOMPARE(registry.menu(ids::recentMenu), recent);
    QCOMPARE(registry.ids(), QStringList{QStringLiteral("file.save")});
    delete recent;
}

void TestActionRegistry::anIdIsRegisteredOnce() {
    ActionRegistry registry;
    auto* first = new QAction(QStringLiteral("first"), &registry);
    auto* second = new QAction(QStringLiteral("second"), &registry);
    registry.add(ids::fileSave, first);
    QTest::ignoreMessage(QtWarningMsg, "ActionRegistry: file.save is registered already");
    QCOMPARE(registry.add(ids::fileSave, second), nullptr);
    QCOMPARE(registry.action(ids::fileSave), first);
    QTest::ignoreMessage(QtWarningMsg, "ActionRegistry: file.save is registered already");
    QMenu menu;
    QCOMPARE(registry.addMenu(ids::fileSave, &menu), nullptr);
}

void TestActionRegistry::anUnknownIdIsReported() {
    ActionRegistry registry;
    QTest::ignoreMessage(QtWarningMsg, "ActionRegistry: no action registered as file.sve");
    QCOMPARE(registry.action("file.sve"), nullptr);
    QTest::ignoreMessage(QtWarningMsg, "ActionRegistry: no menu registered as menu.fil");
    QCOMPARE(registry.menu("menu.fil"), nullptr);
    QMenu menu;
    QTest::ignoreMessage(QtWarningMsg, "ActionRegistry: no action or menu registered as file.sve");
    registry.fill(&menu, {"file.sve"});
    QVERIFY(menu.actions().isEmpty());
}

void TestActionRegistry::menusAndToolBarsAreBuiltFromIds() {
    ActionRegistry registry;
    auto* open = registry.add(ids::fileOpen, new QAction(QStringLiteral("&Open"), &registry));
    auto* save = registry.add(ids::fileSave, new QAction(QStringLiteral("&Save"), &registry));
    QMenu recent(QStringLiteral("Open &Recent"));
    registry.addMenu(ids::recentMenu, &recent);

    QMenu file;
    registry.fill(&file, {ids::fileOpen, ids::recentMenu, ids::separator, ids::fileSave});
    const QList<QAction*> entries = file.actions();
    QCOMPARE(entries.size(), 4);
    QCOMPARE(entries.at(0), open);
    QCOMPARE(entries.at(1)->menu(), &recent);
    QVERIFY(entries.at(2)->isSeparator());
    QCOMPARE(entries.at(3), save);

    QToolBar bar;
    registry.fill(&bar, {ids::fileSave, ids::separator, ids::fileOpen});
    QCOMPARE(bar.actions().size(), 3);
    QCOMPARE(bar.actions().at(0), save);
    QVERIFY(bar.actions().at(1)->isSeparator());
    // One action in a menu and a tool bar: disabling it disables both entries.
    save->setEnabled(false);
    QVERIFY(!bar.widgetForAction(save)->isEnabled());
}

void TestActionRegistry::aDeletedActionLeavesTheRegistry() {
    ActionRegistry registry;
    auto* panel = new QObject;
    registry.add(ids::viewConsole, new QAction(QStringLiteral("Console"), panel));
    delete panel;
    QVERIFY(registry.ids().isEmpty());
    QTest::ignoreMessage(QtWarningMsg, "ActionRegistry: no action registered as view.console");
    QCOMPARE(registry.action(ids::viewConsole), nullptr);
}

QTEST_MAIN(TestActionRegistry)
#include "tst_actionregistry.moc"
