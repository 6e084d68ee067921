// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/queuemonitorpanel.h"

#include "inspectors/commanddetailview.h"
#include "inspectors/commandfiltermodel.h"
#include "inspectors/commandmodel.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace qk::app {

namespace {

using inspectors::CommandModel;

struct FilterChoice {
    const char* label;
    QSet<CommandState> states;
};

const std::vector<FilterChoice>& filterChoices() {
    static const std::vector<FilterChoice> choices = [] {
        std::vector<FilterChoice> c;
        c.push_back({QT_TRANSLATE_NOOP("QueueMonitorPanel", "All states"), {}});
        c.push_back({QT_TRANSLATE_NOOP("QueueMonitorPanel", "Open"),
                     {CommandState::Pending, CommandState::Queued, CommandState::Running}});
        c.push_back({QT_TRANSLATE_NOOP("QueueMonitorPanel", "Problems"),
                     {CommandState::Failed, CommandState::Ignored, CommandState::Replaced,
                      CommandState::Dropped, CommandState::Cancelled}});
        for (CommandState s :
             {CommandState::Pending, CommandState::Queued, CommandState::Running,
              CommandState::Succeeded, CommandState::Failed, CommandState::Ignored,
              CommandState::Replaced, CommandState::Dropped, CommandState::Cancelled})
            c.push_back({nullptr, {s}});
        return c;
    }();
    return choices;
}

} // namespace

QueueMonitorPanel::QueueMonitorPanel(CommandModel& model, QWidget* parent)
    : QWidget(parent)
    , m_model(model)
    , m_proxy(new inspectors::CommandFilterModel(this))
    , m_view(new QTableView(this))
    , m_filter(new QComboBox(this))
    , m_count(new QLabel(this))
    , m_detail(new inspectors::CommandDetailView(this)) {
    m_proxy->setSourceModel(&model);
    m_view->setModel(m_proxy);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setWordWrap(false);
    m_view->setAlternatingRowColors(true);
    m_view->verticalHeader()->hide();
    // Fixed row heights and column widths: the view never measures 10,000 rows.
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    QHeaderView* header = m_view->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setStretchLastSection(true);
    const int em = m_view->fontMetrics().horizontalAdvance(QLatin1Char('M'));
    m_view->setColumnWidth(CommandModel::IdColumn, 7 * em);
    m_view->setColumnWidth(CommandModel::StateColumn, 9 * em);
    m_view->setColumnWidth(CommandModel::CodeColumn, 18 * em);
    m_view->setColumnWidth(CommandModel::BindingsColumn, 6 * em);
    m_view->setColumnWidth(CommandModel::DurationColumn, 6 * em);

    for (const FilterChoice& choice : filterChoices()) {
        m_filter->addItem(choice.label
                              ? QCoreApplication::translate("QueueMonitorPanel", choice.label)
                              : CommandModel::stateLabel(*choice.states.begin()));
    }
    m_filter->setToolTip(tr("Show the commands in these states"));
    connect(m_filter, &QComboBox::currentIndexChanged, this, &QueueMonitorPanel::applyFilter);

    auto* clear = new QPushButton(tr("Clear finished"), this);
    clear->setToolTip(tr("Remove the commands that have settled"));
    connect(clear, &QPushButton::clicked, &model, &CommandModel::clearFinished);

    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Show:"), this));
    bar->addWidget(m_filter);
    bar->addWidget(clear);
    bar->addStretch();
    bar->addWidget(m_count);

    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_view);
    splitter->addWidget(m_detail);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    splitter->setSizes({300, 200});
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(bar);
    layout->addWidget(splitter, 1);

    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &QueueMonitorPanel::showCurrent);
    connect(m_proxy, &QAbstractItemModel::dataChanged, this,
            [this](const QModelIndex& topLeft, const QModelIndex& bottomRight) {
                const QModelIndex current = m_view->currentIndex();
                if (current.isValid() && current.row() >= topLeft.row() &&
                    current.row() <= bottomRight.row())
                    showCurrent();
            });
    // Follow new commands while the view is scrolled to the bottom.
    connect(m_proxy, &QAbstractItemModel::rowsAboutToBeInserted, this, [this] {
        const QScrollBar* scroll = m_view->verticalScrollBar();
        m_follow = scroll->value() >= scroll->maximum() - 2;
    });
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, [this] {
        if (m_follow)
            m_view->scrollToBottom();
        updateCount();
    });
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, &QueueMonitorPanel::updateCount);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, [this] {
        m_detail->clear();
        updateCount();
    });
    connect(&model, &CommandModel::openCountChanged, this, &QueueMonitorPanel::updateCount);
    updateCount();
}

void QueueMonitorPanel::applyFilter(int choice) {
    const auto& choices = filterChoices();
    if (choice >= 0 && choice < static_cast<int>(choices.size()))
        m_proxy->setStates(choices[static_cast<std::size_t>(choice)].states);
    updateCount();
}

void QueueMonitorPanel::updateCount() {
    m_count->setText(tr("%1 shown · %2 open").arg(m_proxy->rowCount()).arg(m_model.openCount()));
}

void QueueMonitorPanel::showCurrent() {
    const QModelIndex current = m_view->currentIndex();
    if (!current.isValid()) {
        m_detail->clear();
        return;
    }
    const int row = m_proxy->mapToSource(current).row();
    m_detail->showCommand(m_model.info(row), m_model.failure(row));
}

bool QueueMonitorPanel::selectCommand(const QString& id) {
    const int row = m_model.rowOf(id);
    if (row < 0)
        return false;
    const QModelIndex index = m_proxy->mapFromSource(m_model.index(row, 0));
    if (!index.isValid())
        return false;
    m_view->setCurrentIndex(index);
    m_view->scrollTo(index);
    showCurrent();
    return true;
}

} // namespace qk::app
