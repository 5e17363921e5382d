#!/usr/bin/env python3
"""Helper of bench/serve_vs_mlflow.sh: data, the scikit-learn model, server start-up, hey parsing, the table.

Subcommands (run with the MLflow virtualenv's python; only `prepare` and `train-mlflow` need pandas,
scikit-learn and mlflow, the others are standard library):

  prepare --out DIR          scikit-learn's split of the bundled data (train_test_split(test_size=0.2,
                             random_state=42, stratify=Revenue), as bench/compare_forest.py makes it):
                             DIR/train.csv and DIR/test.csv (the 18 published columns, cells as published),
                             and the request bodies, from the test rows in scikit-learn's order:
                             row.json ({"dataframe_records": [first test row]}), records-1000.json,
                             split-1000.json ({"dataframe_split": …}) and rows-1000.csv (header, no Revenue).
  train-mlflow --train CSV --out DIR
                             fits Pipeline(one-hot Month/VisitorType/Weekend, RandomForestClassifier(
                             n_estimators=100, random_state=42)) on the 17 raw columns and saves it with
                             mlflow.sklearn.save_model (signature inferred, pyfunc answers predict_proba).
  launch --pidfile F --log F --url URL --body F --content-type T [--timeout S] -- CMD...
                             starts CMD in a session of its own (stdout and stderr to F), writes its PID at
                             once, POSTs the body every 5 ms until a 200, prints the seconds from the spawn
                             to that answer; the server keeps running (the caller stops it by its group).
  check --url URL --body F --content-type T
                             one request; prints the status and the first 300 characters of the answer.
  memory PID                 VmRSS and VmHWM (kB) of PID and every descendant, as JSON.
  record --results F --server S --case C [--hey FILE] [--value V] [--load L]
                             appends one measurement (hey's summary parsed, or one value) to a JSON-lines file.
  report --results F --out FILE
                             prints the markdown table (both servers, ratios) and writes it to FILE.
"""
import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "data", "online_shoppers_intention.csv")
INPUTS = ["Administrative", "Administrative_Duration", "Informational", "Informational_Duration", "ProductRelated",
          "ProductRelated_Duration", "BounceRates", "ExitRates", "PageValues", "SpecialDay", "Month",
          "OperatingSystems", "Browser", "Region", "TrafficType", "VisitorType", "Weekend"]
INTEGERS = ["Administrative", "Informational", "ProductRelated", "OperatingSystems", "Browser", "Region", "TrafficType"]
FLOATS = ["Administrative_Duration", "Informational_Duration", "ProductRelated_Duration", "BounceRates", "ExitRates",
          "PageValues", "SpecialDay"]
CATEGORIES = ["Month", "VisitorType", "Weekend"]
BATCH_ROWS = 1000


def read_split():
    import pandas as pd
    from sklearn.model_selection import train_test_split
    raw = pd.read_csv(DATA, dtype=str, keep_default_na=False)
    return train_test_split(raw, test_size=0.2, random_state=42, stratify=raw["Revenue"])


def typed(frame):
    """The 17 inputs with JSON-friendly types: whole numbers, floats, strings and a boolean Weekend."""
    x = frame[INPUTS].copy()
    for column in INTEGERS:
        x[column] = x[column].astype("int64")
    for column in FLOATS:
        x[column] = x[column].astype("float64")
    x["Weekend"] = x["Weekend"].str.upper() == "TRUE"
    return x


def records(frame):
    """Plain Python rows (int, float, str, bool), so json.dumps writes 0 for a count and 0.0 for a rate."""
    out = []
    for row in frame.itertuples(index=False):
        record = {}
        for column, value in zip(frame.columns, row):
            if column in INTEGERS:
                record[column] = int(value)
            elif column in FLOATS:
                record[column] = float(value)
            elif column == "Weekend":
                record[column] = bool(value)
            else:
                record[column] = str(value)
        out.append(record)
    return out


def prepare(args):
    os.makedirs(args.out, exist_ok=True)
    train, test = read_split()
    train.to_csv(os.path.join(args.out, "train.csv"), index=False)
    test.to_csv(os.path.join(args.out, "test.csv"), index=False)
    rows = records(typed(test.iloc[:BATCH_ROWS]))
    with open(os.path.join(args.out, "row.json"), "w") as f:
        json.dump({"dataframe_records": rows[:1]}, f)
    with open(os.path.join(args.out, "records-1000.json"), "w") as f:
        json.dump({"dataframe_records": rows}, f)
    with open(os.path.join(args.out, "split-1000.json"), "w") as f:
        json.dump({"dataframe_split": {"columns": INPUTS, "data": [[r[c] for c in INPUTS] for r in rows]}}, f)
    test.iloc[:BATCH_ROWS][INPUTS].to_csv(os.path.join(args.out, "rows-1000.csv"), index=False)
    print(f"split: {len(train)} training rows ({(train['Revenue'] == 'TRUE').sum()} buyers), {len(test)} test rows; "
          f"bodies from the first {BATCH_ROWS} test rows")


