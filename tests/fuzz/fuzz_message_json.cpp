// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer harness: a JSON message through protocol::parse and fromWire.
#include "messagefuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    qk::fuzz::fuzzMessage(data, size, qk::protocol::Format::Json);
    return 0;
}
