//! Standard care and wound-level damage: sharp debridement and
//! ischaemia–reperfusion damage. Bacteria (their growth, killing and
//! infection control) are `mechanisms::bacteria`; debridement removes
//! biofilm mechanically through [`super::bacteria::debride`].

use crate::agents::{msc_state, Mscs};
use crate::scenario::rates::CareRates;
use crate::tissue::Tissue;
use ndarray::Zip;

/// What standard care reads and writes in one tissue step.
pub struct Care<'a> {
    /// Parameters.
    pub rates: &'a CareRates,
    /// Base step.
    pub step: u64,
    /// Tissue (written: debris; on debridement also the bacteria).
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
        tissue,
        mscs,
        debridements,
    } = v;
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
            debride(tissue, mscs, debridements, r.debridement_biofilm_removal);
        }
    }
}

/// Sharp debridement: removes most debris, `biofilm_removal` of the
/// biofilm and half the planktonic bacteria, and dead and senescent MSCs
/// lying in the open wound.
pub fn debride(tissue: &mut Tissue, mscs: &mut Mscs, debridements: &mut u64, biofilm_removal: f32) {
    tissue.debris.mapv_inplace(|d| d * 0.2);
    super::bacteria::debride(tissue, biofilm_removal);
    *debridements += 1;
    let keep: Vec<bool> = mscs.state.iter().map(|&s| s == msc_state::LIVE).collect();
    if keep.iter().any(|k| !k) {
        mscs.retain(&keep);
    }
}
