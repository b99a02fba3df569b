"""Labelled data (xarray Datasets of fields) and the loaders of the output
directories the CLI writes: runs, cohorts, comparisons and sweeps. Every
loader is lazy: it reads the small JSON files it needs to know what is
there, and tables and fields only when asked for (fields memory-mapped)."""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

import numpy as np
import pandas as pd

from ._native import InputError

PathLike = Union[str, "os.PathLike[str]"]

#: Vessel-map codes (``vessels`` in snapshots and datasets).
VESSEL_CODES = {0: "none", 1: "sprout", 2: "perfused", 3: "abnormal", 4: "mature"}

#: Columns of a snapshot's agent table (``agents.csv``, :meth:`Run.agents`).
AGENT_COLUMNS = ["kind", "id", "x_um", "y_um", "state"]


def toml_loads(text: str) -> Dict[str, Any]:
    """Parse TOML (``tomllib`` on Python >= 3.11, else ``tomli``)."""
    try:
        import tomllib  # Python >= 3.11
    except ImportError:  # pragma: no cover - Python < 3.11
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ImportError:
            raise ImportError("reading a scenario needs Python >= 3.11 or `pip install tomli`") from None
    return tomllib.loads(text)


def _read_json(path: Path) -> Dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def fields_dataset(arrays: Mapping[str, np.ndarray], units: Mapping[str, str], dx_um: float,
                   day: float, wound: Optional[np.ndarray] = None,
                   vessels: Optional[np.ndarray] = None, dz_um: Optional[float] = None,
                   attrs: Optional[Mapping[str, Any]] = None):
    """An xarray Dataset of the fields of one day: dims ``(y, x)`` (or
    ``(z, y, x)``), voxel-centre coordinates in µm, each field's unit in its
    ``units`` attribute; the wound mask and vessel map as integer variables
    with CF ``flag_values`` / ``flag_meanings``."""
    try:
        import xarray as xr
    except ImportError:
        raise ImportError("fields as a Dataset need xarray: `pip install xarray`") from None
    first = next(iter(arrays.values()))
    shape = first.shape
    dims = ("z", "y", "x") if len(shape) == 3 else ("y", "x")
    coords = {}
    sizes = dict(zip(dims, shape))
    for d in dims:
        step = dz_um if (d == "z" and dz_um) else dx_um
        coords[d] = xr.DataArray((np.arange(sizes[d]) + 0.5) * step, dims=(d,),
                                 attrs={"units": "µm", "long_name": f"{d} of the voxel centre"})
    data_vars = {}
    for name, a in arrays.items():
        data_vars[name] = xr.DataArray(a, dims=dims, attrs={"units": units.get(name, ""),
                                                          "long_name": name})
    if wound is not None:
        data_vars["wound"] = xr.DataArray(wound.reshape(shape[-2:]) if wound.ndim == 2 else wound,
                                          dims=dims[-2:], attrs={
                                              "units": "1", "long_name": "open wound",
                                              "flag_values": [0, 1], "flag_meanings": "closed open"})
    if vessels is not None:
        data_vars["vessels"] = xr.DataArray(vessels, dims=dims[-2:], attrs={
            "units": "1", "long_name": "vessel state",
            "flag_values": list(VESSEL_CODES), "flag_meanings": " ".join(VESSEL_CODES.values())})
    ds = xr.Dataset(data_vars, coords=coords)
    ds.attrs.update({"day": float(day), "dx_um": float(dx_um)})
    if attrs:
        ds.attrs.update(attrs)
    return ds


def pick_day(days: Sequence[float], day: Optional[float], where: str) -> int:
    """Index of ``day`` in ``days`` (``None``: the last one)."""
    if not days:
        raise InputError(f"{where}: no field snapshots (run with snapshots)")
    if day is None:
        return len(days) - 1
    for i, d in enumerate(days):
        if d == day:
            return i
    raise InputError(f"{where}: no snapshot of day {day} (allowed: {', '.join(map(str, days))})")


