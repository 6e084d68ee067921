#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Sets up what is missing, builds with warnings as errors, and runs every test (the C++
# tests and the worker's pytest suite) under ctest. Extra arguments go to ctest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
QTKERAS_PRESET=ci "$root/scripts/setup.sh"
cd "$root"
exec ctest --preset ci --output-on-failure -j "$(nproc)" "$@"
