// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/projectsettings.h"
#include "bridge/keras/dataset.h"

#include <QList>
#include <QWidget>

#include <functional>
#include <utility>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QListWidget;
class QPushButton;
class QSpinBox;
class QTableView;

namespace qk::app {

class DatasetModel;
class Document;

// The data the network learns from: iris built in or a CSV file, which columns are features
// (text columns one-hot encoded on request; the panel names the columns it leaves out and
// why) and which is the label, and how the rows become arrays (one-hot targets, test fraction,
// seed, standardization), with a preview of the table. Each choice is one undoable edit of
// the document's data source. A file that cannot be read is refused with its line and
// column shown here, and the data loaded before stays.
class DataPanel : public QWidget {
    Q_OBJECT
public:
    explicit DataPanel(Document& document, QWidget* parent = nullptr);

    // Reads the CSV file and makes it the document's data source; false, with the reason
    // shown in the panel, when it cannot be read.
    bool openCsv(const QString& path);
    void useIris();

    const keras::Dataset& dataset() const;
    DatasetModel* previewModel() const { return m_preview; }
    QComboBox* sourceCombo() const { return m_source; }
    QPushButton* openButton() const { return m_open; }
    QPushButton* encodeButton() const { return m_encode; }
    QListWidget* featureList() const { return m_features; }
    QComboBox* labelCombo() const { return m_label; }
    QCheckBox* oneHotCheck() const { return m_oneHot; }
    QDoubleSpinBox* testFractionSpin() const { return m_testFraction; }
    QSpinBox* seedSpin() const { return m_seed; }
    QCheckBox* standardizeCheck() const { return m_standardize; }
    QTableView* previewView() const { return m_view; }
    // For a graph of several inputs: which input the feature list edits, and what each has.
    QComboBox* inputCombo() const { return m_input; }
    QLabel* inputsSummary() const { return m_inputs; }
    // For a graph of several outputs: which output the Label box edits, and each one's.
    QComboBox* outputCombo() const { return m_output; }
    QLabel* outputsSummary() const { return m_outputs; }
    QString errorText() const;

private:
    void showOpenDialog();
    void refresh();
    bool load(const DataSource& source);
    void showError(const QString& message);
    void commitFeatures();
    void commitOptions();
    // Says which columns are not features and why; offers to encode the text ones.
    void showLeftOut(const keras::Dataset& table, const QStringList& labels,
                     const QStringList& encoded);
    void encodeTextColumns();
    // Every label column: the model's, or each output's.
    QStringList labelColumns(const DataSource& source) const;
    // The label the Label box edits: the model's, or the chosen output's.
    QString editedLabel(const DataSource& source) const;
    // Lists a graph's inputs or outputs (`ends`) in their box, keeping the one shown, and a
    // line for each in the summary below; both rows show only when there are several.
    void showEnds(QComboBox* box, QLabel* summary, const QList<std::pair<int, QString>>& ends,
                  const std::function<QString(int, const QString&)>& line);
    // The columns the feature list edits: the model's, or the chosen input's.
    InputColumns editedColumns(const DataSource& source) const;
    void setEditedColumns(DataSource& source, const InputColumns& columns) const;

    Document& m_document;
    DatasetModel* m_preview;
    // What the preview holds: the kind and file it was loaded from.
    int m_loadedKind = -1;
    QString m_loadedPath;
    QComboBox* m_source;
    QPushButton* m_open;
    QLabel* m_file;
    QLabel* m_error;
    QFormLayout* m_form = nullptr;
    QComboBox* m_input;
    QLabel* m_inputs;
    QList<std::pair<int, QString>> m_shownInputs; // what the Input box lists
    QComboBox* m_output;
    QLabel* m_outputs;
    QList<std::pair<int, QString>> m_shownOutputs; // what the Output box lists
    QListWidget* m_features;
    QLabel* m_leftOut;
    QPushButton* m_encode;
    QStringList m_encodable; // text columns left out that could be encoded
    QComboBox* m_label;
    QCheckBox* m_oneHot;
    QDoubleSpinBox* m_testFraction;
    QSpinBox* m_seed;
    QCheckBox* m_standardize;
    QTableView* m_view;
};

} // namespace qk::app
