// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/settingsdialog.h"

#include "app/autosave.h"
#include "app/backendenvironment.h"
#include "app/environmentcheck.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace qk::app {

SettingsDialog::SettingsDialog(const WorkerOptions& current, QWidget* parent)
    : QDialog(parent)
    , m_current(current)
    , m_host(new QLineEdit(current.remote, this))
    , m_python(new QLineEdit(current.python, this))
    , m_backend(new QComboBox(this))
    , m_autosave(new QSpinBox(this))
    , m_check(new QPushButton(tr("Check environment"), this))
    , m_create(new QPushButton(tr("Create environment"), this))
    , m_report(new QPlainTextEdit(this))
    , m_checker(new EnvironmentCheck(this))
    , m_environments(new BackendEnvironment(this)) {
    setWindowTitle(tr("Settings"));
    resize(640, 420);
    m_host->setPlaceholderText(tr("this computer, or ssh://[user@]host[:port]"));
    m_host->setToolTip(
        tr("Where the worker runs. Another host is reached with the system ssh (its "
           "configuration, keys and known_hosts; a host key must already be known) and the "
           "interpreter below is the one on that host."));
    m_python->setPlaceholderText(WorkerProcess::resolvePython(WorkerOptions{}));
    m_python->setToolTip(tr("The Python interpreter that runs the worker; empty: the default"));
    auto* browseButton = new QPushButton(tr("Browse…"), this);
    connect(browseButton, &QPushButton::clicked, this, &SettingsDialog::browse);
    auto* pythonRow = new QHBoxLayout;
    pythonRow->addWidget(m_python, 1);
    pythonRow->addWidget(browseButton);

    m_backend->addItem(QStringLiteral("jax"));
    m_backend->addItem(QStringLiteral("tensorflow"));
    m_backend->addItem(QStringLiteral("torch"));
    m_backend->setCurrentText(current.backend.isEmpty() ? QStringLiteral("jax") : current.backend);

    m_autosave->setRange(0, 3600);
    m_autosave->setSuffix(tr(" s"));
    m_autosave->setSpecialValueText(tr("Off"));
    m_autosave->setValue(Autosave::defaultIntervalSeconds());
    m_autosave->setToolTip(
        tr("How often a project with unsaved changes is written to a recovery file"));

    m_report->setReadOnly(true);
    m_report->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_report->setPlaceholderText(
        tr("Check environment reports the interpreter's Python, Keras, backend, NumPy and "
           "msgpack versions, and what is missing."));

    auto* form = new QFormLayout;
    form->addRow(tr("Worker host:"), m_host);
    form->addRow(tr("Python interpreter:"), pythonRow);
    form->addRow(tr("Keras backend:"), m_backend);
    form->addRow(tr("Autosave every:"), m_autosave);
    auto* checkRow = new QHBoxLayout;
    checkRow->addWidget(m_check);
    checkRow->addWidget(m_create);
    checkRow->addStretch();
    auto* note = new QLabel(
        tr("Changing the host, the interpreter or the backend restarts the worker."), this);
    note->setEnabled(false);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(checkRow);
    layout->addWidget(m_report, 1);
    layout->addWidget(note);
    layout->addWidget(buttons);

    connect(m_check, &QPushButton::clicked, this, &SettingsDialog::checkEnvironment);
    connect(m_checker, &EnvironmentCheck::finished, this, &SettingsDialog::showReport);
    m_create->setToolTip(tr("Make the chosen backend's own Python environment with its pinned "
                            "packages (qtkeras-setup-python; downloads from PyPI) and use it"));
    connect(m_create, &QPushButton::clicked, this, &SettingsDialog::createEnvironment);
    connect(m_backend, &QComboBox::currentTextChanged, this, &SettingsDialog::backendChosen);
    connect(m_environments, &BackendEnvironment::output, this,
            [this](const QString& line) { m_report->appendPlainText(line); });
    connect(m_environments, &BackendEnvironment::finished, this,
            [this](bool ok, const QString& message) {
                m_report->appendPlainText(message);
                m_create->setEnabled(true);
                if (ok)
                    backendChosen(m_backend->currentText());
            });
    m_create->setEnabled(m_backend->currentText() != QLatin1String("jax"));
}

void SettingsDialog::backendChosen(const QString& backend) {
    // TensorFlow and PyTorch run in environments of their own: choosing one picks its
    // interpreter when it is there; back on JAX, the default interpreter.
    m_create->setEnabled(backend != QLatin1String("jax") && !m_environments->isRunning());
    const QString python = m_python->text().trimmed();
    bool backendEnvironment = false;
    for (const QString& other : {QStringLiteral("tensorflow"), QStringLiteral("torch")})
        backendEnvironment |= python == BackendEnvironment::interpreter(other);
    if (backend == QLatin1String("jax")) {
        if (backendEnvironment)
            m_python->clear();
        return;
    }
    if (BackendEnvironment::exists(backend))
        m_python->setText(BackendEnvironment::interpreter(backend));
    else if (backendEnvironment)
        m_python->clear();
}

void SettingsDialog::createEnvironment() {
    const QString backend = m_backend->currentText();
    const QString remote = m_host->text().trimmed();
    if (!remote.isEmpty()) {
        // The environment would be made here, not where the worker runs.
        m_report->setPlainText(
            tr("Not created: the %1 environment is made on this computer, and the worker runs "
               "on %2. On that host run qtkeras-setup-python --backend %1 and name its "
               "interpreter above; for JAX, Workers ▸ Set up Python on the host makes the "
               "environment there over ssh.")
                .arg(backend, remote));
        return;
    }
    m_create->setEnabled(false);
    m_report->setPlainText(tr("Creating the %1 environment in %2 (downloads from PyPI; a few "
                              "minutes)…")
                               .arg(backend, BackendEnvironment::location(backend)));
    m_environments->create(backend);
}

WorkerOptions SettingsDialog::options() const {
    WorkerOptions options = m_current;
    options.remote = m_host->text().trimmed();
    options.python = m_python->text().trimmed();
    options.backend = m_backend->currentText();
    return options;
}

bool SettingsDialog::changed() const {
    const WorkerOptions edited = options();
    const QString backend = m_current.backend.isEmpty() ? QStringLiteral("jax") : m_current.backend;
    return edited.remote != m_current.remote || edited.python != m_current.python ||
           edited.backend != backend;
}

int SettingsDialog::autosaveSeconds() const {
    return m_autosave->value();
}

QString SettingsDialog::reportText() const {
    return m_report->toPlainText();
}

void SettingsDialog::checkEnvironment() {
    m_check->setEnabled(false);
    const WorkerOptions edited = options();
    m_report->setPlainText(edited.remote.isEmpty()
                               ? tr("Checking %1…").arg(WorkerProcess::resolvePython(edited))
                               : tr("Checking %1 over ssh…").arg(edited.remote));
    m_checker->start(options());
}

void SettingsDialog::showReport(const EnvironmentReport& report) {
    m_check->setEnabled(true);
    m_report->setPlainText(report.toText());
}

void SettingsDialog::browse() {
    auto* dialog = new QFileDialog(this, tr("Python interpreter"), m_python->text());
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFile);
    connect(dialog, &QFileDialog::fileSelected, m_python, &QLineEdit::setText);
    dialog->open();
}

} // namespace qk::app
