"""Writes Tests/ShopperMLTests/Fixtures/sequential_golden.json: the sequential AUC test
(SequentialAUCTest.look) computed independently, for SequentialAUCTestTests.

    python3 bench/sequential_golden.py > Tests/ShopperMLTests/Fixtures/sequential_golden.json

Independent of the Swift code on every step: DeLong's AUCs and variance from the O(m·n) matrix of
pair kernels psi (1 above, 1/2 tie) and numpy's covariances (not mid-ranks); the confidence
sequence's radius not from its closed form but by solving the mixture likelihood ratio
Lambda(theta0) = 1/alpha for theta0 with scipy's brentq; log-loss and Brier from their definitions.
"""
import json
import math
import sys

import numpy as np
import scipy
from scipy.optimize import brentq

CLAMP = 1e-15


def delong(labels, a, b):
    pos, neg = labels, ~labels
    m, n = int(pos.sum()), int(neg.sum())
    if m == 0 or n == 0:
        return None

    def kernel(s):
        x, y = s[pos][:, None], s[neg][None, :]
        return (x > y) + 0.5 * (x == y)

    ka, kb = kernel(a), kernel(b)
    auc_a, auc_b = ka.mean(), kb.mean()
    # Structural components: buyer i's mean over non-buyers, non-buyer j's mean over buyers.
    v10 = np.vstack([ka.mean(axis=1), kb.mean(axis=1)])
    v01 = np.vstack([ka.mean(axis=0), kb.mean(axis=0)])
    s10 = np.cov(v10) if m > 1 else np.zeros((2, 2))
    s01 = np.cov(v01) if n > 1 else np.zeros((2, 2))
    s = s10 / m + s01 / n
    var = s[0, 0] + s[1, 1] - 2 * s[0, 1]
    return float(auc_a), float(auc_b), float(math.sqrt(max(0.0, var)))


def log_lambda(d, s, tau):
    """log of the normal-mixture likelihood ratio at theta0 = estimate - d."""
    s2, t2 = s * s, tau * tau
    return 0.5 * math.log(s2 / (s2 + t2)) + t2 * d * d / (2 * s2 * (s2 + t2))


def radius(s, alpha, tau):
    target = math.log(1 / alpha)
    hi = s
    while log_lambda(hi, s, tau) < target:
        hi *= 2
    return brentq(lambda d: log_lambda(d, s, tau) - target, 0.0, hi, xtol=1e-15, rtol=1e-15, maxiter=500)


def look(labels, a, b, settings):
    out = {"outcomes": int(labels.size), "positives": int(labels.sum()), "alpha": settings["alpha"],
           "mixing_sd": settings["mixing_sd"], "margin": settings["margin"]}
    p = np.clip(a, CLAMP, 1 - CLAMP), np.clip(b, CLAMP, 1 - CLAMP)
    y = labels.astype(float)
    if labels.size:
        for name, q, raw in (("champion", p[0], a), ("challenger", p[1], b)):
            out[f"{name}_log_loss"] = float(np.mean(-(y * np.log(q) + (1 - y) * np.log(1 - q))))
            out[f"{name}_brier"] = float(np.mean((raw - y) ** 2))
    d = delong(labels, a, b)
    lower = upper = None
    verdict = "too-few-outcomes"
    if d is not None:
        auc_a, auc_b, se = d
        diff = auc_b - auc_a
        out.update(champion_auc=auc_a, challenger_auc=auc_b, difference=diff, standard_error=se)
        m, n = int(labels.sum()), int((~labels).sum())
        if min(m, n) >= settings["minimum_per_class"]:
            verdict = "undecided"
            if se > 0:
                r = radius(se, settings["alpha"], settings["mixing_sd"])
                lower, upper = diff - r, diff + r
                if lower > settings["margin"]:
                    verdict = "better"
                elif upper < -settings["margin"]:
                    verdict = "worse"
    out.update(lower=lower, upper=upper, verdict=verdict)
    return out


def stream(rng, rows, rate, shift_a, shift_b, rho, decimals=None):
    """Labels, and two models' probabilities: normal scores with the buyers shifted, correlated noise."""
    labels = rng.uniform(size=rows) < rate
    z = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=rows)
    a = 1 / (1 + np.exp(-(z[:, 0] + shift_a * labels - 1.5)))
    b = 1 / (1 + np.exp(-(z[:, 1] + shift_b * labels - 1.5)))
    if decimals is not None:
        a, b = np.round(a, decimals), np.round(b, decimals)
    return labels, a, b


def main():
    rng = np.random.default_rng(20240917)
    standard = {"alpha": 0.05, "mixing_sd": 0.02, "minimum_per_class": 10, "margin": 0.0}
    cases = []

    def add(name, labels, a, b, settings, prefixes):
        looks = [look(labels[:k], a[:k], b[:k], settings) for k in prefixes]
        cases.append({"name": name, "settings": settings, "labels": labels.tolist(),
                      "champion": a.tolist(), "challenger": b.tolist(), "looks": looks})

    labels, a, b = stream(rng, 400, 0.2, 1.5, 1.5, 0.6)
    add("equal models, correlated", labels, a, b, standard, [5, 30, 60, 120, 250, 400])
    labels, a, b = stream(rng, 600, 0.2, 1.0, 2.0, 0.5)
    add("challenger clearly better", labels, a, b, standard, [40, 80, 150, 300, 600])
    labels, a, b = stream(rng, 600, 0.15, 2.0, 1.0, 0.5)
    add("challenger clearly worse, alpha 0.1, tau 0.03", labels, a, b,
        {"alpha": 0.1, "mixing_sd": 0.03, "minimum_per_class": 15, "margin": 0.0}, [60, 150, 300, 600])
    labels, a, b = stream(rng, 800, 0.3, 1.2, 1.5, 0.7, decimals=2)
    add("rounded scores with ties, margin 0.02", labels, a, b,
        {"alpha": 0.05, "mixing_sd": 0.02, "minimum_per_class": 10, "margin": 0.02}, [50, 200, 500, 800])
    labels, a, b = stream(rng, 300, 0.1, 1.5, 1.5, 0.6)
    add("the same model twice (standard error 0)", labels, a, a.copy(), standard, [50, 150, 300])
    labels, a, b = stream(rng, 200, 0.05, 2.0, 2.0, 0.0)
    add("few buyers", labels, a, b, standard, [1, 20, 100, 200])
    labels, a, b = stream(rng, 2000, 0.15, 1.3, 1.45, 0.8)
    add("2000 outcomes, small difference, tau 0.005", labels, a, b,
        {"alpha": 0.05, "mixing_sd": 0.005, "minimum_per_class": 10, "margin": 0.0}, [100, 500, 1000, 2000])
    # One case per line.
    generator = json.dumps(f"bench/sequential_golden.py (numpy {np.__version__}, scipy {scipy.__version__})")
    sys.stdout.write('{"generator": ' + generator + ', "cases": [\n' + ",\n".join(json.dumps(c) for c in cases) + "\n]}\n")


if __name__ == "__main__":
    main()
