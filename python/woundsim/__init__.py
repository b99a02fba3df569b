"""woundsim from Python: run the simulator in-process, step it, read its runs.

>>> import woundsim
>>> r = woundsim.run("default", days=7, seed=3)
>>> r.timeseries[["time_d", "closure_pct"]].tail(1)
>>> sim = woundsim.Simulation("default", seed=3, days=2)
>>> sim.step(96); sim.field("oxygen").shape            # (ny, nx)
>>> woundsim.load("results/default-1").timeseries      # a CLI run directory

Scenarios are the built-in default (``"default"``), a shipped scenario by
name (``"acute"``, see :func:`shipped_scenarios`), a TOML file path, or a
``dict`` with the contents of a scenario file. Overrides are dotted keys as
for ``woundsim run --set``: ``overrides={"msc.hypoxia_death_per_day": 0.5}``
or keyword arguments with ``__`` for the dots (``time__days=14``).
Simulation runs in Rust with the GIL released; Ctrl-C raises
KeyboardInterrupt between steps (within about 0.1 s).
"""

from __future__ import annotations

import io
import json
import math
import os
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Union

import numpy as np
import pandas as pd

from . import _native
from ._data import (AGENT_COLUMNS, VESSEL_CODES, CohortDir, ComparisonDir, Replicate, RunDir,
                    Snapshot, SweepDir, fields_dataset, load, pick_day)
from ._data import toml_loads as _toml_loads
from ._native import InputError, NumericalError, WoundsimError
from ._study import Cohort, CohortReplicate, _py, design_table, flatten_summary

__all__ = [
    "InputError",
    "NumericalError",
    "WoundsimError",
    "Run",
    "Cohort",
    "CohortReplicate",
    "cohort",
    "sweep",
    "RunDir",
    "CohortDir",
    "ComparisonDir",
    "SweepDir",
    "Replicate",
    "Snapshot",
    "VESSEL_CODES",
    "Simulation",
    "load",
    "run",
    "shipped_scenarios",
    "__version__",
]

__version__: str = _native.VERSION

# Errors raised on the Python side carry the same attributes (None when
# unknown) as those raised by the extension.
InputError.key = None
InputError.file = None

#: MSC state codes of the core (``state_code`` in :meth:`Simulation.agents`).
MSC_STATES = {0: "live", 1: "senescent", 2: "dead"}

ScenarioLike = Union[str, "os.PathLike[str]", Mapping[str, Any]]


def shipped_scenarios() -> List[str]:
    """Names of the scenarios shipped with woundsim (besides ``"default"``)."""
    return list(_native.shipped_scenarios())


def _toml_literal(key: str, v: Any) -> str:
    """Render a Python value as a TOML value for a ``key=value`` override."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if math.isnan(f):
            return "nan"
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        return repr(f)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (list, tuple, np.ndarray)):
        return "[" + ", ".join(_toml_literal(key, x) for x in v) + "]"
    if isinstance(v, Mapping):
        inner = ", ".join(f"{json.dumps(str(k))} = {_toml_literal(key, x)}" for k, x in v.items())
        return "{" + inner + "}"
    raise InputError(f"override '{key}': value {v!r} of type {type(v).__name__} "
                     "(allowed: bool, int, float, str, list, dict)")


def _sets(overrides: Optional[Mapping[str, Any]], kwargs: Mapping[str, Any],
          days: Optional[float], seed: Optional[int]) -> List[str]:
    """The ``--set`` strings, in the CLI's order (sets, then days, then seed)."""
    out = []
    items = list((overrides or {}).items()) + [(k.replace("__", "."), v) for k, v in kwargs.items()]
    for k, v in items:
        if v is None:
            raise InputError(f"override '{k}': None is not a value (allowed: bool, int, float, str, list, dict)")
        out.append(f"{k}={_toml_literal(k, v)}")
    if days is not None:
        out.append(f"time.days={_toml_literal('time.days', days)}")
    if seed is not None:
        out.append(f"seed={_toml_literal('seed', seed)}")
    return out


