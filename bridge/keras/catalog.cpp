// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/keras/catalog.h"

#include "bridge/keras/worker.h"
#include "bridge/session/session.h"

#include <QHash>

#include <algorithm>
#include <cmath>
#include <set>

namespace qk::keras {

QString parameterKindName(ParameterKind kind) {
    switch (kind) {
    case ParameterKind::PositionalOnly:
        return QStringLiteral("positional-only");
    case ParameterKind::PositionalOrKeyword:
        return QStringLiteral("positional-or-keyword");
    case ParameterKind::KeywordOnly:
        return QStringLiteral("keyword-only");
    case ParameterKind::VarPositional:
        return QStringLiteral("var-positional");
    case ParameterKind::VarKeyword:
        return QStringLiteral("var-keyword");
    }
    return {};
}

const CatalogParameter* CatalogEntry::parameter(const QString& parameterName) const {
    for (const CatalogParameter& p : parameters) {
        if (p.name == parameterName && !p.isVariadic())
            return &p;
    }
    return nullptr;
}

QStringList CatalogEntry::requiredParameters() const {
    QStringList names;
    for (const CatalogParameter& p : parameters) {
        if (p.required)
            names << p.name;
    }
    return names;
}

struct Catalog::Data {
    QString kerasVersion;
    QString backend;
    QStringList groups;
    std::vector<CatalogEntry> entries;
    QHash<QString, qsizetype> index;       // "group/name" -> position in entries
    QHash<QString, QString> groupOfModule; // "keras.optimizers.schedules" -> "schedules"
};

namespace {

QString key(const QString& group, const QString& name) {
    return group + u'/' + name;
}

[[noreturn]] void malformed(const QString& what) {
    throw CatalogError(QStringLiteral("malformed Keras catalog: %1").arg(what));
}

const Value& field(const Value& dict, const char* name, const QString& where) {
    if (!dict.isDict() || !dict.contains(QString::fromUtf8(name)))
        malformed(QStringLiteral("%1 has no '%2'").arg(where, QString::fromUtf8(name)));
    return dict[name];
}

QString text(const Value& dict, const char* name, const QString& where, bool optional = false) {
    if (optional && (!dict.contains(QString::fromUtf8(name)) || dict[name].isNone()))
        return {};
    const Value& v = field(dict, name, where);
    if (v.isNone() && optional)
        return {};
    if (!v.isString())
        malformed(QStringLiteral("'%1' of %2 is not a string").arg(QString::fromUtf8(name), where));
    return v.toString();
}

bool flag(const Value& dict, const char* name, bool fallback) {
    if (!dict.contains(QString::fromUtf8(name)))
        return fallback;
    const Value& v = dict[name];
    return v.isBool() ? v.toBool() : fallback;
}

QStringList strings(const Value& dict, const char* name, const QString& where) {
    QStringList list;
    if (!dict.contains(QString::fromUtf8(name)))
        return list;
    const Value& v = dict[name];
    if (!v.isList() && !v.isTuple())
        malformed(QStringLiteral("'%1' of %2 is not a list").arg(QString::fromUtf8(name), where));
    for (const Value& item : v.items()) {
        if (!item.isString())
            malformed(QStringLiteral("'%1' of %2 holds a non-string")
                          .arg(QString::fromUtf8(name), where));
        list << item.toString();
    }
    return list;
}

ParameterKind parseKind(const QString& name, const QString& where) {
    static const QHash<QString, ParameterKind> kinds{
        {QStringLiteral("positional-only"), ParameterKind::PositionalOnly},
        {QStringLiteral("positional-or-keyword"), ParameterKind::PositionalOrKeyword},
        {QStringLiteral("keyword-only"), ParameterKind::KeywordOnly},
        {QStringLiteral("var-positional"), ParameterKind::VarPositional},
        {QStringLiteral("var-keyword"), ParameterKind::VarKeyword},
    };
    const auto it = kinds.find(name);
    if (it == kinds.end())
        malformed(QStringLiteral("%1 has an unknown kind '%2'").arg(where, name));
    return *it;
}

// The types a default implies when the catalog does not list them.
QStringList typesOfDefault(const Value& value) {
    switch (value.kind()) {
    case Value::Kind::Bool:
        return {QStringLiteral("bool")};
    case Value::Kind::Int:
    case Value::Kind::BigInt:
    case Value::Kind::Float:
        return {QStringLiteral("int"), QStringLiteral("float")};
    case Value::Kind::String:
        return {QStringLiteral("str")};
    case Value::Kind::List:
    case Value::Kind::Tuple:
        return {QStringLiteral("sequence")};
    case Value::Kind::Dict:
        return {QStringLiteral("dict")};
    default:
        return {};
    }
}

CatalogParameter parseParameter(const Value& v, const QString& entry) {
    CatalogParameter p;
    p.name = text(v, "name", QStringLiteral("a parameter of %1").arg(entry));
    const QString where = entry + u'.' + p.name;
    p.kind = parseKind(text(v, "kind", where), where);
    p.required = flag(v, "required", false);
    p.hasDefault = flag(v, "has_default", !p.required && !p.isVariadic());
    p.defaultPlain = flag(v, "default_plain", true);
    if (v.contains(QStringLiteral("default")))
        p.defaultValue = v["default"];
    p.defaultRepr = text(v, "default_repr", where, true);
    p.annotation = text(v, "annotation", where, true);
    if (v.contains(QStringLiteral("types")))
        p.types = strings(v, "types", where);
    else if (p.hasDefault && p.defaultPlain)
        p.types = typesOfDefault(p.defaultValue);
    const QString constraint = text(v, "constraint", where, true);
    if (constraint == u"positive")
        p.constraint = Constraint::Positive;
    else if (constraint == u"unit-interval")
        p.constraint = Constraint::UnitInterval;
    p.doc = text(v, "doc", where, true);
    p.inherited = flag(v, "inherited", false);
    return p;
}

CatalogEntry parseEntry(const Value& v) {
    CatalogEntry e;
    e.group = text(v, "group", QStringLiteral("an entry"));
    e.name = text(v, "name", QStringLiteral("an entry of %1").arg(e.group));
    const QString where = e.group + u'.' + e.name;
    e.module = text(v, "module", where, true);
    if (e.module.isEmpty())
        e.module = QStringLiteral("keras.") + e.group;
    e.isClass = text(v, "kind", where, true) != u"function";
    e.category = text(v, "category", where, true);
    if (e.category.isEmpty())
        e.category = e.group;
    e.doc = text(v, "doc", where, true);
    e.source = text(v, "source", where, true);
    e.canonical = text(v, "canonical", where, true);
    if (e.canonical.isEmpty())
        e.canonical = e.name;
    e.aliases = strings(v, "aliases", where);
    const Value& parameters = field(v, "parameters", where);
    if (!parameters.isList())
        malformed(QStringLiteral("the parameters of %1 are not a list").arg(where));
    for (const Value& p : parameters.toList())
        e.parameters.push_back(parseParameter(p, e.module + u'.' + e.name));
    bool varKeyword = false;
    bool varPositional = false;
    for (const CatalogParameter& p : e.parameters) {
        varKeyword |= p.kind == ParameterKind::VarKeyword;
        varPositional |= p.kind == ParameterKind::VarPositional;
    }
    e.openKeywords = flag(v, "open_keywords", varKeyword);
    e.openPositionals = flag(v, "open_positionals", varPositional);
    e.signatureKnown = flag(v, "signature_known", true);
    return e;
}

// The type name the catalog's "types" use for a plain value.
QString typeOf(const Value& value) {
    switch (value.kind()) {
    case Value::Kind::None:
        return QStringLiteral("none");
    case Value::Kind::Bool:
        return QStringLiteral("bool");
    case Value::Kind::Int:
    case Value::Kind::BigInt:
        return QStringLiteral("int");
    case Value::Kind::Float:
        return QStringLiteral("float");
    case Value::Kind::String:
        return QStringLiteral("str");
    case Value::Kind::List:
    case Value::Kind::Tuple:
    case Value::Kind::Array:
        return QStringLiteral("sequence");
    case Value::Kind::Dict:
        return QStringLiteral("dict");
    case Value::Kind::Bytes:
        return QStringLiteral("bytes");
    case Value::Kind::Csr:
        return QStringLiteral("sparse matrix");
    case Value::Kind::Ref:
        return QStringLiteral("reference");
    }
    return {};
}

QString describeTypes(const QStringList& types) {
    QStringList names;
    for (const QString& t : types)
        names << (t == u"none" ? QStringLiteral("None") : t);
    if (names.size() == 1)
        return names.front();
    const QString last = names.takeLast();
    return names.join(QStringLiteral(", ")) + QStringLiteral(" or ") + last;
}

int editDistance(const QString& a, const QString& b) {
    std::vector<int> row(static_cast<size_t>(b.size()) + 1);
    for (size_t j = 0; j < row.size(); ++j)
        row[j] = static_cast<int>(j);
    for (qsizetype i = 1; i <= a.size(); ++i) {
        int diagonal = row[0];
        row[0] = static_cast<int>(i);
        for (qsizetype j = 1; j <= b.size(); ++j) {
            const int above = row[static_cast<size_t>(j)];
            const int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            row[static_cast<size_t>(j)] =
                std::min({above + 1, row[static_cast<size_t>(j - 1)] + 1, diagonal + cost});
            diagonal = above;
        }
    }
    return row.back();
}

// " (did you mean 'units'?)" for a near miss among the keyword parameters, else nothing.
QString suggestion(const CatalogEntry& entry, const QString& name) {
    QString best;
    int bestDistance = 3;
    for (const CatalogParameter& p : entry.parameters) {
        if (!p.acceptsKeyword())
            continue;
        const int d = editDistance(name.toLower(), p.name.toLower());
        if (d < bestDistance) {
            bestDistance = d;
            best = p.name;
        }
    }
    return best.isEmpty() ? QString() : QStringLiteral(" (did you mean '%1'?)").arg(best);
}

void checkValue(const CatalogEntry& entry, const CatalogParameter& p, const Argument& argument) {
    if (!argument.isValue())
        return; // a Keras object or a trusted expression: Keras decides
    const Value& value = argument.value();
    if (value.isRef())
        return; // a worker object
    const QString where = entry.qualifiedName();
    const QString type = typeOf(value);
    if (!p.types.isEmpty() && !p.types.contains(type) &&
        !(type == u"int" && p.types.contains(QStringLiteral("float")))) {
        throw CatalogError(
            QStringLiteral("%1: argument '%2' must be %3, not %4 (%5)")
                .arg(where, p.name, describeTypes(p.types), type, value.toDisplayString(60)),
            where, p.name);
    }
    if (!value.isNumber() || p.constraint == Constraint::None)
        return;
    const double x = value.toDouble();
    if (p.constraint == Constraint::Positive && !(x > 0)) {
        throw CatalogError(
            QStringLiteral("%1: argument '%2' must be positive, as Keras documents it (got %3)")
                .arg(where, p.name, value.toDisplayString(60)),
            where, p.name);
    }
    if (p.constraint == Constraint::UnitInterval && !(x >= 0 && x <= 1)) {
        throw CatalogError(QStringLiteral("%1: argument '%2' must be between 0 and 1, as Keras "
                                          "documents it (got %3)")
                               .arg(where, p.name, value.toDisplayString(60)),
                           where, p.name);
    }
}

} // namespace

Catalog::Catalog()
    : m_data(std::make_shared<const Data>()) {}

Catalog::Catalog(const Value& data) {
    auto d = std::make_shared<Data>();
    const QString where = QStringLiteral("the catalog");
    d->kerasVersion = text(data, "keras_version", where, true);
    d->backend = text(data, "backend", where, true);
    d->groups = strings(data, "groups", where);
    const Value& entries = field(data, "entries", where);
    if (!entries.isList())
        malformed(QStringLiteral("its entries are not a list"));
    d->entries.reserve(entries.toList().size());
    for (const Value& e : entries.toList()) {
        CatalogEntry entry = parseEntry(e);
        if (!d->groups.contains(entry.group))
            d->groups << entry.group;
        const QString k = key(entry.group, entry.name);
        if (d->index.contains(k))
            malformed(QStringLiteral("%1 is listed twice").arg(entry.qualifiedName()));
        d->index.insert(k, static_cast<qsizetype>(d->entries.size()));
        d->groupOfModule.insert(entry.module, entry.group);
        d->entries.push_back(std::move(entry));
    }
    m_data = std::move(d);
}

QFuture<Catalog> Catalog::load(Session& session) {
    return session.send(worker::command({worker::support(QStringLiteral("catalog"))}))
        .then([](const Value& value) { return Catalog(value); });
}

bool Catalog::isEmpty() const {
    return m_data->entries.empty();
}

QString Catalog::kerasVersion() const {
    return m_data->kerasVersion;
}

QString Catalog::backend() const {
    return m_data->backend;
}

QStringList Catalog::groups() const {
    return m_data->groups;
}

QMap<QString, int> Catalog::sizes() const {
    QMap<QString, int> sizes;
    for (const QString& g : m_data->groups)
        sizes.insert(g, 0);
    for (const CatalogEntry& e : m_data->entries)
        ++sizes[e.group];
    return sizes;
}

const std::vector<CatalogEntry>& Catalog::entries() const {
    return m_data->entries;
}

std::vector<const CatalogEntry*> Catalog::entries(const QString& group) const {
    std::vector<const CatalogEntry*> result;
    for (const CatalogEntry& e : m_data->entries) {
        if (e.group == group)
            result.push_back(&e);
    }
    return result;
}

const CatalogEntry* Catalog::find(const QString& group, const QString& name) const {
    const auto it = m_data->index.constFind(key(group, name));
    return it == m_data->index.cend() ? nullptr : &m_data->entries[static_cast<size_t>(*it)];
}

const CatalogEntry& Catalog::at(const QString& group, const QString& name) const {
    if (const CatalogEntry* e = find(group, name))
        return *e;
    QString hint;
    for (const CatalogEntry& e : m_data->entries) {
        if (e.group == group && e.name.compare(name, Qt::CaseInsensitive) == 0)
            hint = QStringLiteral(" (did you mean %1?)").arg(e.name);
    }
    const QString module = m_data->groupOfModule.key(group, QStringLiteral("keras.") + group);
    const QString qualified = module + u'.' + name;
    throw CatalogError(QStringLiteral("%1 is not in the Keras catalog%2").arg(qualified, hint),
                       qualified);
}

std::vector<const CatalogEntry*> Catalog::search(const QString& text, const QString& group) const {
    std::vector<const CatalogEntry*> byName;
    std::vector<const CatalogEntry*> byDoc;
    const QString needle = text.trimmed();
    for (const CatalogEntry& e : m_data->entries) {
        if (!group.isEmpty() && e.group != group)
            continue;
        const bool nameMatches =
            e.name.contains(needle, Qt::CaseInsensitive) ||
            std::any_of(e.aliases.cbegin(), e.aliases.cend(), [&needle](const QString& alias) {
                return alias.contains(needle, Qt::CaseInsensitive);
            });
        if (nameMatches)
            byName.push_back(&e);
        else if (e.doc.contains(needle, Qt::CaseInsensitive) ||
                 e.category.contains(needle, Qt::CaseInsensitive))
            byDoc.push_back(&e);
    }
    byName.insert(byName.end(), byDoc.begin(), byDoc.end());
    return byName;
}

KerasObject Catalog::instantiate(const QString& group, const QString& name,
                                 std::vector<Argument> positional, Keywords keywords) const {
    const CatalogEntry& entry = at(group, name);
    KerasObject object(entry.module, entry.name);
    for (Argument& a : positional)
        object.addPositional(std::move(a));
    std::set<QString> seen;
    for (auto& keyword : keywords) {
        if (!seen.insert(keyword.first).second) {
            throw CatalogError(QStringLiteral("%1: keyword argument '%2' is given twice")
                                   .arg(entry.qualifiedName(), keyword.first),
                               entry.qualifiedName(), keyword.first);
        }
        object.set(keyword.first, std::move(keyword.second));
    }
    check(entry, object);
    return object;
}

void Catalog::check(const KerasObject& object) const {
    const auto group = m_data->groupOfModule.constFind(object.module());
    if (group == m_data->groupOfModule.cend()) {
        throw CatalogError(
            QStringLiteral("%1 is not in the Keras catalog").arg(object.qualifiedName()),
            object.qualifiedName());
    }
    check(at(*group, object.className()), object);
}

KerasObject Catalog::withNamedArguments(const CatalogEntry& entry, const KerasObject& object) {
    std::vector<const CatalogParameter*> slots;
    for (const CatalogParameter& p : entry.parameters) {
        if (p.acceptsPositional())
            slots.push_back(&p);
    }
    const auto& positional = object.positional();
    if (!entry.signatureKnown || positional.empty() || positional.size() > slots.size())
        return object;
    // Positional-only parameters come first: the arguments from the first one that may be
    // named on are named, so that none of those left shifts.
    std::size_t first = 0;
    while (first < positional.size() && slots[first]->kind == ParameterKind::PositionalOnly)
        ++first;
    if (first == positional.size())
        return object;
    KerasObject named(object.module(), object.className());
    for (std::size_t i = 0; i < first; ++i)
        named.addPositional(positional[i]);
    for (std::size_t i = first; i < positional.size(); ++i) {
        if (object.has(slots[i]->name))
            return object; // given twice: check() says so, and nothing is hidden here
        named.set(slots[i]->name, positional[i]);
    }
    for (const auto& [name, value] : object.keywords())
        named.set(name, value);
    return named;
}

void Catalog::check(const CatalogEntry& entry, const KerasObject& object) {
    if (!entry.signatureKnown)
        return;
    const QString where = entry.qualifiedName();

    // Positional arguments bind to the positional parameters in order.
    std::vector<const CatalogParameter*> slots;
    for (const CatalogParameter& p : entry.parameters) {
        if (p.acceptsPositional())
            slots.push_back(&p);
    }
    std::set<QString> bound;
    const auto& positional = object.positional();
    for (size_t i = 0; i < positional.size(); ++i) {
        if (i < slots.size()) {
            checkValue(entry, *slots[i], positional[i]);
            bound.insert(slots[i]->name);
        } else if (!entry.openPositionals) {
            QStringList names;
            for (const CatalogParameter* p : slots)
                names << p->name;
            throw CatalogError(
                QStringLiteral("%1 takes at most %2 positional argument(s) (%3) but %4 were "
                               "given")
                    .arg(where)
                    .arg(slots.size())
                    .arg(names.join(QStringLiteral(", ")))
                    .arg(positional.size()),
                where, QStringLiteral("#%1").arg(i + 1));
        }
    }

    for (const auto& [name, value] : object.keywords()) {
        const CatalogParameter* p = entry.parameter(name);
        if (p && p->kind == ParameterKind::PositionalOnly) {
            throw CatalogError(QStringLiteral("%1: argument '%2' is positional-only and cannot be "
                                              "given by keyword")
                                   .arg(where, name),
                               where, name);
        }
        if (!p) {
            if (entry.openKeywords)
                continue;
            throw CatalogError(QStringLiteral("%1: unknown keyword argument '%2'%3")
                                   .arg(where, name, suggestion(entry, name)),
                               where, name);
        }
        if (bound.count(name)) {
            throw CatalogError(QStringLiteral("%1: argument '%2' is given both by position and "
                                              "by keyword")
                                   .arg(where, name),
                               where, name);
        }
        checkValue(entry, *p, value);
        bound.insert(name);
    }

    for (const CatalogParameter& p : entry.parameters) {
        if (p.required && !bound.count(p.name)) {
            throw CatalogError(
                QStringLiteral("%1: missing required argument '%2'").arg(where, p.name), where,
                p.name);
        }
    }
}

} // namespace qk::keras
