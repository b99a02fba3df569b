//! Tissue sources and sinks: vessel O₂ exchange (spread over the Krogh
//! radius, see `Workspace::refresh_vessel_list`) and background exchange, tissue O₂
//! consumption (the oxygen field's decay), the HIF-1α hypoxia response (VEGF,
//! and TNF-α because hypoxia is inflammatory) and damage signals (debris and
//! bioburden make TNF-α and ROS).
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
use crate::scenario::Params;
use crate::sim::SimState;
use ndarray::Zip;

/// Exchange rate of the open wound surface with oxygen therapy (1/min).
pub const OXYGEN_THERAPY_EXCHANGE_PER_MIN: f32 = 0.02;

/// The highest pO₂ (mmHg) that supplies oxygen to the tissue of a run with
/// these parameters: arterial blood, the surface pO₂ of oxygen therapy
/// where applied, the far-field value of any Dirichlet side of the oxygen
/// field, and its initial value (a state that starts higher only relaxes
/// down). Tissue pO₂ can never exceed it.
pub fn o2_supply_max_mmhg(p: &Params) -> f64 {
    let spec = &p.fields[p.ids.oxygen].1;
    let dirichlet = [
        spec.boundary_x_min,
        spec.boundary_x_max,
        spec.boundary_y_min,
        spec.boundary_y_max,
    ]
    .contains(&crate::scenario::Boundary::Dirichlet);
    let far = if dirichlet { spec.far_field } else { 0.0 };
    p.scenario
        .tissue
        .blood_po2_mmhg
        .max(p.scenario.treatment.standard_care.oxygen_therapy_mmhg)
        .max(far)
        .max(spec.initial)
}

/// Add tissue sources and uptake for one field step.
pub fn apply(p: &Params, st: &SimState, exchange: &ndarray::Array2<f32>, src: &mut Sources) {
    let t = &p.scenario.tissue;
    let ids = p.ids;
    let pat = &st.patient;
    // Perfusion (blood flow, fraction of normal) and oedema (a longer
    // diffusion path) set how fast the blood exchanges O₂ with the tissue,
    // not the blood's pO₂: more flow brings tissue closer to arterial pO₂,
    // never above it.
    let perf = (pat.perfusion * (1.0 - 0.5 * pat.oedema)) as f32;
    let target = t.blood_po2_mmhg as f32;
    let kbed = t.bed_o2_exchange_per_min as f32 * perf;
    let therapy = p.scenario.treatment.standard_care.oxygen_therapy_mmhg as f32;
    let kther = if therapy > 0.0 {
        OXYGEN_THERAPY_EXCHANGE_PER_MIN
    } else {
        0.0
    };
    {
        let (s_o2, u_o2) = src.src_and_uptake_mut(ids.oxygen);
        Zip::from(s_o2)
            .and(u_o2)
            .and(exchange)
            .and(&st.tissue.open)
            .par_for_each(|s, u, &kvox, &open| {
                let k = kbed + perf * kvox;
                let kt = kther * open as f32;
                *u += k + kt;
                *s += k * target + kt * therapy;
            });
    }
    let (onset, satu) = (
        t.hypoxia_onset_mmhg as f32,
        t.hypoxia_saturation_mmhg as f32,
    );
    let hv = t.hypoxic_vegf_ng_per_ml_per_min as f32;
    let ht = t.hypoxic_tnf_ng_per_ml_per_min as f32;
    let dt = t.damage_tnf_ng_per_ml_per_min as f32;
    let bio = st.tissue.bioburden as f32;
    // VEGF and TNF-α in one pass (one HIF-1α evaluation per voxel).
    let (s_vegf, s_tnf) = src.src_pair_mut(ids.vegf, ids.tnf);
    Zip::from(s_vegf)
        .and(s_tnf)
        .and(&st.fields.data[ids.oxygen])
        .and(&st.tissue.debris)
        .and(&st.tissue.open)
        .par_for_each(|sv, stn, &o2, &deb, &open| {
            let h = hif(o2, onset, satu);
            *sv += hv * h;
            *stn += ht * h + dt * (deb + bio * open as f32);
        });
    if let Some(ros) = ids.ros {
        let k =
            t.damage_ros_au_per_min as f32 * (bio + 10.0 * pat.reperfusion_damage_per_day as f32);
        if k > 0.0 {
            Zip::from(src.src_mut(ros))
                .and(&st.tissue.open)
                .par_for_each(|s, &open| *s += k * open as f32);
        }
    }
}
