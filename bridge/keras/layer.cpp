// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/keras/layer.h"

#include <stdexcept>

namespace qk::keras {

namespace {
const QString layersModule = QStringLiteral("keras.layers");
const QString applicationsModule = QStringLiteral("keras.applications");
} // namespace

Value shapeValue(const Shape& shape) {
    std::vector<Value> dims;
    for (const auto& dim : shape) {
        if (dim && *dim < 0)
            throw std::invalid_argument("a shape cannot have a negative size");
        dims.push_back(dim ? Value(static_cast<long long>(*dim)) : Value());
    }
    return Value::tuple(std::move(dims));
}

IntOrTuple::IntOrTuple(std::initializer_list<int> values) {
    std::vector<Value> items;
    for (int v : values)
        items.emplace_back(v);
    m_value = Value::tuple(std::move(items));
}

Layer::Layer(const QString& className, const Keywords& kwargs)
    : KerasObject(layersModule, className) {
    for (const auto& [key, value] : kwargs)
        set(key, value);
}

Layer::Layer(Module, const QString& className)
    : KerasObject(applicationsModule, className) {}

Layer::Layer(KerasObject object)
    : KerasObject(std::move(object)) {
    if (module() != layersModule && module() != applicationsModule)
        throw std::invalid_argument(
            QStringLiteral("%1 is not a layer").arg(qualifiedName()).toStdString());
}

} // namespace qk::keras
