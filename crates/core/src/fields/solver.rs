//! Implicit diffusion–decay solver: locally one-dimensional (LOD) backward
//! Euler with a Thomas solver per line.
//!
//! One field step of length `dt` solves
//! `∂c/∂t = ∇·(D ∇c) − λ c + S − U c`
//! in stages:
//! 1. sources, uptake and decay, implicitly per voxel:
//!    `c ← (c + dt·S) / (1 + dt·(U + λ))`;
//! 2. an implicit x sweep `(1 − dt·D ∂xx) c* = c`;
//! 3. an implicit y sweep `(1 − dt·D ∂yy) c' = c*`;
//! 4. in 3D, an implicit z sweep `(1 − dt·∂z D ∂z) c'' = c'`.
//!
//! **Layers.** In 3D the diffusivity and an extra first-order uptake may
//! differ from z layer to z layer ([`FieldLayers`]: a gel, the dermis, a
//! dressing). Within a layer the x and y sweeps are constant-coefficient
//! (their factors are computed once per distinct layer diffusivity); the z
//! sweep couples layers k and k+1 through the harmonic mean of their
//! diffusivities, so the flux across the face is continuous and the steady
//! profile of a layered medium is exact at the voxel centres. The uptake of
//! a layer is added to λ in stage 1. With one layer and no-flux bottom and
//! top faces there is no z sweep: the solver is exactly the 2D model.
//!
//! **Slow fields.** A field may have its own step, a whole multiple of the
//! solver's (`FieldSpec::step_min`): it is solved only at the solver steps
//! that are multiples of its ratio, with its factors built for its own
//! step, and the sources and uptake written at the other steps are
//! discarded ([`Solver::step_checked_at`]). Its mechanisms therefore write
//! its sources at its own steps only, as rates over that step.
//!
//! Keeping all reactions in one implicit stage makes the local balance
//! `S = (U + λ) c` and the total mass balance exact at steady state however
//! large `dt` is, and the diffusion sweeps conserve mass exactly with no-flux
//! faces. Because reaction and diffusion are applied one after the other, a
//! steady profile satisfies `D c'' = λ/(1 + λ dt) c`: decay lengths are
//! `√(1 + λ dt)` too long at large steps (×1.23 for TNF-α, ×1.58 for O₂ at
//! the default 15-min step; `tests/diffusion.rs` measures this).
//!
//! Every stage is an M-matrix solve, so the scheme is unconditionally stable
//! and never produces negative values from non-negative data. It is first
//! order in time and second order in space (see ARCHITECTURE.md for the
//! measured errors). The tridiagonal matrices are constant, so the Thomas
//! forward-elimination factors are computed once per field and axis (and
//! layer diffusivity); a sweep
//! is then one forward and one backward pass with no division and no
//! allocation. The x sweep is vectorised across rows (16×16 tiles transposed
//! in registers with AVX-512); the y sweep is vectorised across whole rows,
//! in parallel over column bands; the z sweep is vectorised across whole
//! layers (x contiguous), like the y sweep. Every column
//! and row is computed by the same operations whatever the thread count, so
//! results are bit-identical across thread counts.
//!
//! Boundaries: no-flux (mirror ghost) or Dirichlet with the value held at the
//! domain face (ghost `2·c_b − c₀`, second-order accurate), per face: the
//! four sides from the [`FieldSpec`], bottom and top from [`FieldLayers`].

use super::{Fields, Sources};
use crate::grid::Grid;
use crate::scenario::{Boundary, FieldSpec};
use crate::SharedMut;
use rayon::prelude::*;

mod factors;
pub use factors::*;
mod step;
use step::*;
mod kernel;
use kernel::*;
#[cfg(target_arch = "x86_64")]
mod simd;
#[cfg(test)]
mod tests;

/// Field `spec`'s step as a number of solver steps of `dt_min` (1 unless
/// its `step_min` is set; validated as a whole multiple by `Params::new`).
pub fn field_every(spec: &FieldSpec, dt_min: f64) -> u64 {
    if spec.step_min > 0.0 {
        (spec.step_min / dt_min).round().max(1.0) as u64
    } else {
        1
    }
}

