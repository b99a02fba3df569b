"""Run.fields / Run.agents as labelled data, and load() of every directory
kind the CLI writes."""

import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import woundsim
from conftest import DAYS, SEED, SMALL


@pytest.fixture(scope="module")
def small_run():
    return woundsim.run(days=DAYS, seed=SEED, overrides=SMALL)


def test_run_fields_is_a_labelled_dataset_equal_to_the_cli_snapshot(small_run, small_run_dir):
    r = small_run
    assert r.days == [0.0, 2.0, float(DAYS)]
    ds = r.fields(day=2)
    assert isinstance(ds, xr.Dataset)
    assert ds["oxygen"].dims == ("y", "x") and ds["oxygen"].shape == (80, 100)
    assert ds["oxygen"].attrs["units"] == "mmHg"
    assert ds["x"].attrs["units"] == "µm" and ds["y"].attrs["units"] == "µm"
    dx = r.dx_um
    np.testing.assert_allclose(ds["x"].values, (np.arange(100) + 0.5) * dx)
    assert ds["y"].values[-1] == pytest.approx((80 - 0.5) * dx)
    assert ds.attrs["day"] == 2.0 and ds.attrs["seed"] == SEED
    idx = json.loads((small_run_dir / "snapshots" / "index.json").read_text())
    snap = next(e for e in idx["snapshots"] if e["day"] == 2.0)
    for name, f in snap["fields"].items():
        np.testing.assert_array_equal(ds[name].values, np.load(small_run_dir / "snapshots" / f))
        assert ds[name].attrs["units"] == snap["units"][name]
    np.testing.assert_array_equal(ds["vessels"].values, np.load(small_run_dir / "snapshots" / snap["vessels"]))
    np.testing.assert_array_equal(ds["wound"].values, np.load(small_run_dir / "snapshots" / snap["wound"]))
    assert ds["vessels"].attrs["flag_meanings"].split() == list(woundsim.VESSEL_CODES.values())
    # Default: the last snapshot; a day without one names the allowed days.
    assert r.fields().attrs["day"] == float(DAYS)
    with pytest.raises(woundsim.InputError, match="no snapshot of day 1 .*allowed: 0.0, 2.0, 3.0"):
        r.fields(day=1)


def test_run_agents_equal_the_cli_agents_csv(small_run, small_run_dir):
    idx = json.loads((small_run_dir / "snapshots" / "index.json").read_text())
    for snap in idx["snapshots"]:
        a = small_run.agents(day=snap["day"])
        csv = pd.read_csv(small_run_dir / "snapshots" / snap["agents"])
        assert list(a.columns) == woundsim.AGENT_COLUMNS == list(csv.columns)
        assert list(a["kind"]) == list(csv["kind"]) and list(a["state"]) == list(csv["state"])
        np.testing.assert_array_equal(a["id"].to_numpy(), csv["id"].to_numpy().astype(np.int64))
        np.testing.assert_allclose(a["x_um"], csv["x_um"].astype(float), atol=0.006)
        np.testing.assert_allclose(a["y_um"], csv["y_um"].astype(float), atol=0.006)
    assert (small_run.agents()["kind"] == "msc").sum() > 0


def test_load_run_dir_fields_equal_in_memory_run(small_run, small_run_dir):
    d = woundsim.load(small_run_dir)
    assert isinstance(d, woundsim.RunDir) and d.kind == "run"
    # The index documents the vessel-map codes.
    assert d.index["vessel_codes"] == {str(k): v for k, v in woundsim.VESSEL_CODES.items()}
    ds = d.fields(day=2)
    # Lazy: the values stay memory-mapped from the .npy files.
    assert isinstance(ds["oxygen"].data, np.memmap)
    mem = small_run.fields(day=2)
    assert set(ds.data_vars) == set(mem.data_vars)
    for name in mem.data_vars:
        xr.testing.assert_identical(ds[name], mem[name])
    pd.testing.assert_frame_equal(d.agents(day=2), pd.read_csv(
        small_run_dir / "snapshots" / d.snapshot(2).entry["agents"]))


def test_load_cohort_dir(cohort_dir):
    c = woundsim.load(cohort_dir)
    assert isinstance(c, woundsim.CohortDir) and c.kind == "cohort"
    pd.testing.assert_frame_equal(c.table, pd.read_csv(cohort_dir / "cohort.csv"))
    assert len(c.table) == 3 and list(c.table["replicate"]) == [0, 1, 2]
    assert c.summary == json.loads((cohort_dir / "cohort_summary.json").read_text())
    assert c.summary["replicates"] == 3
    assert [r.name for r in c.replicates] == ["r000", "r001", "r002"]
    r1 = c.replicates[1]
    pd.testing.assert_frame_equal(r1.timeseries, pd.read_csv(cohort_dir / "replicates" / "r001" / "timeseries.csv"))
    assert r1.summary["seed"] == int(c.table["seed"][1])
    assert c.scenario["domain"]["width_um"] == 2000
    pd.testing.assert_frame_equal(c.timeseries, pd.read_csv(cohort_dir / "cohort_timeseries.csv"))


def test_load_comparison_dir(comparison_dir):
    c = woundsim.load(comparison_dir)
    assert isinstance(c, woundsim.ComparisonDir) and c.kind == "comparison"
    assert list(c.cohorts) == ["default", "acute"]
    pd.testing.assert_frame_equal(c.table, pd.read_csv(comparison_dir / "comparison.csv"))
    acute = c.cohorts["acute"]
    assert len(acute.table) == 2
    assert acute.summary == json.loads((comparison_dir / "acute" / "cohort_summary.json").read_text())
    assert "acute" in c.report
    # A comparison's cohort opens on its own too.
    assert isinstance(woundsim.load(comparison_dir / "default"), woundsim.CohortDir)


def test_load_sweep_dir(sweep_dir):
    s = woundsim.load(sweep_dir)
    assert isinstance(s, woundsim.SweepDir) and s.kind == "sweep"
    pd.testing.assert_frame_equal(s.runs, pd.read_csv(sweep_dir / "runs.csv"))
    assert len(s.runs) == 8 and set(s.runs["status"]) == {"ok"}
    assert s.design["design"]["kind"] == "factorial"
    assert s.base["name"] == "tiny"
    ts = s.timeseries(3)
    pd.testing.assert_frame_equal(ts, pd.read_csv(sweep_dir / "timeseries" / "run_3.csv"))
    # The sweep's run 3, re-run in-process with its factor values and seed,
    # gives the same time series.
    row = s.runs.iloc[3]
    r = woundsim.run(s.base, days=s.design["days"], seed=int(row["seed"]), snapshots=False,
                     overrides={"treatment.dose.dose_cells": int(row["treatment.dose.dose_cells"]),
                                "treatment.product.source": row["treatment.product.source"]})
    pd.testing.assert_frame_equal(r.timeseries, ts, check_exact=True)
    with pytest.raises(woundsim.InputError, match="run the sweep with --timeseries"):
        s.timeseries(99)


def test_load_refuses_what_is_not_an_output_dir(tmp_path):
    with pytest.raises(woundsim.InputError, match="no such directory"):
        woundsim.load(tmp_path / "missing")
    with pytest.raises(woundsim.InputError, match="not a woundsim run directory"):
        woundsim.load(tmp_path)
