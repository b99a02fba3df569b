"""Simulation: zero-copy field views, set() between steps, checkpoint/restore."""

import gc
import weakref

import numpy as np
import pytest

import woundsim
from conftest import DAYS, SEED, SMALL

STEPS_PER_DAY = 96


def small_sim(**kw):
    return woundsim.Simulation(seed=SEED, days=DAYS, overrides=SMALL, **kw)


def test_field_is_a_live_zero_copy_view():
    sim = small_sim()
    sim.step(10)
    v = sim.field("oxygen")
    assert v.dtype == np.float32 and v.shape == sim.shape
    assert not v.flags.writeable and not v.flags.owndata
    with pytest.raises(ValueError):
        v[0, 0] = 1.0
    # Two views share the simulation's memory: no copy was made.
    w = sim.field("oxygen")
    assert np.shares_memory(v, w)
    assert v.__array_interface__["data"][0] == w.__array_interface__["data"][0]
    before = np.array(v)
    sim.step(STEPS_PER_DAY)
    # Live: the old view shows the new state, equal to a fresh view.
    np.testing.assert_array_equal(v, sim.field("oxygen"))
    assert not np.array_equal(before, v)


def test_field_view_keeps_the_simulation_alive():
    sim = small_sim()
    sim.step(5)
    v = sim.field("vegf")
    expected = np.array(v)
    ref = weakref.ref(sim)
    del sim
    gc.collect()
    assert ref() is not None, "the view must hold the simulation"
    np.testing.assert_array_equal(v, expected)
    del v
    gc.collect()
    assert ref() is None


def test_set_same_value_changes_nothing_and_other_value_does():
    ref = small_sim()
    ref.run_to_end()
    a = small_sim()
    a.step(STEPS_PER_DAY)
    a.set("msc.hypoxia_death_per_day", a.scenario["msc"]["hypoxia_death_per_day"])
    a.run_to_end()
    assert a.timeseries_csv == ref.timeseries_csv
    b = small_sim()
    b.step(STEPS_PER_DAY)
    b.set("msc.hypoxia_death_per_day", 5.0)
    assert b.scenario["msc"]["hypoxia_death_per_day"] == 5.0
    b.run_to_end()
    assert b.timeseries_csv != ref.timeseries_csv
    # The first day is untouched by the change.
    n = len(ref.timeseries_csv.splitlines()[:3])
    assert b.timeseries_csv.splitlines()[:n] == ref.timeseries_csv.splitlines()[:n]


@pytest.mark.parametrize("key,value,match", [
    ("domain.width_um", 3000, "cannot change during a run"),
    ("time.days", 9, "cannot change during a run"),
    ("seed", 3, "cannot change during a run"),
    ("msc.hypoxia_death_per_dya", 0.1, "did you mean 'msc.hypoxia_death_per_day'"),
    ("msc.hypoxia_death_per_day", -1.0, "msc.hypoxia_death_per_day"),
])
def test_set_refuses_keys_and_values_naming_the_key(key, value, match):
    sim = small_sim()
    sim.step(3)
    before = sim.scenario
    with pytest.raises(woundsim.InputError, match=match) as e:
        sim.set(key, value)
    assert e.value.key == key
    assert key in str(e.value)
    assert sim.scenario == before
    assert sim.step(1) == 1


def test_checkpoint_restore_continues_bit_identically(tmp_path):
    ref = small_sim()
    ref.run_to_end()
    sim = small_sim()
    sim.step(STEPS_PER_DAY + 7)
    blob = sim.checkpoint()
    assert blob[:8] == b"WSIMCKPT"
    # Continue the original and two restored copies (one with another
    # thread count, one from a file).
    sim.run_to_end()
    r1 = woundsim.Simulation.restore(blob, threads=1)
    assert r1.step_count == STEPS_PER_DAY + 7
    np.testing.assert_array_equal(r1.field("oxygen"), small_sim_at(STEPS_PER_DAY + 7).field("oxygen"))
    r1.run_to_end()
    f = tmp_path / "ck.bin"
    f.write_bytes(blob)
    r2 = woundsim.Simulation.restore(f)
    r2.run_to_end()
    for s in (sim, r1, r2):
        assert s.timeseries_csv == ref.timeseries_csv
        assert s.summary == ref.summary
        np.testing.assert_array_equal(s.field("oxygen"), ref.field("oxygen"))
    with pytest.raises(woundsim.InputError, match="checksum mismatch|unusable"):
        woundsim.Simulation.restore(blob[:-3] + b"xyz")
    with pytest.raises(woundsim.InputError, match="no such checkpoint"):
        woundsim.Simulation.restore(tmp_path / "nope.bin")


def small_sim_at(steps):
    s = small_sim()
    s.step(steps)
    return s


def test_set_value_is_kept_by_checkpoint():
    sim = small_sim()
    sim.set("macrophage.lifespan_days", 2.5)
    r = woundsim.Simulation.restore(sim.checkpoint())
    assert r.scenario["macrophage"]["lifespan_days"] == 2.5


def test_numerical_error_carries_field_voxel_step():
    import ctypes
    sim = small_sim()
    sim.step(8)
    # Parameters are validated, so a bad value is planted directly in the
    # simulation's memory (through the view's address) to reach the guard.
    v = sim.field("vegf")
    iy, ix = 7, 5
    addr = v.__array_interface__["data"][0] + 4 * (iy * v.shape[1] + ix)
    ctypes.c_float.from_address(addr).value = float("nan")
    assert np.isnan(v[iy, ix])
    with pytest.raises(woundsim.NumericalError) as e:
        sim.step(1)
    err = e.value
    assert (err.field, err.ix, err.iy, err.step) == ("vegf", ix, iy, 8)
    assert err.day == pytest.approx(8 / STEPS_PER_DAY)
    assert "'vegf'" in str(err) and f"ix={ix}, iy={iy}" in str(err)
    assert isinstance(err, woundsim.WoundsimError)


def test_step_releases_the_gil():
    import threading
    sim = small_sim()
    done = threading.Event()

    def work():
        sim.step(2 * STEPS_PER_DAY)
        done.set()

    t = threading.Thread(target=work)
    busy = 0
    t.start()
    # This thread runs Python code while the other one is inside step():
    # it finds the simulation borrowed by the step. With the GIL held
    # through the step it could only ever run before or after it.
    while not done.is_set():
        try:
            sim._native.step_count
        except RuntimeError as e:
            assert "borrowed" in str(e)
            busy += 1
    t.join()
    assert sim.step_count == 2 * STEPS_PER_DAY
    assert busy > 0
