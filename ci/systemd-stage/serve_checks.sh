# The checks of `shopperd serve` under systemd (sourced by ci/systemd-stage.sh after lib.sh and
# checks.sh; run_checks calls run_serve_checks once the daemon has trained a champion). The units
# systemd/shopperd-serve.{socket,service} come from docs/systemd.md's install block, which enables
# the socket only: nothing may have started the service before these checks.
# shellcheck disable=SC2016,SC2034,SC2154

serve_url=http://127.0.0.1:8080
serve_prop() { c systemctl show -p "$1" --value shopperd-serve.service; }
serve_client() { c python3 "$here/serve_client.py" "$@"; }
serve_journal() { c journalctl -u shopperd-serve.service -u shopperd-serve.socket -o cat --no-pager -n "${1:-6}" | lines; }
# The champion's version, read from the store as the service's user would.
champion_version() {
    c runuser -u shopperd -- /usr/local/bin/shopperd models show champion --state /var/lib/shopperd --format json | jq -r .version
}
# shopperd's registry commands as the service's user (the store is its own), JSON output.
models_as_shopperd() { c runuser -u shopperd -- /usr/local/bin/shopperd models "$@" --state /var/lib/shopperd --format json; }

run_serve_checks() {
    check_serve_socket_first
    check_serve_units
    check_serve_first_connection
    check_serve_socket_handover
    check_serve_sandbox
    check_serve_restart_under_load
    check_serve_promotions_under_load
    check_serve_rollout
    check_serve_yield
}

check_serve_socket_first() {
    local sockets
    sockets=$(serve_client sockets 1 8080 2>&1 || true)
    check "shopperd-serve.socket: enabled, listening on 127.0.0.1:8080 (held by systemd), and the service not started" \
        '[ "$(c systemctl is-enabled shopperd-serve.socket)" = enabled ] && [ "$(c systemctl is-active shopperd-serve.socket)" = active ] && [ "$(c systemctl is-active shopperd-serve.service)" = inactive ] && [ "$(jq -r ".held_by_pid1 | length" <<<"$sockets")" = 1 ]' \
        'socket $(c systemctl is-enabled shopperd-serve.socket)/$(c systemctl is-active shopperd-serve.socket), service $(c systemctl is-active shopperd-serve.service), sockets $sockets; $(serve_journal)'
}

check_serve_units() {
    local verify security
    verify=$(c systemd-analyze verify /etc/systemd/system/shopperd-serve.socket /etc/systemd/system/shopperd-serve.service 2>&1 || echo "exit status $?")
    check "systemd-analyze verify shopperd-serve.socket shopperd-serve.service prints nothing" '[ -z "$verify" ]' '$(lines <<<"$verify")'
    security=$(c systemd-analyze security --no-pager shopperd-serve.service 2>&1 | grep 'Overall exposure level' || true)
    check "systemd-analyze security shopperd-serve.service: ≤ 1.0 ($security)" \
        '[[ "$security" =~ :\ ([0-9.]+)\ SAFE ]] && awk "BEGIN { exit !(${BASH_REMATCH[1]} <= 1.0) }"' \
        'got "$security"'
}

check_serve_first_connection() {
    local champion first seconds scored
    champion=$(champion_version 2>/dev/null || true)
    first=$(serve_client first "$serve_url/v2/health/ready" 2>&1 || true)
    seconds=$(jq -r .seconds <<<"$first" 2>/dev/null || echo "?")
    check "the first connection starts shopperd-serve.service and is answered with the champion (v$champion): first connection -> first answer ${seconds} s" \
        '[ -n "$champion" ] && [ "$(jq -r .status <<<"$first")" = 200 ] && [ "$(jq -r .body.model_version <<<"$first")" = "$champion" ] && [ "$(serve_prop ActiveState)/$(serve_prop SubState)" = active/running ]' \
        'champion "$champion", answer $first, service $(serve_prop ActiveState)/$(serve_prop SubState); $(serve_journal)'
    scored=$(serve_client score "$serve_url" 2>&1 || true)
    check "POST /invocations through the socket scores a row with the champion" \
        '[ "$(jq -r .status <<<"$scored")" = 200 ] && [ "$(jq -r ".body.predictions[0].model_version" <<<"$scored")" = "$champion" ]' \
        'answer: $scored'
}

