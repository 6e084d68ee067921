// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/keras/standardizer.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>

namespace qk::keras {

namespace {

// Checks that `a` is a float matrix and returns its (rows, columns).
std::pair<std::int64_t, std::int64_t> matrixShape(const NdArray& a, const char* what) {
    if (a.dtype() != DType::Float32 && a.dtype() != DType::Float64)
        throw std::invalid_argument(std::string(what) +
                                    ": features must be float32 or float64, not " +
                                    dtypeName(a.dtype()).toStdString());
    if (a.ndim() != 2)
        throw std::invalid_argument(std::string(what) +
                                    ": features must have shape (rows, columns), not " +
                                    std::to_string(a.ndim()) + " dimensions");
    return {a.shape()[0], a.shape()[1]};
}

// Calls f(row, column, value) for every element of a float32 or float64 matrix.
template <typename F>
void forEachElement(const NdArray& a, std::int64_t columns, F f) {
    auto run = [&](const auto* p) {
        for (std::int64_t i = 0; i < a.size(); ++i)
            f(i / columns, i % columns, static_cast<double>(p[i]));
    };
    if (a.dtype() == DType::Float32)
        run(a.data<float>());
    else
        run(a.data<double>());
}

} // namespace

Standardizer Standardizer::fit(const NdArray& features) {
    const auto [rows, columns] = matrixShape(features, "Standardizer::fit");
    if (rows < 1)
        throw std::invalid_argument("Standardizer::fit: there are no rows to learn from");
    const auto k = static_cast<std::size_t>(columns);
    std::vector<double> sum(k, 0.0);
    forEachElement(features, columns, [&](std::int64_t, std::int64_t c, double v) {
        if (!std::isfinite(v))
            throw std::invalid_argument("Standardizer::fit: column " + std::to_string(c + 1) +
                                        " has a value that is not finite");
        sum[static_cast<std::size_t>(c)] += v;
    });
    std::vector<double> mean(k);
    for (std::size_t c = 0; c < k; ++c)
        mean[c] = sum[c] / static_cast<double>(rows);
    // Second pass over the deviations: exact where the one-pass formula loses digits.
    std::vector<double> squares(k, 0.0);
    forEachElement(features, columns, [&](std::int64_t, std::int64_t c, double v) {
        const double d = v - mean[static_cast<std::size_t>(c)];
        squares[static_cast<std::size_t>(c)] += d * d;
    });
    std::vector<double> stddev(k);
    for (std::size_t c = 0; c < k; ++c) {
        const double s = std::sqrt(squares[c] / static_cast<double>(rows));
        // A column whose spread is rounding noise around its mean counts as constant.
        const bool constant = s <= 1e-12 * std::max(1.0, std::abs(mean[c]));
        stddev[c] = constant ? 1.0 : s;
    }
    Standardizer result;
    result.m_mean = std::move(mean);
    result.m_stddev = std::move(stddev);
    return result;
}

Standardizer Standardizer::fromStatistics(std::vector<double> mean, std::vector<double> stddev) {
    if (mean.size() != stddev.size())
        throw std::invalid_argument("Standardizer: " + std::to_string(mean.size()) + " means but " +
                                    std::to_string(stddev.size()) + " standard deviations");
    for (std::size_t c = 0; c < mean.size(); ++c) {
        if (!std::isfinite(mean[c]) || !std::isfinite(stddev[c]) || stddev[c] <= 0)
            throw std::invalid_argument("Standardizer: column " + std::to_string(c + 1) +
                                        " needs a finite mean and a positive, finite stddev");
    }
    Standardizer result;
    result.m_mean = std::move(mean);
    result.m_stddev = std::move(stddev);
    return result;
}

NdArray Standardizer::transform(const NdArray& features) const {
    // Not a structured binding: the lambda below captures `columns`, which clang before 16
    // does not allow for a binding.
    std::int64_t rows = 0;
    std::int64_t columns = 0;
    std::tie(rows, columns) = matrixShape(features, "Standardizer::transform");
    if (columns != featureCount())
        throw std::invalid_argument("Standardizer::transform: fitted on " +
                                    std::to_string(featureCount()) + " columns, given " +
                                    std::to_string(columns));
    NdArray out = NdArray::zeros(DType::Float32, {rows, columns});
    float* p = out.mutableData<float>();
    forEachElement(features, columns, [&](std::int64_t r, std::int64_t c, double v) {
        const auto j = static_cast<std::size_t>(c);
        p[r * columns + c] = static_cast<float>((v - m_mean[j]) / m_stddev[j]);
    });
    return out;
}

} // namespace qk::keras
