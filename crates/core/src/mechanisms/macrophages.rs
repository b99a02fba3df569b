//! Macrophages: recruitment from perfused vessels near the wound, continuous
//! polarization, finite lifespan, motility and debris clearance.
//!
//! Polarization `p` (0 = M1, 1 = M2) follows
//! `dp/dt = k · (D₂ (1 − p) − D₁ p)` with
//! `D₂ = intrinsic + w_IL10·IL10/(IL10+K) + w_TGFβ·TGFβ/(TGFβ+K)` and
//! `D₁ = w_TNF·TNF/(TNF+K) + w_hyp·h(O₂) + w_dmg·(debris + bioburden)`;
//! `k = switch_per_day × patient multiplier` (diabetic ×0.5). Efferocytosis
//! adds a step toward M2 (see `msc_fate`).

use super::{blend_direction, hif, sat};
use crate::rng::{hazard_prob, Purpose, Stream};
use crate::scenario::Params;
use crate::sim::{SimState, Workspace};
use crate::SharedMut;
use rayon::prelude::*;

/// Per-cell outcome computed in parallel.
#[derive(Debug, Clone, Copy, Default)]
pub struct Outcome {
    x: f32,
    y: f32,
    pol: f32,
    dies: bool,
}

/// Polarization rate dp/dt (per day) for local signals.
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn polarization_rate(
    p: &Params,
    switch_mult: f64,
    pol: f32,
    il10: f32,
    tgfb: f32,
    tnf: f32,
    o2: f32,
    damage: f32,
) -> f32 {
    let m = &p.scenario.macrophage;
    let t = &p.scenario.tissue;
    let d2 = m.intrinsic_m2_drive as f32
        + m.il10_m2_drive as f32 * sat(il10, m.il10_half_ng_per_ml as f32)
        + m.tgfb_m2_drive as f32 * sat(tgfb, m.tgfb_half_ng_per_ml as f32);
    let d1 = m.tnf_m1_drive as f32 * sat(tnf, m.tnf_half_ng_per_ml as f32)
        + m.hypoxia_m1_drive as f32
            * hif(
                o2,
                t.hypoxia_onset_mmhg as f32,
                t.hypoxia_saturation_mmhg as f32,
            )
        + m.damage_m1_drive as f32 * damage;
    (m.switch_per_day * switch_mult) as f32 * (d2 * (1.0 - pol) - d1 * pol)
}

/// Efferocytosis: each macrophage that ate a dead MSC (`eaters`, macrophage
/// indices, in the MSCs' id order, from [`super::msc_fate::update`]) moves
/// toward M2 by `msc.efferocytosis_m2_push`.
pub fn efferocytose(p: &Params, pol: &mut [f32], eaters: &[u32]) {
    let push = p.scenario.msc.efferocytosis_m2_push as f32;
    for &m in eaters {
        let q = &mut pol[m as usize];
        *q = (*q + push).min(1.0);
    }
}

/// One cell step: move, polarize, die; clear debris; recruit.
pub fn update(p: &Params, st: &mut SimState, ws: &mut Workspace) {
    let dt = (p.steps.dt_min * p.steps.cell_every as f64) as f32;
    let g = p.grid;
    let ids = p.ids;
    let m = &p.scenario.macrophage;
    let seed = st.seed;
    let step = st.step;
    let n = st.macs.len();
    let death_p = hazard_prob(1.0 / (m.lifespan_days * 1440.0), dt as f64);
    let speed = m.speed_um_per_min as f32;
    let bio = st.tissue.bioburden as f32;
    let switch_mult = st.patient.switch_mult;
    {
        let mac = &st.macs;
        let fields = &st.fields;
        let debris = st.tissue.debris.as_slice().expect("standard layout");
        let open = st.tissue.open.as_slice().expect("standard layout");
        // Visit the cells bin by bin (neighbours read nearby memory); each
        // outcome is stored at its cell's index, so nothing depends on the
        // visiting order.
        if ws.mac_bins.items.len() != n {
            ws.mac_bins.rebuild(&mac.x, &mac.y);
        }
        // Any permutation of 0..n will do, so bins of earlier positions too.
        let order = &ws.mac_bins.items;
        let outcome = |i: usize| {
            let id = mac.id[i];
            let (x, y) = (mac.x[i], mac.y[i]);
            let (ix, iy) = g.voxel_of(x, y);
            let v = g.idx(ix, iy);
            let mut rng = Stream::new(seed, id, step, Purpose::MacFate);
            if rng.chance(death_p) {
                return Outcome {
                    x,
                    y,
                    pol: mac.pol[i],
                    dies: true,
                };
            }
            let damage = (debris[v] + bio * open[v] as f32).min(1.5);
            let rate = polarization_rate(
                p,
                switch_mult,
                mac.pol[i],
                fields.at(ids.il10, v),
                fields.at_opt(ids.tgfb, v),
                fields.at(ids.tnf, v),
                fields.at(ids.oxygen, v),
                damage,
            );
            let pol = (mac.pol[i] + rate * dt / 1440.0).clamp(0.0, 1.0);
            let mut mv = Stream::new(seed, id, step, Purpose::MacMove);
            let (gx, gy) = fields.gradient(&g, ids.tnf, ix, iy);
            let (dx, dy) = blend_direction(gx, gy, m.chemotaxis_bias as f32, mv.direction());
            let (nx, ny) = g.clamp(x + dx * speed * dt, y + dy * speed * dt);
            Outcome {
                x: nx,
                y: ny,
                pol,
                dies: false,
            }
        };
        ws.mac_out.clear();
        ws.mac_out.resize(n, Outcome::default());
        let out = SharedMut(ws.mac_out.as_mut_ptr());
        order.par_iter().for_each(|&i| {
            let i = i as usize;
            // SAFETY: `order` is a permutation of 0..n (each cell is in
            // exactly one bin), so every task writes its own element of the
            // n-element `mac_out`, which outlives the loop.
            unsafe { *out.get().add(i) = outcome(i) };
        });
    }
    // Apply in id order; clear debris where each cell stands.
    let clear = hazard_prob(
        m.debris_clearance_per_day * st.patient.efferocytosis_mult / 1440.0,
        dt as f64,
    ) as f32;
    let mut keep = vec![true; n];
    let debris = st.tissue.debris.as_slice_mut().expect("standard layout");
    for (i, o) in ws.mac_out.iter().enumerate() {
        if o.dies {
            keep[i] = false;
            continue;
        }
        st.macs.x[i] = o.x;
        st.macs.y[i] = o.y;
        st.macs.pol[i] = o.pol;
        let v = g.index_of(o.x, o.y);
        debris[v] -= debris[v] * clear;
    }
    if keep.iter().any(|k| !k) {
        st.macs.retain(&keep);
    }
    recruit(p, st, ws, dt);
}

