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
use crate::agents::{Bins, Tips};
use crate::engine::{self, Births, Fate};
use crate::fields::Fields;
use crate::grid::Grid;
use crate::rng::{Purpose, Stream};
use crate::scenario::rates::{AngiogenesisRates, Vertical};
use crate::scenario::Params;
use crate::tissue::{vessel, Tissue};
use ndarray::Array2;
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

/// Angiogenesis' scratch memory (kept between steps).
#[derive(Debug, Default)]
pub struct Scratch {
    /// One outcome per tip.
    pub out: Vec<Outcome>,
    /// Positions of new tips.
    pub births: Vec<(f32, f32)>,
}

/// What the tip cells read and write in one cell step (before sprouting).
pub struct TipStep<'a> {
    /// Parameters.
    pub rates: &'a AngiogenesisRates,
    /// Where the bed layer is (tips move in it, on the vessel map).
    pub vertical: &'a Vertical,
    /// Perfused voxels a tip bin may hold ([`capillary_cap`]).
    pub cap: f32,
    /// Grid geometry.
    pub grid: &'a Grid,
    /// Index of the VEGF field.
    pub vegf: usize,
    /// Run seed (the random streams' key).
    pub seed: u64,
    /// Base step.
    pub step: u64,
    /// Fields (read: VEGF and its gradient).
    pub fields: &'a Fields,
    /// Vessel states (written: trails, perfusion on anastomosis).
    pub vessel: &'a mut Array2<u8>,
    /// Vessel maturation clocks (written: reset where a vessel forms).
    pub vessel_age_d: &'a mut Array2<f32>,
    /// Tip bins (read: the bin of a voxel).
    pub tip_bins: &'a Bins,
    /// Perfused voxels per tip bin (read; this step's anastomoses are
    /// listed in `vessel_changes`, merged in by the step afterwards).
    pub vessel_bins: &'a [u16],
    /// Voxels whose O₂ exchange class changed (written).
    pub vessel_changes: &'a mut Vec<u32>,
    /// The tips (written).
    pub tips: &'a mut Tips,
    /// Anastomoses so far (written).
    pub anastomoses: &'a mut u64,
    /// Scratch memory.
    pub scratch: &'a mut Scratch,
}

/// What sprouting reads and writes (after the tips moved and the vessel
/// lists were brought up to date).
pub struct SproutStep<'a> {
    /// Parameters.
    pub rates: &'a AngiogenesisRates,
    /// Where the bed layer is (new tips start at its centre).
    pub vertical: &'a Vertical,
    /// Perfused voxels a tip bin may hold ([`capillary_cap`]).
    pub cap: f32,
    /// Grid geometry.
    pub grid: &'a Grid,
    /// Run seed (the random streams' key).
    pub seed: u64,
    /// Base step.
    pub step: u64,
    /// VEGF in the bed layer (read).
    pub vegf: &'a [f32],
    /// Free vesicles in the bed layer (cell-eq/µL; `None` without an `ev`
    /// field): the endothelium's uptake raises sprouting.
    pub vesicles: Option<&'a [f32]>,
    /// Tip bins of the tips at the start of the step (read: lateral inhibition).
    pub tip_bins: &'a Bins,
    /// Perfused voxels per tip bin (read).
    pub vessel_bins: &'a [u16],
    /// Perfused vessel voxels near the wound (read: sprouting sites).
    pub vessel_list: &'a [u32],
    /// Collagen of the bed (read: dense collagen holds sprouting back).
    pub collagen: &'a [f32],
    /// The tips (written: new tips).
    pub tips: &'a mut Tips,
    /// New ids and the agent cap.
    pub births: Births<'a>,
    /// Scratch memory.
    pub scratch: &'a mut Scratch,
}

