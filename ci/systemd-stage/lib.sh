# Helpers of ci/systemd-stage.sh (sourced): the doc's blocks, the container's life, running
# commands inside it, waiting, and recording each check's verdict. repo, work and log come from
# ci/systemd-stage.sh.
# shellcheck disable=SC2154

# The fenced block right after the marker line `<!-- ci:systemd-stage NAME: … -->` in
# docs/systemd.md. Fails unless exactly one such marker exists and a ```sh fence follows it.
doc_block() {
    awk -v name="$1" '
        index($0, "<!-- ci:systemd-stage " name ":") == 1 { markers++; expect = 1; next }
        expect == 1 { if ($0 != "```sh") exit 2; expect = 0; inside = 1; next }
        inside && $0 == "```" { inside = 0; done = 1; next }
        inside { print }
        END { if (markers != 1 || !done) exit 1 }' "$repo/docs/systemd.md"
}

# The cgroup2 hierarchy: /sys/fs/cgroup on a unified host, /sys/fs/cgroup/unified on a hybrid one.
cgroup2_root() {
    local mount path
    mount=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
    [ -n "$mount" ] || return 1
    path=$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
    echo "$mount${path%/}"
}

# Boots systemd in a container: root = an overlay above the cached root file system (so the cache
# is never written), the checkout bind-mounted read-only at its own path, in a cgroup of its own.
# Sets pid1 (the container's PID 1 as a host pid), nspawn_pid and cgroup.
#   --register=no --keep-unit: no systemd on the host to register with.
#   SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1: pure cgroup2 inside; on a hybrid host systemd would
#     otherwise run the services on cgroup v1, where IPAddressDeny= is silently ignored.
#   --capability=all --system-call-filter=bpf: the container's systemd may attach the BPF
#     programs IPAddressDeny= and DevicePolicy= need, and build every namespace the unit asks for.
#   --console=read-only: PID 1 writes to a log; a passive console can block it.
boot_container() {
    local lower=$1 dir=$2 checkout=$3 deadline pid
    machine=shopperd-ci-$$
    nspawn_state_existed=no
    [ -d /run/systemd/nspawn ] && nspawn_state_existed=yes
    mkdir -p "$dir/upper" "$dir/overlay-work" "$dir/root"
    mount -t overlay overlay -o "lowerdir=$lower,upperdir=$dir/upper,workdir=$dir/overlay-work" "$dir/root"
    # nspawn's lock on the image (named after its device and inode), left behind if nspawn is killed.
    image_lock=/run/systemd/nspawn/locks/inode-$(stat -c '%d:%i' "$dir/root")
    local parent
    parent=$(cgroup2_root) || die "no cgroup2 hierarchy mounted (systemd-nspawn needs one)"
    cgroup=$parent/shopperd-nspawn-$$
    mkdir "$cgroup"
    (
        echo "$BASHPID" >"$cgroup/cgroup.procs"
        exec env SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 systemd-nspawn --quiet --boot \
            --directory="$dir/root" --machine="$machine" --register=no --keep-unit \
            --capability=all --system-call-filter=bpf --console=read-only --private-network \
            --bind-ro="$checkout"
    ) </dev/null >"$dir/console.log" 2>&1 &
    nspawn_pid=$!
    pid1=""
    deadline=$(( $(date +%s) + 60 ))
    while [ -z "$pid1" ]; do
        kill -0 "$nspawn_pid" 2>/dev/null || { tail -n 30 "$dir/console.log" >&2; die "systemd-nspawn exited while booting"; }
        [ "$(date +%s)" -lt "$deadline" ] || { tail -n 30 "$dir/console.log" >&2; die "no container PID 1 after 60 s"; }
        for pid in $(cgroup_pids); do
            if [ "$(awk '/^NSpid:/ { print (NF > 2 ? $NF : "") }' "/proc/$pid/status" 2>/dev/null)" = 1 ]; then
                pid1=$pid
            fi
        done
        [ -n "$pid1" ] || sleep 0.2
    done
    # Up once its manager has finished booting. `is-system-running --wait` is not enough: before
    # PID 1 listens it answers "offline" at once.
    local state=""
    deadline=$(( $(date +%s) + 120 ))
    until [[ "$state" =~ ^(running|degraded)$ ]]; do
        [ "$(date +%s)" -lt "$deadline" ] || die "the container's systemd did not finish booting in 120 s (state: $state)"
        sleep 0.2
        state=$(nsenter -t "$pid1" -a systemctl is-system-running 2>/dev/null || true)
    done
    [ "$state" = running ] || log "container booted degraded; failed units: $(nsenter -t "$pid1" -a systemctl --failed --plain --no-legend --no-pager | tr '\n' ' ')"
}

# Every process in the container's cgroup tree.
cgroup_pids() { find "$cgroup" -name cgroup.procs -exec cat {} + 2>/dev/null; }

