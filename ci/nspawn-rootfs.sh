#!/usr/bin/env bash
# Prints the path of a minimal Debian 12 root file system for ci/systemd-stage.sh, creating it
# with debootstrap when the cache does not hold one yet (70-100 s; reused for the machine's life).
#
#   bash ci/nspawn-rootfs.sh            # → /var/cache/shopperd-ci/bookworm-rootfs-<recipe hash>
#
# The cache lives outside the repository (SHOPPERD_CI_CACHE, default /var/cache/shopperd-ci) and
# is never modified by the stage: containers boot on an overlay above it. Concurrent callers
# serialise on a lock, so .ci/run can start this in the background while `swift test` runs and the
# stage simply waits for it. The Debian mirror is the one this machine's apt already uses
# (/etc/apt/sources.list and sources.list.d), so no host name is written here. Needs root and
# the debootstrap package.
set -euo pipefail
cache=${SHOPPERD_CI_CACHE:-/var/cache/shopperd-ci}
suite=bookworm
# The package list. msmtp-mta: /usr/sbin/sendmail for the notification checks
# (ci/systemd-stage/notify_checks.sh).
recipe="minbase systemd,systemd-sysv,dbus,libsqlite3-0,libsystemd0,libcurl4,python3,procps,msmtp-mta"
# One directory per recipe: a changed package list builds a new root file system beside the old one
# instead of replacing it, so checkouts with different lists (branches) neither rebuild each other's
# nor remove one that a running stage has under its overlay. Old ones are left for the operator to
# delete (rm -rf --one-file-system /var/cache/shopperd-ci/bookworm-rootfs*, with no stage running).
rootfs=$cache/$suite-rootfs-$(printf '%s' "$recipe" | sha256sum | cut -c 1-12)

# The first Debian archive URI apt uses for $suite (not the security archive), from either
# the one-line format (deb [options] URI suite components) or deb822 (.sources) files.
apt_mirror() {
    local file
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$file" ] || continue
        awk -v suite="$suite" '$1 == "deb" {
            i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
            if ($(i + 1) == suite) { print $i; exit } }' "$file"
    done
    for file in /etc/apt/sources.list.d/*.sources; do
        [ -f "$file" ] || continue
        awk -v suite="$suite" 'BEGIN { RS = ""; FS = "\n" } {
            uris = ""; ok = 0; enabled = 1
            for (n = 1; n <= NF; n++) {
                if ($n ~ /^URIs:/) { uris = $n; sub(/^URIs:[ \t]*/, "", uris) }
                if ($n ~ /^Suites:/) { s = " " $n " "; if (s ~ (" " suite " ")) ok = 1 }
                if ($n ~ /^Enabled:[ \t]*no/) enabled = 0
            }
            if (ok && enabled && uris != "") { split(uris, u, /[ \t]+/); print u[1]; exit } }' "$file"
    done
}

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ -f "$rootfs/.shopperd-ci-recipe" ] && [ "$(cat "$rootfs/.shopperd-ci-recipe")" = "$recipe" ]; then
    echo "$rootfs"
    exit 0
fi
command -v debootstrap >/dev/null || { echo "nspawn-rootfs: debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }
mirror=$(apt_mirror | head -n 1)
[ -n "$mirror" ] || { echo "nspawn-rootfs: no Debian $suite archive in /etc/apt/sources.list{,.d}: cannot pick a mirror" >&2; exit 1; }
building=$cache/.building
# A debootstrap that died midway may leave /proc or /sys mounted in its target: unmount those
# first, and never let rm cross into another file system.
discard() {
    findmnt -rn -o TARGET | awk -v dir="$1" 'index($0, dir "/") == 1' | sort -r | xargs -r -n 1 umount -l
    rm -rf --one-file-system "$1"
}
discard "$building"
discard "$rootfs"
started=$(date +%s)
read -r variant include <<<"$recipe"
if ! debootstrap --variant="$variant" --include="$include" "$suite" "$building" "$mirror" >"$cache/debootstrap.log" 2>&1; then
    echo "nspawn-rootfs: debootstrap failed; last lines of $cache/debootstrap.log:" >&2
    tail -n 20 "$cache/debootstrap.log" >&2
    discard "$building"
    exit 1
fi
# Smaller: no package lists (nothing runs apt inside the container).
rm -rf "$building"/var/lib/apt/lists/* "$building"/var/cache/apt/*.bin
echo "$recipe" >"$building/.shopperd-ci-recipe"
mv "$building" "$rootfs"
echo "nspawn-rootfs: created $rootfs in $(( $(date +%s) - started )) s" >&2
echo "$rootfs"
