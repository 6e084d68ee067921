#include "app/docks.h"

#include <QAction>
#include <QCoreApplication>
#include <QDockWidget>
#include <QKeySequence>
#include <QMainWindow>
#include <QMenu>

#include <array>

namespace qk::app {

namespace {

enum class Placement { Own, Tab, SplitRight, SplitBelow };

struct SlotSpec {
    DockSlot slot;
    const char* objectName; // saved in the window state
    const char* title;
    Qt::DockWidgetArea area;
    Placement placement; // relative to the anchor, when the anchor dock exists
    DockSlot anchor;
    const char* shortcut;
};

// clang-format off
constexpr std::array<SlotSpec, 8> slots = {{
    {DockSlot::Palette,    "dock-palette",    QT_TRANSLATE_NOOP("Docks", "Layers"),           Qt::LeftDockWidgetArea,   Placement::Own,        DockSlot::Palette,    "Alt+1"},
    {DockSlot::Data,       "dock-data",       QT_TRANSLATE_NOOP("Docks", "Data"),             Qt::LeftDockWidgetArea,   Placement::Tab,        DockSlot::Palette,    "Alt+2"},
    {DockSlot::Properties, "dock-properties", QT_TRANSLATE_NOOP("Docks", "Properties"),       Qt::RightDockWidgetArea,  Placement::Own,        DockSlot::Properties, "Alt+3"},
    {DockSlot::Training,   "dock-training",   QT_TRANSLATE_NOOP("Docks", "Training"),         Qt::RightDockWidgetArea,  Placement::Tab,        DockSlot::Properties, "Alt+4"},
    {DockSlot::Variables,  "dock-variables",  QT_TRANSLATE_NOOP("Docks", "Variables"),        Qt::RightDockWidgetArea,  Placement::SplitBelow, DockSlot::Properties, "Alt+5"},
    {DockSlot::Console,    "dock-console",    QT_TRANSLATE_NOOP("Docks", "Python Console"),   Qt::BottomDockWidgetArea, Placement::Own,        DockSlot::Console,    "Alt+6"},
    {DockSlot::Queue,      "dock-queue",      QT_TRANSLATE_NOOP("Docks", "Command Queue"),    Qt::BottomDockWidgetArea, Placement::SplitRight, DockSlot::Console,    "Alt+7"},
    {DockSlot::History,    "dock-history",    QT_TRANSLATE_NOOP("Docks", "Training History"), Qt::BottomDockWidgetArea, Placement::Tab,        DockSlot::Queue,      "Alt+8"},
}};
// clang-format on

const SlotSpec& spec(DockSlot slot) {
    for (const SlotSpec& s : slots) {
        if (s.slot == slot)
            return s;
    }
    Q_UNREACHABLE();
}

} // namespace

Docks::Docks(QMainWindow* window, QMenu* viewMenu)
    : QObject(window)
    , m_window(window)
    , m_viewMenu(viewMenu)
    , m_toggles(viewMenu->addSeparator()) {}

QDockWidget* Docks::add(DockSlot slot, QWidget* panel) {
    Q_ASSERT(!m_docks.contains(slot));
    const SlotSpec& s = spec(slot);
    auto* dock = new QDockWidget(QCoreApplication::translate("Docks", s.title), m_window);
    dock->setObjectName(QString::fromLatin1(s.objectName));
    dock->setWidget(panel);
    m_docks.insert(slot, dock);
    place(slot, dock);
    QAction* toggle = dock->toggleViewAction();
    toggle->setShortcut(QKeySequence(QString::fromLatin1(s.shortcut)));
    m_viewMenu->insertAction(m_toggles, toggle);
    return dock;
}

void Docks::place(DockSlot slot, QDockWidget* dock) {
    const SlotSpec& s = spec(slot);
    QDockWidget* anchor = s.anchor == slot ? nullptr : m_docks.value(s.anchor);
    dock->setFloating(false);
    if (!anchor || s.placement == Placement::Own) {
        m_window->addDockWidget(s.area, dock);
    } else if (s.placement == Placement::Tab) {
        m_window->tabifyDockWidget(anchor, dock);
    } else {
        m_window->splitDockWidget(
            anchor, dock, s.placement == Placement::SplitRight ? Qt::Horizontal : Qt::Vertical);
    }
    dock->show();
}

void Docks::resetLayout() {
    for (const SlotSpec& s : slots) {
        if (QDockWidget* dock = m_docks.value(s.slot))
            m_window->removeDockWidget(dock);
    }
    for (const SlotSpec& s : slots) {
        if (QDockWidget* dock = m_docks.value(s.slot))
            place(s.slot, dock);
    }
}

} // namespace qk::app

namespace qk::app {

void Docks::setDefaultSizes() {
    QList<QDockWidget*> side;
    QList<int> widths;
    QList<QDockWidget*> bottom;
    QList<int> heights;
    for (QDockWidget* dock : std::as_const(m_docks)) {
        const Qt::DockWidgetArea area = m_window->dockWidgetArea(dock);
        if (area == Qt::LeftDockWidgetArea || area == Qt::RightDockWidgetArea) {
            side << dock;
            widths << m_window->width() / 4;
        } else if (area == Qt::BottomDockWidgetArea) {
            bottom << dock;
            heights << m_window->height() / 2;
        }
    }
    m_window->resizeDocks(side, widths, Qt::Horizontal);
    m_window->resizeDocks(bottom, heights, Qt::Vertical);
}

} // namespace qk::app
