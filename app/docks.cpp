// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/docks.h"

#include "app/actionids.h"
#include "app/actionregistry.h"

#include <QAction>
#include <QCoreApplication>
#include <QDockWidget>
#include <QEvent>
#include <QKeySequence>
#include <QMainWindow>
#include <QTimer>

#include <algorithm>
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
    bool front; // the tab shown when the dock shares its place with others
    const char* shortcut;
    const char* toggleId; // the show/hide action's id
};

// The default arrangement: the palette and the data on the left, the selected layer's
// properties and the training settings on the right, and across the bottom the training
// history (wide, for its charts) beside the console, the command queue, the variables and
// the workers.
// Docks are placed in this order, so an anchor comes before the docks placed against it.
// clang-format off
constexpr std::array<SlotSpec, 9> slots = {{
    {DockSlot::Palette,    "dock-palette",    QT_TRANSLATE_NOOP("Docks", "Layers"),           Qt::LeftDockWidgetArea,   Placement::Own,        DockSlot::Palette,    true,  "Alt+1", ids::viewPalette},
    {DockSlot::Data,       "dock-data",       QT_TRANSLATE_NOOP("Docks", "Data"),             Qt::LeftDockWidgetArea,   Placement::Tab,        DockSlot::Palette,    false, "Alt+2", ids::viewData},
    {DockSlot::Properties, "dock-properties", QT_TRANSLATE_NOOP("Docks", "Properties"),       Qt::RightDockWidgetArea,  Placement::Own,        DockSlot::Properties, true,  "Alt+3", ids::viewProperties},
    {DockSlot::Training,   "dock-training",   QT_TRANSLATE_NOOP("Docks", "Training"),         Qt::RightDockWidgetArea,  Placement::Tab,        DockSlot::Properties, false, "Alt+4", ids::viewTraining},
    {DockSlot::History,    "dock-history",    QT_TRANSLATE_NOOP("Docks", "Training History"), Qt::BottomDockWidgetArea, Placement::Own,        DockSlot::History,    true,  "Alt+8", ids::viewHistory},
    {DockSlot::Console,    "dock-console",    QT_TRANSLATE_NOOP("Docks", "Python Console"),   Qt::BottomDockWidgetArea, Placement::SplitRight, DockSlot::History,    true,  "Alt+6", ids::viewConsole},
    {DockSlot::Queue,      "dock-queue",      QT_TRANSLATE_NOOP("Docks", "Command Queue"),    Qt::BottomDockWidgetArea, Placement::Tab,        DockSlot::Console,    false, "Alt+7", ids::viewQueue},
    {DockSlot::Variables,  "dock-variables",  QT_TRANSLATE_NOOP("Docks", "Variables"),        Qt::BottomDockWidgetArea, Placement::Tab,        DockSlot::Console,    false, "Alt+5", ids::viewVariables},
    {DockSlot::Workers,    "dock-workers",    QT_TRANSLATE_NOOP("Docks", "Workers"),          Qt::BottomDockWidgetArea, Placement::Tab,        DockSlot::Console,    false, "Alt+9", ids::viewWorkers},
}};
// clang-format on

// How long after the window is shown the default sizes follow its size.
constexpr int settleMs = 1000;

const SlotSpec& spec(DockSlot slot) {
    for (const SlotSpec& s : slots) {
        if (s.slot == slot)
            return s;
    }
    Q_UNREACHABLE();
}

} // namespace

Docks::Docks(QMainWindow* window, ActionRegistry& actions)
    : QObject(window)
    , m_window(window)
    , m_actions(actions) {}

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
    m_actions.add(s.toggleId, toggle);
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
    for (const SlotSpec& s : slots) {
        if (QDockWidget* dock = m_docks.value(s.slot); dock && s.front)
            dock->raise();
    }
    // Sizes are shares of the window, so they wait until the window has its size.
    if (m_window->isVisible()) {
        scheduleDefaultSizes();
    } else if (!m_sizesPending) {
        m_sizesPending = true;
        m_window->installEventFilter(this);
    }
}

bool Docks::eventFilter(QObject* watched, QEvent* event) {
    if (watched != m_window || !m_sizesPending)
        return QObject::eventFilter(watched, event);
    if (event->type() == QEvent::Show) {
        // A window is often resized once more just after it is shown (a window manager
        // maximizing it, -qwindowgeometry): the sizes follow it for a moment.
        QTimer::singleShot(settleMs, this, &Docks::cancelDefaultSizes);
        scheduleDefaultSizes();
    } else if (event->type() == QEvent::Resize && m_window->isVisible()) {
        scheduleDefaultSizes();
    }
    return QObject::eventFilter(watched, event);
}

void Docks::scheduleDefaultSizes() {
    if (m_sizesScheduled)
        return;
    m_sizesScheduled = true;
    // Once the window's layout has taken the new size.
    QTimer::singleShot(0, this, [this] {
        m_sizesScheduled = false;
        setDefaultSizes();
    });
}

void Docks::cancelDefaultSizes() {
    if (!m_sizesPending)
        return;
    m_sizesPending = false;
    m_window->removeEventFilter(this);
}

void Docks::setDefaultSizes() {
    const int width = m_window->width();
    const int height = m_window->height();
    const auto share = [](int total, double fraction, int low, int high) {
        return std::clamp(static_cast<int>(total * fraction), low, high);
    };
    QList<QDockWidget*> columns;
    QList<int> widths;
    for (DockSlot slot : {DockSlot::Palette, DockSlot::Properties}) {
        if (QDockWidget* dock = m_docks.value(slot); dock && !dock->isFloating()) {
            columns << dock;
            widths << (slot == DockSlot::Palette ? share(width, 0.18, 200, 320)
                                                 : share(width, 0.30, 320, 460));
        }
    }
    m_window->resizeDocks(columns, widths, Qt::Horizontal);

    // The bottom row: the charts get most of the width, the console the rest.
    QDockWidget* history = m_docks.value(DockSlot::History);
    QDockWidget* console = m_docks.value(DockSlot::Console);
    const int bottom = share(height, 0.40, 260, 520);
    if (history && m_window->dockWidgetArea(history) == Qt::BottomDockWidgetArea)
        m_window->resizeDocks({history}, {bottom}, Qt::Vertical);
    else if (console && m_window->dockWidgetArea(console) == Qt::BottomDockWidgetArea)
        m_window->resizeDocks({console}, {bottom}, Qt::Vertical);
    if (history && console && m_window->dockWidgetArea(history) == Qt::BottomDockWidgetArea &&
        m_window->dockWidgetArea(console) == Qt::BottomDockWidgetArea) {
        const int historyWidth = static_cast<int>(width * 0.66);
        m_window->resizeDocks({history, console}, {historyWidth, width - historyWidth},
                              Qt::Horizontal);
    }
}

} // namespace qk::app
