"""Drives shopperd for the MLflow integration tests, and reads back what its store holds.

`Shopperd` runs the real binary (`SHOPPERD_BINARY`, default `.build/debug/shopperd`); `Fixture`
runs `shopperd-mlflow-fixture`, which trains and registers models, moves aliases and records
drift-checked jobs through shopperd's own library until `shopperd train`, `shopperd models
promote|rollback` and the daemon (`shopperd run`) are on main. `StoreView` reads the expected
figures straight from the SQLite store with Python's sqlite3, independently of the Swift code
that mirrors them.
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


def _binary(variable: str, name: str) -> str:
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
        self.binary = _binary("SHOPPERD_BINARY", "shopperd")
        self.state = state
        self.uri = uri
        self.names = names

    def run(self, *arguments: str, check: bool = True, uri: bool = True) -> subprocess.CompletedProcess:
        command = [self.binary, *arguments, "--state", str(self.state)]
        environment = dict(os.environ)
        environment.pop("MLFLOW_TRACKING_URI", None)
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


class Fixture:
    """`shopperd-mlflow-fixture`: what `shopperd train`/`models promote` and the daemon's jobs do."""

    def __init__(self, state: Path):
        self.binary = _binary("SHOPPERD_MLFLOW_FIXTURE", "shopperd-mlflow-fixture")
        self.state = state

    def run(self, command: str, **options) -> dict:
        arguments = [self.binary, command, "--state", str(self.state)]
        for key, value in options.items():
            arguments += [f"--{key.replace('_', '-')}", str(value)]
        result = subprocess.run(arguments, capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            raise AssertionError(f"{' '.join(arguments)} exited {result.returncode}: {result.stderr}")
        return json.loads(result.stdout)

    def train(self, through: int, **options) -> int:
        return self.run("train", through=through, **options)["model_version"]

    def promote(self, version: int, alias: str = "champion", reason: str = "test") -> dict:
        return self.run("promote", version=version, alias=alias, reason=reason)

    def rollback(self, alias: str = "champion", reason: str = "test") -> dict:
        return self.run("rollback", alias=alias, reason=reason)

    def remove_alias(self, alias: str, reason: str = "test") -> dict:
        return self.run("remove-alias", alias=alias, reason=reason)

    def job(self, job_id: str, batch: int, model: int, decision: str = "score") -> dict:
        return self.run("job", id=job_id, batch=batch, model=model, decision=decision)


def write_batch(directory: Path, name: str, months: set[str], limit: int, skip: int = 0) -> Path:
    """A CSV batch of the bundled data's rows from `months` (after skipping `skip` of them)."""
    with open(BUNDLED, newline="") as source:
        reader = csv.reader(source)
        header = next(reader)
        month = header.index("Month")
        rows = [row for row in reader if row[month] in months][skip:skip + limit]
    path = directory / name
    with open(path, "w", newline="") as target:
        writer = csv.writer(target, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


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

    def drift_jobs(self) -> list[dict]:
        jobs = []
        for row in self._query("SELECT * FROM jobs WHERE drift_report IS NOT NULL ORDER BY processed_at, id"):
            job = dict(row)
            job["drift"] = json.loads(row["drift_report"])
            jobs.append(job)
        return jobs
