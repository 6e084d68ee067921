// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/keras/kerasobject.h"

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <utility>
#include <vector>

namespace qk::keras {

class Tensor;
class CallArgument;
using CallKeywords = std::vector<std::pair<QString, CallArgument>>;

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

// How a layer, an application or a layer made once (SharedLayer) is called on tensors, as
// in Python: layer(x); layer([a, b]) for merges, which take one list; layer(query, value,
// key) with several tensors; and layer.call({...}, {{"attention_mask", mask}}) with any
// positional and keyword arguments (tensors, lists and dicts of them, plain values).
template <typename Self>
class Callable {
public:
    Tensor operator()(const Tensor& input) const;
    Tensor operator()(const std::vector<Tensor>& inputs) const;
    template <typename... More>
    requires(std::same_as<More, Tensor>&&...) Tensor
    operator()(const Tensor& first, const Tensor& second, const More&... more) const;
    // Two overloads, not a default argument: clang checks a default argument where it is
    // declared, and CallArgument is complete only in tensor.h.
    Tensor call(std::vector<CallArgument> args) const;
    Tensor call(std::vector<CallArgument> args, CallKeywords kwargs) const;
};

// A keras.layers constructor call: a generic Layer(type, kwargs) that any class of
// keras.layers can be, and the base of the typed classes. The layer is created in Python
// when it is added to a model or called on tensors; each call makes a new layer (for one
// layer called on several tensors, see SharedLayer).
class Layer : public KerasObject, public Callable<Layer> {
public:
    using Keywords = std::vector<std::pair<QString, Argument>>;

    explicit Layer(const QString& className, const Keywords& kwargs = {});
    // A keras.layers or keras.applications object made elsewhere (the catalog).
    explicit Layer(KerasObject object);

protected:
    enum class Module { Applications };
    // A layer of another module: a keras.applications model.
    Layer(Module module, const QString& className);
};

// The base of typed layers, with the arguments every layer takes.
template <typename Self>
class LayerBuilder : public Builder<Self, Layer> {
public:
    using Builder<Self, Layer>::Builder;

    Self& name(const QString& value) { return this->with("name", value); }
    Self& trainable(bool value) { return this->with("trainable", value); }
    Self& dtype(const QString& value) { return this->with("dtype", value); }
};

} // namespace qk::keras
