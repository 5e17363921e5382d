"""Drives shopperd for the MLflow integration tests, and reads back what its store holds.

`Shopperd` runs the real binary (`SHOPPERD_BINARY`, default `.build/debug/shopperd`): `ingest`,
`train`, `models promote|rollback`, `run --once` (the daemon's pipeline on what waits in an
inbox: drift checks, retraining, promotion) and `mlflow status|sync`. `StoreView` reads the
expected figures straight from the SQLite store with Python's sqlite3, independently of the Swift
code that mirrors them. `daemon_driver.Daemon` runs the long-lived daemon (`shopperd run`).
"""
from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "data" / "online_shoppers_intention.csv"


def binary(variable: str, name: str) -> str:
    return os.environ.get(variable) or str(ROOT / ".build" / "debug" / name)


@dataclass
class Names:
    """One test's MLflow destination names, so tests sharing a server do not see each other."""
    training: str
    monitoring: str
    model: str

    @classmethod
    def unique(cls, tag: str) -> "Names":
        return cls(f"shopperd-training-{tag}", f"shopperd-monitoring-{tag}", f"shopperd-purchase-intent-{tag}")

    def options(self) -> list[str]:
        return ["--training-experiment", self.training, "--monitoring-experiment", self.monitoring,
                "--registered-model", self.model]


