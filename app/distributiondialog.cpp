// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/distributiondialog.h"

#include "app/document.h"
#include "app/graphscript.h"
#include "app/layoutreportmodel.h"
#include "app/layoutrulesmodel.h"
#include "app/sessionhost.h"
#include "app/workersettings.h"
#include "bridge/keras/sequential.h"
#include "bridge/session/command.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QTableView>
#include <QVBoxLayout>

#include <memory>
#include <stdexcept>

namespace qk::app {

namespace {

enum Kind { OneDevice, DataParallel, ModelParallel };

QString errorText(const std::exception& e) {
    if (const auto* command = dynamic_cast<const CommandError*>(&e)) {
        if (!command->failure().message.isEmpty())
            return command->failure().message;
        return command->reason();
    }
    return QString::fromUtf8(e.what());
}

} // namespace

DistributionDialog::DistributionDialog(SessionHost& host, const Document& document,
                                       std::optional<keras::Distribution> current, QWidget* parent)
    : QDialog(parent)
    , m_host(host)
    , m_document(document)
    , m_kind(new QComboBox(this))
    , m_devices(new QSpinBox(this))
    , m_cpuDevices(new QSpinBox(this))
    , m_mesh(new QLineEdit(this))
    , m_axes(new QLineEdit(this))
    , m_batchAxis(new QLineEdit(this))
    , m_deviceList(new QLabel(this))
    , m_summary(new QLabel(this))
    , m_showLayout(new QPushButton(tr("Show &layout"), this))
    , m_rulesView(new QTableView(this))
    , m_reportView(new QTableView(this))
    , m_rules(new LayoutRulesModel(this))
    , m_report(new LayoutReportModel(this)) {
    setWindowTitle(tr("Distribution"));
    resize(860, 700);
    m_kind->addItems({tr("One device"), tr("Data-parallel: every variable replicated"),
                      tr("Model-parallel: variables sharded by rules")});
    m_devices->setRange(0, 4096);
    m_devices->setSpecialValueText(tr("all"));
    m_devices->setToolTip(tr("Devices to split each batch across (data-parallel)"));
    m_cpuDevices->setRange(0, 64);
    m_cpuDevices->setSpecialValueText(tr("none"));
    m_cpuDevices->setValue(app::cpuDevices(host.options().worker));
    m_cpuDevices->setToolTip(tr("CPU devices the worker simulates when there is no accelerator "
                                "(XLA's host platform device count); a change restarts it"));
    m_mesh->setPlaceholderText(QStringLiteral("2 x 2"));
    m_axes->setPlaceholderText(QStringLiteral("batch, model"));
    m_batchAxis->setPlaceholderText(tr("the first axis"));
    m_deviceList->setWordWrap(true);
    m_deviceList->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setWordWrap(true);
    m_summary->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Minimum); // never cut off
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_rulesView->setModel(m_rules);
    m_rulesView->horizontalHeader()->setStretchLastSection(true);
    m_rulesView->horizontalHeader()->resizeSection(LayoutRulesModel::PatternColumn, 240);
    m_rulesView->horizontalHeader()->resizeSection(LayoutRulesModel::AxesColumn, 160);
    m_rulesView->verticalHeader()->hide();
    m_rulesView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_reportView->setModel(m_report);
    m_reportView->horizontalHeader()->setStretchLastSection(true);
    m_reportView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_reportView->verticalHeader()->hide();
    m_reportView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_reportView->setEditTriggers(QAbstractItemView::NoEditTriggers);

    auto* addRule = new QPushButton(tr("&Add rule"), this);
    auto* removeRule = new QPushButton(tr("&Remove rule"), this);
    connect(addRule, &QPushButton::clicked, this, [this] {
        m_rules->addRule(
            {QStringLiteral(".*dense.*/kernel"), {QString(), QStringLiteral("model")}});
    });
    connect(removeRule, &QPushButton::clicked, this, [this] {
        const QModelIndex selected = m_rulesView->currentIndex();
        if (selected.isValid())
            m_rules->removeRows(selected.row(), 1);
    });

