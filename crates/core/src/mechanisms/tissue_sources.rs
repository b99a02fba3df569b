//! Tissue sources and sinks: vessel O₂ exchange (spread over the Krogh
//! radius, see `Workspace::refresh_vessel_list`) and background exchange, tissue O₂
//! consumption (the oxygen field's decay), the HIF-1α hypoxia response (VEGF,
//! and TNF-α because hypoxia is inflammatory) and damage signals (debris and
//! the local bacterial burden, planktonic + biofilm, make TNF-α and ROS:
//! bacterial PAMPs are inflammatory).
//!
//! O₂ exchange is flow-limited: every supply relaxes the tissue toward its
//! own pO₂ (arterial blood `tissue.blood_po2_mmhg`, or the surface pO₂ of
//! oxygen therapy) at a rate; perfusion and oedema scale that rate, never the
//! supplying pO₂. Per voxel and field step the solver then computes
//! `c ← (c + dt·Σ kᵢ·Pᵢ) / (1 + dt·(Σ kᵢ + λ))`, a weighted mean of the old
//! value and the supplies shrunk by consumption λ, so tissue pO₂ can never
//! rise above the highest supplying pO₂ ([`o2_supply_max_mmhg`]).

use super::hif;
use crate::fields::Sources;
use crate::scenario::depth::LayerKind;
pub use crate::scenario::rates::OXYGEN_THERAPY_EXCHANGE_PER_MIN;
use crate::scenario::rates::{DepthSupply, TissueSourceRates, Vertical};
use crate::scenario::{FieldIds, Params};
use crate::tissue::Tissue;
use ndarray::{s, Array2, Zip};

/// The highest pO₂ (mmHg) that supplies oxygen to the tissue of a run with
/// these parameters ([`crate::scenario::rates::o2_supply_max_mmhg`]).
/// Tissue pO₂ can never exceed it.
pub fn o2_supply_max_mmhg(p: &Params) -> f64 {
    crate::scenario::rates::o2_supply_max_mmhg(p)
}

/// Relative tolerance of the run-time O₂ bound for f32 round-off: the
/// implicit steps keep tissue pO₂ at or below the highest supplying pO₂ in
/// exact arithmetic; in f32 a value can overshoot it by a few units in the
/// last place (about 1e-6 relative on a 600-voxel line), far below 1e-4.
pub const O2_BOUND_REL_TOL: f64 = 1e-4;

/// The largest tissue pO₂ (mmHg) a run may reach: the highest supplying
/// pO₂ ([`o2_supply_max_mmhg`]) plus the round-off tolerance
/// [`O2_BOUND_REL_TOL`]. A field step that produces a higher value fails
/// with [`crate::error::Error::Invariant`].
pub fn o2_bound_mmhg(p: &Params) -> f64 {
    o2_supply_max_mmhg(p) * (1.0 + O2_BOUND_REL_TOL)
}

/// What the tissue sources read and write in one field step.
pub struct TissueSources<'a> {
    /// Parameters.
    pub rates: &'a TissueSourceRates,
    /// Where the bed layer is (the tissue maps act in it).
    pub vertical: &'a Vertical,
    /// Field indices.
    pub ids: FieldIds,
    /// The oxygen field (read: HIF-1α).
    pub oxygen: &'a Array2<f32>,
    /// O₂ exchange rate per voxel of the bed layer (1/min; read).
    pub exchange: &'a Array2<f32>,
    /// Tissue (read: the open wound, the footprint, debris, bacteria).
    pub tissue: &'a Tissue,
    /// Source and uptake buffers (written).
    pub sources: &'a mut Sources,
}

