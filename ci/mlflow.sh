#!/usr/bin/env bash
# MLflow integration tests: a real `mlflow server` on 127.0.0.1 with a SQLite backend and
# proxied artifacts, shopperd mirroring a real store into it, MLflow's own client checking the result.
#
#   bash ci/mlflow.sh
#
# Self-contained and idempotent: creates the virtualenv (.venv-mlflow, ~0.9 GB, ~1-2 min the first
# time; MLFLOW_VENV to put it elsewhere) only when mlflow or pytest is missing, builds the
# binary the tests run (shopperd), starts the server (PID in a pidfile), waits on /health, runs the tests,
# and stops the server by that PID on any exit. test_auth.py starts (and stops) a second server of its
# own, `--app-name basic-auth`, to test shopperd's MLflow credentials. MLFLOW_TEST_PORT picks the port (default: a free one).
# Needs strace (the systemd drop-in test traces the daemon's sockets).
set -euo pipefail
command -v strace >/dev/null || { echo "ci/mlflow.sh: strace is needed (apt-get install -y strace)" >&2; exit 1; }

cd "$(dirname "$0")/.."
root=$PWD
venv=${MLFLOW_VENV:-$root/.venv-mlflow}
export PYTHONDONTWRITEBYTECODE=1
started=$(date +%s)

# mlflow[auth] brings Flask-WTF, which `mlflow server --app-name basic-auth` (test_auth.py) needs.
if ! "$venv/bin/python" -c "import mlflow, pytest, flask_wtf" 2>/dev/null; then
    echo "ci/mlflow.sh: installing mlflow into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "mlflow[auth]==3.17.2" "pytest==9.2.0"
fi
installed=$(date +%s)

swift build --product shopperd
built=$(date +%s)

work=$(mktemp -d "${TMPDIR:-/tmp}/shopperd-mlflow-ci.XXXXXX")
server_dir=$work/server
stop_server() {
    status=$?
    "$venv/bin/python" tests/mlflow/mlflow_server.py stop --dir "$server_dir" \
        || { [ -f "$server_dir/server.pid" ] && kill -KILL -- "-$(cat "$server_dir/server.pid")" 2>/dev/null; } || true
    if [ "$status" -ne 0 ] && [ -f "$server_dir/server.log" ]; then
        echo "ci/mlflow.sh: last lines of the MLflow server's log:"
        tail -n 30 "$server_dir/server.log"
    fi
    rm -rf "$work"
    exit "$status"
}
trap stop_server EXIT

port=${MLFLOW_TEST_PORT:-$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
"$venv/bin/python" tests/mlflow/mlflow_server.py start --dir "$server_dir" --port "$port"
up=$(date +%s)

MLFLOW_SERVER_DIR=$server_dir MLFLOW_SERVER_PORT=$port \
    "$venv/bin/python" -m pytest -p no:cacheprovider -q --durations=0 tests/mlflow
finished=$(date +%s)

echo "ci/mlflow.sh: install $((installed - started)) s, build $((built - installed)) s, server start $((up - built)) s," \
    "tests $((finished - up)) s; $((finished - installed)) s after the install"
