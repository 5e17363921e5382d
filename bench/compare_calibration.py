"""Compares calibrations of the benchmarked forest's scores on scikit-learn's split (docs/forest.md,
Calibration): each is fitted on the out-of-bag raw scores of the 9,864 training rows and judged on
the 2,466 test rows by ECE (10 equal-width bins), Brier score and ROC AUC.

    SHOPPERD_CALIBRATION_DUMP=/tmp/calibration.csv swift test --filter ForestQualityTests
    python3 bench/compare_calibration.py /tmp/calibration.csv

- raw: the forest's mean leaf probability (balanced class weights);
- isotonic (step): scikit-learn's IsotonicRegression(out_of_bounds="clip"), flat within a block;
- isotonic (centres): shopperd's `ScoreCalibration`, straight lines between the blocks' centres;
- Platt: a logistic regression on the raw score (scikit-learn's CalibratedClassifierCV "sigmoid").
"""
import csv
import sys

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score


def ece(p, y, bins=10):
    index = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        mask = index == b
        if mask.any():
            total += mask.sum() / len(p) * abs(p[mask].mean() - y[mask].mean())
    return total


def centres(x, y):
    """shopperd's map: isotonic blocks (equal scores pooled), linear between block centres."""
    iso = IsotonicRegression(out_of_bounds="clip").fit(x, y)
    fitted = iso.predict(x)
    order = np.argsort(x, kind="stable")
    xs, fs = x[order], fitted[order]
    knots, values = [], []
    start = 0
    for i in range(1, len(xs) + 1):
        if i == len(xs) or fs[i] != fs[start]:
            knots.append(xs[start:i].mean())
            values.append(fs[start])
            start = i
    return lambda s: np.interp(s, knots, values), len(knots)


rows = list(csv.DictReader(open(sys.argv[1])))
oob = np.array([float(r["score"]) for r in rows if r["set"] == "oob"])
oob_y = np.array([int(r["label"]) for r in rows if r["set"] == "oob"])
test = np.array([float(r["score"]) for r in rows if r["set"] == "test"])
test_y = np.array([int(r["label"]) for r in rows if r["set"] == "test"])

step = IsotonicRegression(out_of_bounds="clip").fit(oob, oob_y)
centre, knots = centres(oob, oob_y)
platt = LogisticRegression(C=1e10).fit(oob.reshape(-1, 1), oob_y)
methods = {
    "raw": test,
    "isotonic (step)": step.predict(test),
    f"isotonic (centres, {knots} knots)": centre(test),
    "Platt": platt.predict_proba(test.reshape(-1, 1))[:, 1],
}
print(f"test rows {len(test)}, buying rate {test_y.mean():.4f}; out-of-bag rows {len(oob)}")
print(f"{'method':32} {'mean p':>7} {'ECE':>7} {'Brier':>7} {'ROC AUC':>8} {'distinct':>8}")
for name, p in methods.items():
    print(f"{name:32} {p.mean():7.4f} {ece(p, test_y):7.4f} {brier_score_loss(test_y, p):7.4f} "
          f"{roc_auc_score(test_y, p):8.5f} {len(np.unique(p)):8d}")
