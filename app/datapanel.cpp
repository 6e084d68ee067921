// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/datapanel.h"

#include "app/datasetmodel.h"
#include "app/document.h"
#include "inspectors/theme.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QTableView>

#include <algorithm>
#include <limits>

namespace qk::app {

namespace {

// Text columns with more different values than this are not offered for one-hot encoding.
constexpr int maxCategories = 32;
// Where a features-list item says which column it is, and whether it is encoded.
constexpr int columnRole = Qt::UserRole;
constexpr int encodedRole = Qt::UserRole + 1;

// The numeric columns but the label: the features when none are chosen.
QStringList defaultFeatures(const keras::Dataset& dataset, const QStringList& labels) {
    QStringList features;
    for (const QString& column : dataset.columnNames())
        if (!labels.contains(column) &&
            dataset.columnType(column) == keras::Dataset::ColumnType::Numeric)
            features.append(column);
    return features;
}

// Each input keeps the columns of its choice that the table has, besides the label, and each
// output its label if the table has it.
void keepColumnsOf(const keras::Dataset& table, DataSource& source) {
    const auto kept = [&](QStringList columns) {
        columns.removeIf([&](const QString& column) {
            return column == source.label || !table.hasColumn(column);
        });
        return columns;
    };
    for (InputColumns& input : source.inputs) {
        input.features = kept(input.features);
        input.encoded = kept(input.encoded);
    }
    source.inputs.removeIf([](const InputColumns& input) { return input.isEmpty(); });
    source.outputs.removeIf(
        [&table](const OutputLabel& output) { return !table.hasColumn(output.label); });
}

// A graph's inputs or outputs with the names the user knows them by; empty unless several.
QList<std::pair<int, QString>> namedEnds(const Document& document, bool inputs) {
    QList<std::pair<int, QString>> out;
    if (!document.isGraph())
        return out;
    const ModelGraph& graph = document.graph();
    const std::vector<int> ids = inputs ? graph.inputIds() : graph.outputIds();
    if (ids.size() < 2)
        return out;
    for (int id : ids)
        out.append({id, inputs ? graph.inputName(id) : graph.outputName(id)});
    return out;
}

// Puts per-node choices in the graph's order of those nodes, so that equal choices compare
// equal whatever order they were made in.
template <typename Choice>
void sortByNode(QList<Choice>& choices, const std::vector<int>& order) {
    std::stable_sort(choices.begin(), choices.end(), [&order](const Choice& a, const Choice& b) {
        return std::find(order.cbegin(), order.cend(), a.node) <
               std::find(order.cbegin(), order.cend(), b.node);
    });
}

// A line of an Input or Output summary: the node's name and what it has, or `none` in italics.
QString summaryLine(const QString& name, const QString& chosen, const QString& none) {
    return QStringLiteral("<b>%1</b>: %2")
        .arg(name.toHtmlEscaped(), chosen.isEmpty()
                                       ? QStringLiteral("<i>%1</i>").arg(none.toHtmlEscaped())
                                       : chosen.toHtmlEscaped());
}

} // namespace

DataPanel::DataPanel(Document& document, QWidget* parent)
    : QWidget(parent)
    , m_document(document)
    , m_preview(new DatasetModel(this))
    , m_source(new QComboBox)
    , m_open(new QPushButton(tr("Open &CSV…")))
    , m_file(new QLabel)
    , m_error(new QLabel)
    , m_input(new QComboBox)
    , m_inputs(new QLabel)
    , m_output(new QComboBox)
    , m_outputs(new QLabel)
    , m_features(new QListWidget)
    , m_leftOut(new QLabel)
    , m_encode(new QPushButton(tr("&Encode text columns as one-hot features")))
    , m_label(new QComboBox)
    , m_oneHot(new QCheckBox(tr("&One-hot targets")))
    , m_testFraction(new QDoubleSpinBox)
    , m_seed(new QSpinBox)
    , m_standardize(new QCheckBox(tr("S&tandardize features")))
    , m_view(new QTableView) {
    setObjectName(QStringLiteral("data"));
    m_source->addItem(tr("Iris (built in)"));
    m_source->addItem(tr("CSV file"));
    m_file->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_file->setWordWrap(true);
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    inspectors::setTextTone(m_error, inspectors::Tone::Error);
    m_error->hide();
    m_input->setObjectName(QStringLiteral("input"));
    m_input->setToolTip(tr("The graph input whose feature columns the list below chooses"));
    m_inputs->setObjectName(QStringLiteral("inputColumns"));
    m_inputs->setWordWrap(true);
    m_inputs->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_output->setObjectName(QStringLiteral("output"));
    m_output->setToolTip(tr("The graph output whose label the Label box chooses"));
    m_outputs->setObjectName(QStringLiteral("outputLabels"));
    m_outputs->setWordWrap(true);
    m_outputs->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_features->setMaximumHeight(m_features->fontMetrics().height() * 6);
    m_leftOut->setObjectName(QStringLiteral("leftOut"));
    m_leftOut->setWordWrap(true);
    m_leftOut->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_leftOut->hide();
    m_encode->setObjectName(QStringLiteral("encodeText"));
    m_encode->setToolTip(tr("Each text column becomes one feature per value (1 where the row "
                            "has it, else 0)"));
    m_encode->hide();
    m_oneHot->setToolTip(tr("One-hot targets for categorical_crossentropy; class indices "
                            "for sparse_categorical_crossentropy"));
    m_testFraction->setRange(0.05, 0.95);
    m_testFraction->setSingleStep(0.05);
    m_testFraction->setDecimals(2);
    m_testFraction->setKeyboardTracking(false);
    m_seed->setRange(0, std::numeric_limits<int>::max());
    m_seed->setKeyboardTracking(false);
    m_view->setModel(m_preview);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 4);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);

    auto* sourceRow = new QHBoxLayout;
    sourceRow->addWidget(m_source, 1);
    sourceRow->addWidget(m_open);
    auto* form = m_form = new QFormLayout;
    form->addRow(tr("Source:"), sourceRow);
    form->addRow(m_file);
    form->addRow(m_error);
    form->addRow(tr("&Input:"), m_input);
    form->addRow(m_inputs);
    form->addRow(tr("&Features:"), m_features);
    form->addRow(m_leftOut);
    form->addRow(m_encode);
    form->addRow(tr("O&utput:"), m_output);
    form->addRow(m_outputs);
    form->addRow(tr("&Label:"), m_label);
    form->addRow(m_oneHot);
    form->addRow(tr("Test &fraction:"), m_testFraction);
    form->addRow(tr("S&eed:"), m_seed);
    form->addRow(m_standardize);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_view, 1);

    connect(m_source, &QComboBox::activated, this, [this](int index) {
        if (index == 0)
            useIris();
        else if (m_document.dataSource().kind != DataSource::Kind::Csv)
            showOpenDialog();
    });
    connect(m_open, &QPushButton::clicked, this, &DataPanel::showOpenDialog);
    connect(m_input, &QComboBox::activated, this, &DataPanel::refresh);
    connect(m_output, &QComboBox::activated, this, &DataPanel::refresh);
    connect(m_features, &QListWidget::itemChanged, this, &DataPanel::commitFeatures);
    connect(m_encode, &QPushButton::clicked, this, &DataPanel::encodeTextColumns);
    connect(m_label, &QComboBox::activated, this, &DataPanel::commitOptions);
    connect(m_oneHot, &QCheckBox::toggled, this, &DataPanel::commitOptions);
    connect(m_standardize, &QCheckBox::toggled, this, &DataPanel::commitOptions);
    connect(m_testFraction, &QDoubleSpinBox::valueChanged, this, &DataPanel::commitOptions);
    connect(m_seed, &QSpinBox::valueChanged, this, &DataPanel::commitOptions);
    connect(&m_document, &Document::changed, this, [this](const DocumentChange& change) {
        // The graph's inputs and outputs decide what the feature list and Label box edit.
        if (change.kind == DocumentChange::Kind::DataChanged ||
            namedEnds(m_document, true) != m_shownInputs ||
            namedEnds(m_document, false) != m_shownOutputs)
            refresh();
    });
    refresh();
}

