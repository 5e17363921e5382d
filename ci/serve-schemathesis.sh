#!/usr/bin/env bash
# CI: schemathesis (PyPI) against a live `shopperd serve`, driven by the committed OpenAPI document
# (the one the server itself serves at /openapi.json).
#
#   bash ci/serve-schemathesis.sh                          # builds the debug binary first
#   SHOPPERD_BINARY=.build/release/shopperd bash ci/serve-schemathesis.sh
#
# Makes a store from the bundled data (`shopperd ingest`, then `shopperd train --promote`, a small
# forest: the checks are about the HTTP surface, not the model), starts `shopperd serve` on a free
# loopback port, and runs `schemathesis run` on every operation with the checks that matter here:
# no 5xx whatever the input (not_a_server_error), and every answer's status, content type and body
# as the document says (status_code_conformance, content_type_conformance,
# response_schema_conformance). Exit status: schemathesis's (0 when every check passed).
#
# schemathesis is installed with pip into a virtual environment cached under
# ${SHOPPERD_CI_CACHE:-$HOME/.cache/shopperd-ci} (reused while it holds the pinned version).
# Needs: python3 with venv, network access to PyPI on the first run.
set -euo pipefail
cd "$(dirname "$0")/.."
schemathesis_version=4.32.5
examples=${SCHEMATHESIS_EXAMPLES:-60}
cache=${SHOPPERD_CI_CACHE:-$HOME/.cache/shopperd-ci}
venv=$cache/schemathesis-$schemathesis_version
log() { echo "serve-schemathesis: $*"; }

if [ ! -x "$venv/bin/st" ]; then
    log "installing schemathesis $schemathesis_version into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"
fi

binary=${SHOPPERD_BINARY:-}
if [ -z "$binary" ]; then
    nice -n 10 swift build --product shopperd
    binary=.build/debug/shopperd
fi

work=$(mktemp -d /tmp/shopperd-schemathesis.XXXXXX)
server=""
cleanup() {
    local status=$?
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
        kill -TERM "$server"
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "store: ingest the bundled data, train and promote a small forest"
"$binary" ingest --state "$work/state" data/online_shoppers_intention.csv >/dev/null
"$binary" train --state "$work/state" --trees 20 --promote >/dev/null

"$binary" serve --state "$work/state" --listen 127.0.0.1:0 >"$work/stdout" 2>"$work/stderr" &
server=$!
port=""
for _ in $(seq 1 100); do
    port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/stdout")
    [ -n "$port" ] && break
    kill -0 "$server" 2>/dev/null || { cat "$work/stderr" >&2; log "shopperd serve exited"; exit 1; }
    sleep 0.1
done
[ -n "$port" ] || { log "shopperd serve did not start in 10 s"; exit 1; }
log "shopperd serve on 127.0.0.1:$port; schemathesis, $examples examples per operation"

status=0
# From the scratch directory: schemathesis leaves a .schemathesis/ cache where it runs.
(cd "$work" && "$venv/bin/st" --no-color run "http://127.0.0.1:$port/openapi.json" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples "$examples" --request-timeout 30 --seed 12) || status=$?
if ! kill -0 "$server" 2>/dev/null; then
    log "FAIL: shopperd serve is gone after the run: $(tail -n 5 "$work/stderr")"
    status=1
fi
if grep -q . "$work/stderr"; then
    log "shopperd serve wrote to stderr:"
    sed 's/^/  /' "$work/stderr" | head -n 20
fi
exit "$status"
