# The checks of ci/systemd-stage.sh (sourced after lib.sh), in the order they run. Each ends in
# PASS or FAIL with what was seen; a check that needs a running service first makes sure of one.
# check() expands its condition and message itself, later: hence the single quotes.
# shellcheck disable=SC2016,SC2034,SC2154

inbox=/var/spool/shopperd/inbox
config=/etc/shopperd/shopperd.json
dropins=/etc/systemd/system/shopperd.service.d
# Small forests: the checks are about the service, not the model.
quick_config='{"training": {"grid": "quick", "trees": 20}}'

run_checks() {
    check_install
    check_ready
    check_config_error_at_start
    check_reload
    check_outcomes
    check_watchdog
    check_stop_mid_batch
    check_sandbox_and_kill_mode
    check_unreadable_file
    check_journal
    source "$here/serve_checks.sh" && run_serve_checks
    check_notify
    # Reached only if no shell error cut the checks short (an expansion error in a check aborts the
    # function calls in progress, not the script: the stage would otherwise pass on fewer checks).
    checks_completed=yes
}

# shellcheck source=ci/systemd-stage/notify_checks.sh
source "$here/notify_checks.sh"

write_file() { c sh -c "mkdir -p \"\$(dirname '$1')\" && cat >'$1'" <<<"$2"; }
active() { [ "$(prop ActiveState)/$(prop SubState)" = active/running ]; }
# Outcome events (batch-scored or batch-rejected) that name batch $1: 1 means processed once.
outcomes() { echo $(( $(event_count batch-scored "$1") + $(event_count batch-rejected "$1") )); }
kind_count() { { events || true; } | jq -r --arg kind "$1" 'select(.SHOPPERD_EVENT == $kind) | .MESSAGE_ID' | wc -l; }
# Events at warning or worse that name batch $1.
warnings_about() { { events || true; } | jq -r --arg batch "$1" 'select(.SHOPPERD_BATCH == $batch and (.PRIORITY | tonumber) <= 4) | .MESSAGE_ID' | wc -l; }
journal_tail() { c journalctl -u shopperd -o cat --no-pager -n "${1:-8}" | lines; }
oneline() { tr '\n' ' '; }
lines() { tr '\n' '|'; }
brief() { jq -c '{decision, reason}'; }

# Makes sure the service runs, on the quick config, so that a later check does not fail only
# because an earlier one left it stopped; gives up the stage when it cannot.
ensure_running() {
    active && return 0
    write_file "$config" "$quick_config"
    c systemctl reset-failed shopperd >/dev/null 2>&1 || true
    c systemctl restart shopperd >/dev/null 2>&1 || true
    wait_until 60 active || die "shopperd does not start even with $config = $quick_config: $(journal_tail 15)"
}

check_install() {
    log "docs/systemd.md install block, in the container: $(echo "$install_block" | wc -l) lines"
    if c sh -e -x -c "cd '$repo'
$install_block" >"$work/install.log" 2>&1; then
        pass "docs/systemd.md's install block runs verbatim under sh -e (Debian 12, systemd as PID 1)"
    else
        fail "docs/systemd.md's install block runs verbatim under sh -e (Debian 12, systemd as PID 1)" \
            "it stopped at: $(grep '^+ ' "$work/install.log" | tail -n 1) -- $(grep -v '^+ ' "$work/install.log" | tail -n 3 | tr '\n' ' ')"
    fi
    c systemctl cat shopperd >/dev/null 2>&1 && c test -x /usr/local/bin/shopperd ||
        die "the unit or the binary is not installed: no other check can run"
    check "systemctl enable --now: shopperd is enabled and active (running), no shopperd.json written by hand" \
        '[ "$(c systemctl is-enabled shopperd)" = enabled ] && active' \
        'is-enabled=$(c systemctl is-enabled shopperd 2>&1), $(prop ActiveState)/$(prop SubState), result $(prop Result); journal: $(journal_tail)'
    # Whatever the install ships, a missing config file means the defaults.
    c rm -f "$config"
    c systemctl reset-failed shopperd >/dev/null 2>&1 || true
    c systemctl restart shopperd >/dev/null 2>&1 || true
    check "starts without $config (the defaults)" 'wait_until 30 active' \
        '$(prop ActiveState)/$(prop SubState), exit status $(prop ExecMainStatus); journal: $(journal_tail)'
    ensure_running
}