check_serve_socket_handover() {
    local pid sockets
    pid=$(serve_prop MainPID)
    sockets=$(serve_client sockets "$pid" 8080 2>&1 || true)
    check "the service serves on systemd's socket: the one listener on :8080 is held by PID 1 and the service, which binds none of its own (PrivateNetwork=)" \
        '[ "$(jq -r ".listeners | length" <<<"$sockets")" = 1 ] && [ "$(jq -c .held_by_service <<<"$sockets")" = "$(jq -c .listeners <<<"$sockets")" ] && [ "$(jq -c .held_by_pid1 <<<"$sockets")" = "$(jq -c .listeners <<<"$sockets")" ] && [ "$(jq -r .listening_in_service_netns <<<"$sockets")" = 0 ] && [ "$(jq -r .same_netns_as_pid1 <<<"$sockets")" = false ]' \
        'MainPID $pid: $sockets'
}

check_serve_sandbox() {
    local pid status write
    pid=$(serve_prop MainPID)
    status=$(c cat "/proc/$pid/status" 2>/dev/null || true)
    field() { awk -v key="$1:" '$1 == key { print $2 }' <<<"$status"; }
    write=$(c nsenter -t "$pid" -m sh -c 'touch /etc/.serve-probe /usr/local/bin/.serve-probe 2>&1; touch /var/lib/shopperd/.serve-probe && rm /var/lib/shopperd/.serve-probe && echo store-writable' 2>&1 || true)
    check "shopperd serve runs as shopperd with no capabilities; /etc and /usr are read-only to it, even to root in its mount namespace, and only the store directory is writable (the live rollout's ledger)" \
        '[ "$(field Uid)" = "$(c id -u shopperd)" ] && [ "$(field CapEff)" = 0000000000000000 ] && [ "$(field CapBnd)" = 0000000000000000 ] && [ "$(grep -c "Read-only file system" <<<"$write")" = 2 ] && grep -q store-writable <<<"$write"' \
        'Uid $(field Uid), CapEff $(field CapEff), CapBnd $(field CapBnd); touch said: $write'
}

check_serve_restart_under_load() {
    local before after load_pid result restarts=0
    before=$(serve_prop MainPID)
    serve_client load "$serve_url/invocations" 12 8 >"$work/serve-load.json" 2>&1 &
    load_pid=$!
    sleep 3
    c systemctl restart shopperd-serve.service && restarts=$((restarts + 1))
    sleep 3
    c systemctl restart shopperd-serve.service && restarts=$((restarts + 1))
    wait "$load_pid" || true
    result=$(cat "$work/serve-load.json")
    after=$(serve_prop MainPID)
    check "systemctl restart shopperd-serve twice under a steady load (8 clients, 12 s): zero failed requests ($(jq -c '{requests, failed, slowest}' <<<"$result" 2>/dev/null))" \
        '[ "$restarts" = 2 ] && [ "$(jq -r .failed <<<"$result")" = 0 ] && [ "$(jq -r .requests <<<"$result")" -gt 100 ] && [ "$after" != "$before" ] && [ "$(serve_prop ActiveState)" = active ]' \
        'restarts $restarts, MainPID $before -> $after, load: $result; $(serve_journal 10)'
}

