//! Fibroblasts, myofibroblasts and the wound bed's matrix (tissue steps).
//!
//! **Representation.** Each agent stands for `cells_per_agent` cells
//! ([`FibroblastRates::cells_per_agent`]): its division, deposition and
//! secretion are those of that many cells, and crowding counts cells. A 1 cm
//! wound's slice filled at `max_cells_per_voxel` holds about 4e5 cells, so
//! 25 cells per agent keep it near 1.6e4 agents.
//!
//! **Recruitment.** Fibroblasts arrive at recruitment sites: the voxels of
//! the wound's footprint (in 2D the slice has no depth, so the dermis and
//! fat under the bed are sources everywhere under it) and a ring of intact
//! margin within [`RING_UM`] of it. Per 100 µm bin the arrival hazard is
//! `sites · k · a(t) · open_b · crowd · (1 + gain·T/(T+K))` agents per
//! minute, with `a(t)` 0 before `onset_days` and ramping to 1 over
//! `onset_ramp_days` (activation by PDGF, FGF and TGF-β from platelets and
//! macrophages; PDGF is not a field), `T` the bin centre's TGF-β and
//! `crowd = 1 − cells in the bin / (max_cells_per_voxel · voxels)`, and
//! `open_b` the open share of the bin's footprint voxels (the whole
//! wound's open share for a bin of the intact ring alone): arrivals go
//! where the bed is still open, so a patch left open late in healing is
//! still filled.
//!
//! **Cell step** (every tissue step, outcomes in parallel, applied in id
//! order): apoptosis (a base hazard plus the resolution hazard × the
//! closed share of the cell's bin, the whole wound's for a bin without
//! footprint, × (1 − the patient's fibrosis):
//! granulation tissue resolves by apoptosis once the epithelium has closed
//! over it, Desmoulière 1995), then
//! for fibroblasts differentiation into a myofibroblast (hazard × T/(T+K):
//! Desmoulière 1993), division while the wound is open (hazard × an O₂ ramp
//! × crowd × (1 + gain·T/(T+K))) and migration (a random walk biased up the
//! TGF-β gradient). Myofibroblasts neither move nor divide.
//!
//! **Matrix** (per voxel of the footprint, bed layer; `P` provisional, `C`
//! collagen, `n_f`, `n_m` fibroblast and myofibroblast cells per voxel of
//! the voxel's 100 µm bin, before this step's cell changes):
//! `P ← P·keep_P + k_P·n_f·(1 − P − C)`,
//! `C ← C·keep_C + k_C·(n_f + mult·n_m)·(1 + gain·T/(T+K))·(1 − C)`, then
//! `P ≤ 1 − C` (collagen replaces the provisional matrix). Both stay in
//! [0, 1]. Closure and sprouting read the result.

use super::sites::{OpenShare, Sites};
use super::{blend_direction, sat};
use crate::agents::{fibroblast_state, Fibroblasts};
use crate::engine::{self, Births, Fate};
use crate::fields::{Fields, Sources};
use crate::grid::Grid;
use crate::rng::{hazard_prob, Purpose, Stream};
use crate::scenario::rates::{FibroblastRates, Vertical};
use crate::scenario::FieldIds;
use crate::tissue::Tissue;
use rayon::prelude::*;

/// Width of the intact margin around the footprint that supplies
/// fibroblasts (µm).
pub const RING_UM: f64 = 100.0;

/// What happened to one fibroblast in a tissue step.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum Event {
    /// Nothing structural.
    #[default]
    None,
    /// Died by apoptosis.
    Apoptosis,
    /// Became a myofibroblast.
    Differentiates,
    /// Divided (the daughter appears next to it).
    Divides,
}

/// Per-agent outcome computed in parallel.
#[derive(Debug, Clone, Copy, Default)]
pub struct Outcome {
    x: f32,
    y: f32,
    event: Event,
    /// Where a daughter starts (division only).
    daughter: (f32, f32),
}