def train_mlflow(args):
    import mlflow
    import mlflow.sklearn
    import pandas as pd
    import sklearn
    from mlflow.models import infer_signature
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    frame = pd.read_csv(args.train, dtype=str, keep_default_na=False)
    x = typed(frame)
    y = (frame["Revenue"].str.upper() == "TRUE").astype(int)
    encode = ColumnTransformer([("categories", OneHotEncoder(handle_unknown="ignore"), CATEGORIES)],
                               remainder="passthrough")
    model = Pipeline([("encode", encode),
                      ("forest", RandomForestClassifier(n_estimators=100, random_state=42, n_jobs=2))])
    started = time.perf_counter()
    model.fit(x, y)
    fitted = time.perf_counter() - started
    model.set_params(forest__n_jobs=None)  # serve one row on one thread, as scikit-learn does by default
    with warnings.catch_warnings():  # "integer columns cannot represent missing values": there are none
        warnings.simplefilter("ignore", UserWarning)
        signature = infer_signature(x, model.predict_proba(x.iloc[:5]))
    # MLflow 3 saves with skops by default, which refuses a forest's node arrays unless they are trusted.
    mlflow.sklearn.save_model(model, args.out, signature=signature, pyfunc_predict_fn="predict_proba",
                              skops_trusted_types=["sklearn.tree._tree.Tree"])
    nodes = sum(tree.tree_.node_count for tree in model.named_steps["forest"].estimators_)
    print(f"scikit-learn {sklearn.__version__} RandomForestClassifier(n_estimators=100) fitted in {fitted:.1f} s on "
          f"{len(x)} rows ({nodes:,} nodes); saved with mlflow {mlflow.__version__} (skops)")


def post(url, body, content_type, timeout=30.0):
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request("POST", parts.path, body=body, headers={"Content-Type": content_type})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def launch(args):
    with open(args.body, "rb") as f:
        body = f.read()
    log = open(args.log, "wb")
    started = time.perf_counter()
    command = args.server[1:] if args.server[:1] == ["--"] else args.server
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               start_new_session=True)
    with open(args.pidfile, "w") as f:
        f.write(f"{process.pid}\n")
    deadline = started + args.timeout
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            sys.exit(f"launch: the server exited with status {process.returncode} before answering (log: {args.log})")
        try:
            status, _ = post(args.url, body, args.content_type, timeout=args.timeout)
            if status == 200:
                print(f"{time.perf_counter() - started:.3f}")
                return
        except OSError:
            pass
        time.sleep(0.005)
    sys.exit(f"launch: no 200 from {args.url} within {args.timeout:.0f} s (log: {args.log})")


def check(args):
    with open(args.body, "rb") as f:
        status, answer = post(args.url, f.read(), args.content_type)
    text = answer.decode("utf-8", "replace")
    print(f"HTTP {status}, {len(answer)} bytes: {text[:300]}{'…' if len(text) > 300 else ''}")
    if status != 200:
        sys.exit(1)


def descendants(pid):
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        parent = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(parent, []).append(int(entry))
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        queue.extend(children.get(current, []))
    return found


def memory(args):
    processes = []
    for pid in descendants(args.pid):
        fields = {}
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    key, _, value = line.partition(":")
                    fields[key] = value.strip()
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                command = f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        except OSError:
            continue
        kb = lambda key: int(fields.get(key, "0 kB").split()[0])
        processes.append({"pid": pid, "rss_kb": kb("VmRSS"), "hwm_kb": kb("VmHWM"), "command": command[:120]})
    print(json.dumps({"rss_kb": sum(p["rss_kb"] for p in processes), "hwm_kb": sum(p["hwm_kb"] for p in processes),
                      "processes": processes}))


