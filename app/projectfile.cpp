// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/projectfile.h"

#include "bridge/keras/callbacks.h"
#include "bridge/protocol/codec.h"

#include <QFile>
#include <QSaveFile>
#include <QSet>

#include <cmath>
#include <limits>
#include <stdexcept>

using Json = qk::protocol::Json;

namespace {

Json str(const QString& text) {
    return text.toStdString();
}

QString qstr(const Json& json) {
    return QString::fromStdString(json.get<std::string>());
}

Json strings(const QStringList& list) {
    Json out = Json::array();
    for (const QString& text : list)
        out.push_back(str(text));
    return out;
}

QStringList qstrings(const Json& json) {
    QStringList out;
    for (const Json& item : json)
        out << qstr(item);
    return out;
}

// JSON has no NaN or infinity: they are written as null.
Json numbers(const QList<double>& values) {
    Json out = Json::array();
    for (double v : values)
        out.push_back(std::isfinite(v) ? Json(v) : Json(nullptr));
    return out;
}

QList<double> qnumbers(const Json& json) {
    QList<double> out;
    for (const Json& item : json)
        out << (item.is_null() ? std::numeric_limits<double>::quiet_NaN() : item.get<double>());
    return out;
}

} // namespace

namespace qk::keras {

void to_json(Json& j, const KerasObject& object);

void to_json(Json& j, const Argument& argument) {
    if (argument.isObject())
        j = Json{{"object", argument.object()}};
    else if (argument.isValue())
        j = Json{{"value", protocol::toWire(argument.value(), protocol::Format::Json)}};
    else
        j = Json{{"expression", str(argument.expr().source())}};
}

KerasObject objectFromJson(const Json& j);

Argument argumentFromJson(const Json& j) {
    if (j.contains("object"))
        return Argument(objectFromJson(j.at("object")));
    if (j.contains("expression"))
        return Argument::expression(py::Expr::raw(qstr(j.at("expression"))));
    return Argument(protocol::fromWire(j.at("value")));
}

void to_json(Json& j, const KerasObject& object) {
    Json positional = Json::array();
    for (const Argument& argument : object.positional())
        positional.push_back(argument);
    Json keywords = Json::array();
    for (const auto& [name, argument] : object.keywords())
        keywords.push_back(Json{{"name", str(name)}, {"value", argument}});
    j = Json{{"module", str(object.module())},
             {"class", str(object.className())},
             {"args", positional},
             {"kwargs", keywords}};
}

KerasObject objectFromJson(const Json& j) {
    KerasObject object(qstr(j.at("module")), qstr(j.at("class")));
    for (const Json& argument : j.at("args"))
        object.addPositional(argumentFromJson(argument));
    for (const Json& keyword : j.at("kwargs"))
        object.set(qstr(keyword.at("name")), argumentFromJson(keyword.at("value")));
    return object;
}

} // namespace qk::keras

