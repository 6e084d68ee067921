// SPDX-License-Identifier: GPL-3.0-or-later
#include "bridge/protocol/sharedslice.h"

namespace qk::protocol {

QByteArray sharedSlice(const QByteArray& bytes, qsizetype offset, qsizetype size) {
    Q_ASSERT(offset >= 0 && size >= 0 && offset + size <= bytes.size());
    QByteArray slice = bytes; // shares the block
    QByteArray::DataPointer& block = slice.data_ptr();
    if (!block.isMutable())
        return QByteArray(bytes.constData() + offset, size); // raw data: nothing to share
    block.setBegin(block.data() + offset);
    block.size = size;
    return slice;
}

} // namespace qk::protocol
