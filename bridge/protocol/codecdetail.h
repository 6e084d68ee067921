// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Pieces of the wire format shared by the encoder, the decoder and the parser (codec.h is
// the interface).

#include "bridge/protocol/codec.h"

#include <QString>
#include <QStringView>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

namespace qk::protocol::detail {

inline constexpr char kTag[] = "$qk";

// Binary payloads from this size on travel beside the MessagePack document (see Payloads):
// the document holds a fixext 8 of this type with the payload's index. Extension types are
// not part of the protocol, so a placeholder cannot be mistaken for anything a peer sends.
inline constexpr qsizetype kLiftThreshold = 4096;
inline constexpr std::uint8_t kPlaceholderType = 0x51;

// A placeholder for the payload at `index`, and the index a placeholder holds (nullopt when
// `bin` is not one).
Json::binary_t placeholder(std::uint64_t index);
std::optional<std::uint64_t> placeholderIndex(const Json::binary_t& bin);

std::string utf8(const QString& s);

// The canonical form of a decimal integer ("-0012" -> "-12"), or nullopt when `digits` is
// not one.
std::optional<QString> canonicalInteger(QStringView digits);

// A decimal integer as the Value it is: Int within int64, else BigInt.
Value integerValue(const QString& canonical);

// Whether a key occurs twice: pairwise for a few keys, else by sorting.
template <typename Key>
std::optional<Key> repeatedKey(std::vector<Key> keys) {
    constexpr std::size_t kFew = 8;
    if (keys.size() <= kFew) {
        for (std::size_t i = 0; i < keys.size(); ++i) {
            for (std::size_t j = i + 1; j < keys.size(); ++j) {
                if (keys[i] == keys[j])
                    return keys[i];
            }
        }
        return std::nullopt;
    }
    std::sort(keys.begin(), keys.end());
    const auto twice = std::adjacent_find(keys.begin(), keys.end());
    return twice == keys.end() ? std::nullopt : std::optional<Key>(*twice);
}

} // namespace qk::protocol::detail
