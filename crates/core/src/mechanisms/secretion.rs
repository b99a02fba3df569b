//! Paracrine secretion by MSCs, macrophages and the cell-free depot.
//!
//! MSC output of each factor = base rate × product multiplier (source, form,
//! route, preconditioning that wears off with `effect_half_life_days`,
//! engineering) × state (senescent cells secrete `senescent_secretion_mult`)
//! × environment: VEGF rises with the cell's HIF-1α activity (its state,
//! `super::msc_state`: local hypoxia, hypoxic or mimetic preconditioning;
//! `1 + (hypoxia_vegf_gain − 1)·HIF`) and responds two-sidedly to TNF-α,
//! `(1 + g·T/(T+K₁)) / (1 + (T/K₂)²)` (Vu 2021); PGE2 (or any field of the
//! licensed kind) is secreted × the cell's licensing (Németh 2009).
//! Macrophages secrete their M1 set weighted by `1 − polarization` and their
//! M2 set weighted by `polarization`. Deposits are summed in agent id order.
//!
//! The cell-free depot: conditioned medium releases the MSC factors ×
//! its potency; a vesicle product releases free vesicles into the `ev`
//! field instead (what the depot's decay removes each step), which
//! macrophages and the endothelium of perfused vessels near the wound take
//! up (first-order sinks, `macrophage.ev_clearance_nl_per_h` and
//! `angiogenesis.ev_clearance_nl_per_h`); their uptake drives macrophages
//! toward M2 (`super::macrophages`) and vessels to sprout
//! (`super::angiogenesis`).

use super::{hif, sat};
use crate::agents::{msc_state, Macrophages, Mscs};
use crate::fields::{Fields, Sources};
use crate::grid::Grid;
pub use crate::scenario::rates::{SecretionKind as Kind, SecretionTable as Table};
use crate::scenario::rates::{SecretionRates, VegfEnvironment, Vertical};
use crate::scenario::FieldIds;
use ndarray::{s, Array2, Zip};

/// What secretion reads and writes in one field step.
pub struct Secretion<'a> {
    /// Parameters (rates per cell, multipliers).
    pub rates: &'a SecretionRates,
    /// Where the bed layer is (the cell-free depot lies in it).
    pub vertical: &'a Vertical,
    /// Grid geometry.
    pub grid: &'a Grid,
    /// Field indices.
    pub ids: FieldIds,
    /// Fields (read: TNF-α around each MSC).
    pub fields: &'a Fields,
    /// MSCs (read).
    pub mscs: &'a Mscs,
    /// Macrophages (read).
    pub macs: &'a Macrophages,
    /// The cell-free depot, when a cell-free dose was given (read).
    pub depot: Option<&'a Array2<f32>>,
    /// Perfused vessel voxels near the wound (plane indices of the bed
    /// layer; read: their endothelium takes up vesicles).
    pub vessel_list: &'a [u32],
    /// Source buffers (written: deposits added).
    pub sources: &'a mut Sources,
}

/// VEGF environment factor of an MSC adapted to its O₂ (its HIF-1α
/// activity settled at the hypoxia ramp's value): hypoxia gain and
/// two-sided TNF-α.
#[inline]
pub fn msc_vegf_environment(m: &VegfEnvironment, o2: f32, tnf: f32) -> f32 {
    msc_vegf_response(
        m,
        hif(o2, m.hypoxia.onset_mmhg, m.hypoxia.saturation_mmhg),
        tnf,
    )
}

/// VEGF factor of an MSC with HIF-1α activity `hif_activity` (0–1, its
/// state) at TNF-α `tnf`: hypoxia gain and two-sided TNF-α.
#[inline]
pub fn msc_vegf_response(m: &VegfEnvironment, hif_activity: f32, tnf: f32) -> f32 {
    let hyp = 1.0 + (m.hypoxia_vegf_gain - 1.0).max(0.0) * hif_activity;
    let tn = tnf.max(0.0);
    let k2 = m.tnf_vegf_high_ng_per_ml;
    let two_sided = (1.0 + m.tnf_vegf_low_gain * sat(tn, m.tnf_vegf_low_half_ng_per_ml))
        / (1.0 + (tn / k2) * (tn / k2));
    hyp * two_sided
}

