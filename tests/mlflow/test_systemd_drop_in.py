"""The systemd drop-in (systemd/shopperd-mlflow.conf) allows what the mirror really uses.

The hardened unit gives the daemon no network; the drop-in opens exactly the socket families and
addresses an MLflow server needs. Here the daemon's pipeline and its mirror pass (`shopperd run
--once --mlflow-uri …`) run under strace against the real server, and every socket it creates and
every address it connects to must be allowed by the drop-in's `RestrictAddressFamilies=` and
`IPAddressAllow=` (systemd's own parsing of the file is checked by Tests/ShopperDaemonTests/
MLflowDropInTests.swift). systemd itself does not run here, so this is how we know the drop-in
is sufficient without running the unit.
"""
from __future__ import annotations

import ipaddress
import re
import shutil
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from mirror_checks import check_mirror
from shopperd_driver import ROOT, Names, Shopperd, StoreView, write_batch

DROP_IN = ROOT / "systemd" / "shopperd-mlflow.conf"


def drop_in_settings() -> dict[str, list[str]]:
    """The drop-in's [Service] settings as systemd combines them: lists accumulate, an empty
    assignment resets."""
    settings: dict[str, list[str]] = {}
    for line in DROP_IN.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        settings[key] = [] if not value else settings.get(key, []) + value.split()
    return settings


def test_the_drop_in_allows_every_socket_and_address_the_mirror_uses(tmp_path, server, client):
    settings = drop_in_settings()
    families = set(settings["RestrictAddressFamilies"])
    allowed = [ipaddress.ip_network(entry) for entry in settings["IPAddressAllow"]]
    assert settings["PrivateNetwork"] == ["no"]
    # The drop-in's own example is consistent: its server's address is allowed.
    example = urlsplit(dict(e.split("=", 1) for e in settings["Environment"])["MLFLOW_TRACKING_URI"])
    assert any(ipaddress.ip_address(example.hostname) in network for network in allowed)
    # The test server listens where the example points (loopback), so the same allow list applies.
    assert any(ipaddress.ip_address(urlsplit(server.uri).hostname) in network for network in allowed)

    strace = shutil.which("strace")
    assert strace, "strace is needed (apt-get install strace)"
    names = Names.unique("drop-in-" + uuid.uuid4().hex[:8])
    shopperd = Shopperd(tmp_path / "state", server.uri, names)
    trace = tmp_path / "trace"
    bootstrap = write_batch(tmp_path, "feb-jul.csv", {"Feb", "Mar", "May", "June", "Jul"}, 600)
    batch = write_batch(tmp_path, "aug.csv", {"Aug"}, 100, labelled=False)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(batch, inbox / batch.name)
    command = [
        strace, "-f", "-qq", "--seccomp-bpf", "-e", "trace=socket,connect", "-o", str(trace),
        shopperd.binary, "run", "--once", "--inbox", str(inbox), "--outbox", str(tmp_path / "outbox"),
        "--state", str(shopperd.state), "--bootstrap", str(bootstrap), "--log-target", "stderr",
        # 20 trees: an 8-tree forest on 600 rows picks a threshold that flags every out-of-bag row, which
        # the evidence rule (docs/daemon.md, "Evidence") rightly refuses to serve.
        "--mlflow-uri", server.uri, "--set", "training.trees=20", "--set", "training.grid=quick",
        "--set", f"mlflow.training-experiment={names.training}", "--set", f"mlflow.monitoring-experiment={names.monitoring}",
        "--set", f"mlflow.registered-model={names.model}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "mlflow-behind" not in result.stderr
    # It did its work over those sockets: the champion, its alias and the batch's drift check are on the server.
    assert shopperd.status()["pending"]["total"] == 0
    check_mirror(client, StoreView(shopperd.state), names)

    text = trace.read_text()
    used = set(re.findall(r"socket\((AF_[A-Z0-9]+)", text))
    assert "AF_INET" in used or "AF_INET6" in used, text
    assert used <= families, f"the mirror used {used - families}, which the drop-in does not allow"
    addresses = re.findall(r'connect\(\d+, \{sa_family=AF_INET6?, sin6?_port=htons\(\d+\), '
                           r'(?:sin_addr=inet_addr\("([^"]+)"\)|[^}]*inet_pton\(AF_INET6, "([^"]+)")', text)
    reached = {ipaddress.ip_address(v4 or v6) for v4, v6 in addresses}
    assert reached, text
    outside = {address for address in reached if not any(address in network for network in allowed)}
    assert not outside, f"the mirror connected to {outside}, outside IPAddressAllow={settings['IPAddressAllow']}"
