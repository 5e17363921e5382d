"""The daemon's MLflow mirror against a real `mlflow server`.

`shopperd run --mlflow-uri …` trains its first champion from a Feb–Jul bootstrap file, then takes
batches dropped into its inbox one by one — stationary, drifted and labelled (retrain, promote),
drifted and unlabelled, broken — while its background mirror copies every training run, model
version, alias move and drift check to the server. Checked with MLflow's own client against the
store. Then the server is stopped mid-stream: batches keep coming (one retrains and promotes),
the pipeline does not wait, `shopperd mlflow status` shows what is pending, the daemon says it
fell behind; the server is restarted and everything arrives exactly once (checked in MLflow and
in the server's own access log), and the daemon says it caught up.
"""
from __future__ import annotations

import json
import re
import time
import uuid
from collections import Counter

from daemon_driver import Daemon
from mirror_checks import check_mirror, runs_by_entity
from shopperd_driver import Names, Shopperd, StoreView, bundled_rows, write_rows

TRAINING_MONTHS = {"Feb", "Mar", "May", "June", "Jul"}
# Small, fast training (one tuning candidate) and a promotion rule that always promotes, so that
# every labelled drifted batch retrains AND promotes: the scenario must not depend on which
# forest wins on a few hundred rows.
SETTINGS = {"training.grid": "quick", "training.trees": "30", "retrain.tolerance": "1"}


def broken_rows(rows: list[list[str]]) -> list[list[str]]:
    """An export gone wrong: a negative duration on one row (the batch is rejected, never drift-checked)."""
    rows = [list(row) for row in rows]
    rows[6][1] = "-12.5"  # Administrative_Duration
    return rows


def counts(store: StoreView) -> dict[str, int]:
    found = {"models": len(store.models()), "alias_changes": store.alias_changes(), "jobs": len(store.drift_jobs())}
    return {**found, "total": sum(found.values())}


