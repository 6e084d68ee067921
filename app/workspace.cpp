#include "app/workspace.h"

#include "app/catalogsource.h"
#include "app/docks.h"
#include "app/document.h"
#include "app/layerpalette.h"
#include "app/mainwindow.h"
#include "app/modelbuilder.h"
#include "app/propertiespanel.h"
#include "app/shapechecker.h"

#include <QAction>
#include <QMenuBar>
#include <QToolBar>
#include <QUndoStack>

namespace qk::app {

Workspace::Workspace(MainWindow& window)
    : QObject(&window)
    , m_catalog(new CatalogSource(window.host(), this))
    , m_shapes(new ShapeChecker(window.host(), window.document(), this))
    , m_builder(new ModelBuilder(window.document(), *m_shapes))
    , m_palette(new LayerPalette(*m_catalog))
    , m_properties(new PropertiesPanel(window.document(), *m_catalog)) {
    window.setCentralPanel(m_builder);
    window.docks().add(DockSlot::Palette, m_palette);
    window.docks().add(DockSlot::Properties, m_properties);
    connect(m_palette, &LayerPalette::layerRequested, m_builder,
            [this](const QString& name) { m_builder->addLayer(name); });
    connect(m_builder, &ModelBuilder::currentLayerChanged, m_properties,
            &PropertiesPanel::setLayer);
    createMenu(window);
}

void Workspace::createMenu(MainWindow& window) {
    QMenu* menu = new QMenu(tr("&Model"), &window);
    window.menuBar()->insertMenu(window.menuBar()->actions().value(2), menu);
    menu->addAction(m_builder->deleteAction());
    menu->addAction(m_builder->duplicateAction());
    menu->addSeparator();
    menu->addAction(m_builder->moveUpAction());
    menu->addAction(m_builder->moveDownAction());

    m_toolBar = window.addToolBar(tr("Model"));
    m_toolBar->setObjectName(QStringLiteral("toolbar-model"));
    m_toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    QUndoStack* stack = window.document().undoStack();
    QAction* undo = stack->createUndoAction(m_toolBar, tr("Undo"));
    undo->setIcon(QIcon::fromTheme(QStringLiteral("edit-undo")));
    QAction* redo = stack->createRedoAction(m_toolBar, tr("Redo"));
    redo->setIcon(QIcon::fromTheme(QStringLiteral("edit-redo")));
    m_toolBar->addAction(undo);
    m_toolBar->addAction(redo);
    m_toolBar->addSeparator();
    m_toolBar->addAction(m_builder->duplicateAction());
    m_toolBar->addAction(m_builder->deleteAction());
}

} // namespace qk::app
