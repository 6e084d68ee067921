// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/modelbuilder.h"

#include "inspectors/theme.h"

#include "app/document.h"
#include "app/layercarddelegate.h"
#include "app/layermodel.h"
#include "app/palettemodel.h"
#include "app/shapechecker.h"

#include <QAction>
#include <QEvent>
#include <QHBoxLayout>
#include <QItemSelectionModel>
#include <QLabel>
#include <QListView>
#include <QUndoStack>
#include <QVBoxLayout>

namespace qk::app {

ModelBuilder::ModelBuilder(Document& document, ShapeChecker& checker, QWidget* parent)
    : QWidget(parent)
    , m_document(document)
    , m_checker(checker)
    , m_model(new LayerModel(document, checker, this))
    , m_view(new QListView(this))
    , m_title(new QLabel(this))
    , m_total(new QLabel(this))
    , m_status(new StatusLabel(this))
    , m_empty(new QLabel(m_view)) {
    m_view->setModel(m_model);
    m_view->setItemDelegate(new LayerCardDelegate(m_view));
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setDragDropMode(QAbstractItemView::DragDrop);
    m_view->setDefaultDropAction(Qt::MoveAction);
    m_view->setDropIndicatorShown(true);
    m_view->setAcceptDrops(true);
    m_view->setDragEnabled(true);
    m_view->setFrameShape(QFrame::NoFrame);
    m_view->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_view->setResizeMode(QListView::Adjust);
    m_view->setSpacing(0);
    m_view->setUniformItemSizes(false);
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_view->viewport()->setAutoFillBackground(true);
    applyPalette();

    auto* emptyLayout = new QVBoxLayout(m_view->viewport());
    emptyLayout->addWidget(m_empty);
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setWordWrap(true);
    m_empty->setEnabled(false);
    m_empty->setText(tr("<h3>An empty Sequential model</h3>"
                        "<p>Double-click a layer in the <b>Layers</b> palette, or drag it here.<br>"
                        "Start with an <b>InputLayer</b> so that shapes can be computed.</p>"));

    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.25);
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_title->setText(tr("Sequential model"));
    QFont totalFont = m_total->font();
    totalFont.setBold(true);
    m_total->setFont(totalFont);
    m_status->setEnabled(false);

    auto* header = new QHBoxLayout;
    header->setContentsMargins(14, 8, 14, 4);
    header->addWidget(m_title);
    header->addSpacing(16);
    header->addWidget(m_status, 1);
    header->addSpacing(16);
    header->addWidget(m_total);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addLayout(header);
    layout->addWidget(m_view, 1);

    const auto makeAction = [this](const QString& text, const QKeySequence& key, auto slot) {
        auto* action = new QAction(text, this);
        action->setShortcut(key);
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        connect(action, &QAction::triggered, this, slot);
        m_view->addAction(action);
        return action;
    };
    m_delete = makeAction(tr("&Delete layer"), QKeySequence::Delete,
                          [this] { m_document.removeLayers(selectedLayerIds()); });
    m_duplicate = makeAction(tr("D&uplicate layer"), QKeySequence(tr("Ctrl+D")), [this] {
        const QList<int> ids = m_document.duplicateLayers(selectedLayerIds());
        if (!ids.isEmpty())
            selectLayer(ids.back());
    });
    m_moveUp =
        makeAction(tr("Move layer &up"), QKeySequence(tr("Ctrl+Up")), [this] { moveCurrent(-1); });
    m_moveDown = makeAction(tr("Move layer do&wn"), QKeySequence(tr("Ctrl+Down")),
                            [this] { moveCurrent(+1); });

    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex& current) {
                updateActions();
                Q_EMIT currentLayerChanged(m_model->layerId(current));
            });
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ModelBuilder::updateActions);
    connect(m_model, &LayerModel::catalogEntryDropped, this,
            [this](const QString& name, int row) { addLayer(name, row); });
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &ModelBuilder::updateHeader);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, &ModelBuilder::updateHeader);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &ModelBuilder::updateHeader);
    connect(&checker, &ShapeChecker::updated, this, &ModelBuilder::updateHeader);
    connect(&document, &Document::changed, this, [this](const DocumentChange& change) {
        if (change.kind == DocumentChange::Kind::LayerInserted)
            m_inserted << change.layerId;
    });
    connect(document.undoStack(), &QUndoStack::indexChanged, this,
            &ModelBuilder::selectAfterUndoStep);
    connect(&checker, &ShapeChecker::checkFailed, this, [this](const QString& message) {
        m_status->setStatus(tr("Shapes unknown: %1").arg(message.section(u'\n', 0, 0)), true,
                            message);
    });
    updateHeader();
    updateActions();
}

