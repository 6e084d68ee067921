// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/keras/catalogentry.h"
#include "bridge/keras/kerasobject.h"

#include <QFuture>
#include <QMap>
#include <QString>

#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

namespace qk {
class Session;
} // namespace qk

namespace qk::keras {

// A call that the catalog refuses before anything is sent, or a malformed catalog. The
// message names the callable ("keras.layers.Dense") and, where there is one, the parameter.
class CatalogError : public std::invalid_argument {
public:
    CatalogError(const QString& message, QString entry = {}, QString parameter = {})
        : std::invalid_argument(message.toStdString())
        , m_entry(std::move(entry))
        , m_parameter(std::move(parameter)) {}
    const QString& entry() const { return m_entry; }
    const QString& parameter() const { return m_parameter; }

private:
    QString m_entry;
    QString m_parameter;
};

// What the worker knows about Keras: every public class and function of keras.layers,
// optimizers, losses, metrics, activations, initializers, regularizers, callbacks,
// constraints, schedules (keras.optimizers.schedules) and applications, with parameters,
// defaults and docs. The IDE's palette and property editor are generated from
// it, and instantiate() checks a call against it before it is sent. Copies share the data.
class Catalog {
public:
    using Keywords = std::vector<std::pair<QString, Argument>>;

    Catalog();
    // From the worker's catalog() value; throws CatalogError when it is malformed.
    explicit Catalog(const Value& data);

    // Asks the worker for its catalog (computed once per worker).
    static QFuture<Catalog> load(Session& session);

    bool isEmpty() const;
    QString kerasVersion() const;
    QString backend() const;
    // The groups in the worker's order, and the number of entries in each.
    QStringList groups() const;
    QMap<QString, int> sizes() const;
    const std::vector<CatalogEntry>& entries() const;
    std::vector<const CatalogEntry*> entries(const QString& group) const;

    // The entry, or nullptr.
    const CatalogEntry* find(const QString& group, const QString& name) const;
    // The entry; throws CatalogError when the catalog has no such entry.
    const CatalogEntry& at(const QString& group, const QString& name) const;
    // Entries whose name or alias contains text (case-insensitive), then those whose doc or
    // category does; in each part, in catalog order. An empty group searches all groups.
    std::vector<const CatalogEntry*> search(const QString& text, const QString& group = {}) const;

    // A checked constructor call: throws CatalogError for an unknown entry, an unknown
    // keyword, a missing required argument, too many positional arguments, a value of the
    // wrong type, or one outside the range Keras documents.
    KerasObject instantiate(const QString& group, const QString& name,
                            std::vector<Argument> positional = {}, Keywords keywords = {}) const;
    KerasObject layer(const QString& name, std::vector<Argument> positional = {},
                      Keywords keywords = {}) const {
        return instantiate(QStringLiteral("layers"), name, std::move(positional),
                           std::move(keywords));
    }
    // Checks an object built elsewhere (a typed layer, say) the same way; its module must be
    // one of the catalog's ("keras.layers", "keras.optimizers.schedules").
    void check(const KerasObject& object) const;
    static void check(const CatalogEntry& entry, const KerasObject& object);
    // The same call with its positional arguments given by keyword where Python allows it
    // (keras::Dense(16) becomes Dense(units=16)), ahead of the keyword arguments; positional-
    // only ones stay, and so does every one when there are more than named positional
    // parameters (they go to *args) or the signature is unknown.
    static KerasObject withNamedArguments(const CatalogEntry& entry, const KerasObject& object);

private:
    struct Data;
    std::shared_ptr<const Data> m_data;
};

} // namespace qk::keras
