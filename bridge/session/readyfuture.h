// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFuture>

#include <type_traits>
#include <utility>

namespace qk {

// A future that already holds `value`: for callbacks that answer at once, such as an error
// policy with a fixed decision. (Qt 6.6 renamed QtFuture::makeReadyFuture to
// makeReadyValueFuture and deprecated the old name.)
template <typename T>
QFuture<std::decay_t<T>> readyFuture(T&& value) {
#if QT_VERSION >= QT_VERSION_CHECK(6, 6, 0)
    return QtFuture::makeReadyValueFuture(std::forward<T>(value));
#else
    return QtFuture::makeReadyFuture(std::forward<T>(value));
#endif
}

} // namespace qk
