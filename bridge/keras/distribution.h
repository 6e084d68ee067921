// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/protocol/value.h"

#include <QFuture>
#include <QStringList>

#include <optional>
#include <vector>

namespace qk {
class Session;
}

namespace qk::keras {

class Model;

// One rule of a LayoutMap: a variable whose whole path matches `pattern` (a Python regular
// expression, matched as re.fullmatch, as Keras does) is sharded along the named mesh axes,
// one entry per dimension of the variable; an empty entry leaves that dimension whole.
struct LayoutRule {
    QString pattern;
    QStringList axes;

    friend bool operator==(const LayoutRule&, const LayoutRule&) = default;
};

// How training is spread over devices, with Keras' own distribution API (JAX only):
// data-parallel (every variable replicated, each batch split across the devices) or
// model-parallel (a mesh of named axes; variables sharded by LayoutMap rules, the batch split
// along the batch axis).
class Distribution {
public:
    enum class Kind { DataParallel, ModelParallel };

    // Every variable replicated on `devices` devices (0: all the worker's devices).
    static Distribution dataParallel(int devices = 0);
    // A mesh of `shape` (e.g. {2, 4}) with one name per axis (e.g. {"batch", "model"}), on as
    // many devices as the mesh holds; the batch is split along `batchAxis` (default: the
    // first axis).
    static Distribution modelParallel(std::vector<int> shape, QStringList axes,
                                      QString batchAxis = {});
    // Adds a LayoutMap rule (model-parallel only); rules are tried in the order given.
    Distribution& rule(const QString& pattern, const QStringList& axes);

    Kind kind() const { return m_kind; }
    int devices() const { return m_devices; } // 0: all
    const std::vector<int>& meshShape() const { return m_shape; }
    const QStringList& axes() const { return m_axes; }
    const QString& batchAxis() const { return m_batchAxis; }
    const std::vector<LayoutRule>& rules() const { return m_rules; }
    // "data-parallel on all devices", "model-parallel on a 2 x 2 mesh (batch, model), 3 rules"
    QString description() const;

    // The spec the worker's qtkeras_worker.distribution reads (docs/PROTOCOL.md), and back.
    Value toValue() const;
    static Distribution fromValue(const Value& value);

    friend bool operator==(const Distribution&, const Distribution&) = default;

private:
    Kind m_kind = Kind::DataParallel;
    int m_devices = 0;
    std::vector<int> m_shape;
    QStringList m_axes;
    QString m_batchAxis;
    std::vector<LayoutRule> m_rules;
};

// A device the worker's JAX sees.
struct DeviceInfo {
    QString name; // "cpu:0", "gpu:1"
    QString platform;
    QString kind; // the device's model ("cpu", "NVIDIA A100-SXM4-40GB")
    int process = 0;
    bool local = true; // this worker's own (not another process's of its job)
};

// The devices of a worker, and of its job when it belongs to one.
struct Devices {
    QString backend;  // Keras' backend; distribution needs "jax"
    QString platform; // JAX's default platform: "cpu", "gpu", "tpu"
    std::vector<DeviceInfo> devices;
    int local = 0;
    int processes = 1;
    int process = 0;

    static Devices fromValue(const Value& value);
};

// The distribution in force in a worker.
struct DistributionInfo {
    bool active = false;
    Distribution::Kind kind = Distribution::Kind::DataParallel;
    QStringList devices;
    std::vector<int> meshShape;
    QStringList axes;
    QString batchAxis;
    int replicas = 1; // model replicas: the parts each batch is split into
    int processes = 1;
    int process = 0;

    static DistributionInfo fromValue(const Value& value);
};

// How one variable is laid out by a distribution's rules.
struct VariableLayout {
    QString path;
    std::vector<qint64> shape;
    QString dtype;
    QString rule;        // the rule that lays it out; empty: replicated on every device
    QStringList matches; // every rule that matches its path (more than one is an error)
    QStringList axes;    // per dimension: the mesh axis it is split along, empty if whole
    std::vector<qint64> shardShape;
    int copies = 1;  // devices that hold each shard
    QString problem; // the error Keras would raise for it, empty when none
    // The layout the variable has now, when it was made under a distribution.
    std::optional<QStringList> actual;
};

// How a rule was used.
struct RuleUse {
    LayoutRule rule;
    int matches = 0;
    // When it matches no variable: paths it matches only a part of (Keras needs the whole
    // path to match).
    QStringList partial;
};

// For every variable of a model, which rule matches and the sharding and shard shape that
// result; for every rule, what it matched. Keras itself says nothing about a rule that
// matches no variable: here it is in unmatchedRules().
struct LayoutReport {
    QString error; // previewLayout(): why the distribution could not be read, else empty
    std::vector<int> meshShape;
    QStringList axes;
    QString batchAxis;
    int replicas = 1;
    std::vector<VariableLayout> variables;
    std::vector<RuleUse> rules;
    int problems = 0;

    QStringList unmatchedRules() const;
    static LayoutReport fromValue(const Value& value);
};

// The worker's devices (jax.devices()).
QFuture<Devices> devices(Session& session);
// Makes `distribution` Keras' global distribution in the session's worker. Variables are laid
// out when they are made: send it before building the model (commands run in order, so it
// need not have settled). Fails with the reason when the worker cannot apply it (not JAX, a
// mesh that does not fit the devices, an unknown axis in a rule...).
QFuture<DistributionInfo> setDistribution(Session& session, const Distribution& distribution);
// Back to one device.
QFuture<DistributionInfo> clearDistribution(Session& session);
// How `distribution`'s rules lay out the model's variables, computed from the mesh alone: it
// works for a model built on one device, before choosing the distribution.
QFuture<LayoutReport> layoutReport(const Model& model, const Distribution& distribution);
// The same for an editor trying rules out: a distribution the worker cannot read (an unknown
// axis, a pattern that is no regular expression) comes back in LayoutReport::error instead of
// failing the command (which would pause the worker's queue).
QFuture<LayoutReport> previewLayout(const Model& model, const Distribution& distribution);

} // namespace qk::keras
