//! # woundsim
//!
//! A fast, reproducible agent-based simulator of the chronic-wound
//! microenvironment under mesenchymal stem cell (MSC) therapy.
//!
//! This package is the `woundsim` command-line tool, its benchmark suite
//! ([`bench`]), its criterion benches and its end-to-end tests. The library
//! it builds on is a cargo workspace, re-exported here under one name:
//!
//! | crate | modules | role |
//! |---|---|---|
//! | `woundsim-core` | `agents`, `cohort`, `error`, `fields`, `grid`, `mechanisms`, `observe`, `rng`, `scenario`, `sim`, `tissue` | the simulation: no files, no clock unless asked, builds for wasm32 |
//! | `woundsim-io` | `output`, `run` | runs, run directories, checkpoints, resume |
//! | `woundsim-plot` | `plot` | figures from run directories |
//! | `woundsim-study` | `cohort_run`, `compare`, `stats`, `sweep`, `trial`, `validate` | cohorts, comparisons, sweeps, virtual trials, validation |
//!
//! ```no_run
//! use woundsim::{scenario::{Params, Scenario}, run::simulate};
//! let s = Scenario::builtin(&["time.days=7".into()]).unwrap();
//! let p = Params::new(s, "built-in").unwrap();
//! let out = simulate(&p, 1).unwrap();
//! println!("closure at day 7: {:.1} %", out.summary.closure_pct_final);
//! ```
//!
//! See ARCHITECTURE.md for the phase table, data flow and crate map.

pub mod bench;
pub mod serve;

pub use woundsim_core::{
    agents, cohort, error, fields, grid, mechanisms, observe, phase, rng, scenario, shipped, sim,
    tissue, VERSION,
};
pub use woundsim_io::{output, run};
pub use woundsim_plot as plot;
pub use woundsim_study::{cohort_run, compare, stats, sweep, trial, validate};
