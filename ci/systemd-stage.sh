#!/usr/bin/env bash
# CI stage: the shipped unit under a real systemd.
#
#   bash ci/systemd-stage.sh          # as root; called by .ci/run, runnable by hand
#
# Boots systemd 252 as PID 1 in a Debian 12 container (systemd-nspawn), installs shopperd there by
# running docs/systemd.md's install block verbatim (so a mistake in the docs fails CI), then checks
# what the unit promises: READY and STATUS=, one batch of each outcome, the journal's MESSAGE_IDs,
# reload, the watchdog, a stop mid-batch, SystemCallFilter= in kill mode, the sandbox, an
# unreadable file. Every check runs, each prints PASS or FAIL with what went wrong; the stage fails
# if any failed. Test-only settings go into drop-ins under /etc/systemd/system/shopperd.service.d
# inside the container; systemd/shopperd.service itself is installed as shipped.
#
# The doc's build block runs on this host, in the checkout (the container has no Swift toolchain);
# its install block runs inside the container with the checkout bind-mounted read-only at the same
# path. The root file system comes from ci/nspawn-rootfs.sh (cached outside the repository); the
# container boots on a throw-away overlay above it. Everything else - the container, its cgroup,
# the overlay, the scratch directory - is removed on exit, failure or interrupt included.
#
# Needs: root, systemd-nspawn (systemd-container), nsenter (util-linux), jq, debootstrap (first run).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
here=$repo/ci/systemd-stage
started=$(date +%s)
log() { echo "systemd-stage: [$(( $(date +%s) - started )) s] $*"; }
die() {
    echo "systemd-stage: FATAL: $*" >&2
    if declare -F summary >/dev/null; then summary || true; fi
    exit 1
}

[ "$(id -u)" -eq 0 ] || die "needs root (systemd-nspawn, an overlay mount, a cgroup)"
for tool in systemd-nspawn nsenter jq; do
    command -v "$tool" >/dev/null || die "$tool is missing (apt-get install systemd-container util-linux jq)"
done

# shellcheck source=ci/systemd-stage/lib.sh
source "$here/lib.sh"

# --- the doc's blocks --------------------------------------------------------------------------
build_block=$(doc_block build) || die "docs/systemd.md: no unique 'ci:systemd-stage build' block"
install_block=$(doc_block install) || die "docs/systemd.md: no unique 'ci:systemd-stage install' block"

log "root file system (ci/nspawn-rootfs.sh: the cached one, or debootstrap)"
rootfs=$(bash "$repo/ci/nspawn-rootfs.sh")
rootfs_ready=$(date +%s)

log "docs/systemd.md build block, on the host: $build_block"
sh -e -c "$build_block" || die "the build block of docs/systemd.md failed"
built=$(date +%s)

# --- the container -----------------------------------------------------------------------------
work=$(mktemp -d /var/tmp/shopperd-nspawn.XXXXXX)
cgroup=""
nspawn_pid=""
machine=""
trap cleanup EXIT
trap 'exit 130' INT TERM
boot_container "$rootfs" "$work" "$repo"
booted=$(date +%s)
log "container up: PID 1 is host pid $pid1, system $(c systemctl is-system-running || true)"

mkdir -p "$work/root/srv/shopperd-ci/batches"
cp "$here/sandbox_probe.py" "$work/root/srv/shopperd-ci/"
c python3 "$here/make_batches.py" "$repo/data/online_shoppers_intention.csv" /srv/shopperd-ci/batches

# shellcheck source=ci/systemd-stage/checks.sh
source "$here/checks.sh"
run_checks
[ "${checks_completed:-}" = yes ] || die "the checks stopped before the last one (a shell error in a check: see above)"

finished=$(date +%s)
log "times: root file system $((rootfs_ready - started)) s, build $((built - rootfs_ready)) s," \
    "boot $((booted - built)) s, checks $((finished - booted)) s, stage $((finished - started)) s"
summary