check_ready() {
    local status
    status=$(prop StatusText)
    check "READY=1: active (running) under Type=notify" 'active && [ "$(prop MainPID)" -gt 0 ]' \
        '$(prop ActiveState)/$(prop SubState)'
    check "STATUS= text in systemctl status ('$status')" '[[ "$status" == idle* ]]' \
        'expected a status starting with idle, got "$status"'
    local security
    security=$(c systemd-analyze security --no-pager shopperd 2>&1 | grep 'Overall exposure level' || true)
    check "systemd-analyze security on the installed unit: ≤ 1.0 ($security)" \
        '[[ "$security" =~ :\ ([0-9.]+)\ SAFE ]] && awk "BEGIN { exit !(${BASH_REMATCH[1]} <= 1.0) }"' \
        'got "$security"'
}

# A configuration error at start: an err journal event with a catalog MESSAGE_ID, and no restarts.
check_config_error_at_start() {
    local restarts since
    write_file "$config" '{"drift": {"alpha": 2}}'
    since=$(date +%s)
    c systemctl restart shopperd >/dev/null 2>&1 || true
    restarts=$(prop NRestarts)  # a manual start may reset the count: read it after
    sleep 8  # longer than RestartSec=5s: a restart would have happened
    check "a bad config at start (drift.alpha=2): exit 78, not restarted" \
        '[ "$(prop ExecMainStatus)" = 78 ] && [ "$(prop NRestarts)" = "$restarts" ] && [ "$(prop ActiveState)" = failed ]' \
        'exit status $(prop ExecMainStatus), NRestarts $restarts -> $(prop NRestarts), $(prop ActiveState)/$(prop SubState)'
    local entry
    entry=$({ events --since "@$since" || true; } | jq -r 'select(.MESSAGE_ID != null and (.PRIORITY | tonumber) <= 3) | .MESSAGE_ID' | tail -n 1)
    check "... and says so at priority err with a MESSAGE_ID the catalog explains" \
        '[ -n "$entry" ] && grep -q "^-- $entry\$" "$repo/systemd/shopperd.catalog"' \
        'no err entry with a catalog MESSAGE_ID; the last lines of the unit: $(journal_tail 4)'
    write_file "$config" "$quick_config"
    ensure_running
}

check_reload() {
    local reloaded failed pid
    reloaded=$(kind_count config-reloaded)
    failed=$(kind_count config-reload-failed)
    pid=$(prop MainPID)
    write_file "$config" '{"training": {"grid": "quick", "trees": 21}}'
    check "systemctl reload with a good config succeeds (config-reloaded)" \
        'c systemctl reload shopperd && wait_until 60 "[ \$(kind_count config-reloaded) -gt $reloaded ]" && active' \
        'reload: $(journal_tail 4)'
    write_file "$config" '{"drift": {"alpha": 2}}'
    local rc=0
    c systemctl reload shopperd >/dev/null 2>&1 || rc=$?
    wait_until 60 "[ \$(kind_count config-reload-failed) -gt $failed ]" || true
    check "systemctl reload with a bad config (drift.alpha=2) fails" '[ "$rc" -ne 0 ]' \
        'systemctl reload returned 0 although the daemon refused the config (ExecReload= must wait for the verdict)'
    check "... and the service keeps running on the old config (config-reload-failed, same MainPID)" \
        'active && [ "$(prop MainPID)" = "$pid" ] && [ $(kind_count config-reload-failed) -gt $failed ]' \
        '$(prop ActiveState)/$(prop SubState), MainPID $pid -> $(prop MainPID); $(journal_tail 4)'
    write_file "$config" "$quick_config"
    c systemctl reload shopperd >/dev/null 2>&1 || true
    ensure_running
}

