// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/keras/distribution.h"

#include "bridge/keras/model.h"
#include "bridge/keras/worker.h"
#include "bridge/session/session.h"

#include <stdexcept>

namespace qk::keras {

namespace {

const QString module = QStringLiteral("distribution");

Value axesValue(const QStringList& axes) {
    Value::List items;
    for (const QString& axis : axes)
        items.emplace_back(axis.isEmpty() ? Value() : Value(axis));
    return items;
}

QStringList axesFrom(const Value& value) {
    QStringList axes;
    for (const Value& axis : value.items())
        axes << (axis.isNone() ? QString() : axis.toString());
    return axes;
}

QStringList strings(const Value& value) {
    QStringList out;
    for (const Value& item : value.items())
        out << item.toString();
    return out;
}

template <typename Int>
std::vector<Int> numbers(const Value& value) {
    std::vector<Int> out;
    for (const Value& item : value.items())
        out.push_back(static_cast<Int>(item.toInt()));
    return out;
}

Value intList(const std::vector<int>& values) {
    Value::List items;
    for (int v : values)
        items.emplace_back(v);
    return items;
}

} // namespace

Distribution Distribution::dataParallel(int devices) {
    if (devices < 0)
        throw std::invalid_argument("the number of devices cannot be negative");
    Distribution d;
    d.m_kind = Kind::DataParallel;
    d.m_devices = devices;
    return d;
}

Distribution Distribution::modelParallel(std::vector<int> shape, QStringList axes,
                                         QString batchAxis) {
    if (shape.empty() || shape.size() != static_cast<std::size_t>(axes.size()))
        throw std::invalid_argument("a mesh needs one size per named axis");
    Distribution d;
    d.m_kind = Kind::ModelParallel;
    d.m_shape = std::move(shape);
    d.m_axes = std::move(axes);
    d.m_batchAxis = std::move(batchAxis);
    return d;
}

Distribution& Distribution::rule(const QString& pattern, const QStringList& axes) {
    if (m_kind != Kind::ModelParallel)
        throw std::logic_error("layout rules belong to a model-parallel distribution");
    m_rules.push_back({pattern, axes});
    return *this;
}

QString Distribution::description() const {
    if (m_kind == Kind::DataParallel) {
        return m_devices == 0 ? QStringLiteral("data-parallel on all devices")
                              : QStringLiteral("data-parallel on %1 devices").arg(m_devices);
    }
    QStringList sizes;
    for (int n : m_shape)
        sizes << QString::number(n);
    return QStringLiteral("model-parallel on a %1 mesh (%2), %3 rule%4")
        .arg(sizes.join(QStringLiteral(" x ")), m_axes.join(QStringLiteral(", ")))
        .arg(m_rules.size())
        .arg(m_rules.size() == 1 ? QString() : QStringLiteral("s"));
}

Value Distribution::toValue() const {
    const Value devices = m_devices == 0 ? Value(QStringLiteral("all")) : Value(m_devices);
    if (m_kind == Kind::DataParallel)
        return Value::dict({{QStringLiteral("kind"), QStringLiteral("data")},
                            {QStringLiteral("devices"), devices}});
    Value::List rules;
    for (const LayoutRule& r : m_rules)
        rules.push_back(Value::dict(
            {{QStringLiteral("pattern"), r.pattern}, {QStringLiteral("axes"), axesValue(r.axes)}}));
    Value::Dict spec{
        {QStringLiteral("kind"), QStringLiteral("model")},
        {QStringLiteral("devices"), devices},
        {QStringLiteral("mesh"), Value::dict({{QStringLiteral("shape"), intList(m_shape)},
                                              {QStringLiteral("axes"), axesValue(m_axes)}})},
        {QStringLiteral("rules"), Value(std::move(rules))},
    };
    if (!m_batchAxis.isEmpty())
        spec.emplace_back(QStringLiteral("batch_axis"), m_batchAxis);
    return spec;
}

Distribution Distribution::fromValue(const Value& value) {
    const Value& devices =
        value.contains(QStringLiteral("devices")) ? value["devices"] : Value(QStringLiteral("all"));
    const int count = devices.isInt() ? static_cast<int>(devices.toInt()) : 0;
    if (value["kind"].toString() == QLatin1String("data"))
        return dataParallel(count);
    const Value& mesh = value["mesh"];
    Distribution d = modelParallel(
        numbers<int>(mesh["shape"]), axesFrom(mesh["axes"]),
        value.contains(QStringLiteral("batch_axis")) ? value["batch_axis"].toString() : QString());
    d.m_devices = count;
    if (value.contains(QStringLiteral("rules"))) {
        for (const Value& r : value["rules"].items())
            d.rule(r["pattern"].toString(), axesFrom(r["axes"]));
    }
    return d;
}

Devices Devices::fromValue(const Value& value) {
    Devices d;
    d.backend = value["backend"].toString();
    if (!value["platform"].isNone())
        d.platform = value["platform"].toString();
    for (const Value& item : value["devices"].items()) {
        DeviceInfo info;
        info.name = item["name"].toString();
        info.platform = item["platform"].toString();
        info.kind = item["kind"].toString();
        info.process = static_cast<int>(item["process"].toInt());
        info.local = item["local"].toBool();
        d.devices.push_back(std::move(info));
    }
    d.local = static_cast<int>(value["local"].toInt());
    d.processes = static_cast<int>(value["processes"].toInt());
    if (value.contains(QStringLiteral("process")))
        d.process = static_cast<int>(value["process"].toInt());
    return d;
}

DistributionInfo DistributionInfo::fromValue(const Value& value) {
    DistributionInfo info;
    info.active = !value["kind"].isNone();
    info.processes = static_cast<int>(value["processes"].toInt());
    info.process = static_cast<int>(value["process"].toInt());
    if (!info.active)
        return info;
    info.kind = value["kind"].toString() == QLatin1String("data")
                    ? Distribution::Kind::DataParallel
                    : Distribution::Kind::ModelParallel;
    info.devices = strings(value["devices"]);
    info.meshShape = numbers<int>(value["mesh"]["shape"]);
    info.axes = strings(value["mesh"]["axes"]);
    info.batchAxis = value["batch_axis"].toString();
    info.replicas = static_cast<int>(value["replicas"].toInt());
    return info;
}

QStringList LayoutReport::unmatchedRules() const {
    QStringList out;
    for (const RuleUse& use : rules) {
        if (use.matches == 0)
            out << use.rule.pattern;
    }
    return out;
}

LayoutReport LayoutReport::fromValue(const Value& value) {
    LayoutReport report;
    if (value.contains(QStringLiteral("error"))) {
        report.error = value["error"].toString();
        return report;
    }
    report.meshShape = numbers<int>(value["mesh"]["shape"]);
    report.axes = strings(value["mesh"]["axes"]);
    report.batchAxis = value["batch_axis"].toString();
    report.replicas = static_cast<int>(value["replicas"].toInt());
    report.problems = static_cast<int>(value["problems"].toInt());
    for (const Value& item : value["variables"].items()) {
        VariableLayout v;
        v.path = item["path"].toString();
        v.shape = numbers<qint64>(item["shape"]);
        v.dtype = item["dtype"].toString();
        if (!item["rule"].isNone())
            v.rule = item["rule"].toString();
        v.matches = strings(item["matches"]);
        v.axes = axesFrom(item["axes"]);
        v.shardShape = numbers<qint64>(item["shard_shape"]);
        v.copies = static_cast<int>(item["copies"].toInt());
        if (!item["problem"].isNone())
            v.problem = item["problem"].toString();
        if (!item["actual"].isNone())
            v.actual = axesFrom(item["actual"]);
        report.variables.push_back(std::move(v));
    }
    for (const Value& item : value["rules"].items()) {
        RuleUse use;
        use.rule = {item["pattern"].toString(), axesFrom(item["axes"])};
        use.matches = static_cast<int>(item["matches"].toInt());
        use.partial = strings(item["partial"]);
        report.rules.push_back(std::move(use));
    }
    return report;
}

QFuture<Devices> devices(Session& session) {
    return session.send(worker::command({worker::call(module, QStringLiteral("devices"))}))
        .then([](const Value& v) { return Devices::fromValue(v); });
}

QFuture<DistributionInfo> setDistribution(Session& session, const Distribution& distribution) {
    return session
        .send(worker::command(
            {worker::call(module, QStringLiteral("configure"), {distribution.toValue()})}))
        .then([](const Value& v) { return DistributionInfo::fromValue(v); });
}

QFuture<DistributionInfo> clearDistribution(Session& session) {
    return session
        .send(worker::command({worker::call(module, QStringLiteral("configure"), {Value()})}))
        .then([](const Value& v) { return DistributionInfo::fromValue(v); });
}

QFuture<LayoutReport> layoutReport(const Model& model, const Distribution& distribution) {
    return model.session()
        .send(worker::command(
            {worker::call(module, QStringLiteral("layout"),
                          {py::Expr::name(model.variable()), distribution.toValue()})}))
        .then([](const Value& v) { return LayoutReport::fromValue(v); });
}

QFuture<LayoutReport> previewLayout(const Model& model, const Distribution& distribution) {
    return model.session()
        .send(worker::command(
            {worker::call(module, QStringLiteral("preview"),
                          {py::Expr::name(model.variable()), distribution.toValue()})}))
        .then([](const Value& v) { return LayoutReport::fromValue(v); });
}

} // namespace qk::keras
