//! The per-cell MSC state: HIF-1α activity, inflammatory licensing and
//! stress, each 0–1, evolving every cell step from the cell's local
//! environment. Secretion and MSC fate read it.
//!
//! Each variable relaxes toward a target set by its drive, at one rate
//! while rising and another while falling (`dv/dt = k (target − v)`,
//! integrated exactly over the cell step, so a constant environment gives
//! `v(t) = target + (v₀ − target)·2^(−t/t½)`):
//!
//! - **HIF-1α**: target `max(h(O₂), mimetic)`, where `h` is the hypoxia
//!   ramp (0 above `tissue.hypoxia_onset_mmhg`, 1 below
//!   `tissue.hypoxia_saturation_mmhg`) and `mimetic` is 1 while a HIF
//!   mimetic (deferoxamine, DMOG) still acts
//!   (`treatment.preconditioning.mimetic_persist_h` after delivery); rises
//!   with `msc.hif_rise_half_time_h`, decays with `msc.hif_decay_half_life_h`.
//!   Hypoxic and mimetic preconditioning set its initial value
//!   (`Treatment::initial_msc_state`), which then wears off in a
//!   well-oxygenated wound and is held by a hypoxic one.
//! - **Licensing**: target `T/(T + K)·I/(I + K_I)` of the local TNF-α and
//!   IFN-γ (neither alone licenses, Ren 2008; without an `ifng` field the
//!   IFN-γ term is 1, [`super::ifng_cosignal`]); rises with
//!   `msc.licensing_rise_half_time_h`, decays with
//!   `msc.licensing_decay_half_life_h`. IFN-γ priming starts it at 1.
//!   Licensed cells secrete PGE2 (× licensing; `mechanisms::secretion`).
//! - **Stress**: target `w_h·h(O₂)·(1 − p·HIF) + w_R·R/(R + K_R) +
//!   w_a·[unanchored, outside a carrier]`, the weights being the shares of
//!   the hypoxia, ROS and anoikis death hazards in their sum and `p`
//!   `msc.hif_survival_protection`; rises with `msc.stress_rise_half_time_h`
//!   and recovers with `msc.stress_recovery_half_life_h`. MSC fate's death
//!   hazard is `base + TNF-α term + (sum of the three hazards)·stress`, so
//!   a cell whose stress has settled dies at the hazard the three terms
//!   gave directly (less the HIF protection).
//!
//! Dead cells keep their last state. Reads O₂, TNF-α, IFN-γ, ROS and the
//! cells' anchorage, carrier and age; writes only the three state columns.

use super::{hif, sat};
use crate::agents::{msc_state, Mscs};
use crate::fields::Fields;
use crate::grid::Grid;
use crate::scenario::rates::MscStateRates;
use crate::scenario::FieldIds;
use rayon::prelude::*;

/// What the MSC state reads and writes in one cell step.
pub struct MscStateStep<'a> {
    /// Its parameters.
    pub rates: &'a MscStateRates,
    /// Grid geometry.
    pub grid: &'a Grid,
    /// Field indices.
    pub ids: FieldIds,
    /// Fields (read: O₂, TNF-α, IFN-γ, ROS at each cell).
    pub fields: &'a Fields,
    /// The MSCs (read: position, state, carrier, anchorage, age; written:
    /// HIF-1α, licensing, stress).
    pub mscs: &'a mut Mscs,
}

/// The targets (HIF-1α, licensing, stress) of a live cell with HIF-1α
/// activity `hif_now` in its environment: local O₂ (mmHg), TNF-α
/// (ng/mL), the IFN-γ co-signal (0–1, [`super::ifng_cosignal`]), ROS
/// (a.u.), whether it is unanchored outside a carrier, and whether a HIF
/// mimetic still acts on it.
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn targets(
    r: &MscStateRates,
    hif_now: f32,
    o2: f32,
    tnf: f32,
    ifng_co: f32,
    ros: f32,
    exposed_unanchored: bool,
    mimetic: bool,
) -> [f32; 3] {
    let h = hif(o2, r.hypoxia.onset_mmhg, r.hypoxia.saturation_mmhg);
    targets_at_hypoxia(
        r,
        hif_now,
        h,
        tnf,
        ifng_co,
        ros,
        exposed_unanchored,
        mimetic,
    )
}

/// [`targets`] with the hypoxia ramp `h` (0–1) given: for an aggregate,
/// its volume-weighted core hypoxia ([`super::spheroid::mean_hypoxia`]).
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn targets_at_hypoxia(
    r: &MscStateRates,
    hif_now: f32,
    h: f32,
    tnf: f32,
    ifng_co: f32,
    ros: f32,
    exposed_unanchored: bool,
    mimetic: bool,
) -> [f32; 3] {
    let hif_target = if mimetic { 1.0 } else { h };
    let lic_target = sat(tnf, r.licensing_tnf_half_ng_per_ml) * ifng_co;
    let mut stress = r.hypoxia_weight * h * (1.0 - r.hif_survival_protection * hif_now)
        + r.ros_weight * sat(ros, r.ros_half_max_au);
    if exposed_unanchored {
        stress += r.anoikis_weight;
    }
    [hif_target, lic_target, stress.clamp(0.0, 1.0)]
}