/// One cell step of the tip cells: move, extend trails, anastomose, retract.
/// Sprouting ([`sprout`]) follows once the vessel lists are up to date.
pub fn update(v: TipStep<'_>) {
    let TipStep {
        rates: a,
        vertical,
        cap,
        grid,
        vegf: vegf_i,
        seed,
        step,
        fields,
        vessel,
        vessel_age_d,
        tip_bins,
        vessel_bins,
        vessel_changes,
        tips,
        anastomoses,
        scratch,
    } = v;
    let dt = a.dt_min;
    let g = *grid;
    let speed = a.tip_speed_um_per_min;
    let vegf_gain = a.tip_vegf_speed_gain;
    let vegf_half = a.tip_vegf_half_ng_per_ml;
    let thr = a.sprout_vegf_threshold_ng_per_ml;
    let max_age = a.tip_max_age_min;
    let n = tips.len();
    {
        let tips = &*tips;
        let ves = vessel.as_slice().expect("standard layout");
        engine::outcomes(n, &mut scratch.out, |i| {
            let (x, y) = (tips.x[i], tips.y[i]);
            let (ix, iy) = g.voxel_of(x, y);
            let v = g.idx(ix, iy);
            let c = fields.at(vegf_i, vertical.bed_offset + v);
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
            let (gx, gy) = fields.gradient(&g, vegf_i, ix, iy, vertical.bed);
            let (dx, dy) = blend_direction(gx, gy, a.gradient_bias, rng.direction());
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
        });
    }
    let abnormal = a.abnormal_vegf_ng_per_ml;
    let vegf = fields.slice(vegf_i);
    let ves = vessel.as_slice_mut().expect("standard layout");
    let age = vessel_age_d.as_slice_mut().expect("standard layout");
    // Voxels perfused this step per tip bin, not yet in `vessel_bins`
    // (that is brought up to date after the loop).
    let mut added: Vec<(usize, u16)> = Vec::new();
    engine::apply(tips, &scratch.out, |tips, i, o| {
        tips.x[i] = o.x;
        tips.y[i] = o.y;
        tips.age_min[i] += dt;
        match o.event {
            Event::None => Fate::Stays,
            Event::Trail(v) => {
                let cell = &mut ves[v as usize];
                if *cell == vessel::NONE {
                    *cell = vessel::SPROUT;
                    tips.trail[i].push(v);
                }
                Fate::Stays
            }
            Event::Anastomosis(hit) => {
                *anastomoses += 1;
                for t in tips.trail[i].iter().copied().chain([hit]) {
                    let v = t as usize;
                    if ves[v] == vessel::SPROUT {
                        let b = tip_bins.voxel_bin(&g, v);
                        let k = match added.iter().position(|&(ab, _)| ab == b) {
                            Some(k) => k,
                            None => {
                                added.push((b, 0));
                                added.len() - 1
                            }
                        };
                        let held = vessel_bins[b] as f32 + added[k].1 as f32;
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
                        vessel_changes.push(t);
                    }
                }
                Fate::Leaves
            }
            Event::Retract => Fate::Leaves,
        }
    });
}

/// Perfused vessel voxels a tip bin may hold before its vessels stop
/// sprouting, its tips retract and no more of its sprout voxels are perfused.
pub fn capillary_cap(p: &Params, bins: &Bins) -> f32 {
    let voxels_per_bin = (bins.size_um as f64 / p.grid.dx_um).powi(2);
    // At least one voxel, so tissue without vessels never blocks tips.
    ((crate::scenario::rates::capillary_density(p) * voxels_per_bin) as f32).max(1.0)
}

/// The sprouting multiplier of a vessel voxel at free vesicles `ev`
/// (cell-eq/µL): `1 + gain · U/(U + U½)`, with its uptake
/// `U = clearance · ev` (cell-eq/min); 1 without uptake.
#[inline]
pub fn ev_sprout_factor(a: &AngiogenesisRates, ev: f32) -> f32 {
    let u = a.ev_clearance_ul_per_min * ev.max(0.0);
    if u <= 0.0 {
        return 1.0;
    }
    1.0 + a.ev_sprout_gain * u / (u + a.ev_half_cell_eq_per_min)
}