void ModelBuilder::addLayer(const QString& className, int row) {
    if (row < 0) {
        const int current = m_document.indexOf(currentLayerId());
        row = current < 0 ? m_document.layerCount() : current + 1;
    }
    selectLayer(m_document.addLayer(keras::Layer(paletteObject(className)), row));
}

int ModelBuilder::currentLayerId() const {
    return m_model->layerId(m_view->currentIndex());
}

QList<int> ModelBuilder::selectedLayerIds() const {
    QList<int> ids;
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    for (const QModelIndex& index : rows)
        ids << m_model->layerId(index);
    return ids;
}

void ModelBuilder::selectAfterUndoStep() {
    // An edit, its undo or its redo: the layers it brought back are selected; after a
    // removal, the layer that became current (the view moves it to a neighbour) is selected
    // too. Delete and Duplicate act on the selection, so what they act on is always visible,
    // and Properties shows the current layer.
    QList<int> inserted;
    for (int id : std::as_const(m_inserted)) {
        if (m_document.indexOf(id) >= 0)
            inserted << id;
    }
    m_inserted.clear();
    if (m_document.undoStack()->count() == 0)
        return; // a project was opened: nothing is selected yet
    QItemSelectionModel* selection = m_view->selectionModel();
    if (!inserted.isEmpty()) {
        QItemSelection rows;
        for (int id : std::as_const(inserted)) {
            const QModelIndex index = m_model->indexOfLayer(id);
            rows.select(index, index);
        }
        selection->setCurrentIndex(m_model->indexOfLayer(inserted.back()),
                                   QItemSelectionModel::NoUpdate);
        selection->select(rows, QItemSelectionModel::ClearAndSelect);
        m_view->scrollTo(m_model->indexOfLayer(inserted.back()));
    } else if (const QModelIndex current = m_view->currentIndex();
               current.isValid() && !selection->hasSelection()) {
        selection->select(current, QItemSelectionModel::ClearAndSelect);
    }
    updateActions();
}

void ModelBuilder::selectLayer(int layerId) {
    const QModelIndex index = m_model->indexOfLayer(layerId);
    m_view->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect);
    m_view->scrollTo(index);
}

void ModelBuilder::moveCurrent(int delta) {
    const int id = currentLayerId();
    const int row = m_document.indexOf(id);
    if (row < 0)
        return;
    m_document.moveLayer(id, row + delta);
    selectLayer(id);
}

void ModelBuilder::updateHeader() {
    const int count = m_document.layerCount();
    m_empty->setVisible(count == 0);
    m_title->setText(tr("Sequential model · %n layer(s)", nullptr, count));
    if (!m_checker.isUpToDate()) {
        m_status->setStatus(tr("Computing shapes…"));
    } else if (m_checker.failure().layerId != 0) {
        const int row = m_document.indexOf(m_checker.failure().layerId);
        m_status->setStatus(tr("Layer %1 does not fit").arg(row + 1), true);
    } else {
        m_status->setStatus(count ? tr("Shapes checked by Keras") : QString());
    }
    m_total->setText(tr("Total params: %L1").arg(m_checker.totalParams()));
}

void ModelBuilder::updateActions() {
    const bool any = m_view->currentIndex().isValid();
    const int row = m_view->currentIndex().row();
    const bool selected = m_view->selectionModel()->hasSelection();
    m_delete->setEnabled(selected);
    m_duplicate->setEnabled(selected);
    m_moveUp->setEnabled(any && row > 0);
    m_moveDown->setEnabled(any && row < m_document.layerCount() - 1);
}

void ModelBuilder::applyPalette() {
    // The cards stand on the window's colour, a shade apart from the docks around them.
    QPalette palette = this->palette();
    palette.setColor(QPalette::Base, palette.color(QPalette::Window));
    palette.setColor(QPalette::Window, inspectors::isDark(palette)
                                           ? palette.color(QPalette::Window).darker(115)
                                           : palette.color(QPalette::Window).lighter(104));
    m_view->setPalette(palette);
}

void ModelBuilder::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        applyPalette();
}

} // namespace qk::app