def _source(scenario: ScenarioLike):
    """(kind, source) for the native constructor."""
    if isinstance(scenario, Mapping):
        try:
            return "json", json.dumps(scenario, allow_nan=False)
        except (TypeError, ValueError) as e:
            raise InputError(f"<scenario dict>: not representable as a scenario table: {e}") from None
    if isinstance(scenario, os.PathLike):
        return "file", os.fspath(scenario)
    if not isinstance(scenario, str):
        raise InputError(f"scenario {scenario!r}: allowed: \"default\", a shipped name, a path or a dict")
    if scenario == "default":
        return "builtin", None
    if scenario in _native.shipped_scenarios() and not os.path.exists(scenario):
        return "shipped", scenario
    if os.path.exists(scenario) or scenario.endswith(".toml") or os.sep in scenario:
        return "file", scenario
    raise InputError(f"no shipped scenario named '{scenario}' and no such file "
                     f"(allowed: default, {', '.join(_native.shipped_scenarios())}, or a path)")


def _read_timeseries(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text))


class _ArrayHolder:
    """Exposes Rust-owned memory to numpy via ``__array_interface__``
    (read-only) and keeps its owner alive: numpy holds this object as the
    array's ``base``."""

    __slots__ = ("owner", "__array_interface__")

    def __init__(self, owner: Any, addr: int, shape: tuple, dtype: np.dtype) -> None:
        self.owner = owner
        self.__array_interface__ = {
            "version": 3,
            "shape": tuple(shape),
            "typestr": dtype.str,
            "data": (addr, True),  # True: read-only
        }


