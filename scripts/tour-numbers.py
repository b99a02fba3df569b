#!/usr/bin/env python3
"""Prints, chapter by chapter, the measured values that docs/tour.md states.

Run it after scripts/tour-pictures.sh (which runs every command of the tour
and leaves the outputs in results/tour/), then compare what it prints with
the sentences of docs/tour.md by eye:

    python3 scripts/tour-numbers.py [RESULTS_DIR]   # default: results/tour

It only reads results/tour/*/timeseries.csv and summary.json (one row per
simulated day) and needs nothing beyond the Python standard library.
"Half closed" and "closed" are the summary's t50_closure_d and t100_closure_d
(first day with at least 50 % and at least closure.complete_pct = 99 % of the
wound area closed), the days the tour names.
"""

import csv
import json
import os
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else "results/tour"


def series(run, col):
    """Daily values of one column of a run's timeseries.csv, index = day."""
    with open(os.path.join(ROOT, run, "timeseries.csv"), newline="") as f:
        # An undefined value (m2_fraction without macrophages) is empty.
        return [float(row[col]) if row[col] != "" else float("nan")
                for row in csv.DictReader(f)]


def summary(run):
    with open(os.path.join(ROOT, run, "summary.json")) as f:
        return json.load(f)


def first_day(values, pred):
    """First day whose value satisfies pred, or None."""
    return next((d for d, v in enumerate(values) if pred(v)), None)


def day_or_open(d):
    """A closure day, or "not reached" when the summary holds null."""
    return "not reached" if d is None else f"{d:g}"


def closing(run):
    s = summary(run)
    return (f"{run}: half closed day {day_or_open(s['t50_closure_d'])}, "
            f"closed day {day_or_open(s['t100_closure_d'])}")


def peak(values):
    day = max(range(len(values)), key=lambda d: values[d])
    return day, values[day]


def chapter(n, title):
    print(f"\n== {n}. {title}")


chapter(1, "Why most injected stem cells die")
for run in ["default", "default-acute"]:
    live = series(run, "msc_live")
    dead = series(run, "msc_dead")
    sen = series(run, "msc_senescent")
    o2 = series(run, "o2_mean_mmHg")
    print(f"{run}: live MSCs day 1 {live[1]:.0f}, day 2 {live[2]:.0f} "
          f"(lost {100 * (1 - live[2] / live[1]):.0f} % of day 1), day 21 {live[21]:.0f}")
    print(f"  day 2: living share of the MSC markers {live[2] / (live[2] + dead[2] + sen[2]):.2f}")
    print(f"  O2 days 1-21: {min(o2[1:]):.1f} to {max(o2[1:]):.1f} mmHg; "
          f"day 14 {o2[14]:.1f}, day 17 {o2[17]:.1f}, day 21 {o2[21]:.1f}")

chapter(2, "What hypoxic preconditioning changes")
for run in ["default", "hypoxia-primed"]:
    live = series(run, "msc_live")
    ves = series(run, "vessel_density_rel")
    print(f"{run}: live day 1 {live[1]:.0f}, kept day 2/day 1 {live[2] / live[1]:.2f}, "
          f"day 21/day 2 {live[21] / live[2]:.3f}")
    print(f"  vessels >= normal from day {first_day(ves, lambda v: v >= 1.0)}; "
          f"day 3 {ves[3]:.3f}, day 4 {ves[4]:.3f}, day 21 {ves[21]:.2f}")
    vegf = series(run, "vegf_mean_ng_per_ml")
    print(f"  VEGF day 1 {vegf[1]:.2f}, day 7 {vegf[7]:.2f}, day 14 {vegf[14]:.2f}, "
          f"day 21 {vegf[21]:.2f} ng/mL")
    print("  " + closing(run))

chapter(3, "Cells or what they secrete?")
runs = ["weekly-cells", "weekly-vesicles", "weekly-medium"]
for run in runs:
    il10 = series(run, "il10_mean_ng_per_ml")
    m2 = series(run, "m2_fraction")
    print(f"{run}: IL-10 after doses (days 1,8,15,22) "
          + ", ".join(f"{il10[d]:.2f}" for d in (1, 8, 15, 22))
          + "; before doses (days 7,14,21,28) "
          + ", ".join(f"{il10[d]:.2f}" for d in (7, 14, 21, 28))
          + "; day 2/day 1 " + f"{il10[2] / il10[1]:.2f}")
    print("  M2 share days 2-7: " + ", ".join(f"{m2[d]:.2f}" for d in range(2, 8))
          + f"; all M2 from day {first_day(m2, lambda v: v >= 1.0)}")
    print("  " + closing(run))
cells = series("weekly-cells", "il10_mean_ng_per_ml")
medium = series("weekly-medium", "il10_mean_ng_per_ml")
print("days where medium IL-10 > cells: "
      + str([d for d in range(1, len(cells)) if medium[d] > cells[d]]))

chapter(4, "Why diabetic wounds stall")
for run in ["acute", "dfu"]:
    m2 = series(run, "m2_fraction")
    print(closing(run) + f"; M2 share > 0 from day {first_day(m2, lambda v: v > 0)}, "
          f"= 1 from day {first_day(m2, lambda v: v >= 1.0)}, last day {m2[-1]:.2f}")
