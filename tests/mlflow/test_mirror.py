"""shopperd's MLflow mirror against a real `mlflow server`, checked with MLflow's own client.

A store is filled through shopperd (`shopperd ingest` for the batches; `shopperd-mlflow-fixture`
for training, promotion and drift-checked jobs until `shopperd train` and the daemon land), then
`shopperd mlflow sync` mirrors it, and `mirror_checks` compares the server with the store.
"""
from __future__ import annotations

import uuid

from mirror_checks import check_mirror, runs_by_entity
from shopperd_driver import Fixture, Names, Shopperd, StoreView, write_batch

TRAINING_MONTHS = {"Feb", "Mar", "May", "June", "Jul"}


def build_store(tmp_path, uri):
    """Three batches (Feb–Jul, Aug, Nov), champion 1 checked against Aug and Nov, model 2 trained
    on the Nov drift, tried as challenger, then promoted."""
    names = Names.unique(uuid.uuid4().hex[:8])
    shopperd = Shopperd(tmp_path / "state", uri, names)
    fixture = Fixture(shopperd.state)
    shopperd.ingest(write_batch(tmp_path, "feb-jul.csv", TRAINING_MONTHS, 1500))
    shopperd.ingest(write_batch(tmp_path, "aug.csv", {"Aug"}, 200))
    shopperd.ingest(write_batch(tmp_path, "nov.csv", {"Nov"}, 200))
    assert fixture.train(through=1, trees=16) == 1
    fixture.promote(1, reason="first champion")
    fixture.job("000001", batch=2, model=1, decision="score")
    fixture.job("000002", batch=3, model=1, decision="retrain-promoted")
    assert fixture.train(through=3, trees=16, seed=7) == 2
    fixture.promote(2, alias="challenger", reason="retrained on the Nov drift")
    fixture.promote(2, reason="challenger at least as good")
    fixture.remove_alias("challenger", reason="decided")
    return shopperd, fixture, StoreView(shopperd.state)


def test_sync_mirrors_everything_as_stored(tmp_path, server, client):
    shopperd, _, store = build_store(tmp_path, server.uri)
    status = shopperd.status()
    assert status["health"] == "pending"
    assert status["pending"] == {"models": 2, "alias_changes": 4, "jobs": 2, "total": 8}

    result = shopperd.sync()
    assert "mirrored 2 models, 4 alias changes, 2 drift checks" in result.stdout
    check_mirror(client, store, shopperd.names)

    runs = runs_by_entity(client, shopperd.names.training)
    assert runs["model:2"].data.tags["shopperd.decision"] == "retrain-promoted"
    assert "shopperd.decision" not in runs["model:1"].data.tags
    assert client.get_registered_model(shopperd.names.model).aliases == {"champion": "2"}
    version = client.get_model_version(shopperd.names.model, "2")
    assert version.tags["shopperd.challenger"].endswith("decided")
    assert version.tags["shopperd.champion"].endswith("challenger at least as good")

    status = shopperd.status()
    assert status["health"] == "caught_up" and status["pending"]["total"] == 0
    assert status["mirrored"] == {"models": 2, "alias_changes": 4, "jobs": 2, "total": 8}
    # A second sync finds nothing to send.
    assert "mirrored 0 models, 0 alias changes, 0 drift checks" in shopperd.sync().stdout


def test_an_outage_loses_nothing_and_duplicates_nothing(tmp_path, server, client):
    shopperd, fixture, store = build_store(tmp_path, server.uri)
    shopperd.sync()

    server.stop()
    assert fixture.train(through=2, trees=12, seed=3) == 3
    fixture.promote(3, alias="challenger", reason="trying Aug")
    fixture.promote(3, reason="promoted during the outage")
    fixture.rollback(reason="model 3 regressed")
    fixture.job("000003", batch=2, model=2, decision="score")
    fixture.job("000004", batch=3, model=2, decision="score")

    failed = shopperd.sync(check=False)
    assert failed.returncode == 69, failed
    assert "unreachable" in failed.stderr
    status = shopperd.status()
    assert status["health"] == "behind"
    assert status["pending"] == {"models": 1, "alias_changes": 3, "jobs": 2, "total": 6}
    assert "unreachable" in status["last_error"]
    assert [(f["kind"], f["key"]) for f in status["failures"]] == [("model", "3")]

    server.start()
    assert "mirrored 1 model, 3 alias changes, 2 drift checks" in shopperd.sync().stdout
    check_mirror(client, store, shopperd.names)
    # Champion rolled back to model 2 (MLflow version 2), challenger still on 3.
    assert client.get_registered_model(shopperd.names.model).aliases == {"champion": "2", "challenger": "3"}

    # Forget every progress record and sync again: every write is found, nothing is duplicated.
    again = shopperd.sync("--reset")
    assert "mirrored 3 models, 7 alias changes, 4 drift checks" in again.stdout
    check_mirror(client, store, shopperd.names)
    assert shopperd.status()["health"] == "caught_up"


def test_status_needs_no_server_and_sync_needs_a_uri(tmp_path):
    names = Names.unique("offline")
    shopperd = Shopperd(tmp_path / "state", None, names)
    shopperd.ingest(write_batch(tmp_path, "feb-jul.csv", TRAINING_MONTHS, 600))
    Fixture(shopperd.state).train(through=1, trees=8)
    status = shopperd.status()
    assert status["health"] == "pending" and status["pending"]["models"] == 1
    text = shopperd.run("mlflow", "status")
    assert "nothing mirrored yet" in text.stderr and "1 model" in text.stdout
    missing = shopperd.run("mlflow", "sync", check=False)
    assert missing.returncode == 64 and "--mlflow-uri" in missing.stderr
    # A server that is not there: exit 69, the model still pending, the reason recorded.
    down = Shopperd(tmp_path / "state", "http://127.0.0.1:9", names).sync(check=False)
    assert down.returncode == 69
    behind = Shopperd(tmp_path / "state", "http://127.0.0.1:9", names).status()
    assert behind["health"] == "behind" and "connection refused" in behind["last_error"]
    assert behind["failures"][0]["attempts"] == 1
    # Without a URI, status shows the destination last attempted.
    assert shopperd.status() == behind
    assert "last mirrored to" in shopperd.run("mlflow", "status").stderr
    # Another destination has received nothing either, and has not been tried.
    elsewhere = Shopperd(tmp_path / "state", "http://127.0.0.1:9", Names.unique("elsewhere")).status()
    assert elsewhere["health"] == "pending" and elsewhere["failures"] == []
