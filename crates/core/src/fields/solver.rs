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

/// Precomputed Thomas factors for one axis of one field.
#[derive(Debug, Clone)]
pub struct Line {
    /// Coupling `r = D·dt/dx²`.
    r: f32,
    /// Modified super-diagonal factors c'_i.
    cp: Vec<f32>,
    /// Inverse pivots 1/m_i.
    inv: Vec<f32>,
    /// Right-hand-side addition at the low end (Dirichlet), `2 r c_b`.
    lo_add: f32,
    /// Right-hand-side addition at the high end.
    hi_add: f32,
}

impl Line {
    /// Factors for `n` cells with coupling `r`, decay share `k = dt·λ/2` and boundaries.
    pub fn new(n: usize, r: f64, k: f64, lo: (Boundary, f64), hi: (Boundary, f64)) -> Self {
        let mut diag = vec![1.0 + 2.0 * r + k; n];
        let bc = |b: Boundary| match b {
            Boundary::NoFlux => -r,
            Boundary::Dirichlet => r,
        };
        diag[0] += bc(lo.0);
        diag[n - 1] += bc(hi.0);
        let mut cp = vec![0.0f32; n];
        let mut inv = vec![0.0f32; n];
        let mut prev_cp = 0.0f64;
        for i in 0..n {
            let m = diag[i] + if i > 0 { r * prev_cp } else { 0.0 };
            inv[i] = (1.0 / m) as f32;
            let c = if i + 1 < n { -r / m } else { 0.0 };
            cp[i] = c as f32;
            prev_cp = c;
        }
        let add = |b: (Boundary, f64)| match b.0 {
            Boundary::NoFlux => 0.0,
            Boundary::Dirichlet => (2.0 * r * b.1) as f32,
        };
        Line {
            r: r as f32,
            cp,
            inv,
            lo_add: add(lo),
            hi_add: add(hi),
        }
    }

    /// Solve in place along one contiguous line.
    #[inline]
    pub fn solve(&self, d: &mut [f32]) {
        let n = d.len();
        d[0] += self.lo_add;
        d[n - 1] += self.hi_add;
        let r = self.r;
        let mut prev = d[0] * self.inv[0];
        d[0] = prev;
        for (di, &inv) in d.iter_mut().zip(&self.inv).skip(1) {
            prev = (*di + r * prev) * inv;
            *di = prev;
        }
        let mut next = d[n - 1];
        for i in (0..n - 1).rev() {
            next = d[i] - self.cp[i] * next;
            d[i] = next;
        }
    }
}

/// Precomputed Thomas factors for the z sweep of one field. The layers may
/// differ in diffusivity, so the coupling varies from face to face: the
/// face between layers k and k+1 carries the harmonic mean of their
/// diffusivities, which makes the flux across it continuous (and the
/// steady profile of a layered medium exact at the voxel centres).
#[derive(Debug, Clone)]
pub struct ZLine {
    /// Coupling to the layer below, `a_k = r_{k−1/2}` (`a_0 = 0`).
    a: Vec<f32>,
    /// Modified super-diagonal factors c'_k.
    cp: Vec<f32>,
    /// Inverse pivots 1/m_k.
    inv: Vec<f32>,
    /// Right-hand-side addition at the bottom face (Dirichlet), `2 r_0 c_b`.
    lo_add: f32,
    /// Right-hand-side addition at the top face.
    hi_add: f32,
    /// The field's upper bound (see [`Solver::set_upper_bound`]).
    upper: f32,
}

impl ZLine {
    /// Factors for layers with couplings `r[k] = D_k·dt/dz²` (bottom
    /// first) and the bottom (`lo`) and top (`hi`) boundaries.
    pub fn new(r: &[f64], lo: (Boundary, f64), hi: (Boundary, f64)) -> Self {
        let n = r.len();
        assert!(n > 0, "at least one layer");
        // Harmonic mean; equal neighbours keep their own value exactly.
        let face = |a: f64, b: f64| {
            if a == b {
                a
            } else if a + b > 0.0 {
                2.0 * a * b / (a + b)
            } else {
                0.0
            }
        };
        // up[k]: the coupling across the face between layers k and k + 1.
        let up: Vec<f64> = (0..n.saturating_sub(1))
            .map(|k| face(r[k], r[k + 1]))
            .collect();
        // A Dirichlet face half a voxel from the centre: ghost 2·c_b − c.
        let end = |b: Boundary, rk: f64| match b {
            Boundary::NoFlux => 0.0,
            Boundary::Dirichlet => 2.0 * rk,
        };
        let (mut a, mut cp, mut inv) = (vec![0.0f32; n], vec![0.0f32; n], vec![0.0f32; n]);
        let mut prev_cp = 0.0f64;
        for k in 0..n {
            let below = if k > 0 { up[k - 1] } else { end(lo.0, r[0]) };
            let above = if k + 1 < n {
                up[k]
            } else {
                end(hi.0, r[n - 1])
            };
            let ak = if k > 0 { up[k - 1] } else { 0.0 };
            let m = 1.0 + below + above + ak * prev_cp;
            inv[k] = (1.0 / m) as f32;
            let c = if k + 1 < n { -up[k] / m } else { 0.0 };
            cp[k] = c as f32;
            a[k] = ak as f32;
            prev_cp = c;
        }
        let add = |b: (Boundary, f64), rk: f64| match b.0 {
            Boundary::NoFlux => 0.0,
            Boundary::Dirichlet => (2.0 * rk * b.1) as f32,
        };
        ZLine {
            a,
            cp,
            inv,
            lo_add: add(lo, r[0]),
            hi_add: add(hi, r[n - 1]),
            upper: f32::MAX,
        }
    }

    /// Solve in place along one column (one value per layer, bottom first);
    /// the reference for the vectorised sweeps (same operations).
    pub fn solve(&self, d: &mut [f32]) {
        let n = d.len();
        for k in 0..n {
            let (lo, hi) = d.split_at_mut(k);
            self.forward(k, lo.last().map(std::slice::from_ref), &mut hi[..1]);
        }
        for k in (0..n).rev() {
            let (lo, hi) = d.split_at_mut(k + 1);
            self.back(k, hi.first().map(std::slice::from_ref), &mut lo[k..]);
        }
    }

    /// Forward elimination of layer `k` (a row of columns) given layer
    /// `k − 1` (`None` for the bottom layer).
    #[inline(always)]
    fn forward(&self, k: usize, prev: Option<&[f32]>, cur: &mut [f32]) {
        let inv = self.inv[k];
        if k + 1 == self.inv.len() {
            cur.iter_mut().for_each(|v| *v += self.hi_add);
        }
        match prev {
            None => cur.iter_mut().for_each(|v| *v = (*v + self.lo_add) * inv),
            Some(p) => {
                let a = self.a[k];
                for (cv, pv) in cur.iter_mut().zip(p) {
                    *cv = (*cv + a * *pv) * inv;
                }
            }
        }
    }

    /// Back substitution of layer `k` given layer `k + 1` (`None` for the
    /// top layer), with subnormal flush and the health check.
    #[inline(always)]
    fn back(&self, k: usize, next: Option<&[f32]>, cur: &mut [f32]) -> bool {
        back_settled(self.cp[k], next, cur, self.upper)
    }

    /// The z sweep over one band of columns: `row(k)` gives layer k's part
    /// of the band. False on a non-finite or negative result.
    #[inline(always)]
    fn band_generic<'a>(&self, nz: usize, row: impl Fn(usize) -> &'a mut [f32]) -> bool {
        self.forward(0, None, row(0));
        for k in 1..nz {
            let (p, c) = (row(k - 1), row(k));
            self.forward(k, Some(p), c);
        }
        let mut ok = self.back(nz - 1, None, row(nz - 1));
        for k in (0..nz - 1).rev() {
            let (c, n) = (row(k), row(k + 1));
            ok &= self.back(k, Some(n), c);
        }
        ok
    }

    /// The z sweep of one band (see [`ZLine::band_generic`]), using the
    /// widest vector instructions this CPU has.
    fn band<'a>(&self, nz: usize, row: impl Fn(usize) -> &'a mut [f32]) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: each wrapper is called only when its feature is present.
            if simd::has_avx512() {
                return unsafe { simd::z_band_avx512(self, nz, row) };
            }
            if simd::has_avx2() {
                return unsafe { simd::z_band_avx2(self, nz, row) };
            }
        }
        self.band_generic(nz, row)
    }
}

