"""The MLflow server the integration tests talk to.

With `MLFLOW_SERVER_DIR` and `MLFLOW_SERVER_PORT` set (ci/mlflow.sh), the tests use the server the
script started there, stopping and restarting it by the PID in its pidfile when a scenario needs
an outage (the script's exit trap stops whichever PID is there last). Without them, the tests
start their own server in a temporary directory and stop it at the end.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mlflow_server import MlflowServer  # noqa: E402


@pytest.fixture(scope="session")
def server():
    directory = os.environ.get("MLFLOW_SERVER_DIR")
    if directory:
        server = MlflowServer(directory, int(os.environ["MLFLOW_SERVER_PORT"]))
        if not server.healthy():
            server.start()
        yield server
        return
    with tempfile.TemporaryDirectory(prefix="shopperd-mlflow-") as own:
        server = MlflowServer(own, int(os.environ.get("MLFLOW_SERVER_PORT", "5056")))
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture
def client(server) -> MlflowClient:
    if not server.healthy():
        server.start()
    return MlflowClient(tracking_uri=server.uri)
