#!/usr/bin/env bash
# Regenerates docs/notify-email.png: a real `shopperd run --once` on the bundled data (Feb-Jul as
# the bootstrap, 600 November sessions in the inbox) with notify.email.send=every-batch and a
# sendmail that keeps the message; its HTML part rendered by headless Chromium.
#   bash scripts/notify-screenshot.sh      (needs `apt-get install chromium`; builds shopperd)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product shopperd
bin=$(swift build --show-bin-path)/shopperd
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in" "$work/mail"
printf '#!/bin/sh\ncat > %s/mail/message.eml\n' "$work" > "$work/sendmail"
chmod +x "$work/sendmail"
python3 - "$work" <<'PY'
import csv, sys
work = sys.argv[1]
rows = list(csv.reader(open("data/online_shoppers_intention.csv")))
header, body = rows[0], rows[1:]
month = header.index("Month")
for name, keep in (("boot.csv", lambda r: r[month] in ("Feb", "Mar", "May", "June", "Jul")),
                   ("in/nov-week1.csv", None)):
    chosen = [r for r in body if keep(r)] if keep else [r for r in body if r[month] == "Nov"][:600]
    with open(f"{work}/{name}", "w", newline="") as f:
        csv.writer(f).writerows([header] + chosen)
PY
"$bin" run --once --inbox "$work/in" --outbox "$work/out" --state "$work/st" --bootstrap "$work/boot.csv" \
    --log-target stderr --set training.grid=quick --set training.trees=50 \
    --set notify.email.to=ops@example.com --set notify.email.from=shopperd@shop.example \
    --set notify.email.sendmail="$work/sendmail" --set notify.email.send=every-batch 2>/dev/null
python3 - "$work" <<'PY'
import email, email.policy, sys
work = sys.argv[1]
message = email.message_from_bytes(open(f"{work}/mail/message.eml", "rb").read(), policy=email.policy.default)
html = next(p for p in message.walk() if p.get_content_type() == "text/html" and p.get_content_disposition() != "attachment")
open(f"{work}/mail.html", "w").write(html.get_content())
PY
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,1500 \
    --screenshot="$PWD/docs/notify-email.png" "file://$work/mail.html" 2>/dev/null
echo "wrote docs/notify-email.png"
