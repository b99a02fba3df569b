"""Sobol' sensitivity of wound closure with SALib and woundsim.

Sample with SALib, run every point with woundsim (in parallel, in-process),
analyse with SALib:

    pip install ./python SALib
    python examples/python/salib_sobol.py            # N = 16 base samples
    python examples/python/salib_sobol.py 64         # more samples

Each run is a small wound (2 mm slice) over a few days, so the whole
analysis takes seconds; raise ``DAYS`` and the domain for real studies.
"""

import sys

import numpy as np
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

import woundsim

#: The factors: dotted scenario keys and their ranges.
PROBLEM = {
    "num_vars": 3,
    "names": ["msc.hypoxia_death_per_day", "macrophage.lifespan_days", "closure.max_speed_um_per_day"],
    "bounds": [[0.05, 1.0], [2.0, 10.0], [100.0, 800.0]],
}
#: A small slice over a few days (seconds per run).
SMALL = {"domain.width_um": 1600, "domain.height_um": 1600, "wound.diameter_um": 1000}
DAYS = 3
OUTCOME = "final.msc_live"


def analyse(n: int = 16, days: float = DAYS, outcome: str = OUTCOME, threads=None, seed: int = 7):
    """Saltelli sample of ``n`` base points (first-order and total indices),
    run by :func:`woundsim.sweep`, analysed by SALib. Returns (SALib
    result, the runs as a DataFrame)."""
    x = sobol_sample.sample(PROBLEM, n, calc_second_order=False, seed=seed)
    runs = woundsim.sweep(x, keys=PROBLEM["names"], outcomes=[outcome], days=days, seed=seed,
                          threads=threads, overrides=SMALL)
    y = runs[outcome].to_numpy(dtype=float)
    return sobol_analyze.analyze(PROBLEM, y, calc_second_order=False, seed=seed), runs


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 16
    si, runs = analyse(n)
    print(f"{len(runs)} runs; Sobol' indices of {OUTCOME}:")
    for name, s1, st in zip(PROBLEM["names"], si["S1"], si["ST"]):
        print(f"  {name:32s} S1 = {s1:6.3f}   ST = {st:6.3f}")