class Simulation:
    """One simulation in memory, advanced step by step.

    ``Simulation(scenario="default", days=None, seed=None, threads=None,
    overrides=None, **dotted_overrides)``; the arguments are those of
    :func:`run`. The state starts at step 0 (day 0) and never runs past the
    scenario's ``time.days``.
    """

    def __init__(self, scenario: ScenarioLike = "default", *, days: Optional[float] = None,
                 seed: Optional[int] = None, threads: Optional[int] = None,
                 overrides: Optional[Mapping[str, Any]] = None, **dotted_overrides: Any) -> None:
        kind, source = _source(scenario)
        self._sets = _sets(overrides, dotted_overrides, days, None)
        self._native = _native.NativeSimulation(kind, source, self._sets, threads, _seed(seed))

    def step(self, n: int = 1) -> int:
        """Advance ``n`` base steps (``time.step_min`` each; fewer at the end
        of the scenario). The GIL is released while stepping; Ctrl-C raises
        KeyboardInterrupt within about 0.1 s and leaves the simulation at a
        whole step, usable. Returns the number of steps done."""
        if n < 0:
            raise InputError(f"step(n={n}): allowed: n >= 0")
        return self._native.step(int(n))

    def run_to_end(self) -> int:
        """Step to the scenario's end (``time.days``); returns the steps done."""
        return self.step(self.total_steps - self.step_count)

    def set(self, key: str, value: Any) -> None:
        """Change the scenario key ``key`` (dotted, as for ``--set``) to
        ``value`` between steps; later steps use it. Keys of the sections
        ``tissue``, ``msc``, ``macrophage``, ``angiogenesis``, ``closure``
        and ``fields`` (not adding or removing a field) may change; the
        others (grid, time, output, patient, treatment, cohort, ...) raise
        :class:`InputError` naming the key, as does a bad value. On an
        error nothing changes. :attr:`scenario` shows the new value."""
        if not isinstance(key, str):
            raise InputError(f"set: key {key!r} is not a dotted key string")
        self._native.set(_sets({key: value}, {}, None, None))

    def checkpoint(self) -> bytes:
        """The whole state as bytes (the format of a run directory's
        ``checkpoint.bin``). :meth:`Simulation.restore` continues it with
        results identical, bit for bit, to continuing this simulation."""
        return bytes(self._native.checkpoint())

    @classmethod
    def restore(cls, data: Union[bytes, str, "os.PathLike[str]"], *,
                threads: Optional[int] = None) -> "Simulation":
        """A simulation continued from :meth:`checkpoint` bytes, or from a
        checkpoint file (e.g. a run directory's ``checkpoint.bin``, or the
        directory itself). ``threads`` as for the constructor."""
        if isinstance(data, (bytes, bytearray, memoryview)):
            origin, raw = "<checkpoint bytes>", bytes(data)
        else:
            path = Path(data)
            if path.is_dir():
                path = path / "checkpoint.bin"
            if not path.is_file():
                raise InputError(f"{path}: no such checkpoint file")
            origin, raw = str(path), path.read_bytes()
        sim = cls.__new__(cls)
        sim._sets = []
        sim._native = _native.NativeSimulation.restore(raw, origin, threads)
        return sim

    @property
    def day(self) -> float:
        """Simulated day reached."""
        return self._native.day

    @property
    def step_count(self) -> int:
        """Base steps done."""
        return self._native.step_count

    @property
    def total_steps(self) -> int:
        """Base steps of the whole scenario."""
        return self._native.total_steps

    @property
    def done(self) -> bool:
        """True once the scenario's end is reached."""
        return self.step_count >= self.total_steps

    @property
    def threads(self) -> int:
        """Worker threads stepping this simulation."""
        return self._native.threads

    @property
    def shape(self) -> tuple:
        """Field shape ``(ny, nx)``."""
        return (self._native.ny, self._native.nx)

    @property
    def dx_um(self) -> float:
        """Voxel size (µm)."""
        return self._native.dx_um

    @property
    def fields(self) -> Dict[str, str]:
        """Field name → unit, in field order."""
        return dict(self._native.fields())

    def field(self, name: str) -> np.ndarray:
        """Field ``name`` as a zero-copy, read-only numpy view of the
        simulation's own array: float32 of shape ``(ny, nx)`` (row = y
        index), ``(nz, ny, nx)`` on a 3D grid.

        The view is *live*: the solver updates the array in place, so after
        :meth:`step` the same view shows the new values (take
        ``np.array(view)`` to keep a copy of a day). The view keeps the
        simulation alive; the memory never moves while it lives. Do not read
        a view in one thread while another thread steps the same simulation.
        """
        addr, n = self._native.field_address(name)
        shape = self._field_shape
        assert math.prod(shape) == n
        holder = _ArrayHolder(self, addr, shape, np.dtype(np.float32))
        return np.asarray(holder)

    @property
    def _field_shape(self) -> tuple:
        nz = self._native.nz
        return (nz, self._native.ny, self._native.nx) if nz > 1 else self.shape

    def wound(self) -> np.ndarray:
        """Open-wound mask now, uint8 ``(ny, nx)``, 1 = open (read-only copy)."""
        return np.frombuffer(self._native.mask_bytes("wound"), dtype=np.uint8).reshape(self.shape)

    def vessels(self) -> np.ndarray:
        """Vessel map now, uint8 ``(ny, nx)``: 0 none, 1 sprout, 2 perfused,
        3 abnormal, 4 mature (read-only copy)."""
        return np.frombuffer(self._native.mask_bytes("vessels"), dtype=np.uint8).reshape(self.shape)

    def agents(self, kind: str = "msc") -> pd.DataFrame:
        """Agents of ``kind`` (``"msc"``, ``"macrophage"``, ``"neutrophil"``,
        ``"fibroblast"``, ``"tip"``) now, one row per agent in id order.
        Positions in µm; MSCs have ``state`` (live / senescent / dead /
        carrier, as in the snapshots' agents.csv), macrophages
        ``polarization`` (0 = M1 … 1 = M2) and ``state`` (m1 / m2),
        neutrophils ``state`` (live / apoptotic), fibroblasts ``state``
        (fibroblast / myofibroblast; an agent stands for
        ``fibroblast.cells_per_agent`` cells)."""
        cols = self._native.agents(kind)
        dtypes = {"id": np.uint64, "in_carrier": bool, "state_code": np.uint8}
        df = pd.DataFrame({
            k: (np.frombuffer(v, dtype=np.uint8) if isinstance(v, bytes)
                else np.asarray(v, dtype=dtypes.get(k, np.float32)))
            for k, v in cols.items()
        })
        if kind == "msc":
            state = df["state_code"].map(MSC_STATES).astype(object)
            state[(df["state_code"] == 0) & df["in_carrier"]] = "carrier"
            df["state"] = state
        elif kind == "macrophage":
            df["state"] = np.where(df["polarization"] >= 0.5, "m2", "m1")
        elif kind == "neutrophil":
            df["state"] = np.where(df["state_code"] == 1, "apoptotic", "live")
        elif kind == "fibroblast":
            df["state"] = np.where(df["state_code"] == 1, "myofibroblast", "fibroblast")
        return df

    @property
    def timeseries(self) -> pd.DataFrame:
        """Time-series rows so far (one per output step, units in the column
        names, as in ``timeseries.csv``)."""
        return _read_timeseries(self._native.timeseries_csv())

    @property
    def timeseries_csv(self) -> str:
        """The time series so far as the CSV text the CLI writes."""
        return self._native.timeseries_csv()

    @property
    def summary(self) -> Dict[str, Any]:
        """Summary of the rows so far (as ``summary.json``)."""
        return json.loads(self._native.summary_json())

    @property
    def scenario(self) -> Dict[str, Any]:
        """The fully resolved scenario (defaults included) as a dict: the
        manifest's ``scenario_toml`` parsed (unset optional keys are absent)."""
        return _toml_loads(self._native.scenario_toml())

    @property
    def scenario_toml(self) -> str:
        """The fully resolved scenario as TOML (as in a run's manifest)."""
        return self._native.scenario_toml()

    def __repr__(self) -> str:
        return (f"<woundsim.Simulation {self._native.label} day {self.day:.2f} "
                f"step {self.step_count}/{self.total_steps}>")


