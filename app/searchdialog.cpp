// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/searchdialog.h"

#include "app/catalogsource.h"
#include "app/document.h"
#include "inspectors/searchtrialmodel.h"
#include "inspectors/theme.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>

#include <map>
#include <stdexcept>

namespace qk::app {

namespace {

constexpr int LayerIdRole = Qt::UserRole + 1;
constexpr int IntegerRole = Qt::UserRole + 2;

const QString optimizerRate = QStringLiteral("learning_rate");

} // namespace

SearchDialog::SearchDialog(SearchController& controller, Document& document, QWidget* parent)
    : QDialog(parent)
    , m_controller(controller)
    , m_document(document)
    , m_ranges(new QTableWidget(0, 4))
    , m_tuner(new QComboBox)
    , m_objective(new QComboBox)
    , m_maxTrials(new QSpinBox)
    , m_processes(new QSpinBox)
    , m_epochs(new QSpinBox)
    , m_start(new QPushButton(tr("&Start Search")))
    , m_stop(new QPushButton(tr("S&top")))
    , m_openBest(new QPushButton(tr("&Open Best in Builder")))
    , m_sorted(new QSortFilterProxyModel(this))
    , m_trialView(new QTableView)
    , m_status(new QLabel) {
    setObjectName(QStringLiteral("search-dialog"));
    setWindowTitle(tr("Hyper-parameter Search"));
    m_ranges->setHorizontalHeaderLabels({tr("Search"), tr("Layer"), tr("Argument"), tr("Range")});
    m_ranges->verticalHeader()->hide();
    m_ranges->horizontalHeader()->setSectionResizeMode(RangeTextColumn, QHeaderView::Stretch);
    m_ranges->setSelectionMode(QAbstractItemView::NoSelection);
    m_ranges->setToolTip(tr("Ranges: 8..64 step 8 (whole numbers), 0.0001..0.1 log, 0..0.5, "
                            "or choices such as relu, tanh"));
    m_tuner->addItem(tr("Random search"),
                     QVariant::fromValue(static_cast<int>(keras::SearchOptions::Tuner::Random)));
    m_tuner->addItem(tr("Bayesian optimisation"),
                     QVariant::fromValue(static_cast<int>(keras::SearchOptions::Tuner::Bayesian)));
    m_tuner->addItem(tr("Hyperband"),
                     QVariant::fromValue(static_cast<int>(keras::SearchOptions::Tuner::Hyperband)));
    m_objective->setEditable(true);
    m_maxTrials->setRange(1, 1000);
    m_maxTrials->setValue(6);
    m_processes->setRange(1, 8);
    m_processes->setValue(2);
    m_processes->setToolTip(tr("Worker processes that run trials side by side"));
    m_epochs->setRange(1, 100000);
    m_epochs->setValue(m_document.trainingSettings().epochs);
    m_epochs->setToolTip(tr("Epochs of each trial (Hyperband: the most a trial trains)"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_sorted->setSourceModel(&m_controller.trials());
    m_sorted->setSortRole(inspectors::SearchTrialModel::SortRole);
    m_trialView->setObjectName(QStringLiteral("search-trials"));
    m_trialView->setModel(m_sorted);
    m_trialView->setSortingEnabled(true);
    m_trialView->sortByColumn(inspectors::SearchTrialModel::ScoreColumn, Qt::AscendingOrder);
    m_trialView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_trialView->verticalHeader()->hide();
    m_trialView->horizontalHeader()->setSectionResizeMode(
        inspectors::SearchTrialModel::ValuesColumn, QHeaderView::Stretch);
    // The objective's name heads its column ("val_species_accuracy"): whole, not cut.
    m_trialView->horizontalHeader()->setSectionResizeMode(inspectors::SearchTrialModel::ScoreColumn,
                                                          QHeaderView::ResizeToContents);
    m_trialView->setToolTip(tr("Sorted by the objective, best first; click a header to sort "
                               "otherwise"));

    auto* settings = new QFormLayout;
    settings->addRow(tr("T&uner:"), m_tuner);
    settings->addRow(tr("O&bjective:"), m_objective);
    settings->addRow(tr("&Max trials:"), m_maxTrials);
    settings->addRow(tr("Trial &processes:"), m_processes);
    settings->addRow(tr("&Epochs per trial:"), m_epochs);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_start);
    buttons->addWidget(m_stop);
    buttons->addStretch();
    buttons->addWidget(m_openBest);
    auto* close = new QDialogButtonBox(QDialogButtonBox::Close);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("Arguments to search:")));
    layout->addWidget(m_ranges, 2);
    layout->addLayout(settings);
    layout->addLayout(buttons);
    layout->addWidget(m_status);
    layout->addWidget(new QLabel(tr("Trials, best first:")));
    layout->addWidget(m_trialView, 3);
    layout->addWidget(close);

    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_start, &QPushButton::clicked, this, &SearchDialog::startSearch);
    connect(m_stop, &QPushButton::clicked, &m_controller, &SearchController::stop);
    connect(m_openBest, &QPushButton::clicked, this, &SearchDialog::openBest);
    connect(&m_controller, &SearchController::runningChanged, this, &SearchDialog::updateButtons);
    connect(&m_controller, &SearchController::finished, this,
            [this](bool ok, const QString& message) { showStatus(message, !ok); });
    connect(&m_document, &Document::changed, this, [this](const DocumentChange& change) {
        if (change.isLayerChange() || change.kind == DocumentChange::Kind::CompileChanged ||
            change.kind == DocumentChange::Kind::GraphChanged)
            fillRanges();
        if (change.kind == DocumentChange::Kind::CompileChanged ||
            change.kind == DocumentChange::Kind::TrainingChanged ||
            (change.kind == DocumentChange::Kind::GraphChanged && !change.layoutOnly))
            fillObjectives();
    });
    // Arguments given by position are offered by name once the catalog has the signatures.
    connect(&m_controller.catalog(), &CatalogSource::loaded, this, &SearchDialog::fillRanges);
    fillRanges();
    fillObjectives();
    updateButtons();
    resize(720, 640);
}

