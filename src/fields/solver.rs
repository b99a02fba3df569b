//! Implicit diffusion–decay solver: locally one-dimensional (LOD) backward
//! Euler with a Thomas solver per line.
//!
//! One field step of length `dt` solves
//! `∂c/∂t = D ∇²c − λ c + S − U c`
//! in three stages:
//! 1. sources, uptake and decay, implicitly per voxel:
//!    `c ← (c + dt·S) / (1 + dt·(U + λ))`;
//! 2. an implicit x sweep `(1 − dt·D ∂xx) c* = c`;
//! 3. an implicit y sweep `(1 − dt·D ∂yy) c' = c*`.
//!
//! Keeping all reactions in one implicit stage makes the local balance
//! `S = (U + λ) c` and the total mass balance exact at steady state however
//! large `dt` is, and the diffusion sweeps conserve mass exactly with no-flux
//! sides. Because reaction and diffusion are applied one after the other, a
//! steady profile satisfies `D c'' = λ/(1 + λ dt) c`: decay lengths are
//! `√(1 + λ dt)` too long at large steps (×1.23 for TNF-α, ×1.58 for O₂ at
//! the default 15-min step; `tests/diffusion.rs` measures this).
//!
//! Every stage is an M-matrix solve, so the scheme is unconditionally stable
//! and never produces negative values from non-negative data. It is first
//! order in time and second order in space (see ARCHITECTURE.md for the
//! measured errors). The tridiagonal matrices are constant, so the Thomas
//! forward-elimination factors are computed once per field and axis; a sweep
//! is then one forward and one backward pass with no division and no
//! allocation. The x sweep runs row by row (contiguous); the y sweep is
//! vectorised across whole rows, in parallel over column bands. Every column
//! and row is computed by the same operations whatever the thread count, so
//! results are bit-identical across thread counts.
//!
//! Boundaries: no-flux (mirror ghost) or Dirichlet with the value held at the
//! domain face (ghost `2·c_b − c₀`, second-order accurate).

use super::{Fields, Sources};
use crate::grid::Grid;
use crate::scenario::{Boundary, FieldSpec};
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

/// Solver factors for every field at one time step.
#[derive(Debug, Clone)]
pub struct Solver {
    x: Vec<Line>,
    y: Vec<Line>,
    /// Decay rate per field (1/min).
    lambda: Vec<f32>,
    dt: f32,
    /// Minimum rows per parallel task in row-wise kernels.
    rows_per_task: usize,
}

impl Solver {
    /// Build factors for `specs` on `grid` with step `dt_min`.
    pub fn new(grid: &Grid, specs: &[(String, FieldSpec)], dt_min: f64) -> Self {
        let mut x = Vec::new();
        let mut y = Vec::new();
        let mut lambda = Vec::new();
        for (_, s) in specs {
            let r = s.diffusion_um2_per_min * dt_min / (grid.dx_um * grid.dx_um);
            lambda.push((std::f64::consts::LN_2 / s.half_life_min) as f32);
            let k = 0.0;
            x.push(Line::new(
                grid.nx,
                r,
                k,
                (s.boundary_x_min, s.far_field),
                (s.boundary_x_max, s.far_field),
            ));
            y.push(Line::new(
                grid.ny,
                r,
                k,
                (s.boundary_y_min, s.far_field),
                (s.boundary_y_max, s.far_field),
            ));
        }
        Solver {
            x,
            y,
            lambda,
            dt: dt_min as f32,
            rows_per_task: (4096 / grid.nx).max(1),
        }
    }

    /// Advance every field by one step: sources, x sweep, y sweep. Zeroes the sources.
    /// Returns false if a non-finite or negative value appeared.
    pub fn step(&self, fields: &mut Fields, sources: &mut Sources) -> bool {
        self.step_checked(fields, sources).is_ok()
    }

