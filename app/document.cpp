#include "app/document.h"

#include <QFileInfo>
#include <QUndoStack>

namespace qk::app {

Document::Document(QObject* parent)
    : QObject(parent)
    , m_undoStack(new QUndoStack(this)) {
    connect(m_undoStack, &QUndoStack::cleanChanged, this,
            [this](bool clean) { Q_EMIT modifiedChanged(!clean); });
}

QString Document::displayName() const {
    return m_fileName.isEmpty() ? tr("Untitled") : QFileInfo(m_fileName).fileName();
}

bool Document::isModified() const {
    return !m_undoStack->isClean();
}

} // namespace qk::app
