//! MSC fate: death, senescence, release from a carrier, migration,
//! (rare) division, efferocytosis of dead cells by macrophages and secondary
//! necrosis of uncleared dead cells.
//!
//! Writes MSCs and debris. Its one effect on another kind, a macrophage
//! eating a dead MSC, is not written here: it is listed in
//! `Workspace::efferocytosis` (the eating macrophage's index, in MSC id
//! order) and applied by [`super::macrophages::efferocytose`].
//!
//! Death hazard (per day):
//! `(base + hypoxia·h(O₂) + tnf·T/(T+K) + ros·R/(R+K_R) + anoikis·[unanchored, no carrier]·m_anoikis)
//!  × m_product × [in carrier: protection]`.
//! Senescence hazard: `senescence · T/(T+K)`.

use super::{blend_direction, hif, sat};
use crate::agents::msc_state;
use crate::rng::{hazard_prob, Purpose, Stream};
use crate::scenario::Params;
use crate::sim::{SimState, Workspace};
use rayon::prelude::*;

/// What happened to one MSC in a cell step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    /// Nothing structural.
    None,
    /// Died this step.
    Died,
    /// Became senescent.
    Senesced,
    /// Eaten by the macrophage at this index.
    Eaten(u32),
    /// Became necrotic debris at this voxel.
    Necrosis(u32),
    /// Divided.
    Divided,
}

/// Per-cell outcome computed in parallel.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    x: f32,
    y: f32,
    in_carrier: bool,
    unanchored_min: f32,
    event: Event,
}

/// Death hazard (per minute) of a live MSC in its environment.
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn death_hazard_per_min(
    p: &Params,
    o2: f32,
    tnf: f32,
    ros: f32,
    unanchored: bool,
    in_carrier: bool,
    product_hazard: f32,
) -> f64 {
    let m = &p.scenario.msc;
    let t = &p.scenario.tissue;
    let h = hif(
        o2,
        t.hypoxia_onset_mmhg as f32,
        t.hypoxia_saturation_mmhg as f32,
    ) as f64;
    let mut per_day = m.base_death_per_day
        + m.hypoxia_death_per_day * h
        + m.tnf_death_per_day * sat(tnf, m.tnf_half_max_ng_per_ml as f32) as f64
        + m.ros_death_per_day * sat(ros, m.ros_half_max_au as f32) as f64;
    if unanchored && !in_carrier {
        per_day += m.anoikis_death_per_day * p.product.anoikis;
    }
    per_day *= product_hazard as f64;
    if in_carrier {
        per_day *= p.scenario.treatment.carrier_protection();
    }
    per_day / 1440.0
}

