//! Paracrine secretion by MSCs, macrophages and the cell-free depot.
//!
//! MSC output of each factor = base rate × product multiplier (source, form,
//! route, preconditioning that wears off with `effect_half_life_days`,
//! engineering) × state (senescent cells secrete `senescent_secretion_mult`)
//! × environment: VEGF rises with hypoxia (HIF-1α, `hypoxia_vegf_gain`) and
//! responds two-sidedly to TNF-α, `(1 + g·T/(T+K₁)) / (1 + (T/K₂)²)` (Vu 2021).
//! Macrophages secrete their M1 set weighted by `1 − polarization` and their
//! M2 set weighted by `polarization`. Deposits are summed in agent id order.

use super::{fg_per_day_to_rate, hif, sat};
use crate::agents::msc_state;
use crate::fields::Sources;
use crate::scenario::Params;
use crate::sim::SimState;
use ndarray::Zip;

/// Which product multiplier applies to a secreted field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// VEGF: hypoxia and TNF-α responses, VEGF multiplier.
    Vegf,
    /// IL-10 and TGF-β: immunomodulation multiplier.
    Immuno,
    /// Keratinocyte growth factors.
    Kgf,
    /// Any other field.
    Other,
}

/// Secretion rates resolved to field indices and ng/mL/min per cell.
#[derive(Debug, Clone)]
pub struct Table {
    /// MSC base rates.
    pub msc: Vec<(usize, f32, Kind)>,
    /// Fully M1 macrophage rates (TNF already × patient multiplier).
    pub m1: Vec<(usize, f32)>,
    /// Fully M2 macrophage rates.
    pub m2: Vec<(usize, f32)>,
    /// Senescent MSC TNF-α rate.
    pub senescent_tnf: f32,
}

impl Table {
    /// Resolve from parameters.
    pub fn new(p: &Params, tnf_mult: f64) -> Self {
        let conv = fg_per_day_to_rate(p.grid.voxel_volume_ml());
        let idx = |n: &str| p.fields.iter().position(|(m, _)| m == n);
        let kind = |n: &str| match n {
            "vegf" => Kind::Vegf,
            "il10" | "tgfb" => Kind::Immuno,
            "kgf" => Kind::Kgf,
            _ => Kind::Other,
        };
        let s = &p.scenario;
        let msc = s
            .msc
            .secretion_fg_per_cell_per_day
            .iter()
            .filter_map(|(n, &r)| idx(n).map(|i| (i, (r * conv) as f32, kind(n))))
            .collect();
        let m1 = s
            .macrophage
            .m1_secretion_fg_per_cell_per_day
            .iter()
            .filter_map(|(n, &r)| {
                let m = if n == "tnf" { tnf_mult } else { 1.0 };
                idx(n).map(|i| (i, (r * conv * m) as f32))
            })
            .collect();
        let m2 = s
            .macrophage
            .m2_secretion_fg_per_cell_per_day
            .iter()
            .filter_map(|(n, &r)| idx(n).map(|i| (i, (r * conv) as f32)))
            .collect();
        Table {
            msc,
            m1,
            m2,
            senescent_tnf: (s.msc.senescent_tnf_fg_per_cell_per_day * conv * tnf_mult.sqrt())
                as f32,
        }
    }
}

/// Product multipliers at an age after delivery (primed boost wears off).
#[inline]
pub fn product_mults(p: &Params, age_min: f32) -> (f32, f32, f32) {
    let e = &p.product;
    let half = p.scenario.treatment.preconditioning.effect_half_life_days * 1440.0;
    let w = crate::math::exp(-(age_min as f64) * std::f64::consts::LN_2 / half) * e.primed_fraction;
    let mix = |now: f64, base: f64| (base + (now - base) * w) as f32;
    (
        mix(e.hazard, e.hazard0),
        mix(e.vegf, e.vegf0),
        mix(e.immunomod, e.immunomod0),
    )
}

