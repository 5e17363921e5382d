"""Runs the real daemon (`shopperd run`) for the MLflow integration tests, as an operator would.

`Daemon` starts `shopperd run --log-target stderr …` as a child process on temporary directories,
drops batches into its inbox (written under a dot name, renamed in: the daemon takes only complete
files), waits for their outcome in the outbox, and reads the daemon's events — JSON lines on its
stderr, the same fields it sends to the journal — from the file its stderr goes to.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Callable

from shopperd_driver import Names, binary


class DaemonExited(AssertionError):
    pass


class Daemon:
    def __init__(self, work: Path, uri: str, names: Names, bootstrap: Path, settings: dict[str, str]):
        self.work = work
        self.inbox, self.outbox, self.state = work / "inbox", work / "outbox", work / "state"
        self.inbox.mkdir(parents=True, exist_ok=True)
        self.log = work / "daemon.stderr"
        command = [
            binary("SHOPPERD_BINARY", "shopperd"), "run",
            "--inbox", str(self.inbox), "--outbox", str(self.outbox), "--state", str(self.state),
            "--bootstrap", str(bootstrap), "--log-target", "stderr", "--mlflow-uri", uri,
            "--set", f"mlflow.training-experiment={names.training}",
            "--set", f"mlflow.monitoring-experiment={names.monitoring}",
            "--set", f"mlflow.registered-model={names.model}",
        ]
        for key, value in settings.items():
            command += ["--set", f"{key}={value}"]
        environment = dict(os.environ)
        for variable in ("MLFLOW_TRACKING_URI", "NOTIFY_SOCKET", "WATCHDOG_USEC"):
            environment.pop(variable, None)
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=environment)

    # -- events ------------------------------------------------------------------------------

    def events(self, kind: str | None = None) -> list[dict]:
        """The daemon's events so far (those of `kind`, e.g. `mlflow-behind`), oldest first."""
        found = []
        for line in self.log.read_text(errors="replace").splitlines():
            if not line.startswith("{"):
                continue
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line still being written
            if kind is None or event.get("SHOPPERD_EVENT") == kind:
                found.append(event)
        return found

    def wait_for(self, what: str, check: Callable[[], object], timeout: float, interval: float = 0.2):
        """Polls `check` until it returns something truthy; fails with the daemon's log if it never does."""
        deadline = time.monotonic() + timeout
        while True:
            result = check()
            if result:
                return result
            if self.process.poll() is not None:
                raise DaemonExited(f"the daemon exited with {self.process.returncode} while waiting for {what}:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} within {timeout:.0f} s; the daemon's log:\n{self.tail()}")
            time.sleep(interval)

    def wait_for_event(self, kind: str, timeout: float) -> dict:
        return self.wait_for(f"{kind} event", lambda: next(iter(self.events(kind)), None), timeout)

    def wait_ready(self, timeout: float = 300) -> None:
        """Until the daemon watches its inbox (after training the first champion from --bootstrap)."""
        self.wait_for_event("service-started", timeout)

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    # -- batches -----------------------------------------------------------------------------

    def drop(self, source: Path) -> None:
        """Puts a batch into the inbox the way operators are told to: written under a dot name, renamed in."""
        hidden = self.inbox / f".{source.name}.part"
        hidden.write_bytes(source.read_bytes())
        os.rename(hidden, self.inbox / source.name)

    def outcome(self, name: str, timeout: float = 300) -> dict:
        """The outbox report of batch `name` (`STEM.report.json`, or `STEM.rejected.json`), once written."""
        stem = name.removesuffix(".csv")

        def written():
            for suffix in (".report.json", ".rejected.json"):
                path = self.outbox / (stem + suffix)
                if path.exists():
                    return json.loads(path.read_text())
            return None

        return self.wait_for(f"outcome of {name}", written, timeout)

    def process_batch(self, source: Path, timeout: float = 300) -> dict:
        self.drop(source)
        return self.outcome(source.name, timeout)

    # -- stopping ----------------------------------------------------------------------------

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, as systemd stops it; returns the exit status (SIGKILL after `timeout`)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError(f"the daemon did not stop within {timeout:.0f} s of SIGTERM:\n{self.tail()}")
        return self.process.returncode
