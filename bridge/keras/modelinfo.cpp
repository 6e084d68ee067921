// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/keras/modelinfo.h"

#include <QStringList>

namespace qk::keras {

QString shapeText(const Value& shape) {
    if (shape.isNone())
        return QStringLiteral("?");
    const auto& items = shape.items();
    const bool nested = !items.empty() && (items.front().isList() || items.front().isTuple());
    QStringList parts;
    for (const Value& item : items) {
        if (nested)
            parts << shapeText(item);
        else
            parts << (item.isNone() ? QStringLiteral("None") : QString::number(item.toInt()));
    }
    if (nested)
        return u'[' + parts.join(QStringLiteral(", ")) + u']';
    if (parts.size() == 1)
        return u'(' + parts.front() + QStringLiteral(",)");
    return u'(' + parts.join(QStringLiteral(", ")) + u')';
}

QString LayerInfo::outputShapeText() const {
    return shapeText(outputShape);
}

ModelInfo ModelInfo::fromValue(const Value& value) {
    ModelInfo info;
    info.name = value["name"].toString();
    info.className = value["class"].toString();
    info.built = value["built"].toBool();
    info.inputShape = value["input_shape"];
    info.outputShape = value["output_shape"];
    info.totalParams = value["total_params"].toInt();
    info.trainableParams = value["trainable_params"].toInt();
    info.nonTrainableParams = value["non_trainable_params"].toInt();
    for (const Value& layer : value["layers"].items()) {
        LayerInfo l;
        l.name = layer["name"].toString();
        l.className = layer["class"].toString();
        l.outputShape = layer["output_shape"];
        l.params = layer["params"].toInt();
        l.trainableParams = layer["trainable_params"].toInt();
        l.nonTrainableParams = layer["non_trainable_params"].toInt();
        info.layers.push_back(std::move(l));
    }
    return info;
}

} // namespace qk::keras
