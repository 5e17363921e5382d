#!/usr/bin/env bash
# A rollout from start to verdict on the bundled data, through the real daemon and the real
# endpoint (the transcript in README.md and docs/rollout.md comes from this script):
#
#   v1, the champion: trained on Feb–Jul.   v2, the challenger: Feb–Jul plus half of November.
#   An A/B rollout (20 % to v2) on `shopperd serve`; the other half of November's sessions are
#   scored over HTTP, one visitor (X-Session-Key) per session, and their outcomes reported with
#   POST /v2/feedback in groups of 50; the daemon's timer runs the sequential test.
#
#   bash scripts/rollout-demo.sh            (SHOPPERD=path/to/shopperd to use another build)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
if [ -z "${SHOPPERD:-}" ]; then
    swift build -c release --product shopperd >/dev/null 2>&1 || swift build --product shopperd >/dev/null
    SHOPPERD=$root/.build/release/shopperd
    [ -x "$SHOPPERD" ] || SHOPPERD=$root/.build/debug/shopperd
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/rollout-demo.XXXXXX")
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
state=$work/state
mkdir -p "$work/inbox" "$work/outbox"

python3 - "$root/data/online_shoppers_intention.csv" "$work" <<'PY'
import csv, json, random, sys
rows = list(csv.reader(open(sys.argv[1]))); header, data = rows[0], rows[1:]
m = header.index("Month")
spring = [r for r in data if r[m] in ("Feb", "Mar", "May", "June", "Jul")]
nov = [r for r in data if r[m] == "Nov"]
random.Random(42).shuffle(nov)
half = len(nov) // 2
def write(name, rs):
    with open(f"{sys.argv[2]}/{name}", "w", newline="") as f:
        w = csv.writer(f); w.writerow(header); w.writerows(rs)
write("feb-jul.csv", spring); write("nov-first-half.csv", nov[:half])
ints = {"Administrative", "Informational", "ProductRelated", "OperatingSystems", "Browser", "Region", "TrafficType"}
with open(f"{sys.argv[2]}/sessions.jsonl", "w") as f:
    for r in nov[half:]:
        rec = {}
        for k, v in zip(header, r):
            if k == "Revenue": continue
            rec[k] = v if k in ("Month", "VisitorType") else (v == "TRUE" if k == "Weekend" else (int(v) if k in ints else float(v)))
        f.write(json.dumps({"record": rec, "bought": r[-1] == "TRUE"}) + "\n")
PY

say() { printf '\n$ %s\n' "$*"; }
run() { say "$*"; "$@"; }
S=$SHOPPERD
"$S" ingest "$work/feb-jul.csv" --state "$state" >/dev/null
"$S" train --state "$state" --promote >/dev/null
"$S" ingest "$work/nov-first-half.csv" --state "$state" >/dev/null
"$S" train --state "$state" >/dev/null
run "$S" models list --state "$state"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$S" run --inbox "$work/inbox" --outbox "$work/outbox" --state "$state" --log-target stderr \
    --set rollout.look-interval-seconds=1 2>"$work/daemon.log" &
pids+=($!)
"$S" serve --state "$state" --listen "127.0.0.1:$port" >"$work/serve.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
for _ in $(seq 100); do grep -q '"service-started"' "$work/daemon.log" 2>/dev/null && break; sleep 0.1; done
run "$S" rollout start 2 --mode ab --share 0.2 --state "$state"
sleep 1  # the endpoint reads the rollout every 250 ms

say "(score the other half of November over HTTP, one visitor each; report outcomes in groups of 50)"
python3 - "$work/sessions.jsonl" "$port" "$S" "$state" <<'PY'
import json, subprocess, sys, time, urllib.request
port = sys.argv[2]
def post(path, body, headers={}):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json", **headers})
    return json.load(urllib.request.urlopen(req))
def state():
    out = subprocess.run([sys.argv[3], "rollout", "status", "--state", sys.argv[4], "--format", "json"], capture_output=True, text=True)
    return json.loads(out.stdout)["state"]
pending, versions, sent = [], {}, 0
for i, line in enumerate(open(sys.argv[1])):
    s = json.loads(line)
    answer = post("/invocations", {"dataframe_records": [s["record"]]}, {"X-Session-Key": f"visitor-{i}"})["predictions"][0]
    versions[answer["model_version"]] = versions.get(answer["model_version"], 0) + 1
    if i == 0: print("first answer:", json.dumps(answer))
    pending.append({"prediction_id": answer["prediction_id"], "outcome": s["bought"]})
    if len(pending) == 50:
        counts = post("/v2/feedback", {"outcomes": pending}); sent += counts["joined"]; pending = []
        time.sleep(1.2)  # the daemon looks every second
        if state() != "running": break
if pending and state() == "running":
    sent += post("/v2/feedback", {"outcomes": pending})["joined"]
print(f"sessions answered by model version: {versions}; outcomes joined: {sent}")
PY
for _ in $(seq 30); do grep -q '"rollout-ended"' "$work/daemon.log" && break; sleep 0.5; done
say "journalctl -u shopperd SHOPPERD_EVENT=rollout-ended -o cat   (here: the daemon's JSON log)"
python3 -c 'import json,sys; [print(e["MESSAGE"]) for e in (json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")) if e.get("SHOPPERD_EVENT") in ("rollout-ended",)]' "$work/daemon.log"
say "(the last looks: journalctl -u shopperd SHOPPERD_EVENT=rollout-look -o cat | tail -2)"
python3 -c 'import json,sys; [print(m) for m in [e["MESSAGE"] for e in (json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")) if e.get("SHOPPERD_EVENT") == "rollout-look"][-2:]]' "$work/daemon.log"
run "$S" rollout status --state "$state"
say "$S models history --state $state | tail -3"
"$S" models history --state "$state" | tail -3
