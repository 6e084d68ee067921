#include "app/datapanel.h"

#include "app/datasetmodel.h"
#include "app/document.h"

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

#include <limits>

namespace qk::app {

namespace {

// The numeric columns but the label: the features when none are chosen.
QStringList defaultFeatures(const keras::Dataset& dataset, const QString& label) {
    QStringList features;
    for (const QString& column : dataset.columnNames())
        if (column != label && dataset.columnType(column) == keras::Dataset::ColumnType::Numeric)
            features.append(column);
    return features;
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
    , m_features(new QListWidget)
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
    m_error->setStyleSheet(QStringLiteral("color: #c62828"));
    m_error->hide();
    m_features->setMaximumHeight(m_features->fontMetrics().height() * 6);
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
    auto* form = new QFormLayout;
    form->addRow(tr("Source:"), sourceRow);
    form->addRow(m_file);
    form->addRow(m_error);
    form->addRow(tr("&Features:"), m_features);
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
    connect(m_features, &QListWidget::itemChanged, this, &DataPanel::commitFeatures);
    connect(m_label, &QComboBox::activated, this, &DataPanel::commitOptions);
    connect(m_oneHot, &QCheckBox::toggled, this, &DataPanel::commitOptions);
    connect(m_standardize, &QCheckBox::toggled, this, &DataPanel::commitOptions);
    connect(m_testFraction, &QDoubleSpinBox::valueChanged, this, &DataPanel::commitOptions);
    connect(m_seed, &QSpinBox::valueChanged, this, &DataPanel::commitOptions);
    connect(&m_document, &Document::changed, this, [this](const DocumentChange& change) {
        if (change.kind == DocumentChange::Kind::DataChanged)
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
    m_document.setDataSource(source);
}

bool DataPanel::load(const DataSource& source) {
    const int kind = static_cast<int>(source.kind);
    if (kind == m_loadedKind &&
        (source.kind == DataSource::Kind::Iris || source.csvPath == m_loadedPath))
        return true;
    try {
        m_preview->setDataset(source.kind == DataSource::Kind::Iris
                                  ? keras::Dataset::iris()
                                  : keras::Dataset::fromCsv(source.csvPath));
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
    const QList<QWidget*> widgets = {m_source, m_features,     m_label,      m_oneHot,
                                     m_seed,   m_testFraction, m_standardize};
    std::vector<std::unique_ptr<QSignalBlocker>> blockers;
    for (QWidget* widget : widgets)
        blockers.push_back(std::make_unique<QSignalBlocker>(widget));

    m_source->setCurrentIndex(source.kind == DataSource::Kind::Iris ? 0 : 1);
    m_file->setText(source.kind == DataSource::Kind::Iris
                        ? tr("150 rows, 4 measurements (cm), 3 species")
                        : tr("%1: %n rows", nullptr, static_cast<int>(table.rowCount()))
                              .arg(QFileInfo(source.csvPath).fileName()));
    m_file->setToolTip(source.csvPath);

    m_label->clear();
    m_label->addItems(table.columnNames());
    m_label->setCurrentIndex(m_label->findText(source.label));

    m_features->clear();
    const QStringList candidates = defaultFeatures(table, source.label);
    const QStringList chosen = source.features.isEmpty() ? candidates : source.features;
    for (const QString& column : candidates) {
        auto* item = new QListWidgetItem(column, m_features);
        item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
        item->setCheckState(chosen.contains(column) ? Qt::Checked : Qt::Unchecked);
    }
    m_oneHot->setChecked(source.oneHot);
    m_testFraction->setValue(source.testFraction);
    m_seed->setValue(
        static_cast<int>(std::min<std::uint64_t>(source.seed, std::numeric_limits<int>::max())));
    m_standardize->setChecked(source.standardize);
}

void DataPanel::commitFeatures() {
    QStringList features;
    for (int i = 0; i < m_features->count(); ++i)
        if (m_features->item(i)->checkState() == Qt::Checked)
            features.append(m_features->item(i)->text());
    if (features.isEmpty()) {
        showError(tr("Choose at least one feature column"));
        refresh();
        return;
    }
    DataSource source = m_document.dataSource();
    // All of them is the default, which also follows a change of label.
    source.features = features.size() == m_features->count() ? QStringList() : features;
    showError({});
    if (source != m_document.dataSource())
        m_document.setDataSource(source);
}

void DataPanel::commitOptions() {
    DataSource source = m_document.dataSource();
    const QString label = m_label->currentText();
    if (label != source.label) {
        source.label = label;
        source.features.removeAll(label);
    }
    source.oneHot = m_oneHot->isChecked();
    source.testFraction = m_testFraction->value();
    source.seed = static_cast<std::uint64_t>(m_seed->value());
    source.standardize = m_standardize->isChecked();
    if (source != m_document.dataSource())
        m_document.setDataSource(source);
}

} // namespace qk::app
