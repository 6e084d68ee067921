// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>

class QStackedWidget;

namespace qk::inspectors {
class TrainingHistoryView;
}

namespace qk::app {

class ActionRegistry;
class CatalogSource;
class DataFitCheck;
class Docks;
class Document;
class GraphBuilder;
class GraphChecker;
class LayerPalette;
class ModelBuilder;
class PropertiesPanel;
class SearchController;
class SearchDialog;
class SessionHost;
class ShapeChecker;
class TrainingController;

// The model-building side of the window over its document: the builder (for the centre),
// the layer palette, the selected layer's properties, the training and data settings and the
// training history in their docks, and the builder's and training's actions (registered
// under ids::model*).
class Workspace : public QObject {
    Q_OBJECT
public:
    Workspace(SessionHost& host, Document& document, Docks& docks, ActionRegistry& actions,
              QObject* parent = nullptr);

    CatalogSource& catalog() const { return *m_catalog; }
    ShapeChecker& shapes() const { return *m_shapes; }
    DataFitCheck& dataFit() const { return *m_fit; }
    ModelBuilder* builder() const { return m_builder; }
    GraphBuilder* graphBuilder() const { return m_graphBuilder; }
    GraphChecker& graphChecker() const { return *m_graphChecker; }
    // The window's centre: the list builder for a Sequential model, else the graph builder.
    QWidget* centralPanel() const;
    LayerPalette* palette() const { return m_palette; }
    PropertiesPanel* properties() const { return m_properties; }
    TrainingController& trainer() const { return *m_trainer; }
    SearchController& searcher() const { return *m_searcher; }
    // The hyper-parameter search dialog, made when first opened.
    SearchDialog* searchDialog() const { return m_searchDialog; }
    void showSearch();
    // Scores the run at `row` of the training history on the test set in the Evaluation tab,
    // or says there why it cannot; `show` brings the tab to the front.
    void evaluateRun(int row, bool show = true);
    inspectors::TrainingHistoryView* historyView() const { return m_history; }

Q_SIGNALS:
    // For the status bar: a training that finished or could not start.
    void message(const QString& text, int timeoutMs);

private:
    void createActions(ActionRegistry& actions);
    void train();
    void chooseDistribution();
    void evaluateFinishedRun();

    SessionHost& m_host;
    Document& m_document;
    CatalogSource* m_catalog;
    ShapeChecker* m_shapes;
    GraphChecker* m_graphChecker;
    DataFitCheck* m_fit;
    ModelBuilder* m_builder;
    GraphBuilder* m_graphBuilder;
    QStackedWidget* m_central;
    LayerPalette* m_palette;
    PropertiesPanel* m_properties;
    TrainingController* m_trainer;
    SearchController* m_searcher;
    SearchDialog* m_searchDialog = nullptr;
    inspectors::TrainingHistoryView* m_history;
    int m_evaluations = 0; // evaluations asked for: only the newest one's answer is shown
};

} // namespace qk::app
