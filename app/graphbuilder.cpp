// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/graphbuilder.h"

#include "app/actionids.h"
#include "app/actionregistry.h"
#include "app/document.h"
#include "app/graphchecker.h"
#include "app/graphitems.h"
#include "app/graphscene.h"
#include "app/graphview.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QFontMetrics>
#include <QHBoxLayout>
#include <QImage>
#include <QLabel>
#include <QMimeData>
#include <QPainter>
#include <QVBoxLayout>
#include <QtMath>

namespace qk::app {

namespace {
const QString clipboardMime = QStringLiteral("application/x-qtkeras-graph");
}

GraphBuilder::GraphBuilder(Document& document, GraphChecker& checker, ActionRegistry& actions,
                           QWidget* parent)
    : QWidget(parent)
    , m_document(document)
    , m_checker(checker)
    , m_scene(new GraphScene(document, checker, this))
    , m_view(new GraphView(m_scene, this))
    , m_title(new QLabel(this))
    , m_status(new StatusLabel(this))
    , m_total(new QLabel(this)) {
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.25);
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    QFont totalFont = m_total->font();
    totalFont.setBold(true);
    m_total->setFont(totalFont);
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
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);

    createActions(actions);
    connect(m_scene, &QGraphicsScene::selectionChanged, this, [this] {
        updateActions();
        Q_EMIT currentNodeChanged(currentNodeId());
    });
    connect(m_scene, &GraphScene::message, this, [this](const QString& text) {
        m_message = text;
        updateHeader();
    });
    connect(m_scene, &GraphScene::synced, this, [this] {
        updateActions();
        m_message.clear();
        updateHeader();
        // A graph that appears whole (an import, a project) is shown whole.
        const size_t count = m_document.graph().nodes.size();
        if (m_fitPending && count > 1)
            m_view->fitGraph();
        m_fitPending = count == 0;
    });
    connect(&checker, &GraphChecker::updated, this, &GraphBuilder::updateHeader);
    connect(m_view, &GraphView::entryDropped, this,
            [this](const QString& className, const QPointF& at) {
                m_scene->editor().addNode(className, at);
            });
    updateHeader();
    updateActions();
}

void GraphBuilder::createActions(ActionRegistry& actions) {
    const auto make = [&](const char* id, const QString& text, const QKeySequence& key, auto slot,
                          bool needsSelection) {
        auto* action = new QAction(text, this);
        action->setShortcut(key);
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        connect(action, &QAction::triggered, this, slot);
        m_view->addAction(action);
        actions.add(id, action);
        if (needsSelection)
            m_selectionActions << action;
        return action;
    };
    make(
        ids::graphDelete, tr("&Delete"), QKeySequence::Delete,
        [this] { m_scene->editor().remove(m_scene->selectedNodeIds(), m_scene->selectedEdges()); },
        false);
    make(
        ids::graphDuplicate, tr("D&uplicate"), QKeySequence(tr("Ctrl+D")),
        [this] { m_scene->editor().duplicate(m_scene->selectedNodeIds()); }, true);
    make(ids::graphCopy, tr("&Copy"), QKeySequence::Copy, &GraphBuilder::copySelection, true);
    make(ids::graphPaste, tr("&Paste"), QKeySequence::Paste, &GraphBuilder::paste, false);
    make(
        ids::graphShare, tr("Call Layer &Again (Shared)"), QKeySequence(tr("Ctrl+Shift+D")),
        [this] { m_scene->editor().share(currentNodeId()); }, true);
    m_toggleBlock = make(
        ids::graphToggleBlock, tr("&Open Block"), QKeySequence(),
        [this] {
            const GraphNode* node = m_document.graph().node(currentNodeId());
            if (node && node->isBlock())
                m_scene->editor().setExpanded(node->id, !node->expanded);
        },
        false);
    make(
        ids::graphLayout, tr("&Lay Out"), QKeySequence(tr("Ctrl+L")),
        [this] {
            m_scene->editor().autoLayout();
            m_view->fitGraph();
        },
        false);
    make(
        ids::graphFit, tr("&Fit to View"), QKeySequence(tr("Ctrl+0")),
        [this] { m_view->fitGraph(); }, false);
    make(
        ids::graphZoomIn, tr("Zoom &In"), QKeySequence::ZoomIn, [this] { m_view->zoomBy(1.25); },
        false);
    make(
        ids::graphZoomOut, tr("Zoom &Out"), QKeySequence::ZoomOut, [this] { m_view->zoomBy(0.8); },
        false);
}

