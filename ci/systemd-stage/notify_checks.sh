# The notification drop-ins of ci/systemd-stage.sh (sourced by checks.sh; run last by run_checks).
# What is checked is the sandbox, independent of the daemon's code: shopperd.service as installed,
# plus a test-only drop-in that turns it into a oneshot whose ExecStart= is the notification
# command itself (`/usr/sbin/sendmail -t -oi` of msmtp-mta, from ci/nspawn-rootfs.sh, or a webhook
# POST), run with and without the shipped drop-in. The relay and the webhook are tiny servers in the
# container (smtp_sink.py, webhook_sink.py) that save what they receive, so arrival is read back.
# shellcheck disable=SC2016,SC2034,SC2154

notify_sinks=/srv/shopperd-ci/notify
relay_port=2525
webhook_port=8091  # not 8080: shopperd-serve.socket listens there (serve_checks.sh runs first)
relay_user=ci-relay-user
relay_password='ci relay password'

# Runs shopperd.service once as the oneshot of ci-notify-run.conf (the notification command) with
# the drop-ins in place; returns systemctl start's status.
run_unit_once() {
    c systemctl daemon-reload
    c systemctl reset-failed shopperd >/dev/null 2>&1 || true  # also the start rate limit
    c systemctl start shopperd >/dev/null 2>&1
}
# The oneshot's command: ExecStart= reset, then the command (a shell line).
notify_command() {
    write_file "$dropins/ci-notify-run.conf" "[Service]
Type=oneshot
Restart=no
ExecStart=
ExecStart=/bin/sh -c '$1'
ExecReload=
WatchdogSec=0
TimeoutStartSec=40s"
}
# The overall exposure of shopperd.service with whatever drop-ins are in place.
exposure() {
    c systemd-analyze security --no-pager shopperd 2>&1 | sed -n 's/.*Overall exposure level for shopperd.service: \([0-9.]*\) .*/\1/p'
}
# The exposure a shipped drop-in states in its comments ("0.3 SAFE as shipped, X ... with this").
stated_exposure() { grep -oE 'as shipped, [0-9.]+' "$repo/systemd/$1" | head -n 1 | awk '{ print $3 }'; }
saved() { c sh -c "cat $notify_sinks/$1/*.$2 2>/dev/null" || true; }

