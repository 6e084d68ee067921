#pragma once

#include "app/projectfile.h"
#include "bridge/protocol/value.h"

#include <QFuture>

#include <QObject>

class QAction;
class QMenu;

namespace qk::app {

class MainWindow;

// The File menu's project commands: New, Open, Save, Save As, the recent files and the
// export of the trained model as a Python script. A project is the window's document with
// the runs of its training-history view.
class ProjectActions : public QObject {
    Q_OBJECT
public:
    // Puts its actions at the top of `fileMenu`.
    ProjectActions(MainWindow& window, QMenu* fileMenu);

    // The window's project as it would be saved.
    Project capture() const;
    // Replaces the window's project (clean, without undo history).
    void apply(const Project& project);

    void newProject();
    // Opens a project file; on failure the current project stays and `error` says why.
    bool open(const QString& path, QString* error = nullptr);
    bool saveAs(const QString& path, QString* error = nullptr);
    // The last trained model as a standalone Python script.
    bool exportScript(const QString& path, QString* error = nullptr);

    // Writes the last trained model as a .keras file (model.save); nullopt, with the reason,
    // before the first training.
    std::optional<QFuture<Value>> saveModel(const QString& path, QString* error = nullptr);

    static QStringList recentFiles();

    QAction* saveAction() const { return m_save; }

private:
    bool maybeSave();
    void askOpen();
    bool save();
    bool askSaveAs();
    void askExportScript();
    void askSaveModel();
    void addRecent(const QString& path);
    void updateRecentMenu();
    void showError(const QString& title, const QString& message);

    MainWindow& m_window;
    QAction* m_save = nullptr;
    QMenu* m_recent = nullptr;
};

} // namespace qk::app
