//! Re-epithelialisation: the wound closes from its margin. An open voxel with
//! closed neighbours closes with hazard
//! `v/dx · f(O₂) · g(TNF) · h(KGF) · (1 − debris) · (1 − b·bacteria) · m(matrix) · (1 − s·dense) · n/3`,
//! where `n` is the number of closed voxels among its 8 neighbours (3 on a
//! straight front, so the front advances at about `v`), `f` ramps from 0 at
//! `o2_low_mmhg` to 1 at `o2_high_mmhg` (Kalani 1999; Yang 2013),
//! `g = 1/(1 + TNF/K)` and `h = 1 + gain·KGF/(KGF+K)`. The bed under the
//! front must hold matrix: `m` ramps from 0 at `fibroblast.closure_matrix_low`
//! to 1 at `closure_matrix_high` of provisional matrix + collagen
//! (assumption: keratinocytes migrate over a provisional matrix), and dense
//! collagen (`dense`, the share above `fibroblast.dense_collagen_onset`)
//! slows the front by `s = fibroblast.dense_closure_slowing` (fibrosis).
//! `bacteria` is the voxel's own planktonic + biofilm burden (0–1 of the
//! bed's capacity; `mechanisms::bacteria`), so the front advances slower
//! over a heavily colonised bed (`b = closure.bioburden_slowing`, an
//! assumption).

use super::sat;
use crate::fields::Fields;
use crate::grid::Grid;
use crate::rng::{Purpose, Stream};
use crate::scenario::rates::{ClosureRates, Vertical};
use crate::scenario::FieldIds;
use crate::tissue::Tissue;
use ndarray::{Array2, Axis, Zip};

/// Oxygen gate of closure in [0, 1].
#[inline]
pub fn oxygen_gate(o2: f32, low: f32, high: f32) -> f32 {
    ((o2 - low) / (high - low)).clamp(0.0, 1.0)
}

/// What a margin voxel senses when deciding how fast it closes.
#[derive(Debug, Clone, Copy)]
pub struct MarginEnv {
    /// Local oxygen (mmHg).
    pub o2_mmhg: f32,
    /// Local TNF-α (ng/mL).
    pub tnf_ng_per_ml: f32,
    /// Local keratinocyte growth factor (ng/mL).
    pub kgf_ng_per_ml: f32,
    /// Necrotic debris fraction in the voxel, 0–1.
    pub debris: f32,
    /// Bacterial burden of the voxel (planktonic + biofilm), 0–1.
    pub bioburden: f32,
    /// Matrix in the voxel's bed (provisional + collagen), 0–1.
    pub matrix: f32,
    /// Collagen in the voxel's bed, 0–1.
    pub collagen: f32,
}

/// A margin with nothing holding the front back: no O₂, TNF-α, KGF, debris,
/// bioburden or collagen, and a filled bed (matrix 1).
impl Default for MarginEnv {
    fn default() -> Self {
        MarginEnv {
            o2_mmhg: 0.0,
            tnf_ng_per_ml: 0.0,
            kgf_ng_per_ml: 0.0,
            debris: 0.0,
            bioburden: 0.0,
            matrix: 1.0,
            collagen: 0.0,
        }
    }
}

/// The matrix gate of closure in [0, 1]: 0 at or below `low`, 1 at or
/// above `high` of provisional matrix + collagen.
#[inline]
pub fn matrix_gate(matrix: f32, low: f32, high: f32) -> f32 {
    ((matrix - low) / (high - low)).clamp(0.0, 1.0)
}