/// The depth structure of one field for the solver: per z layer (bottom
/// first) its diffusivity and an extra first-order uptake, and the
/// boundaries at the bottom and top faces.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldLayers {
    /// Diffusivity of each layer (µm²/min), `nz` values, bottom first. In
    /// each layer the x and y sweeps use its own value; between layers the
    /// harmonic mean of the two.
    pub diffusion_um2_per_min: Vec<f64>,
    /// Extra first-order uptake of each layer (1/min), `nz` values, added to
    /// the field's decay (e.g. consumption by the cells of a gel layer).
    pub uptake_per_min: Vec<f64>,
    /// Boundary at the bottom face (z = 0) and its Dirichlet value (field unit).
    pub bottom: (Boundary, f64),
    /// Boundary at the top face (z = depth) and its Dirichlet value (field unit).
    pub top: (Boundary, f64),
}

impl FieldLayers {
    /// The field's own diffusivity in every layer of `grid`, no extra
    /// uptake, no-flux bottom and top faces.
    pub fn uniform(grid: &Grid, spec: &FieldSpec) -> Self {
        FieldLayers {
            diffusion_um2_per_min: vec![spec.diffusion_um2_per_min; grid.nz],
            uptake_per_min: vec![0.0; grid.nz],
            bottom: (Boundary::NoFlux, 0.0),
            top: (Boundary::NoFlux, 0.0),
        }
    }
}

