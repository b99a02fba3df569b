//! Patient-to-patient variability: each replicate draws its patient from
//! lognormal multipliers around the nominal values (CVs in `[cohort]`).

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
    v
}

#[cfg(test)]
mod tests {
    use super::*;
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
