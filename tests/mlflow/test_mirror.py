"""shopperd's MLflow mirror against a real `mlflow server`, checked with MLflow's own client.

A store is filled through shopperd's own commands — the daemon's pipeline (`shopperd run --once`)
for the first champion, drift checks, retraining and promotion; `shopperd train` and `shopperd
models promote|rollback` for what operators do by hand — then `shopperd mlflow sync` (or `run
--once`'s own mirror pass) mirrors it, and `mirror_checks` compares the server with the store.
The long-running daemon's background mirror is tested in test_daemon.py.
"""
from __future__ import annotations

import uuid

from mirror_checks import check_mirror, runs_by_entity
from shopperd_driver import Names, Shopperd, StoreView, write_batch

TRAINING_MONTHS = {"Feb", "Mar", "May", "June", "Jul"}
# Every retrain promotes: the scenario must not depend on which small forest wins.
SETTINGS = {"retrain.tolerance": "1"}


def build_store(tmp_path, uri):
    """The daemon's pipeline on three batches: champion 1 trained from a Feb–Jul bootstrap file;
    an unlabelled Aug batch (drift, too few labels to retrain); a labelled Nov batch (drift:
    challenger 2 trained, tried, promoted, the challenger alias removed)."""
    names = Names.unique(uuid.uuid4().hex[:8])
    shopperd = Shopperd(tmp_path / "state", uri, names)
    bootstrap = write_batch(tmp_path, "feb-jul.csv", TRAINING_MONTHS, 1500)
    aug = write_batch(tmp_path, "aug.csv", {"Aug"}, 200, labelled=False)
    nov = write_batch(tmp_path, "nov.csv", {"Nov"}, 300)
    reports = shopperd.run_once(aug, nov, bootstrap=bootstrap, settings=SETTINGS)
    assert [r["decision"] for r in reports] == ["score-awaiting-labels", "retrain-promoted"]
    assert reports[1]["models"]["serving"] == 2
    return shopperd, StoreView(shopperd.state)


def test_sync_mirrors_everything_as_stored(tmp_path, server, client):
    shopperd, store = build_store(tmp_path, server.uri)
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
    assert version.tags["shopperd.challenger"].startswith("remove ")
    assert version.tags["shopperd.challenger"].endswith(": promoted to champion")
    assert version.tags["shopperd.champion"].startswith("promote ")
    assert ": not significantly worse than champion v1 on held-out new rows" in version.tags["shopperd.champion"]

    status = shopperd.status()
    assert status["health"] == "caught_up" and status["pending"]["total"] == 0
    assert status["mirrored"] == {"models": 2, "alias_changes": 4, "jobs": 2, "total": 8}
    # A second sync finds nothing to send.
    assert "mirrored 0 models, 0 alias changes, 0 drift checks" in shopperd.sync().stdout


def test_an_outage_loses_nothing_and_duplicates_nothing(tmp_path, server, client):
    shopperd, store = build_store(tmp_path, server.uri)
    shopperd.sync()

    server.stop()
    assert shopperd.train(as_of=2, trees=12, seed=3) == 3
    shopperd.promote(3, alias="challenger", reason="trying Aug")
    shopperd.promote(3, reason="promoted during the outage")
    shopperd.rollback(reason="model 3 regressed")
    # Two more batches through the daemon's pipeline, whose one mirror pass finds the server down:
    # the batches get their outcome all the same, and the run says it fell behind.
    sep = write_batch(tmp_path, "sep.csv", {"Sep"}, 150, labelled=False)
    dec = write_batch(tmp_path, "dec.csv", {"Dec"}, 150, labelled=False)
    reports = shopperd.run_once(sep, dec, uri=True)
    assert [(r["decision"], r["models"]["serving"]) for r in reports] == [("score-awaiting-labels", 2)] * 2
    behind = shopperd.events_of("mlflow-behind")
    assert len(behind) == 2 and all("unreachable" in event["ERROR"] for event in behind), behind
    assert [int(event["MLFLOW_PENDING"]) for event in behind] == [5, 6]

    failed = shopperd.sync(check=False)
    assert failed.returncode == 69, failed
    assert "unreachable" in failed.stderr
    status = shopperd.status()
    assert status["health"] == "behind"
    assert status["pending"] == {"models": 1, "alias_changes": 3, "jobs": 2, "total": 6}
    assert "unreachable" in status["last_error"]
    assert [(f["kind"], f["key"]) for f in status["failures"]] == [("model", "3")]

    server.start()
    # The next `run --once` (nothing in its inbox) sends everything pending and says it caught up.
    shopperd.daemon_once()
    caught_up = shopperd.events_of("mlflow-caught-up")
    assert len(caught_up) == 1 and int(caught_up[0]["MLFLOW_MIRRORED"]) == 14, caught_up
    assert "mirrored 0 models, 0 alias changes, 0 drift checks" in shopperd.sync().stdout
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
    assert shopperd.train(trees=8) == 1
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
