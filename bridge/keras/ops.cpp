// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/keras/ops.h"

namespace qk::keras::ops {

namespace {

// Adds `keyword=value` when the value is set.
template <typename T>
void setIf(CallKeywords& kwargs, const char* keyword, const std::optional<T>& value) {
    if (value)
        kwargs.emplace_back(QString::fromLatin1(keyword), Argument(*value));
}

Tensor reduction(const char* name, const Tensor& x, const std::optional<IntOrTuple>& axis,
                 const std::optional<bool>& keepdims) {
    CallKeywords kwargs;
    setIf(kwargs, "axis", axis);
    setIf(kwargs, "keepdims", keepdims);
    return call(QString::fromLatin1(name), {x}, std::move(kwargs));
}

Tensor unary(const char* name, const Tensor& x) {
    return call(QString::fromLatin1(name), {x});
}

Tensor withAxis(const char* name, CallArgument x, const std::optional<int>& axis) {
    CallKeywords kwargs;
    setIf(kwargs, "axis", axis);
    return call(QString::fromLatin1(name), {std::move(x)}, std::move(kwargs));
}

Tensor likeOf(const char* name, const Tensor& x, const QString& dtype) {
    CallKeywords kwargs;
    if (!dtype.isEmpty())
        kwargs.emplace_back(QStringLiteral("dtype"), dtype);
    return call(QString::fromLatin1(name), {x}, std::move(kwargs));
}

} // namespace

Tensor call(const QString& name, std::vector<CallArgument> args, CallKeywords kwargs) {
    return Tensor::function(name, std::move(args), std::move(kwargs));
}

Tensor call(Session& session, const QString& name, std::vector<CallArgument> args,
            CallKeywords kwargs) {
    return Tensor::function(session, name, std::move(args), std::move(kwargs));
}

Tensor add(const CallArgument& a, const CallArgument& b) {
    return call(QStringLiteral("add"), {a, b});
}
Tensor subtract(const CallArgument& a, const CallArgument& b) {
    return call(QStringLiteral("subtract"), {a, b});
}
Tensor multiply(const CallArgument& a, const CallArgument& b) {
    return call(QStringLiteral("multiply"), {a, b});
}
Tensor divide(const CallArgument& a, const CallArgument& b) {
    return call(QStringLiteral("divide"), {a, b});
}
Tensor power(const CallArgument& a, const CallArgument& b) {
    return call(QStringLiteral("power"), {a, b});
}
Tensor matmul(const Tensor& a, const Tensor& b) {
    return call(QStringLiteral("matmul"), {a, b});
}
Tensor abs(const Tensor& x) {
    return unary("abs", x);
}
Tensor square(const Tensor& x) {
    return unary("square", x);
}
Tensor sqrt(const Tensor& x) {
    return unary("sqrt", x);
}
Tensor exp(const Tensor& x) {
    return unary("exp", x);
}
Tensor log(const Tensor& x) {
    return unary("log", x);
}
Tensor relu(const Tensor& x) {
    return unary("relu", x);
}
Tensor sigmoid(const Tensor& x) {
    return unary("sigmoid", x);
}
Tensor tanh(const Tensor& x) {
    return unary("tanh", x);
}
Tensor softmax(const Tensor& x, std::optional<int> axis) {
    return withAxis("softmax", x, axis);
}

Tensor sum(const Tensor& x, const std::optional<IntOrTuple>& axis, std::optional<bool> keepdims) {
    return reduction("sum", x, axis, keepdims);
}
Tensor mean(const Tensor& x, const std::optional<IntOrTuple>& axis, std::optional<bool> keepdims) {
    return reduction("mean", x, axis, keepdims);
}
Tensor max(const Tensor& x, const std::optional<IntOrTuple>& axis, std::optional<bool> keepdims) {
    return reduction("max", x, axis, keepdims);
}
Tensor min(const Tensor& x, const std::optional<IntOrTuple>& axis, std::optional<bool> keepdims) {
    return reduction("min", x, axis, keepdims);
}
Tensor cumsum(const Tensor& x, std::optional<int> axis) {
    return withAxis("cumsum", x, axis);
}

Tensor reshape(const Tensor& x, const std::vector<std::int64_t>& newShape) {
    std::vector<Value> dims;
    dims.reserve(newShape.size());
    for (const std::int64_t d : newShape)
        dims.emplace_back(static_cast<long long>(d));
    return call(QStringLiteral("reshape"), {x, Value::tuple(std::move(dims))});
}
Tensor transpose(const Tensor& x, const std::optional<IntOrTuple>& axes) {
    CallKeywords kwargs;
    setIf(kwargs, "axes", axes);
    return call(QStringLiteral("transpose"), {x}, std::move(kwargs));
}
Tensor expandDims(const Tensor& x, int axis) {
    return call(QStringLiteral("expand_dims"), {x, axis});
}
Tensor squeeze(const Tensor& x, std::optional<int> axis) {
    return withAxis("squeeze", x, axis);
}
Tensor concatenate(const std::vector<Tensor>& xs, std::optional<int> axis) {
    return withAxis("concatenate", xs, axis);
}
Tensor stack(const std::vector<Tensor>& xs, std::optional<int> axis) {
    return withAxis("stack", xs, axis);
}
Tensor cast(const Tensor& x, const QString& dtype) {
    return call(QStringLiteral("cast"), {x, dtype});
}
Tensor onesLike(const Tensor& x, const QString& dtype) {
    return likeOf("ones_like", x, dtype);
}
Tensor zerosLike(const Tensor& x, const QString& dtype) {
    return likeOf("zeros_like", x, dtype);
}
Tensor arange(Session& session, double start, double stop, double step) {
    return call(session, QStringLiteral("arange"), {start, stop, step});
}

} // namespace qk::keras::ops
