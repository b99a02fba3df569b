//! # woundsim-io
//!
//! Runs of woundsim's core and their directories: in-memory runs
//! ([`run::simulate`]), run directories with manifests, time series,
//! summaries and snapshots, checkpoints and resume, the memory guard,
//! directory locks and atomic writes ([`output`]).

pub mod output;
pub mod run;

// The core's modules under their own names, so paths such as
// `crate::scenario::Params` read the same in every crate of the workspace.
pub(crate) use woundsim_core::{
    agents, cohort, error, observe, rng, scenario, sim, tissue, VERSION,
};
