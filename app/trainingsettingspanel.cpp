// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/trainingsettingspanel.h"

#include "app/catalogsource.h"
#include "app/document.h"
#include "bridge/keras/callbacks.h"
#include "inspectors/theme.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalBlocker>
#include <QSpinBox>

#include <cmath>

namespace qk::app {

namespace {

const QString earlyStoppingName = QStringLiteral("EarlyStopping");

// The number an optimizer argument holds, or nullopt when it is unset or not a number.
std::optional<double> numberArgument(const keras::KerasObject& object, const QString& name) {
    const std::optional<keras::Argument> argument = object.get(name);
    if (!argument || !argument->isValue() || !argument->value().isNumber())
        return std::nullopt;
    return argument->value().toDouble();
}

const keras::Callback* earlyStopping(const TrainingSettings& settings) {
    for (const keras::Callback& callback : settings.callbacks)
        if (callback.className() == earlyStoppingName)
            return &callback;
    return nullptr;
}

void setComboText(QComboBox* combo, const QString& text) {
    if (combo->findText(text) < 0)
        combo->addItem(text);
    combo->setCurrentIndex(combo->findText(text));
}

} // namespace

TrainingSettingsPanel::TrainingSettingsPanel(Document& document, CatalogSource& catalog,
                                             QWidget* parent)
    : QWidget(parent)
    , m_document(document)
    , m_catalog(catalog)
    , m_loss(new QComboBox)
    , m_optimizer(new QComboBox)
    , m_learningRate(new QLineEdit)
    , m_momentum(new QLineEdit)
    , m_momentumLabel(new QLabel(tr("&Momentum:")))
    , m_metrics(new QLineEdit)
    , m_epochs(new QSpinBox)
    , m_batchSize(new QSpinBox)
    , m_validationSplit(new QDoubleSpinBox)
    , m_earlyStopping(new QCheckBox(tr("&Early stopping")))
    , m_monitor(new QComboBox)
    , m_patience(new QSpinBox)
    , m_error(new QLabel)
    , m_fitWarnings(new QLabel)
    , m_search(new QPushButton(tr("Searc&h…"))) {
    setObjectName(QStringLiteral("training-settings"));
    m_learningRate->setPlaceholderText(tr("optimizer's default"));
    m_momentum->setPlaceholderText(tr("optimizer's default"));
    m_metrics->setToolTip(tr("Metric names separated by commas, e.g. accuracy, mae"));
    m_epochs->setRange(1, 1000000);
    m_epochs->setKeyboardTracking(false);
    m_batchSize->setRange(0, 1 << 20);
    m_batchSize->setSpecialValueText(tr("default (32)"));
    m_batchSize->setKeyboardTracking(false);
    m_validationSplit->setRange(0.0, 0.9);
    m_validationSplit->setSingleStep(0.05);
    m_validationSplit->setDecimals(2);
    m_validationSplit->setSpecialValueText(tr("none"));
    m_validationSplit->setKeyboardTracking(false);
    m_monitor->setEditable(true);
    m_monitor->addItems({QStringLiteral("val_loss"), QStringLiteral("loss"),
                         QStringLiteral("val_accuracy"), QStringLiteral("accuracy")});
    m_patience->setRange(0, 100000);
    m_patience->setKeyboardTracking(false);
    m_error->setWordWrap(true);
    inspectors::setTextTone(m_error, inspectors::Tone::Error);
    m_error->hide();
    m_fitWarnings->setObjectName(QStringLiteral("fitWarnings"));
    m_fitWarnings->setWordWrap(true);
    m_fitWarnings->setTextInteractionFlags(Qt::TextSelectableByMouse);
    inspectors::setTextTone(m_fitWarnings, inspectors::Tone::Warning);
    m_fitWarnings->hide();

    auto* form = new QFormLayout(this);
    form->addRow(tr("&Loss:"), m_loss);
    form->addRow(tr("&Optimizer:"), m_optimizer);
    form->addRow(tr("Learning &rate:"), m_learningRate);
    form->addRow(m_momentumLabel, m_momentum);
    m_momentumLabel->setBuddy(m_momentum);
    form->addRow(tr("M&etrics:"), m_metrics);
    form->addRow(tr("E&pochs:"), m_epochs);
    form->addRow(tr("&Batch size:"), m_batchSize);
    form->addRow(tr("&Validation split:"), m_validationSplit);
    form->addRow(m_earlyStopping);
    form->addRow(tr("Mo&nitor:"), m_monitor);
    form->addRow(tr("P&atience:"), m_patience);
    form->addRow(m_error);
    form->addRow(m_fitWarnings);
    m_search->setToolTip(tr("Hyper-parameter search: train with ranges of the layers' and the "
                            "optimizer's arguments in parallel trials and keep the best"));
    form->addRow(tr("Hyper-parameters:"), m_search);

    connect(m_search, &QPushButton::clicked, this, &TrainingSettingsPanel::searchRequested);
    connect(m_loss, &QComboBox::textActivated, this, &TrainingSettingsPanel::commitLoss);
    connect(m_optimizer, &QComboBox::textActivated, this, &TrainingSettingsPanel::commitOptimizer);
    connect(m_learningRate, &QLineEdit::editingFinished, this,
            [this] { commitOptimizerArgument(m_learningRate, QStringLiteral("learning_rate")); });
    connect(m_momentum, &QLineEdit::editingFinished, this,
            [this] { commitOptimizerArgument(m_momentum, QStringLiteral("momentum")); });
    connect(m_metrics, &QLineEdit::editingFinished, this, &TrainingSettingsPanel::commitMetrics);
    for (QSpinBox* spin : {m_epochs, m_batchSize, m_patience})
        connect(spin, &QSpinBox::valueChanged, this, &TrainingSettingsPanel::commitTraining);
    connect(m_validationSplit, &QDoubleSpinBox::valueChanged, this,
            &TrainingSettingsPanel::commitTraining);
    connect(m_earlyStopping, &QCheckBox::toggled, this, &TrainingSettingsPanel::commitTraining);
    connect(m_monitor, &QComboBox::textActivated, this, &TrainingSettingsPanel::commitTraining);

    connect(&m_catalog, &CatalogSource::loaded, this, &TrainingSettingsPanel::fillChoices);
    connect(&m_document, &Document::changed, this, [this](const DocumentChange& change) {
        if (change.kind == DocumentChange::Kind::CompileChanged ||
            change.kind == DocumentChange::Kind::TrainingChanged)
            refresh();
    });
    fillChoices();
}

void TrainingSettingsPanel::showFitWarnings(const QStringList& warnings) {
    m_fitWarnings->setText(warnings.join(u'\n'));
    m_fitWarnings->setVisible(!warnings.isEmpty());
}

QString TrainingSettingsPanel::errorText() const {
    return m_error->isHidden() ? QString() : m_error->text();
}

void TrainingSettingsPanel::fillChoices() {
    const QSignalBlocker lossBlocker(m_loss);
    const QSignalBlocker optimizerBlocker(m_optimizer);
    m_loss->clear();
    m_optimizer->clear();
    // Losses and optimizers are classes (UpperCamel) and functions; compile() takes the
    // function names for losses and the classes for optimizers.
    for (const QString& name : m_catalog.names(QStringLiteral("losses")))
        if (name.front().isLower())
            m_loss->addItem(name);
    for (const QString& name : m_catalog.names(QStringLiteral("optimizers")))
        if (name.front().isUpper() && name != QStringLiteral("Optimizer") &&
            name != QStringLiteral("LossScaleOptimizer"))
            m_optimizer->addItem(name);
    refresh();
}

void TrainingSettingsPanel::refresh() {
    const CompileSettings& compile = m_document.compileSettings();
    const TrainingSettings& training = m_document.trainingSettings();
    const QList<QWidget*> widgets = {m_loss,     m_optimizer,       m_epochs,        m_batchSize,
                                     m_patience, m_validationSplit, m_earlyStopping, m_monitor};
    std::vector<std::unique_ptr<QSignalBlocker>> blockers;
    for (QWidget* widget : widgets)
        blockers.push_back(std::make_unique<QSignalBlocker>(widget));

    setComboText(m_loss, compile.loss);
    setComboText(m_optimizer, compile.optimizer.className());
    const auto numberText = [&compile](const QString& name) {
        const std::optional<double> value = numberArgument(compile.optimizer, name);
        return value ? QString::number(*value) : QString();
    };
    m_learningRate->setText(numberText(QStringLiteral("learning_rate")));
    m_momentum->setText(numberText(QStringLiteral("momentum")));
    const bool sgd = compile.optimizer.className() == QStringLiteral("SGD");
    m_momentum->setVisible(sgd);
    m_momentumLabel->setVisible(sgd);
    m_metrics->setText(compile.metrics.join(QStringLiteral(", ")));

    m_epochs->setValue(training.epochs);
    m_batchSize->setValue(training.batchSize.value_or(0));
    m_validationSplit->setValue(training.validationSplit);
    const keras::Callback* stopping = earlyStopping(training);
    m_earlyStopping->setChecked(stopping != nullptr);
    m_monitor->setEnabled(stopping != nullptr);
    m_patience->setEnabled(stopping != nullptr);
    if (stopping) {
        const std::optional<keras::Argument> monitor = stopping->get(QStringLiteral("monitor"));
        if (monitor && monitor->isValue() && monitor->value().isString())
            setComboText(m_monitor, monitor->value().toString());
        const std::optional<keras::Argument> patience = stopping->get(QStringLiteral("patience"));
        if (patience && patience->isValue() && patience->value().isInt())
            m_patience->setValue(static_cast<int>(patience->value().toInt()));
    }
}

void TrainingSettingsPanel::showError(const QString& message) {
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

void TrainingSettingsPanel::commitLoss(const QString& loss) {
    CompileSettings settings = m_document.compileSettings();
    settings.loss = loss;
    showError({});
    m_document.setCompileSettings(settings);
}

void TrainingSettingsPanel::commitOptimizer(const QString& name) {
    CompileSettings settings = m_document.compileSettings();
    if (settings.optimizer.className() == name)
        return;
    // The learning rate carries over; other arguments belong to the old optimizer.
    keras::KerasObject optimizer(settings.optimizer.module(), name);
    if (const std::optional<keras::Argument> rate =
            settings.optimizer.get(QStringLiteral("learning_rate")))
        optimizer.set(QStringLiteral("learning_rate"), *rate);
    settings.optimizer = optimizer;
    showError({});
    m_document.setCompileSettings(settings);
}

void TrainingSettingsPanel::commitOptimizerArgument(QLineEdit* edit, const QString& argument) {
    CompileSettings settings = m_document.compileSettings();
    const QString text = edit->text().trimmed();
    if (text.isEmpty()) {
        settings.optimizer.unset(argument);
    } else {
        bool ok = false;
        const double value = QLocale::c().toDouble(text, &ok);
        if (!ok || !std::isfinite(value) || value < 0 ||
            (argument == QStringLiteral("learning_rate") && value == 0)) {
            showError(tr("%1: \"%2\" is not a %3 number")
                          .arg(argument, text,
                               argument == QStringLiteral("learning_rate") ? tr("positive")
                                                                           : tr("non-negative")));
            return;
        }
        settings.optimizer.set(argument, value);
    }
    showError({});
    if (settings != m_document.compileSettings())
        m_document.setCompileSettings(settings);
}

void TrainingSettingsPanel::commitMetrics() {
    static const QRegularExpression identifier(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*$"));
    const QStringList metricNames = m_catalog.names(QStringLiteral("metrics"));
    QStringList metrics;
    for (const QString& part : m_metrics->text().split(u',', Qt::SkipEmptyParts)) {
        const QString metric = part.trimmed();
        if (metric.isEmpty())
            continue;
        const bool known = metricNames.isEmpty() || metricNames.contains(metric) ||
                           metric == QStringLiteral("accuracy") || metric == QStringLiteral("acc");
        if (!identifier.match(metric).hasMatch() || !known) {
            showError(tr("\"%1\" is not a Keras metric").arg(metric));
            return;
        }
        metrics.append(metric);
    }
    showError({});
    CompileSettings settings = m_document.compileSettings();
    settings.metrics = metrics;
    if (settings != m_document.compileSettings())
        m_document.setCompileSettings(settings);
}

void TrainingSettingsPanel::commitTraining() {
    TrainingSettings settings = m_document.trainingSettings();
    settings.epochs = m_epochs->value();
    settings.batchSize =
        m_batchSize->value() > 0 ? std::optional<int>(m_batchSize->value()) : std::nullopt;
    settings.validationSplit = m_validationSplit->value();
    std::erase_if(settings.callbacks, [](const keras::Callback& callback) {
        return callback.className() == earlyStoppingName;
    });
    if (m_earlyStopping->isChecked()) {
        const QString monitor = m_monitor->currentText().trimmed();
        if (monitor.isEmpty()) {
            showError(tr("Early stopping needs a metric to monitor"));
            return;
        }
        keras::EarlyStopping stopping;
        stopping.monitor(monitor).patience(m_patience->value());
        settings.callbacks.push_back(stopping);
    }
    showError({});
    if (settings != m_document.trainingSettings())
        m_document.setTrainingSettings(settings);
}

} // namespace qk::app
