// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/kerasimport.h"

#include "bridge/codegen/python.h"
#include "bridge/keras/worker.h"
#include "bridge/session/session.h"

#include <QObject>
#include <QSet>

namespace qk::app {

namespace {

keras::Argument argumentFromValue(const Value& value);

// {"module", "class", "kwargs": [{"name", "value"} or {"name", "object"}]}
keras::KerasObject objectFromValue(const Value& value) {
    keras::KerasObject object(value["module"].toString(), value["class"].toString());
    for (const Value& keyword : value["kwargs"].items())
        object.set(keyword["name"].toString(), argumentFromValue(keyword));
    return object;
}

keras::Argument argumentFromValue(const Value& keyword) {
    if (keyword.contains(QStringLiteral("object")))
        return keras::Argument(objectFromValue(keyword["object"]));
    if (keyword.contains(QStringLiteral("objects"))) {
        std::vector<keras::Argument> objects;
        for (const Value& object : keyword["objects"].items())
            objects.emplace_back(objectFromValue(object));
        return keras::Argument::list(objects);
    }
    return keras::Argument(keyword["value"]);
}

QStringList strings(const Value& list) {
    QStringList out;
    for (const Value& item : list.items())
        out << item.toString();
    return out;
}

std::optional<CompileSettings> compileFromValue(const Value& compiled) {
    if (compiled.isNone())
        return std::nullopt;
    CompileSettings settings;
    if (const Value& loss = compiled["loss"]; !loss.isNone())
        settings.loss = loss.toString();
    if (const Value& optimizer = compiled["optimizer"]; !optimizer.isNone())
        settings.optimizer = objectFromValue(optimizer);
    settings.metrics = strings(compiled["metrics"]);
    return settings;
}

} // namespace

ImportedModel ImportedModel::fromValue(const Value& value) {
    ImportedModel model;
    model.name = value["name"].toString();
    model.className = value["class"].toString();
    for (const Value& layer : value["layers"].items()) {
        keras::Layer::Keywords kwargs;
        for (const Value& keyword : layer["kwargs"].items())
            kwargs.emplace_back(keyword["name"].toString(), argumentFromValue(keyword));
        model.layers.emplace_back(layer["class"].toString(), kwargs);
    }
    model.totalParams = value["total_params"].toInt();
    model.compile = compileFromValue(value["compile"]);
    model.notes = strings(value["notes"]);
    return model;
}

ImportedModel ImportedModel::fromGraphValue(const Value& value) {
    ImportedModel model;
    model.name = value["name"].toString();
    model.className = value["class"].toString();
    ModelGraph graph;
    QSet<int> autoNamed;
    for (const Value& node : value["nodes"].items()) {
        GraphNode n;
        n.id = static_cast<int>(node["id"].toInt());
        n.object = keras::KerasObject(node["module"].toString(), node["class"].toString());
        for (const Value& keyword : node["kwargs"].items())
            n.object.set(keyword["name"].toString(), argumentFromValue(keyword));
        if (const Value& shared = node["shared"]; !shared.isNone())
            n.sharedWith = static_cast<int>(shared.toInt());
        for (const Value& call : node["call"].items())
            n.callArguments.emplace_back(call["name"].toString(), keras::Argument(call["value"]));
        if (node["auto_name"].toBool())
            autoNamed.insert(n.id);
        graph.nodes.push_back(n);
    }
    for (const Value& edge : value["edges"].items()) {
        GraphEdge e;
        e.from = static_cast<int>(edge["from"].toInt());
        e.output = static_cast<int>(edge["output"].toInt());
        e.to = static_cast<int>(edge["to"].toInt());
        const Value& port = edge["port"];
        if (port.isString()) {
            e.port = port.toString();
        } else {
            // A positional argument: the port in that place (all of a list port's tensors
            // come in its one argument).
            const auto ports = graph.ports(e.to);
            const auto index = static_cast<size_t>(port.toInt());
            if (index >= ports.size() || !ports[index].positional)
                throw ImportError(QObject::tr("%1 is called with more tensors than the builder "
                                              "knows it takes")
                                      .arg(graph.node(e.to)->className())
                                      .toStdString());
            e.port = ports[index].name;
        }
        graph.edges.push_back(e);
    }
    model.totalParams = value["total_params"].toInt();
    model.compile = compileFromValue(value["compile"]);
    model.notes = strings(value["notes"]);
    // A chain is a Sequential model: the builder's list, without names Keras made up.
    if (const auto chain = graph.asSequential()) {
        for (size_t i = 0; i < chain->size(); ++i) {
            keras::Layer layer = (*chain)[i];
            if (autoNamed.contains(graph.nodes[i].id))
                layer.unset(QStringLiteral("name"));
            model.layers.push_back(layer);
        }
        return model;
    }
    model.graph = std::move(graph);
    return model;
}

QFuture<ImportedModel> importKerasModel(Session& session, const QString& path) {
    return session
        .send(keras::worker::command(
            {keras::worker::call(QStringLiteral("graph"), QStringLiteral("read"), {path})}))
        .then([](const Value& answer) {
            if (const Value& error = answer["error"]; !error.isNone())
                throw ImportError(error["message"].toString().toStdString());
            return ImportedModel::fromGraphValue(answer["model"]);
        });
}

} // namespace qk::app