def parse_hey(text):
    def seconds(pattern):
        match = re.search(pattern, text)
        return float(match.group(1)) if match else float("nan")
    statuses = {int(code): int(count) for code, count in re.findall(r"\[(\d{3})\]\s+(\d+) responses", text)}
    _, _, error_section = text.partition("Error distribution:")
    errors = sum(int(n) for n in re.findall(r"^\s*\[(\d+)\]", error_section, re.MULTILINE))
    ok = sum(n for code, n in statuses.items() if 200 <= code < 300)
    return {"rps": seconds(r"Requests/sec:\s+([\d.]+)"), "mean_s": seconds(r"Average:\s+([\d.]+) secs"),
            "p50_s": seconds(r"50%+ in ([\d.]+) secs"), "p99_s": seconds(r"99%+ in ([\d.]+) secs"),
            "slowest_s": seconds(r"Slowest:\s+([\d.]+) secs"),
            "ok": ok, "failed": sum(statuses.values()) - ok + errors, "statuses": statuses}


def record(args):
    entry = {"server": args.server, "case": args.case, "load": args.load}
    if args.hey:
        with open(args.hey) as f:
            entry.update(parse_hey(f.read()))
    if args.value is not None:
        entry["value"] = json.loads(args.value)
    with open(args.results, "a") as f:
        f.write(json.dumps(entry) + "\n")
    if args.hey:
        print(f"  {args.server} {args.case}: {entry['rps']:,.1f} req/s, p50 {entry['p50_s'] * 1000:.1f} ms, "
              f"p99 {entry['p99_s'] * 1000:.1f} ms, {entry['failed']} failed of {entry['ok'] + entry['failed']}")


