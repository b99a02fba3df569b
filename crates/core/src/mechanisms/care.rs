//! Standard care and wound-level damage: debridement, infection control and
//! bioburden dynamics, ischaemia–reperfusion damage.
//!
//! Bioburden `b` follows
//! `db/dt = growth·b(1−b) − kill·M1·b − kill_N·N·b − control·b`, where
//! `M1` is the M1 macrophage density in the open wound (relative to crowding
//! capacity), `N` the live neutrophils per open voxel relative to
//! `neutrophil.kill_reference_per_voxel` (at most 2: each live cell adds its
//! share of `neutrophil.bacteria_kill_per_day`), and `control` applies only
//! under infection control.

use crate::agents::{msc_state, Mscs, Neutrophils};
use crate::scenario::rates::CareRates;
use crate::tissue::Tissue;
use ndarray::Zip;

/// What standard care reads and writes in one tissue step.
pub struct Care<'a> {
    /// Parameters.
    pub rates: &'a CareRates,
    /// Base step.
    pub step: u64,
    /// Macrophage polarizations (read: the M1 density that kills bacteria).
    pub mac_pol: &'a [f32],
    /// Neutrophils (read: the live density that kills bacteria).
    pub neutrophils: &'a Neutrophils,
    /// Tissue (written: bioburden, debris).
    pub tissue: &'a mut Tissue,
    /// MSCs (written: debridement removes dead and senescent cells).
    pub mscs: &'a mut Mscs,
    /// Debridements so far (written).
    pub debridements: &'a mut u64,
}

/// One tissue step of standard care and damage.
pub fn update(v: Care<'_>) {
    let Care {
        rates: r,
        step,
        mac_pol,
        neutrophils,
        tissue,
        mscs,
        debridements,
    } = v;
    let dt_d = r.dt_days;
    // Bioburden.
    let open = tissue.open_count().max(1) as f64;
    let m1 = mac_pol.iter().filter(|&&q| q < 0.5).count() as f64;
    let m1_density = (m1 / (open * 0.05)).min(2.0) * r.efferocytosis_mult;
    let n_density = (super::neutrophils::live_density(neutrophils, open as usize)
        / r.neutrophil_kill_reference_per_voxel)
        .min(2.0);
    let b = tissue.bioburden;
    let control = r.infection_control_per_day;
    let db = r.bioburden_growth_per_day * b * (1.0 - b)
        - r.bioburden_immune_kill_per_day * m1_density * b
        - r.neutrophil_kill_per_day * n_density * b
        - control * b;
    tissue.bioburden = (b + db * dt_d).clamp(0.0, 1.0);
    // Ischaemia–reperfusion adds debris in the open wound.
    let add = r.reperfusion_debris_per_step;
    if add > 0.0 {
        Zip::from(&mut tissue.debris)
            .and(&tissue.open)
            .par_for_each(|d, &o| *d = (*d + add * o as f32).min(1.0));
    }
    // Debridement.
    if let Some(every) = r.debridement_every {
        if step > 0 && step.is_multiple_of(every) {
            debride(tissue, mscs, debridements);
        }
    }
}

/// Sharp debridement: removes most debris, half the bioburden, and dead and
/// senescent MSCs lying in the open wound.
pub fn debride(tissue: &mut Tissue, mscs: &mut Mscs, debridements: &mut u64) {
    tissue.debris.mapv_inplace(|d| d * 0.2);
    tissue.bioburden *= 0.5;
    *debridements += 1;
    let keep: Vec<bool> = mscs.state.iter().map(|&s| s == msc_state::LIVE).collect();
    if keep.iter().any(|k| !k) {
        mscs.retain(&keep);
    }
}
