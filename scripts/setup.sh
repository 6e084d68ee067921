#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs what QtKeras needs on a Debian 12 or 13 machine when it is missing, then configures
# and builds. Sourced by run.sh, test.sh and bench.sh; safe to run again (each step is skipped
# when already done).
#   QTKERAS_PRESET   CMake preset to build (default: dev)
#   QTKERAS_TARGETS  targets to build, separated by spaces (default: all)
#   QTKERAS_NO_APT=1 never call apt-get (fail with a list of what is missing instead)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
preset="${QTKERAS_PRESET:-dev}"

log() { printf '==> %s\n' "$*" >&2; }

debian_packages=(
  build-essential cmake ninja-build pkg-config
  qt6-base-dev qt6-base-dev-tools qt6-charts-dev qt6-httpserver-dev qt6-websockets-dev
  libqt6opengl6-dev libxkbcommon-dev libgl-dev
  nlohmann-json3-dev libgraphviz-dev
  python3 python3-venv
  xvfb xauth clang-format clang-tidy
  openssh-client openssh-server
  desktop-file-utils appstream dpkg-dev
)

missing_packages() {
  local p provided
  # What installed packages provide counts too (Debian 13's qt6-base-dev provides
  # libqt6opengl6-dev, which is a package of its own in Debian 12).
  provided=$(dpkg-query -W -f='${Status}|${Provides}\n' 2>/dev/null |
    sed -n 's/^install ok installed|//p' | tr ',' '\n' | sed 's/(.*//; s/ //g')
  for p in "${debian_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
      grep -qxF "$p" <<<"$provided" || printf '%s\n' "$p"
  done
}

install_packages() {
  local missing
  missing=$(missing_packages)
  [ -z "$missing" ] && return 0
  if [ "${QTKERAS_NO_APT:-0}" = 1 ]; then
    log "missing Debian packages: $(echo $missing)"; exit 1
  fi
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  log "installing Debian packages: $(echo $missing)"
  $sudo apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

python_for_venv() {
  # The interpreter the venv is made from: QTKERAS_BASE_PYTHON, else python3 on PATH.
  local py="${QTKERAS_BASE_PYTHON:-python3}"
  command -v "$py" >/dev/null || py=/usr/bin/python3
  echo "$py"
}

setup_venv() {
  local venv="$root/.venv" req="$root/python_worker/requirements.txt"
  local stamp="$venv/.requirements.sha256" want
  want="$(sha256sum "$req" | cut -d' ' -f1) $root"
  if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  log "creating the Python environment in .venv"
  [ -x "$venv/bin/python" ] || "$(python_for_venv)" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req"
  # The worker runs from the source tree: a .pth file puts python_worker on the venv's path.
  "$venv/bin/python" - "$root/python_worker" <<'PY'
import pathlib, sys, sysconfig
pathlib.Path(sysconfig.get_paths()["purelib"], "qtkeras_worker.pth").write_text(sys.argv[1] + "\n")
PY
  echo "$want" >"$stamp"
}

build() {
  log "building (preset $preset)"
  cmake --preset "$preset" -S "$root" >/dev/null
  # shellcheck disable=SC2086
  cmake --build --preset "$preset" ${QTKERAS_TARGETS:+--target $QTKERAS_TARGETS}
}

install_packages
setup_venv
build
