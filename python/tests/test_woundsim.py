"""The woundsim Python package against the CLI it shares the core with."""

import json
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest

import woundsim
from conftest import DAYS, SEED, SMALL, cli_run

STEPS_PER_DAY = 96  # 15-min base steps


def test_run_matches_cli_timeseries(small_run_dir):
    r = woundsim.run("default", days=DAYS, seed=SEED, overrides=SMALL)
    cli_text = (small_run_dir / "timeseries.csv").read_text()
    assert r.timeseries_csv == cli_text
    expected = pd.read_csv(small_run_dir / "timeseries.csv")
    pd.testing.assert_frame_equal(r.timeseries, expected, check_exact=True)
    assert len(r.timeseries) == DAYS + 1
    assert "o2_mean_mmHg" in r.timeseries.columns
    assert r.summary == json.loads((small_run_dir / "summary.json").read_text())
    assert r.scenario["seed"] == SEED and r.scenario["time"]["days"] == DAYS


def test_run_is_bit_identical_on_one_thread(small_run_dir):
    kwargs = {k.replace(".", "__"): v for k, v in SMALL.items()}
    r = woundsim.run(days=DAYS, seed=SEED, threads=1, **kwargs)
    assert r.timeseries_csv == (small_run_dir / "timeseries.csv").read_text()


def test_dict_scenario_matches_cli_file(cli, tmp_path):
    toml = textwrap.dedent("""\
        name = "dict-check"
        seed = 9
        [domain]
        width_um = 1600
        height_um = 1600
        [wound]
        diameter_um = 1000
        [time]
        days = 2
        [treatment.dose]
        dose_cells = 200000
        days = [0]
        """)
    f = tmp_path / "s.toml"
    f.write_text(toml)
    out = cli_run(cli, tmp_path / "run", str(f), "--no-snapshots")
    table = {
        "name": "dict-check", "seed": 9,
        "domain": {"width_um": 1600, "height_um": 1600}, "wound": {"diameter_um": 1000},
        "time": {"days": 2}, "treatment": {"dose": {"dose_cells": 200000, "days": [0]}},
    }
    r = woundsim.run(table)
    assert r.timeseries_csv == (out / "timeseries.csv").read_text()
    assert r.summary["scenario"] == "dict-check"
    # The same file given as a path.
    assert woundsim.run(f).timeseries_csv == r.timeseries_csv


def test_simulation_field_equals_cli_snapshot(small_run_dir):
    sim = woundsim.Simulation(seed=SEED, days=DAYS, overrides=SMALL)
    assert sim.step(2 * STEPS_PER_DAY) == 2 * STEPS_PER_DAY
    assert sim.day == 2.0
    idx = json.loads((small_run_dir / "snapshots" / "index.json").read_text())
    snap = next(e for e in idx["snapshots"] if e["day"] == 2.0)
    assert set(sim.fields) == set(snap["fields"])
    assert sim.fields["oxygen"] == snap["units"]["oxygen"] == "mmHg"
    for name, file in snap["fields"].items():
        a = sim.field(name)
        assert a.shape == (idx["ny"], idx["nx"]) == (80, 100) == sim.shape
        assert a.dtype == np.float32
        assert not a.flags.writeable
        expected = np.load(small_run_dir / "snapshots" / file)
        np.testing.assert_array_equal(a, expected)
    np.testing.assert_array_equal(sim.wound(), np.load(small_run_dir / "snapshots" / snap["wound"]))
    np.testing.assert_array_equal(sim.vessels(), np.load(small_run_dir / "snapshots" / snap["vessels"]))
    # Agents: the same cells as the snapshot's agents.csv (positions there
    # are rounded to 0.01 µm).
    csv = pd.read_csv(small_run_dir / "snapshots" / snap["agents"])
    msc = sim.agents("msc")
    cm = csv[csv.kind == "msc"].reset_index(drop=True)
    assert len(msc) == len(cm) > 0
    np.testing.assert_array_equal(msc["id"].to_numpy(), cm["id"].to_numpy().astype(np.uint64))
    assert list(msc["state"]) == list(cm["state"])
    np.testing.assert_allclose(msc["x_um"], cm["x_um"], atol=0.006)
    mac = sim.agents("macrophage")
    assert len(mac) == (csv.kind == "macrophage").sum()
    # Stepping on continues the same run: at the end the time series is the CLI's.
    sim.run_to_end()
    assert sim.done and sim.day == DAYS
    assert sim.timeseries_csv == (small_run_dir / "timeseries.csv").read_text()
    with pytest.raises(woundsim.InputError, match="unknown field 'oxygn'"):
        sim.field("oxygn")