/// The fibroblasts' scratch memory (kept between steps).
#[derive(Debug, Default)]
pub struct Scratch {
    /// One outcome per agent.
    pub out: Vec<Outcome>,
    /// Positions of new agents (daughters, then arrivals).
    pub births: Vec<(f32, f32)>,
    /// Fibroblast agents per bin (before this step's changes).
    pub fib: Vec<u32>,
    /// Myofibroblast agents per bin (before this step's changes).
    pub myo: Vec<u32>,
    /// Apoptosis probability per tissue step in each bin.
    pub apoptosis: Vec<f64>,
}

/// What the fibroblasts read and write in one tissue step.
pub struct FibroblastStep<'a> {
    /// Their parameters.
    pub rates: &'a FibroblastRates,
    /// Depth: fibroblasts live in the wound bed's layer (the slice in 2D).
    pub vertical: &'a Vertical,
    /// Grid geometry.
    pub grid: &'a Grid,
    /// Field indices.
    pub ids: FieldIds,
    /// Run seed (the random streams' key).
    pub seed: u64,
    /// Base step.
    pub step: u64,
    /// Base step length (min).
    pub dt_base_min: f64,
    /// Fields (read: O₂, TGF-β and its gradient).
    pub fields: &'a Fields,
    /// Tissue: the open wound and footprint (read), provisional matrix and
    /// collagen (written).
    pub tissue: &'a mut Tissue,
    /// Recruitment sites and the bins.
    pub sites: &'a Sites,
    /// The open share of each bin of `sites` (read; brought up to date by
    /// the workspace after every closure step).
    pub open: &'a OpenShare,
    /// The fibroblasts (written).
    pub fibroblasts: &'a mut Fibroblasts,
    /// New ids and the agent cap (division, recruitment).
    pub births: Births<'a>,
    /// Scratch memory.
    pub scratch: &'a mut Scratch,
}

