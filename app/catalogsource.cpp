// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/catalogsource.h"

#include "app/sessionhost.h"

namespace qk::app {

CatalogSource::CatalogSource(SessionHost& host, QObject* parent)
    : QObject(parent)
    , m_host(host) {
    connect(&host.events(), &SessionEvents::workerReady, this, &CatalogSource::load);
    if (host.workerState() != WorkerState::Starting && host.workerState() != WorkerState::Dead)
        load();
}

const keras::CatalogEntry* CatalogSource::layer(const QString& name) const {
    return m_catalog.find(QStringLiteral("layers"), name);
}

const keras::CatalogEntry* CatalogSource::entryFor(const keras::KerasObject& object) const {
    for (const QString& group : m_catalog.groups()) {
        const keras::CatalogEntry* entry = m_catalog.find(group, object.className());
        if (entry && entry->module == object.module())
            return entry;
    }
    return nullptr;
}

QString CatalogSource::moduleOf(const QString& className) const {
    if (const keras::CatalogEntry* entry = layer(className))
        return entry->module;
    for (const QString& group : m_catalog.groups()) {
        if (const keras::CatalogEntry* entry = m_catalog.find(group, className))
            return entry->module;
    }
    return {};
}

QStringList CatalogSource::names(const QString& group) const {
    QStringList result;
    for (const keras::CatalogEntry* entry : m_catalog.entries(group)) {
        if (!entry->isAlias())
            result << entry->name;
    }
    return result;
}

void CatalogSource::load() {
    keras::Catalog::load(m_host.session())
        .then(this,
              [this](const keras::Catalog& catalog) {
                  m_catalog = catalog;
                  Q_EMIT loaded();
              })
        .onFailed(this,
                  [this](const std::exception& e) { Q_EMIT failed(QString::fromUtf8(e.what())); });
}

} // namespace qk::app
