//! Thomas factors: the constant-coefficient lines of the x and y sweeps, the layered z line, and the depth structure of a field.

use super::*;

/// Precomputed Thomas factors for one axis of one field.
#[derive(Debug, Clone)]
pub struct Line {
    /// Coupling `r = D·dt/dx²`.
    pub(super) r: f32,
    /// Modified super-diagonal factors c'_i.
    pub(super) cp: Vec<f32>,
    /// Inverse pivots 1/m_i.
    pub(super) inv: Vec<f32>,
    /// Right-hand-side addition at the low end (Dirichlet), `2 r c_b`.
    pub(super) lo_add: f32,
    /// Right-hand-side addition at the high end.
    pub(super) hi_add: f32,
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
    pub(super) a: Vec<f32>,
    /// Modified super-diagonal factors c'_k.
    pub(super) cp: Vec<f32>,
    /// Inverse pivots 1/m_k.
    pub(super) inv: Vec<f32>,
    /// Right-hand-side addition at the bottom face (Dirichlet), `2 r_0 c_b`.
    pub(super) lo_add: f32,
    /// Right-hand-side addition at the top face.
    pub(super) hi_add: f32,
    /// The field's upper bound (see [`Solver::set_upper_bound`]).
    pub(super) upper: f32,
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
    pub(super) fn forward(&self, k: usize, prev: Option<&[f32]>, cur: &mut [f32]) {
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
    pub(super) fn back(&self, k: usize, next: Option<&[f32]>, cur: &mut [f32]) -> bool {
        back_settled(self.cp[k], next, cur, self.upper)
    }

    /// The z sweep over one band of columns: `row(k)` gives layer k's part
    /// of the band. False on a non-finite or negative result.
    #[inline(always)]
    pub(super) fn band_generic<'a>(&self, nz: usize, row: impl Fn(usize) -> &'a mut [f32]) -> bool {
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
    pub(super) fn band<'a>(&self, nz: usize, row: impl Fn(usize) -> &'a mut [f32]) -> bool {
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
    /// Multiple of the field's decay in each layer, `nz` values (1 in
    /// tissue; 0 for O₂ in a dressing, which consumes none).
    pub decay_scale: Vec<f64>,
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
            decay_scale: vec![1.0; grid.nz],
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
        /// `diffusion_um2_per_min`, `uptake_per_min` or `decay_scale`.
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

impl Line {
    /// Solve `blk.len() / n` independent lines of length `n` stored one after
    /// another, in groups of [`LANES`] interleaved so their recurrences
    /// overlap; gives the same bits as [`Line::solve`] on each line.
    /// With AVX-512, groups of 16 lines are solved vectorised across the
    /// lines (see [`simd::solve_avx512`]), with the same operations.
    #[inline]
    #[cfg_attr(not(target_arch = "x86_64"), allow(unused_mut))]
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
    pub(super) fn solve_interleaved(&self, blk: &mut [f32], n: usize) {
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
