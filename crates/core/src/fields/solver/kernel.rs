//! One field's step constants and the row, band and layer kernels built from them.

use super::*;

/// One field's step constants and the kernels that apply them. Every path
/// (fused or split across threads) is built from the row operations below,
/// so each voxel sees the same arithmetic whichever path runs.
#[derive(Clone, Copy)]
pub(super) struct Kernel<'a> {
    pub(super) x: &'a Line,
    pub(super) y: &'a Line,
    pub(super) dt: f32,
    pub(super) lam: f32,
    /// Upper bound of the field's values.
    pub(super) hi: f32,
}

impl Kernel<'_> {
    /// Stages 1 and 2 on a block of whole rows: sources, uptake and decay
    /// (resetting the source buffers), then the x sweep.
    #[inline(always)]
    pub(super) fn rows_generic(
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
    pub(super) fn y_forward(&self, j: usize, ny: usize, prev: Option<&[f32]>, cur: &mut [f32]) {
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
    pub(super) fn y_back(&self, j: usize, next: Option<&[f32]>, cur: &mut [f32]) -> bool {
        back_settled(self.y.cp[j], next, cur, self.hi)
    }

    /// Back substitution of the y sweep for row `j` given row `j + 1`
    /// (nothing to do for the last row), without flush or check: in 3D the
    /// z sweep follows and settles the values.
    #[inline(always)]
    pub(super) fn y_back_plain(&self, j: usize, next: Option<&[f32]>, cur: &mut [f32]) {
        if let Some(nx) = next {
            let cp = self.y.cp[j];
            for (cv, nv) in cur.iter_mut().zip(nx) {
                *cv -= cp * *nv;
            }
        }
    }

    /// The y sweep over one band of columns: `row(j)` gives row j's slice.
    #[inline(always)]
    pub(super) fn y_band_generic<'a>(
        &self,
        ny: usize,
        row: impl Fn(usize) -> &'a mut [f32],
    ) -> bool {
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
    pub(super) fn rows_and_y_forward(
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
    pub(super) fn fused_generic(
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
    pub(super) fn layer_generic(
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
    pub(super) fn layer(
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
    pub(super) fn rows(
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
    pub(super) fn y_band<'a>(&self, ny: usize, row: impl Fn(usize) -> &'a mut [f32]) -> bool {
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
    pub(super) fn fused(
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