class Run:
    """A finished in-memory run: ``timeseries`` (DataFrame), ``timeseries_csv``
    (the CLI's CSV text), ``summary`` (dict), ``scenario`` (resolved, dict),
    and the field snapshots of the days the CLI would write them
    (``output.snapshot_days`` / ``snapshot_every_days`` and the last day):
    ``days``, ``fields(day)`` (xarray Dataset), ``agents(day)`` (DataFrame)."""

    def __init__(self, sim: Simulation, snapshots: Optional[List[Dict[str, Any]]] = None) -> None:
        self.timeseries_csv: str = sim.timeseries_csv
        self.timeseries: pd.DataFrame = _read_timeseries(self.timeseries_csv)
        self.summary: Dict[str, Any] = sim.summary
        self.scenario: Dict[str, Any] = sim.scenario
        self.scenario_toml: str = sim.scenario_toml
        self.units: Dict[str, str] = sim.fields
        self.dx_um: float = sim.dx_um
        self._dz_um: float = sim._native.dz_um
        self._snapshots: List[Dict[str, Any]] = snapshots or []

    @property
    def days(self) -> List[float]:
        """Days with a field snapshot."""
        return [s["day"] for s in self._snapshots]

    def fields(self, day: Optional[float] = None):
        """The fields of ``day`` (default: the last snapshot) as an xarray
        Dataset: dims ``(y, x)`` (``(z, y, x)`` in 3D), voxel-centre
        coordinates ``x``, ``y`` in µm, each field's unit in its ``units``
        attribute, plus ``wound`` (1 = open) and ``vessels`` (codes in
        :data:`VESSEL_CODES`, CF ``flag_values``/``flag_meanings``)."""
        s = self._snapshots[pick_day(self.days, day, "run")]
        return fields_dataset(s["fields"], self.units, self.dx_um, s["day"], s["wound"],
                              s["vessels"], dz_um=self._dz_um,
                              attrs={"scenario": self.summary.get("scenario", ""),
                                     "seed": self.summary.get("seed", 0)})

    def agents(self, day: Optional[float] = None) -> pd.DataFrame:
        """The agents of ``day`` (default: the last snapshot), one row each:
        ``kind`` (msc, macrophage, tip), ``id``, ``x_um``, ``y_um``,
        ``state`` (as in a snapshot's ``agents.csv``)."""
        return self._snapshots[pick_day(self.days, day, "run")]["agents"].copy()

    def __repr__(self) -> str:
        return (f"<woundsim.Run {self.summary.get('scenario')} seed {self.summary.get('seed')} "
                f"{self.summary.get('days')} d: closure {self.summary.get('closure_pct_final'):.1f} %>")


