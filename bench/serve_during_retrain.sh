#!/usr/bin/env bash
# Scoring latency of `shopperd serve` while the daemon (`shopperd run`, same state directory) retrains:
# issue 12's goals (one row: p99 <= 5 ms at 32 connections, p50 <= 0.3 ms at 1) measured idle, then
# during a retrain at normal priority, then during a retrain as shipped (the training on SCHED_IDLE
# threads that pause while the server is busy, `training.background-seconds`, `training.yield-above`),
# or with the whole daemon at a lower priority. See docs/serving.md.
#
#   bash bench/serve_during_retrain.sh [--quick] [OUT.md]
#
#   --quick   3 s per load (a smoke test); the default is 10 s per load.
#   OUT.md    where the markdown table goes (default: bench/results/serve-during-retrain-DATE.md).
#
# Environment: RETRAIN_TREES (training.trees of the retrains, default 6000: long enough that one retrain
# covers both loads of a phase; the CPU it takes per second is the same as a 100-tree retrain's, both
# cores), PHASES (default "idle retrain-normal retrain-no-yield retrain"; also retrain-one-thread,
# nice19, sched-idle, cpu-weight; at most four retrain phases), KEEP_WORK=1 (keep the work directory).
#
# Steps: 1. release build; 2. the batches of ci/systemd-stage/make_batches.py (a 6,000-row labelled
# bootstrap, drifted labelled batches of 400 rows); 3. `shopperd run` on a fresh inbox/outbox/state,
# bootstrap.csv dropped: the first champion; 4. `shopperd serve` on the same state; 5. per phase:
# idle: hey one row at -c 32 and -c 1; retrain-normal (training.background-seconds=0: the retrain at
# the daemon's normal priority, as before), retrain-no-yield (training.yield-above=0: SCHED_IDLE
# threads that never pause), retrain (as shipped), nice19 (daemon restarted under
# `nice -n 19`), sched-idle (daemon restarted under `chrt --idle 0`, SCHED_IDLE): a drifted labelled
# batch dropped (cpu-weight: the daemon in a cgroup of CPU weight 1, as systemd's CPUWeight=1; needs
# root), the loads started once the daemon has claimed it and is training, and the phase counts
# only if the batch's report was not yet written when the second load ended (the retrain covered both);
# its retrain time comes from the report (timings_ms.retrain, of which timings_ms.paused waiting for
# the server); version 1 is promoted back after each
# retrain, so every phase is served by the same model. 6. The table. Every process is stopped on
# any exit.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_options serve_during_retrain.sh 3s "$@"

cd "$(dirname "$0")/.."
root=$PWD
out=${out:-$root/bench/results/serve-during-retrain-$(date +%Y-%m-%d-%H%M).md}
trees=${RETRAIN_TREES:-6000}
phases=${PHASES:-idle retrain-normal retrain-no-yield retrain}
command -v hey >/dev/null || { echo "serve_during_retrain.sh: hey is needed (apt-get install -y hey)" >&2; exit 69; }

