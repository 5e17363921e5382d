#!/usr/bin/env python3
"""Writes the batches ci/systemd-stage.sh drops into the inbox, from the bundled data set.

    python3 make_batches.py DATA.csv OUTDIR

Disjoint slices of one seeded shuffle, so no batch repeats another's bytes unless it is meant to
(scored-again.csv is scored.csv under another name: the duplicate). Unlabelled batches have no
Revenue column. The drifting batches shift behaviour columns (PageValues, ProductRelated_Duration,
BounceRates), not calendar ones, so they drift whatever rule the calendar columns follow.
"""
import csv
import io
import random
import sys

source, out = sys.argv[1], sys.argv[2]
with open(source, newline="") as handle:
    reader = csv.reader(handle)
    header = next(reader)
    rows = [row for row in reader if row]
random.Random(14).shuffle(rows)
revenue = header.index("Revenue")


def take(count):
    global rows
    chosen, rows = rows[:count], rows[count:]
    return chosen


def write(name, columns, body):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(body)
    with open(f"{out}/{name}", "w", newline="") as handle:
        handle.write(buffer.getvalue())


def unlabelled(name, count):
    keep = [i for i in range(len(header)) if i != revenue]
    write(name, [header[i] for i in keep], [[row[i] for i in keep] for row in take(count)])


def drifting(name, count, factor):
    shifted = []
    for row in take(count):
        row = list(row)
        for column, scale, offset in (("PageValues", factor, 20.0), ("ProductRelated_Duration", factor, 0.0),
                                      ("BounceRates", 1.0 / factor, 0.0)):
            i = header.index(column)
            row[i] = repr(float(row[i]) * scale + offset)
        shifted.append(row)
    write(name, header, shifted)


write("bootstrap.csv", header, take(6000))
unlabelled("scored.csv", 500)
with open(f"{out}/scored.csv") as a, open(f"{out}/scored-again.csv", "w") as b:
    b.write(a.read())
with open(f"{out}/rejected.csv", "w") as handle:
    handle.write(",".join(header) + "\nx,y\n")
drifting("drifting.csv", 400, 4.0)
# Drifted and labelled: they retrain, which the watchdog and stop checks make slow with settings.
drifting("hang-watchdog.csv", 400, 10.0)
drifting("slow-stop.csv", 400, 12.0)
unlabelled("kill-scored.csv", 200)
drifting("kill-drifting.csv", 400, 6.0)
# Drifted and labelled: retrained while shopperd-serve answers a load (the training yields to it).
drifting("yield-drifting.csv", 400, 8.0)
with open(f"{out}/kill-rejected.csv", "w") as handle:
    handle.write(",".join(header) + "\n1,2,3\n")
unlabelled("unreadable.csv", 200)
unlabelled("after-unreadable.csv", 200)
