// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/projectactions.h"

#include "app/actionids.h"
#include "app/actionregistry.h"
#include "app/document.h"
#include "app/graphitems.h"
#include "app/graphlayout.h"
#include "app/graphscript.h"
#include "app/recoverydialog.h"
#include "app/sessionhost.h"
#include "app/setting.h"
#include "app/trainingcontroller.h"
#include "bridge/keras/traininghistory.h"
#include "bridge/keras/worker.h"
#include "bridge/session/session.h"
#include "inspectors/traininghistoryview.h"
#include "inspectors/trainingrunmodel.h"

#include <QAction>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QSaveFile>
#include <QScopedValueRollback>
#include <QUndoStack>

#include <algorithm>

namespace qk::app {

namespace {

const Setting<QStringList> recentSetting{"project/recentFiles"};
constexpr int maxRecent = 8;

QString projectFilter() {
    return QObject::tr("QtKeras projects (*.qtkeras);;All files (*)");
}

QString kerasFilter() {
    return QObject::tr("Keras models (*.keras)");
}

bool isKerasModel(const QString& path) {
    return QFileInfo(path).suffix().compare(QLatin1String("keras"), Qt::CaseInsensitive) == 0;
}

} // namespace

ProjectActions::ProjectActions(Document& document, inspectors::TrainingHistoryView& history,
                               TrainingController& trainer, SessionHost& host,
                               ActionRegistry& actions, QWidget* window)
    : QObject(window)
    , m_document(document)
    , m_history(history)
    , m_trainer(trainer)
    , m_host(host)
    , m_window(window) {
    m_trainer.setStartingWeights([this] { return importedWeights(); });
    const auto add = [&](const char* id, const QString& text, QKeySequence::StandardKey key,
                         auto slot) {
        auto* action = new QAction(text, this);
        action->setShortcut(key);
        connect(action, &QAction::triggered, this, slot);
        actions.add(id, action);
    };
    add(ids::fileNew, tr("&New"), QKeySequence::New, [this] {
        afterUnsavedChanges(tr("%1 has unsaved changes. Save them before starting a new project?")
                                .arg(m_document.displayName()),
                            [this] { newProject(); });
    });
    add(ids::fileOpen, tr("&Open…"), QKeySequence::Open, &ProjectActions::askOpen);
    m_recent = actions.addMenu(ids::recentMenu, new QMenu(tr("Open &Recent"), window));
    add(ids::fileImportKeras, tr("&Import Keras Model…"), QKeySequence::UnknownKey,
        &ProjectActions::askImport);
    add(ids::fileSave, tr("&Save"), QKeySequence::Save, &ProjectActions::save);
    add(ids::fileSaveAs, tr("Save &As…"), QKeySequence::SaveAs, &ProjectActions::askSaveAs);
    add(ids::fileExportScript, tr("&Export Python Script…"), QKeySequence::UnknownKey,
        &ProjectActions::askExportScript);
    add(ids::fileSaveModel, tr("Save &Trained Model…"), QKeySequence::UnknownKey,
        &ProjectActions::askSaveModel);
    updateRecentMenu();

    m_autosave = new Autosave(
        document, [this] { return capture(); }, this);
    connect(m_autosave, &Autosave::failed, this,
            [this](const QString& message) { Q_EMIT this->message(message, 15000); });
    // A new, removed or renamed training run is a change the project file would keep.
    connect(&history.runs(), &inspectors::TrainingRunModel::runsReshaped, this, [this] {
        if (!m_applying)
            m_document.setModified(true);
    });
}

Project ProjectActions::capture() const {
    const Document& document = m_document;
    Project project;
    for (const LayerItem& item : document.layers())
        project.layers.push_back(item.layer);
    project.isGraph = document.isGraph();
    project.graph = document.graph();
    project.compile = document.compileSettings();
    project.training = document.trainingSettings();
    project.data = document.dataSource();
    project.weightsFrom = importedWeights();
    const inspectors::TrainingHistoryView* view = &m_history;
    project.smoothing = view->smoothing();
    const inspectors::TrainingRunModel& runs = view->runs();
    for (int row = 0; row < runs.rowCount(); ++row) {
        const keras::TrainingHistory& history = runs.history(row);
        // A run still training is saved as it is now; read back, it counts as lost.
        const auto outcome = history.outcome() == keras::TrainingHistory::Outcome::Running
                                 ? keras::TrainingHistory::Outcome::Lost
                                 : history.outcome();
        const QString reason = history.outcome() == keras::TrainingHistory::Outcome::Running
                                   ? tr("saved while it was training")
                                   : history.reason();
        project.runs.push_back({runs.name(row), runs.isShown(row), history.plannedEpochs(), outcome,
                                reason, runs.colour(row), history.metricNames(), history.toMap(),
                                history.epochSeconds()});
    }
    return project;
}

void ProjectActions::apply(const Project& project) {
    const QScopedValueRollback applying(m_applying, true);
    Document& document = m_document;
    std::vector<LayerItem> items;
    items.reserve(project.layers.size());
    int id = project.graph.maxId() + 1;
    for (const keras::Layer& layer : project.layers)
        items.push_back({id++, layer});
    document.replaceModel(project.isGraph, items, project.graph);
    // A model saved as imported goes on from the file's weights until its layers change.
    rememberImport(project.weightsFrom);
    document.replaceCompileSettings(project.compile);
    document.replaceTrainingSettings(project.training);
    document.replaceDataSource(project.data);
    document.undoStack()->clear();

    inspectors::TrainingHistoryView* view = &m_history;
    inspectors::TrainingRunModel& runs = view->runs();
    runs.removeRows(0, runs.rowCount());
    int count = 0;
    for (const SavedRun& run : project.runs) {
        const int row =
            view->addRun(std::make_shared<keras::TrainingHistory>(
                             QStringLiteral("saved-%1").arg(++count), run.plannedEpochs,
                             run.metrics, run.series, run.epochSeconds, run.outcome, run.reason),
                         run.name, run.colour);
        runs.setShown(row, run.shown);
    }
    view->setSmoothing(project.smoothing);
    document.setModified(false);
}

void ProjectActions::newProject() {
    apply(Project{});
    m_document.setFileName({});
}

bool ProjectActions::open(const QString& path, QString* error) {
    QString reason;
    const std::optional<Project> project = ProjectFile::read(path, &reason);
    if (!project) {
        if (error)
            *error = reason;
        return false;
    }
    apply(*project);
    m_document.setFileName(QFileInfo(path).absoluteFilePath());
    addRecent(path);
    return true;
}

bool ProjectActions::saveAs(const QString& path, QString* error) {
    if (!ProjectFile::write(path, capture(), error))
        return false;
    m_document.setFileName(QFileInfo(path).absoluteFilePath());
    m_document.setModified(false);
    addRecent(path);
    Q_EMIT message(tr("Saved %1").arg(QDir::toNativeSeparators(path)), 5000);
    return true;
}

bool ProjectActions::exportScript(const QString& path, QString* error, bool withWeights) {
    const auto fail = [error](const QString& message) {
        if (error)
            *error = message;
        return false;
    };
    QString script;
    try {
        // A graph not trained as it is now is written as it is built (and compiled).
        if (m_document.isGraph() && !m_trainer.trained(m_document.graph())) {
            script = graphScript(
                m_document.graph(),
                {m_document.compileSettings(), withWeights ? importedWeights() : QString(), {}});
        } else {
            const auto& model = m_trainer.model();
            if (!model)
                return fail(tr("Train the model first: the script embeds its training data."));
            // The test rows the Data panel held out: the script scores the model on them.
            keras::ExportOptions options;
            if (const auto& data = m_trainer.data())
                options.testData = std::pair<Value, Value>(data->xTest, data->yTest);
            script = model->exportScript(options);
        }
    } catch (const std::exception& e) {
        return fail(QString::fromUtf8(e.what()));
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(script.toUtf8()) < 0 || !file.commit())
        return fail(tr("Cannot write %1: %2").arg(path, file.errorString()));
    return true;
}

void ProjectActions::rememberImport(const QString& path) {
    m_importedFrom = path;
    m_importedGraph = m_document.isGraph() ? m_document.graph() : ModelGraph{};
    m_importedLayers.clear();
    for (const LayerItem& item : m_document.layers())
        m_importedLayers.push_back(item.layer);
}

QString ProjectActions::importedWeights() const {
    if (m_importedFrom.isEmpty() || !QFileInfo::exists(m_importedFrom))
        return {};
    if (m_document.isGraph()) {
        if (m_document.graph().structure() != m_importedGraph.structure())
            return {};
    } else {
        const std::vector<LayerItem>& layers = m_document.layers();
        if (!std::equal(layers.begin(), layers.end(), m_importedLayers.begin(),
                        m_importedLayers.end(),
                        [](const LayerItem& item, const keras::Layer& layer) {
                            return item.layer == layer;
                        }))
            return {};
    }
    return m_importedFrom;
}

std::optional<QFuture<Value>> ProjectActions::saveModel(const QString& path, QString* error) {
    // A graph not trained as it is now is saved as it is built (with the weights of the file
    // it was imported from, if it is that file's model).
    if (m_document.isGraph() && !m_trainer.trained(m_document.graph())) {
        try {
            const QString model = keras::worker::variable(QStringLiteral("model"));
            py::Program code = graphProgram(m_document.graph(), model,
                                            {m_document.compileSettings(), importedWeights(),
                                             QFileInfo(path).absoluteFilePath()});
            code += py::Statement::del({py::Expr::name(model)});
            code += py::Statement::expression(py::Expr(Value()));
            return m_host.session().send(keras::worker::command(code));
        } catch (const std::exception& e) {
            if (error)
                *error = QString::fromUtf8(e.what());
            return std::nullopt;
        }
    }
    const auto& model = m_trainer.model();
    if (!model) {
        if (error)
            *error = tr("Train the model first.");
        return std::nullopt;
    }
    return model->save(path);
}

void ProjectActions::askSaveModel() {
    QString path = QFileDialog::getSaveFileName(m_window, tr("Save Trained Model"), {},
                                                tr("Keras models (*.keras)"));
    if (path.isEmpty())
        return;
    if (!path.endsWith(QLatin1String(".keras")))
        path += QStringLiteral(".keras");
    QString error;
    std::optional<QFuture<Value>> saved = saveModel(path, &error);
    if (!saved) {
        showError(tr("Cannot save the model"), error);
        return;
    }
    saved
        ->then(this,
               [this, path](const Value&) {
                   Q_EMIT message(tr("Saved the model to %1").arg(QDir::toNativeSeparators(path)),
                                  5000);
               })
        .onFailed(this, [this](const std::exception& e) {
            showError(tr("Cannot save the model"), QString::fromUtf8(e.what()));
        });
}

QFuture<ImportedModel> ProjectActions::importKerasModel(const QString& path) {
    const QString absolute = QFileInfo(path).absoluteFilePath();
    return qk::app::importKerasModel(m_host.session(), absolute)
        .then(this,
              [this, absolute](const ImportedModel& model) {
                  applyImport(model, absolute);
                  return model;
              })
        .onFailed(this, [this, absolute](const std::exception& e) -> ImportedModel {
            showError(tr("Cannot import %1").arg(QFileInfo(absolute).fileName()),
                      QString::fromUtf8(e.what()));
            throw;
        });
}

void ProjectActions::applyImport(const ImportedModel& model, const QString& path) {
    Document& document = m_document;
    QList<int> ids;
    for (const LayerItem& item : document.layers())
        ids << item.id;
    document.undoStack()->beginMacro(tr("Import %1").arg(QFileInfo(path).fileName()));
    if (model.graph) {
        // A model that is not one chain opens as its graph, laid out.
        document.setGraph(GraphLayout::laidOut(*model.graph, NodeItem::size),
                          tr("Import %1").arg(QFileInfo(path).fileName()));
    } else {
        document.resetToSequential(tr("Import %1").arg(QFileInfo(path).fileName()));
        document.removeLayers(ids);
        for (const keras::Layer& layer : model.layers)
            document.addLayer(layer);
    }
    if (model.compile)
        document.setCompileSettings(*model.compile);
    document.undoStack()->endMacro();
    rememberImport(path);
    QString message = tr("Imported %1 layers from %2 (%3 parameters; until its layers change, "
                         "training goes on from its weights)")
                          .arg(model.graph ? model.graph->nodes.size() : model.layers.size())
                          .arg(QDir::toNativeSeparators(path))
                          .arg(model.totalParams);
    if (!model.notes.isEmpty())
        message += QStringLiteral(". ") + model.notes.join(QLatin1Char(' '));
    Q_EMIT this->message(message, 15000);
}

void ProjectActions::askImport() {
    const QString path =
        QFileDialog::getOpenFileName(m_window, tr("Import Keras Model"), {}, kerasFilter());
    if (!path.isEmpty())
        importKerasModel(path);
}

void ProjectActions::afterUnsavedChanges(const QString& question, std::function<void()> proceed) {
    if (m_unsavedQuestion) {
        m_unsavedQuestion->raise();
        return;
    }
    if (!m_document.isModified()) {
        proceed();
        return;
    }
    auto* box =
        new QMessageBox(QMessageBox::Warning, tr("Unsaved changes"), question,
                        QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, m_window);
    box->setObjectName(QStringLiteral("unsavedQuestion"));
    box->setDefaultButton(QMessageBox::Save);
    box->setAttribute(Qt::WA_DeleteOnClose);
    m_unsavedQuestion = box;
    connect(box, &QMessageBox::finished, this, [this, box, proceed = std::move(proceed)] {
        const QMessageBox::StandardButton answer = box->standardButton(box->clickedButton());
        m_unsavedQuestion.clear();
        if (answer == QMessageBox::Save) {
            if (!save())
                return;
        } else if (answer != QMessageBox::Discard) {
            return;
        }
        proceed();
    });
    box->open();
}

bool ProjectActions::closeRequested() {
    if (m_closeConfirmed || (!m_document.isModified() && !m_unsavedQuestion)) {
        m_autosave->discard();
        return true;
    }
    afterUnsavedChanges(
        tr("%1 has unsaved changes. Save them before closing?").arg(m_document.displayName()),
        [this] {
            const QScopedValueRollback confirmed(m_closeConfirmed, true);
            m_window->close();
        });
    return false;
}

QMessageBox* ProjectActions::unsavedQuestion() const {
    return m_unsavedQuestion.data();
}

RecoveryDialog* ProjectActions::offerRecovery(const QString& directory) {
    std::vector<RecoveryFile> files = Autosave::orphans(directory);
    if (files.empty())
        return nullptr;
    auto* dialog = new RecoveryDialog(std::move(files), *this, m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
    return dialog;
}

bool ProjectActions::restore(RecoveryFile& file, QString* error) {
    if (!file.project) {
        if (error)
            *error = tr("This recovery file cannot be read: %1\nIt is kept at %2.")
                         .arg(file.error, QDir::toNativeSeparators(file.path));
        return false;
    }
    apply(*file.project);
    Document& document = m_document;
    document.setFileName(file.info.originalPath);
    document.setModified(true);
    QString message =
        tr("Restored %1 as it was at %2; it is not saved yet.")
            .arg(document.displayName(),
                 QLocale().toString(file.info.savedAt.toLocalTime(), QLocale::ShortFormat));
    // The project is this window's now: its own recovery file holds it before the old goes.
    QString reason;
    if (!m_autosave->saveNow(&reason) || !Autosave::remove(file, &reason))
        message += QLatin1Char(' ') + tr("The recovery file is kept at %1 (%2).")
                                          .arg(QDir::toNativeSeparators(file.path), reason);
    Q_EMIT this->message(message, 15000);
    return true;
}

QStringList ProjectActions::recentFiles() {
    return recentSetting.value();
}

void ProjectActions::askOpen() {
    const QString path = QFileDialog::getOpenFileName(
        m_window, tr("Open Project"), {}, projectFilter() + QStringLiteral(";;") + kerasFilter());
    if (path.isEmpty())
        return;
    // A .keras model goes into the builder as an edit that can be undone.
    if (isKerasModel(path)) {
        importKerasModel(path);
        return;
    }
    openAfterUnsavedChanges(path);
}

void ProjectActions::openFile(const QString& path) {
    if (isKerasModel(path)) {
        importKerasModel(path);
        return;
    }
    QString error;
    if (!open(path, &error))
        showError(tr("Cannot open the project"), error);
}

void ProjectActions::openAfterUnsavedChanges(const QString& path) {
    afterUnsavedChanges(tr("%1 has unsaved changes. Save them before opening %2?")
                            .arg(m_document.displayName(), QFileInfo(path).fileName()),
                        [this, path] {
                            QString error;
                            if (!open(path, &error))
                                showError(tr("Cannot open the project"), error);
                        });
}

bool ProjectActions::save() {
    const QString path = m_document.fileName();
    if (path.isEmpty())
        return askSaveAs();
    QString error;
    if (saveAs(path, &error))
        return true;
    showError(tr("Cannot save the project"), error);
    return false;
}

bool ProjectActions::askSaveAs() {
    QString path = QFileDialog::getSaveFileName(m_window, tr("Save Project As"),
                                                m_document.fileName(), projectFilter());
    if (path.isEmpty())
        return false;
    if (QFileInfo(path).suffix().isEmpty())
        path += QStringLiteral(".qtkeras");
    QString error;
    if (saveAs(path, &error))
        return true;
    showError(tr("Cannot save the project"), error);
    return false;
}

void ProjectActions::askExportScript() {
    // Said before a file name is asked for: the script needs a model trained in this window.
    if (!m_document.isGraph() && !m_trainer.model()) {
        showError(tr("Cannot export the script"),
                  tr("Train the model first: the script embeds the data it was trained on "
                     "and scores it on the test rows. A project opened from a file has its "
                     "runs' curves, not a trained model."));
        return;
    }
    QString path = QFileDialog::getSaveFileName(m_window, tr("Export Python Script"), {},
                                                tr("Python scripts (*.py)"));
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += QStringLiteral(".py");
    QString error;
    if (!exportScript(path, &error))
        showError(tr("Cannot export the script"), error);
}

void ProjectActions::addRecent(const QString& path) {
    QStringList files = recentSetting.value();
    const QString absolute = QFileInfo(path).absoluteFilePath();
    files.removeAll(absolute);
    files.prepend(absolute);
    while (files.size() > maxRecent)
        files.removeLast();
    recentSetting.setValue(files);
    updateRecentMenu();
}

void ProjectActions::updateRecentMenu() {
    m_recent->clear();
    const QStringList files = recentSetting.value();
    for (const QString& path : files) {
        m_recent->addAction(QDir::toNativeSeparators(path), this,
                            [this, path] { openAfterUnsavedChanges(path); });
    }
    m_recent->setEnabled(!files.isEmpty());
}

void ProjectActions::showError(const QString& title, const QString& message) {
    auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, m_window);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

} // namespace qk::app
