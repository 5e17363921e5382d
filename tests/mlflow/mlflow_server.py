"""Starts and stops a real `mlflow server` on the loopback interface, by PID.

Used by ci/mlflow.sh (start before the tests, stop in its exit trap) and by the integration tests,
which stop and restart the same server mid-scenario to simulate an outage. The server runs in its
own session (process group), so stopping it by its PID also stops the workers it spawned; the PID
lives in a pidfile so whoever started it, the script or a test, the last one is the one stopped.

    python mlflow_server.py start --dir DIR --port PORT     # prints the tracking URI
    python mlflow_server.py stop --dir DIR
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


class MlflowServer:
    """One server: SQLite backend and proxied artifacts under `directory`, on 127.0.0.1:`port`."""

    def __init__(self, directory: str | os.PathLike, port: int, mlflow: str | None = None, app_name: str | None = None,
                 environment: dict[str, str] | None = None):
        self.directory = Path(directory).resolve()
        self.port = port
        # `basic-auth`: MLflow's own authentication (users in a database, HTTP basic).
        self.app_name = app_name
        self.environment = environment or {}
        self.mlflow = mlflow or str(Path(sys.executable).with_name("mlflow"))
        self.pidfile = self.directory / "server.pid"
        self.log = self.directory / "server.log"
        (self.directory / "artifacts").mkdir(parents=True, exist_ok=True)

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            self.mlflow, "server",
            "--backend-store-uri", f"sqlite:///{self.directory / 'mlflow.db'}",
            "--serve-artifacts", "--artifacts-destination", str(self.directory / "artifacts"),
            "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1",
        ] + (["--app-name", self.app_name] if self.app_name else [])

    def pid(self) -> int | None:
        try:
            return int(self.pidfile.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def start(self, timeout: float = 120.0) -> None:
        """Starts the server and returns once /health answers (start-up takes 15-40 s here)."""
        if self.pid() is not None and self._alive(self.pid()):
            raise RuntimeError(f"a server is already running with PID {self.pid()}")
        with open(self.log, "ab") as log:
            process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True, cwd=self.directory, env={**os.environ, **self.environment})
        self.pidfile.write_text(str(process.pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"mlflow server exited with {process.returncode}; see {self.log}")
            if self.healthy():
                return
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"mlflow server did not answer /health within {timeout:.0f} s; see {self.log}")

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.uri}/health", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return False

    def stop(self, timeout: float = 20.0) -> None:
        """Stops the server's process group (SIGTERM, then SIGKILL), by the PID it was started with."""
        pid = self.pid()
        if pid is None:
            return
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and self._group_alive(pid):
                self._reap(pid)
                time.sleep(0.2)
            if not self._group_alive(pid):
                break
        self._reap(pid)
        self.pidfile.unlink(missing_ok=True)
        # The port is free once nothing answers.
        deadline = time.monotonic() + 10
        while self.healthy() and time.monotonic() < deadline:
            time.sleep(0.2)

    def log_size(self) -> int:
        """Where the server's log ends now: `requests(since=...)` reads what was logged after."""
        return self.log.stat().st_size if self.log.exists() else 0

    _ACCESS = re.compile(rb'"(GET|POST|PUT|PATCH|DELETE) ([^ ?"]+)[^"]* HTTP/[0-9.]+" ([0-9]{3})')

    def requests(self, since: int = 0) -> list[tuple[str, str, int]]:
        """The requests the server answered (uvicorn's access log, kept across restarts), from byte
        `since` of the log: (method, path without the query, status)."""
        if not self.log.exists():
            return []
        with open(self.log, "rb") as log:
            log.seek(since)
            text = log.read()
        return [(m.group(1).decode(), m.group(2).decode(), int(m.group(3))) for m in self._ACCESS.finditer(text)]

    @staticmethod
    def _alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)
            return True
        except ProcessLookupError:
            return False
        except PermissionError:
            return True

    @staticmethod
    def _group_alive(pgid: int) -> bool:
        try:
            os.killpg(pgid, 0)
            return True
        except ProcessLookupError:
            return False

    @staticmethod
    def _reap(pid: int) -> None:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=5055)
    arguments = parser.parse_args()
    server = MlflowServer(arguments.dir, arguments.port)
    if arguments.action == "start":
        started = time.monotonic()
        server.start()
        print(f"mlflow server up at {server.uri} (PID {server.pid()}) after {time.monotonic() - started:.1f} s",
              file=sys.stderr)
        print(server.uri)
    else:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
