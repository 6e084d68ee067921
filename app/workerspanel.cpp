// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/workerspanel.h"

#include "app/environmentcheck.h"
#include "app/hosttasks.h"
#include "app/sessionhost.h"
#include "app/workersmodel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

namespace qk::app {

WorkersPanel::WorkersPanel(SessionHost& host, QWidget* parent)
    : QWidget(parent)
    , m_host(host)
    , m_model(new WorkersModel(host, this))
    , m_view(new QTableView(this))
    , m_reattach(new QPushButton(tr("Re-attach"), this))
    , m_stop(new QPushButton(tr("Stop"), this))
    , m_check(new QPushButton(tr("Check environment"), this))
    , m_setup(new QPushButton(tr("Set up Python on the host"), this))
    , m_refresh(new QPushButton(tr("Refresh"), this))
    , m_report(new QPlainTextEdit(this))
    , m_tasks(new HostTasks(this))
    , m_checker(new EnvironmentCheck(this)) {
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setWordWrap(false);
    m_report->setReadOnly(true);
    m_report->setPlaceholderText(tr("What the actions report"));
    m_report->setMaximumBlockCount(2000);

    m_reattach->setToolTip(tr("Reach a remote worker whose connection dropped again now, or use "
                              "a detached one in place of the session's worker"));
    m_stop->setToolTip(tr("Stop the worker (on its host too); Worker ▸ Restart starts another"));
    m_check->setToolTip(tr("What the worker's interpreter offers, checked on its host"));
    m_setup->setToolTip(tr("Make the worker's Python environment on the remote host over ssh "
                           "(qtkeras-setup-python's pinned requirements; downloads from PyPI "
                           "there)"));
    m_refresh->setToolTip(tr("List the workers the remote host still runs under a lease"));

    auto* buttons = new QHBoxLayout;
    for (QPushButton* button : {m_reattach, m_stop, m_check, m_setup, m_refresh})
        buttons->addWidget(button);
    buttons->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_view, 2);
    layout->addLayout(buttons);
    layout->addWidget(m_report, 1);

    connect(m_reattach, &QPushButton::clicked, this, &WorkersPanel::reattach);
    connect(m_stop, &QPushButton::clicked, this, &WorkersPanel::stop);
    connect(m_check, &QPushButton::clicked, this, &WorkersPanel::checkEnvironment);
    connect(m_setup, &QPushButton::clicked, this, &WorkersPanel::setUpPython);
    connect(m_refresh, &QPushButton::clicked, this, &WorkersPanel::refresh);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &WorkersPanel::updateButtons);
    connect(m_model, &QAbstractItemModel::dataChanged, this, [this] {
        updateButtons();
        if (isVisible()) {
            m_model->fetchDevices();
            listOnce();
        }
    });
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, &WorkersPanel::updateButtons);
    connect(m_checker, &EnvironmentCheck::finished, this, &WorkersPanel::showReport);
    connect(m_tasks, &HostTasks::output, this, &WorkersPanel::report);
    connect(m_tasks, &HostTasks::listed, this,
            [this](const QString& where, const QList<WorkerEntry>& workers) {
                m_model->setDetached(workers);
                const int others = m_model->rowCount() - 1;
                report(others == 0
                           ? tr("No other worker runs on %1").arg(where)
                           : tr("%n other worker(s) run on %1", nullptr, others).arg(where));
            });
    connect(m_tasks, &HostTasks::finished, this, [this](bool, const QString& message) {
        if (!message.isEmpty())
            report(message);
        updateButtons();
    });
    selectRow(0);
    updateButtons();
}

QString WorkersPanel::reportText() const {
    return m_report->toPlainText();
}

void WorkersPanel::selectRow(int row) {
    m_view->selectRow(row);
}

int WorkersPanel::selectedRow() const {
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? 0 : rows.front().row();
}

