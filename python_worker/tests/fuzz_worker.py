# SPDX-License-Identifier: GPL-3.0-or-later
"""Long fuzzing runs of the worker's harnesses (tests/test_fuzz.py), for scripts/fuzz.sh.

    python tests/fuzz_worker.py decoder|endpoints SECONDS

Feeds random buffers to Hypothesis' fuzz_one_input, which turns them into the harnesses'
structured inputs; prints the number of examples and distinct failures.
"""

from __future__ import annotations

import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))

import test_fuzz

HARNESSES = {
    "decoder": [
        test_fuzz.test_decoder_survives_any_bytes,
        test_fuzz.test_decoder_survives_schema_like_trees,
    ],
    "endpoints": [test_fuzz.test_endpoints_survive_hostile_requests],
}


def main() -> int:
    name, seconds = sys.argv[1], float(sys.argv[2])
    tests = HARNESSES[name]
    rng = random.Random(int(os.environ.get("QTKERAS_FUZZ_SEED", "1")))
    deadline = time.monotonic() + seconds
    runs = 0
    failures: set[str] = set()
    try:
        while time.monotonic() < deadline:
            test = tests[runs % len(tests)]
            buffer = rng.randbytes(rng.choice([16, 64, 256, 1024, 4096]))
            try:
                test.hypothesis.fuzz_one_input(buffer)
            except Exception as exc:  # noqa: BLE001 - every failure is reported, then counted
                key = f"{test.__name__}: {type(exc).__name__}: {exc}"[:300]
                if key not in failures:
                    print("FAILURE", key, "\n  input:", buffer.hex()[:400], flush=True)
                failures.add(key)
            runs += 1
    finally:
        test_fuzz.close_shared_worker()
    print(f"{name}: {runs} examples in {seconds:.0f} s, {len(failures)} distinct failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