    /// Advance every field by one step, stopping at the first field in which
    /// a non-finite or negative value appeared and saying where.
    pub fn step_checked(&self, fields: &mut Fields, sources: &mut Sources) -> Result<(), BadValue> {
        for f in 0..fields.len() {
            self.step_field(f, fields, sources)?;
        }
        Ok(())
    }

    /// Advance field `f` by one step. A non-finite or negative value after
    /// the reaction stage is located there, before diffusion spreads it over
    /// the domain; one that appears in the diffusion sweeps is located after
    /// them.
    pub fn step_field(
        &self,
        f: usize,
        fields: &mut Fields,
        sources: &mut Sources,
    ) -> Result<(), BadValue> {
        let dt = self.dt;
        let (ny, nx) = fields.data[f].dim();
        let xl = &self.x[f];
        let lam = self.lambda[f];
        let c = fields.data[f].as_slice_mut().expect("standard layout");
        let sv = sources.src[f].as_slice_mut().expect("standard layout");
        let uv = sources.uptake[f].as_slice_mut().expect("standard layout");
        // Stages 1 and 2 fused per block of rows: sources (then reset), then
        // the x sweep, interleaving ROWS independent lines to hide latency.
        let block = ROWS * nx;
        let reaction_bad = c
            .par_chunks_mut(block)
            .zip(sv.par_chunks_mut(block))
            .zip(uv.par_chunks_mut(block))
            .enumerate()
            .with_min_len((self.rows_per_task / ROWS).max(1))
            .map(|(b, ((blk, sb), ub))| {
                let mut ok = true;
                for ((v, s), u) in blk.iter_mut().zip(sb.iter_mut()).zip(ub.iter_mut()) {
                    *v = (*v + dt * *s) / (1.0 + dt * (*u + lam));
                    ok &= good(*v);
                    *s = 0.0;
                    *u = 0.0;
                }
                let bad = if ok {
                    None
                } else {
                    blk.iter()
                        .position(|&v| !good(v))
                        .map(|i| (b * block + i, blk[i]))
                };
                xl.solve_rows(blk, nx);
                bad
            })
            .reduce(
                || None,
                |a, b| match (a, b) {
                    (Some(x), Some(y)) => Some(if x.0 <= y.0 { x } else { y }),
                    (x, None) => x,
                    (None, y) => y,
                },
            );
        // Stage 3: y sweep, vectorised across columns, parallel over column bands.
        let yl = &self.y[f];
        let threads = rayon::current_num_threads().max(1);
        let band = (nx / (threads * 4)).clamp(32, 256).min(nx);
        let nbands = nx.div_ceil(band);
        let ptr = SharedGrid(c.as_mut_ptr());
        let ok = (0..nbands)
            .into_par_iter()
            .map(|b| {
                let x0 = b * band;
                let w = band.min(nx - x0);
                // SAFETY: bands cover disjoint column ranges [x0, x0 + w) of
                // the (ny, nx) array, so no two tasks touch the same element,
                // and `c` outlives the parallel loop.
                let row = |j: usize| unsafe {
                    std::slice::from_raw_parts_mut(ptr.get().add(j * nx + x0), w)
                };
                yl.solve_band(ny, row)
            })
            .reduce(|| true, |a, b| a && b);
        if let Some((index, value)) = reaction_bad {
            return Err(BadValue {
                field: f,
                index,
                value,
                stage: Stage::Reaction,
            });
        }
        if !ok {
            let (index, value) = find_bad_in(c).unwrap_or((0, f32::NAN));
            return Err(BadValue {
                field: f,
                index,
                value,
                stage: Stage::Diffusion,
            });
        }
        Ok(())
    }
}

