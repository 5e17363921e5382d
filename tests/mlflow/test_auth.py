"""shopperd against a real `mlflow server --app-name basic-auth`: MLflow's own authentication.

A second server (its own directory, port and users database) requires HTTP basic credentials; its
admin user is `admin` with the password set in its `basic_auth.ini`. shopperd reads credentials
from systemd credentials (`$CREDENTIALS_DIRECTORY`), MLflow's variables, or a mode-600 file; a
refused password is a clear error that names the 401 and never the password, and the store keeps
everything pending until the right password mirrors it all.
"""
from __future__ import annotations

import os
import socket
import tempfile
import uuid
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from mirror_checks import check_mirror
from mlflow_server import MlflowServer
from shopperd_driver import Names, Shopperd, StoreView, write_batch

ADMIN, PASSWORD = "admin", "shopperd-admin-7f3a"
WRONG = "not-the-password-91c2"


@pytest.fixture(scope="module")
def auth_server():
    with tempfile.TemporaryDirectory(prefix="shopperd-mlflow-auth-") as directory:
        config = Path(directory) / "basic_auth.ini"
        config.write_text(
            "[mlflow]\n"
            "default_permission = READ\n"
            f"database_uri = sqlite:///{Path(directory) / 'basic_auth.db'}\n"
            f"admin_username = {ADMIN}\n"
            f"admin_password = {PASSWORD}\n"
            "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = MlflowServer(Path(directory) / "server", port, app_name="basic-auth",
                              environment={"MLFLOW_AUTH_CONFIG_PATH": str(config),
                                           # The auth app's CSRF protection refuses to start without one.
                                           "MLFLOW_FLASK_SERVER_SECRET_KEY": uuid.uuid4().hex})
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture
def admin(auth_server, monkeypatch) -> MlflowClient:
    # MLflow's client reads these at each request; shopperd's runs get only what a test gives them.
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", ADMIN)
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", PASSWORD)
    return MlflowClient(tracking_uri=auth_server.uri)


def small_store(tmp_path, uri) -> tuple[Shopperd, StoreView]:
    """One labelled batch, two models by `shopperd train`, the second promoted: 2 models and an alias change pending."""
    shopperd = Shopperd(tmp_path / "state", uri, Names.unique(uuid.uuid4().hex[:8]))
    shopperd.ingest(write_batch(tmp_path, "feb-may.csv", {"Feb", "Mar", "May"}, 600))
    assert shopperd.train(trees=8, seed=1) == 1
    assert shopperd.train(trees=8, seed=2, promote=True) == 2
    return shopperd, StoreView(shopperd.state)


def secret_file(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text + "\n")
    os.chmod(path, mode)
    return path


def test_a_refused_password_loses_nothing_and_the_right_one_catches_up(tmp_path, auth_server, admin):
    shopperd, store = small_store(tmp_path, auth_server.uri)
    pending = shopperd.status()["pending"]["total"]
    assert pending > 0

    # No credentials: the server asks for them; nothing is recorded as mirrored.
    result = shopperd.sync(check=False)
    assert result.returncode == 69, result.stderr
    assert "requires credentials (HTTP 401)" in result.stderr and "MLFLOW_TRACKING_USERNAME" in result.stderr

    # A wrong password (MLflow's variables): refused, named, never printed; still all pending.
    shopperd.environment = {"MLFLOW_TRACKING_USERNAME": ADMIN, "MLFLOW_TRACKING_PASSWORD": WRONG}
    result = shopperd.sync(check=False)
    assert result.returncode == 69, result.stderr
    assert f"the MLflow server at {auth_server.uri} refused shopperd's credentials (HTTP 401)" in result.stderr
    assert "MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD" in result.stderr
    assert WRONG not in result.stdout + result.stderr
    status = shopperd.status()
    assert status["pending"]["total"] == pending and status["mirrored"]["total"] == 0
    assert "HTTP 401" in status["last_error"] and WRONG not in str(status)
    assert admin.search_registered_models(filter_string=f"name = '{shopperd.names.model}'") == []

    # The right password, from systemd credentials, which come before the (wrong) variables.
    credentials = tmp_path / "credentials"
    credentials.mkdir(mode=0o700)
    secret_file(credentials / "mlflow-username", ADMIN, 0o400)
    secret_file(credentials / "mlflow-password", PASSWORD, 0o400)
    shopperd.environment["CREDENTIALS_DIRECTORY"] = str(credentials)
    result = shopperd.sync()
    assert "0 failed, 0 pending" in result.stdout, result.stdout + result.stderr
    check_mirror(admin, store, shopperd.names)
    status = shopperd.status()
    assert status["health"] == "caught_up" and status["mirrored"]["total"] == pending


def test_password_file_must_be_private(tmp_path, auth_server, admin):
    shopperd, store = small_store(tmp_path, auth_server.uri)
    open_file = secret_file(tmp_path / "password", PASSWORD, 0o644)
    result = shopperd.sync("--username", ADMIN, "--password-file", str(open_file), check=False)
    assert result.returncode == 64, result.stderr
    assert f"has mode 644, readable by group or others: `chmod 600 {open_file}`" in result.stderr
    assert PASSWORD not in result.stdout + result.stderr

    os.chmod(open_file, 0o600)
    result = shopperd.sync("--username", ADMIN, "--password-file", str(open_file))
    assert "0 failed, 0 pending" in result.stdout
    check_mirror(admin, store, shopperd.names)


def test_the_daemon_reads_its_password_from_the_configured_file(tmp_path, auth_server, admin):
    shopperd, store = small_store(tmp_path, auth_server.uri)
    password = secret_file(tmp_path / "password", PASSWORD)
    # Half a pair is refused before anything is sent (EX_CONFIG), naming what is missing.
    (tmp_path / "inbox").mkdir()
    shopperd.environment = {"MLFLOW_TRACKING_USERNAME": ADMIN}
    result = shopperd.run("run", "--once", "--inbox", str(tmp_path / "inbox"), "--outbox", str(tmp_path / "outbox"),
                          check=False)
    assert result.returncode == 78, result.stderr
    assert "MLFLOW_TRACKING_USERNAME is given but MLFLOW_TRACKING_PASSWORD is not" in result.stderr
    # `mlflow status` reads only the store: it needs no credentials, and is not stopped by half a pair.
    assert shopperd.status()["pending"]["total"] > 0

    shopperd.environment = {}
    shopperd.daemon_once(settings={"mlflow.username": ADMIN, "mlflow.password-file": str(password)})
    assert shopperd.status()["health"] == "caught_up"
    check_mirror(admin, store, shopperd.names)
