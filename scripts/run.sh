#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Sets up what is missing, builds, and runs the QtKeras IDE. Without a display it runs the
# iris demo offscreen, writes a screenshot and exits. Extra arguments go to the IDE.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Only the IDE is built here; scripts/test.sh builds the tests.
QTKERAS_PRESET="${QTKERAS_PRESET:-dev}" QTKERAS_TARGETS="${QTKERAS_TARGETS:-qtkeras}" \
  "$root/scripts/setup.sh"
app="$root/build/${QTKERAS_PRESET:-dev}/app/qtkeras"
export QTKERAS_PYTHON="${QTKERAS_PYTHON:-$root/.venv/bin/python}"
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  shot="$root/build/qtkeras-demo.png"
  echo "==> no display: running the iris demo offscreen; screenshot in $shot" >&2
  QT_QPA_PLATFORM=offscreen exec "$app" --demo iris --screenshot "$shot" "$@"
fi
exec "$app" "$@"