acute_o2 = series("acute", "o2_mean_mmHg")
dfu_o2 = series("dfu", "o2_mean_mmHg")
print("O2 ulcer/acute days 1-10: "
      + ", ".join(f"{dfu_o2[d] / acute_o2[d]:.2f}" for d in range(1, 11)))
d, v = peak(acute_o2[1:])
print(f"acute O2 highest day {d + 1} ({v:.1f} mmHg); day 28: acute {acute_o2[28]:.1f}, "
      f"ulcer {dfu_o2[28]:.1f} mmHg")
acute_tnf = series("acute", "tnf_mean_ng_per_ml")
dfu_tnf = series("dfu", "tnf_mean_ng_per_ml")
d, v = peak(dfu_tnf)
print(f"ulcer TNF highest day {d} ({v:.3f} ng/mL); ulcer/acute days 7-10: "
      + ", ".join(f"{dfu_tnf[x] / acute_tnf[x]:.0f}" for x in range(7, 11)))

chapter(5, "More VEGF: more vessels, some of them leaky")
runs = ["bm-injected", "vegf-engineered", "vegf-engineered-x10"]
vegf = {r: series(r, "vegf_mean_ng_per_ml") for r in runs}
tips = {r: series(r, "tip_cells") for r in runs}
ves = {r: series(r, "vessel_density_rel") for r in runs}
leaky = {r: series(r, "abnormal_vessel_density_rel") for r in runs}
o2 = {r: series(r, "o2_mean_mmHg") for r in runs}
print("VEGF day 1: " + ", ".join(f"{r} {vegf[r][1]:.1f}" for r in runs)
      + f" ng/mL (engineered/plain {vegf[runs[1]][1] / vegf[runs[0]][1]:.1f})")
for r in runs:
    print(f"{r}: tips days 1-10 {min(tips[r][1:11]):.0f}-{max(tips[r][1:11]):.0f}, "
          f"days 11-21 {min(tips[r][11:]):.0f}-{max(tips[r][11:]):.0f}, day 21 {tips[r][21]:.0f}; "
          f"vessels >= normal from day {first_day(ves[r], lambda v: v >= 1.0)}, "
          f"day 21 {ves[r][21]:.2f} (leaky {leaky[r][21]:.2f}); O2 day 21 {o2[r][21]:.1f} mmHg")
gap = [o2[runs[2]][d] - o2[runs[0]][d] for d in range(len(o2[runs[0]]))]
print("O2 x10 - plain, days 1-21: " + ", ".join(f"{g:.1f}" for g in gap[1:]))
gap = [o2[runs[1]][d] - o2[runs[0]][d] for d in range(len(o2[runs[0]]))]
print("O2 engineered - plain, days 1-21: " + ", ".join(f"{g:.1f}" for g in gap[1:]))
gap = [o2[runs[1]][d] - o2[runs[2]][d] for d in range(len(o2[runs[0]]))]
print("O2 engineered - x10, days 1-21: " + ", ".join(f"{g:.1f}" for g in gap[1:]))
print(f"day 21: x10 vessels / plain {ves[runs[2]][21] / ves[runs[0]][21]:.2f}; "
      f"leaky share with x10 {leaky[runs[2]][21] / ves[runs[2]][21]:.2f}; "
      f"engineered leaky / x10 leaky {leaky[runs[1]][21] / leaky[runs[2]][21]:.2f}")

chapter(6, "Bolus or hydrogel")
for run in ["bm-topical", "bm-hydrogel"]:
    live = series(run, "msc_live")
    m2 = series(run, "m2_fraction")
    print(f"{run}: live day 1 {live[1]:.0f}, day 21 {live[21]:.0f}; M2 share days 1-7: "
          + ", ".join(f"{m2[d]:.2f}" for d in range(1, 8))
          + f"; > 0.6 from day {first_day(m2, lambda v: v > 0.6)}, "
          f"= 1 from day {first_day(m2, lambda v: v >= 1.0)}")
    print("  " + closing(run))

chapter(7, "Into a vein or onto the wound")
for run in ["bm-topical", "bm-iv", "dfu"]:
    live = series(run, "msc_live")
    il10 = series(run, "il10_mean_ng_per_ml")
    m2 = series(run, "m2_fraction")
    d, v = peak(il10)
    print(f"{run}: most live MSCs {max(live):.0f}; IL-10 highest day {d} ({v:.3f} ng/mL); "
          f"M2 share > 0 from day {first_day(m2, lambda v: v > 0)}, >= 0.5 from day "
          f"{first_day(m2, lambda v: v >= 0.5)}; " + closing(run))
topical = series("bm-topical", "il10_mean_ng_per_ml")
iv = series("bm-iv", "il10_mean_ng_per_ml")
print("days where IL-10 is higher after the intravenous dose: "
      + str([d for d in range(1, len(iv)) if iv[d] > topical[d]]))
days = len(series("bm-iv", "time_d"))
with open(os.path.join(ROOT, "bm-iv", "timeseries.csv")) as f:
    iv_rows = list(csv.reader(f))
with open(os.path.join(ROOT, "dfu", "timeseries.csv")) as f:
    dfu_rows = list(csv.reader(f))[: len(iv_rows)]
print(f"bm-iv timeseries identical to dfu (standard care) over its {days} rows: "
      f"{iv_rows == dfu_rows}")
