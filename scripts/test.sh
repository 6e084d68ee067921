#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Sets up what is missing, builds with warnings as errors, and runs every test (the C++
# tests and the worker's pytest suite) under ctest. Extra arguments go to ctest.
#
#   scripts/test.sh --backend tensorflow|torch [ctest arguments]
# instead makes (once) that backend's own Python environment, .venv-<backend>, from
# python_worker/requirements-<backend>.txt, and runs the tests that say what the worker does
# on that backend: the worker's test_backend.py and the C++ tests labelled "backend"
# (tst_keras). They are opt-in: CI runs the JAX suite only.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
backend=""
if [ "${1:-}" = --backend ]; then
  backend="${2:-}"
  case "$backend" in
    tensorflow|torch) ;;
    *) echo "test.sh: --backend takes tensorflow or torch" >&2; exit 2 ;;
  esac
  shift 2
fi
QTKERAS_PRESET=ci "$root/scripts/setup.sh"
cd "$root"
if [ -z "$backend" ]; then
  exec ctest --preset ci --output-on-failure -j "$(nproc)" "$@"
fi

venv="$root/.venv-$backend"
"$root/packaging/qtkeras-setup-python" --backend "$backend" --venv "$venv" \
  --python "${QTKERAS_BASE_PYTHON:-python3}"
export QTKERAS_TEST_BACKEND="$backend" QTKERAS_TEST_BACKEND_PYTHON="$venv/bin/python"
(cd "$root/python_worker" &&
  KERAS_BACKEND="$backend" PYTHONPATH="$root/python_worker" \
    "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/test_backend.py)
exec ctest --preset ci --output-on-failure -L backend "$@"