def _capture(sim: Simulation) -> Dict[str, Any]:
    """Copies of the fields, maps and agents of ``sim`` now."""
    parts = []
    # The kinds in the order of a snapshot's agents.csv.
    for kind in ("msc", "macrophage", "neutrophil", "fibroblast", "tip"):
        a = sim.agents(kind)
        state = a["state"] if "state" in a else pd.Series(["tip"] * len(a), dtype=object)
        cols = {"kind": kind, "id": a["id"].astype(np.int64),
                "x_um": a["x_um"].astype(np.float64),
                "y_um": a["y_um"].astype(np.float64), "state": state.values}
        if "z_um" in a:
            cols["z_um"] = a["z_um"].astype(np.float64)
        parts.append(pd.DataFrame(cols))
    return {
        "day": sim.day,
        "fields": {n: np.array(sim.field(n)) for n in sim.fields},
        "wound": np.array(sim.wound()),
        "vessels": np.array(sim.vessels()),
        "agents": pd.concat(parts, ignore_index=True),
    }


def run(scenario: ScenarioLike = "default", days: Optional[float] = None, seed: Optional[int] = None,
        threads: Optional[int] = None, overrides: Optional[Mapping[str, Any]] = None,
        snapshots: bool = True, **dotted_overrides: Any) -> Run:
    """Run a scenario in-process to its end and return a :class:`Run`.

    ``scenario``: ``"default"`` (built-in), a shipped name, a TOML path or a
    dict (the contents of a scenario file); ``days`` / ``seed`` as
    ``--days`` / ``--seed``; ``threads``: a thread pool of its own (default
    RAYON_NUM_THREADS or all cores; results do not depend on it);
    ``overrides``: ``{"dotted.key": value}`` as ``--set``; keyword arguments
    with ``__`` for dots likewise (``domain__width_um=2000``);
    ``snapshots``: keep the fields, maps and agents of the snapshot days in
    memory for :meth:`Run.fields` / :meth:`Run.agents` (``False`` as
    ``--no-snapshots``). Results are those of ``woundsim run`` with the same scenario and seed.
    Raises :class:`InputError` for bad input (naming the key) and
    :class:`NumericalError` on a numerical failure.
    """
    sim = Simulation(scenario, days=days, seed=seed, threads=threads, overrides=overrides,
                     **dotted_overrides)
    snaps = []
    if snapshots:
        for at in sim._native.snapshot_steps:
            sim.step(at - sim.step_count)
            snaps.append(_capture(sim))
    sim.run_to_end()
    return Run(sim, snaps)


def cohort(scenario: ScenarioLike = "default", replicates: int = 10, days: Optional[float] = None,
           seed: Optional[int] = None, threads: Optional[int] = None,
           overrides: Optional[Mapping[str, Any]] = None, **dotted_overrides: Any) -> Cohort:
    """Run ``scenario`` as a cohort of ``replicates`` virtual patients in a
    thread pool of its own (``threads`` workers; default RAYON_NUM_THREADS
    or all cores) and return a :class:`Cohort`. Replicate ``i`` runs with
    the seed the CLI uses (``woundsim run --replicates N``), so the tables
    equal the CLI's ``cohort.csv``, ``cohort_timeseries.csv`` and
    ``cohort_summary.json``. Ctrl-C stops starting replicates; those under
    way finish, then KeyboardInterrupt is raised. Other arguments as for
    :func:`run`."""
    kind, source = _source(scenario)
    if not isinstance(replicates, (int, np.integer)) or replicates < 1:
        raise InputError(f"replicates={replicates!r}: allowed: a whole number >= 1")
    sets = _sets(overrides, dotted_overrides, days, None)
    table, ts, summary, reps = _native.cohort(kind, source, sets, _seed(seed), int(replicates), threads)
    return Cohort(table, ts, summary, reps)