check_notify() {
    log "notification drop-ins (systemd/shopperd-notify-*.conf) under the unit's sandbox"
    if ! c test -x /usr/bin/msmtp; then
        fail "msmtp-mta is in the container" "no /usr/bin/msmtp: the cached root file system predates ci/nspawn-rootfs.sh's recipe?"
        return
    fi
    c systemctl stop shopperd >/dev/null 2>&1 || true
    c systemd-run --quiet --unit=ci-smtp-sink --collect python3 "$repo/ci/systemd-stage/smtp_sink.py" \
        127.0.0.1 "$relay_port" "$notify_sinks/smtp" "$relay_user" "$relay_password"
    c systemd-run --quiet --unit=ci-webhook-sink --collect python3 "$repo/ci/systemd-stage/webhook_sink.py" \
        127.0.0.1 "$webhook_port" "$notify_sinks/webhook"
    # /etc/msmtprc as the drop-in's comments describe it, for the relay in the container (plain SMTP
    # on 127.0.0.1: the sink has no TLS); the password only in a root-only credential file.
    write_file /etc/msmtprc "defaults
timeout 10
syslog LOG_MAIL
from shopperd@ci.invalid
account relay
host 127.0.0.1
port $relay_port
tls off
auth plain
user $relay_user
passwordeval cat \"\${CREDENTIALS_DIRECTORY:-/run/credentials/shopperd.service}/msmtp-password\"
account default : relay"
    write_file /etc/shopperd/credentials/msmtp-password "$relay_password"
    csh 'chmod 0644 /etc/msmtprc && chmod 0600 /etc/shopperd/credentials/msmtp-password && truncate -s -1 /etc/shopperd/credentials/msmtp-password'
    # The shipped drop-ins with their EDIT lines set for this container.
    local msmtp_conf webhook_conf
    msmtp_conf=$(sed -e 's|^IPAddressAllow=.*|IPAddressAllow=127.0.0.1/32|' \
        -e 's|^#LoadCredential=msmtp-password:|LoadCredential=msmtp-password:|' "$repo/systemd/shopperd-notify-msmtp.conf")
    webhook_conf=$(sed -e 's|^IPAddressAllow=.*|IPAddressAllow=127.0.0.1/32|' "$repo/systemd/shopperd-notify-webhook.conf")
    wait_until 20 "c sh -c 'test -d $notify_sinks/smtp && test -d $notify_sinks/webhook'" || true

    # E-mail: the same message without, then with the drop-in.
    local token rc
    token="ci-notify-$$-$(date +%s%N)"
    write_file /srv/shopperd-ci/mail.txt "To: admin@ci.invalid
From: shopperd@ci.invalid
Subject: shopperd notification check

$token"
    notify_command '/usr/sbin/sendmail -t -oi </srv/shopperd-ci/mail.txt'
    c rm -f "$dropins/notify-msmtp.conf"
    # The credential alone (else msmtp would stop at passwordeval before trying the network).
    write_file "$dropins/ci-notify-credential.conf" $'[Service]\nLoadCredential=msmtp-password:/etc/shopperd/credentials/msmtp-password'
    rc=0; run_unit_once || rc=$?
    check "without shopperd-notify-msmtp.conf the sandbox blocks msmtp's sendmail (exit EX_OSERR, nothing reaches the relay)" \
        '[ "$rc" -ne 0 ] && [ "$(prop ExecMainStatus)" = 71 ] && [ "$(saved smtp eml | count "$token")" = 0 ]' \
        'systemctl start -> $rc, exit status $(prop ExecMainStatus), messages with the token at the relay: $(saved smtp eml | count "$token"); $(journal_tail 3)'
    c rm -f "$dropins/ci-notify-credential.conf"
    write_file "$dropins/notify-msmtp.conf" "$msmtp_conf"
    rc=0; run_unit_once || rc=$?
    check "with shopperd-notify-msmtp.conf, sendmail -t -oi under the unit delivers to the relay, authenticated with the password of LoadCredential= (passwordeval)" \
        '[ "$rc" = 0 ] && wait_until 10 "[ \$(saved smtp eml | count "$token") = 1 ]" && [ "$(saved smtp eml | count "X-Sink-Auth: $relay_user")" -ge 1 ]' \
        'systemctl start -> $rc, exit status $(prop ExecMainStatus); relay saved: $(c ls $notify_sinks/smtp | oneline); $(journal_tail 3)'
    check_daemon_mail

    local measured stated
    c rm -f "$dropins/ci-notify-run.conf"
    c systemctl daemon-reload
    measured=$(exposure)
    stated=$(stated_exposure shopperd-notify-msmtp.conf)
    check "systemd-analyze security with shopperd-notify-msmtp.conf: $measured, at most the $stated its comments state" \
        '[ -n "$measured" ] && [ -n "$stated" ] && awk "BEGIN { exit !($measured <= $stated) }"' \
        'measured "$measured", stated "$stated"'
    c rm -f "$dropins/notify-msmtp.conf"

    # Webhook: a POST (urlopen with data) without, then with the drop-in.
    local post
    post="/usr/bin/python3 -c \"import sys, urllib.request; urllib.request.urlopen(sys.argv[1], data=sys.argv[2].encode(), timeout=10)\" http://127.0.0.1:$webhook_port/hook $token"
    notify_command "$post"
    rc=0; run_unit_once || rc=$?
    check "without shopperd-notify-webhook.conf the sandbox blocks a webhook POST (nothing arrives)" \
        '[ "$rc" -ne 0 ] && [ "$(saved webhook body | count "$token")" = 0 ]' \
        'systemctl start -> $rc; bodies with the token: $(saved webhook body | count "$token")'
    write_file "$dropins/notify-webhook.conf" "$webhook_conf"
    rc=0; run_unit_once || rc=$?
    check "with shopperd-notify-webhook.conf a webhook POST under the unit arrives" \
        '[ "$rc" = 0 ] && [ "$(saved webhook body | count "$token")" = 1 ]' \
        'systemctl start -> $rc, exit status $(prop ExecMainStatus); $(journal_tail 3)'
    c rm -f "$dropins/ci-notify-run.conf"
    c systemctl daemon-reload
    measured=$(exposure)
    stated=$(stated_exposure shopperd-notify-webhook.conf)
    check "systemd-analyze security with shopperd-notify-webhook.conf: $measured, at most the $stated its comments state" \
        '[ -n "$measured" ] && [ -n "$stated" ] && awk "BEGIN { exit !($measured <= $stated) }"' \
        'measured "$measured", stated "$stated"'
    c rm -f "$dropins/notify-webhook.conf"

    # The drop-ins for postfix and exim4 (no such MTA in the container: their score and syntax only).
    local name conf out bad=""
    for name in postfix exim4; do
        conf=shopperd-notify-$name.conf
        write_file "$dropins/notify-$name.conf" "$(cat "$repo/systemd/$conf")"
        c systemctl daemon-reload
        measured=$(exposure)
        stated=$(stated_exposure "$conf")
        check "systemd-analyze security with $conf: $measured, at most the $stated its comments state" \
            '[ -n "$measured" ] && [ -n "$stated" ] && awk "BEGIN { exit !($measured <= $stated) }"' \
            'measured "$measured", stated "$stated"'
        c rm -f "$dropins/notify-$name.conf"
    done
    # systemd-analyze verify of the installed unit with each drop-in alone.
    for name in msmtp webhook postfix exim4; do
        conf=shopperd-notify-$name.conf
        write_file "$dropins/notify-$name.conf" "$(cat "$repo/systemd/$conf")"
        out=$(c systemd-analyze verify /etc/systemd/system/shopperd.service 2>&1 || echo "exit status $?")
        [ -z "$out" ] || bad="$bad $conf: $(lines <<<"$out")"
        c rm -f "$dropins/notify-$name.conf"
    done
    check "systemd-analyze verify shopperd.service with each shopperd-notify-*.conf prints nothing" \
        '[ -z "$bad" ]' '$bad'

    c systemctl stop ci-smtp-sink ci-webhook-sink >/dev/null 2>&1 || true
    c rm -f /etc/msmtprc
    c systemctl daemon-reload
    ensure_running
}