class Snapshot:
    """One field snapshot of a run directory; files are read when asked for
    (``np.load`` with ``mmap_mode="r"``: nothing is loaded up front)."""

    def __init__(self, sdir: Path, entry: Mapping[str, Any], dx_um: float = 0.0) -> None:
        self._dir = sdir
        self.entry = dict(entry)
        self.day: float = float(entry["day"])
        self.units: Dict[str, str] = dict(entry.get("units", {}))
        self.dx_um = dx_um

    @property
    def fields(self) -> List[str]:
        """Field names in this snapshot."""
        return list(self.entry["fields"])

    def field(self, name: str) -> np.ndarray:
        """Field ``name`` (float32, ``(ny, nx)``), memory-mapped read-only."""
        files = self.entry["fields"]
        if name not in files:
            raise InputError(f"unknown field '{name}' (allowed: {', '.join(files)})")
        return np.load(self._dir / files[name], mmap_mode="r")

    def wound(self) -> np.ndarray:
        """Open-wound mask (uint8, 1 = open)."""
        return np.load(self._dir / self.entry["wound"], mmap_mode="r")

    def vessels(self) -> np.ndarray:
        """Vessel map (uint8: 0 none, 1 sprout, 2 perfused, 3 abnormal, 4 mature)."""
        return np.load(self._dir / self.entry["vessels"], mmap_mode="r")

    def agents(self) -> pd.DataFrame:
        """Agents (``kind,id,x_um,y_um,state``)."""
        return pd.read_csv(self._dir / self.entry["agents"])

    def dataset(self, attrs: Optional[Mapping[str, Any]] = None):
        """All fields, the wound mask and the vessel map as an xarray
        Dataset (memory-mapped: values are read when used)."""
        return fields_dataset({n: self.field(n) for n in self.fields}, self.units, self.dx_um,
                              self.day, self.wound(), self.vessels(), attrs=attrs)

    def __repr__(self) -> str:
        return f"<woundsim.Snapshot day {self.day}: {', '.join(self.fields)}>"


class RunDir:
    """A run directory the CLI wrote (``woundsim run --out DIR``), read lazily:
    ``manifest`` and ``summary`` (dicts), ``timeseries`` (DataFrame, read on
    first use), ``scenario`` (resolved, from the manifest), ``snapshots``
    (list of :class:`Snapshot`, fields read on demand), ``fields(day)`` and
    ``agents(day)`` as for an in-memory :class:`~woundsim.Run`."""

    kind = "run"

    def __init__(self, path: PathLike) -> None:
        self.path = Path(path)
        mf = self.path / "manifest.json"
        if not mf.is_file():
            raise InputError(f"{self.path}: not a woundsim run directory (no manifest.json)")
        self.manifest: Dict[str, Any] = _read_json(mf)
        self._timeseries: Optional[pd.DataFrame] = None
        idx = self.path / "snapshots" / "index.json"
        self.index: Dict[str, Any] = _read_json(idx) if idx.is_file() else {}
        dx = float(self.index.get("dx_um", 0.0))
        self.snapshots: List[Snapshot] = [
            Snapshot(self.path / "snapshots", e, dx) for e in self.index.get("snapshots", [])
        ]

    @property
    def status(self) -> str:
        """Run status from the manifest (complete, interrupted, failed, running)."""
        return self.manifest.get("status", "")

    @property
    def timeseries(self) -> pd.DataFrame:
        """``timeseries.csv`` (or ``timeseries.partial.csv`` of an unfinished run)."""
        if self._timeseries is None:
            f = self.path / "timeseries.csv"
            if not f.is_file():
                f = self.path / "timeseries.partial.csv"
            if not f.is_file():
                raise InputError(f"{self.path}: no timeseries.csv")
            self._timeseries = pd.read_csv(f)
        return self._timeseries

    @property
    def summary(self) -> Dict[str, Any]:
        """``summary.json`` (complete runs only)."""
        f = self.path / "summary.json"
        if not f.is_file():
            raise InputError(f"{self.path}: no summary.json (run status: {self.status})")
        return _read_json(f)

    @property
    def scenario_toml(self) -> str:
        """The resolved scenario as TOML (from the manifest)."""
        return self.manifest["scenario_toml"]

    @property
    def scenario(self) -> Dict[str, Any]:
        """The resolved scenario as a dict (from the manifest)."""
        return toml_loads(self.scenario_toml)

    @property
    def days(self) -> List[float]:
        """Days with a snapshot."""
        return [s.day for s in self.snapshots]

    def snapshot(self, day: Optional[float] = None) -> Snapshot:
        """The snapshot of ``day`` (default: the last one)."""
        return self.snapshots[pick_day(self.days, day, str(self.path))]

    def field(self, name: str, day: Optional[float] = None) -> np.ndarray:
        """Field ``name`` on ``day`` (memory-mapped, read-only)."""
        return self.snapshot(day).field(name)

    def fields(self, day: Optional[float] = None):
        """The fields of ``day`` (default: the last snapshot) as an xarray
        Dataset: dims ``(y, x)``, coordinates in µm, units in attrs."""
        return self.snapshot(day).dataset({"scenario": self.manifest.get("scenario_name", ""),
                                          "seed": self.manifest.get("seed", 0)})

    def agents(self, day: Optional[float] = None) -> pd.DataFrame:
        """The agents of ``day`` (``kind,id,x_um,y_um,state``)."""
        return self.snapshot(day).agents()

    def __repr__(self) -> str:
        return f"<woundsim.RunDir {self.path} ({self.status}, {len(self.snapshots)} snapshots)>"