/// Recruit new macrophages at perfused vessel voxels near the wound. The
/// open wound is the source of the chemokines, so the rate scales with the
/// open share of the wound and recruitment winds down as the wound closes.
/// Chemokines, not vessel wall, limit recruitment once the region holds more
/// perfused vessel than intact tissue: the per-vessel rate is then scaled
/// down so the total stays at the intact-tissue level (no vessel →
/// macrophage → VEGF runaway).
fn recruit(p: &Params, st: &mut SimState, ws: &mut Workspace, dt: f32) {
    let m = &p.scenario.macrophage;
    let g = p.grid;
    let ids = p.ids;
    let seed = st.seed;
    let step = st.step;
    let perf = st.patient.perfusion.min(1.5);
    let open_share = st.tissue.open_count() as f64 / st.tissue.footprint_count.max(1) as f64;
    ws.births.clear();
    if open_share <= 0.0 {
        // A closed wound recruits nobody: every rate below would be zero.
        return;
    }
    let intact =
        ws.region.len() as f64 * p.scenario.tissue.vessel_density * st.patient.vessel_density_mult;
    // At least one vessel's worth, so tissue without intact vessels still
    // recruits through the vessels it grows.
    let capacity = (intact.max(1.0) / ws.vessel_list.len().max(1) as f64).min(1.0);
    let fields = &st.fields;
    let debris = st.tissue.debris.as_slice().expect("standard layout");
    let bins = &ws.mac_bins;
    let cap = (m.max_per_voxel * (bins.size_um as f64 / g.dx_um).powi(2)).max(1e-9);
    let list = &ws.vessel_list;
    ws.births.par_extend(list.par_iter().filter_map(|&v| {
        let v = v as usize;
        let (ix, iy) = (v % g.nx, v / g.nx);
        let (x, y) = g.center(ix, iy);
        let crowd = 1.0 - bins.count(bins.bin_of(x as f32, y as f32)) as f64 / cap;
        if crowd <= 0.0 {
            return None;
        }
        let rate = crowd
            * capacity
            * open_share
            * (m.recruit_base_per_vessel_per_day
                + m.recruit_tnf_per_vessel_per_day
                    * sat(fields.at(ids.tnf, v), m.tnf_half_ng_per_ml as f32) as f64
                + m.recruit_debris_per_vessel_per_day * debris[v] as f64)
            * perf
            / 1440.0;
        let mut rng = Stream::new(seed, v as u64, step, Purpose::Recruit);
        if rng.chance(hazard_prob(rate, dt as f64)) {
            let jx = (rng.uniform() - 0.5) * g.dx_um;
            let jy = (rng.uniform() - 0.5) * g.dx_um;
            Some(((x + jx) as f32, (y + jy) as f32))
        } else {
            None
        }
    }));
    let pol0 = m.initial_polarization as f32;
    let room = st.birth_room(p, ws.births.len());
    for k in 0..room {
        let (x, y) = ws.births[k];
        let (x, y) = g.clamp(x, y);
        let id = st.new_id();
        st.macs.push(id, x, y, pol0);
    }
}