/// New tip cells at eligible perfused vessel voxels.
pub fn sprout(v: SproutStep<'_>) {
    let SproutStep {
        rates: a,
        vertical,
        cap,
        grid,
        seed,
        step,
        vegf,
        vesicles,
        tip_bins,
        vessel_bins,
        vessel_list: list,
        collagen,
        tips,
        mut births,
        scratch,
    } = v;
    let g = *grid;
    let thr = a.sprout_vegf_threshold_ng_per_ml;
    let prob = a.sprout_prob;
    scratch.births.clear();
    scratch.births.par_extend(list.par_iter().filter_map(|&v| {
        let v = v as usize;
        // Dense collagen (fibrosis) around the vessel holds sprouting back.
        let dense = a.dense_sprout_slowing * a.dense.share(collagen[v]);
        let mut p = prob * (1.0 - dense).max(0.0) as f64;
        // Vesicle cargo its endothelium takes up makes it sprout more.
        if let Some(ev) = vesicles {
            p *= ev_sprout_factor(a, ev[v]) as f64;
        }
        // The draw first: most voxels miss it, before their neighbours are read.
        if vegf[v] < thr || !Stream::new(seed, v as u64, step, Purpose::Sprout).chance(p) {
            return None;
        }
        let (x, y) = g.center(v % g.nx, v / g.nx);
        // Lateral inhibition (Dll4–Notch): no new tip next to an existing one,
        // and none where the tissue already holds its maximum of capillaries.
        let b = tip_bins.bin_of(x as f32, y as f32);
        if tip_bins.count(b) > 0 || vessel_bins[b] as f32 >= cap {
            return None;
        }
        Some((x as f32, y as f32))
    }));
    births.admit(tips, &scratch.births, |tips, id, (x, y)| {
        tips.push(id, x, y, vertical.bed_z_um)
    });
}

/// What remodelling reads and writes in one tissue step.
pub struct Remodel<'a> {
    /// Parameters.
    pub rates: &'a AngiogenesisRates,
    /// Grid geometry.
    pub grid: &'a Grid,
    /// Run seed (the random streams' key).
    pub seed: u64,
    /// Base step.
    pub step: u64,
    /// VEGF in the bed layer (read).
    pub vegf: &'a [f32],
    /// Vessel states (written: regression, maturation).
    pub vessel: &'a mut Array2<u8>,
    /// Vessel maturation clocks (written).
    pub vessel_age_d: &'a mut Array2<f32>,
    /// Voxels whose O₂ exchange class changed (written).
    pub vessel_changes: &'a mut Vec<u32>,
}

/// Tissue step: regression of unsupported new vessels, maturation of supported ones.
pub fn remodel(v: Remodel<'_>) {
    let Remodel {
        rates: a,
        grid,
        seed,
        step,
        vegf,
        vessel,
        vessel_age_d,
        vessel_changes,
    } = v;
    let dt_d = a.tissue_dt_days;
    let keep_thr = a.maintenance_vegf_ng_per_ml;
    let prob = a.regression_prob;
    let mature = a.maturation_days;
    let nx = grid.nx;
    // Note the voxels that change in a way that alters the perfused list or
    // the O₂ exchange map.
    let ves = vessel.as_slice_mut().expect("standard layout");
    let ages = vessel_age_d.as_slice_mut().expect("standard layout");
    vessel_changes.par_extend(
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
                    if vessel::exchange_changes(old, *s) {
                        changed.push(v as u32);
                    }
                }
                changed
            }),
    );
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
pub fn check_capillary_cap(p: &Params, tissue: &Tissue, bins: &Bins) -> Option<CapViolation> {
    let g = p.grid;
    let cap = capillary_cap(p, bins).ceil() as u32;
    let nb = bins.nbx * bins.nby;
    let mut perfused = vec![0u32; nb];
    let mut mature = vec![0u32; nb];
    let ves = tissue.vessel.as_slice().expect("standard layout");
    for (i, &s) in ves.iter().enumerate() {
        if vessel::perfused(s) {
            let b = bins.voxel_bin(&g, i);
            perfused[b] += 1;
            mature[b] += (s == vessel::MATURE) as u32;
        }
    }
    let bad = (0..nb).find(|&b| perfused[b] > cap.max(mature[b]))?;
    let voxel = ves
        .iter()
        .enumerate()
        .position(|(i, &s)| {
            vessel::perfused(s) && s != vessel::MATURE && bins.voxel_bin(&g, i) == bad
        })
        .unwrap_or(0);
    Some((voxel, perfused[bad], cap.max(mature[bad])))
}
