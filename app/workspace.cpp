#include "app/workspace.h"

#include "app/catalogsource.h"
#include "app/datapanel.h"
#include "app/docks.h"
#include "app/document.h"
#include "app/layerpalette.h"
#include "app/mainwindow.h"
#include "app/modelbuilder.h"
#include "app/propertiespanel.h"
#include "app/shapechecker.h"
#include "app/trainingcontroller.h"
#include "app/trainingsettingspanel.h"
#include "inspectors/traininghistoryview.h"

#include <QAction>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>
#include <QStyle>
#include <QToolBar>
#include <QUndoStack>

namespace qk::app {

Workspace::Workspace(MainWindow& window)
    : QObject(&window)
    , m_catalog(new CatalogSource(window.host(), this))
    , m_shapes(new ShapeChecker(window.host(), window.document(), this))
    , m_builder(new ModelBuilder(window.document(), *m_shapes))
    , m_palette(new LayerPalette(*m_catalog))
    , m_properties(new PropertiesPanel(window.document(), *m_catalog))
    , m_trainer(new TrainingController(window.host(), window.document(), this))
    , m_history(new inspectors::TrainingHistoryView)
    , m_window(window) {
    window.setCentralPanel(m_builder);
    window.docks().add(DockSlot::Palette, m_palette);
    window.docks().add(DockSlot::Properties, m_properties);
    window.docks().add(DockSlot::Training,
                       new TrainingSettingsPanel(window.document(), *m_catalog));
    window.docks().add(DockSlot::Data, new DataPanel(window.document()));
    connect(m_palette, &LayerPalette::layerRequested, m_builder,
            [this](const QString& name) { m_builder->addLayer(name); });
    connect(m_builder, &ModelBuilder::currentLayerChanged, m_properties,
            &PropertiesPanel::setLayer);
    connect(m_trainer, &TrainingController::started, m_history,
            [this](const std::shared_ptr<keras::TrainingHistory>& history) {
                m_history->addRun(history);
            });
    connect(m_history, &inspectors::TrainingHistoryView::stopRequested, m_trainer,
            &TrainingController::stop);
    connect(m_trainer, &TrainingController::finished, this, [this](bool, const QString& message) {
        m_window.statusBar()->showMessage(message.section(u'\n', 0, 0), 10000);
    });
    createMenu(window);
}

void Workspace::train() {
    QString error;
    if (m_shapes->failure().layerId != 0)
        error = tr("the model does not fit together: %1").arg(m_shapes->failure().message);
    else if (m_trainer->train(&error))
        return;
    m_window.statusBar()->showMessage(tr("Cannot train: %1").arg(error), 10000);
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

    m_train = new QAction(m_window.style()->standardIcon(QStyle::SP_MediaPlay), tr("&Train"), this);
    m_train->setShortcut(QKeySequence(tr("F5")));
    m_train->setToolTip(tr("Build, compile and fit the model on the data (F5)"));
    connect(m_train, &QAction::triggered, this, &Workspace::train);
    m_stop = new QAction(m_window.style()->standardIcon(QStyle::SP_MediaStop), tr("&Stop"), this);
    m_stop->setShortcut(QKeySequence(tr("Shift+F5")));
    m_stop->setToolTip(tr("Stop after the current batch, keeping the weights (Shift+F5)"));
    m_stop->setEnabled(false);
    connect(m_stop, &QAction::triggered, m_trainer, &TrainingController::stop);
    connect(m_trainer, &TrainingController::runningChanged, this, [this](bool running) {
        m_train->setEnabled(!running);
        m_stop->setEnabled(running);
    });
    menu->addSeparator();
    menu->addAction(m_train);
    menu->addAction(m_stop);
    m_toolBar->addSeparator();
    m_toolBar->addAction(m_train);
    m_toolBar->addAction(m_stop);
}

} // namespace qk::app
