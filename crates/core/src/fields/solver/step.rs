//! The field step: whole fields and split fields scheduled on the pool, the verdict of the numerical guard.

use super::*;

impl Solver {
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
        self.step_checked_at(fields, sources, 0)
    }

    /// Advance the fields due at solver step `k` (every field whose step
    /// divides `k`; see [`Solver::due`]) by their own step, as
    /// [`Solver::step_checked`] does. The sources and uptake written to a
    /// field that is not due are discarded (zeroed), so the buffers are
    /// zero between steps either way.
    ///
    /// # Panics
    /// If the fields are not of the solver's grid.
    pub fn step_checked_at(
        &self,
        fields: &mut Fields,
        sources: &mut Sources,
        k: u64,
    ) -> Result<(), BadValue> {
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
                if !self.due(f, k) {
                    for b in [s, u].into_iter().flatten() {
                        b.fill(0.0);
                    }
                    return None;
                }
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
    pub(super) fn no_inflow(&self, f: usize) -> bool {
        let lines = self.x[f].iter().chain(&self.y[f]);
        let mut adds: Vec<f32> = lines.flat_map(|l| [l.lo_add, l.hi_add]).collect();
        if let Some(z) = self.z.get(f) {
            adds.extend([z.lo_add, z.hi_add]);
        }
        adds.iter().all(|a| a.to_bits() == 0)
    }

    /// The per-voxel constants of field `f` in layer `k`.
    pub(super) fn layer_kernel(&self, f: usize, k: usize) -> Kernel<'_> {
        let p = self.profile[f][k];
        Kernel {
            x: &self.x[f][p],
            y: &self.y[f][p],
            dt: self.dt[f],
            lam: self.lambda[f][k],
            hi: self.upper[f],
        }
    }

    /// A whole 3D field on the calling thread: layer by layer (bottom
    /// first) its 2D step and, row by row while the layer is in cache, the
    /// z forward elimination; then the z back substitution top to bottom.
    #[inline(always)]
    pub(super) fn fused3_generic(
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
    pub(super) fn fused3(
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
    pub(super) fn split_layers(
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
    pub(super) fn split_rows(
        &self,
        split: &mut [Job<'_>],
        nx: usize,
        ny: usize,
    ) -> Vec<Option<(usize, f32)>> {
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
pub(super) enum Task<'a> {
    Whole(Job<'a>),
    Band(usize, usize, usize),
}

/// A finished [`Task`]: a whole field's verdict, or whether a band's values
/// are all finite and non-negative.
pub(super) enum Done {
    Whole(usize, Verdict),
    Band(usize, bool),
}

/// One field's work in a step: index, values, written source and uptake buffers.
pub(super) type Job<'a> = (
    usize,
    &'a mut [f32],
    Option<&'a mut [f32]>,
    Option<&'a mut [f32]>,
);

/// A field step's verdict: the first bad value (index, value, stage), if any.
pub(super) type Verdict = Option<(usize, f32, Stage)>;

/// True when every value is +0.0. Then, with no sources, no uptake and no
/// boundary inflow, a step is an exact no-op: each stage maps 0 to 0
/// (`0 / den`, `(0 + r·0)·inv`, `0 − cp·0`), so skipping it changes nothing.
pub(super) fn all_zero(c: &[f32]) -> bool {
    c.chunks(1024)
        .all(|ch| ch.iter().fold(0u32, |a, v| a | v.to_bits()) == 0)
}

/// An optional buffer cut into blocks of `block` values (`n` blocks).
pub(super) fn block_chunks(
    b: Option<&mut [f32]>,
    block: usize,
    n: usize,
) -> Vec<Option<&mut [f32]>> {
    match b {
        Some(b) => b.chunks_mut(block).map(Some).collect(),
        None => (0..n).map(|_| None).collect(),
    }
}

/// The earlier (lower index) of two optional bad values.
pub(super) fn first_bad(a: Option<(usize, f32)>, b: Option<(usize, f32)>) -> Option<(usize, f32)> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if x.0 <= y.0 { x } else { y }),
        (x, None) => x,
        (None, y) => y,
    }
}

/// A field's verdict: a bad value found in the reaction stage wins (it is
/// where the value arose); otherwise, if the sweeps' check failed, the first
/// bad value in memory order.
pub(super) fn settle_verdict(
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
pub(super) fn back_settled(cp: f32, next: Option<&[f32]>, cur: &mut [f32], hi: f32) -> bool {
    // Branch-free so it vectorises: keep NaN (it must be reported),
    // zero |v| < FLUSH_BELOW, and flag NaN, ±inf, negatives and values
    // above the bound.
    #[inline(always)]
    pub(super) fn settle(v: f32, hi: f32, bad: &mut u32) -> f32 {
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
pub(super) fn good(v: f32, hi: f32) -> bool {
    (-1e-6..=hi).contains(&v)
}