/// One tissue step: per-bin counts, the agents' outcomes (apoptosis,
/// differentiation, division, migration), arrivals, then the matrix.
pub fn update(v: FibroblastStep<'_>) {
    let FibroblastStep {
        rates: r,
        vertical,
        grid,
        ids,
        seed,
        step,
        dt_base_min,
        fields,
        tissue,
        sites,
        open,
        fibroblasts,
        mut births,
        scratch,
    } = v;
    let g = *grid;
    let Scratch {
        out,
        births: born,
        fib,
        myo,
        apoptosis,
    } = scratch;
    let nb = sites.bins();
    fib.clear();
    fib.resize(nb, 0);
    myo.clear();
    myo.resize(nb, 0);
    for i in 0..fibroblasts.len() {
        let b = sites.bin_of(fibroblasts.x[i], fibroblasts.y[i]);
        if fibroblasts.state[i] == fibroblast_state::MYOFIBROBLAST {
            myo[b] += 1;
        } else {
            fib[b] += 1;
        }
    }
    // The open share of each bin's footprint (the whole wound's where a bin
    // holds no footprint): granulation resolves where the epithelium has
    // closed over it, and keeps being recruited where the bed is still open.
    let open_share = open.whole();
    apoptosis.clear();
    apoptosis.extend((0..nb).map(|b| r.apoptosis_prob(1.0 - open.of(b))));
    let apoptosis = &*apoptosis;
    let bed = vertical.bed;
    let off = vertical.bed_offset;
    let dt = r.dt_min;
    let cpa = r.cells_per_agent;
    let cap_cells = r.max_cells_per_voxel;
    let (k_half, gain) = (r.tgfb_half_ng_per_ml, r.tgfb_gain);
    let crowd_of = |b: usize| {
        let cells = (fib[b] + myo[b]) as f64 * cpa;
        (1.0 - cells / (cap_cells * sites.voxels[b].max(1) as f64)).max(0.0)
    };
    // Apoptosis: the base hazard plus resolution where the bin has closed.
    {
        let fs = &*fibroblasts;
        let (o2_lo, o2_hi) = (r.proliferation_o2_low_mmhg, r.proliferation_o2_high_mmhg);
        engine::outcomes(fs.len(), out, |i| {
            let id = fs.id[i];
            let (x, y) = (fs.x[i], fs.y[i]);
            let (ix, iy) = g.voxel_of(x, y);
            let v = g.idx(ix, iy);
            let mut o = Outcome {
                x,
                y,
                event: Event::None,
                daughter: (x, y),
            };
            let mut rng = Stream::new(seed, id, step, Purpose::FibroblastFate);
            let b = sites.bin_of_voxel(ix, iy);
            if rng.chance(apoptosis[b]) {
                o.event = Event::Apoptosis;
                return o;
            }
            if fs.state[i] == fibroblast_state::MYOFIBROBLAST {
                return o;
            }
            let t = sat(fields.at_opt(ids.tgfb, off + v), k_half);
            if rng.chance(hazard_prob(r.myofibroblast_per_min * t as f64, dt as f64)) {
                o.event = Event::Differentiates;
                return o;
            }
            if open_share > 0.0 {
                let o2 = fields.at(ids.oxygen, off + v);
                let ramp = ((o2 - o2_lo) / (o2_hi - o2_lo)).clamp(0.0, 1.0) as f64;
                let rate = r.proliferation_per_min * ramp * crowd_of(b) * (1.0 + (gain * t) as f64);
                if rate > 0.0 && rng.chance(hazard_prob(rate, dt as f64)) {
                    // The daughter starts a quarter voxel away.
                    o.event = Event::Divides;
                    let (jx, jy) = rng.direction();
                    o.daughter = g.clamp(
                        x + (jx * g.dx_um * 0.25) as f32,
                        y + (jy * g.dx_um * 0.25) as f32,
                    );
                }
            }
            let (gx, gy) = match ids.tgfb {
                Some(f) => fields.gradient(&g, f, ix, iy, bed),
                None => (0.0, 0.0),
            };
            let mut mv = Stream::new(seed, id, step, Purpose::FibroblastMove);
            let (dx, dy) = blend_direction(gx, gy, r.chemotaxis_bias, mv.direction());
            let s = r.speed_um_per_min * dt;
            let (nx, ny) = g.clamp(x + dx * s, y + dy * s);
            o.x = nx;
            o.y = ny;
            o
        });
    }
    born.clear();
    engine::apply(fibroblasts, out, |fs, i, o| {
        fs.x[i] = o.x;
        fs.y[i] = o.y;
        match o.event {
            Event::None => {}
            Event::Apoptosis => return Fate::Leaves,
            Event::Differentiates => fs.state[i] = fibroblast_state::MYOFIBROBLAST,
            Event::Divides => born.push(o.daughter),
        }
        Fate::Stays
    });
    // Arrivals at the recruitment sites, bin by bin.
    let t_min = step as f64 * dt_base_min;
    let act = r.activation(t_min);
    if act > 0.0 && open_share > 0.0 {
        let k = r.recruit_agents_per_voxel_per_min * act;
        let rate = |b: usize, n: u32, (cx, cy): (f32, f32)| {
            let crowd = crowd_of(b) * open.of(b);
            if crowd <= 0.0 {
                return 0.0;
            }
            let t = sat(fields.at_opt(ids.tgfb, off + g.index_of(cx, cy)), k_half);
            k * n as f64 * crowd * (1.0 + (gain * t) as f64)
        };
        let purpose = Purpose::FibroblastRecruit;
        sites.arrivals(seed, step, purpose, dt as f64, rate, born);
    }
    let z = vertical.bed_z_um;
    births.admit(fibroblasts, born, |fs, id, (x, y)| fs.push(id, x, y, z));
    deposit(r, &g, ids, off, fields, tissue, sites, fib, myo);
}

