// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/variablespanel.h"

#include "app/sessionhost.h"
#include "inspectors/variablemodel.h"

#include <QAction>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include <set>

namespace qk::app {

VariablesPanel::VariablesPanel(SessionHost& host, QWidget* parent)
    : QWidget(parent)
    , m_host(host)
    , m_model(new inspectors::VariableModel(this))
    , m_view(new QTableView(this))
    , m_status(new QLabel(this))
    , m_refreshTimer(new QTimer(this)) {
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSortingEnabled(false);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setWordWrap(false);

    auto* refreshButton = new QPushButton(tr("Refresh"), this);
    auto* deleteButton = new QPushButton(tr("Delete"), this);
    deleteButton->setToolTip(tr("Delete the selected variables from the worker (Del)"));
    connect(refreshButton, &QPushButton::clicked, this, &VariablesPanel::refresh);
    connect(deleteButton, &QPushButton::clicked, this, &VariablesPanel::deleteSelected);
    auto* deleteAction = new QAction(this);
    deleteAction->setShortcut(QKeySequence::Delete);
    deleteAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(deleteAction, &QAction::triggered, this, &VariablesPanel::deleteSelected);
    m_view->addAction(deleteAction);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(refreshButton);
    buttons->addWidget(deleteButton);
    buttons->addStretch();
    buttons->addWidget(m_status);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(buttons);
    layout->addWidget(m_view, 1);

    // The scope changes when commands run: refresh once the worker is idle again.
    m_refreshTimer->setSingleShot(true);
    m_refreshTimer->setInterval(250);
    connect(m_refreshTimer, &QTimer::timeout, this, &VariablesPanel::refresh);
    connect(&host.events(), &SessionEvents::workerStateChanged, this, [this](WorkerState state) {
        if (state == WorkerState::Ready)
            m_refreshTimer->start();
        else if (state == WorkerState::Dead || state == WorkerState::Starting)
            m_model->setVariables(std::vector<inspectors::VariableModel::Variable>{});
    });
}

void VariablesPanel::refresh() {
    m_host.session()
        .variables()
        .then(this,
              [this](const Value& list) {
                  m_model->setVariables(list);
                  m_status->setText(m_model->rowCount() == 1
                                        ? tr("1 variable")
                                        : tr("%1 variables").arg(m_model->rowCount()));
                  Q_EMIT refreshed();
              })
        .onFailed(this, [this](const std::exception& error) {
            m_status->setText(tr("Could not list: %1").arg(QString::fromUtf8(error.what())));
        });
}

void VariablesPanel::deleteSelected() {
    std::set<int> rows;
    for (const QModelIndex& index : m_view->selectionModel()->selectedIndexes())
        rows.insert(index.row());
    QStringList names;
    for (int row : rows)
        names << m_model->variable(row).name;
    if (names.isEmpty())
        return;
    m_host.session()
        .deleteVariables(names)
        .then(this, [this](const Value&) { refresh(); })
        .onFailed(this, [this](const std::exception& error) {
            m_status->setText(tr("Could not delete: %1").arg(QString::fromUtf8(error.what())));
        });
}

} // namespace qk::app