void WorkersPanel::updateButtons() {
    const WorkerEntry& e = m_model->entry(selectedRow());
    using Health = WorkerEntry::Health;
    m_reattach->setEnabled(e.current ? e.health == Health::Reconnecting
                                     : e.health == Health::Detached);
    m_stop->setEnabled(!m_tasks->isRunning() &&
                       (e.current ? e.health != Health::Stopped && e.health != Health::Lost
                                  : e.health == Health::Detached));
    m_check->setEnabled(!m_checker->isRunning());
    m_setup->setEnabled(e.remote && !m_tasks->isRunning());
    m_refresh->setEnabled(!m_host.options().worker.remote.isEmpty() && !m_tasks->isRunning());
}

void WorkersPanel::report(const QString& text) {
    m_report->appendPlainText(text);
}

void WorkersPanel::reattach() {
    const WorkerEntry e = m_model->entry(selectedRow());
    if (e.current) {
        if (e.health != WorkerEntry::Health::Reconnecting)
            return;
        report(tr("Re-attaching to the worker on %1…").arg(e.location));
        m_host.session().reconnectNow();
        return;
    }
    if (e.health != WorkerEntry::Health::Detached)
        return;
    const WorkerEntry::Health own = m_model->current().health;
    if (own == WorkerEntry::Health::Stopped || own == WorkerEntry::Health::Lost) {
        adopt(e.run);
        return;
    }
    // The session's own worker gives way, with its variables.
    auto* box = new QMessageBox(QMessageBox::Question, tr("Re-attach"),
                                tr("Use the worker %1 on %2 in place of the session's worker? "
                                   "The session's worker is stopped and its variables are "
                                   "lost.")
                                    .arg(e.run, e.location),
                                QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setDefaultButton(QMessageBox::Cancel);
    connect(box, &QMessageBox::buttonClicked, this,
            [this, box, run = e.run](QAbstractButton* button) {
                if (box->standardButton(button) == QMessageBox::Yes)
                    adopt(run);
            });
    box->open();
}

void WorkersPanel::adopt(const QString& run) {
    report(tr("Re-attaching to the worker %1 on %2…").arg(run, m_host.options().worker.remote));
    SessionOptions options = m_host.options();
    options.worker.attachRun = run;
    m_host.reconfigure(options);
}

void WorkersPanel::stop() {
    const WorkerEntry e = m_model->entry(selectedRow());
    if (e.current) {
        report(tr("Stopping the worker on %1…").arg(e.location));
        m_host.session().stopWorker();
        return;
    }
    report(tr("Stopping the worker %1 on %2…").arg(e.run, e.location));
    m_tasks->stop(m_host.options().worker, e.run);
    connect(
        m_tasks, &HostTasks::finished, this, [this] { refresh(); }, Qt::SingleShotConnection);
    updateButtons();
}

void WorkersPanel::checkEnvironment() {
    const WorkerEntry& e = m_model->entry(selectedRow());
    report(e.remote ? tr("Checking the environment on %1 over ssh…").arg(e.location)
                    : tr("Checking the environment on this computer…"));
    qk::WorkerOptions options = m_host.options().worker;
    if (!e.remote)
        options.remote.clear();
    m_checker->start(options);
    updateButtons();
}

void WorkersPanel::showReport(const EnvironmentReport& result) {
    report(result.toText());
    updateButtons();
}

void WorkersPanel::setUpPython() {
    const WorkerEntry& e = m_model->entry(selectedRow());
    if (!e.remote)
        return;
    report(tr("Setting up Python on %1 over ssh (downloads from PyPI there; minutes)…")
               .arg(e.location));
    m_tasks->setUpPython(m_host.options().worker);
    updateButtons();
}

void WorkersPanel::refresh() {
    const QString remote = m_host.options().worker.remote;
    if (remote.isEmpty())
        return;
    m_listed = true;
    report(tr("Listing the workers on %1…").arg(remote));
    m_tasks->list(m_host.options().worker);
    updateButtons();
}

void WorkersPanel::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    m_model->fetchDevices();
    listOnce();
}

void WorkersPanel::listOnce() {
    // Once the session's own worker is known, so that it is not listed as another.
    const WorkerEntry::Health health = m_model->current().health;
    if (m_listed || m_tasks->isRunning() || !isVisible() || health == WorkerEntry::Health::Starting)
        return;
    refresh();
}

} // namespace qk::app
