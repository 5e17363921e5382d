#!/usr/bin/env python3
"""Times scipy on the same inputs as `shopperd-bench drift`, in the same run, and prints ratios.

    python3 bench/compare_drift.py [--repeat N] [--no-build]

Creates its own virtualenv (.venv-drift-bench, git-ignored) with bench/drift/requirements.txt
the first time; builds and runs `shopperd-bench drift` in release, which writes the exact inputs
(float64 files, CSV batches) and its timings; then times scipy.stats.ks_2samp and an equivalent
17-feature scipy report (ks_2samp per numeric feature, chi2_contingency per categorical one,
Benjamini-Hochberg) on those inputs, checks that the numbers agree, and prints the table quoted
in docs/drift.md.
"""
import os, pathlib, subprocess, sys, venv

ROOT = pathlib.Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv-drift-bench"


def ensure_scipy():
    try:
        import scipy  # noqa: F401
        return
    except ImportError:
        pass
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {VENV} with scipy …", file=sys.stderr)
        venv.create(VENV, with_pip=True)
        subprocess.check_call([str(python), "-m", "pip", "install", "-q", "-r",
                               str(ROOT / "bench/drift/requirements.txt")])
    os.execv(str(python), [str(python), *sys.argv])


ensure_scipy()

import argparse, csv, json, statistics, tempfile, time  # noqa: E402
import numpy as np  # noqa: E402
import scipy  # noqa: E402
from scipy import stats  # noqa: E402

NUMERIC = ["Administrative", "Administrative_Duration", "Informational", "Informational_Duration",
           "ProductRelated", "ProductRelated_Duration", "BounceRates", "ExitRates", "PageValues", "SpecialDay"]
CATEGORICAL = ["Month", "OperatingSystems", "Browser", "Region", "TrafficType", "VisitorType", "Weekend"]


def timed(repeats, body):
    body()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        body()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e3, min(samples) * 1e3


def read_batch(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    numeric = {c: np.array([float(r[c]) for r in rows]) for c in NUMERIC}
    categorical = {c: np.array([r[c] for r in rows]) for c in CATEGORICAL}
    return numeric, categorical


def scipy_report(reference, current):
    p = []
    for c in NUMERIC:
        p.append(stats.ks_2samp(reference[0][c], current[0][c]).pvalue)
    for c in CATEGORICAL:
        labels, codes = np.unique(np.concatenate([reference[1][c], current[1][c]]), return_inverse=True)
        n = len(reference[1][c])
        table = np.vstack([np.bincount(codes[:n], minlength=len(labels)), np.bincount(codes[n:], minlength=len(labels))])
        p.append(stats.chi2_contingency(table, correction=False).pvalue)
    return stats.false_discovery_control(p, method="bh")


def agree(a, b):
    return a == b or abs(a - b) <= 1e-9 or abs(a - b) <= 1e-7 * abs(b)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--no-build", action="store_true")
    args = parser.parse_args()
    os.chdir(ROOT)
    if not args.no_build:
        subprocess.check_call(["swift", "build", "-c", "release", "--product", "shopperd-bench"])
    with tempfile.TemporaryDirectory() as directory:
        print(subprocess.check_output([".build/release/shopperd-bench", "drift", "--inputs", directory,
                                       "--repeat", str(args.repeat)], text=True))
        d = pathlib.Path(directory)
        swift = json.loads((d / "swift.json").read_text())
        load = lambda name: np.fromfile(d / f"{name}.f64", dtype="<f8")  # noqa: E731
        rows, mismatches = [], []
        for case in ["ks_normal", "ks_ties"]:
            x, y = load(f"{case}_x"), load(f"{case}_y")
            for method in ["auto", "asymp"]:
                key = f"{case}_{method}"
                result = stats.ks_2samp(x, y, method=method)
                s_stat, s_p = swift["values"][key]
                if not (abs(s_stat - result.statistic) <= 1e-12 and agree(s_p, result.pvalue)):
                    mismatches.append(f"{key}: swift ({s_stat}, {s_p}) scipy ({result.statistic}, {result.pvalue})")
                median, _ = timed(args.repeat, lambda: stats.ks_2samp(x, y, method=method))
                rows.append((f"KS 10,000 vs 10,000, {case[3:]} data, method={method}", swift["timings"][key]["median_ms"], median))
        reference, current = read_batch(d / "reference.csv"), read_batch(d / "current.csv")
        for c in NUMERIC:
            result = stats.ks_2samp(reference[0][c], current[0][c])
            s_stat, s_p = swift["values"][f"report_{c}"]
            if not (abs(s_stat - result.statistic) <= 1e-12 and agree(s_p, result.pvalue)):
                mismatches.append(f"report {c}: swift ({s_stat}, {s_p}) scipy ({result.statistic}, {result.pvalue})")
        median, _ = timed(max(args.repeat // 4, 5), lambda: scipy_report(reference, current))
        rows.append(("17-feature report, 10,000 vs 2,000 rows (reference prepared once)", swift["timings"]["report_check"]["median_ms"], median))
        rows.append(("17-feature report, 10,000 vs 2,000 rows (including reference preparation)", swift["timings"]["report_end_to_end"]["median_ms"], median))

    print(f"scipy {scipy.__version__}, numpy {np.__version__}, Python {sys.version.split()[0]}; medians of {args.repeat} runs\n")
    print("| case | Swift | scipy | scipy / Swift |")
    print("|---|---:|---:|---:|")
    for name, swift_ms, scipy_ms in rows:
        print(f"| {name} | {swift_ms:.3f} ms | {scipy_ms:.3f} ms | {scipy_ms / swift_ms:.1f}× |")
    print()
    print("results agree with scipy (statistic 1e-12, p 1e-9 abs or 1e-7 rel)" if not mismatches else
          "MISMATCHES:\n" + "\n".join(mismatches))
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
