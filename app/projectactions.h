// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/autosave.h"
#include "app/kerasimport.h"
#include "app/projectfile.h"
#include "bridge/protocol/value.h"

#include <QFuture>
#include <QObject>
#include <QPointer>

class QMenu;
class QMessageBox;
class QWidget;

namespace qk::inspectors {
class TrainingHistoryView;
}

namespace qk::app {

class ActionRegistry;
class Document;
class RecoveryDialog;
class SessionHost;
class TrainingController;

// The File menu's project commands (registered under ids::file*): New, Open, Save, Save As,
// the recent files, the import of a .keras model into the builder, the export of the trained
// model as a Python script, and the question about unsaved changes when the window closes.
// A project is the document with the runs of the training-history view; new runs count as
// unsaved changes. Its Autosave keeps a recovery file while there are unsaved changes.
class ProjectActions : public QObject {
    Q_OBJECT
public:
    // `window` parents the dialogs and is closed again once its unsaved changes are settled;
    // `trainer` has the trained model that is exported or saved.
    ProjectActions(Document& document, inspectors::TrainingHistoryView& history,
                   TrainingController& trainer, SessionHost& host, ActionRegistry& actions,
                   QWidget* window);

    // The window's project as it would be saved.
    Project capture() const;
    // Replaces the window's project (clean, without undo history).
    void apply(const Project& project);

    void newProject();
    // Opens a project file; on failure the current project stays and `error` says why.
    bool open(const QString& path, QString* error = nullptr);
    // Opens a file named from outside (the command line): a project, or a .keras model
    // imported into the builder; a file that cannot be opened is reported in a message box.
    void openFile(const QString& path);
    bool saveAs(const QString& path, QString* error = nullptr);
    // A standalone Python script: for a graph, one that rebuilds it (loading the weights of
    // the .keras file it was imported from while it is unchanged); else the last trained model.
    bool exportScript(const QString& path, QString* error = nullptr, bool withWeights = true);
    // The .keras file whose weights fit the model: the one it was imported from, while its
    // layers (a graph's structure) are unchanged; empty otherwise. Training starts from them.
    QString importedWeights() const;

    // Writes the model as a .keras file (model.save): a graph is built in the worker (with the
    // imported weights, see importedWeights()); a Sequential model is the last trained one
    // (nullopt, with the reason, before the first training).
    std::optional<QFuture<Value>> saveModel(const QString& path, QString* error = nullptr);

    // Reads a .keras model into the builder as one undoable edit (the layers replace the
    // network), with its loss, optimizer and metrics when it was compiled. The future fails
    // with the reason (ImportError, or the worker's) and the project unchanged when it cannot.
    QFuture<ImportedModel> importKerasModel(const QString& path);

    // Runs `proceed` once the project's unsaved changes are saved or discarded: with such
    // changes it asks `question` with Save / Discard / Cancel in a window-modal box (the event
    // loop goes on); Cancel, or a save that fails or is cancelled, runs nothing. Without
    // unsaved changes it runs `proceed` at once. While a question is open, it is raised and
    // the new request is dropped.
    void afterUnsavedChanges(const QString& question, std::function<void()> proceed);
    // Whether the window may close now; with unsaved changes it asks (afterUnsavedChanges)
    // and closes the window again once they are saved or discarded.
    bool closeRequested();
    // The question about unsaved changes (closing, New, Open), while it is open.
    QMessageBox* unsavedQuestion() const;

    // Offers the recovery files of windows that did not close (RecoveryDialog, window-modal);
    // nullptr when there are none.
    RecoveryDialog* offerRecovery(const QString& directory = Autosave::defaultDirectory());
    // Opens a recovery file in the window: modified, under the project's original file name;
    // then the file is removed. A file that cannot be read is kept, and `error` says where.
    bool restore(RecoveryFile& file, QString* error = nullptr);

    static QStringList recentFiles();

    Autosave& autosave() const { return *m_autosave; }

Q_SIGNALS:
    // For the status bar: what was saved, imported or restored.
    void message(const QString& text, int timeoutMs);

private:
    void askOpen();
    void openAfterUnsavedChanges(const QString& path);
    void askImport();
    void applyImport(const ImportedModel& model, const QString& path);
    // The document's model as it is now came from the .keras file at `path` (empty: none),
    // whose weights it starts from until its layers change (importedWeights()).
    void rememberImport(const QString& path);
    bool save();
    bool askSaveAs();
    void askExportScript();
    void askSaveModel();
    void addRecent(const QString& path);
    void updateRecentMenu();
    void showError(const QString& title, const QString& message);

    Document& m_document;
    inspectors::TrainingHistoryView& m_history;
    TrainingController& m_trainer;
    SessionHost& m_host;
    QWidget* m_window;
    QMenu* m_recent = nullptr;
    Autosave* m_autosave = nullptr;
    QPointer<QMessageBox> m_unsavedQuestion;
    bool m_closeConfirmed = false;
    bool m_applying = false; // apply() adds runs: not a change of the user's
    QString m_importedFrom;  // the .keras file the graph was imported from
    ModelGraph m_importedGraph;
    std::vector<keras::Layer> m_importedLayers; // the chain as it was imported
};

} // namespace qk::app
