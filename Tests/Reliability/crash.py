#!/usr/bin/env python3
"""Crash-consistency harness for `shopperd run` (docs/reliability.md, "Crash consistency").

Runs the real daemon binary on fresh inbox/outbox/state directories, drops a seeded stream of CSV
batches (stationary and drifted, labelled and unlabelled, invalid, exact duplicates), kills the
daemon with SIGKILL at seeded random moments, restarts it, and once the stream is over and the
daemon has drained, checks what must hold whatever the timing of the kills:

  (a) each input has exactly one outcome (predictions + report, the report alone for a labelled
      batch `stored` while there was no champion, or rejected.json; no `STEM~2`), the expected kind
      of outcome, and was filed exactly once (archive/ or quarantine/) with its bytes intact;
      nothing is left in the inbox or the claim area;
  (b) nothing temporary or partial is left: no hidden temporaries in the outbox or the state
      directory, every .csv parses with the expected number of rows, every .json parses;
  (c) the store holds one version per accepted (scored or stored) input, plus the bootstrap file;
      a stored batch has no predictions and its report says what the first champion waits for;
  (d) `PRAGMA integrity_check` is ok (and `foreign_key_check` is empty);
  (e) the stored predictions equal the predictions files, row for row;
  (f) the champion is a registered model whose file matches its SHA-256 and loads
      (`shopperd score` with it succeeds), and it served the last batch; no challenger alias is
      left; one model per retrain (plus the bootstrap champion), none registered twice;
  (g) every job in the store is marked delivered, one job per input;
  (h) every job has exactly one notification event (recorded in the job's own transaction), and no
      event names a job that does not exist.

The run opens with a prelude without a champion (no --bootstrap): labelled batches that are not
enough evidence for one (the February sessions, 3 buyers, and a batch of non-buyers only) are
dropped and killed around; each must get the `stored` outcome, once. Then the daemon is started
with --bootstrap, which trains the first champion on every stored labelled row.

After each kill (the daemon dead, before the restart) the state is inspected to tell which phase
the kill interrupted; the summary shows how the kills spread over claim, processing, training,
commit, outbox writing and filing.

Exit status: 0 when every invariant holds, 1 on a violation, 2 when the harness itself failed.
Standard library only; the store is read with Python's sqlite3.
"""

import argparse
import collections
import csv
import hashlib
import io
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(ROOT, "data", "online_shoppers_intention.csv")
# Settings that keep training fast in a debug build (DaemonWorkspace.quickSettings) and let a
# drifted batch of 100+ labelled rows retrain.
QUICK = ["--set", "training.grid=quick", "--set", "training.trees=20", "--set", "retrain.min-labelled-rows=100"]
PREDICTIONS_HEADER = ["row", "line", "probability", "label", "model_version", "prediction_id"]


class HarnessError(Exception):
    """The harness could not do its own work (not a daemon violation)."""


# ---------------------------------------------------------------------------------------------
# Batches


class Rows:
    """The bundled data split as the e2e tests split it (Tests/EndToEndTests/DaemonBatches.swift):
    three of every four Feb–Jul rows train the bootstrap champion, the fourth are stationary
    batches' pool, Nov/Dec rows drift."""

    def __init__(self):
        with open(DATA, encoding="utf-8") as f:
            lines = [line for line in f.read().split("\n") if line]
        self.header = lines[0]
        self.rows = lines[1:]
        month = self.header.split(",").index("Month")
        months = [row.split(",")[month] for row in self.rows]
        spring = [i for i, m in enumerate(months) if m in {"Feb", "Mar", "May", "June", "Jul"}]
        self.bootstrap = [i for n, i in enumerate(spring) if n % 4 != 0]
        self.stationary = [i for n, i in enumerate(spring) if n % 4 == 0]
        self.drifted = [i for i, m in enumerate(months) if m in {"Nov", "Dec"}]
        self.february = [i for i, m in enumerate(months) if m == "Feb"]
        revenue = self.header.split(",").index("Revenue")
        self.non_buyers = [i for i in self.stationary if self.rows[i].split(",")[revenue] == "FALSE"]

    def csv(self, indices, labelled):
        def cut(line):
            return line if labelled else line[: line.rindex(",")]
        return "\n".join([cut(self.header)] + [cut(self.rows[i]) for i in indices]) + "\n"


