// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer harness: a MessagePack message through protocol::parse and fromWire.
#include "messagefuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    qk::fuzz::fuzzMessage(data, size, qk::protocol::Format::MsgPack);
    return 0;
}
