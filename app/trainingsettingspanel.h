// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace qk::app {

class CatalogSource;
class Document;
struct DocumentChange;

// How the network is compiled and fitted: loss, optimizer with its learning rate (and
// momentum for SGD), metrics, epochs, batch size, validation split and EarlyStopping. Each
// change is one undoable edit of the document's settings; text that cannot be read is
// refused here, with the reason under the form, and nothing is committed.
class TrainingSettingsPanel : public QWidget {
    Q_OBJECT
public:
    TrainingSettingsPanel(Document& document, CatalogSource& catalog, QWidget* parent = nullptr);

    QComboBox* lossCombo() const { return m_loss; }
    QComboBox* optimizerCombo() const { return m_optimizer; }
    QLineEdit* learningRateEdit() const { return m_learningRate; }
    QLineEdit* momentumEdit() const { return m_momentum; }
    QLineEdit* metricsEdit() const { return m_metrics; }
    QSpinBox* epochsSpin() const { return m_epochs; }
    QSpinBox* batchSizeSpin() const { return m_batchSize; }
    QDoubleSpinBox* validationSplitSpin() const { return m_validationSplit; }
    QCheckBox* earlyStoppingCheck() const { return m_earlyStopping; }
    QComboBox* monitorCombo() const { return m_monitor; }
    QSpinBox* patienceSpin() const { return m_patience; }
    QPushButton* searchButton() const { return m_search; }
    QString errorText() const;
    // Shows what does not fit between the model and its data (DataFitCheck), or nothing.
    void showFitWarnings(const QStringList& warnings);

Q_SIGNALS:
    // "Search…": the user wants a hyper-parameter search over this model.
    void searchRequested();

private:
    void fillChoices();
    void refresh();
    void showError(const QString& message);
    void commitLoss(const QString& loss);
    void commitOptimizer(const QString& name);
    void commitOptimizerArgument(QLineEdit* edit, const QString& argument);
    void commitMetrics();
    void commitTraining();

    Document& m_document;
    CatalogSource& m_catalog;
    QComboBox* m_loss;
    QComboBox* m_optimizer;
    QLineEdit* m_learningRate;
    QLineEdit* m_momentum;
    QLabel* m_momentumLabel;
    QLineEdit* m_metrics;
    QSpinBox* m_epochs;
    QSpinBox* m_batchSize;
    QDoubleSpinBox* m_validationSplit;
    QCheckBox* m_earlyStopping;
    QComboBox* m_monitor;
    QSpinBox* m_patience;
    QLabel* m_error;
    QLabel* m_fitWarnings;
    QPushButton* m_search;
};

} // namespace qk::app