/// One cell step of the MSC state.
pub fn update(v: MscStateStep<'_>) {
    let MscStateStep {
        rates: r,
        grid,
        ids,
        fields,
        mscs,
    } = v;
    if mscs.is_empty() {
        return;
    }
    let g = *grid;
    let Mscs {
        x,
        y,
        z,
        state,
        in_carrier,
        unanchored_min,
        age_min,
        hif: hif_col,
        licensing,
        stress,
        cells,
        ..
    } = mscs;
    let cells = &*cells;
    let (x, y, z) = (&*x, &*y, &*z);
    (
        hif_col.par_iter_mut(),
        licensing.par_iter_mut(),
        stress.par_iter_mut(),
    )
        .into_par_iter()
        .with_min_len(512)
        .enumerate()
        .for_each(|(i, (h, l, s))| {
            if state[i] == msc_state::DEAD {
                return;
            }
            let (ix, iy) = g.voxel_of(x[i], y[i]);
            let f = g.idx3(ix, iy, g.layer_of(z[i]));
            let o2 = fields.at(ids.oxygen, f);
            let ifng_co = super::ifng_cosignal(fields, ids.ifng, f, r.ifng_half_ng_per_ml);
            let [th, tl, ts] = if cells[i] > 1 {
                // An aggregate: hypoxia of its core; its cells hold each
                // other (no anoikis).
                targets_at_hypoxia(
                    r,
                    *h,
                    super::spheroid::mean_hypoxia(&r.aggregate, o2, cells[i]),
                    fields.at(ids.tnf, f),
                    ifng_co,
                    fields.at_opt(ids.ros, f),
                    false,
                    age_min[i] < r.mimetic_persist_min,
                )
            } else {
                targets(
                    r,
                    *h,
                    o2,
                    fields.at(ids.tnf, f),
                    ifng_co,
                    fields.at_opt(ids.ros, f),
                    unanchored_min[i] > 0.0 && !in_carrier[i],
                    age_min[i] < r.mimetic_persist_min,
                )
            };
            // Stress uses the HIF-1α activity at the start of the step (its
            // target was computed from it).
            *s = r.stress.step(*s, ts).clamp(0.0, 1.0);
            *h = r.hif.step(*h, th).clamp(0.0, 1.0);
            *l = r.licensing.step(*l, tl).clamp(0.0, 1.0);
        });
}

/// Mean HIF-1α activity of the live (and senescent) MSCs, per cell (an
/// aggregate weighs as its cells); NaN when none.
pub fn mean_hif(ms: &Mscs) -> f64 {
    let (mut sum, mut n) = (0.0f64, 0u64);
    for i in 0..ms.len() {
        if ms.state[i] != msc_state::DEAD {
            sum += ms.hif[i] as f64 * ms.cells[i] as f64;
            n += ms.cells[i] as u64;
        }
    }
    if n == 0 {
        f64::NAN
    } else {
        sum / n as f64
    }
}

/// Licensing at or above which a cell counts as licensed.
pub const LICENSED: f32 = 0.5;

/// Share of the live (and senescent) MSC cells that are licensed
/// (licensing ≥ [`LICENSED`]; an aggregate counts its cells); NaN when none.
pub fn licensed_fraction(ms: &Mscs) -> f64 {
    let (mut lic, mut n) = (0u64, 0u64);
    for i in 0..ms.len() {
        if ms.state[i] != msc_state::DEAD {
            let c = ms.cells[i] as u64;
            n += c;
            if ms.licensing[i] >= LICENSED {
                lic += c;
            }
        }
    }
    if n == 0 {
        f64::NAN
    } else {
        lic as f64 / n as f64
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::rates::{keep_per_step, Relaxation};

    #[test]
    fn relaxation_matches_the_analytic_solution() {
        // dv/dt = k (T − v) from v₀: v(t) = T + (v₀ − T)·2^(−t/t½).
        let dt = 15.0;
        let r = Relaxation::new(dt, 2.0, 24.0);
        for (v0, t) in [(0.0f32, 0.8f32), (1.0, 0.1), (0.3, 0.3)] {
            let mut v = v0;
            for n in 1..=400u32 {
                v = r.step(v, t);
                let half_min = if t > v0 { 2.0 * 60.0 } else { 24.0 * 60.0 };
                let exact = t as f64
                    + (v0 as f64 - t as f64)
                        * (-(std::f64::consts::LN_2) * n as f64 * dt / half_min).exp();
                assert!(
                    (v as f64 - exact).abs() < 2e-6,
                    "v0 {v0} T {t} step {n}: {v} vs {exact}"
                );
            }
        }
    }

    #[test]
    fn keep_per_step_halves_the_gap_in_one_half_time() {
        let k = keep_per_step(15.0, 60.0);
        assert!(((k as f64).powi(4) - 0.5).abs() < 1e-6);
    }
}
