"""Writes the Nov/Dec-vs-Feb–Jul drift case as two CSV files (standard library only):

    reference_feb_jul.csv   every Feb–Jul session of the bundled data (6,175 rows)
    current_nov_dec_200.csv 200 Nov/Dec sessions drawn with random.Random(7)

Usage: python3 bench/drift/make_novdec_case.py OUTDIR
Then:  shopperd drift --reference OUTDIR/reference_feb_jul.csv --current OUTDIR/current_nov_dec_200.csv --format html --out report.html
"""
import csv, pathlib, random, sys

root = pathlib.Path(__file__).resolve().parents[2]
out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
out.mkdir(parents=True, exist_ok=True)
with open(root / "data/online_shoppers_intention.csv", newline="") as f:
    rows = list(csv.reader(f))
header, body = rows[0], rows[1:]
month = header.index("Month")
reference = [r for r in body if r[month] in ("Feb", "Mar", "Apr", "May", "June", "Jul")]
shifted = [r for r in body if r[month] in ("Nov", "Dec")]
current = random.Random(7).sample(shifted, 200)
for name, data in (("reference_feb_jul.csv", reference), ("current_nov_dec_200.csv", current)):
    with open(out / name, "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([header] + data)
    print(f"{out / name}: {len(data)} rows")