class Batch:
    def __init__(self, number, kind, name, content, rows, expect):
        self.number = number
        self.kind = kind          # stationary, stationary-labelled, drifted, drifted-labelled, invalid, duplicate
        self.name = name
        self.stem = name[:-4]
        self.content = content.encode("utf-8")
        self.rows = rows          # data rows (scored rows when accepted)
        self.expect = expect      # scored, stored, rejected or duplicate


def plan_prelude(rng, rows):
    """Labelled batches dropped while there is no champion, together not enough evidence for one
    (3 buyers): each is stored as data with a report and no predictions."""
    half = len(rows.february) // 2
    parts = [("feb-a", rows.february[:half]), ("feb-b", rows.february[half:]),
             ("no-buyers", sorted(rng.sample(rows.non_buyers, 80)))]
    return [Batch(n, "prelude-labelled", "a%04d-%s.csv" % (n, label), rows.csv(indices, True), len(indices), "stored")
            for n, (label, indices) in enumerate(parts, 1)]


def plan_batches(rng, rows, count):
    """A seeded stream of `count` batches. Accepted batches are random row samples (distinct
    contents); a `duplicate` repeats an earlier accepted batch's exact bytes under a new name."""
    weights = [("stationary", 34), ("stationary-labelled", 18), ("drifted", 12), ("drifted-labelled", 16),
               ("invalid", 12), ("duplicate", 8)]
    kinds = [k for k, w in weights for _ in range(w)]
    batches, accepted = [], []
    for number in range(1, count + 1):
        kind = rng.choice(kinds)
        if kind == "duplicate" and not accepted:
            kind = "stationary"
        name = "b%04d-%s.csv" % (number, kind)
        if kind == "duplicate":
            original = rng.choice(accepted)
            batches.append(Batch(number, kind, name, original.content.decode(), original.rows, "duplicate"))
            continue
        n = rng.randint(60, 240)
        if kind.startswith("drifted"):
            n = rng.randint(110, 240)   # enough labelled rows to retrain (retrain.min-labelled-rows=100)
        pool = rows.drifted if kind.startswith("drifted") else rows.stationary
        indices = sorted(rng.sample(pool, n))
        labelled = kind.endswith("labelled")
        if kind == "invalid":
            lines = rows.csv(indices, labelled=rng.random() < 0.5).split("\n")
            bad = rng.randint(1, n)
            cells = lines[bad].split(",")
            if rng.random() < 0.5:
                cells[6] = "abc"           # BounceRates not a number
            else:
                cells = cells[:-3]         # a short row
            lines[bad] = ",".join(cells)
            batches.append(Batch(number, kind, name, "\n".join(lines), n, "rejected"))
            continue
        batch = Batch(number, kind, name, rows.csv(indices, labelled), n, "scored")
        accepted.append(batch)
        batches.append(batch)
    return batches


# ---------------------------------------------------------------------------------------------
# The daemon


