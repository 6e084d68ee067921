// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bridge/protocol/ndarray.h"

#include <vector>

namespace qk::keras {

// Scales each feature column to mean 0 and standard deviation 1 with statistics learnt from
// the training rows only: z = (x - mean) / stddev, as scikit-learn's StandardScaler does.
// The standard deviation is the population one (divided by n); a constant column gets 1, so
// it maps to 0 instead of dividing by zero.
class Standardizer {
public:
    Standardizer() = default;
    // Learns mean and stddev per column of a float32 or float64 array of shape (n, k), n >= 1.
    // Throws std::invalid_argument for another dtype or shape, or for a non-finite value.
    static Standardizer fit(const NdArray& features);
    // Builds one from known statistics (say, read back from a saved project). Throws
    // std::invalid_argument when the sizes differ or a stddev is not positive and finite.
    static Standardizer fromStatistics(std::vector<double> mean, std::vector<double> stddev);

    // The standardized copy of `features` (float32 or float64, shape (n, k) with the fitted
    // k), as float32. Throws std::invalid_argument on a dtype or column-count mismatch.
    NdArray transform(const NdArray& features) const;

    int featureCount() const { return static_cast<int>(m_mean.size()); }
    const std::vector<double>& mean() const { return m_mean; }
    const std::vector<double>& stddev() const { return m_stddev; }

private:
    std::vector<double> m_mean;
    std::vector<double> m_stddev;
};

} // namespace qk::keras
