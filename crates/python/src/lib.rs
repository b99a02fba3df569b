//! # woundsim-python
//!
//! The extension module `woundsim._native` behind the `woundsim` Python
//! package (`python/`, built with maturin). It only converts: scenarios in
//! (built-in, shipped name, file or a table given as JSON, with `--set`-style
//! overrides), the core's step loop driven with the GIL released, and the
//! state out (time-series CSV text exactly as the CLI writes it, summary as JSON,
//! the resolved scenario as TOML, fields and masks as raw bytes, agents as lists). The
//! Python layer (`python/woundsim/__init__.py`) builds the pandas and numpy
//! objects; no simulation logic lives here.

use pyo3::exceptions::{PyException, PyOSError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use woundsim_core::error::{Error, InputError as CoreInputError};
use woundsim_core::observe::{self, Summary};
use woundsim_core::phase::PhaseTimes;
use woundsim_core::scenario::{self, Params, Scenario, BUILTIN_LABEL};
use woundsim_core::shipped;
use woundsim_core::sim::{self, SimState, Workspace};

pyo3::create_exception!(
    woundsim,
    WoundsimError,
    PyException,
    "Base class of every error woundsim raises."
);
pyo3::create_exception!(
    woundsim,
    InputError,
    WoundsimError,
    "Bad input: a scenario key, value or file. `.key` is the dotted key (or None), `.file` where the input came from."
);
pyo3::create_exception!(
    woundsim,
    NumericalError,
    WoundsimError,
    "The simulation produced a non-finite or negative value. `.field`, `.ix`, `.iy`, `.step`, `.day` locate it."
);

/// Longest stretch of stepping without looking at Python's signal flags.
const SIGNAL_POLL: Duration = Duration::from_millis(100);

fn input_err(py: Python<'_>, msg: String, key: Option<&str>, file: Option<&str>) -> PyErr {
    let err = InputError::new_err(msg);
    let v = err.value(py);
    // Setting attributes on a fresh exception instance cannot fail in practice;
    // if it did, the message still names the key.
    let _ = v.setattr("key", key);
    let _ = v.setattr("file", file);
    err
}

fn core_input(py: Python<'_>, e: &CoreInputError) -> PyErr {
    input_err(py, e.to_string(), e.key.as_deref(), Some(&e.file))
}

/// Map a library error to the Python exception of its kind.
fn to_py(py: Python<'_>, e: Error) -> PyErr {
    match &e {
        Error::Input(ie) => core_input(py, ie),
        Error::Numerical {
            field,
            ix,
            iy,
            step,
            day,
            ..
        } => {
            let err = NumericalError::new_err(e.to_string());
            let v = err.value(py);
            let _ = v.setattr("field", field.as_str());
            let _ = v.setattr("ix", *ix);
            let _ = v.setattr("iy", *iy);
            let _ = v.setattr("step", *step);
            let _ = v.setattr("day", *day);
            err
        }
        Error::Io { .. } => PyOSError::new_err(e.to_string()),
        _ if e.is_input() => input_err(py, e.to_string(), None, None),
        _ => WoundsimError::new_err(e.to_string()),
    }
}

/// Names of the scenarios shipped with woundsim (`scenarios/*.toml`).
#[pyfunction]
fn shipped_scenarios() -> Vec<&'static str> {
    shipped::names()
}

/// The text of the shipped scenario `name`, if there is one.
#[pyfunction]
fn shipped_scenario_text(name: &str) -> Option<&'static str> {
    shipped::SHIPPED
        .iter()
        .find(|s| s.name == name)
        .map(|s| s.toml)
}

/// Load and validate a scenario as the CLI does (`woundsim run [FILE] --set ...`).
fn load_params(
    py: Python<'_>,
    kind: &str,
    source: Option<&str>,
    sets: &[String],
    seed: Option<u64>,
) -> PyResult<Params> {
    let loaded: Result<(Scenario, String), Error> = match (kind, source) {
        ("builtin", _) => Scenario::builtin(sets)
            .map(|s| (s, BUILTIN_LABEL.to_string()))
            .map_err(Error::from),
        ("file", Some(path)) => {
            Scenario::load(std::path::Path::new(path), sets).map(|s| (s, path.to_string()))
        }
        ("shipped", Some(name)) => match shipped_scenario_text(name) {
            Some(text) => {
                let label = format!("scenarios/{name}.toml");
                Scenario::from_toml_str(text, &label, sets)
                    .map(|s| (s, label))
                    .map_err(Error::from)
            }
            None => {
                return Err(input_err(
                    py,
                    format!(
                        "no shipped scenario named '{name}' (allowed: default, {})",
                        shipped_scenarios().join(", ")
                    ),
                    None,
                    None,
                ))
            }
        },
        ("json", Some(json)) => {
            let label = "<scenario dict>";
            match serde_json::from_str::<toml::Table>(json) {
                Ok(table) => Scenario::from_table(table, label, sets)
                    .map(|s| (s, label.to_string()))
                    .map_err(Error::from),
                Err(e) => {
                    return Err(input_err(
                        py,
                        format!("{label}: not representable as a scenario table: {e}"),
                        None,
                        Some(label),
                    ))
                }
            }
        }
        _ => {
            return Err(WoundsimError::new_err(format!(
                "internal: scenario kind '{kind}' with source {source:?}"
            )))
        }
    };
    let (mut scenario, label) = loaded.map_err(|e| to_py(py, e))?;
    // Applied after the overrides, as `--seed` is; any u64 (a TOML
    // override only reaches i64::MAX).
    if let Some(seed) = seed {
        scenario.seed = seed;
    }
    Params::new(scenario, &label)
        .map_err(|e| scenario::blame_overrides(e, sets))
        .map_err(|e| core_input(py, &e))
}

mod simulation;
mod study;
use simulation::NativeSimulation;

/// The module `woundsim._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("WoundsimError", py.get_type::<WoundsimError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("NumericalError", py.get_type::<NumericalError>())?;
    m.add("VERSION", woundsim_core::VERSION)?;
    m.add_class::<NativeSimulation>()?;
    m.add_function(wrap_pyfunction!(shipped_scenarios, m)?)?;
    m.add_function(wrap_pyfunction!(shipped_scenario_text, m)?)?;
    m.add_function(wrap_pyfunction!(study::cohort, m)?)?;
    m.add_function(wrap_pyfunction!(study::replicate_seeds, m)?)?;
    m.add_function(wrap_pyfunction!(study::sweep_points, m)?)?;
    Ok(())
}