/// A depth structure the solver cannot use (see [`Solver::layered`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LayerError {
    /// Not one [`FieldLayers`] per field.
    #[error("layers: {given} layer descriptions for {fields} fields; allowed: one per field")]
    FieldCount {
        /// Descriptions given.
        given: usize,
        /// Fields of the scenario.
        fields: usize,
    },
    /// A per-layer list does not have one value per z layer.
    #[error(
        "layers of field '{field}': {key} has {given} values for {nz} z layers; allowed: one per layer"
    )]
    LayerCount {
        /// Field name.
        field: String,
        /// `diffusion_um2_per_min` or `uptake_per_min`.
        key: &'static str,
        /// Values given.
        given: usize,
        /// Layers of the grid.
        nz: usize,
    },
    /// A value is out of range.
    #[error("layers of field '{field}': {key}[{layer}] = {value}; allowed: a finite number ≥ 0")]
    BadValue {
        /// Field name.
        field: String,
        /// `diffusion_um2_per_min`, `uptake_per_min`, `bottom` or `top`.
        key: &'static str,
        /// Layer index (0 for a face).
        layer: usize,
        /// The rejected value.
        value: f64,
    },
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
    dt: f32,
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
        for ((_, s), l) in specs.iter().zip(layers) {
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
                    .map(|u| (decay + u) as f32)
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
            dt: dt_min as f32,
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

    /// True when the solver has a z sweep (more than one layer, or a
    /// Dirichlet bottom or top face).
    pub fn is_3d(&self) -> bool {
        !self.z.is_empty()
    }

    /// Advance every field by one step: sources, x sweep, y sweep (and z
    /// sweep in 3D). Zeroes the sources.
    /// Returns false if a non-finite or negative value appeared.
    ///
    /// With F fields on T threads, ⌊F/T⌋·T fields are solved whole, one per
    /// task, by the fused kernel (two passes over memory), so every thread
    /// gets the same number; the remaining F mod T fields are each split
    /// across all threads: in 2D by rows (x) and column bands (y), in 3D by
    /// layers (x and y) and bands of columns along z (z). Both paths apply
    /// the same operations to every voxel, so the result does not depend on
    /// the thread count. A field that is zero everywhere, has no
    /// sources or uptake written this step and no boundary inflow is skipped
    /// (the step would be an exact no-op).
    pub fn step(&self, fields: &mut Fields, sources: &mut Sources) -> bool {
        self.step_checked(fields, sources).is_ok()
    }

    /// Advance every field by one step, reporting the first field (in field
    /// order) in which a non-finite or negative value appeared, and where.
    /// A value that goes bad where sources, uptake and decay are applied is
    /// located there, before diffusion spreads it over the domain.
    ///
    /// # Panics
    /// If the fields are not of the solver's grid.
    pub fn step_checked(&self, fields: &mut Fields, sources: &mut Sources) -> Result<(), BadValue> {
        let threads = rayon::current_num_threads().max(1);
        let (nx, ny, nz) = (self.nx, self.ny, self.nz);
        for a in &fields.data {
            assert_eq!(a.dim(), (nz * ny, nx), "fields of the solver's grid");
        }
        let three_d = self.is_3d();
        let active = sources.take_active();
        // A field that is exactly zero everywhere, with nothing written to its
        // sources and a zero boundary inflow, stays exactly zero: skip it.
        let jobs: Vec<Job<'_>> = fields
            .data
            .iter_mut()
            .zip(active)
            .enumerate()
            .filter_map(|(f, (c, (s, u)))| {
                let c = c.as_slice_mut().expect("standard layout");
                let idle = s.is_none() && u.is_none() && self.no_inflow(f) && all_zero(c);
                (!idle).then_some((f, c, s, u))
            })
            .collect();
        // Balance the threads: as many whole fields as fill every thread
        // equally (fused kernel, one field per task); the remaining fields
        // are split across all threads, by rows (2D) or layers (3D) for
        // sources and the in-plane sweeps, then by column bands for the
        // last sweep (y in 2D, z in 3D). The column bands run in the
        // same parallel loop as the whole fields, so no thread waits for a
        // split field while another still has a whole one to solve.
        let mut whole = jobs;
        let mut split = whole.split_off(whole.len() / threads * threads);
        let reaction_bad = if three_d {
            self.split_layers(&mut split, nx, ny)
        } else {
            self.split_rows(&mut split, nx, ny)
        };
        let split: Vec<(usize, SharedMut<f32>)> = split
            .into_iter()
            .map(|(f, c, _, _)| (f, SharedMut(c.as_mut_ptr())))
            .collect();
        // The last sweep runs along `lines` lines `width` values apart: the
        // rows of the field (y) in 2D, its layers (z) in 3D.
        let (lines, width) = if three_d { (nz, nx * ny) } else { (ny, nx) };
        // Column bands: a multiple of the thread count, each narrow enough
        // (≤ 512 KiB, at least 32 columns) to stay in cache between its
        // forward elimination and back substitution.
        let fits = (BAND_BYTES / (4 * lines.max(1))).max(32);
        let wanted = width.div_ceil(fits).div_ceil(threads) * threads;
        let band = width.div_ceil(wanted.max(1)).max(1);
        let nbands = width.div_ceil(band);
        // Tasks in `threads` groups, each with its share of whole fields and
        // of bands, so that rayon's halving hands every thread a similar load.
        let mut tasks: Vec<Task<'_>> = Vec::with_capacity(whole.len() + split.len() * nbands);
        let bands: Vec<Task<'_>> = (0..split.len())
            .flat_map(|k| {
                (0..nbands).map(move |b| Task::Band(k, b * band, band.min(width - b * band)))
            })
            .collect();
        let per_whole = whole.len().div_ceil(threads).max(1);
        let per_band = bands.len().div_ceil(threads).max(1);
        let mut whole = whole.into_iter().map(Task::Whole).peekable();
        let mut bands = bands.into_iter().peekable();
        while whole.peek().is_some() || bands.peek().is_some() {
            tasks.extend(whole.by_ref().take(per_whole));
            tasks.extend(bands.by_ref().take(per_band));
        }
        let done: Vec<Done> = tasks
            .into_par_iter()
            .with_max_len(1)
            .map(|t| match t {
                Task::Whole((f, c, s, u)) => {
                    if three_d {
                        Done::Whole(f, self.fused3(f, c, s, u))
                    } else {
                        Done::Whole(f, self.layer_kernel(f, 0).fused(c, s, u, nx, ny))
                    }
                }
                Task::Band(k, x0, w) => {
                    let ptr = split[k].1;
                    // SAFETY: the bands of a split field cover disjoint
                    // column ranges [x0, x0 + w) of each of its `lines`
                    // lines (rows in 2D, layers in 3D), so no two tasks
                    // touch the same element; no other task reads that
                    // array, and it outlives the parallel loop.
                    let row = |j: usize| unsafe {
                        std::slice::from_raw_parts_mut(ptr.get().add(j * width + x0), w)
                    };
                    let f = split[k].0;
                    let ok = if three_d {
                        self.z[f].band(lines, row)
                    } else {
                        self.layer_kernel(f, 0).y_band(ny, row)
                    };
                    Done::Band(k, ok)
                }
            })
            .collect();
        let mut band_ok = vec![true; split.len()];
        let mut verdicts: Vec<(usize, Verdict)> = Vec::with_capacity(fields.data.len());
        for d in done {
            match d {
                Done::Whole(f, v) => verdicts.push((f, v)),
                Done::Band(k, ok) => band_ok[k] &= ok,
            }
        }
        for (k, &(f, ptr)) in split.iter().enumerate() {
            // SAFETY: the parallel loop has ended; this is the only view.
            let c = unsafe { std::slice::from_raw_parts(ptr.get(), nx * ny * nz) };
            verdicts.push((
                f,
                settle_verdict(c, self.upper[f], reaction_bad[k], band_ok[k]),
            ));
        }
        match verdicts.into_iter().find_map(|(f, v)| v.map(|v| (f, v))) {
            None => Ok(()),
            Some((field, (index, value, stage))) => Err(BadValue {
                field,
                index,
                value,
                stage,
            }),
        }
    }

    /// True when field `f`'s boundaries add nothing to a zero field (no-flux
    /// faces, or Dirichlet faces held at zero).
    fn no_inflow(&self, f: usize) -> bool {
        let lines = self.x[f].iter().chain(&self.y[f]);
        let mut adds: Vec<f32> = lines.flat_map(|l| [l.lo_add, l.hi_add]).collect();
        if let Some(z) = self.z.get(f) {
            adds.extend([z.lo_add, z.hi_add]);
        }
        adds.iter().all(|a| a.to_bits() == 0)
    }

    /// The per-voxel constants of field `f` in layer `k`.
    fn layer_kernel(&self, f: usize, k: usize) -> Kernel<'_> {
        let p = self.profile[f][k];
        Kernel {
            x: &self.x[f][p],
            y: &self.y[f][p],
            dt: self.dt,
            lam: self.lambda[f][k],
            hi: self.upper[f],
        }
    }

    /// A whole 3D field on the calling thread: layer by layer (bottom
    /// first) its 2D step and, row by row while the layer is in cache, the
    /// z forward elimination; then the z back substitution top to bottom.
    #[inline(always)]
    fn fused3_generic(
        &self,
        f: usize,
        c: &mut [f32],
        mut s: Option<&mut [f32]>,
        mut u: Option<&mut [f32]>,
    ) -> Verdict {
        let (nx, ny, nz) = (self.nx, self.ny, self.nz);
        let plane = nx * ny;
        let z = &self.z[f];
        let mut reaction_bad = None;
        for k in 0..nz {
            let (lo, hi) = (k * plane, (k + 1) * plane);
            let sb = s.as_deref_mut().map(|s| &mut s[lo..hi]);
            let ub = u.as_deref_mut().map(|u| &mut u[lo..hi]);
            let (below, rest) = c.split_at_mut(lo);
            let below = (k > 0).then(|| &below[lo - plane..]);
            let found = self.layer_kernel(f, k).layer_generic(
                &mut rest[..plane],
                sb,
                ub,
                nx,
                ny,
                Some((z, k, below)),
            );
            reaction_bad = reaction_bad.or(found.map(|(i, v)| (lo + i, v)));
        }
        let top = (nz - 1) * plane;
        let mut ok = z.back(nz - 1, None, &mut c[top..]);
        for k in (0..nz - 1).rev() {
            let (head, above) = c.split_at_mut((k + 1) * plane);
            ok &= z.back(k, Some(&above[..plane]), &mut head[k * plane..]);
        }
        settle_verdict(c, self.upper[f], reaction_bad, ok)
    }

    /// A whole 3D field (see [`Solver::fused3_generic`]), using the widest
    /// vector instructions this CPU has.
    fn fused3(
        &self,
        f: usize,
        c: &mut [f32],
        s: Option<&mut [f32]>,
        u: Option<&mut [f32]>,
    ) -> Verdict {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: each wrapper is called only when its feature is present.
            if simd::has_avx512() {
                return unsafe { simd::fused3_avx512(self, f, c, s, u) };
            }
            if simd::has_avx2() {
                return unsafe { simd::fused3_avx2(self, f, c, s, u) };
            }
        }
        self.fused3_generic(f, c, s, u)
    }

    /// The 2D steps of every layer of the 3D fields in `split` (sources,
    /// x and y sweeps; the z sweep follows in bands), all layers of all
    /// fields in one parallel loop. Returns each field's first bad value of
    /// the reaction stage.
    fn split_layers(
        &self,
        split: &mut [Job<'_>],
        nx: usize,
        ny: usize,
    ) -> Vec<Option<(usize, f32)>> {
        let plane = nx * ny;
        let mut layers = Vec::with_capacity(split.len() * self.nz);
        for (field, (f, c, s, u)) in split.iter_mut().enumerate() {
            let (f, s, u) = (*f, s.as_deref_mut(), u.as_deref_mut());
            let parts = c
                .chunks_mut(plane)
                .zip(block_chunks(s, plane, self.nz))
                .zip(block_chunks(u, plane, self.nz))
                .enumerate();
            layers.extend(
                parts.map(|(k, ((ck, sk), uk))| (field, self.layer_kernel(f, k), k, ck, sk, uk)),
            );
        }
        let found: Vec<(usize, Option<(usize, f32)>)> = layers
            .into_par_iter()
            .with_max_len(1)
            .map(|(field, kern, k, ck, sk, uk)| {
                (
                    field,
                    kern.layer(ck, sk, uk, nx, ny)
                        .map(|(i, v)| (k * plane + i, v)),
                )
            })
            .collect();
        let mut bad = vec![None; split.len()];
        for (k, v) in found {
            bad[k] = first_bad(bad[k], v);
        }
        bad
    }

    /// Stages 1 and 2 (sources, then reset; x sweep) of the fields in
    /// `split`, in blocks of rows, all fields in one parallel loop. Returns
    /// each field's first bad value of the reaction stage.
    fn split_rows(&self, split: &mut [Job<'_>], nx: usize, ny: usize) -> Vec<Option<(usize, f32)>> {
        let block = ROWS * nx;
        let nblocks = ny.div_ceil(ROWS);
        let mut blocks = Vec::with_capacity(split.len() * nblocks);
        for (field, (f, c, s, u)) in split.iter_mut().enumerate() {
            let (f, s, u) = (*f, s.as_deref_mut(), u.as_deref_mut());
            let k = self.layer_kernel(f, 0);
            let parts = c
                .chunks_mut(block)
                .zip(block_chunks(s, block, nblocks))
                .zip(block_chunks(u, block, nblocks))
                .enumerate();
            blocks.extend(parts.map(|(b, ((blk, sb), ub))| (field, k, b, blk, sb, ub)));
        }
        let found: Vec<(usize, Option<(usize, f32)>)> = blocks
            .into_par_iter()
            .with_min_len((self.rows_per_task / ROWS).max(1))
            .map(|(field, k, b, blk, sb, ub)| {
                (
                    field,
                    k.rows(blk, sb, ub, nx).map(|(i, v)| (b * block + i, v)),
                )
            })
            .collect();
        let mut bad = vec![None; split.len()];
        for (k, v) in found {
            bad[k] = first_bad(bad[k], v);
        }
        bad
    }
}

/// A task of the field step's parallel loop: a whole field, or a column
/// band `(split field, first column, width)` of a split field's last sweep
/// (y in 2D, z in 3D).
enum Task<'a> {
    Whole(Job<'a>),
    Band(usize, usize, usize),
}

/// A finished [`Task`]: a whole field's verdict, or whether a band's values
/// are all finite and non-negative.
enum Done {
    Whole(usize, Verdict),
    Band(usize, bool),
}

/// One field's work in a step: index, values, written source and uptake buffers.
type Job<'a> = (
    usize,
    &'a mut [f32],
    Option<&'a mut [f32]>,
    Option<&'a mut [f32]>,
);

