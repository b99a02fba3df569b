"""Cohorts and sweeps in-process, each in a thread pool of its own."""

from __future__ import annotations

import io
import json
import math
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

import numpy as np
import pandas as pd

from . import _native
from ._native import InputError


class CohortReplicate:
    """One replicate of an in-memory cohort: ``index``, ``seed``,
    ``timeseries`` (DataFrame), ``timeseries_csv`` and ``summary`` (dict)."""

    def __init__(self, index: int, seed: int, csv: str, summary: str) -> None:
        self.index = index
        self.seed = seed
        self.name = f"r{index:03d}"
        self.timeseries_csv = csv
        self.timeseries = pd.read_csv(io.StringIO(csv))
        self.summary: Dict[str, Any] = json.loads(summary)

    def __repr__(self) -> str:
        return f"<woundsim.CohortReplicate {self.index} seed {self.seed}>"


class Cohort:
    """An in-memory cohort (:func:`woundsim.cohort`), with the attributes of
    a loaded cohort directory (:class:`woundsim.CohortDir`): ``table`` (one
    row per replicate, as ``cohort.csv``), ``summary`` (as
    ``cohort_summary.json``), ``timeseries`` (as ``cohort_timeseries.csv``),
    ``replicates``; the CSV texts as ``table_csv`` and ``timeseries_csv``."""

    kind = "cohort"

    def __init__(self, table: str, ts: str, summary: str, reps: Sequence[tuple]) -> None:
        self.table_csv = table
        self.timeseries_csv = ts
        self.table = pd.read_csv(io.StringIO(table))
        self.timeseries = pd.read_csv(io.StringIO(ts))
        self.summary: Dict[str, Any] = json.loads(summary)
        self.replicates = [CohortReplicate(*r) for r in reps]

    def outcome(self, name: str) -> pd.Series:
        """One outcome over the replicates (a column of :attr:`table`)."""
        if name not in self.table.columns:
            raise InputError(f"unknown cohort outcome '{name}' (allowed: "
                             f"{', '.join(self.table.columns[2:])})")
        return self.table[name]

    def __repr__(self) -> str:
        return (f"<woundsim.Cohort {self.summary.get('scenario')} "
                f"{self.summary.get('replicates')} replicates, {self.summary.get('days')} d>")


def flatten_summary(s: Mapping[str, Any]) -> Dict[str, Any]:
    """A run summary as one level: the top-level outcomes, and the last
    time-series row's values as ``final.<column>`` (as sweep outcomes are
    named); text keys (``scenario``) are dropped."""
    out: Dict[str, Any] = {}
    for k, v in s.items():
        if k == "final_values" and isinstance(v, Mapping):
            for fk, fv in v.items():
                out[f"final.{fk}"] = math.nan if fv is None else fv
        elif isinstance(v, bool):
            out[k] = v
        elif v is None or isinstance(v, (int, float)):
            out[k] = math.nan if v is None else v
    return out


def design_table(design: Any, keys: Optional[Sequence[str]]) -> pd.DataFrame:
    """The design as a DataFrame whose columns are dotted scenario keys."""
    if isinstance(design, pd.DataFrame):
        df = design.reset_index(drop=True)
    elif isinstance(design, np.ndarray) or (isinstance(design, (list, tuple)) and design
                                            and not isinstance(design[0], Mapping)):
        a = np.asarray(design)
        if a.ndim != 2:
            raise InputError(f"design: an array of shape {a.shape} (allowed: 2-D, one row per point)")
        if keys is None or len(keys) != a.shape[1]:
            raise InputError(f"design: an array with {a.shape[1]} columns needs keys= with as many "
                             "dotted scenario keys (e.g. problem['names'] of SALib)")
        df = pd.DataFrame(a, columns=list(keys))
    elif isinstance(design, Mapping):
        df = pd.DataFrame(dict(design))
    elif isinstance(design, (list, tuple)):
        df = pd.DataFrame(list(design))
    else:
        raise InputError(f"design of type {type(design).__name__} (allowed: DataFrame, dict of "
                         "columns, list of dicts, 2-D array with keys=)")
    if keys is not None and list(df.columns) != list(keys):
        df = df[list(keys)]
    if len(df) == 0:
        raise InputError("design: no points")
    return df


def _py(v: Any) -> Any:
    """A numpy scalar as the Python value of its kind."""
    if isinstance(v, np.generic):
        return v.item()
    return v