work=$(mktemp -d "${TMPDIR:-/tmp}/serve-during-retrain.XXXXXX")
daemon_pid=""
serve_pid=""
cpu_group=""  # the cpu-weight phase's cgroup (removed on exit)
stop_pid() {  # SIGTERM, up to 30 s (a retrain in flight may take the daemon's stop grace), then SIGKILL
    local pid=$1
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local status=$?
    stop_pid "$serve_pid"
    stop_pid "$daemon_pid"
    [ -z "$cpu_group" ] || rmdir "$cpu_group" 2>/dev/null || true
    if [ "${KEEP_WORK:-0}" = 1 ] || [ "$status" -ne 0 ]; then
        echo "serve_during_retrain.sh: work directory kept: $work" >&2
    else
        rm -rf "$work"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step() { printf '\n== %s\n' "$*"; }
loadavg() { cut -d' ' -f1 /proc/loadavg; }
wait_for() {  # SECONDS CONDITION...: polls every 0.1 s
    local deadline=$(( $(date +%s) + $1 ))
    shift
    until "$@"; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}
inbox=$work/inbox outbox=$work/outbox state=$work/state batches=$work/batches
mkdir -p "$inbox" "$outbox" "$state" "$batches"
drop() { cp "$batches/$1" "$inbox/.$1" && mv "$inbox/.$1" "$inbox/$1"; }
has_report() { [ -f "$outbox/${1%.csv}.report.json" ]; }

step "1. shopperd, release build"
nice -n 10 swift build -c release --product shopperd
shopperd=$(swift build -c release --show-bin-path)/shopperd

step "2. batches (ci/systemd-stage/make_batches.py)"
python3 "$root/ci/systemd-stage/make_batches.py" "$root/data/online_shoppers_intention.csv" "$batches"
# One row of the bundled file's sessions, as docs/serving.md's examples.
cat >"$work/row.json" <<'EOF'
{"dataframe_records": [{"Administrative": 0, "Administrative_Duration": 0, "Informational": 0, "Informational_Duration": 0, "ProductRelated": 12, "ProductRelated_Duration": 340.5, "BounceRates": 0.01, "ExitRates": 0.03, "PageValues": 18.2, "SpecialDay": 0, "Month": "Nov", "OperatingSystems": 2, "Browser": 2, "Region": 1, "TrafficType": 2, "VisitorType": "Returning_Visitor", "Weekend": false}]}
EOF

extra_set=()  # more --set options for the next start_daemon (the retrain-normal phase's)
start_daemon() {  # PREFIX...: the daemon, under the given priority command (or none)
    "$@" "$shopperd" run --inbox "$inbox" --outbox "$outbox" --state "$state" --log-target stderr \
        --set "training.trees=$trees" "${extra_set[@]}" >>"$work/daemon.log" 2>&1 &
    daemon_pid=$!
}

step "3. shopperd run: the first champion (bootstrap.csv, 6,000 labelled rows, default settings)"
# The bootstrap trains with the defaults (100 trees); the retrains of the phases with training.trees.
"$shopperd" run --inbox "$inbox" --outbox "$outbox" --state "$state" --log-target stderr >>"$work/daemon.log" 2>&1 &
daemon_pid=$!
drop bootstrap.csv
wait_for 600 has_report bootstrap.csv || { tail -n 20 "$work/daemon.log" >&2; exit 1; }
echo "bootstrap: $(jq -c '{decision, retrain_ms: .timings_ms.retrain}' "$outbox/bootstrap.report.json")"

step "4. shopperd serve on the same state directory"
port=$(free_port)
url=http://127.0.0.1:$port/invocations
"$shopperd" serve --state "$state" --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
serve_pid=$!
wait_for 30 curl -sf -o /dev/null "http://127.0.0.1:$port/v2/health/ready" || { cat "$work/serve.log" >&2; exit 1; }
echo "one row: $(curl -s "$url" -H 'Content-Type: application/json' -d @"$work/row.json")"
hey -n 500 -c 1 -m POST -T application/json -D "$work/row.json" "$url" >/dev/null  # warm-up, not recorded

results=$work/results.tsv
: >"$results"
measure() {  # PHASE CONNECTIONS: one hey run, its figures appended to results.tsv
    local phase=$1 connections=$2 load
    load=$(loadavg)
    hey -z "$duration" -c "$connections" -m POST -T application/json -D "$work/row.json" "$url" >"$work/hey-$phase-c$connections.txt"
    python3 - "$work/hey-$phase-c$connections.txt" "$phase" "$connections" "$load" >>"$results" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
def find(pattern):
    match = re.search(pattern, text)
    return float(match.group(1)) if match else float("nan")
ok = sum(int(count) for code, count in re.findall(r"\[(\d{3})\]\s+(\d+) responses", text) if code.startswith("2"))
other = sum(int(count) for code, count in re.findall(r"\[(\d{3})\]\s+(\d+) responses", text) if not code.startswith("2"))
errors = 0
if "Error distribution:" in text:
    errors = sum(int(count) for count in re.findall(r"^\s+\[(\d+)\]\s", text.split("Error distribution:")[1], re.M))
rps = find(r"Requests/sec:\s+([\d.]+)")
p50 = find(r"50%+ in ([\d.]+) secs") * 1000
p99 = find(r"99%+ in ([\d.]+) secs") * 1000
print("\t".join([sys.argv[2], sys.argv[3], "%.0f" % rps, "%.2f" % p50, "%.2f" % p99,
                 str(other + errors), str(ok + other + errors), sys.argv[4]]))
EOF
    tail -n 1 "$results"
}

# A retrain phase: drop BATCH, wait until the daemon has claimed it (the inbox entry is gone) and its
# drift test has run, measure, then check the retrain was still running when the loads ended.
notes=()
retrain_phase() {  # PHASE BATCH PRIORITY...
    local phase=$1 batch=$2
    shift 2
    stop_pid "$daemon_pid"
    start_daemon "$@"
    sleep 1
    echo "[$phase] daemon PID $daemon_pid: nice $(ps -o ni= -p "$daemon_pid" | tr -d ' '), policy $(ps -o cls= -p "$daemon_pid" | tr -d ' '); $(uptime)"
    drop "$batch"
    wait_for 60 test ! -e "$inbox/$batch" || { tail -n 20 "$work/daemon.log" >&2; exit 1; }
    sleep 1.5  # read, drift, score: the retrain starts within it
    local began ended
    began=$(date +%s.%N)
    measure "$phase" 32
    measure "$phase" 1
    ended=$(date +%s.%N)
    local covered=yes
    has_report "$batch" && covered=no
    wait_for 900 has_report "$batch" || { tail -n 20 "$work/daemon.log" >&2; exit 1; }
    local report=$outbox/${batch%.csv}.report.json
    local decision retrain_s paused_s
    decision=$(jq -r .decision "$report")
    retrain_s=$(jq -r '.timings_ms.retrain / 1000 | . * 10 | round / 10' "$report")
    paused_s=$(jq -r '(.timings_ms.paused // 0) / 1000 | . * 10 | round / 10' "$report")
    echo "[$phase] $batch: $decision, retrain ${retrain_s} s (paused for the server ${paused_s} s), loads $(awk -v a="$began" -v b="$ended" 'BEGIN { printf "%.1f", b - a }') s, retrain still running when they ended: $covered"
    [[ "$decision" == retrain-* ]] || { echo "serve_during_retrain.sh: $batch did not retrain ($decision)" >&2; exit 1; }
    [ "$covered" = yes ] || { echo "serve_during_retrain.sh: the retrain of $batch ended before the loads did: raise RETRAIN_TREES" >&2; exit 1; }
    notes+=("$phase: $batch ($decision), retrain ${retrain_s} s with training.trees=$trees (of which paused for the server: ${paused_s} s), both loads inside it")
    # The next phase is served by the same model as this one: the bootstrap champion, version 1
    # (a promoted retrain of $trees trees would make every request dearer).
    if [ "$("$shopperd" models show champion --state "$state" --format json | jq -r .version)" != 1 ]; then
        "$shopperd" models promote 1 --state "$state" --reason "bench: serve every phase with the bootstrap model" >/dev/null
        sleep 1
    fi
}

# What systemd's CPUWeight=1 does (the daemon's cgroup weighs 1 against the default 100): a cgroup of
# its own with cpu.weight 1 (cgroup v2), or cpu.shares 10 on a cgroup v1 cpu controller (systemd's
# mapping, weight × 1024 / 100). Prints the command prefix that runs a program in it.
low_weight_group() {
    local name=serve-during-retrain-$$
    if grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
        cpu_group=/sys/fs/cgroup/$name
        mkdir "$cpu_group" && echo 1 >"$cpu_group/cpu.weight"
    elif [ -d /sys/fs/cgroup/cpu ]; then
        cpu_group=/sys/fs/cgroup/cpu/$name
        mkdir "$cpu_group" && echo 10 >"$cpu_group/cpu.shares"
    else
        echo "serve_during_retrain.sh: no cpu cgroup controller for the cpu-weight phase" >&2; exit 69
    fi
}
in_group() { echo "$BASHPID" >"$cpu_group/cgroup.procs" && exec "$@"; }

step "5. the loads"
drifting=(drifting.csv hang-watchdog.csv slow-stop.csv kill-drifting.csv)
next=0
for phase in $phases; do
    case $phase in
        idle)
            echo "[idle] $(uptime)"
            measure idle 32
            measure idle 1 ;;
        retrain) retrain_phase retrain "${drifting[next]}"; next=$((next + 1)) ;;
        retrain-normal) extra_set=(--set training.background-seconds=0); retrain_phase retrain-normal "${drifting[next]}"; extra_set=(); next=$((next + 1)) ;;
        retrain-no-yield) extra_set=(--set training.yield-above=0); retrain_phase retrain-no-yield "${drifting[next]}"; extra_set=(); next=$((next + 1)) ;;
        retrain-one-thread) extra_set=(--set training.threads=1); retrain_phase retrain-one-thread "${drifting[next]}"; extra_set=(); next=$((next + 1)) ;;
        nice19) retrain_phase nice19 "${drifting[next]}" nice -n 19; next=$((next + 1)) ;;
        sched-idle) retrain_phase sched-idle "${drifting[next]}" chrt --idle 0; next=$((next + 1)) ;;
        cpu-weight) low_weight_group; retrain_phase cpu-weight "${drifting[next]}" in_group; next=$((next + 1)) ;;
        *) echo "serve_during_retrain.sh: unknown phase $phase" >&2; exit 64 ;;
    esac
