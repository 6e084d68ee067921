#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs clang-tidy (the checks of .clang-tidy) over the C++ sources of bridge/, inspectors/ and
# app/ with a build's compile commands: each translation unit once, one per core at a time.
# Fails on any finding. The clang_tidy test runs it on the build's directory. After a build:
#   scripts/clang-tidy.sh [BUILD_DIR] [FILE...]   (default: build/ci, every source)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build/ci}"
shift || true
if ! command -v clang-tidy >/dev/null; then
  echo "clang-tidy is missing: scripts/setup.sh installs it" >&2
  exit 1
fi
if [ ! -f "$build/compile_commands.json" ]; then
  echo "no $build/compile_commands.json: configure with a preset first" >&2
  exit 1
fi
if [ $# -eq 0 ]; then
  mapfile -t files < <(python3 - "$build/compile_commands.json" "$root" <<'PY'
import json, os, sys
root = os.path.realpath(sys.argv[2])
dirs = tuple(os.path.join(root, d, "") for d in ("bridge", "inspectors", "app"))
seen = set()
for entry in json.load(open(sys.argv[1])):
    file = os.path.realpath(os.path.join(entry["directory"], entry["file"]))
    if file.startswith(dirs) and file not in seen:
        seen.add(file)
        print(file)
PY
  )
else
  files=("$@")
fi
# clang-tidy's "N warnings generated" counts what the filters hide: only findings are shown.
printf '%s\0' "${files[@]}" |
  xargs -0 -n 1 -P "$(nproc)" clang-tidy -p "$build" --quiet 2> >(grep -vE '^[0-9]+ warnings? generated\.$' >&2)
echo "clang-tidy: ${#files[@]} files clean"