def sweep(design: Any, scenario: ScenarioLike = "default", *, keys: Optional[List[str]] = None,
          outcomes: Optional[List[str]] = None, replicates: int = 1,
          seeds: Optional[List[int]] = None, days: Optional[float] = None,
          seed: Optional[int] = None, threads: Optional[int] = None,
          overrides: Optional[Mapping[str, Any]] = None, **dotted_overrides: Any) -> pd.DataFrame:
    """Run every point of ``design`` (rows; columns are dotted scenario keys)
    on ``scenario`` in a thread pool of its own, and return one row per
    (point, replicate): ``point``, ``replicate``, ``seed``, the design's
    columns and the outcomes.

    ``design``: a DataFrame, a dict of equal-length columns, a list of dicts,
    or a 2-D array with ``keys=`` naming its columns (e.g. a SALib sample
    with ``keys=problem["names"]``). ``outcomes``: summary keys to keep
    (top-level keys of ``summary.json`` such as ``closure_pct_final``, or
    ``final.<column>`` for the last time-series value); default all.
    ``replicates``: runs per point; replicate ``r`` uses the seed of
    cohort replicate ``r`` of the master ``seed`` (the same seeds at every
    point: common random numbers), or give ``seeds`` explicitly. Each run
    equals ``woundsim.run(scenario, seed=that_seed, overrides={...point})``.
    Every point is validated before any run starts; a bad key or value
    raises :class:`InputError` naming the point and the key. Results do not
    depend on ``threads``."""
    kind, source = _source(scenario)
    df = design_table(design, keys)
    base = _sets(overrides, dotted_overrides, days, None)
    # A missing cell (None or NaN: a key absent from one dict of a list)
    # leaves that key at the scenario's value for that point.
    points = [[f"{k}={_toml_literal(k, _py(v))}" for k, v in zip(df.columns, row) if not _missing(v)]
              for row in df.itertuples(index=False, name=None)]
    if seeds is None:
        if not isinstance(replicates, (int, np.integer)) or replicates < 1:
            raise InputError(f"replicates={replicates!r}: allowed: a whole number >= 1")
        master = _seed(seed)
        if master is None:
            master = int(Simulation(scenario, days=1 if days is None else days, overrides=overrides,
                                    **dotted_overrides).scenario["seed"])
        seeds = [int(s) for s in _native.replicate_seeds(master, int(replicates))]
    else:
        seeds = [int(_seed(s)) for s in seeds]
    summaries = _native.sweep_points(kind, source, base, points, seeds, threads)
    rows = []
    n = len(seeds)
    for i, point in enumerate(df.itertuples(index=False, name=None)):
        for r, s in enumerate(seeds):
            flat = flatten_summary(json.loads(summaries[i * n + r]))
            if outcomes is not None:
                missing = [o for o in outcomes if o not in flat]
                if missing:
                    raise InputError(f"unknown outcome '{missing[0]}' (allowed: {', '.join(flat)})")
                flat = {o: flat[o] for o in outcomes}
            else:
                flat.pop("seed", None)
            rows.append({"point": i, "replicate": r, "seed": s, **dict(zip(df.columns, point)), **flat})
    out = pd.DataFrame(rows)
    out["seed"] = out["seed"].astype(np.uint64)
    return out


def _missing(v: Any) -> bool:
    """A design cell left empty (None or a float NaN)."""
    return v is None or (isinstance(v, (float, np.floating)) and math.isnan(v))


def _seed(seed: Any) -> Optional[int]:
    """A seed as an int in 0..2^64 (None stays None)."""
    if seed is None:
        return None
    if not (isinstance(seed, (int, np.integer)) and 0 <= int(seed) < 2**64):
        e = InputError(f"seed {seed!r}: allowed: a whole number from 0 to 2^64 - 1")
        e.key = "seed"
        raise e
    return int(seed)