class Replicate:
    """One replicate of a cohort directory: ``timeseries`` and ``summary``,
    read on first use."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name

    @functools.cached_property
    def timeseries(self) -> pd.DataFrame:
        """The replicate's ``timeseries.csv``."""
        return pd.read_csv(self.path / "timeseries.csv")

    @functools.cached_property
    def summary(self) -> Dict[str, Any]:
        """The replicate's ``summary.json``."""
        return _read_json(self.path / "summary.json")

    def __repr__(self) -> str:
        return f"<woundsim.Replicate {self.name}>"


class CohortDir:
    """A cohort directory (``woundsim run --replicates N`` or one scenario of
    a comparison): ``table`` (``cohort.csv``: one row per replicate, the
    patient draws and the outcomes), ``summary`` (``cohort_summary.json``),
    ``timeseries`` (``cohort_timeseries.csv``), ``replicates`` (lazy
    :class:`Replicate` list), ``manifest`` and ``scenario`` when the
    directory has a manifest."""

    kind = "cohort"

    def __init__(self, path: PathLike) -> None:
        self.path = Path(path)
        if not (self.path / "cohort_summary.json").is_file():
            raise InputError(f"{self.path}: not a woundsim cohort directory (no cohort_summary.json)")
        mf = self.path / "manifest.json"
        self.manifest: Dict[str, Any] = _read_json(mf) if mf.is_file() else {}

    @functools.cached_property
    def summary(self) -> Dict[str, Any]:
        """``cohort_summary.json``: the outcomes' means and intervals."""
        return _read_json(self.path / "cohort_summary.json")

    @functools.cached_property
    def table(self) -> pd.DataFrame:
        """``cohort.csv``: one row per replicate."""
        return pd.read_csv(self.path / "cohort.csv")

    @functools.cached_property
    def timeseries(self) -> pd.DataFrame:
        """``cohort_timeseries.csv``: the cohort's time course."""
        return pd.read_csv(self.path / "cohort_timeseries.csv")

    @functools.cached_property
    def replicates(self) -> List[Replicate]:
        """The replicates, in order (files read on use)."""
        rdir = self.path / "replicates"
        if not rdir.is_dir():
            return []
        return [Replicate(p) for p in sorted(rdir.iterdir()) if p.is_dir()]

    @property
    def scenario(self) -> Dict[str, Any]:
        """The resolved scenario (from the manifest)."""
        if "scenario_toml" not in self.manifest:
            raise InputError(f"{self.path}: no manifest with the scenario")
        return toml_loads(self.manifest["scenario_toml"])

    def __repr__(self) -> str:
        return f"<woundsim.CohortDir {self.path}>"


