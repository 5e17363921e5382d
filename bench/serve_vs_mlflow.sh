#!/usr/bin/env bash
# Side by side, in one run on one machine: `shopperd serve` and `mlflow models serve` (MLflow 3.17.2, a
# scikit-learn random forest of 100 trees), both trained on scikit-learn's training split of the bundled
# data, both measured with `hey` over loopback. Issue 12's anchor figures; see docs/serving.md.
#
#   bash bench/serve_vs_mlflow.sh [--quick] [OUT.md]
#
#   --quick   2 s per load (a smoke test); the default is 10 s per load.
#   OUT.md    where the markdown table goes (default: bench/results/serve-vs-mlflow-DATE.md).
#
# Environment: MLFLOW_VENV (default .venv-mlflow, the virtualenv ci/mlflow.sh uses; created with
# mlflow==3.17.2, which brings scikit-learn and pandas, when they are missing), MLFLOW_WORKERS (uvicorn
# workers of `mlflow models serve`, default 1, MLflow's own default), KEEP_WORK=1 (keep the work
# directory: data, state, model, hey's outputs, server logs).
#
# Steps: 1. release build of shopperd; 2. scikit-learn's split (train_test_split(test_size=0.2,
# random_state=42, stratify=Revenue)) and the request bodies (bench/serve_vs_mlflow.py prepare); 3. a state
# directory: the training split ingested as version 1, `shopperd train --as-of 1 --promote` (100 trees, the
# default tuning), the test split ingested as version 2 (so the store holds the whole bundled file);
# 4. the scikit-learn Pipeline (one-hot Month/VisitorType/Weekend + RandomForestClassifier(n_estimators=100))
# fitted on the same training rows and saved with mlflow.sklearn.save_model; 5. each server in turn, alone:
# started on a free port chosen now, time from the spawn to its first 200, one row at 1 and 32 connections,
# 1,000-row requests on 1 connection (dataframe_split for both; shopperd also text/csv and dataframe_records), then VmRSS/VmHWM of its process tree; stopped. 6. The table.
# Every server is stopped (its process group: SIGTERM, then SIGKILL) on any exit.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_options serve_vs_mlflow.sh 2s "$@"

cd "$(dirname "$0")/.."
root=$PWD
out=${out:-$root/bench/results/serve-vs-mlflow-$(date +%Y-%m-%d-%H%M).md}
venv=${MLFLOW_VENV:-$root/.venv-mlflow}
workers=${MLFLOW_WORKERS:-1}
helper=$root/bench/serve_vs_mlflow.py
export PYTHONDONTWRITEBYTECODE=1
# MLflow 3 sends usage telemetry unless told not to; a benchmark should not wait on the network.
export MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=true

command -v hey >/dev/null || { echo "serve_vs_mlflow.sh: hey is needed (apt-get install -y hey)" >&2; exit 69; }

