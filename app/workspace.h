#pragma once

#include <QObject>

class QAction;
class QToolBar;

namespace qk::inspectors {
class TrainingHistoryView;
}

namespace qk::app {

class CatalogSource;
class LayerPalette;
class MainWindow;
class ModelBuilder;
class PropertiesPanel;
class ShapeChecker;
class TrainingController;

// The model-building side of the window: the builder in the centre, the layer palette and
// the properties of the selected layer in their docks, the Model menu and the tool bar,
// all over the window's document. The window makes one and keeps it.
class Workspace : public QObject {
    Q_OBJECT
public:
    explicit Workspace(MainWindow& window);

    CatalogSource& catalog() const { return *m_catalog; }
    ShapeChecker& shapes() const { return *m_shapes; }
    ModelBuilder* builder() const { return m_builder; }
    LayerPalette* palette() const { return m_palette; }
    PropertiesPanel* properties() const { return m_properties; }
    QToolBar* toolBar() const { return m_toolBar; }
    TrainingController& trainer() const { return *m_trainer; }
    inspectors::TrainingHistoryView* historyView() const { return m_history; }
    QAction* trainAction() const { return m_train; }
    QAction* stopAction() const { return m_stop; }

private:
    void createMenu(MainWindow& window);
    void train();

    CatalogSource* m_catalog;
    ShapeChecker* m_shapes;
    ModelBuilder* m_builder;
    LayerPalette* m_palette;
    PropertiesPanel* m_properties;
    TrainingController* m_trainer;
    inspectors::TrainingHistoryView* m_history;
    MainWindow& m_window;
    QToolBar* m_toolBar = nullptr;
    QAction* m_train = nullptr;
    QAction* m_stop = nullptr;
};

} // namespace qk::app