class ComparisonDir:
    """A comparison directory (``woundsim compare``): ``table``
    (``comparison.csv``, one row per scenario), ``report`` (the Markdown
    text), ``cohorts`` (label → :class:`CohortDir`, lazy), ``manifest``."""

    kind = "comparison"

    def __init__(self, path: PathLike) -> None:
        self.path = Path(path)
        if not (self.path / "comparison.csv").is_file():
            raise InputError(f"{self.path}: not a woundsim comparison directory (no comparison.csv)")
        self.manifest: Dict[str, Any] = _read_json(self.path / "manifest.json")

    @functools.cached_property
    def table(self) -> pd.DataFrame:
        """``comparison.csv``: one row per scenario."""
        return pd.read_csv(self.path / "comparison.csv")

    @property
    def report(self) -> str:
        """``comparison.md``."""
        return (self.path / "comparison.md").read_text(encoding="utf-8")

    @functools.cached_property
    def cohorts(self) -> Dict[str, CohortDir]:
        """Scenario label → its cohort, in the comparison's order."""
        return {label: CohortDir(self.path / label) for label in self.table["scenario"].astype(str)}

    def __repr__(self) -> str:
        return f"<woundsim.ComparisonDir {self.path}: {', '.join(self.cohorts)}>"


class SweepDir:
    """A sweep directory (``woundsim sweep``): ``runs`` (``runs.csv``, one row
    per run: factor values, status and outcomes), ``info`` (``sweep.json``),
    ``design`` (``sweep.toml`` parsed), ``base`` (``base.toml`` parsed),
    ``timeseries(i)`` (run ``i``'s time series, when written)."""

    kind = "sweep"

    def __init__(self, path: PathLike) -> None:
        self.path = Path(path)
        if not (self.path / "sweep.toml").is_file():
            raise InputError(f"{self.path}: not a woundsim sweep directory (no sweep.toml)")

    @functools.cached_property
    def runs(self) -> pd.DataFrame:
        """``runs.csv`` (the rows of finished runs)."""
        return pd.read_csv(self.path / "runs.csv")

    @functools.cached_property
    def info(self) -> Dict[str, Any]:
        """``sweep.json``."""
        f = self.path / "sweep.json"
        return _read_json(f) if f.is_file() else {}

    @functools.cached_property
    def design(self) -> Dict[str, Any]:
        """The sweep file (``sweep.toml``) as a dict."""
        return toml_loads((self.path / "sweep.toml").read_text(encoding="utf-8"))

    @functools.cached_property
    def base(self) -> Dict[str, Any]:
        """The base scenario (``base.toml``) as a dict."""
        return toml_loads((self.path / "base.toml").read_text(encoding="utf-8"))

    def timeseries(self, run: int) -> pd.DataFrame:
        """Run ``run``'s time series (``timeseries/run_<i>.csv``; written with
        ``woundsim sweep --timeseries``)."""
        f = self.path / "timeseries" / f"run_{int(run)}.csv"
        if not f.is_file():
            raise InputError(f"{f}: no such time series (run the sweep with --timeseries)")
        return pd.read_csv(f)

    def __repr__(self) -> str:
        return f"<woundsim.SweepDir {self.path}>"


_KINDS: Dict[str, Callable[[Path], Any]] = {
    "run": RunDir,
    "cohort": CohortDir,
    "comparison": ComparisonDir,
    "sweep": SweepDir,
}


def load(path: PathLike):
    """Open an output directory the CLI wrote, lazily: a run
    (:class:`RunDir`), a cohort (:class:`CohortDir`), a comparison
    (:class:`ComparisonDir`) or a sweep (:class:`SweepDir`). The kind is
    read from the directory's ``.woundsim-output`` marker, or recognised by
    its files (a comparison's per-scenario cohort has no marker)."""
    p = Path(path)
    if not p.is_dir():
        raise InputError(f"{p}: no such directory")
    marker = p / ".woundsim-output"
    kind = None
    if marker.is_file():
        try:
            kind = _read_json(marker).get("kind")
        except ValueError:
            kind = None
    if kind is None:
        for k, f in (("comparison", "comparison.csv"), ("cohort", "cohort_summary.json"),
                     ("sweep", "sweep.toml"), ("run", "manifest.json")):
            if (p / f).is_file():
                kind = k
                break
    if kind not in _KINDS:
        raise InputError(f"{p}: not a woundsim run directory (kind {kind!r}; allowed: "
                         f"{', '.join(_KINDS)})")
    return _KINDS[kind](p)