/// One cell step of MSC fate.
pub fn update(p: &Params, st: &mut SimState, ws: &mut Workspace) {
    // This step's events only, also when there is no MSC left to eat.
    ws.efferocytosis.clear();
    let n = st.mscs.len();
    if n == 0 {
        return;
    }
    let dt = (p.steps.dt_min * p.steps.cell_every as f64) as f32;
    let g = p.grid;
    let ids = p.ids;
    let m = &p.scenario.msc;
    let seed = st.seed;
    let step = st.step;
    let release_h = p.scenario.treatment.release_half_life_h();
    let release_p = if release_h > 0.0 {
        hazard_prob(std::f64::consts::LN_2 / (release_h * 60.0), dt as f64)
    } else {
        1.0
    };
    let eff_rate = m.efferocytosis_per_macrophage_per_day * st.patient.efferocytosis_mult / 1440.0;
    let speed = (m.speed_um_per_min * p.product.motility) as f32;
    let ms = &st.mscs;
    let fields = &st.fields;
    let bins = &ws.mac_bins;
    ws.msc_out.clear();
    (0..n)
        .into_par_iter()
        .map(|i| {
            let id = ms.id[i];
            let (x, y) = (ms.x[i], ms.y[i]);
            let (ix, iy) = g.voxel_of(x, y);
            let v = g.idx(ix, iy);
            let mut out = Outcome {
                x,
                y,
                in_carrier: ms.in_carrier[i],
                unanchored_min: (ms.unanchored_min[i] - dt).max(0.0),
                event: Event::None,
            };
            let mut rng = Stream::new(seed, id, step, Purpose::MscFate);
            if ms.state[i] == msc_state::DEAD {
                // Efferocytosis by a macrophage nearby, or secondary necrosis.
                let b = bins.bin_of(x, y);
                let near = bins.count(b);
                if near > 0 && rng.chance(hazard_prob(eff_rate * near as f64, dt as f64)) {
                    out.event = Event::Eaten(bins.in_bin(b)[0]);
                } else if ms.dead_min[i] + dt >= (m.secondary_necrosis_days * 1440.0) as f32 {
                    out.event = Event::Necrosis(v as u32);
                }
                return out;
            }
            let (hazard_m, _, _) = super::secretion::product_mults(p, ms.age_min[i]);
            let o2 = fields.at(ids.oxygen, v);
            let tnf = fields.at(ids.tnf, v);
            let ros = fields.at_opt(ids.ros, v);
            let h = death_hazard_per_min(
                p,
                o2,
                tnf,
                ros,
                ms.unanchored_min[i] > 0.0,
                ms.in_carrier[i],
                hazard_m,
            );
            if rng.chance(hazard_prob(h, dt as f64)) {
                out.event = Event::Died;
                return out;
            }
            if ms.state[i] == msc_state::LIVE {
                let s = m.senescence_per_day * sat(tnf, m.tnf_half_max_ng_per_ml as f32) as f64
                    / 1440.0;
                if rng.chance(hazard_prob(s, dt as f64)) {
                    out.event = Event::Senesced;
                } else if m.proliferation_per_day > 0.0
                    && rng.chance(hazard_prob(m.proliferation_per_day / 1440.0, dt as f64))
                {
                    out.event = Event::Divided;
                }
            }
            if out.in_carrier {
                if rng.chance(release_p) {
                    out.in_carrier = false;
                    out.unanchored_min = 0.0;
                }
                return out;
            }
            let mut mv = Stream::new(seed, id, step, Purpose::MscMove);
            let (gx, gy) = fields.gradient(&g, ids.tnf, ix, iy);
            let (dx, dy) = blend_direction(gx, gy, m.chemotaxis_bias as f32, mv.direction());
            let (nx, ny) = g.clamp(x + dx * speed * dt, y + dy * speed * dt);
            out.x = nx;
            out.y = ny;
            out
        })
        .collect_into_vec(&mut ws.msc_out);

    // Apply in id order.
    let mut keep = vec![true; n];
    let mut births = Vec::new();
    for (i, o) in ws.msc_out.iter().enumerate() {
        let ms = &mut st.mscs;
        ms.x[i] = o.x;
        ms.y[i] = o.y;
        ms.in_carrier[i] = o.in_carrier;
        ms.unanchored_min[i] = o.unanchored_min;
        ms.age_min[i] += dt;
        if ms.state[i] == msc_state::DEAD {
            ms.dead_min[i] += dt;
        }
        match o.event {
            Event::None => {}
            Event::Died => {
                ms.state[i] = msc_state::DEAD;
                ms.dead_min[i] = 0.0;
                st.msc_deaths += 1;
            }
            Event::Senesced => ms.state[i] = msc_state::SENESCENT,
            Event::Eaten(mac) => {
                keep[i] = false;
                ws.efferocytosis.push(mac);
                st.efferocytosed += 1;
            }
            Event::Necrosis(v) => {
                keep[i] = false;
                let d = &mut st.tissue.debris.as_slice_mut().expect("standard layout")[v as usize];
                *d = (*d + 0.05).min(1.0);
            }
            Event::Divided => births.push((o.x, o.y)),
        }
    }
    if keep.iter().any(|k| !k) {
        st.mscs.retain(&keep);
    }
    let room = st.birth_room(p, births.len());
    for &(x, y) in &births[..room] {
        let id = st.new_id();
        st.mscs.push(id, x, y, false, 0.0);
    }
}