const keras::Dataset& DataPanel::dataset() const {
    return m_preview->dataset();
}

QString DataPanel::errorText() const {
    return m_error->isHidden() ? QString() : m_error->text();
}

void DataPanel::showOpenDialog() {
    auto* dialog = new QFileDialog(this, tr("Open CSV"),
                                   QFileInfo(m_document.dataSource().csvPath).absolutePath(),
                                   tr("CSV files (*.csv *.tsv *.txt);;All files (*)"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFile);
    connect(dialog, &QFileDialog::fileSelected, this, &DataPanel::openCsv);
    connect(dialog, &QFileDialog::rejected, this, &DataPanel::refresh);
    dialog->open();
}

bool DataPanel::openCsv(const QString& path) {
    DataSource source = m_document.dataSource();
    source.kind = DataSource::Kind::Csv;
    source.csvPath = path;
    if (!load(source)) {
        refresh(); // the source combo goes back to what the document says
        return false;
    }
    const keras::Dataset& table = dataset();
    // A label column the new file has stays; else its last categorical column, else its last.
    if (!table.hasColumn(source.label)) {
        const QStringList columns = table.columnNames();
        source.label = columns.value(columns.size() - 1);
        for (const QString& column : columns)
            if (table.columnType(column) == keras::Dataset::ColumnType::Categorical)
                source.label = column;
    }
    source.features.clear();
    keepColumnsOf(table, source);
    m_document.setDataSource(source);
    return true;
}

void DataPanel::useIris() {
    DataSource source = m_document.dataSource();
    if (source.kind == DataSource::Kind::Iris)
        return;
    source.kind = DataSource::Kind::Iris;
    source.csvPath.clear();
    source.features.clear();
    source.label = DataSource().label;
    keepColumnsOf(keras::Dataset::iris(), source);
    m_document.setDataSource(source);
}

bool DataPanel::load(const DataSource& source) {
    const int kind = static_cast<int>(source.kind);
    if (kind == m_loadedKind &&
        (source.kind == DataSource::Kind::Iris || source.csvPath == m_loadedPath))
        return true;
    try {
        keras::Dataset table = source.kind == DataSource::Kind::Iris
                                   ? keras::Dataset::iris()
                                   : keras::Dataset::fromCsv(source.csvPath);
        if (table.rowCount() == 0) {
            showError(tr("%1 has a header but no rows: there is nothing to learn from.")
                          .arg(QFileInfo(source.csvPath).fileName()));
            return false;
        }
        m_preview->setDataset(table);
    } catch (const keras::DatasetError& error) {
        showError(QString::fromStdString(error.what()));
        return false;
    }
    m_loadedKind = kind;
    m_loadedPath = source.csvPath;
    showError({});
    return true;
}

void DataPanel::showError(const QString& message) {
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

void DataPanel::refresh() {
    const DataSource& source = m_document.dataSource();
    load(source); // on failure the error shows and the last table stays in view
    const keras::Dataset& table = dataset();
    const QList<QWidget*> widgets = {m_source, m_input, m_output,       m_features,   m_label,
                                     m_oneHot, m_seed,  m_testFraction, m_standardize};
    std::vector<std::unique_ptr<QSignalBlocker>> blockers;
    for (QWidget* widget : widgets)
        blockers.push_back(std::make_unique<QSignalBlocker>(widget));

    m_source->setCurrentIndex(source.kind == DataSource::Kind::Iris ? 0 : 1);
    m_file->setText(source.kind == DataSource::Kind::Iris
                        ? tr("150 rows, 4 measurements (cm), 3 species")
                        : tr("%1: %n rows", nullptr, static_cast<int>(table.rowCount()))
                              .arg(QFileInfo(source.csvPath).fileName()));
    m_file->setToolTip(source.csvPath);

    // A graph of several outputs: the Label box edits the output chosen in the Output box.
    m_shownOutputs = namedEnds(m_document, false);
    showEnds(m_output, m_outputs, m_shownOutputs, [&source](int node, const QString& name) {
        return summaryLine(name, source.labelOf(node), tr("no label yet"));
    });
    const QStringList labels = labelColumns(source);

    m_label->clear();
    m_label->addItems(table.columnNames());
    m_label->setCurrentIndex(m_label->findText(editedLabel(source)));

    // A graph of several inputs: the list edits the input chosen in the Input box.
    m_shownInputs = namedEnds(m_document, true);
    showEnds(m_input, m_inputs, m_shownInputs, [&source](int node, const QString& name) {
        const InputColumns* columns = source.columnsOf(node);
        return summaryLine(
            name,
            columns ? (columns->features + columns->encoded).join(QStringLiteral(", ")) : QString(),
            tr("no columns yet"));
    });
    const bool several = !m_shownInputs.isEmpty();

    m_features->clear();
    const QStringList candidates = defaultFeatures(table, labels);
    const InputColumns edited = editedColumns(source);
    const QStringList chosen = several || !edited.features.isEmpty() ? edited.features : candidates;
    for (const QString& column : candidates) {
        auto* item = new QListWidgetItem(column, m_features);
        item->setData(columnRole, column);
        item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
        item->setCheckState(chosen.contains(column) ? Qt::Checked : Qt::Unchecked);
    }
    for (const QString& column : edited.encoded) {
        if (!table.hasColumn(column) ||
            table.columnType(column) != keras::Dataset::ColumnType::Categorical)
            continue;
        const auto values = table.categories(column).size();
        auto* item =
            new QListWidgetItem(values == 1 ? tr("%1 (one-hot, 1 value)").arg(column)
                                            : tr("%1 (one-hot, %2 values)").arg(column).arg(values),
                                m_features);
        item->setData(columnRole, column);
        item->setData(encodedRole, true);
        item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
        item->setCheckState(Qt::Checked);
    }
    showLeftOut(table, labels, edited.encoded);
    m_oneHot->setChecked(source.oneHot);
    m_testFraction->setValue(source.testFraction);
    m_seed->setValue(
        static_cast<int>(std::min<std::uint64_t>(source.seed, std::numeric_limits<int>::max())));
    m_standardize->setChecked(source.standardize);
}

void DataPanel::commitFeatures() {
    QStringList features;
    QStringList encoded;
    int numeric = 0;
    for (int i = 0; i < m_features->count(); ++i) {
        const QListWidgetItem* item = m_features->item(i);
        const bool isEncoded = item->data(encodedRole).toBool();
        numeric += isEncoded ? 0 : 1;
        if (item->checkState() != Qt::Checked)
            continue;
        (isEncoded ? encoded : features).append(item->data(columnRole).toString());
    }
    const bool several = !m_shownInputs.isEmpty();
    // An input may be left without columns for now (training says which still need some).
    if (features.isEmpty() && encoded.isEmpty() && !several) {
        showError(tr("Choose at least one feature column"));
        refresh();
        return;
    }
    DataSource source = m_document.dataSource();
    // For the only input, all of them is the default, which also follows a change of label.
    if (!several && features.size() == numeric)
        features.clear();
    setEditedColumns(source, InputColumns{0, features, encoded});
    showError({});
    if (source != m_document.dataSource())
        m_document.setDataSource(source);
}

void DataPanel::showEnds(QComboBox* box, QLabel* summary,
                         const QList<std::pair<int, QString>>& ends,
                         const std::function<QString(int, const QString&)>& line) {
    const int shown = box->currentData().toInt();
    box->clear();
    QStringList lines;
    for (const auto& [node, name] : ends) {
        box->addItem(name, node);
        lines << line(node, name);
    }
    box->setCurrentIndex(std::max(0, box->findData(shown)));
    summary->setText(lines.join(QStringLiteral("<br>")));
    m_form->setRowVisible(box, !ends.isEmpty());
    m_form->setRowVisible(summary, !ends.isEmpty());
}

InputColumns DataPanel::editedColumns(const DataSource& source) const {
    if (m_shownInputs.isEmpty())
        return InputColumns{0, source.features, source.encoded};
    const int node = m_input->currentData().toInt();
    const InputColumns* columns = source.columnsOf(node);
    return columns ? *columns : InputColumns{node, {}, {}};
}

void DataPanel::setEditedColumns(DataSource& source, const InputColumns& columns) const {
    if (m_shownInputs.isEmpty()) {
        source.features = columns.features;
        source.encoded = columns.encoded;
        return;
    }
    const int node = m_input->currentData().toInt();
    source.inputs.removeIf([node](const InputColumns& input) { return input.node == node; });
    if (!columns.isEmpty())
        source.inputs.append(InputColumns{node, columns.features, columns.encoded});
    sortByNode(source.inputs, m_document.graph().inputIds());
}

void DataPanel::showLeftOut(const keras::Dataset& table, const QStringList& labels,
                            const QStringList& encoded) {
    // Columns that are not features and not the label, and why: a text column can be encoded.
    QStringList reasons;
    m_encodable.clear();
    for (const QString& column : table.columnNames()) {
        if (labels.contains(column) ||
            table.columnType(column) != keras::Dataset::ColumnType::Categorical ||
            encoded.contains(column))
            continue;
        const QStringList& texts = table.texts(column);
        qsizetype first = 0;
        while (first < texts.size() && texts.at(first).isEmpty())
            ++first;
        if (first == texts.size()) {
            reasons << tr("<b>%1</b> is empty").arg(column.toHtmlEscaped());
            continue;
        }
        const auto values = table.categories(column).size();
        QString reason = tr("<b>%1</b> holds text (%2 on line %3)")
                             .arg(column.toHtmlEscaped(),
                                  (QLatin1Char('\'') + texts.at(first).left(40) + QLatin1Char('\''))
                                      .toHtmlEscaped())
                             .arg(table.lineOfRow(first));
        if (values <= maxCategories)
            m_encodable << column;
        else
            reason += tr(", %1 different values: too many to encode").arg(values);
        reasons << reason;
    }
    m_leftOut->setText(
        reasons.isEmpty()
            ? QString()
            : tr("Not used as features: %1.").arg(reasons.join(QStringLiteral("; "))));
    m_leftOut->setVisible(!reasons.isEmpty());
    m_encode->setVisible(!m_encodable.isEmpty());
}

void DataPanel::encodeTextColumns() {
    DataSource source = m_document.dataSource();
    InputColumns columns = editedColumns(source);
    for (const QString& column : std::as_const(m_encodable)) {
        if (!columns.encoded.contains(column))
            columns.encoded.append(column);
    }
    setEditedColumns(source, columns);
    if (source != m_document.dataSource())
        m_document.setDataSource(source);
}

void DataPanel::commitOptions() {
    DataSource source = m_document.dataSource();
    const QString label = m_label->currentText();
    if (label != editedLabel(source)) {
        if (m_shownOutputs.isEmpty()) {
            source.label = label;
        } else {
            const int node = m_output->currentData().toInt();
            source.outputs.removeIf([node](const OutputLabel& o) { return o.node == node; });
            source.outputs.append(OutputLabel{node, label});
            sortByNode(source.outputs, m_document.graph().outputIds());
        }
        // A label is no feature.
        source.features.removeAll(label);
        source.encoded.removeAll(label);
        for (InputColumns& input : source.inputs) {
            input.features.removeAll(label);
            input.encoded.removeAll(label);
        }
        source.inputs.removeIf([](const InputColumns& input) { return input.isEmpty(); });
    }
    source.oneHot = m_oneHot->isChecked();
    source.testFraction = m_testFraction->value();
    source.seed = static_cast<std::uint64_t>(m_seed->value());
    source.standardize = m_standardize->isChecked();
    if (source != m_document.dataSource())
        m_document.setDataSource(source);
}

QStringList DataPanel::labelColumns(const DataSource& source) const {
    return source.labels(m_document.isGraph() ? m_document.graph().outputIds()
                                              : std::vector<int>());
}

QString DataPanel::editedLabel(const DataSource& source) const {
    return m_shownOutputs.isEmpty() ? source.label
                                    : source.labelOf(m_output->currentData().toInt());
}

} // namespace qk::app
