// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/document.h"

#include "app/documentcommands.h"

#include <QFileInfo>
#include <QUndoStack>

#include <algorithm>

namespace qk::app {

Document::Document(QObject* parent)
    : QObject(parent)
    , m_undoStack(new QUndoStack(this)) {
    connect(m_undoStack, &QUndoStack::cleanChanged, this, &Document::updateModified);
}

QString Document::displayName() const {
    return m_fileName.isEmpty() ? tr("Untitled") : QFileInfo(m_fileName).fileName();
}

void Document::setFileName(const QString& fileName) {
    if (fileName == m_fileName)
        return;
    m_fileName = fileName;
    Q_EMIT fileNameChanged(fileName);
}

bool Document::isModified() const {
    return m_unrecorded || !m_undoStack->isClean();
}

void Document::setModified(bool modified) {
    m_unrecorded = modified;
    if (!modified)
        m_undoStack->setClean();
    updateModified();
}

void Document::updateModified() {
    if (isModified() == m_modified)
        return;
    m_modified = isModified();
    Q_EMIT modifiedChanged(m_modified);
}

int Document::indexOf(int layerId) const {
    const auto it = std::find_if(m_layers.begin(), m_layers.end(),
                                 [layerId](const LayerItem& item) { return item.id == layerId; });
    return it == m_layers.end() ? -1 : static_cast<int>(it - m_layers.begin());
}

int Document::addLayer(const keras::Layer& layer, int index) {
    if (index < 0 || index > layerCount())
        index = layerCount();
    const int id = m_nextId++;
    m_undoStack->push(new InsertLayerCommand(*this, index, LayerItem{id, layer}));
    return id;
}

void Document::removeLayers(const QList<int>& layerIds) {
    QList<int> indexes;
    for (int id : layerIds) {
        if (const int index = indexOf(id); index >= 0 && !indexes.contains(index))
            indexes << index;
    }
    if (indexes.isEmpty())
        return;
    std::sort(indexes.begin(), indexes.end(), std::greater<>());
    if (indexes.size() == 1) {
        m_undoStack->push(new RemoveLayerCommand(*this, indexes.front()));
        return;
    }
    m_undoStack->beginMacro(tr("Remove %n layer(s)", nullptr, static_cast<int>(indexes.size())));
    for (int index : std::as_const(indexes))
        m_undoStack->push(new RemoveLayerCommand(*this, index));
    m_undoStack->endMacro();
}

void Document::moveLayer(int layerId, int to) {
    const int from = indexOf(layerId);
    to = std::clamp(to, 0, layerCount() - 1);
    if (from < 0 || from == to)
        return;
    m_undoStack->push(new MoveLayerCommand(*this, from, to));
}

QList<int> Document::duplicateLayers(const QList<int>& layerIds) {
    QList<int> indexes;
    for (int id : layerIds) {
        if (const int index = indexOf(id); index >= 0 && !indexes.contains(index))
            indexes << index;
    }
    QList<int> ids;
    if (indexes.isEmpty())
        return ids;
    std::sort(indexes.begin(), indexes.end());
    int at = indexes.back() + 1;
    m_undoStack->beginMacro(tr("Duplicate %n layer(s)", nullptr, static_cast<int>(indexes.size())));
    for (int index : std::as_const(indexes))
        ids << addLayer(layerAt(index).layer, at++);
    m_undoStack->endMacro();
    return ids;
}

void Document::setLayerArgument(int layerId, const QString& name,
                                const std::optional<keras::Argument>& value) {
    const int index = indexOf(layerId);
    if (index < 0)
        return;
    const keras::Layer before = layerAt(index).layer;
    keras::Layer after = before;
    if (value)
        after.set(name, *value);
    else
        after.unset(name);
    setLayer(layerId, after,
             value ? tr("Set %1.%2").arg(before.className(), name)
                   : tr("Reset %1.%2").arg(before.className(), name));
}

void Document::setLayer(int layerId, const keras::Layer& layer, const QString& text) {
    const int index = indexOf(layerId);
    if (index < 0)
        return;
    const keras::Layer before = layerAt(index).layer;
    if (layer == before)
        return;
    m_undoStack->push(new ChangeValueCommand<keras::Layer>(
        text, before, layer,
        [this, layerId](const keras::Layer& value) { replaceLayer(layerId, value); }));
}

void Document::setCompileSettings(const CompileSettings& settings) {
    if (settings == m_compile)
        return;
    m_undoStack->push(new ChangeValueCommand<CompileSettings>(
        tr("Change compile settings"), m_compile, settings,
        [this](const CompileSettings& s) { replaceCompileSettings(s); }));
}

void Document::setTrainingSettings(const TrainingSettings& settings) {
    if (settings == m_training)
        return;
    m_undoStack->push(new ChangeValueCommand<TrainingSettings>(
        tr("Change training settings"), m_training, settings,
        [this](const TrainingSettings& s) { replaceTrainingSettings(s); }));
}

void Document::setDataSource(const DataSource& source) {
    if (source == m_data)
        return;
    m_undoStack->push(
        new ChangeValueCommand<DataSource>(tr("Change data source"), m_data, source,
                                           [this](const DataSource& s) { replaceDataSource(s); }));
}

void Document::notify(const DocumentChange& change, const std::function<void()>& apply) {
    Q_EMIT aboutToChange(change);
    apply();
    Q_EMIT changed(change);
}

void Document::insertLayerItem(int index, const LayerItem& item) {
    m_nextId = std::max(m_nextId, item.id + 1);
    notify({DocumentChange::Kind::LayerInserted, index, -1, item.id},
           [&] { m_layers.insert(m_layers.begin() + index, item); });
}

LayerItem Document::takeLayerItem(int index) {
    LayerItem item = layerAt(index);
    notify({DocumentChange::Kind::LayerRemoved, index, -1, item.id},
           [&] { m_layers.erase(m_layers.begin() + index); });
    return item;
}

void Document::moveLayerItem(int from, int to) {
    notify({DocumentChange::Kind::LayerMoved, from, to, layerAt(from).id}, [&] {
        LayerItem item = m_layers[static_cast<size_t>(from)];
        m_layers.erase(m_layers.begin() + from);
        m_layers.insert(m_layers.begin() + to, std::move(item));
    });
}

void Document::replaceLayer(int layerId, const keras::Layer& layer) {
    const int index = indexOf(layerId);
    notify({DocumentChange::Kind::LayerChanged, index, -1, layerId},
           [&] { m_layers[static_cast<size_t>(index)].layer = layer; });
}

void Document::replaceCompileSettings(const CompileSettings& settings) {
    notify({DocumentChange::Kind::CompileChanged}, [&] { m_compile = settings; });
}

void Document::replaceTrainingSettings(const TrainingSettings& settings) {
    notify({DocumentChange::Kind::TrainingChanged}, [&] { m_training = settings; });
}

void Document::replaceDataSource(const DataSource& source) {
    notify({DocumentChange::Kind::DataChanged}, [&] { m_data = source; });
}

} // namespace qk::app