/// A field step's verdict: the first bad value (index, value, stage), if any.
type Verdict = Option<(usize, f32, Stage)>;

/// True when every value is +0.0. Then, with no sources, no uptake and no
/// boundary inflow, a step is an exact no-op: each stage maps 0 to 0
/// (`0 / den`, `(0 + r·0)·inv`, `0 − cp·0`), so skipping it changes nothing.
fn all_zero(c: &[f32]) -> bool {
    c.chunks(1024)
        .all(|ch| ch.iter().fold(0u32, |a, v| a | v.to_bits()) == 0)
}

/// An optional buffer cut into blocks of `block` values (`n` blocks).
fn block_chunks(b: Option<&mut [f32]>, block: usize, n: usize) -> Vec<Option<&mut [f32]>> {
    match b {
        Some(b) => b.chunks_mut(block).map(Some).collect(),
        None => (0..n).map(|_| None).collect(),
    }
}

/// The earlier (lower index) of two optional bad values.
fn first_bad(a: Option<(usize, f32)>, b: Option<(usize, f32)>) -> Option<(usize, f32)> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if x.0 <= y.0 { x } else { y }),
        (x, None) => x,
        (None, y) => y,
    }
}

/// A field's verdict: a bad value found in the reaction stage wins (it is
/// where the value arose); otherwise, if the sweeps' check failed, the first
/// bad value in memory order.
fn settle_verdict(
    c: &[f32],
    hi: f32,
    reaction_bad: Option<(usize, f32)>,
    ok: bool,
) -> Option<(usize, f32, Stage)> {
    if let Some((i, v)) = reaction_bad {
        return Some((i, v, Stage::Reaction));
    }
    if ok {
        return None;
    }
    Some(match find_bad_in(c, hi) {
        Some((i, v)) => (i, v, Stage::Diffusion),
        None => (0, f32::NAN, Stage::Diffusion),
    })
}

/// Back substitution of one line of a sweep, `cur ← cur − cp·next` (just
/// `cur` for the last line), with subnormal flush and the health check
/// (false on NaN, ±inf, negative or above the field's upper bound `hi`).
#[inline(always)]
fn back_settled(cp: f32, next: Option<&[f32]>, cur: &mut [f32], hi: f32) -> bool {
    // Branch-free so it vectorises: keep NaN (it must be reported),
    // zero |v| < FLUSH_BELOW, and flag NaN, ±inf, negatives and values
    // above the bound.
    #[inline(always)]
    fn settle(v: f32, hi: f32, bad: &mut u32) -> f32 {
        let keep = ((v.abs() >= FLUSH_BELOW) | v.is_nan()) as u32;
        let v = f32::from_bits(v.to_bits() & keep.wrapping_neg());
        *bad |= !good(v, hi) as u32;
        v
    }
    let mut bad = 0u32;
    match next {
        None => cur
            .iter_mut()
            .for_each(|cv| *cv = settle(*cv, hi, &mut bad)),
        Some(nx) => {
            for (cv, nv) in cur.iter_mut().zip(nx) {
                *cv = settle(*cv - cp * *nv, hi, &mut bad);
            }
        }
    }
    bad == 0
}

/// True for a value a field may hold: finite, not below −1e-6 and not above
/// the field's upper bound `hi` (`f32::MAX` when it has none).
/// (NaN and ±∞ lie outside the range, so one test covers all of them.)
#[inline(always)]
fn good(v: f32, hi: f32) -> bool {
    (-1e-6..=hi).contains(&v)
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

/// One field's step constants and the kernels that apply them. Every path
/// (fused or split across threads) is built from the row operations below,
/// so each voxel sees the same arithmetic whichever path runs.
#[derive(Clone, Copy)]
struct Kernel<'a> {
    x: &'a Line,
    y: &'a Line,
    dt: f32,
    lam: f32,
    /// Upper bound of the field's values.
    hi: f32,
}