class Shopperd:
    def __init__(self, state: Path, uri: str | None, names: Names):
        self.binary = binary("SHOPPERD_BINARY", "shopperd")
        self.state = state
        self.uri = uri
        self.names = names
        self.events: list[dict] = []
        # Added to every run's environment (MLflow credentials, CREDENTIALS_DIRECTORY).
        self.environment: dict[str, str] = {}

    def run(self, *arguments: str, check: bool = True, uri: bool = True) -> subprocess.CompletedProcess:
        command = [self.binary, *arguments, "--state", str(self.state)]
        environment = dict(os.environ)
        for name in ("MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_TOKEN", "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD",
                     "CREDENTIALS_DIRECTORY"):
            environment.pop(name, None)
        environment.update(self.environment)
        if uri and self.uri:
            command += ["--mlflow-uri", self.uri]
        result = subprocess.run(command, capture_output=True, text=True, timeout=600, env=environment)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result

    def ingest(self, path: Path) -> None:
        self.run("ingest", str(path), uri=False)

    def sync(self, *extra: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run("mlflow", "sync", *self.names.options(), *extra, check=check)

    def status(self) -> dict:
        result = self.run("mlflow", "status", "--format", "json", *self.names.options())
        return json.loads(result.stdout)

    # What `shopperd train`, `shopperd models` and the daemon's pipeline write into the store.

    def train(self, as_of: int | None = None, trees: int = 16, seed: int = 42, promote: bool = False) -> int:
        """`shopperd train` with one tuning candidate (leaf 5, sqrt features): seconds in a debug build."""
        arguments = ["train", "--trees", str(trees), "--seed", str(seed), "--min-samples-leaf", "5",
                     "--max-features", "sqrt", "--format", "json"]
        if as_of is not None:
            arguments += ["--as-of", str(as_of)]
        if promote:
            arguments.append("--promote")
        return json.loads(self.run(*arguments, uri=False).stdout)["model"]["version"]

    def promote(self, version: int, alias: str = "champion", reason: str = "test") -> dict:
        return json.loads(self.run("models", "promote", str(version), "--alias", alias, "--reason", reason,
                                   "--format", "json", uri=False).stdout)

    def rollback(self, alias: str = "champion", reason: str = "test") -> dict:
        return json.loads(self.run("models", "rollback", "--alias", alias, "--reason", reason, "--format", "json",
                                   uri=False).stdout)

    def run_once(self, *batches: Path, bootstrap: Path | None = None, uri: bool = False,
                 settings: dict[str, str] | None = None) -> list[dict]:
        """`shopperd run --once`, one batch at a time (so their order is certain); returns their
        outbox reports (`self.events` collects the runs' events). Small, fast training: 16 trees,
        one tuning candidate. With `uri`, each run also makes its one mirror pass to the server."""
        reports = []
        for index, batch in enumerate(batches):
            inbox = self.state.parent / "inbox"
            inbox.mkdir(parents=True, exist_ok=True)
            hidden = inbox / f".{batch.name}.part"
            hidden.write_bytes(batch.read_bytes())
            os.rename(hidden, inbox / batch.name)
            result = self.daemon_once(bootstrap=bootstrap if index == 0 else None, uri=uri, settings=settings)
            stem = batch.name.removesuffix(".csv")
            outbox = self.state.parent / "outbox"
            report = outbox / f"{stem}.report.json"
            if not report.exists():
                report = outbox / f"{stem}.rejected.json"
            assert report.exists(), f"no outcome for {batch.name}:\n{result.stderr}"
            reports.append(json.loads(report.read_text()))
        return reports

    def daemon_once(self, bootstrap: Path | None = None, uri: bool = True,
                    settings: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """One `shopperd run --once` on `STATE/../inbox` (events as JSON lines, also kept in `self.events`)."""
        inbox, outbox = self.state.parent / "inbox", self.state.parent / "outbox"
        inbox.mkdir(parents=True, exist_ok=True)
        arguments = ["run", "--once", "--inbox", str(inbox), "--outbox", str(outbox), "--log-target", "stderr"]
        if bootstrap is not None:
            arguments += ["--bootstrap", str(bootstrap)]
        options = {"training.trees": "16", "training.grid": "quick", **(settings or {})}
        if uri:
            options.update({"mlflow.training-experiment": self.names.training,
                            "mlflow.monitoring-experiment": self.names.monitoring,
                            "mlflow.registered-model": self.names.model})
        for key, value in options.items():
            arguments += ["--set", f"{key}={value}"]
        result = self.run(*arguments, uri=uri)
        self.events += [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
        return result

    def events_of(self, kind: str) -> list[dict]:
        return [event for event in self.events if event.get("SHOPPERD_EVENT") == kind]


def bundled_rows(months: set[str]) -> list[list[str]]:
    """The bundled data's rows from `months`, in file order."""
    with open(BUNDLED, newline="") as source:
        reader = csv.reader(source)
        month = next(reader).index("Month")
        return [row for row in reader if row[month] in months]


def write_rows(directory: Path, name: str, rows: list[list[str]], labelled: bool = True) -> Path:
    """A CSV batch of bundled-data rows; without the `Revenue` column when not `labelled`."""
    with open(BUNDLED, newline="") as source:
        header = next(csv.reader(source))
    label = header.index("Revenue")
    keep = [i for i in range(len(header)) if labelled or i != label]
    path = directory / name
    with open(path, "w", newline="") as target:
        writer = csv.writer(target, lineterminator="\n")
        writer.writerow([header[i] for i in keep])
        writer.writerows([[row[i] for i in keep] for row in rows])
    return path


def write_batch(directory: Path, name: str, months: set[str], limit: int, skip: int = 0, labelled: bool = True) -> Path:
    """A CSV batch of the bundled data's rows from `months` (after skipping `skip` of them)."""
    return write_rows(directory, name, bundled_rows(months)[skip:skip + limit], labelled)


class StoreView:
    """The store's registry, aliases and jobs, read with sqlite3."""

    def __init__(self, state: Path):
        self.path = state / "shopperd.sqlite"

    def _query(self, sql: str, *arguments) -> list[sqlite3.Row]:
        connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        connection.row_factory = sqlite3.Row
        try:
            return connection.execute(sql, arguments).fetchall()
        finally:
            connection.close()

    def models(self) -> list[dict]:
        models = []
        for row in self._query("SELECT * FROM models ORDER BY version"):
            model = dict(row)
            model["file"] = json.loads(row["model_file"])
            models.append(model)
        return models

    def aliases(self) -> dict[str, int]:
        return {row["alias"]: row["model_version"] for row in self._query("SELECT alias, model_version FROM aliases")}

    def alias_changes(self) -> int:
        return self._query("SELECT COUNT(*) AS n FROM alias_history")[0]["n"]

    def alias_history(self) -> list[dict]:
        return [dict(row) for row in self._query("SELECT * FROM alias_history ORDER BY id")]

    def jobs(self) -> list[dict]:
        """Every job (rejected and duplicate inputs too), in processing order, with its outbox report."""
        jobs = []
        for row in self._query("SELECT * FROM jobs ORDER BY processed_at, id"):
            job = dict(row)
            job["outbox_report"] = json.loads(row["report"])
            jobs.append(job)
        return jobs

    def drift_jobs(self) -> list[dict]:
        jobs = []
        for row in self._query("SELECT * FROM jobs WHERE drift_report IS NOT NULL ORDER BY processed_at, id"):
            job = dict(row)
            job["drift"] = json.loads(row["drift_report"])
            jobs.append(job)
        return jobs
