//! Patient-to-patient variability: each replicate draws its patient from
//! lognormal multipliers around the nominal values (CVs in `[cohort]`).
//! Product variability, separate from the patient: a [`Lot`] (donor or
//! batch) of the MSC product multiplies its secretion and its death hazard
//! by lognormal factors with mean 1 (CVs `cohort.lot_secretion_cv`,
//! `cohort.lot_hazard_cv`), drawn from its own stream
//! ([`Purpose::Lot`]) keyed by the master seed, the lot index and a group
//! (a trial arm; 0 for cohorts). A single run keeps the nominal lot.

use crate::rng::{Purpose, Stream};
use crate::scenario::patient::PatientValues;
use crate::scenario::Params;

/// A lognormal multiplier with mean 1 and coefficient of variation `cv`.
fn lognormal(rng: &mut Stream, cv: f64) -> f64 {
    if cv <= 0.0 {
        return 1.0;
    }
    let s2 = crate::math::ln(1.0 + cv * cv);
    crate::math::exp(rng.normal() * s2.sqrt() - s2 / 2.0)
}

/// The patient of a run with `seed`: nominal when `cohort.vary_patients` is
/// off, otherwise drawn from the cohort distribution.
pub fn patient_for(p: &Params, seed: u64) -> PatientValues {
    let c = &p.scenario.cohort;
    let mut v = p.patient;
    if !c.vary_patients {
        return v;
    }
    let mut rng = Stream::new(seed, 0, 0, Purpose::Cohort);
    v.perfusion = (v.perfusion * lognormal(&mut rng, c.perfusion_cv)).min(2.0);
    v.switch_mult *= lognormal(&mut rng, c.switch_cv);
    v.closure_speed_mult *= lognormal(&mut rng, c.closure_speed_cv);
    v.bioburden = (v.bioburden * lognormal(&mut rng, c.bioburden_cv)).min(1.0);
    v.angiogenesis_mult *= lognormal(&mut rng, c.angiogenesis_cv);
    // Whether the wound holds an established biofilm: its own stream, so
    // the draws above are those of the runs before biofilm existed.
    v.biofilm = Stream::new(seed, 0, 0, Purpose::Biofilm).chance(v.biofilm_probability);
    v
}

/// A product lot (donor or batch): multipliers on the MSC product's
/// secretion (VEGF, IL-10/TGF-β and KGF together) and death hazard.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Lot {
    /// Lot index within its group.
    pub index: u64,
    /// Secretion multiplier (×, mean 1 over lots).
    pub secretion_mult: f64,
    /// Death-hazard multiplier (×, mean 1 over lots).
    pub hazard_mult: f64,
}

/// Largest lot multiplier (the range of the `treatment.effects` keys).
pub const MAX_LOT_MULT: f64 = 100.0;

impl Lot {
    /// The nominal lot (both multipliers 1).
    pub fn nominal() -> Lot {
        Lot {
            index: 0,
            secretion_mult: 1.0,
            hazard_mult: 1.0,
        }
    }

    /// Lot `index` of `group` under master seed `seed`, with lognormal
    /// multipliers of mean 1 and the given CVs (0 gives 1).
    pub fn draw(seed: u64, group: u64, index: u64, secretion_cv: f64, hazard_cv: f64) -> Lot {
        let mut rng = Stream::new(seed, index, group, Purpose::Lot);
        let secretion_mult = lognormal(&mut rng, secretion_cv).min(MAX_LOT_MULT);
        let hazard_mult = lognormal(&mut rng, hazard_cv).min(MAX_LOT_MULT);
        Lot {
            index,
            secretion_mult,
            hazard_mult,
        }
    }

    /// Apply the lot to a scenario through its free product multipliers
    /// (`treatment.effects`: VEGF, immunomodulation and KGF × the secretion
    /// multiplier, survival hazard × the hazard multiplier), each held
    /// within [`MAX_LOT_MULT`]. The nominal lot changes nothing.
    pub fn apply(&self, s: &mut crate::scenario::Scenario) {
        let e = &mut s.treatment.effects;
        let scale = |v: &mut f64, m: f64| *v = (*v * m).min(MAX_LOT_MULT);
        scale(&mut e.vegf_mult, self.secretion_mult);
        scale(&mut e.immunomodulation_mult, self.secretion_mult);
        scale(&mut e.kgf_mult, self.secretion_mult);
        scale(&mut e.survival_hazard_mult, self.hazard_mult);
    }
}

/// The lot of cohort replicate `index` of a scenario with master seed
/// `master`: `None` unless `cohort.vary_lots` and the scenario gives an MSC
/// product; otherwise lot `index / cohort.patients_per_lot` of group 0.
pub fn lot_for_replicate(p: &Params, master: u64, index: u64) -> Option<Lot> {
    let c = &p.scenario.cohort;
    if !c.vary_lots || !p.scenario.treatment.has_product() {
        return None;
    }
    let lot = index / c.patients_per_lot.max(1);
    Some(Lot::draw(
        master,
        0,
        lot,
        c.lot_secretion_cv,
        c.lot_hazard_cv,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lots_are_reproducible_and_nominal_at_zero_cv() {
        let a = Lot::draw(5, 1, 3, 0.5, 0.3);
        assert_eq!(a, Lot::draw(5, 1, 3, 0.5, 0.3));
        assert_ne!(a, Lot::draw(5, 0, 3, 0.5, 0.3));
        assert_ne!(a, Lot::draw(5, 1, 4, 0.5, 0.3));
        let n = Lot::draw(5, 1, 3, 0.0, 0.0);
        assert_eq!((n.secretion_mult, n.hazard_mult), (1.0, 1.0));
        let mut s = crate::scenario::Scenario::builtin(&[]).unwrap();
        let before = s.clone();
        Lot::nominal().apply(&mut s);
        assert_eq!(s, before);
        a.apply(&mut s);
        assert_eq!(s.treatment.effects.vegf_mult, a.secretion_mult);
        assert_eq!(s.treatment.effects.survival_hazard_mult, a.hazard_mult);
    }

    #[test]
    fn lot_multipliers_have_mean_one_and_cv() {
        let xs: Vec<f64> = (0..50_000)
            .map(|i| Lot::draw(9, 0, i, 0.5, 0.3).secretion_mult)
            .collect();
        let m = xs.iter().sum::<f64>() / xs.len() as f64;
        let sd = (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / xs.len() as f64).sqrt();
        assert!((m - 1.0).abs() < 0.02, "{m}");
        assert!((sd - 0.5).abs() < 0.03, "{sd}");
    }
    #[test]
    fn lognormal_has_mean_one_and_cv() {
        let mut rng = Stream::new(3, 0, 0, Purpose::Cohort);
        let xs: Vec<f64> = (0..100_000).map(|_| lognormal(&mut rng, 0.3)).collect();
        let m = xs.iter().sum::<f64>() / xs.len() as f64;
        let sd = (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / xs.len() as f64).sqrt();
        assert!((m - 1.0).abs() < 0.01, "{m}");
        assert!((sd - 0.3).abs() < 0.01, "{sd}");
    }
}
