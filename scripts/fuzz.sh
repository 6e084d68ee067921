#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Long fuzzing runs: every C++ harness in tests/fuzz under libFuzzer with AddressSanitizer and
# UndefinedBehaviorSanitizer, then the worker's Hypothesis harnesses, each for SECONDS.
#
#   scripts/fuzz.sh [SECONDS] [HARNESS...]      default: 600 seconds, every harness
#
# Installs clang and its runtime (Debian: clang, libclang-rt-14-dev) when they are missing.
# Builds in build/fuzz; corpora grow in build/fuzz/corpus/<harness> (seeded from
# tests/fuzz/corpus); crashes are written to build/fuzz/crashes/ and stop the script.
set -eu

SECONDS_EACH=${1:-600}
[ $# -gt 0 ] && shift
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build/fuzz
PYTHON=${QTKERAS_PYTHON:-$ROOT/.venv/bin/python}
HARNESSES=${*:-"fuzz_message_json fuzz_message_msgpack fuzz_array fuzz_request_gate worker_decoder worker_endpoints"}

if ! command -v clang++ >/dev/null 2>&1 ||
   ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends clang libclang-rt-14-dev
fi

cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined" \
    -DQTKERAS_SANITIZE="address;undefined" -DQTKERAS_LIBFUZZER=ON -DQTKERAS_BUILD_BENCH=OFF

mkdir -p "$BUILD/crashes"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export QT_QPA_PLATFORM=offscreen

for harness in $HARNESSES; do
    case $harness in
    fuzz_*)
        name=${harness#fuzz_}
        cmake --build "$BUILD" --target "$harness"
        mkdir -p "$BUILD/corpus/$name"
        echo "== $harness for $SECONDS_EACH s"
        "$BUILD/tests/fuzz/$harness" -max_total_time="$SECONDS_EACH" -timeout=20 -rss_limit_mb=2048 \
            -print_final_stats=1 -artifact_prefix="$BUILD/crashes/$harness-" \
            "$BUILD/corpus/$name" "$ROOT/tests/fuzz/corpus/$name"
        ;;
    worker_*)
        echo "== $harness for $SECONDS_EACH s"
        (cd "$ROOT/python_worker" &&
            KERAS_BACKEND=jax "$PYTHON" tests/fuzz_worker.py "${harness#worker_}" "$SECONDS_EACH")
        ;;
    *)
        echo "unknown harness: $harness" >&2
        exit 2
        ;;
    esac
done