    auto* form = new QFormLayout;
    form->addRow(tr("&Training on:"), m_kind);
    form->addRow(tr("&Devices:"), m_devices);
    form->addRow(tr("&Mesh shape:"), m_mesh);
    form->addRow(tr("Mesh a&xes:"), m_axes);
    form->addRow(tr("&Batch axis:"), m_batchAxis);
    form->addRow(tr("Simulated &CPU devices:"), m_cpuDevices);
    form->addRow(tr("Worker's devices:"), m_deviceList);
    auto* ruleButtons = new QHBoxLayout;
    ruleButtons->addWidget(addRule);
    ruleButtons->addWidget(removeRule);
    ruleButtons->addStretch();
    ruleButtons->addWidget(m_showLayout);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        try {
            distribution();
        } catch (const std::invalid_argument& e) {
            m_summary->setText(QString::fromUtf8(e.what()));
            return;
        }
        accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(new QLabel(tr("LayoutMap rules (model-parallel):"), this));
    layout->addWidget(m_rulesView, 1);
    layout->addLayout(ruleButtons);
    layout->addWidget(m_summary);
    layout->addWidget(m_reportView, 2);
    layout->addWidget(buttons);

    if (current) {
        m_kind->setCurrentIndex(current->kind() == keras::Distribution::Kind::DataParallel
                                    ? DataParallel
                                    : ModelParallel);
        m_devices->setValue(current->devices());
        QStringList sizes;
        for (int n : current->meshShape())
            sizes << QString::number(n);
        m_mesh->setText(sizes.join(QStringLiteral(" x ")));
        m_axes->setText(current->axes().join(QStringLiteral(", ")));
        m_batchAxis->setText(current->batchAxis());
        m_rules->setRules(current->rules());
    }
    connect(m_kind, &QComboBox::currentIndexChanged, this, &DistributionDialog::updateEnabled);
    connect(m_showLayout, &QPushButton::clicked, this, &DistributionDialog::showLayout);
    updateEnabled();
    readDevices();
}

void DistributionDialog::updateEnabled() {
    const int kind = m_kind->currentIndex();
    m_devices->setEnabled(kind == DataParallel);
    for (QWidget* w : {static_cast<QWidget*>(m_mesh), static_cast<QWidget*>(m_axes),
                       static_cast<QWidget*>(m_batchAxis), static_cast<QWidget*>(m_rulesView)})
        w->setEnabled(kind == ModelParallel);
    m_showLayout->setEnabled(kind != OneDevice);
}

std::optional<keras::Distribution> DistributionDialog::distribution() const {
    switch (m_kind->currentIndex()) {
    case DataParallel:
        return keras::Distribution::dataParallel(m_devices->value());
    case ModelParallel: {
        std::vector<int> shape;
        for (const QString& part : m_mesh->text().split(
                 QRegularExpression(QStringLiteral("[x×,*\\s]+")), Qt::SkipEmptyParts)) {
            bool ok = false;
            const int n = part.toInt(&ok);
            if (!ok || n < 1)
                throw std::invalid_argument(tr("The mesh shape is sizes such as 2 x 4, not '%1'.")
                                                .arg(m_mesh->text())
                                                .toStdString());
            shape.push_back(n);
        }
        QStringList axes;
        for (const QString& axis : m_axes->text().split(u',', Qt::SkipEmptyParts))
            axes << axis.trimmed();
        if (shape.empty() || shape.size() != std::size_t(axes.size()))
            throw std::invalid_argument(tr("The mesh needs one name per size: %1 sizes, %2 names.")
                                            .arg(shape.size())
                                            .arg(axes.size())
                                            .toStdString());
        keras::Distribution d =
            keras::Distribution::modelParallel(shape, axes, m_batchAxis->text().trimmed());
        for (const keras::LayoutRule& rule : m_rules->rules())
            d.rule(rule.pattern, rule.axes);
        return d;
    }
    default:
        return std::nullopt;
    }
}