# shopperd's own notifications under the unit with shopperd-notify-msmtp.conf in place (the relay
# and its credential as above): `shopperd notify test` run as the service, then the daemon itself
# mailing a rejected batch through /usr/sbin/sendmail (msmtp-mta), the setting's default.
check_daemon_mail() {
    local rc before
    before=$(saved smtp eml | count "X-Shopperd-Event: test")
    notify_command '/usr/local/bin/shopperd notify test --set notify.email.to=admin@ci.invalid --set notify.email.from=shopperd@ci.invalid'
    rc=0; run_unit_once || rc=$?
    check "shopperd notify test, run as the unit with shopperd-notify-msmtp.conf, mails the relay through the default sendmail" \
        '[ "$rc" = 0 ] && wait_until 10 "[ \$(saved smtp eml | count \"X-Shopperd-Event: test\") -gt $before ]"' \
        'systemctl start -> $rc, exit status $(prop ExecMainStatus); $(journal_tail 4)'

    c rm -f "$dropins/ci-notify-run.conf"
    write_file "$dropins/ci-notify-env.conf" $'[Service]\nEnvironment=SHOPPERD_NOTIFY_EMAIL_TO=admin@ci.invalid SHOPPERD_NOTIFY_EMAIL_FROM=shopperd@ci.invalid'
    c systemctl daemon-reload
    c systemctl reset-failed shopperd >/dev/null 2>&1 || true
    c systemctl restart shopperd >/dev/null 2>&1 || true
    wait_until 60 active || true
    csh 'cp /srv/shopperd-ci/batches/rejected.csv /srv/shopperd-ci/batches/notify-check.csv'
    before=$(saved smtp eml | count "X-Shopperd-Event: rejected")
    drop notify-check.csv
    check "the daemon under the unit mails an alert (a rejected batch) through msmtp, journal notification-sent" \
        'wait_until 60 "[ \$(saved smtp eml | count \"X-Shopperd-Event: rejected\") -gt $before ]" && wait_until 10 "[ \$(kind_count notification-sent) -ge 1 ]"' \
        'relay saved: $(c ls $notify_sinks/smtp | oneline); $(journal_tail 6)'
    # Back to where check_notify keeps the service: stopped, each later check starting it as a oneshot.
    c rm -f "$dropins/ci-notify-env.conf"
    c systemctl stop shopperd >/dev/null 2>&1 || true
    c systemctl daemon-reload
}
