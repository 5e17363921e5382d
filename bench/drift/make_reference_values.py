"""Writes Tests/ShopperDriftTests/Fixtures/scipy_reference_values.json: scipy's values for the
special functions and KS paths that the public golden fixture reaches only in a few points.

Run with the venv that has scipy 1.17:  .venv-scipy/bin/python bench/drift/make_reference_values.py
The Swift tests compare against these numbers (1e-9 absolute or 1e-7 relative, as the fixture).
"""
import json, math, pathlib
import numpy as np
import scipy
from scipy import special, stats

out = {"scipy": scipy.__version__, "kstwo_sf": [], "chi2_sf": [], "ks_2samp": []}

# kstwo.sf over every branch of Simard & L'Ecuyer's selection.
for n in [1, 2, 3, 4, 5, 7, 10, 20, 50, 100, 139, 140, 141, 200, 500, 1000, 3000, 10000, 100000, 100001, 400000]:
    xs = set()
    for t in [0.3, 0.5, 0.51, 0.75, 1.0, 1.5, 2.0]:
        xs.add(t / n)
    for nx2 in [0.05, 0.2, 0.5, 0.754, 0.76, 1.0, 1.5, 2.19, 2.2, 3.0, 3.99, 4.01, 6.0, 10, 17.9, 18.1, 50, 369, 371]:
        xs.add(math.sqrt(nx2 / n))
    for x in [0.05, 0.1, 0.2, 0.3, 0.45, 0.4999, 0.5, 0.6, 0.8, 0.95, 1 - 1 / n, 1 - 0.5 / n, 1.0]:
        xs.add(x)
    for x in sorted(xs):
        if 0 < x <= 1:
            out["kstwo_sf"].append({"n": n, "x": x, "sf": float(stats.kstwo.sf(x, n))})

# chi2.sf (chdtrc) across the igamc regions, including large dof near the mean.
for df in [1, 2, 3, 4, 5, 7, 9, 12, 19, 25, 30, 40, 41, 60, 100, 200, 400, 1000]:
    for ratio in [1e-6, 1e-3, 0.05, 0.2, 0.5, 0.8, 0.9, 0.95, 1.0, 1.05, 1.1, 1.3, 1.6, 2, 3, 5, 10, 40]:
        x = df * ratio
        out["chi2_sf"].append({"df": df, "x": x, "sf": float(stats.chi2.sf(x, df))})
    for x in [0.3, 0.6, 1.0, 1.2, 2.4]:
        out["chi2_sf"].append({"df": df, "x": x, "sf": float(stats.chi2.sf(x, df))})

# ks_2samp on deterministic pseudo-random data both sides can regenerate:
#   value(i, seed, modulus) = ((i * 7919 + seed * 104729) % 10007) % modulus / modulus (+ shift)
def sample(count, seed, modulus, shift):
    return [(((i * 7919 + seed * 104729) % 10007) % modulus) / modulus + shift for i in range(count)]

specs = [
    (30, 45, 1, 2, 1000, 0.0, 0.1), (100, 150, 3, 4, 10007, 0.0, 0.05), (64, 48, 5, 6, 20, 0.0, 0.0),
    (1000, 999, 7, 8, 10007, 0.0, 0.02), (2500, 1000, 9, 10, 50, 0.0, 0.0), (3000, 3000, 11, 12, 10007, 0.0, 0.03),
    (7, 13, 13, 14, 10007, 0.0, 0.4), (120, 80, 15, 16, 10007, 0.0, 0.5), (400, 40, 17, 18, 5, 0.0, 0.0),
    (10000, 10000, 19, 20, 10007, 0.0, 0.01), (9000, 2000, 21, 22, 10007, 0.0, 0.0),
    (12000, 300, 23, 24, 10007, 0.0, 0.05), (50000, 49999, 25, 26, 10007, 0.0, 0.005),
]
for (n1, n2, s1, s2, mod, sh1, sh2) in specs:
    x = sample(n1, s1, mod, sh1)
    y = sample(n2, s2, mod, sh2)
    for method in ["auto", "exact", "asymp"]:
        import warnings
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            r = stats.ks_2samp(x, y, method=method)
        out["ks_2samp"].append({
            "n1": n1, "n2": n2, "seed1": s1, "seed2": s2, "modulus": mod, "shift1": sh1, "shift2": sh2,
            "method": method, "statistic": float(r.statistic), "pvalue": float(r.pvalue),
            "location": float(r.statistic_location), "sign": int(r.statistic_sign),
            "warned": any("Switching" in str(w.message) for w in caught),
        })

# The exact two-sample tail P(D ≥ h/lcm) for random sizes and thresholds (m ≠ n: the band
# recursion; m = n: the closed form), straight from scipy's internals.
from scipy.stats._stats_py import _compute_prob_outside_square
from scipy.stats._stats_pythran import _compute_outer_prob_inside_method
rng = np.random.default_rng(11)
out["exact_outside"] = []
for _ in range(120):
    m, n = (int(v) for v in rng.integers(1, 2500, 2))
    if rng.random() < 0.2:
        n = m
    g = math.gcd(m, n)
    lcm = m // g * n
    h = int(rng.integers(1, max(2, lcm // 4)))
    p = _compute_prob_outside_square(m, h) if m == n else _compute_outer_prob_inside_method(m, n, g, h)
    out["exact_outside"].append({"m": m, "n": n, "h": h, "p": float(p)})

path = pathlib.Path(__file__).resolve().parents[2] / "Tests/ShopperDriftTests/Fixtures/scipy_reference_values.json"
path.write_text(json.dumps(out, indent=0))
print(f"wrote {path}: {len(out['kstwo_sf'])} kstwo, {len(out['chi2_sf'])} chi2, {len(out['ks_2samp'])} ks_2samp, {len(out['exact_outside'])} exact")