/// One tissue step of the matrix over the footprint (the module docs'
/// equations), in parallel over rows (each voxel depends only on itself).
#[allow(clippy::too_many_arguments)]
fn deposit(
    r: &FibroblastRates,
    g: &Grid,
    ids: FieldIds,
    off: usize,
    fields: &Fields,
    tissue: &mut Tissue,
    sites: &Sites,
    fib: &[u32],
    myo: &[u32],
) {
    let nx = g.nx;
    let cpa = r.cells_per_agent as f32;
    let (kp, kc) = (r.provisional_per_cell_step, r.collagen_per_cell_step);
    let (keep_p, keep_c) = (r.provisional_keep, r.collagen_keep);
    let mult = r.myofibroblast_collagen_mult;
    let (k_half, gain) = (r.tgfb_half_ng_per_ml, r.tgfb_gain);
    let foot = tissue.footprint.as_slice().expect("standard layout");
    let prov = tissue.provisional.as_slice_mut().expect("standard layout");
    let coll = tissue.collagen.as_slice_mut().expect("standard layout");
    let tgfb = ids.tgfb.map(|f| &fields.slice(f)[off..off + g.layer_len()]);
    let (r0, r1) = sites.rows;
    if r0 >= r1 {
        return;
    }
    prov[r0 * nx..r1 * nx]
        .par_chunks_mut(nx)
        .zip(coll[r0 * nx..r1 * nx].par_chunks_mut(nx))
        .enumerate()
        .for_each(|(k, (prow, crow))| {
            let iy = r0 + k;
            let row_b = sites.row_bin[iy] as usize * sites.nbx;
            for ix in 0..nx {
                let v = iy * nx + ix;
                if foot[v] == 0 {
                    continue;
                }
                let b = row_b + sites.col_bin[ix] as usize;
                let per_voxel = cpa / sites.voxels[b].max(1) as f32;
                let nf = fib[b] as f32 * per_voxel;
                let nm = myo[b] as f32 * per_voxel;
                let (p, c) = (prow[ix], crow[ix]);
                let t = tgfb.map_or(0.0, |s| sat(s[v], k_half));
                let p1 = p * keep_p + kp * nf * (1.0 - p - c).max(0.0);
                let c1 = (c * keep_c
                    + kc * (nf + mult * nm) * (1.0 + gain * t) * (1.0 - c).max(0.0))
                .clamp(0.0, 1.0);
                crow[ix] = c1;
                // max/min, not clamp: a NaN bound must not panic (the
                // numerical guard reports non-finite state instead).
                prow[ix] = p1.min(1.0 - c1).max(0.0);
            }
        });
}

/// What fibroblast secretion reads and writes in one field step.
pub struct FibroblastSecretion<'a> {
    /// Parameters (per-agent rates resolved to field indices).
    pub rates: &'a FibroblastRates,
    /// Depth: secretion goes into the wound bed's layer.
    pub vertical: &'a Vertical,
    /// Grid geometry.
    pub grid: &'a Grid,
    /// The fibroblasts (read).
    pub fibroblasts: &'a Fibroblasts,
    /// Source buffers (written: deposits added).
    pub sources: &'a mut Sources,
}

/// Fibroblast and myofibroblast secretion for one field step, summed in id
/// order.
pub fn secrete(v: FibroblastSecretion<'_>) {
    let FibroblastSecretion {
        rates: r,
        vertical,
        grid: g,
        fibroblasts: fs,
        sources,
    } = v;
    if r.secretion.is_empty() || fs.is_empty() {
        return;
    }
    let fields: Vec<usize> = r.secretion.iter().map(|&(f, _)| f).collect();
    let mut bufs = sources.srcs_mut(&fields);
    for i in 0..fs.len() {
        let v = vertical.bed_offset + g.index_of(fs.x[i], fs.y[i]);
        for (k, &(_, rate)) in r.secretion.iter().enumerate() {
            bufs[k][v] += rate;
        }
    }
}

/// Fibroblast and myofibroblast cells (agents × cells per agent) standing
/// in the wound's footprint.
pub fn cells_in_wound(
    fs: &Fibroblasts,
    tissue: &Tissue,
    g: &Grid,
    cells_per_agent: f64,
) -> (f64, f64) {
    let foot = tissue.footprint.as_slice().expect("standard layout");
    let (mut f, mut m) = (0u64, 0u64);
    for i in 0..fs.len() {
        if foot[g.index_of(fs.x[i], fs.y[i])] == 1 {
            if fs.state[i] == fibroblast_state::MYOFIBROBLAST {
                m += 1;
            } else {
                f += 1;
            }
        }
    }
    (f as f64 * cells_per_agent, m as f64 * cells_per_agent)
}
