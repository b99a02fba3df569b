//! # woundsim
//!
//! A fast, reproducible agent-based simulator of the chronic-wound
//! microenvironment under mesenchymal stem cell (MSC) therapy.
//!
//! A 2D tissue slice holds diffusing fields (oxygen, VEGF, IL-10, TNF-α,
//! TGF-β, keratinocyte growth factors, ROS, and any added by configuration)
//! and agents (MSCs, macrophages, endothelial tip cells) over a per-voxel
//! tissue (the open wound, vessels, debris). Scenario files describe the
//! wound, the patient, the MSC product, its delivery and preconditioning.
//!
//! ```no_run
//! use woundsim::{scenario::{Params, Scenario}, run::simulate};
//! let s = Scenario::builtin(&["time.days=7".into()]).unwrap();
//! let p = Params::new(s, "built-in").unwrap();
//! let out = simulate(&p, 1).unwrap();
//! println!("closure at day 7: {:.1} %", out.summary.closure_pct_final);
//! ```
//!
//! See ARCHITECTURE.md for the phase table, data flow and module map.

pub mod agents;
pub mod bench;
pub mod cohort;
pub mod cohort_run;
pub mod compare;
pub mod error;
pub mod fields;
pub mod grid;
pub mod mechanisms;
pub mod observe;
pub mod output;
pub mod plot;
pub mod rng;
pub mod run;
pub mod scenario;
pub mod sim;
pub mod stats;
pub mod sweep;
pub mod tissue;
pub mod validate;

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