# report NAME: the decision (or outcome) of NAME's report in the outbox, once it exists.
decision_of() { outbox "$1.report.json" | jq -r .decision; }
outcome_of() { outbox "$1.rejected.json" | jq -r .outcome; }

check_outcomes() {
    drop bootstrap.csv
    check "a labelled first batch trains the first champion (bootstrap.csv: bootstrap-trained)" \
        'wait_until 300 has_outbox bootstrap.report.json && [ "$(decision_of bootstrap)" = bootstrap-trained ]' \
        'report: $(outbox bootstrap.report.json 2>/dev/null | brief); status "$(prop StatusText)"'
    drop scored.csv
    check "an unlabelled batch is scored (scored.csv: decision score, 500 predictions)" \
        'wait_until 120 has_outbox scored.report.json && [ "$(decision_of scored)" = score ] && [ "$(outbox scored.predictions.csv | wc -l)" = 501 ]' \
        'report: $(outbox scored.report.json 2>/dev/null | brief)'
    drop rejected.csv
    check "an invalid batch is rejected (rejected.csv: rejected.json, outcome rejected)" \
        'wait_until 120 has_outbox rejected.rejected.json && [ "$(outcome_of rejected)" = rejected ]' \
        'outbox: $(c ls /var/spool/shopperd/outbox | oneline)'
    drop scored-again.csv
    check "the same bytes again are a duplicate (scored-again.csv: outcome duplicate)" \
        'wait_until 120 has_outbox scored-again.rejected.json && [ "$(outcome_of scored-again)" = duplicate ]' \
        'outbox: $(c ls /var/spool/shopperd/outbox | oneline)'
    drop drifting.csv
    check "a labelled drifting batch retrains (drifting.csv: drift-detected, retrain-promoted or retrain-kept, 400 predictions)" \
        'wait_until 300 has_outbox drifting.report.json && [[ "$(decision_of drifting)" == retrain-* ]] && [ "$(event_count drift-detected drifting.csv)" -ge 1 ] && [ "$(outbox drifting.predictions.csv | wc -l)" = 401 ]' \
        'report: $(outbox drifting.report.json 2>/dev/null | brief)'
}

# Test-only drop-in: a short watchdog and an environment file read at each start (and removed as
# soon as the daemon has read it, so systemd's restart runs without it).
# Settings that make a retrain take minutes (full tuning grid, 10,000 trees): a drifted labelled batch
# is then still in flight when the watchdog or a stop comes.
slow_training=$'SHOPPERD_RETRAIN_TUNING=full\nSHOPPERD_TRAINING_GRID=standard\nSHOPPERD_TRAINING_TREES=10000'

with_test_environment() {
    write_file "$dropins/ci-test.conf" $'[Service]\nWatchdogSec=10s\nEnvironmentFile=-/run/shopperd-ci/test.env'
    write_file /run/shopperd-ci/test.env "$1"
    c systemctl daemon-reload
    c systemctl restart shopperd || true
    wait_until 60 active || true
    c rm -f /run/shopperd-ci/test.env
}

check_watchdog() {
    local restarts pid
    with_test_environment "$slow_training"$'\nSHOPPERD_STUCK_LIMIT_SECONDS=2'
    restarts=$(prop NRestarts)
    pid=$(prop MainPID)
    drop hang-watchdog.csv
    check "a hung batch stops the watchdog pings and systemd restarts shopperd (WatchdogSec=10s)" \
        'wait_until 120 "[ \$(prop NRestarts) -gt $restarts ]" && [ "$(manager_log | count "Watchdog timeout")" -gt 0 ]' \
        'NRestarts $restarts -> $(prop NRestarts), MainPID $pid -> $(prop MainPID); systemd: $(manager_log | tail -n 3 | lines)'
    check "... after a batch-stuck event (priority crit)" '[ "$(event_count batch-stuck hang-watchdog.csv)" -ge 1 ]' \
        'no batch-stuck event for hang-watchdog.csv'
    check "... and after the restart the batch is processed once" \
        'wait_until 120 has_outbox hang-watchdog.report.json && wait_until 30 active && [ "$(outcomes hang-watchdog.csv)" = 1 ]' \
        'report present: $(has_outbox hang-watchdog.report.json && echo yes || echo no), outcome events: $(outcomes hang-watchdog.csv)'
}

