// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/workspace.h"

#include "app/actionids.h"
#include "app/actionregistry.h"
#include "app/catalogsource.h"
#include "app/datafitcheck.h"
#include "app/datapanel.h"
#include "app/distributiondialog.h"
#include "app/docks.h"
#include "app/document.h"
#include "app/graphbuilder.h"
#include "app/graphchecker.h"
#include "app/layermodel.h"
#include "app/layerpalette.h"
#include "app/modelbuilder.h"
#include "app/propertiespanel.h"
#include "app/searchcontroller.h"
#include "app/searchdialog.h"
#include "app/sessionhost.h"
#include "app/shapechecker.h"
#include "app/trainingcontroller.h"
#include "app/trainingsettingspanel.h"
#include "app/workersettings.h"
#include "inspectors/evaluationview.h"
#include "inspectors/traininghistoryview.h"
#include "inspectors/trainingrunmodel.h"

#include <QAction>
#include <QStackedWidget>
#include <QStyle>

namespace qk::app {

Workspace::Workspace(SessionHost& host, Document& document, Docks& docks, ActionRegistry& actions,
                     QObject* parent)
    : QObject(parent)
    , m_host(host)
    , m_document(document)
    , m_catalog(new CatalogSource(host, this))
    , m_shapes(new ShapeChecker(host, document, this))
    , m_graphChecker(new GraphChecker(host, document, this))
    , m_fit(new DataFitCheck(document, *m_shapes, *m_graphChecker, this))
    , m_builder(new ModelBuilder(document, *m_shapes))
    , m_graphBuilder(new GraphBuilder(document, *m_graphChecker, actions))
    , m_central(new QStackedWidget)
    , m_palette(new LayerPalette(*m_catalog))
    , m_properties(new PropertiesPanel(document, *m_catalog))
    , m_trainer(new TrainingController(host, document, this))
    , m_searcher(new SearchController(host, document, *m_catalog, this))
    , m_history(new inspectors::TrainingHistoryView) {
    docks.add(DockSlot::Palette, m_palette);
    docks.add(DockSlot::Properties, m_properties);
    auto* training = new TrainingSettingsPanel(document, *m_catalog);
    docks.add(DockSlot::Training, training);
    m_builder->model()->setDataFit(m_fit);
    connect(m_fit, &DataFitCheck::changed, training,
            [this, training] { training->showFitWarnings(m_fit->warnings()); });
    training->showFitWarnings(m_fit->warnings());
    docks.add(DockSlot::Data, new DataPanel(document));
    docks.add(DockSlot::History, m_history);
    m_central->addWidget(m_builder);
    m_central->addWidget(m_graphBuilder);
    connect(m_palette, &LayerPalette::layerRequested, m_builder,
            [this, &document](const QString& name) {
                if (document.isGraph())
                    m_graphBuilder->addNode(name);
                else
                    m_builder->addLayer(name);
            });
    connect(m_builder, &ModelBuilder::currentLayerChanged, m_properties,
            &PropertiesPanel::setLayer);
    connect(m_graphBuilder, &GraphBuilder::currentNodeChanged, m_properties,
            &PropertiesPanel::setLayer);
    // A Sequential model keeps its list of cards; a graph gets the canvas.
    connect(&document, &Document::changed, m_central, [this, &document] {
        m_central->setCurrentWidget(document.isGraph() ? static_cast<QWidget*>(m_graphBuilder)
                                                       : m_builder);
    });
    connect(m_trainer, &TrainingController::started, m_history,
            [this](const std::shared_ptr<keras::TrainingHistory>& history) {
                m_history->addRun(history);
            });
    connect(m_history, &inspectors::TrainingHistoryView::stopRequested, m_trainer,
            &TrainingController::stop);
    // Each trial of a search is a run of its own, named with its hyper-parameters.
    connect(m_searcher, &SearchController::trialStarted, m_history,
            [this](const std::shared_ptr<keras::TrainingHistory>& history, const QString& title) {
                m_history->addRun(history, title);
            });
    // The history's Stop ends what runs: a training run or a search's trials.
    connect(m_history, &inspectors::TrainingHistoryView::stopRequested, m_searcher,
            &SearchController::stop);
    connect(m_searcher, &SearchController::finished, this, [this](bool, const QString& message) {
        Q_EMIT this->message(message.section(u'\n', 0, 0), 10000);
    });
    connect(training, &TrainingSettingsPanel::searchRequested, this, &Workspace::showSearch);
    connect(m_trainer, &TrainingController::finished, this,
            [this](bool ok, const QString& message) {
                Q_EMIT this->message(message.section(u'\n', 0, 0), 10000);
                if (ok)
                    evaluateFinishedRun();
            });
    connect(m_history, &inspectors::TrainingHistoryView::evaluateRequested, this,
            [this](int row) { evaluateRun(row); });
    createActions(actions);
}

QWidget* Workspace::centralPanel() const {
    return m_central;
}

void Workspace::train() {
    QString error;
    if (m_shapes->failure().layerId != 0)
        error = tr("the model does not fit together: %1").arg(m_shapes->failure().message);
    else if (m_trainer->train(&error))
        return;
    Q_EMIT message(tr("Cannot train: %1").arg(error), 10000);
}

void Workspace::evaluateFinishedRun() {
    const auto& runs = m_history->runs();
    for (int row = runs.rowCount() - 1; row >= 0; --row) {
        if (&runs.history(row) == m_trainer->history().get()) {
            // The charts stay in front: the tab has the scores when the user turns to it.
            evaluateRun(row, false);
            return;
        }
    }
}

void Workspace::evaluateRun(int row, bool show) {
    inspectors::EvaluationView* view = m_history->evaluationView();
    const QString name = m_history->runs().name(row);
    const int ticket = ++m_evaluations;
    if (show)
        m_history->showEvaluation();
    QString why;
    if (!m_trainer->canEvaluate(m_history->runs().history(row), &why)) {
        view->showProblem(name, why);
        Q_EMIT message(tr("Cannot evaluate %1: %2").arg(name, why.section(u'.', 0, 0)), 10000);
        return;
    }
    view->showPending(name);
    m_trainer->evaluateDetailed()
        .then(this,
              [this, view, name, ticket](const keras::Evaluation& evaluation) {
                  if (ticket == m_evaluations)
                      view->showEvaluation(name, evaluation);
              })
        .onFailed(this, [this, view, name, ticket](const std::exception& error) {
            if (ticket == m_evaluations)
                view->showProblem(name, QString::fromUtf8(error.what()).section(u'\n', 0, 0));
        });
}

void Workspace::createActions(ActionRegistry& actions) {
    actions.add(ids::modelDeleteLayer, m_builder->deleteAction());
    actions.add(ids::modelDuplicateLayer, m_builder->duplicateAction());
    actions.add(ids::modelMoveUp, m_builder->moveUpAction());
    actions.add(ids::modelMoveDown, m_builder->moveDownAction());
    auto* editAsGraph = new QAction(tr("Edit as &Graph"), this);
    editAsGraph->setToolTip(tr("Edit the model as a functional graph: several inputs and "
                               "outputs, merges, shared layers"));
    connect(editAsGraph, &QAction::triggered, this, [this] { m_document.convertToGraph(); });
    actions.add(ids::modelEditAsGraph, editAsGraph);

    QStyle* style = m_builder->style();
    auto* train = new QAction(style->standardIcon(QStyle::SP_MediaPlay), tr("&Train"), this);
    train->setShortcut(QKeySequence(tr("F5")));
    train->setToolTip(tr("Build, compile and fit the model on the data (F5)"));
    connect(train, &QAction::triggered, this, &Workspace::train);
    auto* stop = new QAction(style->standardIcon(QStyle::SP_MediaStop), tr("&Stop"), this);
    stop->setShortcut(QKeySequence(tr("Shift+F5")));
    stop->setToolTip(tr("Stop after the current batch, keeping the weights (Shift+F5)"));
    stop->setEnabled(false);
    connect(stop, &QAction::triggered, m_trainer, &TrainingController::stop);
    // A run trains in the session's worker, where a search keeps its tuner: one at a time.
    const auto updateTraining = [this, train, stop] {
        train->setEnabled(!m_trainer->isRunning() && !m_searcher->isRunning());
        stop->setEnabled(m_trainer->isRunning());
    };
    connect(m_trainer, &TrainingController::runningChanged, this, updateTraining);
    connect(m_searcher, &SearchController::runningChanged, this, updateTraining);
    actions.add(ids::modelTrain, train);
    actions.add(ids::modelStop, stop);

    auto* evaluate = new QAction(tr("&Evaluate on Test Set"), this);
    evaluate->setToolTip(tr("Score the selected run (else the newest) on the data's test rows: "
                            "scores, confusion matrix and predictions"));
    evaluate->setEnabled(false);
    connect(evaluate, &QAction::triggered, this, [this] {
        if (const int row = m_history->currentRun(); row >= 0)
            evaluateRun(row);
    });
    connect(m_trainer, &TrainingController::runningChanged, evaluate,
            [evaluate](bool running) { evaluate->setEnabled(!running); });
    actions.add(ids::modelEvaluate, evaluate);

    auto* distribution = new QAction(tr("&Distribution…"), this);
    distribution->setToolTip(tr("Train on several devices: data- or model-parallel"));
    connect(distribution, &QAction::triggered, this, &Workspace::chooseDistribution);
    actions.add(ids::modelDistribution, distribution);

    auto* search = new QAction(tr("&Search Hyper-parameters…"), this);
    search->setToolTip(tr("Train the model with ranges of its arguments in parallel trials "
                          "(KerasTuner) and keep the best"));
    connect(search, &QAction::triggered, this, &Workspace::showSearch);
    actions.add(ids::modelSearch, search);
}

void Workspace::showSearch() {
    if (!m_searchDialog)
        m_searchDialog = new SearchDialog(*m_searcher, m_document, m_builder->window());
    m_searchDialog->show();
    m_searchDialog->raise();
    m_searchDialog->activateWindow();
}

void Workspace::chooseDistribution() {
    auto* dialog =
        new DistributionDialog(m_host, m_document, m_trainer->distribution(), m_builder->window());
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        m_trainer->setDistribution(dialog->distribution());
        const auto chosen = m_trainer->distribution();
        SessionOptions options = m_host.options();
        if (dialog->cpuDevices() != cpuDevices(options.worker)) {
            setCpuDevices(options.worker, dialog->cpuDevices());
            saveWorkerOptions(options.worker);
            m_host.reconfigure(options);
        }
        Q_EMIT message(chosen ? tr("Training %1").arg(chosen->description())
                              : tr("Training on one device"),
                       10000);
    });
    dialog->open();
}

} // namespace qk::app