int GraphBuilder::currentNodeId() const {
    const QList<int> ids = m_scene->selectedNodeIds();
    return ids.size() == 1 ? ids.front() : 0;
}

int GraphBuilder::addNode(const QString& className) {
    const int after = currentNodeId();
    std::optional<QPointF> at;
    if (!after)
        at = m_view->mapToScene(m_view->viewport()->rect().center());
    return m_scene->editor().addNode(className, at, after);
}

QImage GraphBuilder::renderGraph(int maxSide) const {
    const QRectF rect = m_scene->graphRect().adjusted(-20, -20, 20, 20);
    const qreal scale = std::min<qreal>(1.0, maxSide / std::max(rect.width(), rect.height()));
    constexpr int headerHeight = 36;
    QFont font = this->font();
    font.setPointSizeF(11);
    font.setBold(true);
    const QString header = m_title->text() + QStringLiteral("  ·  ") + m_total->text();
    // As wide as the graph, and at least as its header line.
    const int headerWidth = QFontMetrics(font).horizontalAdvance(header) + 24;
    const QSize size(std::max({480, headerWidth, qCeil(rect.width() * scale)}),
                     qCeil(rect.height() * scale) + headerHeight);
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    image.fill(QColor(0xf3, 0xf5, 0xf8));
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setFont(font);
    painter.drawText(QRect(12, 0, size.width() - 24, headerHeight), Qt::AlignVCenter, header);
    const QRectF target((size.width() - rect.width() * scale) / 2, headerHeight,
                        rect.width() * scale, rect.height() * scale);
    m_scene->render(&painter, target, rect);
    return image;
}

void GraphBuilder::copySelection() {
    const QList<int> ids = m_scene->selectedNodeIds();
    if (ids.isEmpty())
        return;
    auto* mime = new QMimeData;
    mime->setData(clipboardMime, GraphEditor::copy(m_document.graph(), ids));
    QApplication::clipboard()->setMimeData(mime);
}

void GraphBuilder::paste() {
    const QMimeData* mime = QApplication::clipboard()->mimeData();
    if (mime && mime->hasFormat(clipboardMime))
        m_scene->editor().paste(mime->data(clipboardMime));
}

void GraphBuilder::updateHeader() {
    const ModelGraph& graph = m_document.graph();
    m_title->setText(
        tr("Functional model · %n node(s)", nullptr, static_cast<int>(graph.nodes.size())));
    const QString error = m_checker.firstError();
    if (!m_message.isEmpty())
        m_status->setStatus(m_message, true, m_message);
    else if (!error.isEmpty())
        m_status->setStatus(error, true, error);
    else if (!m_checker.isUpToDate())
        m_status->setStatus(tr("Computing shapes…"));
    else if (!graph.isEmpty())
        m_status->setStatus(tr("Shapes checked by Keras"));
    else
        m_status->setStatus(tr("Drop layers from the palette here; drag from an output (bottom) "
                               "to an input (top) to connect."));
    m_total->setText(tr("Total params: %L1").arg(m_checker.totalParams()));
}

void GraphBuilder::updateActions() {
    const bool any = !m_scene->selectedNodeIds().isEmpty();
    for (QAction* action : std::as_const(m_selectionActions))
        action->setEnabled(any);
    const GraphNode* node = m_document.graph().node(currentNodeId());
    const bool block = node && node->isBlock();
    m_toggleBlock->setEnabled(block);
    m_toggleBlock->setText(block && node->expanded ? tr("Cl&ose Block") : tr("&Open Block"));
}

} // namespace qk::app
