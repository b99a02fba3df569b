//! # woundsim-study
//!
//! Studies built from many woundsim runs: cohorts of virtual patients
//! ([`cohort_run`]), side-by-side comparisons ([`compare`]), parameter
//! sweeps and sensitivity analysis ([`sweep`]), published facts as virtual
//! experiments ([`validate`]), virtual randomized trials ([`trial`]) and the
//! statistics they report ([`stats`]).

pub mod cohort_run;
pub mod compare;
pub mod stats;
pub mod sweep;
pub mod trial;
pub mod validate;

// The modules of the crates this one builds on, under their own names, so
// paths such as `crate::run::simulate` read the same in every crate.
pub(crate) use woundsim_core::{
    cohort, error, mechanisms, observe, rng, scenario, shipped, VERSION,
};
pub(crate) use woundsim_io::{output, run};
pub(crate) use woundsim_plot as plot;
