// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/protocol/ndarray.h"

#include <array>
#include <limits>

namespace qk {

namespace {

struct DTypeInfo {
    DType dtype;
    const char* name;
    int size;
};

constexpr std::array<DTypeInfo, 12> kDTypes{{
    {DType::Bool, "bool", 1},
    {DType::Int8, "int8", 1},
    {DType::Int16, "int16", 2},
    {DType::Int32, "int32", 4},
    {DType::Int64, "int64", 8},
    {DType::UInt8, "uint8", 1},
    {DType::UInt16, "uint16", 2},
    {DType::UInt32, "uint32", 4},
    {DType::UInt64, "uint64", 8},
    {DType::Float16, "float16", 2},
    {DType::Float32, "float32", 4},
    {DType::Float64, "float64", 8},
}};

const DTypeInfo& info(DType dtype) {
    return kDTypes[static_cast<std::size_t>(dtype)];
}

std::int64_t elementCount(const std::vector<std::int64_t>& shape) {
    std::int64_t n = 1;
    for (std::int64_t d : shape) {
        if (d < 0)
            throw std::invalid_argument("negative dimension in array shape");
        if (d != 0 && n > std::numeric_limits<std::int64_t>::max() / d)
            throw std::invalid_argument("array shape overflows");
        n *= d;
    }
    return n;
}

std::int64_t byteCount(DType dtype, const std::vector<std::int64_t>& shape) {
    const std::int64_t n = elementCount(shape);
    if (n > std::numeric_limits<std::int64_t>::max() / dtypeSize(dtype))
        throw std::invalid_argument("array shape overflows");
    return n * dtypeSize(dtype);
}

} // namespace

QString dtypeName(DType dtype) {
    return QString::fromLatin1(info(dtype).name);
}

std::optional<DType> dtypeFromName(const QString& name) {
    for (const DTypeInfo& i : kDTypes) {
        if (name == QLatin1String(i.name))
            return i.dtype;
    }
    return std::nullopt;
}

int dtypeSize(DType dtype) {
    return info(dtype).size;
}

NdArray::NdArray(DType dtype, std::vector<std::int64_t> shape, QByteArray bytes)
    : m_dtype(dtype)
    , m_shape(std::move(shape))
    , m_bytes(std::move(bytes)) {
    const std::int64_t n = byteCount(dtype, m_shape);
    if (n != m_bytes.size())
        throw std::invalid_argument("array data has " + std::to_string(m_bytes.size()) +
                                    " bytes; dtype and shape need " + std::to_string(n));
    // data<T>() hands out typed pointers: bytes that are not aligned for the element type (a
    // slice of a received message, raw data) are copied into a buffer of their own.
    if (reinterpret_cast<quintptr>(m_bytes.constData()) % quintptr(dtypeSize(dtype)) != 0)
        m_bytes = QByteArray(m_bytes.constData(), m_bytes.size());
}

NdArray NdArray::zeros(DType dtype, std::vector<std::int64_t> shape) {
    const std::int64_t n = byteCount(dtype, shape);
    return NdArray(dtype, std::move(shape), QByteArray(n, '\0'));
}

std::int64_t NdArray::size() const {
    return elementCount(m_shape);
}

void NdArray::checkType(DType wanted) const {
    if (wanted != m_dtype)
        throw std::invalid_argument("array has dtype " + dtypeName(m_dtype).toStdString() +
                                    ", not " + dtypeName(wanted).toStdString());
}

double NdArray::valueAt(std::int64_t index) const {
    if (index < 0 || index >= size())
        throw std::out_of_range("array index out of range");
    const char* p = m_bytes.constData() + index * dtypeSize(m_dtype);
    auto load = [p](auto zero) {
        decltype(zero) v;
        std::memcpy(&v, p, sizeof v);
        return static_cast<double>(v);
    };
    switch (m_dtype) {
    case DType::Bool:
        return *p ? 1.0 : 0.0;
    case DType::Int8:
        return load(std::int8_t{});
    case DType::Int16:
        return load(std::int16_t{});
    case DType::Int32:
        return load(std::int32_t{});
    case DType::Int64:
        return load(std::int64_t{});
    case DType::UInt8:
        return load(std::uint8_t{});
    case DType::UInt16:
        return load(std::uint16_t{});
    case DType::UInt32:
        return load(std::uint32_t{});
    case DType::UInt64:
        return load(std::uint64_t{});
    case DType::Float32:
        return load(float{});
    case DType::Float64:
        return load(double{});
    case DType::Float16:
        break;
    }
    throw std::invalid_argument("valueAt does not convert float16");
}

void CsrMatrix::validate() const {
    auto isIndex = [](const NdArray& a) {
        return a.dtype() == DType::Int32 || a.dtype() == DType::Int64;
    };
    if (rows < 0 || cols < 0)
        throw std::invalid_argument("CSR matrix has a negative dimension");
    if (data.ndim() != 1 || indices.ndim() != 1 || indptr.ndim() != 1)
        throw std::invalid_argument("CSR parts must be one-dimensional");
    if (!isIndex(indices) || !isIndex(indptr))
        throw std::invalid_argument("CSR indices and indptr must be int32 or int64");
    if (indices.size() != data.size())
        throw std::invalid_argument("CSR indices and data differ in length");
    if (indptr.size() - 1 != rows)
        throw std::invalid_argument("CSR indptr must have rows + 1 entries");
    const std::int64_t nnz = data.size();
    double previous = 0;
    for (std::int64_t r = 0; r <= rows; ++r) {
        const double p = indptr.valueAt(r);
        if (p < previous || p > static_cast<double>(nnz) || (r == 0 && p != 0))
            throw std::invalid_argument("CSR indptr is not a non-decreasing offset list");
        previous = p;
    }
    if (previous != static_cast<double>(nnz))
        throw std::invalid_argument("CSR indptr does not end at the number of values");
    for (std::int64_t i = 0; i < nnz; ++i) {
        const double c = indices.valueAt(i);
        if (c < 0 || c >= static_cast<double>(cols))
            throw std::invalid_argument("CSR column index out of range");
    }
}

} // namespace qk
