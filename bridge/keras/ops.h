// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// keras.ops functions applied to tensors in a functional graph: each call makes a tensor in
// the worker (`cumsum_k3x... = keras.ops.cumsum(ones_like_8fq..., axis=1)`), as the same call
// in a Python functional model does. Only the arguments given are generated. Any other
// function of keras.ops: call("name", {args...}, {{"keyword", value}}).

#include "bridge/keras/tensor.h"

namespace qk::keras::ops {

// keras.ops.<name>(args..., kwargs...); the session is the first tensor's.
Tensor call(const QString& name, std::vector<CallArgument> args, CallKeywords kwargs = {});
// The same for a function of no tensor (arange, zeros...).
Tensor call(Session& session, const QString& name, std::vector<CallArgument> args,
            CallKeywords kwargs = {});

// Element-wise arithmetic and functions (a + b is add(a, b)).
Tensor add(const CallArgument& a, const CallArgument& b);
Tensor subtract(const CallArgument& a, const CallArgument& b);
Tensor multiply(const CallArgument& a, const CallArgument& b);
Tensor divide(const CallArgument& a, const CallArgument& b);
Tensor power(const CallArgument& a, const CallArgument& b);
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor abs(const Tensor& x);
Tensor square(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor softmax(const Tensor& x, std::optional<int> axis = std::nullopt);

// Reductions over `axis` (all axes when not given).
Tensor sum(const Tensor& x, const std::optional<IntOrTuple>& axis = std::nullopt,
           std::optional<bool> keepdims = std::nullopt);
Tensor mean(const Tensor& x, const std::optional<IntOrTuple>& axis = std::nullopt,
            std::optional<bool> keepdims = std::nullopt);
Tensor max(const Tensor& x, const std::optional<IntOrTuple>& axis = std::nullopt,
           std::optional<bool> keepdims = std::nullopt);
Tensor min(const Tensor& x, const std::optional<IntOrTuple>& axis = std::nullopt,
           std::optional<bool> keepdims = std::nullopt);
Tensor cumsum(const Tensor& x, std::optional<int> axis = std::nullopt);

// Shapes.
Tensor reshape(const Tensor& x, const std::vector<std::int64_t>& newShape); // -1: inferred
Tensor transpose(const Tensor& x, const std::optional<IntOrTuple>& axes = std::nullopt);
Tensor expandDims(const Tensor& x, int axis);
Tensor squeeze(const Tensor& x, std::optional<int> axis = std::nullopt);
Tensor concatenate(const std::vector<Tensor>& xs, std::optional<int> axis = std::nullopt);
Tensor stack(const std::vector<Tensor>& xs, std::optional<int> axis = std::nullopt);
Tensor cast(const Tensor& x, const QString& dtype);
Tensor onesLike(const Tensor& x, const QString& dtype = {});
Tensor zerosLike(const Tensor& x, const QString& dtype = {});
// keras.ops.arange(start, stop, step): a constant tensor, not tied to any input.
Tensor arange(Session& session, double start, double stop, double step = 1);

} // namespace qk::keras::ops
