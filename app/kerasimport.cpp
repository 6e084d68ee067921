#include "app/kerasimport.h"

#include "bridge/codegen/python.h"
#include "bridge/keras/worker.h"
#include "bridge/session/session.h"

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
    return keras::Argument(keyword["value"]);
}

QStringList strings(const Value& list) {
    QStringList out;
    for (const Value& item : list.items())
        out << item.toString();
    return out;
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
    if (const Value& compiled = value["compile"]; !compiled.isNone()) {
        CompileSettings settings;
        if (const Value& loss = compiled["loss"]; !loss.isNone())
            settings.loss = loss.toString();
        if (const Value& optimizer = compiled["optimizer"]; !optimizer.isNone())
            settings.optimizer = objectFromValue(optimizer);
        settings.metrics = strings(compiled["metrics"]);
        model.compile = settings;
    }
    model.notes = strings(value["notes"]);
    return model;
}

QFuture<ImportedModel> importKerasModel(Session& session, const QString& path) {
    const py::Expr module =
        py::Expr::name(QStringLiteral("__import__"))
            .call({QStringLiteral("qtkeras_worker.model_import")},
                  {{QStringLiteral("fromlist"), py::Expr::list({QStringLiteral("read")})}});
    return session.send(keras::worker::command({module.attr(QStringLiteral("read")).call({path})}))
        .then([](const Value& answer) {
            if (const Value& error = answer["error"]; !error.isNone())
                throw ImportError(error["message"].toString().toStdString());
            return ImportedModel::fromValue(answer["model"]);
        });
}

} // namespace qk::app