done

step "6. Table"
{
    echo "| phase (daemon priority) | connections | requests/s | p50 | p99 | p99 goal | failed | load average (1 min) before |"
    echo "|---|---|---|---|---|---|---|---|"
    while IFS=$'\t' read -r phase connections rps p50 p99 failed total load; do
        case $phase in
            idle) label="idle (no batch)" ;;
            retrain) label="retraining (as shipped: SCHED_IDLE training threads that pause while the server answers ≥ 100 requests/s, for up to 120 s)" ;;
            retrain-no-yield) label="retraining on SCHED_IDLE threads that never pause (training.yield-above=0)" ;;
            retrain-normal) label="retraining at normal priority (training.background-seconds=0)" ;;
            retrain-one-thread) label="retraining as shipped on one thread (training.threads=1)" ;;
            nice19) label="retraining (daemon under nice -n 19)" ;;
            sched-idle) label="retraining (daemon under chrt --idle 0, SCHED_IDLE)" ;;
            cpu-weight) label="retraining (daemon in a cgroup of CPU weight 1, as CPUWeight=1)" ;;
        esac
        goal="p99 ≤ 5 ms"
        [ "$connections" = 1 ] && goal="p50 ≤ 0.3 ms"
        echo "| $label | $connections | $rps | $p50 ms | $p99 ms | $goal | $failed of $total | $load |"
    done <"$results"
    echo
    echo "- mode: $mode: $duration per load, hey $(dpkg-query -W -f='${Version}' hey 2>/dev/null || echo '?'), $(nproc) cores; hey, shopperd serve and shopperd run on the same machine"
    echo "- date: $(date -u +%Y-%m-%dT%H:%MZ) on $(uname -n) ($(uname -r)); shopperd $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?') release build"
    echo "- champion: bootstrap.csv (6,000 labelled rows, default settings: 100 trees); retrains on drifted labelled batches of 400 rows (ci/systemd-stage/make_batches.py)"
    for note in "${notes[@]}"; do echo "- $note"; done
} >"$out"
cat "$out"
echo "written to $out"
