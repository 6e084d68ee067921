#pragma once

#include <QHash>
#include <QObject>

class QAction;
class QDockWidget;
class QMainWindow;
class QMenu;
class QWidget;

namespace qk::app {

// Every dock the main window can have. Where each goes, its title and its shortcut are in
// the table in docks.cpp; a panel becomes a dock with one call: docks.add(DockSlot::X, panel).
enum class DockSlot {
    Palette,    // layer palette
    Data,       // data sets
    Properties, // properties of the selected layer
    Training,   // compile and training settings
    Variables,  // worker variables
    Console,    // Python console
    Queue,      // command-queue monitor
    History     // training history
};

// Creates the main window's docks in their slots and lists them in the View menu.
class Docks : public QObject {
    Q_OBJECT
public:
    Docks(QMainWindow* window, QMenu* viewMenu);

    QDockWidget* add(DockSlot slot, QWidget* panel);
    QDockWidget* dock(DockSlot slot) const { return m_docks.value(slot); }
    // Puts every dock back where the table says.
    void resetLayout();
    // Gives the side docks a quarter of the width and the bottom ones half the height.
    void setDefaultSizes();

private:
    void place(DockSlot slot, QDockWidget* dock);

    QMainWindow* m_window;
    QMenu* m_viewMenu;
    QAction* m_toggles; // dock toggles go above this separator
    QHash<DockSlot, QDockWidget*> m_docks;
};

} // namespace qk::app