work=$(mktemp -d "${TMPDIR:-/tmp}/serve-vs-mlflow.XXXXXX")
servers=()
stop_group() {  # the server's process group: SIGTERM, up to 10 s, then SIGKILL
    local pid=$1
    kill -TERM -- "-$pid" 2>/dev/null || return 0
    for _ in $(seq 100); do kill -0 -- "-$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
}
cleanup() {
    local status=$?
    for pid in "${servers[@]}"; do stop_group "$pid"; done
    if [ "${KEEP_WORK:-0}" = 1 ] || [ "$status" -ne 0 ]; then
        echo "serve_vs_mlflow.sh: work directory kept: $work" >&2
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
results=$work/results.jsonl
meta() { "$venv/bin/python" "$helper" record --results "$results" --server meta --case "$1" --value "$(printf '%s' "$2" | "$venv/bin/python" -c 'import json, sys; print(json.dumps(sys.stdin.read()))')"; }

step "1. shopperd, release build"
nice -n 10 swift build -c release --product shopperd
shopperd=$(swift build -c release --show-bin-path)/shopperd

step "2. MLflow 3.17.2 and scikit-learn in $venv"
if ! "$venv/bin/python" -c 'import mlflow, sklearn, pandas, sys; sys.exit(mlflow.__version__ != "3.17.2")' 2>/dev/null; then
    echo "installing mlflow==3.17.2 (it brings scikit-learn, pandas, uvicorn) into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "mlflow==3.17.2" scikit-learn pandas
fi
versions=$("$venv/bin/python" -c 'import mlflow, sklearn, pandas, uvicorn, platform; print(f"mlflow {mlflow.__version__}, scikit-learn {sklearn.__version__}, pandas {pandas.__version__}, uvicorn {uvicorn.__version__}, Python {platform.python_version()}")')
echo "$versions"

step "3. scikit-learn's split and the request bodies"
data=$work/data
"$venv/bin/python" "$helper" prepare --out "$data"

step "4. shopperd state: training split, champion trained on it, then the test split"
state=$work/state
"$shopperd" ingest --state "$state" "$data/train.csv"
train_started=$(date +%s)
"$shopperd" train --state "$state" --as-of 1 --promote --reason "bench/serve_vs_mlflow.sh: scikit-learn's training split" \
    | tee "$work/train.txt" | grep -E '^Trained|parameters|threshold   ' || true
train_seconds=$(( $(date +%s) - train_started ))
"$shopperd" ingest --state "$state" "$data/test.csv"

step "5. scikit-learn model for MLflow"
model=$work/mlflow-model
sklearn_summary=$("$venv/bin/python" "$helper" train-mlflow --train "$data/train.csv" --out "$model" | tail -n 1)
echo "$sklearn_summary"

meta "mode" "$mode: ${duration} per load, hey $(dpkg-query -W -f='${Version}' hey 2>/dev/null || echo '?'), $(nproc) cores, client and server on the same machine"
meta "date" "$(date -u +%Y-%m-%dT%H:%MZ) on $(uname -n) ($(uname -r))"
meta "shopperd" "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?') release build; champion: 100 trees, default tuning, trained in ${train_seconds} s on the training split"
meta "MLflow" "$versions; \`mlflow models serve --env-manager local --workers $workers\`; $sklearn_summary"

measure() {  # SERVER CASE URL CONCURRENCY BODY CONTENT-TYPE
    local server=$1 case=$2 url=$3 connections=$4 body=$5 type=$6
    echo "[$server $case] $(uptime)"
    local load
    load=$(loadavg)
    hey -z "$duration" -c "$connections" -m POST -T "$type" -D "$body" "$url" > "$work/hey-$server-$case.txt"
    "$venv/bin/python" "$helper" record --results "$results" --server "$server" --case "$case" \
        --hey "$work/hey-$server-$case.txt" --load "$load"
}

serve() {  # SERVER PORT CMD... : cold start, loads, memory, stop
    local server=$1 port=$2
    shift 2
    local url=http://127.0.0.1:$port/invocations
    echo "[$server cold-start] $(uptime)"
    local load cold pid
    load=$(loadavg)
    cold=$("$venv/bin/python" "$helper" launch --pidfile "$work/$server.pid" --log "$work/$server.log" --url "$url" \
        --body "$data/row.json" --content-type application/json --timeout 180 -- "$@") \
        || { [ -f "$work/$server.pid" ] && servers+=("$(cat "$work/$server.pid")"); tail -n 30 "$work/$server.log" >&2; return 1; }
    pid=$(cat "$work/$server.pid")
    servers+=("$pid")
    echo "  $server: first 200 ${cold} s after the spawn (PID $pid)"
    "$venv/bin/python" "$helper" record --results "$results" --server "$server" --case cold-start --value "$cold" --load "$load"
    echo "  one row:   $("$venv/bin/python" "$helper" check --url "$url" --body "$data/row.json" --content-type application/json)"
    hey -n 200 -c 1 -m POST -T application/json -D "$data/row.json" "$url" > /dev/null  # warm-up, not recorded
    measure "$server" c1 "$url" 1 "$data/row.json" application/json
    measure "$server" c32 "$url" 32 "$data/row.json" application/json
    if [ "$server" = shopperd ]; then
        echo "  csv:       $("$venv/bin/python" "$helper" check --url "$url" --body "$data/rows-1000.csv" --content-type text/csv | cut -c1-300)"
        measure "$server" batch-csv "$url" 1 "$data/rows-1000.csv" text/csv
        measure "$server" batch-records "$url" 1 "$data/records-1000.json" application/json
        # Two connections: the throughput of both cores (the issue's rows/s goal), one request parsing
        # while the other's forest walk runs.
        measure "$server" batch-csv-c2 "$url" 2 "$data/rows-1000.csv" text/csv
        measure "$server" batch-records-c2 "$url" 2 "$data/records-1000.json" application/json
    fi
    echo "  split:     $("$venv/bin/python" "$helper" check --url "$url" --body "$data/split-1000.json" --content-type application/json | cut -c1-300)"
    measure "$server" batch-split "$url" 1 "$data/split-1000.json" application/json
    measure "$server" batch-split-c2 "$url" 2 "$data/split-1000.json" application/json
    "$venv/bin/python" "$helper" memory "$pid" > "$work/$server-memory.json"
    "$venv/bin/python" "$helper" record --results "$results" --server "$server" --case memory --value "$(cat "$work/$server-memory.json")"
    echo "  memory:    $(cut -c1-300 "$work/$server-memory.json")"
    stop_group "$pid"
}

step "6. shopperd serve"
port=$(free_port)
serve shopperd "$port" "$shopperd" serve --state "$state" --listen "127.0.0.1:$port"

step "7. mlflow models serve"
port=$(free_port)
# `mlflow models serve` runs `bash -c "exec uvicorn …"`: the virtualenv's bin must be on PATH, as when it is activated.
serve mlflow "$port" env PATH="$venv/bin:$PATH" "$venv/bin/mlflow" models serve -m "$model" --env-manager local -h 127.0.0.1 -p "$port" --workers "$workers"

step "8. Table"
"$venv/bin/python" "$helper" report --results "$results" --out "$out"
echo "written to $out"