/// Add MSC, macrophage and depot secretion for one field step.
pub fn apply(v: Secretion<'_>) {
    let Secretion {
        rates: r,
        vertical,
        grid: g,
        ids,
        fields: state_fields,
        mscs: ms,
        macs: mac,
        depot,
        vessel_list,
        sources: src,
    } = v;
    let table = &r.table;
    let sen_mult = r.senescent_secretion_mult;
    let kgf_mult = r.kgf_mult;
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
        let v = g.index3_of(ms.x[i], ms.y[i], ms.z[i]);
        let (_, vegf_m, immuno_m) = r.product.mults(ms.age_min[i]);
        let state_m = if state == msc_state::SENESCENT {
            sen_mult
        } else {
            1.0
        };
        let env = msc_vegf_response(&r.vegf_environment, ms.hif[i], state_fields.at(ids.tnf, v));
        let licensing = ms.licensing[i];
        // Secretion scales with the live cells the agent carries.
        let state_m = state_m * ms.cells[i] as f32;
        for &(k, rate, kind) in &msc_rates {
            let m = match kind {
                Kind::Vegf => vegf_m * env,
                Kind::Immuno => immuno_m,
                Kind::Kgf => kgf_mult,
                Kind::Licensed => licensing,
                Kind::Other => 1.0,
            };
            bufs[k][v] += rate * m * state_m;
        }
        if state == msc_state::SENESCENT {
            bufs[tnf_slot][v] += table.senescent_tnf;
        }
    }
    drop(bufs);
    // Aggregates consume O₂ as their cell count (single cells' uptake is
    // in the tissue's own consumption, as before).
    let per_cell = r.aggregate_o2_uptake_per_cell_per_min;
    if per_cell > 0.0 && ms.cells.iter().any(|&c| c > 1) {
        let up = src.uptake_mut(ids.oxygen);
        let up = up.as_slice_mut().expect("standard layout");
        for i in 0..ms.len() {
            if ms.cells[i] > 1 && ms.state[i] != msc_state::DEAD {
                up[g.index3_of(ms.x[i], ms.y[i], ms.z[i])] += per_cell * ms.cells[i] as f32;
            }
        }
    }
    let mut bufs = src.srcs_mut(&fields);
    for i in 0..mac.len() {
        let v = g.index3_of(mac.x[i], mac.y[i], mac.z[i]);
        let pol = mac.pol[i];
        for &(k, rate) in &m1 {
            bufs[k][v] += rate * (1.0 - pol);
        }
        for &(k, rate) in &m2 {
            bufs[k][v] += rate * pol;
        }
    }
    // Free vesicles, from a vesicle depot or from cells whose secretion map
    // names `ev`, are taken up by macrophages and endothelium.
    if let Some(ev) = ids.ev {
        if (depot.is_some() && r.vesicles.is_some()) || r.ev_secreted_by_cells {
            ev_uptake(g, vertical.bed, ev, mac, vessel_list, r, src);
        }
    }
    let Some(depot) = depot else { return };
    if let Some(rel) = r.vesicles {
        // A vesicle depot sets free what its decay removes this step (into
        // nothing without an `ev` field).
        if let Some(ev) = ids.ev {
            release_vesicles(g, vertical.bed, rel, ev, depot, src);
        }
    } else {
        let potency = r.cell_free_potency;
        // A cell-free product holds no cells to license: no PGE2.
        for &(f, rate, kind) in &table.msc {
            let m = potency
                * match kind {
                    Kind::Vegf => r.vegf_mult,
                    Kind::Immuno => r.immunomod_mult,
                    Kind::Kgf => kgf_mult,
                    Kind::Licensed => continue,
                    Kind::Other => 1.0,
                };
            let rows = vertical.bed * g.ny..(vertical.bed + 1) * g.ny;
            Zip::from(src.src_mut(f).slice_mut(s![rows, ..]))
                .and(depot)
                .par_for_each(|s, &d| *s += rate * m * d);
        }
    }
}

/// A vesicle depot's release into the `ev` field (the bed layer).
fn release_vesicles(
    g: &Grid,
    bed: usize,
    rel: crate::scenario::rates::VesicleRelease,
    ev: usize,
    depot: &Array2<f32>,
    src: &mut Sources,
) {
    let k = rel.share_per_min * rel.per_voxel_to_per_ul;
    let rows = bed * g.ny..(bed + 1) * g.ny;
    Zip::from(src.src_mut(ev).slice_mut(s![rows, ..]))
        .and(depot)
        .par_for_each(|s, &d| *s += k * d);
}

/// The uptake of free vesicles by macrophages and by the endothelium of
/// perfused vessel voxels near the wound (first-order sinks at their
/// voxels; the vessels' in the bed layer).
fn ev_uptake(
    g: &Grid,
    bed: usize,
    ev: usize,
    mac: &Macrophages,
    vessel_list: &[u32],
    r: &SecretionRates,
    src: &mut Sources,
) {
    let (mac_sink, vessel_sink) = (r.mac_ev_sink_per_min, r.vessel_ev_sink_per_min);
    if (mac_sink > 0.0 && !mac.is_empty()) || (vessel_sink > 0.0 && !vessel_list.is_empty()) {
        let up = src.uptake_mut(ev);
        let up = up.as_slice_mut().expect("standard layout");
        if mac_sink > 0.0 {
            for i in 0..mac.len() {
                up[g.index3_of(mac.x[i], mac.y[i], mac.z[i])] += mac_sink;
            }
        }
        if vessel_sink > 0.0 {
            let plane = g.layer_len();
            for &v in vessel_list {
                up[bed * plane + v as usize] += vessel_sink;
            }
        }
    }
}
