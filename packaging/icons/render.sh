#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Renders the PNG sizes of the icon from its SVG (rsvg-convert, Debian package librsvg2-bin).
# The PNGs are committed, so that building the package does not need librsvg.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
for size in 16 24 32 48 64 128 256; do
  mkdir -p "${size}x${size}"
  rsvg-convert -w "$size" -h "$size" io.github.qtkeras.QtKeras.svg \
    -o "${size}x${size}/io.github.qtkeras.QtKeras.png"
done
