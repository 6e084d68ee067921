// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The ids of the window's menus and actions: an action is registered under its id by the
// class that owns it (ActionRegistry::add) and placed in menus and tool bars by id
// (MainWindow::createMenus). Ids read "<menu>.<name>".
namespace qk::app::ids {

// In a menu or tool-bar layout: a separator.
inline constexpr char separator[] = "-";

inline constexpr char fileMenu[] = "menu.file";
inline constexpr char editMenu[] = "menu.edit";
inline constexpr char modelMenu[] = "menu.model";
inline constexpr char graphMenu[] = "menu.graph";
inline constexpr char viewMenu[] = "menu.view";
inline constexpr char workerMenu[] = "menu.worker";
inline constexpr char helpMenu[] = "menu.help";
inline constexpr char recentMenu[] = "menu.file.recent";
inline constexpr char modelToolBar[] = "toolbar.model";

// ProjectActions
inline constexpr char fileNew[] = "file.new";
inline constexpr char fileOpen[] = "file.open";
inline constexpr char fileImportKeras[] = "file.importKeras";
inline constexpr char fileSave[] = "file.save";
inline constexpr char fileSaveAs[] = "file.saveAs";
inline constexpr char fileExportScript[] = "file.exportScript";
inline constexpr char fileSaveModel[] = "file.saveModel";
// MainWindow
inline constexpr char fileSettings[] = "file.settings";
inline constexpr char fileQuit[] = "file.quit";
inline constexpr char editUndo[] = "edit.undo";
inline constexpr char editRedo[] = "edit.redo";
inline constexpr char viewResetLayout[] = "view.resetLayout";
inline constexpr char viewThemeSystem[] = "view.theme.system";
inline constexpr char viewThemeLight[] = "view.theme.light";
inline constexpr char viewThemeDark[] = "view.theme.dark";
inline constexpr char workerRestart[] = "worker.restart";
inline constexpr char workerInterrupt[] = "worker.interrupt";
inline constexpr char workerClearFinished[] = "worker.clearFinished";
inline constexpr char workerAskAgain[] = "worker.askAgain";
inline constexpr char helpGuide[] = "help.guide";
inline constexpr char helpAbout[] = "help.about";

// Workspace (the model builder's actions and training)
inline constexpr char modelDeleteLayer[] = "model.deleteLayer";
inline constexpr char modelDuplicateLayer[] = "model.duplicateLayer";
inline constexpr char modelMoveUp[] = "model.moveUp";
inline constexpr char modelMoveDown[] = "model.moveDown";
inline constexpr char modelTrain[] = "model.train";
inline constexpr char modelStop[] = "model.stop";
inline constexpr char modelEvaluate[] = "model.evaluate";
inline constexpr char modelDistribution[] = "model.distribution";
inline constexpr char modelSearch[] = "model.search";
inline constexpr char modelEditAsGraph[] = "model.editAsGraph";

// GraphBuilder (the functional graph's canvas)
inline constexpr char graphDelete[] = "graph.delete";
inline constexpr char graphDuplicate[] = "graph.duplicate";
inline constexpr char graphCopy[] = "graph.copy";
inline constexpr char graphPaste[] = "graph.paste";
inline constexpr char graphShare[] = "graph.share";
inline constexpr char graphToggleBlock[] = "graph.toggleBlock";
inline constexpr char graphLayout[] = "graph.layout";
inline constexpr char graphFit[] = "graph.fit";
inline constexpr char graphZoomIn[] = "graph.zoomIn";
inline constexpr char graphZoomOut[] = "graph.zoomOut";

// Docks: each dock's show/hide toggle
inline constexpr char viewPalette[] = "view.palette";
inline constexpr char viewData[] = "view.data";
inline constexpr char viewProperties[] = "view.properties";
inline constexpr char viewTraining[] = "view.training";
inline constexpr char viewVariables[] = "view.variables";
inline constexpr char viewConsole[] = "view.console";
inline constexpr char viewQueue[] = "view.queue";
inline constexpr char viewHistory[] = "view.history";
inline constexpr char viewWorkers[] = "view.workers";

} // namespace qk::app::ids