# "COUNT POLICY" for each scheduling policy among the daemon's training threads (comm shopperd-train).
train_policies() {
    local main
    main=$(prop MainPID)
    csh "for t in /proc/$main/task/*; do [ \"\$(cat \$t/comm 2>/dev/null)\" = shopperd-train ] && cut -d' ' -f41 \$t/stat; done; true" 2>/dev/null |
        sort | uniq -c | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }'
}

check_stop_mid_batch() {
    with_test_environment "$slow_training"$'\nSHOPPERD_STOP_GRACE_SECONDS=2'
    drop slow-stop.csv
    wait_until 60 '[[ "$(prop StatusText)" == *"processing slow-stop.csv"* ]]' || true
    # Its retrain runs on BackgroundExecutor's threads at SCHED_IDLE (policy 5, field 41 of
    # /proc/TID/stat): lowering its own priority needs no privilege, and the unit's filters allow it.
    wait_until 60 '[ -n "$(train_policies)" ]' || true
    local policies
    policies=$(train_policies)
    check "a retrain runs at the lowest CPU priority under the hardened unit (shopperd-train threads by policy: ${policies:-none}; 5 is SCHED_IDLE)" \
        '[[ "$policies" =~ ^[0-9]+\ 5$ ]]' \
        'threads of the daemon: $(csh "cat /proc/$(prop MainPID)/task/*/comm" | sort | uniq -c | oneline)'
    local rc=0
    c systemctl stop shopperd || rc=$?
    check "systemctl stop mid-batch: a clean stop (exit 0, result success, not killed)" \
        '[ "$rc" = 0 ] && [ "$(prop ExecMainStatus)" = 0 ] && [ "$(prop Result)" = success ]' \
        'systemctl stop -> $rc, exit status $(prop ExecMainStatus), result $(prop Result)'
    check "... the stop names the batch in flight (service-stopping, SHOPPERD_BATCH=slow-stop.csv), nothing delivered" \
        '[ "$(event_count service-stopping slow-stop.csv)" -ge 1 ] && ! has_outbox slow-stop.report.json' \
        'service-stopping events for it: $(event_count service-stopping slow-stop.csv)'
    c systemctl start shopperd || true
    check "... and after the next start the batch is processed once" \
        'wait_until 120 has_outbox slow-stop.report.json && [ "$(outcomes slow-stop.csv)" = 1 ]' \
        'outcome events: $(outcomes slow-stop.csv)'
    local status scored
    status=$(prop StatusText)
    scored=$(events | jq -r 'select(.SHOPPERD_EVENT == "batch-scored") | .SHOPPERD_BATCH' | sort -u | wc -l)
    check "STATUS= after restarts counts the batches of the store, or says since start ('$status')" \
        '[[ "$status" == *"since start"* ]] || { [[ "$status" =~ ([0-9]+)\ batch ]] && [ "${BASH_REMATCH[1]}" -ge "$scored" ]; }' \
        'the store holds $scored scored batches'
    c rm -f "$dropins/ci-test.conf"
    c systemctl daemon-reload
    ensure_running
}

