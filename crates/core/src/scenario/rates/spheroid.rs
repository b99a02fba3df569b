//! Aggregates (spheroids): the parameters of their core oxygen, survival,
//! necrosis, shedding and O₂ uptake (`mechanisms::spheroid`), converted once.

use super::{cell_dt_min, Hypoxia, MIN_PER_DAY};
use crate::rng::hazard_prob;
use crate::scenario::Params;
use serde::Serialize;

/// Aggregates: core oxygen, survival, necrosis, shedding, O₂ uptake.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct AggregateRates {
    /// Volume one cell takes up inside an aggregate (µm³).
    pub volume_per_cell_um3: f64,
    /// Zero-order O₂ consumption of packed cells (mmHg/min).
    pub consumption_mmhg_per_min: f64,
    /// O₂ diffusivity inside the aggregate (µm²/min; the oxygen field's).
    pub o2_diffusion_um2_per_min: f64,
    /// `Q / (6 D)` (mmHg/µm²): the core profile's curvature.
    pub q_over_6d_mmhg_per_um2: f64,
    /// HIF-1α thresholds.
    pub hypoxia: Hypoxia,
    /// Death-hazard multiplier of an aggregated cell (contact).
    pub contact_hazard_mult: f64,
    /// Probability per cell step that a cell of the anoxic core dies.
    pub necrosis_prob: f64,
    /// Probability per cell step that a cell leaves its aggregate.
    pub shed_prob: f64,
    /// O₂ uptake rate added to an aggregate's voxel per cell (1/min): the
    /// oxygen field's own consumption rate over the cell's volume share of
    /// the voxel.
    pub o2_uptake_per_cell_per_min: f32,
}

/// `Q` (mmHg/min) of packed cells consuming `fmol_per_cell_per_h` each,
/// `volume_per_cell_um3` apart, at solubility `umol_per_l_per_mmhg`:
/// `OCR / (60 · v · α)` with 1 µm³ = 1e-15 L and 1 fmol = 1e-15 mol.
pub fn consumption_mmhg_per_min(
    fmol_per_cell_per_h: f64,
    volume_per_cell_um3: f64,
    umol_per_l_per_mmhg: f64,
) -> f64 {
    // mol/(L·min) = fmol·1e-15 / 60 / (v·1e-15 L); / (α·1e-6 mol/(L·mmHg)).
    fmol_per_cell_per_h / 60.0 / volume_per_cell_um3 / (umol_per_l_per_mmhg * 1e-6)
}

impl AggregateRates {
    /// Convert `p`.
    pub fn new(p: &Params) -> Self {
        let m = &p.scenario.msc;
        let dt = cell_dt_min(p) as f64;
        let spec = &p.fields[p.ids.oxygen].1;
        let d = spec.diffusion_um2_per_min;
        let q = consumption_mmhg_per_min(
            m.o2_consumption_fmol_per_cell_per_h,
            m.aggregate_volume_per_cell_um3,
            m.o2_solubility_umol_per_l_per_mmhg,
        );
        let lambda = std::f64::consts::LN_2 / spec.half_life_min;
        let voxel_um3 = p.grid.voxel_volume_ml() * 1e12;
        AggregateRates {
            volume_per_cell_um3: m.aggregate_volume_per_cell_um3,
            consumption_mmhg_per_min: q,
            o2_diffusion_um2_per_min: d,
            q_over_6d_mmhg_per_um2: q / (6.0 * d),
            hypoxia: Hypoxia::new(p),
            contact_hazard_mult: m.aggregate_contact_hazard_mult,
            necrosis_prob: hazard_prob(m.aggregate_necrosis_per_day / MIN_PER_DAY, dt),
            shed_prob: hazard_prob(m.aggregate_shedding_per_day / MIN_PER_DAY, dt),
            o2_uptake_per_cell_per_min: (lambda * m.aggregate_volume_per_cell_um3 / voxel_um3)
                as f32,
        }
    }
}