int DistributionDialog::cpuDevices() const {
    return m_cpuDevices->value();
}

QString DistributionDialog::summary() const {
    return m_summary->text();
}

QString DistributionDialog::devicesText() const {
    return m_deviceList->text();
}

void DistributionDialog::readDevices() {
    m_deviceList->setText(tr("asking the worker…"));
    keras::devices(m_host.session())
        .then(this,
              [this](const keras::Devices& found) {
                  if (found.backend != QLatin1String("jax")) {
                      m_deviceList->setText(
                          tr("none: Keras' distribution API needs the JAX backend; this worker "
                             "runs %1 (Settings chooses the backend)")
                              .arg(found.backend));
                      return;
                  }
                  QStringList names;
                  for (const keras::DeviceInfo& d : found.devices)
                      names << d.name;
                  m_deviceList->setText(tr("%n device(s) (%1): %2", nullptr, int(names.size()))
                                            .arg(found.platform, names.join(QStringLiteral(", "))));
              })
        .onFailed(this, [this](const std::exception& e) { m_deviceList->setText(errorText(e)); });
}

void DistributionDialog::showLayout() {
    std::optional<keras::Distribution> chosen;
    try {
        chosen = distribution();
    } catch (const std::invalid_argument& e) {
        m_summary->setText(QString::fromUtf8(e.what()));
        Q_EMIT layoutShown();
        return;
    }
    if (!chosen)
        return;
    const bool graph = m_document.isGraph();
    if (graph ? m_document.graph().isEmpty() : m_document.layers().empty()) {
        m_summary->setText(tr("The model has no layers yet."));
        Q_EMIT layoutShown();
        return;
    }
    // The network as the document has it, made in the worker for the report and dropped after.
    std::shared_ptr<keras::Model> model;
    if (graph) {
        try {
            model =
                std::make_shared<keras::Model>(graphModel(m_host.session(), m_document.graph()));
        } catch (const std::invalid_argument& e) {
            m_summary->setText(tr("No layout: %1").arg(QString::fromUtf8(e.what())));
            Q_EMIT layoutShown();
            return;
        }
    } else {
        auto sequential = std::make_shared<keras::Sequential>(m_host.session());
        for (const LayerItem& item : m_document.layers())
            sequential->add(item.layer);
        model = sequential;
    }
    const int generation = ++m_generation;
    m_summary->setText(tr("Building the model in the worker…"));
    keras::previewLayout(*model, *chosen)
        .then(this,
              [this, model, generation](const keras::LayoutReport& report) {
                  if (generation != m_generation)
                      return;
                  if (!report.error.isEmpty()) {
                      m_summary->setText(tr("No layout: %1").arg(report.error));
                      m_report->setReport({});
                      Q_EMIT layoutShown();
                      return;
                  }
                  m_rules->setUses(report.rules);
                  const QStringList unmatched = report.unmatchedRules();
                  QStringList lines;
                  lines << tr("%n variable(s) on a mesh of %1 (%2); each batch is split in %3.",
                              nullptr, int(report.variables.size()))
                               .arg(LayoutReportModel::shapeText(
                                   {report.meshShape.begin(), report.meshShape.end()}))
                               .arg(report.axes.join(QStringLiteral(", ")))
                               .arg(report.replicas);
                  if (!unmatched.isEmpty())
                      lines << tr("Rules that match no variable: %1")
                                   .arg(unmatched.join(QStringLiteral(", ")));
                  if (report.problems > 0)
                      lines << tr("%n variable(s) Keras could not lay out as the rules say.",
                                  nullptr, report.problems);
                  m_summary->setText(lines.join(u'\n'));
                  m_report->setReport(report);
                  Q_EMIT layoutShown();
              })
        .onFailed(this, [this, generation](const std::exception& e) {
            if (generation != m_generation)
                return;
            m_summary->setText(tr("No layout: %1").arg(errorText(e)));
            m_report->setReport({});
            Q_EMIT layoutShown();
        });
}

} // namespace qk::app