# The sandbox seen from inside (a probe run as ExecStartPost= under the unit's settings) and from
# outside (the daemon's /proc status and mount namespace), with SystemCallErrorNumber= reset so a
# blocked system call kills instead of failing with EPERM.
check_sandbox_and_kill_mode() {
    write_file "$dropins/ci-kill.conf" $'[Service]\nSystemCallErrorNumber='
    write_file "$dropins/ci-probe.conf" $'[Service]\nExecStartPost=/usr/bin/python3 /srv/shopperd-ci/sandbox_probe.py confined\nExecStartPost=+/usr/bin/python3 /srv/shopperd-ci/sandbox_probe.py cgroup'
    c systemctl daemon-reload
    c systemctl restart shopperd || true
    wait_until 60 active || true
    local pid status
    pid=$(prop MainPID)
    status=$(c cat "/proc/$pid/status" || true)
    probe() { c journalctl -u shopperd -o cat --no-pager | sed -n "s/^sandbox-probe: $1=//p" | tail -n 1; }
    field() { awk -v key="$1:" '$1 == key { print $2 }' <<<"$status"; }

    check "no capabilities: CapEff, CapPrm and CapBnd are 0 in /proc/MAINPID/status, NoNewPrivs 1, seccomp on" \
        '[ "$(field CapEff)" = 0000000000000000 ] && [ "$(field CapPrm)" = 0000000000000000 ] && [ "$(field CapBnd)" = 0000000000000000 ] && [ "$(field NoNewPrivs)" = 1 ] && [ "$(field Seccomp)" = 2 ]' \
        '$(grep -E "^(Cap|NoNewPrivs|Seccomp)" <<<"$status" | oneline)'
    check "runs as user shopperd" '[ "$(field Uid)" = "$(c id -u shopperd)" ]' "Uid $(field Uid)"
    local write
    write=$(c nsenter -t "$pid" -m sh -c 'touch /usr/.shopperd-probe; touch /etc/.shopperd-probe' 2>&1 || true)
    check "ProtectSystem=strict: /usr and /etc are read-only in the daemon's mount namespace, even to root" \
        '[ "$(grep -c "Read-only file system" <<<"$write")" = 2 ]' "touch said: $write"
    c sh -c 'echo outside >/tmp/shopperd-ci-marker'
    check "PrivateTmp=: the daemon's /tmp is its own (a file in the container's /tmp is not there)" \
        'c nsenter -t "$pid" -m test ! -e /tmp/shopperd-ci-marker && c nsenter -t "$pid" -m findmnt -n /tmp' \
        'the daemon sees the /tmp of the container'
    check "MemoryDenyWriteExecute=: a writable and executable mapping is refused ($(probe write-execute-mapping))" \
        '[ "$(probe write-execute-mapping)" = EPERM ]' "probe under the unit: '$(probe write-execute-mapping)' $(probe error)"
    check "RestrictAddressFamilies=AF_UNIX, PrivateNetwork=: no AF_INET socket ($(probe inet-socket)), only lo ($(probe network-interfaces))" \
        '[ "$(probe inet-socket)" = EAFNOSUPPORT ] && [ "$(probe network-interfaces)" = lo ]' \
        'inet-socket "$(probe inet-socket)", interfaces "$(probe network-interfaces)"'
    local control
    control=$(c python3 /srv/shopperd-ci/sandbox_probe.py cgroup)
    check "IPAddressDeny=any: even a loopback TCP connection from the unit's cgroup fails ($(probe loopback-connection))" \
        '[[ "$(probe loopback-connection)" =~ ^(EPERM|timeout)$ ]] && [ "$control" = "sandbox-probe: loopback-connection=allowed" ]' \
        'in the unit: "$(probe loopback-connection)"; outside it: "$control"'

    check "SystemCallErrorNumber= reset: a denied call (chroot) kills its caller ($(probe blocked-call); errno mode: EPERM)" \
        '[ "$(probe blocked-call)" = killed-by-SIGSYS ]' "probe: '$(probe blocked-call)', SystemCallErrorNumber=$(prop SystemCallErrorNumber)"
    local restarts
    restarts=$(prop NRestarts)
    drop kill-scored.csv
    drop kill-drifting.csv
    drop kill-rejected.csv
    wait_until 300 'has_outbox kill-scored.report.json && has_outbox kill-drifting.report.json && has_outbox kill-rejected.rejected.json' || true
    local reload=0
    c systemctl reload shopperd >/dev/null 2>&1 || reload=$?
    sleep 2
    check "SystemCallFilter= in kill mode: scoring, retraining, a rejection and a reload, and shopperd is still the same process" \
        '[ "$reload" = 0 ] && has_outbox kill-scored.report.json && has_outbox kill-drifting.report.json && has_outbox kill-rejected.rejected.json && active && [ "$(prop MainPID)" = "$pid" ] && [ "$(prop NRestarts)" = "$restarts" ] && [ "$(manager_log | count "status=31/SYS")" = 0 ]' \
        'systemctl reload -> $reload; outbox: $(c ls /var/spool/shopperd/outbox | grep kill- | oneline); MainPID $pid -> $(prop MainPID); systemd: $(manager_log | tail -n 3 | lines)'
    c rm -f "$dropins/ci-kill.conf" "$dropins/ci-probe.conf"
    c systemctl daemon-reload
    c systemctl restart shopperd || true
    ensure_running
}

