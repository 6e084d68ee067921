// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>

namespace qk::protocol {

// `size` bytes at `offset` of `bytes` as a QByteArray that shares their memory block, not a
// copy, when they have one (raw data is copied). Writing to it detaches it, as with any shared
// QByteArray; unlike most QByteArrays, its bytes are not followed by a '\0'.
//
// Qt has no public API for this. It is the project's one use of QByteArray's internal data
// pointer (data_ptr(), setBegin()), which Qt 6.4 and 6.8 both have; tst_sharedslice checks it
// on each Qt the project is built with.
QByteArray sharedSlice(const QByteArray& bytes, qsizetype offset, qsizetype size);

} // namespace qk::protocol