impl Kernel<'_> {
    /// Stages 1 and 2 on a block of whole rows: sources, uptake and decay
    /// (resetting the source buffers), then the x sweep.
    #[inline(always)]
    fn rows_generic(
        &self,
        blk: &mut [f32],
        sb: Option<&mut [f32]>,
        ub: Option<&mut [f32]>,
        nx: usize,
    ) -> Option<(usize, f32)> {
        let (dt, lam, hi) = (self.dt, self.lam, self.hi);
        let mut bad = 0u32;
        // An absent buffer is all zero: each branch is the full formula
        // `(v + dt·s) / (1 + dt·(u + λ))` with the zero terms dropped, which
        // gives the same bits.
        match (sb, ub) {
            (Some(sb), Some(ub)) => {
                for ((v, s), u) in blk.iter_mut().zip(sb.iter_mut()).zip(ub.iter_mut()) {
                    *v = (*v + dt * *s) / (1.0 + dt * (*u + lam));
                    bad |= !good(*v, hi) as u32;
                    *s = 0.0;
                    *u = 0.0;
                }
            }
            (Some(sb), None) => {
                let den = 1.0 + dt * lam;
                for (v, s) in blk.iter_mut().zip(sb.iter_mut()) {
                    *v = (*v + dt * *s) / den;
                    bad |= !good(*v, hi) as u32;
                    *s = 0.0;
                }
            }
            (None, Some(ub)) => {
                for (v, u) in blk.iter_mut().zip(ub.iter_mut()) {
                    *v /= 1.0 + dt * (*u + lam);
                    bad |= !good(*v, hi) as u32;
                    *u = 0.0;
                }
            }
            (None, None) => {
                let den = 1.0 + dt * lam;
                for v in blk.iter_mut() {
                    *v /= den;
                    bad |= !good(*v, hi) as u32;
                }
            }
        }
        // Locate a bad value here, before the sweeps spread it.
        let found = if bad == 0 {
            None
        } else {
            blk.iter().position(|&v| !good(v, hi)).map(|i| (i, blk[i]))
        };
        self.x.solve_rows(blk, nx);
        found
    }

    /// Forward elimination of the y sweep for row `j` given row `j − 1`.
    #[inline(always)]
    fn y_forward(&self, j: usize, ny: usize, prev: Option<&[f32]>, cur: &mut [f32]) {
        let y = self.y;
        let inv = y.inv[j];
        if j + 1 == ny {
            cur.iter_mut().for_each(|v| *v += y.hi_add);
        }
        match prev {
            None => cur.iter_mut().for_each(|v| *v = (*v + y.lo_add) * inv),
            Some(p) => {
                let r = y.r;
                for (cv, pv) in cur.iter_mut().zip(p) {
                    *cv = (*cv + r * *pv) * inv;
                }
            }
        }
    }

    /// Back substitution of the y sweep for row `j` given row `j + 1`, with
    /// subnormal flush and the health check (false on NaN, ±inf or negative).
    #[inline(always)]
    fn y_back(&self, j: usize, next: Option<&[f32]>, cur: &mut [f32]) -> bool {
        back_settled(self.y.cp[j], next, cur, self.hi)
    }

    /// Back substitution of the y sweep for row `j` given row `j + 1`
    /// (nothing to do for the last row), without flush or check: in 3D the
    /// z sweep follows and settles the values.
    #[inline(always)]
    fn y_back_plain(&self, j: usize, next: Option<&[f32]>, cur: &mut [f32]) {
        if let Some(nx) = next {
            let cp = self.y.cp[j];
            for (cv, nv) in cur.iter_mut().zip(nx) {
                *cv -= cp * *nv;
            }
        }
    }

    /// The y sweep over one band of columns: `row(j)` gives row j's slice.
    #[inline(always)]
    fn y_band_generic<'a>(&self, ny: usize, row: impl Fn(usize) -> &'a mut [f32]) -> bool {
        self.y_forward(0, ny, None, row(0));
        for j in 1..ny {
            let (p, c) = (row(j - 1), row(j));
            self.y_forward(j, ny, Some(p), c);
        }
        let mut ok = self.y_back(ny - 1, None, row(ny - 1));
        for j in (0..ny - 1).rev() {
            let (c, n) = (row(j), row(j + 1));
            ok &= self.y_back(j, Some(n), c);
        }
        ok
    }

    /// Top to bottom, per block of rows, stages 1–2 and the y forward
    /// elimination (the block is still in cache). Returns the first bad
    /// value of the reaction stage.
    #[inline(always)]
    fn rows_and_y_forward(
        &self,
        c: &mut [f32],
        mut s: Option<&mut [f32]>,
        mut u: Option<&mut [f32]>,
        nx: usize,
        ny: usize,
    ) -> Option<(usize, f32)> {
        let mut reaction_bad = None;
        let mut j0 = 0;
        while j0 < ny {
            let j1 = (j0 + ROWS).min(ny);
            let (lo, hi) = (j0 * nx, j1 * nx);
            let sb = s.as_deref_mut().map(|s| &mut s[lo..hi]);
            let ub = u.as_deref_mut().map(|u| &mut u[lo..hi]);
            let found = self.rows_generic(&mut c[lo..hi], sb, ub, nx);
            reaction_bad = reaction_bad.or(found.map(|(i, v)| (lo + i, v)));
            for j in j0..j1 {
                if j == 0 {
                    self.y_forward(0, ny, None, &mut c[..nx]);
                } else {
                    let (done, rest) = c.split_at_mut(j * nx);
                    self.y_forward(j, ny, Some(&done[(j - 1) * nx..]), &mut rest[..nx]);
                }
            }
            j0 = j1;
        }
        reaction_bad
    }

    /// A whole field on the calling thread in two passes over memory:
    /// top to bottom, per block of rows, stages 1–2 and the y forward
    /// elimination (the block is still in cache); then the y back
    /// substitution bottom to top.
    #[inline(always)]
    fn fused_generic(
        &self,
        c: &mut [f32],
        s: Option<&mut [f32]>,
        u: Option<&mut [f32]>,
        nx: usize,
        ny: usize,
    ) -> Option<(usize, f32, Stage)> {
        let reaction_bad = self.rows_and_y_forward(c, s, u, nx, ny);
        let mut ok = self.y_back(ny - 1, None, &mut c[(ny - 1) * nx..]);
        for j in (0..ny - 1).rev() {
            let (head, below) = c.split_at_mut((j + 1) * nx);
            ok &= self.y_back(j, Some(&below[..nx]), &mut head[j * nx..]);
        }
        settle_verdict(c, self.hi, reaction_bad, ok)
    }

    /// One layer of a 3D field: stages 1–3 (sources, x and y sweeps; the
    /// values are settled later, by the z sweep). With `z = Some((line, k,
    /// below))` each row, as soon as the y back substitution no longer
    /// needs it (once the row below it is done), also gets the z forward
    /// elimination of layer `k` from the layer below (`None` for the bottom
    /// layer), while it is in cache. Returns the first bad value of the
    /// reaction stage (index within the layer).
    #[inline(always)]
    fn layer_generic(
        &self,
        c: &mut [f32],
        s: Option<&mut [f32]>,
        u: Option<&mut [f32]>,
        nx: usize,
        ny: usize,
        z: Option<(&ZLine, usize, Option<&[f32]>)>,
    ) -> Option<(usize, f32)> {
        let reaction_bad = self.rows_and_y_forward(c, s, u, nx, ny);
        let row = |j: usize| j * nx..(j + 1) * nx;
        for j in (0..ny).rev() {
            let (head, rest) = c.split_at_mut((j + 1) * nx);
            let next = (j + 1 < ny).then(|| &mut rest[..nx]);
            self.y_back_plain(j, next.as_deref(), &mut head[j * nx..]);
            // Row j + 1 is final in y now that row j has used it.
            if let (Some((line, k, below)), Some(next)) = (z, next) {
                line.forward(k, below.map(|b| &b[row(j + 1)]), next);
            }
        }
        if let Some((line, k, below)) = z {
            line.forward(k, below.map(|b| &b[row(0)]), &mut c[row(0)]);
        }
        reaction_bad
    }

    /// One layer without the z elimination (see [`Kernel::layer_generic`]),
    /// using the widest vector instructions this CPU has.
    fn layer(
        &self,
        c: &mut [f32],
        s: Option<&mut [f32]>,
        u: Option<&mut [f32]>,
        nx: usize,
        ny: usize,
    ) -> Option<(usize, f32)> {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: each wrapper is called only when its feature is present.
            if simd::has_avx512() {
                return unsafe { simd::layer_avx512(self, c, s, u, nx, ny) };
            }
            if simd::has_avx2() {
                return unsafe { simd::layer_avx2(self, c, s, u, nx, ny) };
            }
        }
        self.layer_generic(c, s, u, nx, ny, None)
    }

    /// Stages 1–2 on a block of rows (see [`Kernel::rows_generic`]), using
    /// the widest vector instructions this CPU has.
    fn rows(
        &self,
        blk: &mut [f32],
        sb: Option<&mut [f32]>,
        ub: Option<&mut [f32]>,
        nx: usize,
    ) -> Option<(usize, f32)> {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: each wrapper is called only when its feature is present.
            if simd::has_avx512() {
                return unsafe { simd::rows_avx512(self, blk, sb, ub, nx) };
            }
            if simd::has_avx2() {
                return unsafe { simd::rows_avx2(self, blk, sb, ub, nx) };
            }
        }
        self.rows_generic(blk, sb, ub, nx)
    }

    /// The y sweep of one column band (see [`Kernel::y_band_generic`]).
    fn y_band<'a>(&self, ny: usize, row: impl Fn(usize) -> &'a mut [f32]) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: as in `rows`.
            if simd::has_avx512() {
                return unsafe { simd::y_band_avx512(self, ny, row) };
            }
            if simd::has_avx2() {
                return unsafe { simd::y_band_avx2(self, ny, row) };
            }
        }
        self.y_band_generic(ny, row)
    }

    /// A whole field on this thread (see [`Kernel::fused_generic`]).
    fn fused(
        &self,
        c: &mut [f32],
        s: Option<&mut [f32]>,
        u: Option<&mut [f32]>,
        nx: usize,
        ny: usize,
    ) -> Option<(usize, f32, Stage)> {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: as in `rows`.
            if simd::has_avx512() {
                return unsafe { simd::fused_avx512(self, c, s, u, nx, ny) };
            }
            if simd::has_avx2() {
                return unsafe { simd::fused_avx2(self, c, s, u, nx, ny) };
            }
        }
        self.fused_generic(c, s, u, nx, ny)
    }
}

/// The generic kernels compiled for wider vector units, chosen at run time.
/// Vectorising independent voxels does not change any voxel's arithmetic
/// (no fused multiply-add, no reassociation), so every variant gives
/// bit-identical results.
#[cfg(target_arch = "x86_64")]
mod simd {
    use super::{Kernel, Solver, Stage, ZLine};

    /// Whether AVX-512F is available (cached by the standard library).
    #[inline]
    pub fn has_avx512() -> bool {
        std::arch::is_x86_feature_detected!("avx512f")
    }

    /// Whether AVX2 is available.
    #[inline]
    pub fn has_avx2() -> bool {
        std::arch::is_x86_feature_detected!("avx2")
    }

