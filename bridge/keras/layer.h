#pragma once

#include "bridge/keras/kerasobject.h"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <utility>
#include <vector>

namespace qk::keras {

class Tensor;

// A tensor shape without the batch dimension; std::nullopt is a size left open (None).
using Shape = std::vector<std::optional<std::int64_t>>;

// The Python tuple for a shape: {28, 28, 1} -> (28, 28, 1), {std::nullopt} -> (None,).
Value shapeValue(const Shape& shape);

// An int or a tuple of ints, as Keras takes kernel sizes, strides and pool sizes: 3 or {3, 3}.
class IntOrTuple {
public:
    IntOrTuple(int value)
        : m_value(value) {}
    IntOrTuple(std::initializer_list<int> values);
    operator Argument() const { return Argument(m_value); }

private:
    Value m_value;
};

// A keras.layers constructor call: a generic Layer(type, kwargs) that any class of
// keras.layers can be, and the base of the typed classes. The layer is created in Python
// when it is added to a model or called on a tensor.
class Layer : public KerasObject {
public:
    using Keywords = std::vector<std::pair<QString, Argument>>;

    explicit Layer(const QString& className, const Keywords& kwargs = {});
    // A keras.layers object made elsewhere (the catalog); its module must be keras.layers.
    explicit Layer(KerasObject object);

    // Calls the layer on symbolic tensors (the functional API); a list of inputs is passed as
    // one Python list, as merge layers (Add, Concatenate) take it.
    Tensor operator()(const Tensor& input) const;
    Tensor operator()(const std::vector<Tensor>& inputs) const;
};

// The base of typed layers: chained setters return the typed layer, so that
// Dense(16).activation("relu").name("hidden") stays a Dense.
template <typename Self>
class LayerBuilder : public Layer {
public:
    using Layer::Layer;

    Self& name(const QString& value) { return with("name", value); }
    Self& trainable(bool value) { return with("trainable", value); }
    Self& dtype(const QString& value) { return with("dtype", value); }
    // Any other keyword argument, in Keras' snake_case name.
    Self& arg(const QString& keyword, Argument value) { return with(keyword, std::move(value)); }

protected:
    Self& with(const QString& keyword, Argument value) {
        set(keyword, std::move(value));
        return static_cast<Self&>(*this);
    }
};

} // namespace qk::keras