int SearchDialog::rangeRow(int layerId, const QString& argument) const {
    for (int row = 0; row < m_ranges->rowCount(); ++row) {
        const QTableWidgetItem* item = m_ranges->item(row, SearchColumn);
        if (item->data(LayerIdRole).toInt() == layerId &&
            m_ranges->item(row, ArgumentColumn)->text() == argument)
            return row;
    }
    return -1;
}

void SearchDialog::fillRanges() {
    // What the user chose so far stays with its layer and argument.
    std::map<std::pair<int, QString>, std::pair<bool, QString>> chosen;
    for (int row = 0; row < m_ranges->rowCount(); ++row) {
        const QTableWidgetItem* check = m_ranges->item(row, SearchColumn);
        chosen[{check->data(LayerIdRole).toInt(), m_ranges->item(row, ArgumentColumn)->text()}] = {
            check->checkState() == Qt::Checked, m_ranges->item(row, RangeTextColumn)->text()};
    }
    m_ranges->setRowCount(0);
    const auto addRow = [this, &chosen](int layerId, const QString& layer, const QString& argument,
                                        const Value& current) {
        const QString suggested = suggestRange(current);
        if (suggested.isEmpty())
            return;
        const int row = m_ranges->rowCount();
        m_ranges->insertRow(row);
        auto* check = new QTableWidgetItem;
        check->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled);
        check->setData(LayerIdRole, layerId);
        check->setData(IntegerRole, current.isInt());
        const auto previous = chosen.find({layerId, argument});
        const bool checked = previous != chosen.end() && previous->second.first;
        check->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
        m_ranges->setItem(row, SearchColumn, check);
        for (const auto& [column, text] :
             {std::pair{LayerColumn, layer}, std::pair{ArgumentColumn, argument}}) {
            auto* item = new QTableWidgetItem(text);
            item->setFlags(Qt::ItemIsEnabled);
            m_ranges->setItem(row, column, item);
        }
        m_ranges->setItem(
            row, RangeTextColumn,
            new QTableWidgetItem(previous != chosen.end() ? previous->second.second : suggested));
    };
    const auto addLayer = [this, &addRow](int id, const QString& layer,
                                          const keras::KerasObject& object) {
        const keras::KerasObject named = m_controller.namedArguments(object);
        for (const auto& [name, argument] : named.keywords()) {
            if (argument.isValue() && argument.value().isNumber())
                addRow(id, layer, name, argument.value());
        }
    };
    if (m_document.isGraph()) {
        // A node by the name it gives Keras, or by its class and how many came before it.
        std::map<QString, int> seen;
        for (const GraphNode& node : m_document.graph().nodes) {
            if (node.isInput() || node.sharedWith != 0)
                continue;
            const std::optional<keras::Argument> name = node.object.get(QStringLiteral("name"));
            const QString label =
                name && name->isValue() && name->value().isString()
                    ? name->value().toString()
                    : QStringLiteral("%1 %2").arg(node.className()).arg(++seen[node.className()]);
            addLayer(node.id, label, node.object);
        }
    } else {
        for (int i = 0; i < m_document.layerCount(); ++i) {
            const LayerItem& item = m_document.layerAt(i);
            addLayer(item.id, QStringLiteral("%1 %2").arg(i + 1).arg(item.layer.className()),
                     item.layer);
        }
    }
    const keras::KerasObject& optimizer = m_document.compileSettings().optimizer;
    const std::optional<keras::Argument> rate = optimizer.get(optimizerRate);
    const bool numeric = rate && rate->isValue() && rate->value().isNumber();
    addRow(0, tr("optimizer %1").arg(optimizer.className()), optimizerRate,
           numeric ? rate->value() : Value(0.001));
    m_ranges->resizeColumnsToContents();
    m_ranges->horizontalHeader()->setSectionResizeMode(RangeTextColumn, QHeaderView::Stretch);
}