    macro_rules! variants {
        ($feat:literal, $rows:ident, $band:ident, $fused:ident) => {
            #[target_feature(enable = $feat)]
            pub unsafe fn $rows(
                k: &Kernel,
                b: &mut [f32],
                s: Option<&mut [f32]>,
                u: Option<&mut [f32]>,
                nx: usize,
            ) -> Option<(usize, f32)> {
                k.rows_generic(b, s, u, nx)
            }
            #[target_feature(enable = $feat)]
            pub unsafe fn $band<'a>(
                k: &Kernel,
                ny: usize,
                row: impl Fn(usize) -> &'a mut [f32],
            ) -> bool {
                k.y_band_generic(ny, row)
            }
            #[target_feature(enable = $feat)]
            pub unsafe fn $fused(
                k: &Kernel,
                c: &mut [f32],
                s: Option<&mut [f32]>,
                u: Option<&mut [f32]>,
                nx: usize,
                ny: usize,
            ) -> Option<(usize, f32, Stage)> {
                k.fused_generic(c, s, u, nx, ny)
            }
        };
    }
    variants!("avx2", rows_avx2, y_band_avx2, fused_avx2);
    variants!("avx512f", rows_avx512, y_band_avx512, fused_avx512);

    macro_rules! variants3 {
        ($feat:literal, $layer:ident, $zband:ident, $fused3:ident) => {
            #[target_feature(enable = $feat)]
            pub unsafe fn $layer(
                k: &Kernel,
                c: &mut [f32],
                s: Option<&mut [f32]>,
                u: Option<&mut [f32]>,
                nx: usize,
                ny: usize,
            ) -> Option<(usize, f32)> {
                k.layer_generic(c, s, u, nx, ny, None)
            }
            #[target_feature(enable = $feat)]
            pub unsafe fn $zband<'a>(
                z: &ZLine,
                nz: usize,
                row: impl Fn(usize) -> &'a mut [f32],
            ) -> bool {
                z.band_generic(nz, row)
            }
            #[target_feature(enable = $feat)]
            pub unsafe fn $fused3(
                solver: &Solver,
                f: usize,
                c: &mut [f32],
                s: Option<&mut [f32]>,
                u: Option<&mut [f32]>,
            ) -> Option<(usize, f32, Stage)> {
                solver.fused3_generic(f, c, s, u)
            }
        };
    }
    variants3!("avx2", layer_avx2, z_band_avx2, fused3_avx2);
    variants3!("avx512f", layer_avx512, z_band_avx512, fused3_avx512);

    use super::Line;
    use std::arch::x86_64::*;

    /// Transpose a 16×16 tile held as 16 vectors (`v[k]` lane `i` becomes
    /// `v[i]` lane `k`).
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn transpose16(v: &mut [__m512; 16]) {
        let mut t = [_mm512_setzero_ps(); 16];
        for i in 0..8 {
            t[2 * i] = _mm512_unpacklo_ps(v[2 * i], v[2 * i + 1]);
            t[2 * i + 1] = _mm512_unpackhi_ps(v[2 * i], v[2 * i + 1]);
        }
        for g in (0..16).step_by(4) {
            v[g] = _mm512_shuffle_ps::<0x44>(t[g], t[g + 2]);
            v[g + 1] = _mm512_shuffle_ps::<0xEE>(t[g], t[g + 2]);
            v[g + 2] = _mm512_shuffle_ps::<0x44>(t[g + 1], t[g + 3]);
            v[g + 3] = _mm512_shuffle_ps::<0xEE>(t[g + 1], t[g + 3]);
        }
        for h in [0, 8] {
            for i in 0..4 {
                t[h + i] = _mm512_shuffle_f32x4::<0x88>(v[h + i], v[h + i + 4]);
                t[h + i + 4] = _mm512_shuffle_f32x4::<0xDD>(v[h + i], v[h + i + 4]);
            }
        }
        for i in 0..8 {
            v[i] = _mm512_shuffle_f32x4::<0x88>(t[i], t[i + 8]);
            v[i + 8] = _mm512_shuffle_f32x4::<0xDD>(t[i], t[i + 8]);
        }
    }

    /// Solve `16·G` lines of length `n` stored one after another (`blk.len()
    /// == 16·G·n`), vectorised across the lines: each 16×16 tile is
    /// transposed in registers so that one vector holds one column of 16
    /// lines. The G groups of 16 lines are interleaved so their recurrences
    /// overlap. Every value sees exactly the operations of [`Line::solve`]
    /// (separate multiply and add, same order), so the results are
    /// bit-identical.
    ///
    /// The forward elimination leaves each full tile transposed in place;
    /// the back substitution reads it back and transposes it again. The
    /// last (possibly partial) tile is eliminated and substituted in registers.
    ///
    /// # Safety
    /// AVX-512F must be available.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn solve_avx512<const G: usize>(line: &Line, blk: &mut [f32], n: usize) {
        let lines = 16 * G;
        assert!(n > 0 && blk.len() == lines * n && line.inv.len() == n && line.cp.len() == n);
        for k in 0..lines {
            blk[k * n] += line.lo_add;
            blk[k * n + n - 1] += line.hi_add;
        }
        let p = blk.as_mut_ptr();
        let r = _mm512_set1_ps(line.r);
        let last = (n - 1) / 16;
        let wl = n - 16 * last;
        let mask: __mmask16 = (((1u32 << wl) - 1) & 0xFFFF) as __mmask16;
        let mut v = [[_mm512_setzero_ps(); 16]; G];
        let mut prev = [_mm512_setzero_ps(); G];
        // SAFETY (every pointer access below): tile `t` of group `g` covers
        // columns [16t, 16t + 16) of lines [16g, 16g + 16), inside `blk` for
        // t < last; the last tile is loaded and stored with a mask of its
        // `wl` columns. `col < n` indexes `inv` and `cp`.
        let tile = |g: usize, t: usize| p.add(16 * g * n + 16 * t);
        // `i` picks the same column in every group.
        #[allow(clippy::needless_range_loop)]
        let forward = |v: &mut [[__m512; 16]; G], t: usize, w: usize, prev: &mut [__m512; G]| {
            for i in 0..w {
                let col = 16 * t + i;
                let inv = _mm512_set1_ps(*line.inv.get_unchecked(col));
                for g in 0..G {
                    prev[g] = if col == 0 {
                        _mm512_mul_ps(v[g][i], inv)
                    } else {
                        _mm512_mul_ps(_mm512_add_ps(v[g][i], _mm512_mul_ps(r, prev[g])), inv)
                    };
                    v[g][i] = prev[g];
                }
            }
        };
        #[allow(clippy::needless_range_loop)]
        let backward = |v: &mut [[__m512; 16]; G], t: usize, w: usize, next: &mut [__m512; G]| {
            for i in (0..w).rev() {
                let cp = _mm512_set1_ps(*line.cp.get_unchecked(16 * t + i));
                for g in 0..G {
                    next[g] = _mm512_sub_ps(v[g][i], _mm512_mul_ps(cp, next[g]));
                    v[g][i] = next[g];
                }
            }
        };
        for t in 0..last {
            for (g, vg) in v.iter_mut().enumerate() {
                for (k, vk) in vg.iter_mut().enumerate() {
                    *vk = _mm512_loadu_ps(tile(g, t).add(k * n));
                }
                transpose16(vg);
            }
            forward(&mut v, t, 16, &mut prev);
            for (g, vg) in v.iter().enumerate() {
                for (k, vk) in vg.iter().enumerate() {
                    _mm512_storeu_ps(tile(g, t).add(k * n), *vk);
                }
            }
        }
        // The last tile: forward, then the start of the back substitution
        // (the last column is its own result).
        for (g, vg) in v.iter_mut().enumerate() {
            for (k, vk) in vg.iter_mut().enumerate() {
                *vk = _mm512_maskz_loadu_ps(mask, tile(g, last).add(k * n));
            }
            transpose16(vg);
        }
        forward(&mut v, last, wl, &mut prev);
        let mut next = [_mm512_setzero_ps(); G];
        for g in 0..G {
            next[g] = v[g][wl - 1];
        }
        backward(&mut v, last, wl - 1, &mut next);
        for (g, vg) in v.iter_mut().enumerate() {
            transpose16(vg);
            for (k, vk) in vg.iter().enumerate() {
                _mm512_mask_storeu_ps(tile(g, last).add(k * n), mask, *vk);
            }
        }
        // Back substitution over the full tiles, stored transposed.
        for t in (0..last).rev() {
            for (g, vg) in v.iter_mut().enumerate() {
                for (k, vk) in vg.iter_mut().enumerate() {
                    *vk = _mm512_loadu_ps(tile(g, t).add(k * n));
                }
            }
            backward(&mut v, t, 16, &mut next);
            for (g, vg) in v.iter_mut().enumerate() {
                transpose16(vg);
                for (k, vk) in vg.iter().enumerate() {
                    _mm512_storeu_ps(tile(g, t).add(k * n), *vk);
                }
            }
        }
    }
}

