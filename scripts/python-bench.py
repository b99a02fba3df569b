#!/usr/bin/env python3
"""What calling woundsim from Python costs per step, against the CLI.

    python scripts/python-bench.py --bin target/release/woundsim [--days 7] [--threads 2] [--reps 3]

Run it with the Python that has the package installed (e.g. the venv of
``PYTHON_CHECK_VENV=DIR scripts/python-check.sh``). For the built-in default
scenario it times, best of ``--reps``:

- ``cli``: ``woundsim run default --days D --no-snapshots --no-plots -q``
  (process start, scenario, steps, the result files);
- ``python run_to_end``: ``Simulation("default", days=D)`` and one
  ``run_to_end()`` call (the GIL released once);
- ``python step(1)``: the same run as one ``step(1)`` call per base step
  (the cost of a call: GIL release and re-acquire, the signal check);

and prints each as seconds per base step with its ratio to the CLI, then
checks that ``field()`` returns a view of the simulation's memory (no copy).
Timing is wall-clock on a shared machine: compare numbers from one run.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import woundsim


def best(reps, f):
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        out.append(time.perf_counter() - t0)
    return min(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--days", type=float, default=7.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--json", help="also write the numbers to this file")
    a = ap.parse_args()

    probe = woundsim.Simulation("default", days=a.days, threads=a.threads)
    steps = probe.total_steps

    with tempfile.TemporaryDirectory() as tmp:
        def cli():
            subprocess.run(
                [a.bin, "run", "default", "--days", str(a.days), "--threads", str(a.threads),
                 "--no-snapshots", "--no-plots", "-q", "--force", "--out", str(Path(tmp) / "run")],
                check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t_cli = best(a.reps, cli)

    def whole():
        woundsim.Simulation("default", days=a.days, threads=a.threads).run_to_end()
    t_whole = best(a.reps, whole)

    def one_by_one():
        sim = woundsim.Simulation("default", days=a.days, threads=a.threads)
        for _ in range(sim.total_steps):
            sim.step(1)
    t_each = best(a.reps, one_by_one)

    res = {"days": a.days, "threads": a.threads, "base_steps": steps, "reps": a.reps,
           "cli_s": t_cli, "python_run_to_end_s": t_whole, "python_step1_s": t_each}
    for label, t in [("cli", t_cli), ("python run_to_end", t_whole), ("python step(1)", t_each)]:
        print(f"{label:18} {t:8.3f} s  {1e3 * t / steps:7.3f} ms/step  {t / t_cli:5.3f}x cli")

    sim = woundsim.Simulation("default", days=1, threads=a.threads)
    f1, f2 = sim.field("oxygen"), sim.field("oxygen")
    sim.step(10)
    shared = np.shares_memory(f1, f2) and not f1.flags.writeable and f1.flags.owndata is False
    live = bool(np.array_equal(f1, sim.field("oxygen")))
    print(f"field(): a read-only view of the simulation's memory: {shared}; "
          f"follows the steps without a new call: {live}")
    res["field_is_view"] = bool(shared and live)
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=2) + "\n")
    return 0 if res["field_is_view"] else 1


if __name__ == "__main__":
    sys.exit(main())