/// Solver factors for every field at one time step.
#[derive(Debug, Clone)]
pub struct Solver {
    /// Per field, the x-sweep factors of each distinct layer diffusivity.
    x: Vec<Vec<Line>>,
    /// Per field, the y-sweep factors of each distinct layer diffusivity.
    y: Vec<Vec<Line>>,
    /// Per field and layer, the index into `x[f]` and `y[f]`.
    profile: Vec<Vec<usize>>,
    /// Per field, the z-sweep factors; empty in the 2D model (no z sweep).
    z: Vec<ZLine>,
    /// Per field and layer, decay plus the layer's uptake (1/min).
    lambda: Vec<Vec<f32>>,
    /// Largest value each field may hold (`f32::MAX`: no bound); see
    /// [`Solver::set_upper_bound`].
    upper: Vec<f32>,
    /// Per field, its time step (min).
    dt: Vec<f32>,
    /// Per field, its step as a number of solver steps (1 = every step).
    every: Vec<u64>,
    nx: usize,
    ny: usize,
    nz: usize,
    /// Minimum rows per parallel task in row-wise kernels.
    rows_per_task: usize,
}

impl Solver {
    /// Build factors for `specs` on `grid` with step `dt_min`: every layer
    /// with the field's own diffusivity, no-flux bottom and top faces (see
    /// [`FieldLayers::uniform`]). With `nz = 1` this is the 2D model.
    pub fn new(grid: &Grid, specs: &[(String, FieldSpec)], dt_min: f64) -> Self {
        let layers: Vec<FieldLayers> = specs
            .iter()
            .map(|(_, s)| FieldLayers::uniform(grid, s))
            .collect();
        Solver::build(grid, specs, &layers, dt_min)
    }

    /// Build factors for `specs` with the depth structure `layers` (one per
    /// field, in field order). The z sweep runs when the grid has more than
    /// one layer or a bottom or top face is Dirichlet; otherwise the solver
    /// is exactly the 2D model.
    pub fn layered(
        grid: &Grid,
        specs: &[(String, FieldSpec)],
        layers: &[FieldLayers],
        dt_min: f64,
    ) -> Result<Self, LayerError> {
        if layers.len() != specs.len() {
            return Err(LayerError::FieldCount {
                given: layers.len(),
                fields: specs.len(),
            });
        }
        for ((name, _), l) in specs.iter().zip(layers) {
            for (key, v) in [
                ("diffusion_um2_per_min", &l.diffusion_um2_per_min),
                ("uptake_per_min", &l.uptake_per_min),
                ("decay_scale", &l.decay_scale),
            ] {
                if v.len() != grid.nz {
                    return Err(LayerError::LayerCount {
                        field: name.clone(),
                        key,
                        given: v.len(),
                        nz: grid.nz,
                    });
                }
                if let Some((layer, &value)) = v
                    .iter()
                    .enumerate()
                    .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
                {
                    return Err(LayerError::BadValue {
                        field: name.clone(),
                        key,
                        layer,
                        value,
                    });
                }
            }
            for (key, (_, value)) in [("bottom", l.bottom), ("top", l.top)] {
                if !(value.is_finite() && value >= 0.0) {
                    return Err(LayerError::BadValue {
                        field: name.clone(),
                        key,
                        layer: 0,
                        value,
                    });
                }
            }
        }
        Ok(Solver::build(grid, specs, layers, dt_min))
    }