@pytest.mark.parametrize("how", ["overrides", "kwargs"])
def test_invalid_key_raises_input_error(how):
    key = "msc.hypoxia_death_per_dya"
    with pytest.raises(woundsim.InputError) as e:
        if how == "overrides":
            woundsim.run(days=1, overrides={key: 0.5})
        else:
            woundsim.Simulation(days=1, msc__hypoxia_death_per_dya=0.5)
    assert key in str(e.value)
    assert e.value.key == key
    assert "did you mean 'msc.hypoxia_death_per_day'" in str(e.value)


def test_invalid_value_and_name_raise_input_error():
    with pytest.raises(woundsim.InputError) as e:
        woundsim.Simulation(overrides={"time.days": -3})
    assert e.value.key == "time.days"
    with pytest.raises(woundsim.InputError, match="no shipped scenario named 'nope'"):
        woundsim.Simulation("nope")
    assert "acute" in woundsim.shipped_scenarios()


def test_shipped_scenario_by_name():
    sim = woundsim.Simulation("acute", days=1, overrides=SMALL)
    assert sim.scenario["name"] == "acute"
    assert sim.scenario["patient"]["wound_type"] == "acute"


INTERRUPT_SCRIPT = textwrap.dedent("""\
    import sys, time, woundsim
    sim = woundsim.Simulation(days=5000, domain__width_um=1000, domain__height_um=1000,
                              wound__diameter_um=600)
    print("ready", flush=True)
    try:
        sim.step(100000)
        print("finished", flush=True)
    except KeyboardInterrupt:
        n = sim.step_count
        assert 0 < n < 100000, n
        assert sim.step(1) == 1 and sim.step_count == n + 1
        print("interrupted", n, flush=True)
    """)


def test_ctrl_c_interrupts_a_long_step():
    p = subprocess.Popen([sys.executable, "-c", INTERRUPT_SCRIPT], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "ready"
        time.sleep(1.0)
        assert p.poll() is None, "step(100000) ended before the signal"
        t0 = time.monotonic()
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
        elapsed = time.monotonic() - t0
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 0, err
    assert out.startswith("interrupted"), (out, err)
    assert elapsed < 2.0, f"took {elapsed:.2f} s after SIGINT"


def test_load_round_trips_cli_run_dir(small_run_dir):
    d = woundsim.load(small_run_dir)
    assert d.status == "complete"
    pd.testing.assert_frame_equal(d.timeseries, pd.read_csv(small_run_dir / "timeseries.csv"),
                                  check_exact=True)
    assert d.summary == json.loads((small_run_dir / "summary.json").read_text())
    # Day 2 is asked for; the last day gets a snapshot by default.
    assert d.days == [0.0, 2.0, float(DAYS)]
    assert d.scenario["seed"] == SEED and d.scenario["domain"]["width_um"] == 2000
    r = woundsim.run(days=DAYS, seed=SEED, overrides=SMALL)
    assert d.scenario == r.scenario
    sim = woundsim.Simulation(seed=SEED, days=DAYS, overrides=SMALL)
    sim.step(2 * STEPS_PER_DAY)
    for s in d.snapshots[1:2]:
        assert s.day == 2.0
        assert s.units["oxygen"] == "mmHg"
        for name in s.fields:
            a = s.field(name)
            assert isinstance(a, np.memmap)  # read lazily
            np.testing.assert_array_equal(a, sim.field(name))
        agents = s.agents()
        assert list(agents.columns) == ["kind", "id", "x_um", "y_um", "state"]
    with pytest.raises(woundsim.InputError, match="no snapshot of day 1"):
        d.snapshot(1)
    with pytest.raises(woundsim.InputError, match="not a woundsim run directory"):
        woundsim.load(small_run_dir / "snapshots")
