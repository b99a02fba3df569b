//! Standard care and wound-level damage: debridement, infection control and
//! bioburden dynamics, ischaemia–reperfusion damage.
//!
//! Bioburden `b` follows `db/dt = growth·b(1−b) − kill·M1 − control·b`, where
//! `M1` is the M1 macrophage density in the open wound (relative to crowding
//! capacity) and `control` applies only under infection control.

use crate::agents::msc_state;
use crate::scenario::Params;
use crate::sim::SimState;
use ndarray::Zip;

/// One tissue step of standard care and damage.
pub fn update(p: &Params, st: &mut SimState) {
    let dt_d = p.steps.dt_min * p.steps.tissue_every as f64 / 1440.0;
    let t = &p.scenario.tissue;
    let sc = &p.scenario.treatment.standard_care;
    // Bioburden.
    let open = st.tissue.open_count().max(1) as f64;
    let m1 = st.macs.pol.iter().filter(|&&q| q < 0.5).count() as f64;
    let m1_density = (m1 / (open * 0.05)).min(2.0) * st.patient.efferocytosis_mult;
    let b = st.tissue.bioburden;
    let control = if sc.infection_control {
        sc.infection_control_per_day
    } else {
        0.0
    };
    let db = t.bioburden_growth_per_day * b * (1.0 - b)
        - t.bioburden_immune_kill_per_day * m1_density * b
        - control * b;
    st.tissue.bioburden = (b + db * dt_d).clamp(0.0, 1.0);
    // Ischaemia–reperfusion adds debris in the open wound.
    let add = (st.patient.reperfusion_damage_per_day * dt_d) as f32;
    if add > 0.0 {
        Zip::from(&mut st.tissue.debris)
            .and(&st.tissue.open)
            .par_for_each(|d, &o| *d = (*d + add * o as f32).min(1.0));
    }
    // Debridement.
    if let Some(every) = p.steps.debridement_every {
        if st.step > 0 && st.step.is_multiple_of(every) {
            debride(st);
        }
    }
}

/// Sharp debridement: removes most debris, half the bioburden, and dead and
/// senescent MSCs lying in the open wound.
pub fn debride(st: &mut SimState) {
    st.tissue.debris.mapv_inplace(|d| d * 0.2);
    st.tissue.bioburden *= 0.5;
    st.debridements += 1;
    let keep: Vec<bool> = st
        .mscs
        .state
        .iter()
        .map(|&s| s == msc_state::LIVE)
        .collect();
    if keep.iter().any(|k| !k) {
        st.mscs.retain(&keep);
    }
}