/// VEGF environment factor of an MSC: hypoxia gain and two-sided TNF-α.
#[inline]
pub fn msc_vegf_environment(p: &Params, o2: f32, tnf: f32) -> f32 {
    let m = &p.scenario.msc;
    let t = &p.scenario.tissue;
    let h = hif(
        o2,
        t.hypoxia_onset_mmhg as f32,
        t.hypoxia_saturation_mmhg as f32,
    );
    let hyp = 1.0 + (m.hypoxia_vegf_gain as f32 - 1.0).max(0.0) * h;
    let tn = tnf.max(0.0);
    let k2 = m.tnf_vegf_high_ng_per_ml as f32;
    let two_sided = (1.0
        + m.tnf_vegf_low_gain as f32 * sat(tn, m.tnf_vegf_low_half_ng_per_ml as f32))
        / (1.0 + (tn / k2) * (tn / k2));
    hyp * two_sided
}

/// Add MSC, macrophage and depot secretion for one field step.
pub fn apply(p: &Params, st: &SimState, table: &Table, src: &mut Sources) {
    let g = &p.grid;
    let ids = p.ids;
    let sen_mult = p.scenario.msc.senescent_secretion_mult as f32;
    let kgf_mult = p.product.kgf as f32;
    let ms = &st.mscs;
    let mac = &st.macs;
    // The buffers some cell deposits into this step (each marked written
    // only then, as adding one deposit at a time would), resolved once.
    let live_msc = ms.state.iter().any(|&s| s != msc_state::DEAD);
    let senescent = ms.state.contains(&msc_state::SENESCENT);
    let mut fields: Vec<usize> = Vec::new();
    let mut slot = |f: usize| match fields.iter().position(|&x| x == f) {
        Some(k) => k,
        None => {
            fields.push(f);
            fields.len() - 1
        }
    };
    let msc_rates: Vec<(usize, f32, Kind)> = if live_msc {
        table.msc.iter().map(|&(f, r, k)| (slot(f), r, k)).collect()
    } else {
        Vec::new()
    };
    let tnf_slot = if senescent { slot(ids.tnf) } else { 0 };
    let mut m1: Vec<(usize, f32)> = Vec::new();
    let mut m2: Vec<(usize, f32)> = Vec::new();
    if !mac.is_empty() {
        m1 = table.m1.iter().map(|&(f, r)| (slot(f), r)).collect();
        m2 = table.m2.iter().map(|&(f, r)| (slot(f), r)).collect();
    }
    let mut bufs = src.srcs_mut(&fields);
    for i in 0..ms.len() {
        let state = ms.state[i];
        if state == msc_state::DEAD {
            continue;
        }
        let v = g.index_of(ms.x[i], ms.y[i]);
        let (_, vegf_m, immuno_m) = product_mults(p, ms.age_min[i]);
        let state_m = if state == msc_state::SENESCENT {
            sen_mult
        } else {
            1.0
        };
        let env = msc_vegf_environment(p, st.fields.at(ids.oxygen, v), st.fields.at(ids.tnf, v));
        for &(k, rate, kind) in &msc_rates {
            let m = match kind {
                Kind::Vegf => vegf_m * env,
                Kind::Immuno => immuno_m,
                Kind::Kgf => kgf_mult,
                Kind::Other => 1.0,
            };
            bufs[k][v] += rate * m * state_m;
        }
        if state == msc_state::SENESCENT {
            bufs[tnf_slot][v] += table.senescent_tnf;
        }
    }
    for i in 0..mac.len() {
        let v = g.index_of(mac.x[i], mac.y[i]);
        let pol = mac.pol[i];
        for &(k, rate) in &m1 {
            bufs[k][v] += rate * (1.0 - pol);
        }
        for &(k, rate) in &m2 {
            bufs[k][v] += rate * pol;
        }
    }
    if st.depot_active {
        let potency = p.scenario.treatment.cell_free_potency() as f32;
        for &(f, rate, kind) in &table.msc {
            let m = potency
                * match kind {
                    Kind::Vegf => p.product.vegf as f32,
                    Kind::Immuno => p.product.immunomod as f32,
                    Kind::Kgf => kgf_mult,
                    Kind::Other => 1.0,
                };
            Zip::from(src.src_mut(f))
                .and(&st.tissue.depot)
                .par_for_each(|s, &d| *s += rate * m * d);
        }
    }
}
