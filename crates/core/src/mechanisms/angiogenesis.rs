//! Angiogenesis: tip cells sprout from perfused vessels where VEGF exceeds a
//! threshold, climb the VEGF gradient at `tip_speed_um_per_h` (faster where
//! VEGF is high: × `1 + tip_vegf_speed_gain · c²/(c² + tip_vegf_half_ng_per_ml²)`,
//! stalk-cell proliferation follows the concentration, Gerhardt 2003), leave a
//! trail of unperfused sprout voxels, and on reaching a perfused vessel or
//! another sprout's trail (anastomosis: loops close between sprouts, not only
//! onto old vessels) perfuse their trail. Trails formed where local VEGF exceeds
//! `abnormal_vegf_ng_per_ml` become abnormal, leaky vessels that exchange
//! O₂ poorly (Ozawa 2004). New vessels without VEGF support regress; vessels
//! supported for `maturation_days` mature and stay. No vessel sprouts, and
//! tips retract, where the 100 µm bin already holds `max_vessel_density_rel`
//! times the capillary density of intact tissue; and no sprout voxel becomes
//! perfused there: on anastomosis, trail voxels in a bin that is already full
//! are pruned (the sprout merges into the capillary bed that fills the bin),
//! so new vessels never push a bin past the cap.

use super::{blend_direction, sat};
use crate::rng::{hazard_prob, Purpose, Stream};
use crate::scenario::Params;
use crate::sim::{SimState, Workspace};
use crate::tissue::vessel;
use rayon::prelude::*;

/// Minimum trail length (voxels) before a tip can anastomose.
pub const MIN_LOOP_VOXELS: usize = 3;

/// What happened to one tip cell in a cell step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    /// Moved within its voxel or through perfused tissue.
    None,
    /// Entered a new voxel and extends its trail there.
    Trail(u32),
    /// Reached a perfused vessel or another sprout's trail (at this voxel):
    /// its trail, and the voxel it fused with, become perfused.
    Anastomosis(u32),
    /// Lost VEGF support or aged out: retracts.
    Retract,
}

/// Per-tip outcome computed in parallel.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    x: f32,
    y: f32,
    event: Event,
}

