"""Checks, with MLflow's own client, that a server holds exactly what a shopperd store holds.

Shared by every scenario (CLI sync today, the daemon's background mirror once `shopperd run`
lands): each compares the server with `StoreView`, so a scenario only has to produce a store and
let shopperd mirror it.
"""
from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path

from mlflow.tracking import MlflowClient

from shopperd_driver import Names, StoreView


def runs_by_entity(client: MlflowClient, experiment: str) -> dict[str, object]:
    """Every run of `experiment` by its `shopperd.entity` tag; fails on a duplicate."""
    found = client.get_experiment_by_name(experiment)
    assert found is not None, f"experiment {experiment} is missing"
    runs = client.search_runs([found.experiment_id], max_results=5000)
    entities = Counter(run.data.tags.get("shopperd.entity") for run in runs)
    duplicates = {entity: count for entity, count in entities.items() if count > 1}
    assert not duplicates, f"duplicate runs in {experiment}: {duplicates}"
    return {run.data.tags["shopperd.entity"]: run for run in runs}


def check_training_runs(client: MlflowClient, store: StoreView, names: Names) -> dict[int, object]:
    models = store.models()
    runs = runs_by_entity(client, names.training)
    assert sorted(runs) == sorted(f"model:{m['version']}" for m in models)
    by_version = {}
    for model in models:
        run = runs[f"model:{model['version']}"]
        by_version[model["version"]] = run
        meta = model["file"]["metadata"]
        assert run.info.status == "FINISHED"
        # Metrics are shopperd's own figures, bit for bit.
        holdout = meta["holdout"]
        expected = {
            "holdout.roc_auc": holdout["rocAUC"], "holdout.average_precision": holdout["averagePrecision"],
            "holdout.precision": holdout["precision"], "holdout.recall": holdout["recall"],
            "holdout.f1": holdout["f1"], "holdout.accuracy": holdout["accuracy"],
            "holdout.rows": holdout["rows"], "holdout.true_positives": holdout["confusion"]["truePositives"],
            "oob.roc_auc": meta["outOfBag"]["rocAUC"], "threshold.recall": meta["thresholdChoice"]["recall"],
        }
        for importance in meta["importances"]:
            expected[f"importance.{importance['feature']}"] = importance["meanDecreaseImpurity"]
        for key, value in expected.items():
            assert run.data.metrics.get(key) == value, f"model {model['version']} {key}: {run.data.metrics.get(key)} != {value}"
        tuning = client.get_metric_history(run.info.run_id, "tuning.roc_auc")
        assert [(m.step, m.value) for m in sorted(tuning, key=lambda m: m.step)] == \
            [(step, trial["rocAUC"]) for step, trial in enumerate(meta["tuning"])]
        params = run.data.params
        assert float(params["threshold"]) == model["file"]["threshold"]
        assert params["tree_count"] == str(model["file"]["parameters"]["treeCount"])
        assert params["seed"] == str(model["seed"])
        assert params["training_store_version"] == str(model["training_store_version"])
        assert params["training_rows"] == str(model["training_row_count"])
        tags = run.data.tags
        assert tags["shopperd.store_version"] == str(model["training_store_version"])
        assert tags["shopperd.seed"] == str(model["seed"])
        assert tags["shopperd.code_version"] == model["code_version"]
        assert tags["shopperd.model_sha256"] == model["model_sha256"]
        # Artifacts: the model file byte for byte, and the metrics JSON.
        listed = {a.path for a in client.list_artifacts(run.info.run_id)}
        assert {"model", "metrics.json", "registry"} <= listed, listed
        with tempfile.TemporaryDirectory() as directory:
            path = client.download_artifacts(run.info.run_id, "model/model.json", directory)
            assert Path(path).read_bytes() == model["model_file"]
            metrics = json.loads(Path(client.download_artifacts(run.info.run_id, "metrics.json", directory)).read_text())
            assert metrics["metadata"]["holdout"] == holdout
    return by_version


def check_registry(client: MlflowClient, store: StoreView, names: Names, runs: dict[int, object]) -> None:
    versions = client.search_model_versions(f"name = '{names.model}'")
    assert len(versions) == len(runs), f"{len(versions)} registered versions for {len(runs)} models"
    by_run = {v.run_id: v for v in versions}
    assert len(by_run) == len(versions), "two versions of one run"
    mlflow_version = {}
    for shopperd_version, run in runs.items():
        version = by_run[run.info.run_id]
        assert version.source == f"runs:/{run.info.run_id}/model"
        assert version.tags["shopperd.model_version"] == str(shopperd_version)
        mlflow_version[shopperd_version] = version.version
    registered = client.get_registered_model(names.model)
    expected = {alias: mlflow_version[model] for alias, model in store.aliases().items()}
    assert registered.aliases == expected, f"{registered.aliases} != {expected}"


def check_monitoring_runs(client: MlflowClient, store: StoreView, names: Names) -> None:
    jobs = store.drift_jobs()
    runs = runs_by_entity(client, names.monitoring) if jobs else {}
    assert sorted(runs) == sorted(f"job:{j['id']}" for j in jobs)
    for job in jobs:
        run = runs[f"job:{job['id']}"]
        drift = job["drift"]
        assert run.info.status == "FINISHED"
        assert run.data.metrics["critical_drift"] == (1.0 if drift["critical_drift"] else 0.0)
        for column in drift["columns"]:
            assert run.data.metrics[f"p_value.{column['column']}"] == column["p_value"]
            assert run.data.metrics[f"p_adjusted.{column['column']}"] == column["p_adjusted"]
        assert run.data.params["decision"] == job["decision"]
        assert run.data.params["batch_version"] == str(job["batch_version"])
        assert run.data.tags["shopperd.critical_drift"] == str(drift["critical_drift"]).lower()
        listed = {a.path for a in client.list_artifacts(run.info.run_id)}
        assert {"drift_report.html", "drift_report.json", "report.json"} <= listed, listed
        with tempfile.TemporaryDirectory() as directory:
            html = Path(client.download_artifacts(run.info.run_id, "drift_report.html", directory)).read_text()
            assert "<!doctype html>" in html and (f"reference {drift['reference_rows']} rows" in html or f"of {drift['reference_rows']} rows (matched on" in html)


def check_mirror(client: MlflowClient, store: StoreView, names: Names) -> None:
    """The server holds every model, version, alias and drift check of the store, each once."""
    runs = check_training_runs(client, store, names)
    check_registry(client, store, names, runs)
    check_monitoring_runs(client, store, names)
