#!/usr/bin/env bash
# The crash-consistency harness (docs/reliability.md, "Crash consistency"): builds shopperd, then runs
# Tests/Reliability/crash.py against the real binary — a seeded stream of batches, SIGKILL at
# seeded moments, restarts, then the invariants checked on the outbox, the state and the store.
#
#   Tests/Reliability/crash.sh --short                    # CI: 25 kills, seed 1, debug build (~1 min)
#   Tests/Reliability/crash.sh --long [--seed N]          # 200 kills, release build (~5-10 min)
#   Tests/Reliability/crash.sh [--release] [crash.py options: --kills N --seed N --batches N --verbose --work DIR]
#
# Exit status: 0 all invariants hold, 1 a violation (the work directory is kept and named), 2 the
# harness could not run.
set -euo pipefail
cd "$(dirname "$0")/../.."

configuration=debug
args=()
while (($#)); do
    case "$1" in
        --short) args+=(--kills 25 --seed 1) ;;
        --long) configuration=release; args+=(--kills 200) ;;
        --release) configuration=release ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) args+=("$1") ;;
    esac
    shift
done

nice -n 10 swift build -c "$configuration" --product shopperd >/dev/null
exec python3 Tests/Reliability/crash.py --binary ".build/$configuration/shopperd" "${args[@]}"