impl Line {
    /// Solve `blk.len() / n` independent lines of length `n` stored one after
    /// another, in groups of [`LANES`] interleaved so their recurrences
    /// overlap; gives the same bits as [`Line::solve`] on each line.
    /// With AVX-512, groups of 16 lines are solved vectorised across the
    /// lines (see [`simd::solve_avx512`]), with the same operations.
    #[inline]
    pub fn solve_rows(&self, mut blk: &mut [f32], n: usize) {
        #[cfg(target_arch = "x86_64")]
        if simd::has_avx512() {
            let mut pairs = blk.chunks_exact_mut(32 * n);
            for g in pairs.by_ref() {
                // SAFETY: AVX-512F is present; `g` holds 32 lines of `n` values.
                unsafe { simd::solve_avx512::<2>(self, g, n) };
            }
            let mut groups = pairs.into_remainder().chunks_exact_mut(16 * n);
            for g in groups.by_ref() {
                // SAFETY: as above, 16 lines.
                unsafe { simd::solve_avx512::<1>(self, g, n) };
            }
            blk = groups.into_remainder();
        }
        let mut groups = blk.chunks_exact_mut(LANES * n);
        for g in groups.by_ref() {
            self.solve_interleaved(g, n);
        }
        for line in groups.into_remainder().chunks_exact_mut(n) {
            self.solve(line);
        }
    }

    /// Solve exactly [`LANES`] lines stored one after another, interleaved.
    #[inline]
    fn solve_interleaved(&self, blk: &mut [f32], n: usize) {
        let r = self.r;
        for k in 0..LANES {
            blk[k * n] += self.lo_add;
            blk[k * n + n - 1] += self.hi_add;
        }
        let mut prev = [0.0f32; LANES];
        for (k, p) in prev.iter_mut().enumerate() {
            let v = &mut blk[k * n];
            *v *= self.inv[0];
            *p = *v;
        }
        for i in 1..n {
            let inv = self.inv[i];
            for (k, p) in prev.iter_mut().enumerate() {
                let v = &mut blk[k * n + i];
                *p = (*v + r * *p) * inv;
                *v = *p;
            }
        }
        let mut next = [0.0f32; LANES];
        for (k, nx) in next.iter_mut().enumerate() {
            *nx = blk[k * n + n - 1];
        }
        for i in (0..n - 1).rev() {
            let cp = self.cp[i];
            for (k, nx) in next.iter_mut().enumerate() {
                let v = &mut blk[k * n + i];
                *nx = *v - cp * *nx;
                *v = *nx;
            }
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(d: f64, half: f64, b: Boundary, far: f64) -> FieldSpec {
        FieldSpec {
            diffusion_um2_per_min: d,
            half_life_min: half,
            far_field: far,
            boundary_x_min: b,
            boundary_x_max: b,
            boundary_y_min: b,
            boundary_y_max: b,
            ..FieldSpec::default()
        }
    }

    #[test]
    fn line_solve_matches_dense_solve() {
        let n = 7;
        let (r, k) = (0.8, 0.05);
        let l = Line::new(n, r, k, (Boundary::Dirichlet, 2.0), (Boundary::NoFlux, 0.0));
        let rhs: Vec<f64> = (0..n).map(|i| (i as f64).sin() + 1.5).collect();
        let mut d: Vec<f32> = rhs.iter().map(|&v| v as f32).collect();
        l.solve(&mut d);
        // Residual of the tridiagonal system.
        for i in 0..n {
            let mut diag = 1.0 + 2.0 * r + k;
            if i == 0 {
                diag += r;
            }
            if i == n - 1 {
                diag -= r;
            }
            let mut lhs = diag * d[i] as f64;
            if i > 0 {
                lhs -= r * d[i - 1] as f64;
            }
            if i + 1 < n {
                lhs -= r * d[i + 1] as f64;
            }
            let b = rhs[i] + if i == 0 { 2.0 * r * 2.0 } else { 0.0 };
            assert!((lhs - b).abs() < 1e-5, "row {i}: {lhs} vs {b}");
        }
    }

    #[test]
    fn zline_solve_matches_dense_solve_with_harmonic_faces() {
        let r = [0.8, 0.8, 0.05, 2.0, 0.0, 1.3];
        let n = r.len();
        let hm = |a: f64, b: f64| {
            if a + b > 0.0 {
                2.0 * a * b / (a + b)
            } else {
                0.0
            }
        };
        for (lo, hi) in [
            ((Boundary::Dirichlet, 2.0), (Boundary::NoFlux, 0.0)),
            ((Boundary::NoFlux, 0.0), (Boundary::Dirichlet, 0.7)),
        ] {
            let l = ZLine::new(&r, lo, hi);
            let rhs: Vec<f64> = (0..n).map(|i| (i as f64).sin() + 1.5).collect();
            let mut d: Vec<f32> = rhs.iter().map(|&v| v as f32).collect();
            l.solve(&mut d);
            for k in 0..n {
                let below = if k > 0 { hm(r[k - 1], r[k]) } else { 0.0 };
                let above = if k + 1 < n { hm(r[k], r[k + 1]) } else { 0.0 };
                let mut diag = 1.0 + below + above;
                let mut b = rhs[k];
                if k == 0 && lo.0 == Boundary::Dirichlet {
                    diag += 2.0 * r[0];
                    b += 2.0 * r[0] * lo.1;
                }
                if k + 1 == n && hi.0 == Boundary::Dirichlet {
                    diag += 2.0 * r[n - 1];
                    b += 2.0 * r[n - 1] * hi.1;
                }
                let mut lhs = diag * d[k] as f64;
                if k > 0 {
                    lhs -= below * d[k - 1] as f64;
                }
                if k + 1 < n {
                    lhs -= above * d[k + 1] as f64;
                }
                assert!((lhs - b).abs() < 1e-5, "layer {k}: {lhs} vs {b}");
            }
            // The band kernel gives the bits of the column solve.
            let w = 37;
            let mut cols: Vec<f32> = (0..n * w).map(|i| ((i * 31) % 23) as f32 * 0.21).collect();
            let mut want = cols.clone();
            for x in 0..w {
                let mut col: Vec<f32> = (0..n).map(|k| want[k * w + x]).collect();
                l.solve(&mut col);
                for k in 0..n {
                    want[k * w + x] = col[k];
                }
            }
            let p = SharedMut(cols.as_mut_ptr());
            // SAFETY: each call borrows one distinct layer of `cols`.
            let row = |k: usize| unsafe { std::slice::from_raw_parts_mut(p.get().add(k * w), w) };
            assert!(l.band(n, row));
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&cols), bits(&want));
        }
    }

    #[test]
    fn layered_rejects_bad_depth_structure() {
        let grid = Grid::new(5, 4, 3, 20.0, 40.0).unwrap();
        let specs = vec![("o".to_string(), spec(100.0, 60.0, Boundary::NoFlux, 0.0))];
        let good = FieldLayers::uniform(&grid, &specs[0].1);
        assert!(Solver::layered(&grid, &specs, std::slice::from_ref(&good), 1.0).is_ok());
        assert!(matches!(
            Solver::layered(&grid, &specs, &[], 1.0),
            Err(LayerError::FieldCount {
                given: 0,
                fields: 1
            })
        ));
        let mut short = good.clone();
        short.uptake_per_min.pop();
        let e = Solver::layered(&grid, &specs, &[short], 1.0).unwrap_err();
        assert!(
            e.to_string().contains("uptake_per_min has 2 values for 3"),
            "{e}"
        );
        let mut neg = good.clone();
        neg.diffusion_um2_per_min[2] = -1.0;
        let e = Solver::layered(&grid, &specs, &[neg], 1.0).unwrap_err();
        assert!(
            e.to_string().contains("diffusion_um2_per_min[2] = -1"),
            "{e}"
        );
        let mut nan = good;
        nan.top = (Boundary::Dirichlet, f64::NAN);
        let e = Solver::layered(&grid, &specs, &[nan], 1.0).unwrap_err();
        assert!(matches!(e, LayerError::BadValue { key: "top", .. }), "{e}");
    }

