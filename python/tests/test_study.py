"""woundsim.cohort and woundsim.sweep against the CLI, and a SALib round trip."""

import importlib.util
import json

import numpy as np
import pandas as pd
import pytest

import woundsim
from conftest import REPO, SEED, SMALL

SMALL3 = {k: v for k, v in SMALL.items() if k != "output.snapshot_days"}


def test_cohort_matches_the_cli_cohort(cohort_dir):
    c = woundsim.cohort(replicates=3, days=2, seed=SEED, overrides=SMALL3)
    assert c.table_csv == (cohort_dir / "cohort.csv").read_text()
    assert c.timeseries_csv == (cohort_dir / "cohort_timeseries.csv").read_text()
    assert c.summary == json.loads((cohort_dir / "cohort_summary.json").read_text())
    loaded = woundsim.load(cohort_dir)
    pd.testing.assert_frame_equal(c.table, loaded.table)
    for mine, theirs in zip(c.replicates, loaded.replicates):
        assert mine.name == theirs.name
        assert mine.timeseries_csv == (theirs.path / "timeseries.csv").read_text()
        assert mine.summary == theirs.summary
    # Its own pool: one thread gives the same cohort.
    one = woundsim.cohort(replicates=3, days=2, seed=SEED, threads=1, overrides=SMALL3)
    assert one.table_csv == c.table_csv
    assert list(c.outcome("closure_pct_final")) == list(c.table["closure_pct_final"])
    with pytest.raises(woundsim.InputError, match="replicates=0"):
        woundsim.cohort(replicates=0)


def test_sweep_points_equal_single_runs():
    design = pd.DataFrame({"treatment.dose.dose_cells": [100_000, 1_000_000],
                           "msc.hypoxia_death_per_day": [0.1, 0.9]})
    runs = woundsim.sweep(design, days=2, seed=SEED, replicates=2, overrides=SMALL3)
    assert len(runs) == 4
    assert list(runs["point"]) == [0, 0, 1, 1] and list(runs["replicate"]) == [0, 1, 0, 1]
    # The same seeds at every point (common random numbers), those of a cohort.
    seeds = woundsim.cohort(replicates=2, days=2, seed=SEED, overrides=SMALL3).table["seed"]
    assert [int(s) for s in runs["seed"][:2]] == [int(s) for s in seeds]
    assert list(runs["seed"][:2]) == list(runs["seed"][2:])
    assert runs["seed"].dtype == np.uint64
    for i, row in runs.iterrows():
        point = {k: design.loc[row["point"], k] for k in design.columns}
        r = woundsim.run(days=2, seed=int(runs["seed"][i]), snapshots=False,
                         overrides={**SMALL3, **{k: v.item() for k, v in point.items()}})
        assert row["closure_pct_final"] == r.summary["closure_pct_final"]
        assert row["final.msc_live"] == r.summary["final_values"]["msc_live"]
    # The design matters.
    assert runs["final.msc_live"][0] != runs["final.msc_live"][2]
    # Thread count does not change results.
    one = woundsim.sweep(design, days=2, seed=SEED, replicates=2, threads=1, overrides=SMALL3)
    pd.testing.assert_frame_equal(one, runs, check_exact=True)


def test_sweep_refuses_bad_points_naming_them():
    with pytest.raises(woundsim.InputError) as e:
        woundsim.sweep([{"msc.hypoxia_death_per_day": 0.2}, {"msc.hypoxia_death_per_dya": 0.2}], days=1)
    assert "design point 1" in str(e.value) and e.value.key == "msc.hypoxia_death_per_dya"
    with pytest.raises(woundsim.InputError, match="keys="):
        woundsim.sweep(np.zeros((2, 2)), days=1)
    with pytest.raises(woundsim.InputError, match="unknown outcome 'nope'"):
        woundsim.sweep({"msc.hypoxia_death_per_day": [0.2]}, outcomes=["nope"], days=1, overrides=SMALL3)


def test_salib_round_trip():
    pytest.importorskip("SALib")
    spec = importlib.util.spec_from_file_location("salib_sobol", REPO / "examples" / "python" / "salib_sobol.py")
    ex = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ex)
    si, runs = ex.analyse(n=8, days=2)
    k = ex.PROBLEM["num_vars"]
    assert len(runs) == 8 * (k + 2)
    assert np.all(np.isfinite(si["ST"]))
    # MSC hypoxic death drives the live MSC count; macrophage lifespan and
    # closure speed barely touch it within two days.
    names = ex.PROBLEM["names"]
    st = dict(zip(names, si["ST"]))
    assert st["msc.hypoxia_death_per_day"] > 0.5
    assert st["macrophage.lifespan_days"] < 0.1 and st["closure.max_speed_um_per_day"] < 0.1
    # The analysed values are woundsim's: point 0 re-run on its own.
    row = runs.iloc[0]
    r = woundsim.run(days=2, seed=int(runs["seed"][0]), snapshots=False,
                     overrides={**ex.SMALL, **{n: float(row[n]) for n in names}})
    assert row[ex.OUTCOME] == r.summary["final_values"]["msc_live"]