/// One cell step of tip cells, then sprouting.
pub fn update(p: &Params, st: &mut SimState, ws: &mut Workspace) {
    let a = &p.scenario.angiogenesis;
    let dt = (p.steps.dt_min * p.steps.cell_every as f64) as f32;
    let g = p.grid;
    let vegf_i = p.ids.vegf;
    let seed = st.seed;
    let step = st.step;
    let speed = (a.tip_speed_um_per_h * st.patient.angiogenesis_mult / 60.0) as f32;
    let vegf_gain = a.tip_vegf_speed_gain as f32;
    let vegf_half = a.tip_vegf_half_ng_per_ml as f32;
    let thr = a.sprout_vegf_threshold_ng_per_ml as f32;
    let max_age = (a.tip_max_age_days * 1440.0) as f32;
    let n = st.tips.len();
    let cap = capillary_cap(p, &ws.tip_bins);
    {
        let vessel_bins = &ws.vessel_bins;
        let tip_bins = &ws.tip_bins;
        let tips = &st.tips;
        let fields = &st.fields;
        let ves = st.tissue.vessel.as_slice().expect("standard layout");
        ws.tip_out.clear();
        (0..n)
            .into_par_iter()
            .map(|i| {
                let (x, y) = (tips.x[i], tips.y[i]);
                let (ix, iy) = g.voxel_of(x, y);
                let v = g.idx(ix, iy);
                let c = fields.at(vegf_i, v);
                // Old tips, tips without VEGF support and tips in tissue that
                // already holds its maximum of capillaries retract.
                if tips.age_min[i] + dt > max_age
                    || c < 0.5 * thr
                    || vessel_bins[tip_bins.bin_of(x, y)] as f32 >= cap
                {
                    return Outcome {
                        x,
                        y,
                        event: Event::Retract,
                    };
                }
                let mut rng = Stream::new(seed, tips.id[i], step, Purpose::TipMove);
                let (gx, gy) = fields.gradient(&g, vegf_i, ix, iy);
                let (dx, dy) = blend_direction(gx, gy, a.gradient_bias as f32, rng.direction());
                // The gradient steers; the concentration drives stalk-cell
                // proliferation, which sets how fast the sprout elongates.
                let step_um = speed * (1.0 + vegf_gain * sat(c * c, vegf_half * vegf_half)) * dt;
                let (nx, ny) = g.clamp(x + dx * step_um, y + dy * step_um);
                let nv = g.index_of(nx, ny);
                let trail = &tips.trail[i];
                let event = if nv == v {
                    Event::None
                } else if vessel::perfused(ves[nv])
                    || (ves[nv] == vessel::SPROUT && !trail.contains(&(nv as u32)))
                {
                    if trail.len() >= MIN_LOOP_VOXELS {
                        Event::Anastomosis(nv as u32)
                    } else {
                        Event::None
                    }
                } else {
                    Event::Trail(nv as u32)
                };
                Outcome {
                    x: nx,
                    y: ny,
                    event,
                }
            })
            .collect_into_vec(&mut ws.tip_out);
    }
    let abnormal = a.abnormal_vegf_ng_per_ml as f32;
    // Voxels perfused this step per tip bin, not yet in `ws.vessel_bins`
    // (that is brought up to date after the loop).
    let mut added: Vec<(usize, u16)> = Vec::new();
    let mut keep = vec![true; n];
    for (i, o) in ws.tip_out.iter().enumerate() {
        let tips = &mut st.tips;
        tips.x[i] = o.x;
        tips.y[i] = o.y;
        tips.age_min[i] += dt;
        match o.event {
            Event::None => {}
            Event::Trail(v) => {
                let cell =
                    &mut st.tissue.vessel.as_slice_mut().expect("standard layout")[v as usize];
                if *cell == vessel::NONE {
                    *cell = vessel::SPROUT;
                    tips.trail[i].push(v);
                }
            }
            Event::Anastomosis(hit) => {
                keep[i] = false;
                st.anastomoses += 1;
                let vegf = st.fields.slice(vegf_i);
                let ves = st.tissue.vessel.as_slice_mut().expect("standard layout");
                let age = st
                    .tissue
                    .vessel_age_d
                    .as_slice_mut()
                    .expect("standard layout");
                for t in tips.trail[i].iter().copied().chain([hit]) {
                    let v = t as usize;
                    if ves[v] == vessel::SPROUT {
                        let b = crate::sim::voxel_bin(&g, &ws.tip_bins, v);
                        let k = match added.iter().position(|&(ab, _)| ab == b) {
                            Some(k) => k,
                            None => {
                                added.push((b, 0));
                                added.len() - 1
                            }
                        };
                        let held = ws.vessel_bins[b] as f32 + added[k].1 as f32;
                        if held >= cap {
                            // The bin is full: this sprout voxel is pruned.
                            ves[v] = vessel::NONE;
                            age[v] = 0.0;
                            continue;
                        }
                        added[k].1 += 1;
                        ves[v] = if vegf[v] > abnormal {
                            vessel::ABNORMAL
                        } else {
                            vessel::PERFUSED
                        };
                        age[v] = 0.0;
                        ws.vessel_changes.push(t);
                    }
                }
            }
            Event::Retract => keep[i] = false,
        }
    }
    if keep.iter().any(|k| !k) {
        st.tips.retain(&keep);
    }
    ws.apply_vessel_changes(&st.tissue);
    sprout(p, st, ws, dt);
}

/// Perfused vessel voxels a tip bin may hold before its vessels stop
/// sprouting, its tips retract and no more of its sprout voxels are perfused.
pub fn capillary_cap(p: &Params, bins: &crate::agents::Bins) -> f32 {
    let voxels_per_bin = (bins.size_um as f64 / p.grid.dx_um).powi(2);
    // At least one voxel, so tissue without vessels never blocks tips.
    ((p.scenario.angiogenesis.max_vessel_density_rel
        * p.scenario.tissue.vessel_density
        * voxels_per_bin) as f32)
        .max(1.0)
}

/// New tip cells at eligible perfused vessel voxels.
fn sprout(p: &Params, st: &mut SimState, ws: &mut Workspace, dt: f32) {
    let a = &p.scenario.angiogenesis;
    let g = p.grid;
    let seed = st.seed;
    let step = st.step;
    let thr = a.sprout_vegf_threshold_ng_per_ml as f32;
    let npwt = if p.scenario.treatment.standard_care.negative_pressure {
        1.3
    } else {
        1.0
    };
    let rate = a.sprout_per_vessel_per_day
        * st.patient.angiogenesis_mult
        * (1.0 - st.patient.fibrosis)
        * npwt
        / 1440.0;
    let prob = hazard_prob(rate, dt as f64);
    let vegf = st.fields.slice(p.ids.vegf);
    let tip_bins = &ws.tip_bins;
    let vessel_bins = &ws.vessel_bins;
    let cap = capillary_cap(p, tip_bins);
    ws.births.clear();
    let list = &ws.vessel_list;
    ws.births.par_extend(list.par_iter().filter_map(|&v| {
        let v = v as usize;
        let (x, y) = g.center(v % g.nx, v / g.nx);
        // Lateral inhibition (Dll4–Notch): no new tip next to an existing one,
        // and none where the tissue already holds its maximum of capillaries.
        let b = tip_bins.bin_of(x as f32, y as f32);
        if vegf[v] < thr || tip_bins.count(b) > 0 || vessel_bins[b] as f32 >= cap {
            return None;
        }
        let mut rng = Stream::new(seed, v as u64, step, Purpose::Sprout);
        if rng.chance(prob) {
            Some((x as f32, y as f32))
        } else {
            None
        }
    }));
    let room = st.birth_room(p, ws.births.len());
    for k in 0..room {
        let (x, y) = ws.births[k];
        let id = st.new_id();
        st.tips.push(id, x, y);
    }
}