# Ten alias changes (models promote / rollback, alternating between two registered versions) and a
# systemctl restart while 8 clients post two-row requests, each answer's window and versions logged.
# serve_client.py judge: no failed request, no answer whose two rows name two versions, none naming
# a version that was not champion at some moment of its request window or the second before it
# (the server polls the alias every 250 ms), and each change's first answer with the new version
# within 1 s of the command's commit (its exit; the command's own start-up is the CLI's speed, not
# the endpoint's, and is logged apart).
check_serve_promotions_under_load() {
    local champion other versions i start end change to load_pid result restarted=no
    local dir=/srv/shopperd-ci timeline=$work/root/srv/shopperd-ci/promotions.txt
    local log=/srv/shopperd-ci/promotion-load.jsonl
    champion=$(champion_version 2>/dev/null || true)
    versions=$(models_as_shopperd list 2>/dev/null || true)
    other=$(jq -r --arg c "$champion" '[.[].version | select(tostring != $c)] | max // empty' <<<"$versions" 2>/dev/null || true)
    if [ -n "$champion" ] && [ -z "$other" ]; then
        # Only one version registered: train a small second one (not promoted) on the store's rows.
        c runuser -u shopperd -- /usr/local/bin/shopperd train --state /var/lib/shopperd --trees 20 --seed 7 --format json >/dev/null 2>&1 || true
        other=$(models_as_shopperd list 2>/dev/null | jq -r --arg c "$champion" '[.[].version | select(tostring != $c)] | max // empty' || true)
    fi
    echo "initial $champion" >"$timeline"
    rm -f "$work/root$log.stop"
    serve_client versioned-load "$serve_url/invocations" 120 8 "$log" >"$work/promotion-load.json" 2>&1 &
    load_pid=$!
    sleep 2
    for i in $(seq 1 10); do
        if [ "$i" = 6 ]; then
            c systemctl restart shopperd-serve.service && restarted=yes
            sleep 1.5
        fi
        start=$(date +%s.%N)
        if [ $((i % 2)) = 1 ]; then
            change=$(models_as_shopperd promote "$other" --reason "ci: promotion $i of 10 under load" 2>&1 || true)
        else
            change=$(models_as_shopperd rollback --reason "ci: rollback $i of 10 under load" 2>&1 || true)
        fi
        end=$(date +%s.%N)
        to=$(jq -r .to_version <<<"$change" 2>/dev/null || echo "?")
        echo "$start $end $to" >>"$timeline"
        sleep 1.5
    done
    touch "$work/root$log.stop"
    wait "$load_pid" || true
    result=$(c python3 "$here/serve_client.py" judge "$log" "$dir/promotions.txt" 1.0 2>&1 || true)
    log "promotions under load: each change's first answer $(jq -c .lags <<<"$result" 2>/dev/null) s after its command returned, $(jq -c .lags_from_command_start <<<"$result" 2>/dev/null) s after it started; the commands took $(jq -c .command_seconds <<<"$result" 2>/dev/null) s"
    check "10 alias changes (models promote v$other / rollback to v$champion) and a systemctl restart under a steady load (8 clients, two-row requests): $(jq -r '"\(.failed) failed of \(.requests), \(.mixed) mixed, \(.stale) stale; each change served within \(.max_lag) s of its command'"'"'s commit (max; commands took \(.command_seconds | max) s at most), versions \(.versions | tojson), slowest answer \(.slowest) s"' <<<"$result" 2>/dev/null)" \
        '[ "$restarted" = yes ] && [ -n "$other" ] && [ "$(jq -r .changes <<<"$result")" = 10 ] && [ "$(jq -r .failed <<<"$result")" = 0 ] && [ "$(jq -r .mixed <<<"$result")" = 0 ] && [ "$(jq -r .stale <<<"$result")" = 0 ] && [ "$(jq -r .unseen_changes <<<"$result")" = 0 ] && [ "$(jq -r .requests <<<"$result")" -gt 100 ] && awk "BEGIN { exit !($(jq -r .max_lag <<<"$result") <= 1.0) }" && [ "$(champion_version)" = "$champion" ]' \
        'champion $champion, other ${other:-none} (registered: $(jq -c "[.[].version]" <<<"$versions" 2>/dev/null)), restarted $restarted; changes: $(tail -n +2 "$timeline" | lines); load: $(cat "$work/promotion-load.json"); judged: $result; $(serve_journal 10)'
}

