#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the Debian package of QtKeras (the dev preset, set up and built by setup.sh) and
# prints its path. Install it with `sudo apt-get install ./qtkeras_<version>_<arch>.deb`;
# then each user runs qtkeras-setup-python once for the worker's Python environment.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
QTKERAS_PRESET=dev "$root/scripts/setup.sh"
out="$root/build/packages"
mkdir -p "$out"
printf '==> %s\n' "making the Debian package in $out" >&2
log="$(cd "$root/build/dev" && cpack -G DEB -B "$out")" || { echo "$log" >&2; exit 1; }
echo "$log" >&2
deb="$(sed -n 's/^CPack: - package: \(.*\.deb\) generated\.$/\1/p' <<<"$log" | tail -n 1)"
[ -f "$deb" ] || { echo "cpack did not report a .deb" >&2; exit 1; }
echo "$deb"