/// Tissue step: regression of unsupported new vessels, maturation of supported ones.
pub fn remodel(p: &Params, st: &mut SimState, ws: &mut Workspace) {
    let a = &p.scenario.angiogenesis;
    let dt_d = (p.steps.dt_min * p.steps.tissue_every as f64 / 1440.0) as f32;
    let keep_thr = a.maintenance_vegf_ng_per_ml as f32;
    let regress = a.regression_per_day
        * if p.scenario.treatment.has_product() {
            p.product.regression
        } else {
            1.0
        };
    let prob = hazard_prob(regress, dt_d as f64);
    let mature = a.maturation_days as f32;
    let seed = st.seed;
    let step = st.step;
    let nx = p.grid.nx;
    let vegf = &st.fields.data[p.ids.vegf];
    // Note the voxels that change in a way that alters the perfused list or
    // the O₂ exchange map.
    let ves = st.tissue.vessel.as_slice_mut().expect("standard layout");
    let ages = st
        .tissue
        .vessel_age_d
        .as_slice_mut()
        .expect("standard layout");
    let vegf = vegf.as_slice().expect("standard layout");
    ws.vessel_changes.par_extend(
        ves.par_chunks_mut(nx)
            .zip(ages.par_chunks_mut(nx))
            .zip(vegf.par_chunks(nx))
            .enumerate()
            .flat_map_iter(|(iy, ((ves, ages), vegf))| {
                let mut changed = Vec::new();
                for (ix, ((s, age), &c)) in ves.iter_mut().zip(ages).zip(vegf).enumerate() {
                    if *s == vessel::NONE || *s == vessel::MATURE {
                        continue;
                    }
                    let old = *s;
                    let v = iy * nx + ix;
                    if c >= keep_thr {
                        if vessel::perfused(*s) {
                            *age += dt_d;
                            if *age >= mature {
                                *s = vessel::MATURE;
                            }
                        }
                    } else if Stream::new(seed, v as u64, step, Purpose::Regress).chance(prob) {
                        *s = vessel::NONE;
                        *age = 0.0;
                    }
                    if Workspace::vessel_change_matters(old, *s) {
                        changed.push(v as u32);
                    }
                }
                changed
            }),
    );
    ws.apply_vessel_changes(&st.tissue);
}

/// A 100 µm bin that holds more perfused vessel voxels than the capillary
/// cap allows: (first perfused voxel of the bin that is not a mature vessel,
/// perfused voxels, bound).
pub type CapViolation = (usize, u32, u32);

/// Check that no tip bin holds more perfused vessel voxels than the
/// capillary cap ([`capillary_cap`], rounded up) or, where the mature
/// network of the bin already holds more, than its mature vessels (a
/// pre-existing dense bed is kept, but no new vessel is perfused there).
/// Counts the vessel map itself, independently of the workspace's counts.
pub fn check_capillary_cap(
    p: &Params,
    st: &SimState,
    bins: &crate::agents::Bins,
) -> Option<CapViolation> {
    let g = p.grid;
    let cap = capillary_cap(p, bins).ceil() as u32;
    let nb = bins.nbx * bins.nby;
    let mut perfused = vec![0u32; nb];
    let mut mature = vec![0u32; nb];
    let ves = st.tissue.vessel.as_slice().expect("standard layout");
    for (i, &s) in ves.iter().enumerate() {
        if vessel::perfused(s) {
            let b = crate::sim::voxel_bin(&g, bins, i);
            perfused[b] += 1;
            mature[b] += (s == vessel::MATURE) as u32;
        }
    }
    let bad = (0..nb).find(|&b| perfused[b] > cap.max(mature[b]))?;
    let voxel = ves
        .iter()
        .enumerate()
        .position(|(i, &s)| {
            vessel::perfused(s) && s != vessel::MATURE && crate::sim::voxel_bin(&g, bins, i) == bad
        })
        .unwrap_or(0);
    Some((voxel, perfused[bad], cap.max(mature[bad])))
}
