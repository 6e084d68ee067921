// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <vector>

namespace qk {

// Element types of an n-d array, named as numpy names them.
enum class DType {
    Bool,
    Int8,
    Int16,
    Int32,
    Int64,
    UInt8,
    UInt16,
    UInt32,
    UInt64,
    Float16,
    Float32,
    Float64
};

QString dtypeName(DType dtype);
std::optional<DType> dtypeFromName(const QString& name);
int dtypeSize(DType dtype);

template <typename T>
constexpr DType dtypeOf() {
    if constexpr (std::is_same_v<T, bool>)
        return DType::Bool;
    else if constexpr (std::is_same_v<T, std::int8_t>)
        return DType::Int8;
    else if constexpr (std::is_same_v<T, std::int16_t>)
        return DType::Int16;
    else if constexpr (std::is_same_v<T, std::int32_t>)
        return DType::Int32;
    else if constexpr (std::is_same_v<T, std::int64_t>)
        return DType::Int64;
    else if constexpr (std::is_same_v<T, std::uint8_t>)
        return DType::UInt8;
    else if constexpr (std::is_same_v<T, std::uint16_t>)
        return DType::UInt16;
    else if constexpr (std::is_same_v<T, std::uint32_t>)
        return DType::UInt32;
    else if constexpr (std::is_same_v<T, std::uint64_t>)
        return DType::UInt64;
    else if constexpr (std::is_same_v<T, float>)
        return DType::Float32;
    else if constexpr (std::is_same_v<T, double>)
        return DType::Float64;
    else
        static_assert(sizeof(T) == 0, "no numpy dtype for this C++ type");
}

// A C-contiguous, little-endian n-d array: a dtype, a shape and the raw bytes. The bytes are
// implicitly shared, so copies are cheap, and aligned for the element type; a 0-d array has an
// empty shape and one element.
class NdArray {
public:
    NdArray() = default;
    // Throws std::invalid_argument when the byte count does not match dtype and shape. Bytes
    // not aligned for the element type are copied.
    NdArray(DType dtype, std::vector<std::int64_t> shape, QByteArray bytes);

    // An array of zeros.
    static NdArray zeros(DType dtype, std::vector<std::int64_t> shape);

    // Copies `values`; an empty shape means one dimension of values.size() (for a 0-d
    // array, use scalar()).
    template <typename T>
    static NdArray fromVector(const std::vector<T>& values, std::vector<std::int64_t> shape = {}) {
        if (shape.empty())
            shape = {static_cast<std::int64_t>(values.size())};
        QByteArray bytes(static_cast<qsizetype>(values.size() * sizeof(T)), Qt::Uninitialized);
        if constexpr (std::is_same_v<T, bool>) {
            for (std::size_t i = 0; i < values.size(); ++i)
                bytes[static_cast<qsizetype>(i)] = values[i] ? 1 : 0;
        } else if (!values.empty()) {
            std::memcpy(bytes.data(), values.data(), bytes.size());
        }
        return NdArray(dtypeOf<T>(), std::move(shape), std::move(bytes));
    }

    // A 0-d array holding one value.
    template <typename T>
    static NdArray scalar(T value) {
        NdArray a = fromVector<T>(std::vector<T>{value});
        a.m_shape.clear(); // (an empty shape given to fromVector means one dimension)
        return a;
    }

    DType dtype() const { return m_dtype; }
    const std::vector<std::int64_t>& shape() const { return m_shape; }
    int ndim() const { return static_cast<int>(m_shape.size()); }
    std::int64_t size() const; // number of elements
    const QByteArray& bytes() const { return m_bytes; }

    // Typed access; throws std::invalid_argument when T does not match the dtype.
    template <typename T>
    const T* data() const {
        checkType(dtypeOf<T>());
        return reinterpret_cast<const T*>(m_bytes.constData());
    }
    template <typename T>
    T* mutableData() {
        checkType(dtypeOf<T>());
        return reinterpret_cast<T*>(m_bytes.data());
    }
    template <typename T>
    std::vector<T> toVector() const {
        const T* begin = data<T>();
        return std::vector<T>(begin, begin + size());
    }
    // Element i of the flattened array, converted to double (any dtype but float16).
    double valueAt(std::int64_t index) const;

    friend bool operator==(const NdArray& a, const NdArray& b) {
        return a.m_dtype == b.m_dtype && a.m_shape == b.m_shape && a.m_bytes == b.m_bytes;
    }

private:
    void checkType(DType wanted) const;

    DType m_dtype = DType::Float64;
    std::vector<std::int64_t> m_shape;
    QByteArray m_bytes = QByteArray(8, '\0');
};

// A sparse matrix in compressed sparse row form, as scipy.sparse.csr_matrix holds it.
struct CsrMatrix {
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    NdArray data;    // nnz values
    NdArray indices; // nnz column indices (int32 or int64)
    NdArray indptr;  // rows + 1 offsets (int32 or int64)

    // Throws std::invalid_argument when the parts are inconsistent.
    void validate() const;

    friend bool operator==(const CsrMatrix& a, const CsrMatrix& b) = default;
};

} // namespace qk