# Powers the container off (nspawn turns SIGTERM into an orderly shutdown), kills whatever is left
# in its cgroup after a grace, then removes the cgroups, the overlay and the scratch directory.
cleanup() {
    local status=$?
    set +e
    if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
        kill -TERM "$nspawn_pid"
        for _ in $(seq 1 100); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.2; done
    fi
    # Whatever is left in the container's cgroup (nspawn itself, or a container whose nspawn died).
    if [ -n "$cgroup" ] && [ -n "$(cgroup_pids)" ]; then
        echo "systemd-stage: processes left in the container's cgroup (no orderly power-off in 20 s): killing them" >&2
        if [ -f "$cgroup/cgroup.kill" ]; then
            echo 1 >"$cgroup/cgroup.kill"
        else
            cgroup_pids | xargs -r kill -KILL
        fi
    fi
    [ -n "$nspawn_pid" ] && wait "$nspawn_pid" 2>/dev/null
    if [ "$status" -ne 0 ] && [ -f "$work/console.log" ]; then
        echo "systemd-stage: last lines of the container's console:" >&2
        tail -n 15 "$work/console.log" >&2
    fi
    if [ -n "${work:-}" ] && [ -d "$work" ]; then
        mountpoint -q "$work/root" && umount -R "$work/root"
        rm -rf --one-file-system "$work"
    fi
    # nspawn's own state on the host: this machine's propagation directory (left behind where /run
    # is not a tmpfs), and its parents when this stage created them.
    [ -n "${machine:-}" ] && rmdir "/run/systemd/nspawn/propagate/$machine" 2>/dev/null
    [ -n "${image_lock:-}" ] && rm -f "$image_lock"
    [ "${nspawn_state_existed:-yes}" = yes ] ||
        rmdir /run/systemd/nspawn/propagate /run/systemd/nspawn/locks /run/systemd/nspawn 2>/dev/null
    if [ -n "$cgroup" ] && [ -d "$cgroup" ]; then
        for _ in $(seq 1 50); do
            find "$cgroup" -depth -type d -exec rmdir {} + 2>/dev/null
            [ -d "$cgroup" ] || break
            sleep 0.2
        done
        [ -d "$cgroup" ] && echo "systemd-stage: could not remove $cgroup" >&2
    fi
    exit "$status"
}

# Runs a command inside the container, in all its namespaces, with a clean environment.
c() {
    nsenter -t "$pid1" -a env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        LANG=C.UTF-8 SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"
}
csh() { c sh -c "$1"; }

# A property of shopperd.service (systemctl show).
prop() { c systemctl show -p "$1" --value shopperd; }

# Polls a shell condition (run on the host; use c/csh inside it) every 0.5 s until it holds or
# SECONDS pass. Deadlines are hang guards, not speed bounds.
wait_until() {
    local seconds=$1 deadline
    shift
    deadline=$(( $(date +%s) + seconds ))
    until eval "$*" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.5
    done
}

# The safe drop docs/systemd.md describes: copy under a hidden name, rename into the inbox.
drop() {
    local name=$1 umask=${2:-022}
    csh "umask $umask && cp /srv/shopperd-ci/batches/$name /var/spool/shopperd/inbox/.$name && mv /var/spool/shopperd/inbox/.$name /var/spool/shopperd/inbox/$name"
}
outbox() { c cat "/var/spool/shopperd/outbox/$1"; }
has_outbox() { c test -f "/var/spool/shopperd/outbox/$1"; }

# shopperd's own journal entries (SYSLOG_IDENTIFIER=shopperd) of the unit, one JSON object a line.
# Extra arguments go to journalctl (e.g. --since @EPOCH).
events() { c journalctl -u shopperd -o json --no-pager "$@" | jq -c 'select(.SYSLOG_IDENTIFIER == "shopperd")'; }
# How many events of kind $1 (SHOPPERD_EVENT) name batch $2.
event_count() {
    { events || true; } | jq -r --arg kind "$1" --arg batch "$2" \
        'select(.SHOPPERD_EVENT == $kind and .SHOPPERD_BATCH == $batch) | .MESSAGE_ID' | wc -l
}
# How many lines of standard input contain the fixed string $1 (reads it all: with pipefail,
# `grep -q` would close the pipe early and fail the writer).
count() { grep -cF -- "$1" || true; }
# What systemd itself logged about the unit (not the daemon's own entries).
manager_log() { c journalctl -u shopperd -o cat --no-pager _PID=1; }

failures=0
verdicts=()
pass() { verdicts+=("PASS  $1"); log "PASS  $1"; }
fail() {
    verdicts+=("FAIL  $1: $2")
    failures=$((failures + 1))
    log "FAIL  $1: $2"
}
# check NAME CONDITION MESSAGE: PASS when the shell condition holds, else FAIL with MESSAGE. Both
# are expanded only then (pass them in single quotes), so the message shows the state after the
# condition's own waiting.
check() {
    if eval "$2" >/dev/null 2>&1; then
        pass "$1"
    else
        fail "$1" "$(eval "cat <<__MESSAGE__
$3
__MESSAGE__" 2>&1)"
    fi
}

summary() {
    echo "systemd-stage: ${#verdicts[@]} checks, $failures failed"
    printf '  %s\n' "${verdicts[@]}"
    [ "$failures" -eq 0 ]
}