    #[test]
    fn a_bad_source_in_3d_is_located_in_its_layer_on_every_path() {
        let grid = Grid::new(13, 9, 5, 20.0, 30.0).unwrap();
        let specs = vec![("a".to_string(), spec(300.0, 60.0, Boundary::NoFlux, 0.0))];
        let solver = Solver::new(&grid, &specs, 15.0);
        for threads in [1usize, 4] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut f = Fields::new(&grid, &specs);
            f.data[0].fill(1.0);
            let mut s = Sources::new(&grid, 1);
            let at = grid.idx3(4, 6, 3);
            s.add(0, at, f32::NAN);
            let bad = pool
                .install(|| solver.step_checked(&mut f, &mut s))
                .expect_err("NaN source");
            assert_eq!(
                (bad.index, bad.stage),
                (at, Stage::Reaction),
                "{threads} threads"
            );
        }
    }

    #[test]
    fn solve_rows_matches_solve_bitwise() {
        for n in [1usize, 2, 15, 16, 17, 31, 32, 45, 600] {
            for lines in [1usize, 8, 16, 23, 32, 41] {
                let l = Line::new(
                    n,
                    0.9,
                    0.0,
                    (Boundary::Dirichlet, 3.0),
                    (Boundary::NoFlux, 0.0),
                );
                let data: Vec<f32> = (0..n * lines)
                    .map(|i| match i % 11 {
                        0 => -0.0,
                        1 => 0.0,
                        k => ((i * 37) % 101) as f32 * 0.173 + k as f32,
                    })
                    .collect();
                let mut a = data.clone();
                l.solve_rows(&mut a, n);
                let mut b = data;
                b.chunks_exact_mut(n).for_each(|line| l.solve(line));
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&a), bits(&b), "n = {n}, lines = {lines}");
            }
        }
    }

    #[test]
    fn uptake_never_negative() {
        let grid = Grid {
            nx: 8,
            ny: 8,
            nz: 1,
            dx_um: 10.0,
            dz_um: 10.0,
        };
        let specs = vec![("o".to_string(), spec(100.0, 1e9, Boundary::NoFlux, 0.0))];
        let mut f = Fields::new(&grid, &specs);
        f.data[0].fill(1.0);
        let mut s = Sources::new(&grid, 1);
        s.uptake_mut(0).fill(1e6);
        Solver::new(&grid, &specs, 10.0).step(&mut f, &mut s);
        assert!(f.data[0].iter().all(|&v| (0.0..1e-4).contains(&v)));
    }

    /// A 4-field problem with sources, uptake and mixed boundaries.
    fn problem(nx: usize, ny: usize) -> (Grid, Vec<(String, FieldSpec)>, Fields, Sources) {
        let grid = Grid {
            nx,
            ny,
            nz: 1,
            dx_um: 20.0,
            dz_um: 20.0,
        };
        let specs: Vec<(String, FieldSpec)> = vec![
            ("a".into(), spec(2000.0, 1e9, Boundary::Dirichlet, 40.0)),
            ("b".into(), spec(300.0, 60.0, Boundary::NoFlux, 0.0)),
            ("c".into(), spec(50.0, 600.0, Boundary::Dirichlet, 0.5)),
            ("d".into(), spec(900.0, 20.0, Boundary::NoFlux, 0.0)),
        ];
        let mut f = Fields::new(&grid, &specs);
        for (k, a) in f.data.iter_mut().enumerate() {
            for ((iy, ix), v) in a.indexed_iter_mut() {
                *v = ((ix * 7 + iy * 13 + k * 5) % 17) as f32 * 0.3;
            }
        }
        let mut s = Sources::new(&grid, specs.len());
        for ((iy, ix), v) in s.src_mut(0).indexed_iter_mut() {
            *v = ((ix + 3 * iy) % 5) as f32;
        }
        for ((iy, ix), v) in s.uptake_mut(0).indexed_iter_mut() {
            *v = ((ix * iy) % 3) as f32 * 0.1;
        }
        s.add(1, nx * (ny / 2) + nx / 2, 50.0);
        s.uptake_mut(3).fill(0.01);
        (grid, specs, f, s)
    }

    fn bits(f: &Fields) -> Vec<u32> {
        f.data
            .iter()
            .flat_map(|a| a.iter().map(|v| v.to_bits()))
            .collect()
    }

    #[test]
    fn fused_and_split_paths_agree_bitwise() {
        // Odd sizes exercise partial row blocks and bands.
        let (grid, specs, mut f1, mut s1) = problem(45, 71);
        let (_, _, mut f2, mut s2) = problem(45, 71);
        let (_, _, mut f3, mut s3) = problem(45, 71);
        let solver = Solver::new(&grid, &specs, 15.0);
        let pool = |n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .unwrap()
        };
        let (one, three, many) = (pool(1), pool(3), pool(8));
        for _ in 0..3 {
            // 4 fields on 1 thread: all fused; on 3 threads: 3 fused and one
            // split; on 8 threads: all split.
            assert!(one.install(|| solver.step(&mut f1, &mut s1)));
            assert!(three.install(|| solver.step(&mut f3, &mut s3)));
            assert!(many.install(|| solver.step(&mut f2, &mut s2)));
        }
        assert_eq!(bits(&f1), bits(&f2));
        assert_eq!(bits(&f1), bits(&f3));
    }

    #[test]
    fn skipping_untouched_sources_changes_nothing() {
        let (grid, specs, mut f1, mut s1) = problem(40, 40);
        let (_, _, mut f2, mut s2) = problem(40, 40);
        // Mark every buffer as written (all zero for most fields).
        for k in 0..specs.len() {
            s2.src_and_uptake_mut(k);
        }
        let solver = Solver::new(&grid, &specs, 15.0);
        solver.step(&mut f1, &mut s1);
        solver.step(&mut f2, &mut s2);
        assert_eq!(bits(&f1), bits(&f2));
        for k in 0..specs.len() {
            assert!(s1
                .src(k)
                .iter()
                .chain(s1.uptake(k).iter())
                .all(|&v| v == 0.0));
            assert!(s2
                .src(k)
                .iter()
                .chain(s2.uptake(k).iter())
                .all(|&v| v == 0.0));
        }
    }

    #[test]
    fn zero_fields_are_skipped_only_when_the_step_is_a_no_op() {
        let grid = Grid {
            nx: 12,
            ny: 9,
            nz: 1,
            dx_um: 20.0,
            dz_um: 20.0,
        };
        let specs = vec![
            (
                "quiet".to_string(),
                spec(300.0, 60.0, Boundary::Dirichlet, 0.0),
            ),
            (
                "inflow".to_string(),
                spec(300.0, 60.0, Boundary::Dirichlet, 2.0),
            ),
            ("fed".to_string(), spec(300.0, 60.0, Boundary::NoFlux, 0.0)),
        ];
        let solver = Solver::new(&grid, &specs, 15.0);
        assert!(solver.no_inflow(0) && !solver.no_inflow(1) && solver.no_inflow(2));
        let mut f = Fields::new(&grid, &specs);
        let mut s = Sources::new(&grid, specs.len());
        s.add(2, 40, 1.0);
        assert!(solver.step(&mut f, &mut s));
        assert!(f.data[0].iter().all(|v| v.to_bits() == 0));
        assert!(f.data[1].iter().all(|&v| v > 0.0));
        assert!(f.data[2][[40 / 12, 40 % 12]] > 0.0);
        // Without sources the fed field is no longer zero, so it is still solved.
        let before = f.data[2].clone();
        assert!(solver.step(&mut f, &mut s));
        assert_ne!(before, f.data[2]);
    }

    #[test]
    fn tiny_values_are_flushed_and_bad_values_flagged() {
        let grid = Grid {
            nx: 16,
            ny: 16,
            nz: 1,
            dx_um: 20.0,
            dz_um: 20.0,
        };
        let specs = vec![("t".to_string(), spec(10.0, 1e9, Boundary::NoFlux, 0.0))];
        let solver = Solver::new(&grid, &specs, 1.0);
        let mut s = Sources::new(&grid, 1);
        let mut f = Fields::new(&grid, &specs);
        f.data[0].fill(1e-35);
        assert!(solver.step(&mut f, &mut s));
        assert!(f.data[0].iter().all(|&v| v == 0.0));
        for bad in [f32::NAN, f32::INFINITY, -1.0] {
            f.data[0].fill(1.0);
            f.data[0][[3, 5]] = bad;
            assert!(!solver.step(&mut f, &mut s), "{bad} not flagged");
        }
    }
}
