//! Per-voxel tissue state: the open wound, the vessel network, necrotic
//! debris, the cell-free secretome depot and the bed's matrix (provisional
//! matrix and collagen), bacteria (planktonic and biofilm burden); plus the
//! open wound's mean bacterial burden (an observable).

use crate::rng::{Purpose, Stream};
use crate::scenario::Params;
use ndarray::Array2;
use serde::{Deserialize, Serialize};

/// Vessel voxel states (values stored in [`Tissue::vessel`]).
pub mod vessel {
    /// No vessel.
    pub const NONE: u8 = 0;
    /// Unperfused sprout (tip-cell trail).
    pub const SPROUT: u8 = 1;
    /// Perfused new vessel.
    pub const PERFUSED: u8 = 2;
    /// Perfused but abnormal, leaky new vessel.
    pub const ABNORMAL: u8 = 3;
    /// Mature pre-existing or matured vessel (does not regress).
    pub const MATURE: u8 = 4;

    /// True for states that carry blood.
    #[inline]
    pub fn perfused(s: u8) -> bool {
        s >= PERFUSED
    }

    /// How a vessel state exchanges O₂ (perfused states are exactly the
    /// non-`None` classes).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Exchange {
        /// No exchange.
        None,
        /// A perfused or mature vessel.
        Normal,
        /// An abnormal, leaky vessel.
        Abnormal,
    }

    /// The O₂ exchange class of vessel state `s`.
    #[inline]
    pub fn exchange(s: u8) -> Exchange {
        match s {
            PERFUSED | MATURE => Exchange::Normal,
            ABNORMAL => Exchange::Abnormal,
            _ => Exchange::None,
        }
    }

    /// True when changing a vessel voxel from state `old` to `new` changes
    /// its O₂ exchange class (and so the perfused list and exchange map
    /// derived from the vessels).
    #[inline]
    pub fn exchange_changes(old: u8, new: u8) -> bool {
        exchange(old) != exchange(new)
    }
}

pub use crate::scenario::{in_wound, wound_extent_um};

/// Per-voxel tissue state (serializable).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tissue {
    /// 1 = open wound, 0 = epithelialised or intact.
    pub open: Array2<u8>,
    /// 1 = inside the initial wound footprint (observables are averaged here).
    pub footprint: Array2<u8>,
    /// Vessel state per voxel (see [`vessel`]).
    pub vessel: Array2<u8>,
    /// Days a new vessel has been supported (maturation clock).
    pub vessel_age_d: Array2<f32>,
    /// Necrotic debris, 0–1.
    pub debris: Array2<f32>,
    /// Cell-free secretome depot (cell equivalents per voxel).
    pub depot: Array2<f32>,
    /// Provisional matrix (fibrin, fibronectin, hyaluronan), 0–1 of a
    /// filled bed; provisional + collagen ≤ 1.
    pub provisional: Array2<f32>,
    /// Collagen, 0–1 (1 = dense, fibrotic; intact dermis
    /// `fibroblast.intact_collagen`).
    pub collagen: Array2<f32>,
    /// Planktonic bacteria, a fraction of the bed's carrying capacity (0–1;
    /// planktonic + biofilm ≤ 1; 0 where the wound is closed or intact).
    pub planktonic: Array2<f32>,
    /// Biofilm bacteria, a fraction of the bed's carrying capacity (0–1).
    pub biofilm: Array2<f32>,
    /// Mean bacterial burden (planktonic + biofilm) over the open wound,
    /// 0–1 (0 without an open wound): derived from the maps by
    /// `mechanisms::bacteria::refresh_mean` whenever they change, not a
    /// state of its own.
    pub bioburden: f64,
    /// Number of open voxels at the start.
    pub open0: u64,
    /// Number of footprint voxels.
    pub footprint_count: u64,
}

/// A per-voxel tissue map that outputs show like a field.
#[derive(Debug, Clone, Copy)]
pub struct TissueMap<'a> {
    /// Name (the snapshot file's and the web app's).
    pub name: &'static str,
    /// What its values are a fraction of.
    pub unit: &'static str,
    /// The `(ny, nx)` map.
    pub values: &'a Array2<f32>,
}

/// The tissue maps' names and units, in the order of [`Tissue::maps`]: the
/// bacteria as fractions of the bed's carrying capacity, the matrix as
/// fractions of a filled bed.
pub const TISSUE_MAPS: [(&str, &str); 4] = [
    ("planktonic", "of capacity"),
    ("biofilm", "of capacity"),
    ("provisional", "of full bed"),
    ("collagen", "of full bed"),
];

impl Tissue {
    /// The maps outputs show like fields ([`TISSUE_MAPS`]): the bacteria
    /// (`planktonic`, `biofilm`) and the matrix (`provisional`, `collagen`).
    pub fn maps(&self) -> [TissueMap<'_>; 4] {
        let values = [
            &self.planktonic,
            &self.biofilm,
            &self.provisional,
            &self.collagen,
        ];
        std::array::from_fn(|i| TissueMap {
            name: TISSUE_MAPS[i].0,
            unit: TISSUE_MAPS[i].1,
            values: values[i],
        })
    }

    /// Initial tissue: the wound opening, pre-existing vessels (sparse in the
    /// bed) and debris from the patient; no bacteria yet (`SimState::new`
    /// seeds them for the run's patient).
    pub fn new(p: &Params, seed: u64) -> Self {
        let g = p.grid;
        let s = &p.scenario;
        let mut open = Array2::zeros((g.ny, g.nx));
        let mut vessel = Array2::zeros((g.ny, g.nx));
        let mut debris = Array2::zeros((g.ny, g.nx));
        let f = &s.fibroblast;
        let mut provisional = Array2::zeros((g.ny, g.nx));
        // Intact dermis: normal collagen, denser with the patient's
        // fibrosis (irradiated dermis is fibrotic before it ulcerates).
        let c0 = f.intact_collagen;
        let intact = (c0 + p.patient.fibrosis * (1.0 - c0)) as f32;
        let mut collagen = Array2::from_elem((g.ny, g.nx), intact);
        let rho = s.tissue.vessel_density * p.patient.vessel_density_mult;
        let mut n_open = 0;
        for iy in 0..g.ny {
            for ix in 0..g.nx {
                let (x, y) = g.center(ix, iy);
                let inside = in_wound(&s.wound, &g, x, y);
                let mut st = Stream::new(seed, g.idx(ix, iy) as u64, 0, Purpose::Setup);
                let density = if inside {
                    rho * s.tissue.wound_residual_vessel_frac
                } else {
                    rho
                };
                if st.chance(density) {
                    vessel[(iy, ix)] = vessel::MATURE;
                }
                if inside {
                    open[(iy, ix)] = 1;
                    debris[(iy, ix)] = p.patient.debris as f32;
                    provisional[(iy, ix)] = f.initial_provisional as f32;
                    collagen[(iy, ix)] =
                        (f.initial_bed_collagen_per_fibrosis * p.patient.fibrosis) as f32;
                    n_open += 1;
                }
            }
        }
        Tissue {
            footprint: open.clone(),
            open,
            vessel,
            vessel_age_d: Array2::zeros((g.ny, g.nx)),
            debris,
            depot: Array2::zeros((g.ny, g.nx)),
            provisional,
            collagen,
            planktonic: Array2::zeros((g.ny, g.nx)),
            biofilm: Array2::zeros((g.ny, g.nx)),
            bioburden: 0.0,
            open0: n_open,
            footprint_count: n_open,
        }
    }

    /// Number of open voxels.
    pub fn open_count(&self) -> u64 {
        self.open.iter().map(|&v| v as u64).sum()
    }
}
