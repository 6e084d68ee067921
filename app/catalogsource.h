// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/keras/catalog.h"

#include <QObject>

namespace qk::app {

class SessionHost;

// The worker's Keras catalog for the panels that are generated from it: asked for once
// the worker is ready, and again after a new worker replaced it.
class CatalogSource : public QObject {
    Q_OBJECT
public:
    explicit CatalogSource(SessionHost& host, QObject* parent = nullptr);

    const keras::Catalog& catalog() const { return m_catalog; }
    bool isLoaded() const { return !m_catalog.isEmpty(); }
    // The entry of a layers-group class, or nullptr.
    const keras::CatalogEntry* layer(const QString& name) const;
    // The entry of what an object calls, in the group of its module (a layer, an
    // application, a constraint...), or nullptr.
    const keras::CatalogEntry* entryFor(const keras::KerasObject& object) const;
    // The module of a class named without one (LSTM, MaxNorm): a layer's first, then the
    // other groups' in the catalog's order; empty when no group has it.
    QString moduleOf(const QString& className) const;
    // Names of the entries of a group (activations, initializers...), in catalog order.
    QStringList names(const QString& group) const;

Q_SIGNALS:
    void loaded();
    void failed(const QString& message);

private:
    void load();

    SessionHost& m_host;
    keras::Catalog m_catalog;
};

} // namespace qk::app