void SearchDialog::fillObjectives() {
    const QString current = m_objective->currentText();
    QStringList names{QStringLiteral("loss")};
    const QStringList& metrics = m_document.compileSettings().metrics;
    names << metrics;
    // A graph of several outputs: Keras names each output's loss and metrics after it, and
    // the model built from the graph names those without a name by their place ("output_2").
    if (m_document.isGraph() && m_document.graph().outputIds().size() > 1) {
        names = QStringList{QStringLiteral("loss")};
        const ModelGraph graph = m_document.graph().withOutputsNamed();
        for (int output : graph.outputIds()) {
            const QString name = graph.kerasName(output);
            if (name.isEmpty())
                continue;
            names << name + QStringLiteral("_loss");
            for (const QString& metric : metrics)
                names << name + u'_' + metric;
        }
    }
    QStringList objectives;
    if (m_document.trainingSettings().validationSplit > 0) {
        for (const QString& name : names)
            objectives << QStringLiteral("val_") + name;
    }
    objectives << names;
    m_objective->clear();
    m_objective->addItems(objectives);
    if (!current.isEmpty() && objectives.contains(current))
        m_objective->setCurrentText(current);
}

void SearchDialog::startSearch() {
    std::vector<SearchRange> ranges;
    std::map<QString, int> used; // hyper-parameter names, made unique
    try {
        for (int row = 0; row < m_ranges->rowCount(); ++row) {
            const QTableWidgetItem* check = m_ranges->item(row, SearchColumn);
            if (check->checkState() != Qt::Checked)
                continue;
            SearchRange range;
            range.layerId = check->data(LayerIdRole).toInt();
            range.argument = m_ranges->item(row, ArgumentColumn)->text();
            QString name = range.layerId == 0 && range.argument == optimizerRate
                               ? QStringLiteral("lr")
                               : range.argument;
            if (const int n = ++used[name]; n > 1)
                name += QStringLiteral("_%1").arg(n);
            range.range = parseRange(name, m_ranges->item(row, RangeTextColumn)->text(),
                                     check->data(IntegerRole).toBool());
            ranges.push_back(range);
        }
    } catch (const std::invalid_argument& e) {
        showStatus(QString::fromUtf8(e.what()), true);
        return;
    }
    keras::SearchOptions options;
    options.tuner = static_cast<keras::SearchOptions::Tuner>(m_tuner->currentData().toInt());
    options.objective = m_objective->currentText().trimmed();
    options.maxTrials = m_maxTrials->value();
    options.parallelTrials = m_processes->value();
    options.fit.epochs = m_epochs->value();
    options.maxEpochs = m_epochs->value();
    QString error;
    if (!m_controller.start(ranges, options, &error)) {
        showStatus(error, true);
        return;
    }
    showStatus(tr("Searching: at most %1 trials, %2 at a time…")
                   .arg(options.maxTrials)
                   .arg(options.parallelTrials));
}

void SearchDialog::openBest() {
    QString error;
    const bool opened = m_controller.openBest(&error);
    if (const auto& best = m_controller.best(); opened && best)
        showStatus(tr("The builder has the values of %1.").arg(best->title()));
    else
        showStatus(error, true);
}

void SearchDialog::updateButtons() {
    const bool running = m_controller.isRunning();
    m_start->setEnabled(!running);
    m_stop->setEnabled(running);
    m_openBest->setEnabled(!running && m_controller.best().has_value());
}

void SearchDialog::showStatus(const QString& text, bool error) {
    m_status->setText(text);
    inspectors::setTextTone(m_status, error ? inspectors::Tone::Error : inspectors::Tone::Muted);
    updateButtons();
}

} // namespace qk::app