    /// The factors, from validated input.
    fn build(
        grid: &Grid,
        specs: &[(String, FieldSpec)],
        layers: &[FieldLayers],
        dt_min: f64,
    ) -> Self {
        let three_d = grid.nz > 1
            || layers
                .iter()
                .any(|l| l.bottom.0 == Boundary::Dirichlet || l.top.0 == Boundary::Dirichlet);
        let (mut x, mut y, mut z) = (Vec::new(), Vec::new(), Vec::new());
        let (mut profile, mut lambda) = (Vec::new(), Vec::new());
        let (mut dts, mut everys) = (Vec::new(), Vec::new());
        for ((_, s), l) in specs.iter().zip(layers) {
            let every = field_every(s, dt_min);
            let dt_min = dt_min * every as f64;
            dts.push(dt_min as f32);
            everys.push(every);
            let decay = std::f64::consts::LN_2 / s.half_life_min;
            let k = 0.0;
            let (mut xs, mut ys, mut seen) = (Vec::new(), Vec::new(), Vec::<f64>::new());
            let mut prof = Vec::with_capacity(grid.nz);
            for &d in &l.diffusion_um2_per_min {
                let p = match seen.iter().position(|e| e.to_bits() == d.to_bits()) {
                    Some(p) => p,
                    None => {
                        let r = d * dt_min / (grid.dx_um * grid.dx_um);
                        xs.push(Line::new(
                            grid.nx,
                            r,
                            k,
                            (s.boundary_x_min, s.far_field),
                            (s.boundary_x_max, s.far_field),
                        ));
                        ys.push(Line::new(
                            grid.ny,
                            r,
                            k,
                            (s.boundary_y_min, s.far_field),
                            (s.boundary_y_max, s.far_field),
                        ));
                        seen.push(d);
                        seen.len() - 1
                    }
                };
                prof.push(p);
            }
            x.push(xs);
            y.push(ys);
            profile.push(prof);
            lambda.push(
                l.uptake_per_min
                    .iter()
                    .zip(&l.decay_scale)
                    .map(|(u, m)| (decay * m + u) as f32)
                    .collect(),
            );
            if three_d {
                let rz: Vec<f64> = l
                    .diffusion_um2_per_min
                    .iter()
                    .map(|d| d * dt_min / (grid.dz_um * grid.dz_um))
                    .collect();
                z.push(ZLine::new(&rz, l.bottom, l.top));
            }
        }
        Solver {
            x,
            y,
            profile,
            z,
            upper: vec![f32::MAX; lambda.len()],
            lambda,
            dt: dts,
            every: everys,
            nx: grid.nx,
            ny: grid.ny,
            nz: grid.nz,
            rows_per_task: (4096 / grid.nx).max(1),
        }
    }

    /// Let field `f` hold no value above `bound` (a physical maximum, with
    /// any round-off tolerance already added): a step that produces one
    /// reports it like a negative or non-finite value. The bound is checked
    /// by the same comparison as the lower bound, so it costs nothing.
    ///
    /// # Panics
    /// If `f` is not a field of this solver.
    pub fn set_upper_bound(&mut self, f: usize, bound: f32) {
        self.upper[f] = bound;
        if let Some(z) = self.z.get_mut(f) {
            z.upper = bound;
        }
    }

    /// The largest value field `f` may hold (`f32::MAX` when unbounded).
    pub fn upper_bound(&self, f: usize) -> f32 {
        self.upper[f]
    }

    /// Field `f`'s step as a number of solver steps (1 = every step).
    pub fn every(&self, f: usize) -> u64 {
        self.every[f]
    }

    /// True when field `f` is solved at solver step `k` (its step divides `k`).
    pub fn due(&self, f: usize, k: u64) -> bool {
        k.is_multiple_of(self.every[f])
    }

    /// True when the solver has a z sweep (more than one layer, or a
    /// Dirichlet bottom or top face).
    pub fn is_3d(&self) -> bool {
        !self.z.is_empty()
    }
}

/// Where a field step produced a non-finite or negative value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BadValue {
    /// Field index.
    pub field: usize,
    /// Flat voxel index (`iy * nx + ix`).
    pub index: usize,
    /// The offending value.
    pub value: f32,
    /// The stage that produced it.
    pub stage: Stage,
}

/// Stage of a field step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Sources, uptake and decay (per voxel): the value is located where it arose.
    Reaction,
    /// The diffusion sweeps: the first bad voxel in memory order.
    Diffusion,
}

/// Rows per block: the unit of work of stages 1–2.
const ROWS: usize = 32;
/// Largest column band of a split field's y sweep, in bytes.
const BAND_BYTES: usize = 512 * 1024;

/// Lines interleaved in the scalar x sweep.
const LANES: usize = 8;

/// Values below this (in the field's unit) are flushed to zero after each
/// step: far below any biological effect, and it keeps the solver out of
/// slow subnormal arithmetic in regions a species never reaches.
pub const FLUSH_BELOW: f32 = 1e-30;

/// Find the first non-finite or negative value (below −1e-6) in any field.
/// Returns (field, flat index, value).
pub fn find_bad(fields: &Fields) -> Option<(usize, usize, f32)> {
    fields.data.iter().enumerate().find_map(|(f, a)| {
        find_bad_in(a.as_slice().expect("standard layout"), f32::MAX).map(|(i, v)| (f, i, v))
    })
}

/// The first non-finite or negative value (below −1e-6) of one field's data.
fn find_bad_in(s: &[f32], hi: f32) -> Option<(usize, f32)> {
    s.par_iter()
        .position_first(|&v| !good(v, hi))
        .map(|i| (i, s[i]))
}