def report(args):
    entries = {}
    meta = {}
    with open(args.results) as f:
        for line in f:
            e = json.loads(line)
            if e["server"] == "meta":
                meta[e["case"]] = e["value"]
            else:
                entries[(e["server"], e["case"])] = e

    def get(server, case):
        return entries.get((server, case))

    def fmt_number(v, digits=0):
        return "—" if v is None or v != v else f"{v:,.{digits}f}"

    def fmt_rate(v):
        return fmt_number(v, 1 if v is not None and v < 100 else 0)

    def p99(e):
        """hey prints no 99th percentile under 100 requests: the slowest stands in (an upper bound)."""
        if not e:
            return None
        return e["p99_s"] if e["p99_s"] == e["p99_s"] and e["p99_s"] > 0 else e.get("slowest_s")

    def fmt_p99(e):
        if not e:
            return "—"
        exact = e["p99_s"] == e["p99_s"] and e["p99_s"] > 0
        return fmt_ms(p99(e)) + ("" if exact else f" (slowest of {e['ok'] + e['failed']})")

    def fmt_ms(v):
        if v is None or v != v:
            return "—"
        return f"{v * 1000:,.1f} ms" if v < 1 else f"{v:,.2f} s"

    def ratio(a, b, digits=None):
        if a is None or b is None or a != a or b != b or b == 0:
            return "—"
        r = a / b
        if digits is None:
            digits = 0 if r >= 100 else (1 if r >= 1 else 3 if r >= 0.01 else 4)
        return f"{r:,.{digits}f}×"

    def load_of(case_a, case_b):
        a, b = get("shopperd", case_a), get("mlflow", case_b)
        return f"{a['load'] if a else '—'} / {b['load'] if b else '—'}"

    rows = []
    for label, case in (("one row, 1 connection", "c1"), ("one row, 32 connections", "c32")):
        s, m = get("shopperd", case), get("mlflow", case)
        sv = lambda e, k: e[k] if e else None
        rows.append((f"{label}: requests/s", fmt_rate(sv(s, "rps")), fmt_rate(sv(m, "rps")),
                     ratio(sv(s, "rps"), sv(m, "rps")), "higher", load_of(case, case)))
        rows.append((f"{label}: p50", fmt_ms(sv(s, "p50_s")), fmt_ms(sv(m, "p50_s")),
                     ratio(sv(s, "p50_s"), sv(m, "p50_s")), "lower", ""))
        rows.append((f"{label}: p99", fmt_p99(s), fmt_p99(m), ratio(p99(s), p99(m)), "lower", ""))
        rows.append((f"{label}: failed (non-2xx or error)",
                     f"{sv(s, 'failed')} of {sv(s, 'ok') + sv(s, 'failed')}" if s else "—",
                     f"{sv(m, 'failed')} of {sv(m, 'ok') + sv(m, 'failed')}" if m else "—", "", "", ""))
    m_split = get("mlflow", "batch-split")  # also the mean time per request below
    for connections, suffix in (("1 connection", ""), ("2 connections", "-c2")):
        m = get("mlflow", "batch-split" + suffix)
        m_rows = m["rps"] * BATCH_ROWS if m else None
        for form, case in (("rows/s, `dataframe_split` (both)", "batch-split"),
                           ("rows/s (shopperd `text/csv`; MLflow `dataframe_split`)", "batch-csv"),
                           ("rows/s (shopperd `dataframe_records`; MLflow `dataframe_split`)", "batch-records")):
            s = get("shopperd", case + suffix)
            s_rows = s["rps"] * BATCH_ROWS if s else None
            rows.append((f"1,000 rows, {connections}: {form}", fmt_number(s_rows), fmt_number(m_rows), ratio(s_rows, m_rows),
                         "higher", load_of(case + suffix, "batch-split" + suffix)))
    rows.append(("1,000 rows: mean time per request (split / csv / records; split)",
                 " / ".join(fmt_ms(get("shopperd", c)["mean_s"]) if get("shopperd", c) else "—"
                            for c in ("batch-split", "batch-csv", "batch-records")),
                 fmt_ms(m_split["mean_s"]) if m_split else "—", "", "lower", ""))
    def failed(server, case):  # failed requests at 1 and 2 connections together
        found = [e["failed"] for e in (get(server, case), get(server, case + "-c2")) if e]
        return str(sum(found)) if found else "—"
    rows.append(("1,000 rows: failed, 1 and 2 connections (split / csv / records; split)",
                 " / ".join(failed("shopperd", c) for c in ("batch-split", "batch-csv", "batch-records")),
                 failed("mlflow", "batch-split"), "", "", ""))
    s_cold, m_cold = get("shopperd", "cold-start"), get("mlflow", "cold-start")
    rows.append(("cold start: process spawn to first 200 (one row)", fmt_ms(s_cold["value"] if s_cold else None),
                 fmt_ms(m_cold["value"] if m_cold else None),
                 ratio(s_cold["value"] if s_cold else None, m_cold["value"] if m_cold else None), "lower",
                 load_of("cold-start", "cold-start")))
    s_mem, m_mem = get("shopperd", "memory"), get("mlflow", "memory")
    for key, label in (("rss_kb", "resident memory after the loads (VmRSS, process tree)"),
                       ("hwm_kb", "peak resident memory (VmHWM, summed over the tree)")):
        a = s_mem["value"][key] / 1024 if s_mem else None
        b = m_mem["value"][key] / 1024 if m_mem else None
        rows.append((label, f"{fmt_number(a, 1)} MB", f"{fmt_number(b, 1)} MB", ratio(a, b), "lower", ""))

    header = ("measure", "shopperd", "MLflow 3.17.2", "shopperd / MLflow", "better", "load average (1 min) before: shopperd / MLflow")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    notes = [f"- {key}: {value}" for key, value in meta.items()]
    if m_mem:
        def program(command):  # "…/python3 …/bin/uvicorn --host …" → "uvicorn --host …"
            words = command.split()
            if words and os.path.basename(words[0]).startswith("python") and len(words) > 1:
                words = words[1:]
            return " ".join([os.path.basename(words[0])] + words[1:4]) if words else "?"
        notes.append("- MLflow's process tree after the loads: " + "; ".join(
            f"{p['rss_kb'] / 1024:.0f} MB `{program(p['command'])}`" for p in m_mem["value"]["processes"]))
    text = "\n".join(lines) + "\n\n" + "\n".join(notes) + "\n"
    print(text)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("prepare")
    p.add_argument("--out", required=True)
    p.set_defaults(run=prepare)
    p = commands.add_parser("train-mlflow")
    p.add_argument("--train", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(run=train_mlflow)
    p = commands.add_parser("launch")
    for name in ("--pidfile", "--log", "--url", "--body", "--content-type"):
        p.add_argument(name, required=True)
    p.add_argument("--timeout", type=float, default=120.0)
    p.add_argument("server", nargs=argparse.REMAINDER, help="-- then the server's command line")
    p.set_defaults(run=launch)
    p = commands.add_parser("check")
    for name in ("--url", "--body", "--content-type"):
        p.add_argument(name, required=True)
    p.set_defaults(run=check)
    p = commands.add_parser("memory")
    p.add_argument("pid", type=int)
    p.set_defaults(run=memory)
    p = commands.add_parser("record")
    for name in ("--results", "--server", "--case"):
        p.add_argument(name, required=True)
    p.add_argument("--hey")
    p.add_argument("--value")
    p.add_argument("--load", default="")
    p.set_defaults(run=record)
    p = commands.add_parser("report")
    p.add_argument("--results", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(run=report)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
