// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <QObject>

class QDockWidget;
class QMainWindow;
class QWidget;

namespace qk::app {

class ActionRegistry;

// Every dock the main window can have. Where each goes, its title, its shortcut and its
// toggle's action id are in the table in docks.cpp; a panel becomes a dock with one call:
// docks.add(DockSlot::X, panel).
enum class DockSlot {
    Palette,    // layer palette
    Data,       // data sets
    Properties, // properties of the selected layer
    Training,   // compile and training settings
    Variables,  // worker variables
    Console,    // Python console
    Queue,      // command-queue monitor
    History,    // training history
    Workers     // the workers, local and remote
};

// Creates the main window's docks in their slots and registers each dock's show/hide toggle
// (its id is in the table, for the View menu).
class Docks : public QObject {
    Q_OBJECT
public:
    Docks(QMainWindow* window, ActionRegistry& actions);

    QDockWidget* add(DockSlot slot, QWidget* panel);
    QDockWidget* dock(DockSlot slot) const { return m_docks.value(slot); }
    // Puts every dock back where the table says, with the default sizes: at once when the
    // window is shown, else when it is.
    void resetLayout();
    // Drops default sizes still waiting for the window to be shown (a saved layout was restored).
    void cancelDefaultSizes();
    // Shares of the window: narrow side columns, and a bottom row with room for the charts.
    void setDefaultSizes();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void place(DockSlot slot, QDockWidget* dock);
    void scheduleDefaultSizes();

    QMainWindow* m_window;
    ActionRegistry& m_actions;
    QHash<DockSlot, QDockWidget*> m_docks;
    bool m_sizesPending = false;   // default sizes wait for the window to be shown
    bool m_sizesScheduled = false; // and are applied once the event loop has run
};

} // namespace qk::app
