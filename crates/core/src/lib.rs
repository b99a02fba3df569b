//! # woundsim-core
//!
//! The simulation core of woundsim, a fast, reproducible agent-based
//! simulator of the chronic-wound microenvironment under mesenchymal stem
//! cell (MSC) therapy.
//!
//! A tissue slice holds diffusing fields (oxygen, VEGF, IL-10, TNF-α,
//! TGF-β, keratinocyte growth factors, ROS, and any added by configuration)
//! and agents (MSCs, macrophages, endothelial tip cells) over a per-voxel
//! tissue (the open wound, vessels, debris). Scenario files describe the
//! wound, the patient, the MSC product, its delivery and preconditioning.
//!
//! This crate touches no file system and reads no clock unless a feature
//! asks for it (`fs`: reading scenario files; `clock`: per-phase wall
//! timers), has no plotting or command-line dependencies, and builds for
//! `wasm32-unknown-unknown`. Run directories live in `woundsim-io`,
//! studies in `woundsim-study`, figures in `woundsim-plot`.
//!
//! ```no_run
//! use woundsim_core::scenario::{Params, Scenario};
//! use woundsim_core::sim::{step, SimState, Workspace};
//! let s = Scenario::builtin(&["time.days=7".into()]).unwrap();
//! let p = Params::new(s, "built-in").unwrap();
//! let mut st = SimState::new(&p, p.scenario.seed, p.patient);
//! let mut ws = Workspace::new(&p, &st);
//! while st.step < p.steps.total {
//!     step(&p, &mut st, &mut ws).unwrap();
//! }
//! ```
//!
//! See ARCHITECTURE.md for the phase table, data flow and crate map.

pub mod agents;
pub mod cohort;
pub mod engine;
pub mod error;
pub mod fields;
pub mod grid;
pub mod math;
pub mod mechanisms;
pub mod observe;
pub mod phase;
pub mod rng;
pub mod scenario;
pub mod series;
pub mod shipped;
pub mod sim;
pub mod state;
pub mod tissue;
pub mod workspace;

/// woundsim version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// A raw pointer into a buffer shared by parallel tasks that each write their
/// own, disjoint set of elements (column bands of a field, one outcome per
/// agent index) while the buffer outlives them.
#[derive(Debug)]
pub(crate) struct SharedMut<T>(pub(crate) *mut T);
impl<T> Clone for SharedMut<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for SharedMut<T> {}
// SAFETY: see the type's contract: tasks never touch the same element.
unsafe impl<T: Send> Send for SharedMut<T> {}
unsafe impl<T: Send> Sync for SharedMut<T> {}
impl<T> SharedMut<T> {
    /// The pointer.
    #[inline]
    pub(crate) fn get(self) -> *mut T {
        self.0
    }
}
