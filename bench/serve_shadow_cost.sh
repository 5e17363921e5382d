#!/usr/bin/env bash
# What a shadow rollout costs the live endpoint: the same `shopperd serve` measured with `hey`
# (single-row JSON, 32 and 1 connections) without a rollout, then with a shadow rollout running (the
# challenger scores every request beside the champion, and the ledger records both probabilities),
# alternating the two conditions `ROUNDS` times so that drift in the machine's load hits both alike.
# Issue 13's goal: shadow mode costs at most 10 % of the p99. See docs/rollout.md.
#
#   bash bench/serve_shadow_cost.sh [OUT.md]        (ROUNDS=3, DURATION=10s by default)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${1:-$root/bench/results/serve-shadow-cost-$(date +%Y-%m-%d-%H%M).md}
rounds=${ROUNDS:-3}
duration=${DURATION:-10s}
command -v hey >/dev/null || { echo "serve_shadow_cost.sh: hey is needed (apt-get install -y hey)" >&2; exit 69; }
work=$(mktemp -d "${TMPDIR:-/tmp}/serve-shadow.XXXXXX")
server=
cleanup() {
    [ -z "$server" ] || { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
    [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

nice -n 10 swift build -c release --product shopperd >/dev/null
bin=$root/.build/release/shopperd
data=$root/data/online_shoppers_intention.csv
state=$work/state
"$bin" ingest "$data" --state "$state" >/dev/null
"$bin" train --state "$state" --promote >/dev/null                 # v1: the champion
"$bin" train --state "$state" --seed 7 >/dev/null                  # v2: the challenger (another seed)

# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
port=$(free_port)
"$bin" serve --state "$state" --listen "127.0.0.1:$port" >"$work/serve.out" 2>"$work/serve.err" &
server=$!
for _ in $(seq 100); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
url=http://127.0.0.1:$port/invocations
python3 - "$data" >"$work/row.json" <<'PY'
import csv, json, sys
row = next(csv.DictReader(open(sys.argv[1])))
ints = {"Administrative", "Informational", "ProductRelated", "OperatingSystems", "Browser", "Region", "TrafficType"}
record = {}
for k, v in row.items():
    if k == "Revenue": continue
    if k in ("Month", "VisitorType"): record[k] = v
    elif k == "Weekend": record[k] = v == "TRUE"
    elif k in ints: record[k] = int(v)
    else: record[k] = float(v)
print(json.dumps({"dataframe_records": [record]}))
PY

measure() {  # $1 label, $2 concurrency → "label c rps p50 p99" (ms)
    local report
    report=$(hey -z "$duration" -c "$2" -m POST -T application/json -D "$work/row.json" "$url")
    local rps p50 p99 errors
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$report")
    p50=$(awk '/ 50% in/ {print $3 * 1000}' <<<"$report")
    p99=$(awk '/ 99% in/ {print $3 * 1000}' <<<"$report")
    errors=$(awk '/Error distribution/ {found=1} END {print found ? "yes" : "no"}' <<<"$report")
    echo "$1 $2 $rps $p50 $p99 $errors"
}

results=$work/results.txt
: >"$results"
for round in $(seq "$rounds"); do
    "$bin" rollout stop --state "$state" >/dev/null 2>&1 || true
    sleep 1  # the endpoint reads the rollout every 250 ms
    for c in 32 1; do measure none "$c" >>"$results"; done
    "$bin" rollout start 2 --mode shadow --state "$state" >/dev/null
    sleep 1
    for c in 32 1; do measure shadow "$c" >>"$results"; done
done
recorded=$("$bin" rollout status --state "$state" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["predictions"])')

python3 - "$results" "$rounds" "$duration" "$recorded" >"$out" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
print("# Shadow rollout cost on `shopperd serve` (%s rounds of %s per cell, alternating)\n" % (sys.argv[2], sys.argv[3]))
print("| connections | condition | req/s (median) | p50 ms (median) | p99 ms (median) | p99 per round | errors |")
print("|---:|---|---:|---:|---:|---|---|")
summary = {}
for c in ("32", "1"):
    for cond in ("none", "shadow"):
        cells = [r for r in rows if r[0] == cond and r[1] == c]
        rps = statistics.median(float(r[2]) for r in cells)
        p50 = statistics.median(float(r[3]) for r in cells)
        p99 = statistics.median(float(r[4]) for r in cells)
        summary[(c, cond)] = p99
        print("| %s | %s | %.0f | %.3f | %.3f | %s | %s |" % (c, "no rollout" if cond == "none" else "shadow rollout", rps, p50, p99,
              ", ".join("%.2f" % float(r[4]) for r in cells), "yes" if any(r[5] == "yes" for r in cells) else "none"))
for c in ("32", "1"):
    print("\nconcurrency %s: p99 %+.1f %% with the shadow rollout" % (c, 100 * (summary[(c, "shadow")] / summary[(c, "none")] - 1)))
print("\nlive predictions recorded by the ledger during the shadow rounds: %s" % sys.argv[4])
PY
cat "$out"