/// Add tissue sources and uptake for one field step.
pub fn apply(v: TissueSources<'_>) {
    let TissueSources {
        rates: t,
        vertical,
        ids,
        oxygen,
        exchange,
        tissue,
        sources: src,
    } = v;
    // The bed layer's rows of a field (the whole field in 2D).
    let ny = exchange.nrows();
    let bed = || s![vertical.bed * ny..(vertical.bed + 1) * ny, ..];
    // Perfusion and oedema set how fast the blood exchanges O₂ with the
    // tissue, not the blood's pO₂: more flow brings tissue closer to
    // arterial pO₂, never above it.
    let perf = t.perfusion;
    let target = t.blood_po2_mmhg;
    let kbed = t.bed_exchange_per_min;
    let therapy = t.oxygen_therapy_mmhg;
    let kther = t.oxygen_therapy_exchange_per_min;
    {
        let (s_o2, u_o2) = src.src_and_uptake_mut(ids.oxygen);
        Zip::from(s_o2.slice_mut(bed()))
            .and(u_o2.slice_mut(bed()))
            .and(exchange)
            .and(&tissue.open)
            .par_for_each(|s, u, &kvox, &open| {
                let k = kbed + perf * kvox;
                let kt = kther * open as f32;
                *u += k + kt;
                *s += k * target + kt * therapy;
            });
        if let Some(d) = &t.depth {
            layers_o2(d, target, &tissue.footprint, s_o2, u_o2);
        }
    }
    let (onset, satu) = (t.hypoxia.onset_mmhg, t.hypoxia.saturation_mmhg);
    let hv = t.hypoxic_vegf_ng_per_ml_per_min;
    let ht = t.hypoxic_tnf_ng_per_ml_per_min;
    let dt = t.damage_tnf_ng_per_ml_per_min;
    // VEGF and TNF-α in one pass (one HIF-1α evaluation per voxel); the
    // local bacterial burden (0 off the open wound) is a damage signal.
    let (s_vegf, s_tnf) = src.src_pair_mut(ids.vegf, ids.tnf);
    Zip::from(s_vegf.slice_mut(bed()))
        .and(s_tnf.slice_mut(bed()))
        .and(oxygen.slice(bed()))
        .and(&tissue.debris)
        .and(&tissue.planktonic)
        .and(&tissue.biofilm)
        .par_for_each(|sv, stn, &o2, &deb, &pl, &bf| {
            let h = hif(o2, onset, satu);
            *sv += hv * h;
            *stn += ht * h + dt * (deb + pl + bf);
        });
    if let Some(ros) = ids.ros {
        let k = t.damage_ros_au_per_min;
        let reperf = t.reperfusion_ros_damage;
        if k > 0.0 && (reperf > 0.0 || tissue.bioburden > 0.0) {
            Zip::from(src.src_mut(ros).slice_mut(bed()))
                .and(&tissue.open)
                .and(&tissue.planktonic)
                .and(&tissue.biofilm)
                .par_for_each(|s, &open, &pl, &bf| *s += k * (pl + bf + reperf * open as f32));
        }
    }
}

/// O₂ exchange of the layers besides the bed in 3D: intact dermis below
/// the bed everywhere, and the cavity's layers outside the footprint
/// (intact skin around the wound), exchange with the blood at the intact
/// vessel density; exudate, carrier and dressing have no vessels.
fn layers_o2(
    d: &DepthSupply,
    target: f32,
    footprint: &Array2<u8>,
    s_o2: &mut Array2<f32>,
    u_o2: &mut Array2<f32>,
) {
    let ny = footprint.nrows();
    let k = d.dermis_exchange_per_min;
    for (iz, kind) in d.kinds.iter().enumerate() {
        let rows = s![iz * ny..(iz + 1) * ny, ..];
        match kind {
            LayerKind::Dermis => Zip::from(s_o2.slice_mut(rows))
                .and(u_o2.slice_mut(rows))
                .par_for_each(|s, u| {
                    *u += k;
                    *s += k * target;
                }),
            LayerKind::Cavity | LayerKind::Carrier => Zip::from(s_o2.slice_mut(rows))
                .and(u_o2.slice_mut(rows))
                .and(footprint)
                .par_for_each(|s, u, &f| {
                    if f == 0 {
                        *u += k;
                        *s += k * target;
                    }
                }),
            LayerKind::Bed | LayerKind::Dressing => {}
        }
    }
}