check_unreadable_file() {
    csh "umask 077 && cp /srv/shopperd-ci/batches/unreadable.csv $inbox/.unreadable.csv && chown root:root $inbox/.unreadable.csv && mv $inbox/.unreadable.csv $inbox/unreadable.csv"
    drop after-unreadable.csv
    check "an unreadable file (0600, root) blocks nothing: the batch dropped after it is processed" \
        'wait_until 120 has_outbox after-unreadable.report.json' \
        'after-unreadable.csv still waits after 120 s; status "$(prop StatusText)"'
    check "... and the journal names unreadable.csv (SHOPPERD_BATCH) at warning or worse" \
        '[ "$(warnings_about unreadable.csv)" -ge 1 ]' \
        'no warning names it'
}

check_journal() {
    local seen missing="" unknown="" undocumented="" kind id
    seen=$(events | jq -r '[.SHOPPERD_EVENT, .MESSAGE_ID] | @tsv' | sort -u)
    for kind in service-started service-stopping config-reloaded config-reload-failed batch-scored \
        batch-rejected drift-detected batch-stuck; do
        grep -q "^$kind	" <<<"$seen" || missing="$missing $kind"
    done
    # docs/systemd.md's event table: | `kind` | `id` | …
    local documented
    documented=$(grep -oE '^\| `[a-z-]+` \| `[0-9a-f]{32}`' "$repo/docs/systemd.md" | tr -d '|`' | awk '{ print $1 "\t" $2 }')
    while IFS=$'\t' read -r kind id; do
        [ -n "$kind" ] || continue
        grep -q "^-- $id\$" "$repo/systemd/shopperd.catalog" || unknown="$unknown $kind=$id"
        grep -qx "$kind	$id" <<<"$documented" || undocumented="$undocumented $kind=$id"
    done <<<"$seen"
    check "journalctl -u shopperd -o json: each event kind seen has its MESSAGE_ID from the catalog and docs/systemd.md's table" \
        '[ -z "$missing$unknown$undocumented" ]' \
        'missing kinds:${missing:- none}; IDs not in the catalog:${unknown:- none}; not as in the docs table:${undocumented:- none}'
    local subject
    subject=$(awk '/^-- 1281d81328f946139ceca24f756954ae/ { getline; sub(/^Subject: /, ""); print; exit }' "$repo/systemd/shopperd.catalog")
    check "journalctl -x explains a drift alert with the installed catalog ('$subject')" \
        '[ "$(c journalctl -u shopperd -x --no-pager MESSAGE_ID=1281d81328f946139ceca24f756954ae | count "$subject")" -gt 0 ]' \
        'the catalog text is not shown (journalctl --update-catalog in the install block?)'
    check "no libdispatch thread-priority noise in the unit's journal" \
        '[ "$(c journalctl -u shopperd -o cat --no-pager | count "Failed to set thread priority")" = 0 ]' \
        '$(c journalctl -u shopperd -o cat --no-pager | count "Failed to set thread priority") lines'
}