# A live A/B rollout through the socket: the daemon's unit and the serve unit share the store, the
# serve process records both models' predictions and joins POST /v2/feedback's outcomes (so its
# sandbox lets it write the store, and nothing else), and the daemon under systemd looks at them.
check_serve_rollout() {
    local champion other rollout result status look stop
    champion=$(champion_version 2>/dev/null || true)
    other=$(models_as_shopperd list 2>/dev/null | jq -r --arg c "$champion" '[.[].version | select(tostring != $c)] | max // empty' || true)
    rollout=$(c runuser -u shopperd -- /usr/local/bin/shopperd rollout start "$other" --mode ab --share 0.5 --state /var/lib/shopperd \
        --reason "ci: live A/B" --format json 2>&1 || true)
    sleep 1  # the endpoint reads the rollout every 250 ms
    result=$(serve_client rollout "$serve_url" 40 2>&1 || true)
    status=$(c runuser -u shopperd -- /usr/local/bin/shopperd rollout status --state /var/lib/shopperd --format json 2>&1 || true)
    wait_until 20 '[ -n "$(c journalctl -u shopperd.service SHOPPERD_EVENT=rollout-look -o cat --no-pager 2>/dev/null)" ]' || true
    look=$(c journalctl -u shopperd.service SHOPPERD_EVENT=rollout-look -o cat --no-pager -n 1 2>/dev/null || true)
    stop=$(c runuser -u shopperd -- /usr/local/bin/shopperd rollout stop --state /var/lib/shopperd --reason "ci: done" --format json 2>&1 || true)
    check "a live A/B rollout (v$other vs v$champion) under systemd: 40 visitors answered by both models, 40 outcomes joined by POST /v2/feedback (3 resent: duplicates), the daemon's look in the journal, stopped by the operator" \
        '[ "$(jq -r .state <<<"$rollout")" = running ] && [ "$(jq -r ".versions | length" <<<"$result")" = 2 ] && [ "$(jq -r .feedback.joined <<<"$result")" = 40 ] && [ "$(jq -r .resent_status <<<"$result")" = 200 ] && [ "$(jq -r .outcomes <<<"$status")" = 40 ] && [ "$(jq -r .duplicate_outcomes <<<"$status")" = 3 ] && [ "$(jq -r .predictions <<<"$status")" -ge 40 ] && [ -n "$look" ] && [ "$(jq -r .state <<<"$stop")" = stopped ] && [ "$(champion_version)" = "$champion" ]' \
        'start: $(jq -c "{id, state, mode}" <<<"$rollout" 2>/dev/null || echo "$rollout"); load: $result; status: $(jq -c "{state, predictions, outcomes, duplicate_outcomes}" <<<"$status" 2>/dev/null); look: $look; stop: $(jq -c "{state, verdict}" <<<"$stop" 2>/dev/null); $(serve_journal 10)'
}

# A retrain while shopperd-serve answers a steady load pauses for it (training.yield-above, default
# 100 requests a second): the count the serve unit keeps in the state directory (serving-activity,
# written under its sandbox) read by the daemon's unit. 300 trees, so that the training outlasts the
# first 50 ms the load is measured over.
check_serve_yield() {
    with_test_environment 'SHOPPERD_TRAINING_TREES=300'
    local load_pid result report activity paused
    serve_client load "$serve_url/invocations" 12 8 >"$work/serve-yield-load.json" 2>&1 &
    load_pid=$!
    sleep 2
    drop yield-drifting.csv
    wait "$load_pid" || true
    result=$(cat "$work/serve-yield-load.json")
    wait_until 120 has_outbox yield-drifting.report.json || true
    report=$(outbox yield-drifting.report.json 2>/dev/null || true)
    paused=$(jq -r '.timings_ms.paused // 0 | floor' <<<"$report" 2>/dev/null || echo 0)
    activity=$(c stat -c '%U %a %s' /var/lib/shopperd/serving-activity 2>&1 || true)
    check "a retrain dropped while shopperd-serve answers 8 clients pauses for them: ${paused} ms of its $(jq -r '.timings_ms.retrain // 0 | floor' <<<"$report" 2>/dev/null) ms (the count both units share: serving-activity $activity)" \
        '[[ "$(jq -r .decision <<<"$report")" == retrain-* ]] && [ "$paused" -ge 1000 ] && [ "$activity" = "shopperd 600 8" ] && [ "$(jq -r .failed <<<"$result")" = 0 ]' \
        'report: $(jq -c "{decision, reason, timings_ms}" <<<"$report" 2>/dev/null || echo "$report"); load: $result; activity: $activity; $(journal_tail 6)'
    c rm -f "$dropins/ci-test.conf"
    c systemctl daemon-reload
    c systemctl restart shopperd || true
    ensure_running
}