/// Local closure speed (µm/day) at a margin voxel.
#[inline]
pub fn local_speed(c: &ClosureRates, speed_mult: f64, env: MarginEnv) -> f32 {
    let MarginEnv {
        o2_mmhg: o2,
        tnf_ng_per_ml: tnf,
        kgf_ng_per_ml: kgf,
        debris,
        bioburden,
        matrix,
        collagen,
    } = env;
    let f = oxygen_gate(o2, c.o2_low_mmhg, c.o2_high_mmhg);
    let g = 1.0 / (1.0 + tnf.max(0.0) / c.tnf_half_ng_per_ml);
    let h = 1.0 + c.kgf_gain * sat(kgf, c.kgf_half_ng_per_ml);
    (c.max_speed_um_per_day * speed_mult) as f32
        * f
        * g
        * h
        * (1.0 - debris).max(0.0)
        * (1.0 - c.bioburden_slowing * bioburden).max(0.0)
        * matrix_gate(matrix, c.matrix_low, c.matrix_high)
        * (1.0 - c.dense_slowing * c.dense.share(collagen)).max(0.0)
}

/// What closure reads and writes in one tissue step.
pub struct Closure<'a> {
    /// Parameters.
    pub rates: &'a ClosureRates,
    /// Where the bed layer is: the margin's environment is read there (in
    /// 3D the front crosses the wound over the bed).
    pub vertical: &'a Vertical,
    /// Grid geometry.
    pub grid: &'a Grid,
    /// Field indices.
    pub ids: FieldIds,
    /// Run seed (the random streams' key).
    pub seed: u64,
    /// Base step.
    pub step: u64,
    /// Fields (read: O₂, TNF-α, KGF).
    pub fields: &'a Fields,
    /// Tissue (read: the open wound, debris, bacteria, the bed's matrix).
    pub tissue: &'a Tissue,
    /// The open wound after this step (written; the step swaps it in).
    pub open_next: &'a mut Array2<u8>,
}

/// One tissue step of closure: writes the next open-wound mask.
pub fn update(v: Closure<'_>) {
    let Closure {
        rates: r,
        vertical,
        grid,
        ids,
        seed,
        step,
        fields,
        tissue,
        open_next,
    } = v;
    let g = *grid;
    let dt_d = r.dt_days;
    let speed_mult = r.speed_mult;
    let open = tissue.open.as_slice().expect("standard layout");
    let debris = tissue.debris.as_slice().expect("standard layout");
    let prov = tissue.provisional.as_slice().expect("standard layout");
    let coll = tissue.collagen.as_slice().expect("standard layout");
    let plank = tissue.planktonic.as_slice().expect("standard layout");
    let film = tissue.biofilm.as_slice().expect("standard layout");
    let (nx, ny) = (g.nx, g.ny);
    Zip::indexed(open_next.axis_iter_mut(Axis(0))).par_for_each(|iy, mut row| {
        for ix in 0..nx {
            let v = iy * nx + ix;
            if open[v] == 0 {
                row[ix] = 0;
                continue;
            }
            let mut closed = 0u32;
            for (ddx, ddy) in [
                (-1i64, -1i64),
                (0, -1),
                (1, -1),
                (-1, 0),
                (1, 0),
                (-1, 1),
                (0, 1),
                (1, 1),
            ] {
                let (jx, jy) = (ix as i64 + ddx, iy as i64 + ddy);
                if jx >= 0
                    && jy >= 0
                    && (jx as usize) < nx
                    && (jy as usize) < ny
                    && open[jy as usize * nx + jx as usize] == 0
                {
                    closed += 1;
                }
            }
            if closed == 0 {
                row[ix] = 1;
                continue;
            }
            let f = vertical.bed_offset + v;
            let env = MarginEnv {
                o2_mmhg: fields.at(ids.oxygen, f),
                tnf_ng_per_ml: fields.at(ids.tnf, f),
                kgf_ng_per_ml: fields.at_opt(ids.kgf, f),
                debris: debris[v],
                bioburden: plank[v] + film[v],
                matrix: prov[v] + coll[v],
                collagen: coll[v],
            };
            let speed = local_speed(r, speed_mult, env);
            let rate = speed as f64 / g.dx_um * closed as f64 / 3.0;
            let close = Stream::new(seed, v as u64, step, Purpose::Closure).hazard(rate, dt_d);
            row[ix] = if close { 0 } else { 1 };
        }
    });
}