/// True for a value a field may hold: finite and not below −1e-6.
/// (NaN and ±∞ lie outside the range, so one test covers all three.)
#[inline(always)]
fn good(v: f32) -> bool {
    (-1e-6..=f32::MAX).contains(&v)
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

/// Lines interleaved in the x sweep.
const ROWS: usize = 8;

/// A raw pointer to field data shared by tasks that touch disjoint parts.
#[derive(Clone, Copy)]
struct SharedGrid(*mut f32);
// SAFETY: used only for disjoint column bands (see `step_field`).
unsafe impl Send for SharedGrid {}
unsafe impl Sync for SharedGrid {}
impl SharedGrid {
    #[inline]
    fn get(self) -> *mut f32 {
        self.0
    }
}

impl Line {
    /// Solve `blk.len() / n` independent lines of length `n` stored one after
    /// another, interleaving them so their recurrences overlap.
    #[inline]
    pub fn solve_rows(&self, blk: &mut [f32], n: usize) {
        let rows = blk.len() / n;
        if rows != ROWS {
            for line in blk.chunks_exact_mut(n) {
                self.solve(line);
            }
            return;
        }
        let r = self.r;
        let mut prev = [0.0f32; ROWS];
        for (k, p) in prev.iter_mut().enumerate() {
            let v = &mut blk[k * n];
            *v = (*v + self.lo_add) * self.inv[0];
            *p = *v;
        }
        for k in 0..ROWS {
            blk[k * n + n - 1] += self.hi_add;
        }
        for i in 1..n {
            let inv = self.inv[i];
            for (k, p) in prev.iter_mut().enumerate() {
                let v = &mut blk[k * n + i];
                *p = (*v + r * *p) * inv;
                *v = *p;
            }
        }
        let mut next = [0.0f32; ROWS];
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

    /// Solve along y for one band: `row(j)` gives row j's slice of the band.
    /// Returns false if a non-finite or negative value appeared.
    #[inline]
    fn solve_band<'a>(&self, ny: usize, row: impl Fn(usize) -> &'a mut [f32]) -> bool {
        let r = self.r;
        {
            let r0 = row(0);
            let inv = self.inv[0];
            r0.iter_mut().for_each(|v| *v = (*v + self.lo_add) * inv);
        }
        row(ny - 1).iter_mut().for_each(|v| *v += self.hi_add);
        for j in 1..ny {
            let inv = self.inv[j];
            let (p, c) = (row(j - 1), row(j));
            for (cv, pv) in c.iter_mut().zip(p.iter()) {
                *cv = (*cv + r * *pv) * inv;
            }
        }
        let mut ok = true;
        for j in (0..ny - 1).rev() {
            let cp = self.cp[j];
            let (c, nx) = (row(j), row(j + 1));
            for (cv, nv) in c.iter_mut().zip(nx.iter()) {
                *cv -= cp * *nv;
                ok &= good(*cv);
            }
        }
        for v in row(ny - 1).iter() {
            ok &= good(*v);
        }
        ok
    }
}

/// Find the first non-finite or negative value (below −1e-6) in any field.
/// Returns (field, flat index, value).
pub fn find_bad(fields: &Fields) -> Option<(usize, usize, f32)> {
    fields.data.iter().enumerate().find_map(|(f, a)| {
        find_bad_in(a.as_slice().expect("standard layout")).map(|(i, v)| (f, i, v))
    })
}

/// The first non-finite or negative value (below −1e-6) of one field's data.
fn find_bad_in(s: &[f32]) -> Option<(usize, f32)> {
    s.par_iter()
        .position_first(|&v| !good(v))
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
    fn uptake_never_negative() {
        let grid = Grid {
            nx: 8,
            ny: 8,
            dx_um: 10.0,
        };
        let specs = vec![("o".to_string(), spec(100.0, 1e9, Boundary::NoFlux, 0.0))];
        let mut f = Fields::new(&grid, &specs);
        f.data[0].fill(1.0);
        let mut s = Sources::new(&grid, 1);
        s.uptake[0].fill(1e6);
        Solver::new(&grid, &specs, 10.0).step(&mut f, &mut s);
        assert!(f.data[0].iter().all(|&v| (0.0..1e-4).contains(&v)));
    }
}
