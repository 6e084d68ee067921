// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/protocol/codecdetail.h"

namespace qk::protocol::detail {

Json::binary_t placeholder(std::uint64_t index) {
    Json::binary_t::container_type bytes(8);
    for (int i = 0; i < 8; ++i)
        bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(index >> (56 - 8 * i));
    return Json::binary_t(std::move(bytes), kPlaceholderType);
}

std::optional<std::uint64_t> placeholderIndex(const Json::binary_t& bin) {
    if (!bin.has_subtype() || bin.subtype() != kPlaceholderType || bin.size() != 8)
        return std::nullopt;
    std::uint64_t index = 0;
    for (std::uint8_t byte : bin)
        index = (index << 8) | byte;
    return index;
}

std::string utf8(const QString& s) {
    return s.toStdString();
}

std::optional<QString> canonicalInteger(QStringView digits) {
    const bool negative = digits.startsWith(u'-');
    QStringView magnitude = negative ? digits.sliced(1) : digits;
    if (magnitude.isEmpty())
        return std::nullopt;
    for (QChar c : magnitude) {
        if (c < u'0' || c > u'9')
            return std::nullopt;
    }
    while (magnitude.size() > 1 && magnitude.front() == u'0')
        magnitude = magnitude.sliced(1);
    if (magnitude == u"0")
        return QStringLiteral("0");
    return negative ? u'-' + magnitude.toString() : magnitude.toString();
}

Value integerValue(const QString& canonical) {
    bool ok = false;
    const qlonglong i = canonical.toLongLong(&ok);
    if (ok)
        return Value(static_cast<std::int64_t>(i));
    return Value(BigInt{canonical});
}

} // namespace qk::protocol::detail
