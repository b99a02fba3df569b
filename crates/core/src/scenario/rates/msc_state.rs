//! Parameters of the per-cell MSC state (`mechanisms::msc_state`): the
//! per-step relaxation factors of HIF-1α activity, licensing and stress,
//! their drives' half-maxima and the stress insult's weights.

use super::{cell_dt_min, Hypoxia, MIN_PER_DAY};
use crate::scenario::Params;
use serde::Serialize;

/// The share of the gap to its target that a state variable relaxing with
/// half-time `half_min` keeps over one step of `dt_min`: `2^(−dt/t½)`.
pub fn keep_per_step(dt_min: f64, half_min: f64) -> f32 {
    crate::math::exp(-std::f64::consts::LN_2 * dt_min / half_min) as f32
}

/// How one state variable relaxes toward its target: the share of the gap
/// kept per cell step while rising (target above the value) and while
/// falling.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Relaxation {
    /// Share of the gap kept per cell step when the target is higher.
    pub rise_keep: f32,
    /// Share of the gap kept per cell step when the target is lower.
    pub fall_keep: f32,
}

impl Relaxation {
    /// From the rise half-time and the fall half-life (h), for a cell step
    /// of `dt_min` minutes.
    pub fn new(dt_min: f64, rise_half_h: f64, fall_half_h: f64) -> Self {
        Relaxation {
            rise_keep: keep_per_step(dt_min, rise_half_h * 60.0),
            fall_keep: keep_per_step(dt_min, fall_half_h * 60.0),
        }
    }

    /// One cell step of `value` toward `target`: the exact solution of
    /// `dv/dt = k (target − v)` over the step, with the rise or the fall
    /// rate (the value never crosses its target, so one rate holds over
    /// the whole step).
    #[inline]
    pub fn step(&self, value: f32, target: f32) -> f32 {
        let keep = if target > value {
            self.rise_keep
        } else {
            self.fall_keep
        };
        target + (value - target) * keep
    }
}

/// The per-cell MSC state (cell steps).
#[derive(Debug, Clone, Serialize)]
pub struct MscStateRates {
    /// Cell step (min).
    pub dt_min: f32,
    /// HIF-1α thresholds of the hypoxic drive.
    pub hypoxia: Hypoxia,
    /// HIF-1α activity: rise and decay.
    pub hif: Relaxation,
    /// Licensing: rise and decay.
    pub licensing: Relaxation,
    /// Stress: rise and recovery.
    pub stress: Relaxation,
    /// TNF-α at half-maximal licensing drive (ng/mL).
    pub licensing_tnf_half_ng_per_ml: f32,
    /// IFN-γ at half-maximal co-signal of the licensing drive (ng/mL).
    pub ifng_half_ng_per_ml: f32,
    /// ROS at half-maximal stress (a.u.; the death hazard's half-maximum).
    pub ros_half_max_au: f32,
    /// Share of the stress insult from hypoxia (of the sum of the hypoxia,
    /// ROS and anoikis death hazards).
    pub hypoxia_weight: f32,
    /// Share of the stress insult from ROS.
    pub ros_weight: f32,
    /// Share of the stress insult from anoikis (unanchored, outside a
    /// carrier; × the product's anoikis multiplier).
    pub anoikis_weight: f32,
    /// Share of the hypoxic insult a fully HIF-adapted cell is spared.
    pub hif_survival_protection: f32,
    /// Minutes after delivery during which a HIF mimetic holds the HIF-1α
    /// drive at 1.
    pub mimetic_persist_min: f32,
    /// Aggregates (spheroids): their core oxygen sets their hypoxic drive.
    pub aggregate: super::AggregateRates,
}

/// The stress death hazard at stress 1 (per min): the sum of the hypoxia,
/// ROS and anoikis hazards a cell's stress stands for.
pub(super) fn stress_death_per_min(p: &Params) -> f64 {
    let m = &p.scenario.msc;
    (m.hypoxia_death_per_day + m.ros_death_per_day + m.anoikis_death_per_day * p.product.anoikis)
        / MIN_PER_DAY
}

impl MscStateRates {
    pub(super) fn new(p: &Params) -> Self {
        let m = &p.scenario.msc;
        let dt = cell_dt_min(p);
        let total = stress_death_per_min(p) * MIN_PER_DAY;
        let share = |x: f64| if total > 0.0 { (x / total) as f32 } else { 0.0 };
        MscStateRates {
            dt_min: dt,
            hypoxia: Hypoxia::new(p),
            hif: Relaxation::new(dt as f64, m.hif_rise_half_time_h, m.hif_decay_half_life_h),
            licensing: Relaxation::new(
                dt as f64,
                m.licensing_rise_half_time_h,
                m.licensing_decay_half_life_h,
            ),
            stress: Relaxation::new(
                dt as f64,
                m.stress_rise_half_time_h,
                m.stress_recovery_half_life_h,
            ),
            licensing_tnf_half_ng_per_ml: m.licensing_tnf_half_ng_per_ml as f32,
            ifng_half_ng_per_ml: m.ifng_half_ng_per_ml as f32,
            ros_half_max_au: m.ros_half_max_au as f32,
            hypoxia_weight: share(m.hypoxia_death_per_day),
            ros_weight: share(m.ros_death_per_day),
            anoikis_weight: share(m.anoikis_death_per_day * p.product.anoikis),
            hif_survival_protection: m.hif_survival_protection as f32,
            mimetic_persist_min: p.scenario.treatment.mimetic_persist_min() as f32,
            aggregate: super::AggregateRates::new(p),
        }
    }
}
