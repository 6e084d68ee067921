#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds QtKeras against Qt 6.8 and runs its whole test suite (scripts/test.sh: the ci preset,
# every ctest test) inside a Debian 13 (trixie) root made with debootstrap from the Debian
# mirror that apt uses on this machine. Ends with one summary line.
#
# The root is made once and reused; the source tree is copied into it, so its build/ and .venv
# are its own and the host's are neither used nor touched. Inside, scripts/setup.sh installs
# the Debian packages and the worker's pinned PyPI requirements as it does on a fresh machine.
# Nothing else is downloaded. Needs root (debootstrap, mount, chroot); everything mounted is
# unmounted when the script ends, also on failure.
#
#   QTKERAS_TRIXIE_ROOT    where the root is kept (default: build/trixie-root)
#   QTKERAS_DEBIAN_MIRROR  the Debian mirror (default: the one apt uses for this system)
# Extra arguments go to ctest (for example -R notification).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
chroot_dir="${QTKERAS_TRIXIE_ROOT:-$root/build/trixie-root}"
suite=trixie
inside=/src/qtkeras # the source tree's copy in the root
complete="$chroot_dir/.qtkeras-root-complete"

log() { printf '==> %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  echo "test-qt6.8.sh needs root (debootstrap, mount and chroot): run it with sudo" >&2
  exit 2
fi

for tool in debootstrap rsync; do
  if ! command -v "$tool" >/dev/null; then
    log "installing $tool"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$tool" >/dev/null
  fi
done

mirror="${QTKERAS_DEBIAN_MIRROR:-}"
if [ -z "$mirror" ]; then
  # The site of this system's main Debian suite (not -security or -updates).
  mirror=$(apt-get indextargets --format '$(SITE) $(RELEASE)' 'Identifier: Packages' 2>/dev/null |
    awk '$2 !~ /-/ { print $1; exit }')
  mirror="${mirror:-http://deb.debian.org/debian}"
fi

# Mount points under the root, deepest first.
mounts_below() {
  awk -v base="$chroot_dir/" 'index($2, base) == 1 { print $2 }' /proc/self/mounts | sort -r
}
unmount_all() {
  local point
  for point in $(mounts_below); do
    umount "$point" 2>/dev/null || umount -l "$point"
  done
}
# One run at a time per root.
mkdir -p "$(dirname "$chroot_dir")"
exec 9>"$chroot_dir.lock"
flock -n 9 || { echo "another test-qt6.8.sh run is using $chroot_dir" >&2; exit 2; }
trap unmount_all EXIT
unmount_all # left over by a run that was killed

if [ ! -f "$complete" ]; then
  log "making a Debian $suite root in $chroot_dir from $mirror"
  rm -rf --one-file-system "$chroot_dir"
  mkdir -p "$chroot_dir"
  debootstrap --variant=minbase --include=ca-certificates "$suite" "$chroot_dir" "$mirror"
  touch "$complete"
fi

log "mounting /proc, /sys, /dev in the root"
mount -t proc proc "$chroot_dir/proc"
mount -t sysfs -o ro sysfs "$chroot_dir/sys"
# A /dev of its own (not the host's bound in), so that nothing in the root can touch the host's.
mount -t tmpfs -o mode=755,nosuid dev "$chroot_dir/dev"
mknod -m 666 "$chroot_dir/dev/null" c 1 3
mknod -m 666 "$chroot_dir/dev/zero" c 1 5
mknod -m 666 "$chroot_dir/dev/full" c 1 7
mknod -m 666 "$chroot_dir/dev/random" c 1 8
mknod -m 666 "$chroot_dir/dev/urandom" c 1 9
mknod -m 666 "$chroot_dir/dev/tty" c 5 0
mkdir -p "$chroot_dir/dev/pts" "$chroot_dir/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$chroot_dir/dev/pts"
ln -s pts/ptmx "$chroot_dir/dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev shm "$chroot_dir/dev/shm"
ln -s /proc/self/fd "$chroot_dir/dev/fd"

# The root shares this machine's network and host name, so it resolves names as the host does
# (its own name included); and it trusts the certificate authorities this machine adds to
# Debian's (a proxy's), so that pip reaches PyPI from the root as it does from the host.
cp --remove-destination /etc/resolv.conf /etc/hosts "$chroot_dir/etc/"
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  mkdir -p "$chroot_dir/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$chroot_dir/usr/local/share/ca-certificates/"
  chroot "$chroot_dir" update-ca-certificates >/dev/null
fi

log "copying the source tree to $inside"
mkdir -p "$chroot_dir$inside"
rsync -a --delete --exclude=/build/ --exclude=/.venv/ --exclude=/.git \
  --exclude=__pycache__/ --exclude=.pytest_cache/ --exclude=.ruff_cache/ \
  "$root/" "$chroot_dir$inside/"

# The environment inside: a clean one, plus what reaching PyPI through a proxy needs.
environment=(HOME=/root LANG=C.UTF-8 TERM=dumb
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  PIP_CERT=/etc/ssl/certs/ca-certificates.crt PIP_DISABLE_PIP_VERSION_CHECK=1)
for name in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY \
  PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_TRUSTED_HOST PIP_DEFAULT_TIMEOUT; do
  [ -n "${!name:-}" ] && environment+=("$name=${!name}")
done

output="$chroot_dir/test-qt6.8.log"
log "building and testing in Debian $suite (log: $output)"
set +e
chroot "$chroot_dir" /usr/bin/env -i "${environment[@]}" \
  /bin/bash -c 'cd "$0" && ./scripts/test.sh "$@"' "$inside" "$@" 2>&1 | tee "$output"
status=${PIPESTATUS[0]}
set -e

qt=$(chroot "$chroot_dir" dpkg-query -W -f='${Version}' qt6-base-dev 2>/dev/null || echo unknown)
debian=$(cat "$chroot_dir/etc/debian_version")
# ctest's closing line: "97% tests passed, 3 tests failed out of 120".
counts=$(sed -n 's/^[0-9]*% tests passed, \([0-9]*\) tests\{0,1\} failed out of \([0-9]*\).*/\1 \2/p' "$output" | tail -1)
if [ -n "$counts" ]; then
  failed=${counts% *}
  total=${counts#* }
  echo "test-qt6.8: Qt ${qt%%+*} on Debian $debian: $((total - failed)) passed, $failed failed"
else
  echo "test-qt6.8: Qt ${qt%%+*} on Debian $debian: the build or set-up failed before any test ran (exit $status)"
  [ "$status" -ne 0 ] || status=1
fi
exit "$status"