class Workspace:
    def __init__(self, root, binary):
        self.root = root
        self.binary = binary
        self.inbox = os.path.join(root, "inbox")
        self.outbox = os.path.join(root, "outbox")
        self.state = os.path.join(root, "state")
        self.claimed = os.path.join(self.inbox, ".shopperd", "claimed")
        self.store = os.path.join(self.state, "shopperd.sqlite")
        self.logs = os.path.join(root, "logs")
        for d in (self.inbox, self.logs):
            os.makedirs(d, exist_ok=True)
        self.process = None
        self.starts = 0

    def start(self, bootstrap):
        """Starts the daemon; `bootstrap` None starts it without --bootstrap (no champion)."""
        self.starts += 1
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("SHOPPERD_") and k not in
               ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM", "MLFLOW_TRACKING_URI", "INVOCATION_ID")}
        log = open(os.path.join(self.logs, "run-%04d.jsonl" % self.starts), "wb")
        args = ["nice", "-n", "10", self.binary, "run", "--inbox", self.inbox, "--outbox", self.outbox,
                "--state", self.state, "--log-target", "stderr"] + (["--bootstrap", bootstrap] if bootstrap else []) + QUICK
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, cwd=self.root)
        log.close()

    def kill(self):
        """SIGKILL; returns False when the daemon had already exited (a failure)."""
        alive = self.process.poll() is None
        if alive:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()
        return alive

    def stop(self, timeout=60):
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise HarnessError("the daemon did not stop within %d s of SIGTERM" % timeout)

    def reap(self):
        """Kills a daemon left running when the harness stops early (an error, ^C)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def drop(self, batch):
        """The safe way to deliver (docs/daemon.md): write under a hidden name, rename in."""
        hidden = os.path.join(self.inbox, ".incoming-" + batch.name)
        with open(hidden, "wb") as f:
            f.write(batch.content)
        os.rename(hidden, os.path.join(self.inbox, batch.name))

    def listing(self, *parts):
        path = os.path.join(self.root, *parts)
        return sorted(os.listdir(path)) if os.path.isdir(path) else []

    def outcomes(self):
        return sum(1 for n in self.listing("outbox") if n.endswith(".report.json") or n.endswith(".rejected.json"))

    def started(self):
        """Whether the current run logged `service-started` (its signal handlers are in place)."""
        try:
            with open(os.path.join(self.logs, "run-%04d.jsonl" % self.starts), "rb") as f:
                return b'"service-started"' in f.read()
        except OSError:
            return False

    def inbox_batches(self):
        return [n for n in self.listing("inbox") if not n.startswith(".")]


def connect(path):
    connection = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=30)
    connection.row_factory = sqlite3.Row
    return connection


# ---------------------------------------------------------------------------------------------
# Where a kill landed


def classify(ws, by_name, known_undelivered):
    """Which phase the kill interrupted, read from what it left (the daemon is dead)."""
    claimed = ws.listing("inbox", ".shopperd", "claimed")
    temps_out = [n for n in ws.listing("outbox") if n.startswith(".")]
    if not os.path.exists(ws.store):
        return "start-up (store not created)"
    with connect(ws.store) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"aliases", "jobs"} <= tables:
            return "start-up (store schema being created)"
        champion = db.execute("SELECT model_version FROM aliases WHERE alias = 'champion'").fetchone()
        if champion is None:
            stored = db.execute("SELECT COUNT(*) FROM jobs WHERE outcome = 'stored'").fetchone()[0]
            return "no champion yet (prelude: %d labelled batch%s stored as data)" % (stored, "" if stored == 1 else "es")
        jobs = {r["id"]: r for r in db.execute("SELECT id, outbox_stem, outcome, delivered_at FROM jobs")}
        undelivered = [r for r in jobs.values() if r["delivered_at"] is None]
    if any(n.startswith(".") for n in claimed):
        return "claim (sidecar being written)"
    data = sorted(n[:-5] for n in claimed if n.endswith(".data"))
    names = [n[:-5] for n in claimed if n.endswith(".name")]
    orphans = [i for i in names if i not in data]
    filed = set(n.split("--")[0] for n in ws.listing("state", "archive") + ws.listing("state", "quarantine"))
    for ident in orphans:
        return "filing (input moved, sidecar left)" if ident in filed else "claim (sidecar written, input not renamed)"
    if data:
        ident = data[0]
        job = jobs.get(ident)
        if job is None:
            try:
                with open(os.path.join(ws.claimed, ident + ".name"), "rb") as f:
                    kind = by_name[f.read().decode()].kind
            except (OSError, KeyError):
                kind = "?"
            if kind == "drifted-labelled":
                return "processing a drifted labelled batch (retrain, before commit)"
            if kind in ("invalid",):
                return "processing an invalid batch (before commit)"
            return "processing (read, validate, drift, score; before commit)"
        stem = job["outbox_stem"]
        wanted = {"scored": [stem + ".predictions.csv", stem + ".report.json"],
                  "stored": [stem + ".report.json"]}.get(job["outcome"], [stem + ".rejected.json"])
        present = [n for n in wanted if os.path.exists(os.path.join(ws.outbox, n))]
        if job["delivered_at"] is not None:
            return "filing (marked delivered, input not yet filed)"
        if temps_out:
            return "outbox write (temporary file being written)"
        if not present:
            return "committed, outbox not yet written"
        if len(present) < len(wanted):
            return "outbox write (predictions written, report not)"
        return "outbox written, not yet marked delivered"
    fresh = [r["id"] for r in undelivered if r["id"] not in known_undelivered]
    known_undelivered.update(r["id"] for r in undelivered)
    if fresh:
        return "filed but never marked delivered"
    if ws.inbox_batches():
        return "idle or start-up (arrivals not yet claimed)"
    return "idle (nothing in flight)"


# ---------------------------------------------------------------------------------------------
# The invariants


EXPECTED_FILES = {"scored": [".predictions.csv", ".report.json"], "stored": [".report.json"],
                  "rejected": [".rejected.json"], "duplicate": [".rejected.json"]}


def check(ws, batches, bootstrap_rows):
    violations = []

    def fail(code, message):
        violations.append("(%s) %s" % (code, message))

    by_stem = {b.stem: b for b in batches}
    # (a) inbox and claim area empty
    if ws.inbox_batches():
        fail("a", "inputs left in the inbox: %s" % ws.inbox_batches())
    if ws.listing("inbox", ".shopperd", "claimed"):
        fail("a", "entries left in the claim area: %s" % ws.listing("inbox", ".shopperd", "claimed"))
    # (a) one outcome per input, and only for inputs
    outbox = ws.listing("outbox")
    temps = [n for n in outbox if n.startswith(".")]
    if temps:
        fail("b", "temporaries left in the outbox: %s" % temps)
    produced = collections.defaultdict(list)
    for name in outbox:
        if name.startswith("."):
            continue
        for suffix in (".predictions.csv", ".report.json", ".rejected.json"):
            if name.endswith(suffix):
                produced[name[: -len(suffix)]].append(suffix)
                break
        else:
            fail("b", "unexpected file in the outbox: %s" % name)
    for stem in produced:
        if stem not in by_stem:
            fail("a", "outbox files for %s, which is no input (a second outcome?): %s" % (stem, produced[stem]))
    for b in batches:
        got = sorted(produced.get(b.stem, []))
        want = EXPECTED_FILES[b.expect]
        if got != sorted(want):
            fail("a", "%s (%s): outbox has %s, expected %s" % (b.name, b.kind, got, sorted(want)))
    # (a) filed exactly once, in the right place, bytes intact
    filed = collections.defaultdict(list)
    for place in ("archive", "quarantine"):
        for name in ws.listing("state", place):
            if name.startswith("."):
                fail("b", "temporary left in state/%s: %s" % (place, name))
                continue
            if "--" not in name or not name.endswith(".csv"):
                fail("a", "unexpected file in state/%s: %s" % (place, name))
                continue
            filed[name.split("--", 1)[1][:-4]].append((place, name))
    for stem in filed:
        if stem not in by_stem:
            fail("a", "state has a filed input %s that was never dropped" % stem)
    for b in batches:
        places = filed.get(b.stem, [])
        want = "archive" if b.expect in ("scored", "stored") else "quarantine"
        if len(places) != 1 or places[0][0] != want:
            fail("a", "%s (%s): filed as %s, expected once in %s/" % (b.name, b.kind, places, want))
            continue
        with open(os.path.join(ws.state, places[0][0], places[0][1]), "rb") as f:
            if f.read() != b.content:
                fail("a", "%s: the filed copy differs from the bytes dropped" % b.name)
    temps = [n for n in ws.listing("state") if n.startswith(".")]
    if temps:
        fail("b", "temporaries left in the state directory: %s" % temps)

    # (b) every outbox file parses fully
    parsed_csv = {}
    for stem, suffixes in produced.items():
        for suffix in suffixes:
            path = os.path.join(ws.outbox, stem + suffix)
            with open(path, "rb") as f:
                raw = f.read()
            if suffix.endswith(".json"):
                try:
                    report = json.loads(raw)
                except ValueError as e:
                    fail("b", "%s%s does not parse: %s" % (stem, suffix, e))
                    continue
                if suffix == ".report.json" and stem in by_stem and report.get("rows") != by_stem[stem].rows:
                    fail("b", "%s.report.json says %s rows, the input has %d" % (stem, report.get("rows"), by_stem[stem].rows))
                if re.search(rb':\s*"?-?(nan|inf)"?\s*[,\n}]', raw, re.IGNORECASE):
                    fail("b", "%s%s holds a NaN: undefined figures must be null" % (stem, suffix))
                if suffix == ".report.json" and stem in by_stem and by_stem[stem].expect == "stored":
                    evidence = report.get("evidence") or {}
                    if (report.get("outcome") != "stored" or report.get("decision") != "wait-for-champion"
                            or report.get("predictions_file") is not None or evidence.get("sufficient") is not False
                            or not evidence.get("needs")):
                        fail("c", "%s.report.json is not a stored outcome saying what the first champion waits for: "
                                  "outcome %s, decision %s, evidence %s" % (stem, report.get("outcome"), report.get("decision"), evidence))
            else:
                if not raw.endswith(b"\n"):
                    fail("b", "%s.predictions.csv does not end with a newline (partial?)" % stem)
                table = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
                if not table or table[0] != PREDICTIONS_HEADER:
                    fail("b", "%s.predictions.csv: header %s" % (stem, table[:1]))
                    continue
                body = table[1:]
                if stem in by_stem and len(body) != by_stem[stem].rows:
                    fail("b", "%s.predictions.csv has %d rows, the input %d" % (stem, len(body), by_stem[stem].rows))
                if any(len(r) != len(PREDICTIONS_HEADER) for r in body):
                    fail("b", "%s.predictions.csv has rows without %d cells" % (stem, len(PREDICTIONS_HEADER)))
                    continue
                parsed_csv[stem] = body

    # (c)–(g) the store
    with connect(ws.store) as db:
        result = [r[0] for r in db.execute("PRAGMA integrity_check")]
        if result != ["ok"]:
            fail("d", "PRAGMA integrity_check: %s" % result[:5])
        fk = db.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            fail("d", "PRAGMA foreign_key_check: %d rows, first %s" % (len(fk), tuple(fk[0])))
        versions = db.execute("SELECT COUNT(*) FROM batches").fetchone()[0]
        accepted = sum(1 for b in batches if b.expect in ("scored", "stored"))
        if versions != accepted + 1:
            fail("c", "the store has %d versions; %d accepted inputs + the bootstrap file = %d"
                 % (versions, accepted, accepted + 1))
        boot = db.execute("SELECT row_count FROM batches WHERE file_name = 'bootstrap.csv'").fetchall()
        if len(boot) != 1 or boot[0][0] != bootstrap_rows:
            fail("c", "the bootstrap file is not stored once (%s, expected one version of %d rows)" % ([r[0] for r in boot], bootstrap_rows))
        jobs = db.execute("SELECT id, input_name, outbox_stem, outcome, batch_version, model_version, row_count, "
                          "delivered_at FROM jobs").fetchall()
        by_input = collections.defaultdict(list)
        for job in jobs:
            by_input[bytes(job["input_name"]).decode("utf-8", "replace")].append(job)
        for b in batches:
            mine = by_input.get(b.name, [])
            if len(mine) != 1:
                fail("g", "%s has %d jobs in the store" % (b.name, len(mine)))
                continue
            job = mine[0]
            if job["outcome"] != b.expect:
                fail("a", "%s: job outcome %s, expected %s" % (b.name, job["outcome"], b.expect))
            if job["outbox_stem"] != b.stem:
                fail("a", "%s: outbox stem %s, expected %s" % (b.name, job["outbox_stem"], b.stem))
            if job["delivered_at"] is None:
                fail("g", "%s: job %s is not marked delivered" % (b.name, job["id"]))
            if job["outcome"] == "stored":
                n = db.execute("SELECT COUNT(*) FROM predictions WHERE batch_version = ?", (job["batch_version"],)).fetchone()[0]
                if job["model_version"] is not None or n != 0:
                    fail("c", "%s is stored (no champion yet) but has model %s and %d predictions" % (b.name, job["model_version"], n))
            if job["outcome"] in ("scored", "stored"):
                if job["row_count"] != b.rows:
                    fail("c", "%s: job has %d rows, the input %d" % (b.name, job["row_count"], b.rows))
                n = db.execute("SELECT row_count FROM batches WHERE version = ?", (job["batch_version"],)).fetchone()
                if n is None or n[0] != b.rows:
                    fail("c", "%s: store version %s has %s rows, the input %d" % (b.name, job["batch_version"], n and n[0], b.rows))
        for name in by_input:
            if name not in {b.name for b in batches}:
                fail("g", "a job for %s, which was never dropped" % name)
        scored_versions = [j["batch_version"] for j in jobs if j["outcome"] in ("scored", "stored")]
        if len(scored_versions) != len(set(scored_versions)):
            fail("c", "two jobs share a store version")
        # (e) stored predictions equal the files
        for job in jobs:
            if job["outcome"] != "scored" or job["outbox_stem"] not in parsed_csv:
                continue
            body = parsed_csv[job["outbox_stem"]]
            stored = db.execute("SELECT row_number, probability, label FROM predictions WHERE batch_version = ? "
                                "AND model_version = ? ORDER BY row_number", (job["batch_version"], job["model_version"])).fetchall()
            lines = [r[0] for r in db.execute("SELECT line FROM silver_rows WHERE version = ? ORDER BY id", (job["batch_version"],))]
            if len(stored) != len(body):
                fail("e", "%s: %d stored predictions, %d in the file" % (job["outbox_stem"], len(stored), len(body)))
                continue
            for (number, probability, label), (row, line, p, l, model, pid) in zip(stored, body):
                if (str(number) != row or float(p) != probability or (l == "TRUE") != bool(label)
                        or int(model) != job["model_version"] or int(line) != lines[number - 1]
                        or pid != "b%d-%d" % (job["batch_version"], number)):
                    fail("e", "%s row %s: file %s, store %s (line %s)" % (job["outbox_stem"], row, (row, line, p, l, model, pid),
                                                                          (number, probability, label), lines[number - 1]))
                    break
        # (f) the champion
        champion = db.execute("SELECT model_version FROM aliases WHERE alias = 'champion'").fetchone()
        challenger = db.execute("SELECT model_version FROM aliases WHERE alias = 'challenger'").fetchone()
        if challenger is not None:
            fail("f", "a challenger alias is left (v%s): a retrain's transaction was cut in half?" % challenger[0])
        if champion is None:
            fail("f", "no champion")
            champion_version = None
        else:
            champion_version = champion[0]
            model = db.execute("SELECT model_file, model_sha256 FROM models WHERE version = ?", (champion_version,)).fetchone()
            if model is None:
                fail("f", "the champion v%s is not a registered model" % champion_version)
            elif hashlib.sha256(model["model_file"]).hexdigest() != model["model_sha256"]:
                fail("f", "the champion v%s's model file does not match its SHA-256" % champion_version)
        models = db.execute("SELECT COUNT(*) FROM models").fetchone()[0]
        decisions = collections.Counter(r[0] for r in db.execute("SELECT decision FROM jobs"))
        retrains = decisions["retrain-promoted"] + decisions["retrain-kept"]
        if models != 1 + retrains:
            fail("c", "%d models registered; the bootstrap champion + %d retrains = %d" % (models, retrains, 1 + retrains))
        # (h) one notification event per job, written in the job's transaction
        unnotified = db.execute("""SELECT COUNT(*) FROM jobs j WHERE (SELECT COUNT(*) FROM notification_events e
                                     WHERE e.job_id = j.id) != 1""").fetchone()[0]
        if unnotified:
            fail("h", "%d jobs without exactly one notification event" % unnotified)
        orphans = db.execute("""SELECT COUNT(*) FROM notification_events e WHERE e.job_id IS NOT NULL
                                  AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = e.job_id)""").fetchone()[0]
        if orphans:
            fail("h", "%d notification events name no job" % orphans)
        last = db.execute("SELECT model_version FROM jobs WHERE outcome = 'scored' ORDER BY id DESC LIMIT 1").fetchone()
        if last is not None and champion_version is not None and last[0] != champion_version:
            fail("f", "the champion is v%s but the last batch was served by v%s" % (champion_version, last[0]))
    if champion_version is not None:
        sample = next((b for b in batches if b.expect == "scored"), None)
        if sample is not None:
            path = os.path.join(ws.root, "champion-check.csv")
            with open(path, "wb") as f:
                f.write(sample.content)
            run = subprocess.run([ws.binary, "score", path, "--state", ws.state, "--model", "champion"],
                                 capture_output=True, text=True, timeout=300)
            lines = [l for l in run.stdout.split("\n") if l]
            if run.returncode != 0 or len(lines) != sample.rows + 1 or not lines[-1].endswith(",%d," % champion_version):  # model_version, then an empty prediction_id
                fail("f", "`shopperd score --model champion` failed (status %d, %d lines): %s"
                     % (run.returncode, len(lines), run.stderr.strip()[:300]))
    return violations, {"versions": versions, "models": models, "champion": champion_version, "decisions": decisions}


# ---------------------------------------------------------------------------------------------
# The run


def wait_until(condition, timeout, every=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def snapshot(ws, mode):
    """What a targeted kill mode watches; it kills as soon as this changes."""
    if mode == "claim":
        return tuple(ws.listing("inbox", ".shopperd", "claimed"))
    if mode == "commit":
        try:
            info = os.stat(ws.store + "-wal")
            return (info.st_size, info.st_mtime_ns)
        except OSError:
            return None
    if mode == "outbox":
        return tuple(ws.listing("outbox"))
    if mode == "filing":
        return tuple(ws.listing("state", "archive") + ws.listing("state", "quarantine"))
    return None


def drained(ws, batches_dropped):
    return (ws.started() and not ws.inbox_batches() and not ws.listing("inbox", ".shopperd", "claimed")
            and ws.outcomes() >= batches_dropped)


def run(args):
    rng = random.Random(args.seed)
    rows = Rows()
    count = args.batches or (args.kills + args.kills // 2 + 6)
    batches = plan_batches(rng, rows, count)
    prelude = plan_prelude(random.Random(args.seed + 10007), rows)
    by_name = {b.name: b for b in prelude + batches}
    root = args.work or tempfile.mkdtemp(prefix="shopperd-crash-")
    os.makedirs(root, exist_ok=True)
    if os.listdir(root):
        raise HarnessError("%s is not empty: give --work a fresh directory" % root)
    ws = Workspace(root, os.path.abspath(args.binary))
    bootstrap = os.path.join(root, "bootstrap.csv")
    with open(bootstrap, "w", encoding="utf-8") as f:
        f.write(rows.csv(rows.bootstrap, labelled=True))

    try:
        started = time.monotonic()
        phases = collections.Counter()
        modes = collections.Counter()
        early_exits = 0
        dropped = 0
        known_undelivered = set()
        # Kill timing. `random`: a delay after the drops, uniform up to a window that follows how long
        # batches take here (so kills land mid-batch on a slow debug build as on a fast release one).
        # The other modes watch for the first sign of a short phase — a sidecar in the claim area, the
        # store's write-ahead log growing, a file (or hidden temporary) appearing in the outbox, an
        # input filed — and kill within a few milliseconds of it, so short phases get their share.
        per_batch = 0.3
        # The prelude: no champion yet, labelled batches that are not enough evidence for one.
        prelude_rng = random.Random(args.seed + 10007)
        ws.start(None)
        for b in prelude:
            ws.drop(b)
        for _ in range(args.prelude_kills):
            time.sleep(prelude_rng.uniform(0, 1.5))
            if not ws.kill():
                early_exits += 1
            phases[classify(ws, by_name, known_undelivered)] += 1
            modes["prelude"] += 1
            ws.start(None)
        if not wait_until(lambda: drained(ws, len(prelude)), timeout=args.drain_timeout, every=0.1):
            ws.stop()
            raise HarnessError("the prelude did not drain within %d s: %d of %d outcomes (see %s/logs)"
                               % (args.drain_timeout, ws.outcomes(), len(prelude), root))
        if ws.stop() != 0:
            raise HarnessError("the daemon did not exit 0 after the prelude (see %s/logs)" % root)
        ws.start(bootstrap)
        for k in range(1, args.kills + 1):
            mode = rng.choices(["random", "claim", "commit", "outbox", "filing", "start-up"], [35, 10, 15, 20, 10, 10])[0]
            if dropped >= len(batches) and mode != "start-up":
                mode = "random"   # nothing left to drop: a watched change might never come
            t0 = time.monotonic()
            outcomes_before = ws.outcomes()
            if mode != "start-up" and dropped < len(batches):
                group = rng.randint(1, 2)
                before = snapshot(ws, mode)
                for b in batches[dropped: dropped + group]:
                    ws.drop(b)
                dropped = min(len(batches), dropped + group)
            else:
                before = snapshot(ws, mode)
            if mode == "random":
                delay = rng.uniform(0, max(0.05, 2.5 * per_batch))
            elif mode == "start-up":
                delay = rng.uniform(0, 0.4)
            else:
                wait_until(lambda: snapshot(ws, mode) != before or ws.process.poll() is not None, timeout=60, every=0)
                delay = rng.uniform(0, 0.0015)
            time.sleep(delay)
            if not ws.kill():
                early_exits += 1
            phase = classify(ws, by_name, known_undelivered)
            phases[phase] += 1
            modes[mode] += 1
            elapsed = time.monotonic() - t0
            finished = ws.outcomes() - outcomes_before
            if finished > 0:
                per_batch = 0.7 * per_batch + 0.3 * min(elapsed / finished, 20.0)
            if args.verbose:
                print("kill %3d (%s, +%.0f ms): %s" % (k, mode, delay * 1000, phase), flush=True)
            if rng.random() < 0.2 and dropped < len(batches):
                ws.drop(batches[dropped])   # arrives while the daemon is down
                dropped += 1
            ws.start(bootstrap)
        for b in batches[dropped:]:
            ws.drop(b)
            time.sleep(rng.uniform(0, 0.02))
        dropped = len(batches)
        if not wait_until(lambda: drained(ws, dropped + len(prelude)), timeout=args.drain_timeout, every=0.1):
            ws.stop()
            raise HarnessError("the daemon did not drain within %d s: inbox %s, claimed %s, %d of %d outcomes (see %s/logs)"
                               % (args.drain_timeout, ws.inbox_batches()[:5], ws.listing("inbox", ".shopperd", "claimed")[:5],
                                  ws.outcomes(), dropped, root))
        status = ws.stop()
        violations, figures = check(ws, prelude + batches, len(rows.bootstrap))
        if status != 0:
            violations.append("the daemon exited with status %d after SIGTERM" % status)
        if early_exits:
            violations.append("the daemon had exited on its own before %d of the kills (see %s/logs)" % (early_exits, root))
        runtime = time.monotonic() - started

        kinds = collections.Counter(b.kind for b in prelude + batches)
        print("crash consistency: seed %d, %d kills, %d restarts, %d batches (%s), %.0f s"
              % (args.seed, args.kills, ws.starts - 1, len(batches), ", ".join("%d %s" % (n, k) for k, n in sorted(kinds.items())),
                 runtime))
        print("  store: %d versions, %d models, champion v%s; decisions: %s"
              % (figures["versions"], figures["models"], figures["champion"],
                 ", ".join("%s %d" % (d, n) for d, n in sorted(figures["decisions"].items()))))
        print("  kill modes: %s" % ", ".join("%s %d" % (m, n) for m, n in sorted(modes.items())))
        print("  where the kills landed:")
        for phase, n in phases.most_common():
            print("    %4d  %s" % (n, phase))
        if violations:
            print("  %d VIOLATIONS:" % len(violations))
            for v in violations[:50]:
                print("    " + v)
            print("  work directory kept: %s" % root)
            return 1
        print("  violations: 0")
        if not args.keep and not args.work:
            shutil.rmtree(root, ignore_errors=True)
        return 0
    finally:
        ws.reap()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "debug", "shopperd"))
    parser.add_argument("--kills", type=int, default=25)
    parser.add_argument("--prelude-kills", type=int, default=2, help="kills while there is no champion (default 2)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batches", type=int, default=0, help="default: 1.5 × kills + 6 (about what the rounds drop)")
    parser.add_argument("--work", help="directory to run in (must be empty; kept)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary work directory")
    parser.add_argument("--drain-timeout", type=int, default=900)
    parser.add_argument("--verbose", action="store_true", help="print each kill's phase")
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        print("crash.py: %s is not an executable: build it first (swift build --product shopperd)" % args.binary,
              file=sys.stderr)
        return 2
    try:
        return run(args)
    except HarnessError as e:
        print("crash.py: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