namespace qk::app {

NLOHMANN_JSON_SERIALIZE_ENUM(DataSource::Kind,
                             {{DataSource::Kind::Iris, "iris"}, {DataSource::Kind::Csv, "csv"}})

void to_json(Json& j, const CompileSettings& s) {
    j = Json{{"loss", str(s.loss)}, {"optimizer", s.optimizer}, {"metrics", strings(s.metrics)}};
}

void from_json(const Json& j, CompileSettings& s) {
    s.loss = qstr(j.at("loss"));
    s.optimizer = keras::objectFromJson(j.at("optimizer"));
    s.metrics = qstrings(j.at("metrics"));
}

void to_json(Json& j, const TrainingSettings& s) {
    Json callbacks = Json::array();
    for (const keras::Callback& callback : s.callbacks)
        callbacks.push_back(static_cast<const keras::KerasObject&>(callback));
    j = Json{{"epochs", s.epochs},
             {"batch_size", s.batchSize ? Json(*s.batchSize) : Json(nullptr)},
             {"validation_split", s.validationSplit},
             {"callbacks", callbacks}};
}

void from_json(const Json& j, TrainingSettings& s) {
    s.epochs = j.at("epochs").get<int>();
    const Json& batch = j.at("batch_size");
    s.batchSize = batch.is_null() ? std::nullopt : std::optional<int>(batch.get<int>());
    s.validationSplit = j.at("validation_split").get<double>();
    s.callbacks.clear();
    for (const Json& item : j.at("callbacks")) {
        const keras::KerasObject object = keras::objectFromJson(item);
        keras::Callback callback(object.className());
        for (const keras::Argument& argument : object.positional())
            callback.addPositional(argument);
        for (const auto& [name, argument] : object.keywords())
            callback.set(name, argument);
        s.callbacks.push_back(callback);
    }
}

void to_json(Json& j, const DataSource& s) {
    j = Json{
        {"kind", s.kind},        {"csv_path", str(s.csvPath)},  {"features", strings(s.features)},
        {"label", str(s.label)}, {"one_hot", s.oneHot},         {"test_fraction", s.testFraction},
        {"seed", s.seed},        {"standardize", s.standardize}};
    if (!s.encoded.isEmpty())
        j["encoded"] = strings(s.encoded);
    if (!s.inputs.isEmpty()) {
        Json inputs = Json::array();
        for (const InputColumns& input : s.inputs)
            inputs.push_back(Json{{"node", input.node},
                                  {"features", strings(input.features)},
                                  {"encoded", strings(input.encoded)}});
        j["inputs"] = inputs;
    }
    if (!s.outputs.isEmpty()) {
        Json outputs = Json::array();
        for (const OutputLabel& output : s.outputs)
            outputs.push_back(Json{{"node", output.node}, {"label", str(output.label)}});
        j["outputs"] = outputs;
    }
}

void from_json(const Json& j, DataSource& s) {
    s.kind = j.at("kind").get<DataSource::Kind>();
    s.csvPath = qstr(j.at("csv_path"));
    s.features = qstrings(j.at("features"));
    s.label = qstr(j.at("label"));
    s.oneHot = j.at("one_hot").get<bool>();
    s.testFraction = j.at("test_fraction").get<double>();
    s.seed = j.at("seed").get<std::uint64_t>();
    s.encoded = j.contains("encoded") ? qstrings(j.at("encoded")) : QStringList();
    s.standardize = j.at("standardize").get<bool>();
    s.inputs.clear();
    if (j.contains("inputs")) {
        for (const Json& input : j.at("inputs"))
            s.inputs.append(InputColumns{input.at("node").get<int>(),
                                         qstrings(input.at("features")),
                                         qstrings(input.at("encoded"))});
    }
    s.outputs.clear();
    if (j.contains("outputs")) {
        for (const Json& output : j.at("outputs"))
            s.outputs.append(OutputLabel{output.at("node").get<int>(), qstr(output.at("label"))});
    }
}

void to_json(Json& j, const SavedRun& run) {
    Json series = Json::object();
    for (auto it = run.series.cbegin(); it != run.series.cend(); ++it)
        series[it.key().toStdString()] = numbers(it.value());
    j = Json{{"name", str(run.name)},
             {"shown", run.shown},
             {"planned_epochs", run.plannedEpochs ? Json(*run.plannedEpochs) : Json(nullptr)},
             // Read by versions that know no outcome.
             {"stopped_early", run.outcome != keras::TrainingHistory::Outcome::Finished},
             {"outcome", str(keras::TrainingHistory::outcomeName(run.outcome))},
             {"reason", str(run.reason)},
             {"colour", run.colour.isValid() ? str(run.colour.name()) : Json(nullptr)},
             {"metrics", strings(run.metrics)},
             {"series", series},
             {"epoch_seconds", numbers(run.epochSeconds)}};
}

void from_json(const Json& j, SavedRun& run) {
    run.name = qstr(j.at("name"));
    run.shown = j.at("shown").get<bool>();
    const Json& planned = j.at("planned_epochs");
    run.plannedEpochs = planned.is_null() ? std::nullopt : std::optional<int>(planned.get<int>());
    // Files of versions that knew only whether a run stopped early have no outcome.
    const auto outcome = j.contains("outcome")
                             ? keras::TrainingHistory::outcomeFromName(qstr(j.at("outcome")))
                             : std::nullopt;
    if (j.contains("outcome") && !outcome)
        throw std::runtime_error("a run has an unknown outcome: " + j.at("outcome").dump());
    run.outcome = outcome.value_or(j.at("stopped_early").get<bool>()
                                       ? keras::TrainingHistory::Outcome::Stopped
                                       : keras::TrainingHistory::Outcome::Finished);
    run.reason = j.contains("reason") ? qstr(j.at("reason")) : QString();
    if (j.contains("colour") && !j.at("colour").is_null())
        run.colour = QColor::fromString(qstr(j.at("colour")));
    run.metrics = qstrings(j.at("metrics"));
    run.series.clear();
    for (const auto& [name, values] : j.at("series").items())
        run.series.insert(QString::fromStdString(name), qnumbers(values));
    run.epochSeconds = qnumbers(j.at("epoch_seconds"));
}

void to_json(Json& j, const RecoveryInfo& info) {
    j = Json{{"original_path", str(info.originalPath)},
             {"saved_at", str(info.savedAt.toUTC().toString(Qt::ISODateWithMs))},
             {"pid", info.pid}};
}

void from_json(const Json& j, RecoveryInfo& info) {
    info.originalPath = qstr(j.at("original_path"));
    info.savedAt = QDateTime::fromString(qstr(j.at("saved_at")), Qt::ISODateWithMs);
    info.pid = j.at("pid").get<qint64>();
}

void to_json(Json& j, const GraphEdge& e) {
    j = Json{{"from", e.from}, {"output", e.output}, {"to", e.to}, {"port", str(e.port)}};
}

void from_json(const Json& j, GraphEdge& e) {
    e.from = j.at("from").get<int>();
    e.output = j.at("output").get<int>();
    e.to = j.at("to").get<int>();
    e.port = qstr(j.at("port"));
}

void to_json(Json& j, const GraphNode& n) {
    Json call = Json::array();
    for (const auto& [name, argument] : n.callArguments)
        call.push_back(Json{{"name", str(name)}, {"value", argument}});
    j = Json{
        {"id", n.id},
        {"layer", n.object},
        {"shared_with", n.sharedWith},
        {"call", call},
        {"position", n.position ? Json::array({n.position->x(), n.position->y()}) : Json(nullptr)},
        {"expanded", n.expanded}};
}

void from_json(const Json& j, GraphNode& n) {
    n.id = j.at("id").get<int>();
    n.object = keras::objectFromJson(j.at("layer"));
    n.sharedWith = j.at("shared_with").get<int>();
    n.callArguments.clear();
    for (const Json& item : j.at("call"))
        n.callArguments.emplace_back(qstr(item.at("name")),
                                     keras::argumentFromJson(item.at("value")));
    const Json& position = j.at("position");
    n.position = position.is_null() ? std::nullopt
                                    : std::optional<QPointF>(QPointF(position.at(0).get<double>(),
                                                                     position.at(1).get<double>()));
    n.expanded = j.value("expanded", false);
}

void to_json(Json& j, const ModelGraph& g) {
    j = Json{{"nodes", g.nodes}, {"edges", g.edges}};
}

void from_json(const Json& j, ModelGraph& g) {
    g.nodes = j.at("nodes").get<std::vector<GraphNode>>();
    g.edges = j.at("edges").get<std::vector<GraphEdge>>();
    QSet<int> ids;
    for (const GraphNode& n : g.nodes) {
        if (n.id <= 0 || ids.contains(n.id))
            throw std::invalid_argument("graph node ids must be positive and unique");
        ids.insert(n.id);
    }
    for (const GraphEdge& e : g.edges) {
        if (!ids.contains(e.from) || !ids.contains(e.to))
            throw std::invalid_argument("a graph edge names a node that is not in the graph");
    }
}

QByteArray ProjectFile::toBytes(const Project& project, const RecoveryInfo* recovery) {
    Json layers = Json::array();
    for (const keras::Layer& layer : project.layers)
        layers.push_back(static_cast<const keras::KerasObject&>(layer));
    Json j{{"format", "qtkeras-project"},
           {"version", Version},
           {"model", project.isGraph
                         ? Json{{"kind", "graph"}, {"layers", layers}, {"graph", project.graph}}
                         : Json{{"kind", "sequential"}, {"layers", layers}}},
           {"compile", project.compile},
           {"training", project.training},
           {"data", project.data},
           {"history", Json{{"smoothing", project.smoothing}, {"runs", project.runs}}}};
    if (!project.weightsFrom.isEmpty())
        j["model"]["weights_from"] = project.weightsFrom.toStdString();
    if (recovery)
        j["recovery"] = *recovery;
    return QByteArray::fromStdString(j.dump(2)) + '\n';
}

std::optional<Project> ProjectFile::fromBytes(const QByteArray& bytes, QString* error,
                                              RecoveryInfo* recovery) {
    const auto fail = [error](const QString& message) {
        if (error)
            *error = message;
        return std::nullopt;
    };
    try {
        const Json j = Json::parse(bytes.toStdString());
        if (!j.is_object() || j.value("format", std::string()) != "qtkeras-project")
            return fail(QObject::tr("This is not a QtKeras project file."));
        const int version = j.at("version").get<int>();
        if (version > Version)
            return fail(QObject::tr("The project was saved by a newer QtKeras (file format "
                                    "version %1; this version reads up to %2).")
                            .arg(version)
                            .arg(Version));
        if (version < 1)
            return fail(QObject::tr("Unknown project file version %1.").arg(version));
        Project project;
        const Json& model = j.at("model");
        for (const Json& layer : model.at("layers"))
            project.layers.emplace_back(keras::objectFromJson(layer));
        if (version >= 2 && model.value("kind", std::string("sequential")) == "graph") {
            project.isGraph = true;
            project.graph = model.at("graph").get<ModelGraph>();
        }
        project.weightsFrom = QString::fromStdString(model.value("weights_from", std::string()));
        project.compile = j.at("compile").get<CompileSettings>();
        project.training = j.at("training").get<TrainingSettings>();
        project.data = j.at("data").get<DataSource>();
        const Json& history = j.at("history");
        project.smoothing = history.at("smoothing").get<double>();
        project.runs = history.at("runs").get<std::vector<SavedRun>>();
        if (recovery && j.contains("recovery"))
            *recovery = j.at("recovery").get<RecoveryInfo>();
        return project;
    } catch (const std::exception& e) {
        return fail(
            QObject::tr("The project file is damaged: %1").arg(QString::fromUtf8(e.what())));
    }
}

QByteArray ProjectFile::graphToBytes(const ModelGraph& graph) {
    return QByteArray::fromStdString(Json(graph).dump());
}

std::optional<ModelGraph> ProjectFile::graphFromBytes(const QByteArray& bytes) {
    try {
        return Json::parse(bytes.toStdString()).get<ModelGraph>();
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

bool ProjectFile::write(const QString& path, const Project& project, QString* error,
                        const RecoveryInfo* recovery) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(toBytes(project, recovery)) < 0 ||
        !file.commit()) {
        if (error)
            *error = QObject::tr("Cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

std::optional<Project> ProjectFile::read(const QString& path, QString* error,
                                         RecoveryInfo* recovery) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = QObject::tr("Cannot open %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    return fromBytes(file.readAll(), error, recovery);
}

} // namespace qk::app