def minus(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {key: a[key] - b[key] for key in a}


def check_lineage(client, store: StoreView, names: Names) -> None:
    """What only the daemon produces: each training run names the batch decision that caused it,
    and each drift check's run names the model it was checked against (the champion before the batch)."""
    jobs = store.jobs()
    training = runs_by_entity(client, names.training)
    for model in store.models():
        tags = training[f"model:{model['version']}"].data.tags
        cause = [j for j in jobs if j["batch_version"] == model["training_store_version"] and "train" in j["decision"]]
        if cause:
            assert tags["shopperd.decision"] == cause[-1]["decision"] and tags["shopperd.job"] == cause[-1]["id"]
        else:  # the --bootstrap champion: trained before any batch
            assert "shopperd.decision" not in tags and "shopperd.job" not in tags
    monitoring = runs_by_entity(client, names.monitoring)
    for job in store.drift_jobs():
        models = json.loads(job["report"])["models"]
        params = monitoring[f"job:{job['id']}"].data.params
        assert params["model_version"] == str(models["serving"])
        assert params["reference_model_version"] == str(models["champion_before"])


def check_requests_once(server, since: int, store: StoreView) -> None:
    """The server's access log: each run, version and alias move was written exactly once, and
    every write succeeded (no write retried after the server applied it)."""
    writes = Counter((method, path) for method, path, _ in server.requests(since) if method != "GET"
                     and not path.endswith("/search") and not path.startswith("/ajax-api"))
    failed = [(m, p, s) for m, p, s in server.requests(since) if s >= 400 and m != "GET"]
    assert not failed, failed
    models, jobs = len(store.models()), len(store.drift_jobs())
    history = store.alias_history()
    assert writes[("POST", "/api/2.0/mlflow/runs/create")] == models + jobs, writes
    assert writes[("POST", "/api/2.0/mlflow/runs/update")] == models + jobs, writes
    assert writes[("POST", "/api/2.0/mlflow/model-versions/create")] == models, writes
    assert writes[("POST", "/api/2.0/mlflow/experiments/create")] == 2, writes
    assert writes[("POST", "/api/2.0/mlflow/registered-models/create")] == 1, writes
    assert writes[("POST", "/api/2.0/mlflow/registered-models/alias")] == sum(1 for h in history if h["to_version"]), writes
    assert writes[("DELETE", "/api/2.0/mlflow/registered-models/alias")] == sum(1 for h in history if not h["to_version"]), writes


def test_the_daemon_mirrors_as_it_goes_and_catches_up_after_an_outage(tmp_path, server, client):
    names = Names.unique("daemon-" + uuid.uuid4().hex[:8])
    log_start = server.log_size()
    timings = {}
    started = time.monotonic()

    feb_jul = bundled_rows(TRAINING_MONTHS)
    bootstrap = write_rows(tmp_path, "bootstrap-feb-jul.csv", [r for i, r in enumerate(feb_jul) if i % 10])
    holdback = write_rows(tmp_path, "feb-jul-holdback.csv", [r for i, r in enumerate(feb_jul) if not i % 10], labelled=False)
    aug = write_rows(tmp_path, "aug.csv", bundled_rows({"Aug"}), labelled=True)
    sep = write_rows(tmp_path, "sep.csv", bundled_rows({"Sep"}), labelled=False)
    broken = write_rows(tmp_path, "oct-export.csv", broken_rows(bundled_rows({"Oct"})[:40]), labelled=False)
    oct_ = write_rows(tmp_path, "oct.csv", bundled_rows({"Oct"}), labelled=True)
    nov = write_rows(tmp_path, "nov-week1.csv", bundled_rows({"Nov"})[:600], labelled=False)

    daemon = Daemon(tmp_path / "daemon", server.uri, names, bootstrap, SETTINGS)
    try:
        shopperd = Shopperd(daemon.state, server.uri, names)
        store = StoreView(daemon.state)
        daemon.wait_ready()
        timings["bootstrap"] = time.monotonic() - started

        # 1. The server is up: every batch is mirrored as it goes.
        outcomes = {path.name: daemon.process_batch(path) for path in (holdback, aug, sep, broken)}
        assert outcomes["feb-jul-holdback.csv"]["decision"] == "score"
        assert outcomes["feb-jul-holdback.csv"]["drift"]["critical_drift"] is False
        assert outcomes["aug.csv"]["decision"] == "retrain-promoted"
        assert outcomes["aug.csv"]["models"]["champion_before"] == 1 and outcomes["aug.csv"]["models"]["serving"] == 2
        assert outcomes["sep.csv"]["decision"] == "score-awaiting-labels"
        assert outcomes["oct-export.csv"]["outcome"] == "rejected"
        timings["batches"] = time.monotonic() - started

        # Bootstrap champion, challenger 2 tried then promoted; three drift checks (not the rejected batch).
        expected = {"models": 2, "alias_changes": 4, "jobs": 3, "total": 9}
        assert counts(store) == expected
        status = daemon.wait_for("the mirror to catch up", lambda: (lambda s: s if s["health"] == "caught_up" else None)(
            shopperd.status()), timeout=120, interval=0.5)
        timings["mirrored"] = time.monotonic() - started
        assert status["pending"]["total"] == 0 and status["mirrored"] == expected
        check_mirror(client, store, names)
        check_lineage(client, store, names)
        assert client.get_registered_model(names.model).aliases == {"champion": "2"}
        assert daemon.events("mlflow-behind") == []

        # 2. The server goes away mid-stream. The pipeline does not wait for it.
        server.stop()
        stopped = time.monotonic()
        oct_outcome = daemon.process_batch(oct_)
        assert oct_outcome["decision"] == "retrain-promoted" and oct_outcome["models"]["serving"] == 3
        assert daemon.process_batch(nov)["decision"] == "score-awaiting-labels"
        timings["batches during the outage"] = time.monotonic() - stopped
        behind_event = daemon.wait_for_event("mlflow-behind", timeout=60)
        assert int(behind_event["MLFLOW_PENDING"]) >= 5, behind_event  # model 3, its 3 alias moves, the Oct check…
        assert "unreachable" in behind_event["ERROR"] and behind_event["PRIORITY"] == "4"

        # `shopperd mlflow status` from the daemon's state directory, while it runs: no URI needed.
        pending = minus(counts(store), expected)
        assert pending == {"models": 1, "alias_changes": 3, "jobs": 2, "total": 6}
        without_uri = Shopperd(daemon.state, None, names).run("mlflow", "status", "--format", "json", uri=False)
        behind = json.loads(without_uri.stdout)
        assert behind["target"] == status["target"]
        assert behind["health"] == "behind" and behind["pending"] == pending
        assert behind["mirrored"] == expected
        assert "unreachable" in behind["last_error"] and behind["failures"][0]["kind"] == "model"
        text = Shopperd(daemon.state, None, names).run("mlflow", "status", uri=False)
        assert "last mirrored to" in text.stderr
        assert re.search(r"^status:\s+behind$", text.stdout, re.M) and "(6 in all)" in text.stdout, text.stdout
        assert daemon.events("mlflow-caught-up") == []

        # 3. The server is back: the mirror catches up on its own, exactly once.
        server.start()
        restarted = time.monotonic()
        timings["outage"] = restarted - stopped
        caught_up = daemon.wait_for_event("mlflow-caught-up", timeout=300)
        timings["caught up after restart"] = time.monotonic() - restarted
        total = counts(store)
        assert int(caught_up["MLFLOW_MIRRORED"]) == total["total"] == 15
        assert caught_up["MLFLOW_TARGET"] == status["target"]
        final = shopperd.status()
        assert final["health"] == "caught_up" and final["pending"]["total"] == 0
        assert final["mirrored"] == total and final["failures"] == []
        check_mirror(client, store, names)
        check_lineage(client, store, names)
        assert client.get_registered_model(names.model).aliases == {"champion": "3"}
        check_requests_once(server, log_start, store)
        assert len(daemon.events("mlflow-behind")) == 1 and len(daemon.events("mlflow-caught-up")) == 1
    finally:
        exit_status = daemon.stop()
    assert exit_status == 0, daemon.tail()
    assert daemon.events("service-failed") == []
    timings["total"] = time.monotonic() - started
    print("daemon scenario timings (s):", {key: round(value, 1) for key, value in timings.items()})
