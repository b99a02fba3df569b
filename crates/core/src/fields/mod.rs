//! Diffusing fields: storage (one contiguous `ndarray` per species), sampling
//! and gradients, and the implicit diffusion–decay solver ([`solver`]).
//!
//! Every field (and source buffer) is an `Array2<f32>` of shape
//! `(nz·ny, nx)`: the z layers one after another, each a `(ny, nx)` block
//! with x contiguous (see [`crate::grid`]). In 2D (`nz = 1`) that is the
//! plain `(ny, nx)` array.

pub mod solver;

use crate::grid::Grid;
use crate::SharedMut;
use ndarray::Array2;
use serde::{Deserialize, Serialize};

/// Concentrations of every field (part of the serializable state).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fields {
    /// Field names in order.
    pub names: Vec<String>,
    /// Unit labels.
    pub units: Vec<String>,
    /// One `(nz·ny, nx)` array per field (z-major layers; `(ny, nx)` in 2D).
    pub data: Vec<Array2<f32>>,
}

impl Fields {
    /// Fields of `grid` with uniform initial values.
    pub fn new(grid: &Grid, specs: &[(String, crate::scenario::FieldSpec)]) -> Self {
        Fields {
            names: specs.iter().map(|(n, _)| n.clone()).collect(),
            units: specs.iter().map(|(_, s)| s.unit.clone()).collect(),
            data: specs
                .iter()
                .map(|(_, s)| Array2::from_elem(grid.shape(), s.initial as f32))
                .collect(),
        }
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True when there are no fields.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Flat slice of field `f`.
    #[inline]
    pub fn slice(&self, f: usize) -> &[f32] {
        self.data[f].as_slice().expect("fields are standard layout")
    }

    /// Value of field `f` at flat index `i`.
    #[inline]
    pub fn at(&self, f: usize, i: usize) -> f32 {
        self.slice(f)[i]
    }

    /// Value of an optional field (0 when absent).
    #[inline]
    pub fn at_opt(&self, f: Option<usize>, i: usize) -> f32 {
        f.map_or(0.0, |f| self.slice(f)[i])
    }

    /// Central-difference in-plane gradient of field `f` at voxel (ix, iy)
    /// of layer `iz`, per µm (layer 0 is the whole field in 2D).
    #[inline]
    pub fn gradient(&self, grid: &Grid, f: usize, ix: usize, iy: usize, iz: usize) -> (f32, f32) {
        let plane = grid.layer_len();
        let s = &self.slice(f)[iz * plane..(iz + 1) * plane];
        let xm = ix.saturating_sub(1);
        let xp = (ix + 1).min(grid.nx - 1);
        let ym = iy.saturating_sub(1);
        let yp = (iy + 1).min(grid.ny - 1);
        let gx = (s[grid.idx(xp, iy)] - s[grid.idx(xm, iy)])
            / (((xp - xm).max(1)) as f64 * grid.dx_um) as f32;
        let gy = (s[grid.idx(ix, yp)] - s[grid.idx(ix, ym)])
            / (((yp - ym).max(1)) as f64 * grid.dx_um) as f32;
        (gx, gy)
    }

    /// Layer `iz` of field `f` (`nx·ny` values; the whole field in 2D).
    #[inline]
    pub fn layer(&self, grid: &Grid, f: usize, iz: usize) -> &[f32] {
        let plane = grid.layer_len();
        &self.slice(f)[iz * plane..(iz + 1) * plane]
    }

    /// Index of a field by name.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }
}

/// Source and uptake rates for one field step (scratch workspace, not state).
///
/// The solver applies `c ← (c + dt·S) / (1 + dt·U)` per voxel, then zeroes
/// `S` and `U`, so mechanisms only ever add to them. Each buffer remembers
/// whether anything was written to it this step, so the solver can skip
/// reading buffers that are still all zero (skipping changes no result).
#[derive(Debug, Clone)]
pub struct Sources {
    src: Vec<Array2<f32>>,
    uptake: Vec<Array2<f32>>,
    src_active: Vec<bool>,
    uptake_active: Vec<bool>,
}

impl Sources {
    /// Zeroed sources for `n` fields on `grid`.
    pub fn new(grid: &Grid, n: usize) -> Self {
        Sources {
            src: (0..n).map(|_| Array2::zeros(grid.shape())).collect(),
            uptake: (0..n).map(|_| Array2::zeros(grid.shape())).collect(),
            src_active: vec![false; n],
            uptake_active: vec![false; n],
        }
    }

    /// Add `rate` (unit/min) to field `f` at flat index `i`.
    #[inline]
    pub fn add(&mut self, f: usize, i: usize, rate: f32) {
        self.src_mut(f).as_slice_mut().expect("standard layout")[i] += rate;
    }

    /// Source rates of field `f` (unit/min), for writing.
    #[inline]
    pub fn src_mut(&mut self, f: usize) -> &mut Array2<f32> {
        self.src_active[f] = true;
        &mut self.src[f]
    }

    /// First-order uptake rates of field `f` (1/min), for writing.
    #[inline]
    pub fn uptake_mut(&mut self, f: usize) -> &mut Array2<f32> {
        self.uptake_active[f] = true;
        &mut self.uptake[f]
    }

    /// Source and uptake rates of field `f`, both for writing.
    #[inline]
    pub fn src_and_uptake_mut(&mut self, f: usize) -> (&mut Array2<f32>, &mut Array2<f32>) {
        self.src_active[f] = true;
        self.uptake_active[f] = true;
        (&mut self.src[f], &mut self.uptake[f])
    }

    /// Source rates of two different fields `a` and `b`, both for writing.
    ///
    /// # Panics
    /// If `a == b`.
    pub fn src_pair_mut(&mut self, a: usize, b: usize) -> (&mut Array2<f32>, &mut Array2<f32>) {
        assert_ne!(a, b, "two different fields");
        self.src_active[a] = true;
        self.src_active[b] = true;
        if a < b {
            let (lo, hi) = self.src.split_at_mut(b);
            (&mut lo[a], &mut hi[0])
        } else {
            let (lo, hi) = self.src.split_at_mut(a);
            (&mut hi[0], &mut lo[b])
        }
    }

    /// Source rates of the different fields `fields`, all for writing, as
    /// flat slices in that order.
    ///
    /// # Panics
    /// If a field appears twice.
    pub fn srcs_mut(&mut self, fields: &[usize]) -> Vec<&mut [f32]> {
        let mut all: Vec<Option<&mut Array2<f32>>> = self.src.iter_mut().map(Some).collect();
        fields
            .iter()
            .map(|&f| {
                self.src_active[f] = true;
                let a = all[f].take().expect("different fields");
                a.as_slice_mut().expect("standard layout")
            })
            .collect()
    }

    /// Zero every buffer (as after a solve).
    pub fn clear(&mut self) {
        for a in self.src.iter_mut().chain(self.uptake.iter_mut()) {
            a.fill(0.0);
        }
        self.src_active.fill(false);
        self.uptake_active.fill(false);
    }

    /// Source rates of field `f` (unit/min).
    pub fn src(&self, f: usize) -> &Array2<f32> {
        &self.src[f]
    }

    /// Uptake rates of field `f` (1/min).
    pub fn uptake(&self, f: usize) -> &Array2<f32> {
        &self.uptake[f]
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.src.len()
    }

    /// True when there are no fields.
    pub fn is_empty(&self) -> bool {
        self.src.is_empty()
    }

    /// Per field, the buffers written since the last solve (`None` for a
    /// buffer that is still all zero), marked clean again: the caller must
    /// leave them zeroed.
    pub(crate) fn take_active(&mut self) -> Vec<ActiveSources<'_>> {
        let mut out = Vec::with_capacity(self.src.len());
        for (((s, u), sa), ua) in self
            .src
            .iter_mut()
            .zip(self.uptake.iter_mut())
            .zip(self.src_active.iter_mut())
            .zip(self.uptake_active.iter_mut())
        {
            out.push((
                std::mem::take(sa).then(|| s.as_slice_mut().expect("standard layout")),
                std::mem::take(ua).then(|| u.as_slice_mut().expect("standard layout")),
            ));
        }
        out
    }
}

/// One field's written source and uptake buffers (see [`Sources::take_active`]).
pub(crate) type ActiveSources<'a> = (Option<&'a mut [f32]>, Option<&'a mut [f32]>);

/// In-place box blur of half-width `r` voxels (separable, edges renormalised).
/// Conserves the local mean; used to spread vessel O₂ exchange over the
/// tissue a capillary supplies (the Krogh radius).
pub fn box_blur(a: &mut Array2<f32>, r: usize) {
    use rayon::prelude::*;
    if r == 0 {
        return;
    }
    let nx = a.ncols();
    let s = a.as_slice_mut().expect("standard layout");
    s.par_chunks_mut(nx)
        .for_each_init(Vec::new, |tmp, row| blur_line(row, r, tmp));
    blur_all_columns(a, r);
}

/// The column pass of [`box_blur`] over every column, in place.
fn blur_all_columns(a: &mut Array2<f32>, r: usize) {
    use rayon::prelude::*;
    let ny = a.nrows();
    // A transposed copy in standard layout, so each of its rows is one
    // column of `a`.
    let mut t = a.t().as_standard_layout().into_owned();
    let ts = t.as_slice_mut().expect("standard layout");
    ts.par_chunks_mut(ny)
        .for_each_init(Vec::new, |tmp, col| blur_line(col, r, tmp));
    a.assign(&t.t());
}

/// Blur one contiguous line with half-width `r` (`tmp` is scratch for the
/// prefix sums). Each output depends only on the line, so any line can be
/// recomputed on its own with the same bits.
fn blur_line(line: &mut [f32], r: usize, tmp: &mut Vec<f64>) {
    let n = line.len();
    tmp.clear();
    tmp.push(0.0);
    let mut acc = 0.0f64;
    for &v in line.iter() {
        acc += v as f64;
        tmp.push(acc);
    }
    for (i, v) in line.iter_mut().enumerate() {
        let lo = i.saturating_sub(r);
        let hi = (i + r + 1).min(n);
        *v = ((tmp[hi] - tmp[lo]) / (hi - lo) as f64) as f32;
    }
}

/// A [`box_blur`] kept up to date as its input changes: only the rows whose
/// input changed are blurred again, and only the columns within `r` of a
/// changed voxel. Every recomputed line is computed whole by the same
/// operations as in [`box_blur`], so the result is bit-identical to blurring
/// the whole input again.
#[derive(Debug)]
pub struct IncrementalBlur {
    r: usize,
    /// The input of the last update.
    input: Array2<f32>,
    /// The row pass of `input`.
    rows: Array2<f32>,
    /// Scratch: rows whose input changed.
    dirty_rows: Vec<bool>,
    /// Scratch: columns where an input changed.
    changed_cols: Vec<std::sync::atomic::AtomicBool>,
    /// Scratch: columns the column pass must redo.
    dirty_cols: Vec<bool>,
    /// Scratch: the indices of the dirty columns.
    col_list: Vec<usize>,
}

impl IncrementalBlur {
    /// A blur of half-width `r` over a `(ny, nx)` grid whose input (and
    /// output) is all zero.
    pub fn new(ny: usize, nx: usize, r: usize) -> Self {
        IncrementalBlur {
            r,
            input: Array2::zeros((ny, nx)),
            rows: Array2::zeros((ny, nx)),
            dirty_rows: vec![false; ny],
            changed_cols: (0..nx)
                .map(|_| std::sync::atomic::AtomicBool::new(false))
                .collect(),
            dirty_cols: vec![false; nx],
            col_list: Vec::new(),
        }
    }

    /// Set the input to `value(flat index)` and bring `out` (the blur of the
    /// previous input, all zero at first) up to date with the blur of the
    /// new input.
    pub fn update(&mut self, out: &mut Array2<f32>, value: impl Fn(usize) -> f32 + Sync) {
        use rayon::prelude::*;
        use std::sync::atomic::Ordering;
        let nx = self.input.dim().1;
        let changed_cols = &self.changed_cols;
        // New input; note changed rows and columns.
        self.input
            .as_slice_mut()
            .expect("standard layout")
            .par_chunks_mut(nx)
            .zip(self.dirty_rows.par_iter_mut())
            .enumerate()
            .for_each(|(iy, (row, dirty))| {
                *dirty = false;
                for (ix, v) in row.iter_mut().enumerate() {
                    let new = value(iy * nx + ix);
                    if new.to_bits() != v.to_bits() {
                        *v = new;
                        *dirty = true;
                        changed_cols[ix].store(true, Ordering::Relaxed);
                    }
                }
            });
        self.propagate(out);
    }

    /// As [`IncrementalBlur::update`] when the input can only have changed at
    /// the flat indices in `changed`: only those are read again, so the cost
    /// no longer grows with the grid. Same result, bit for bit.
    pub fn update_at(
        &mut self,
        out: &mut Array2<f32>,
        changed: &[u32],
        value: impl Fn(usize) -> f32 + Sync,
    ) {
        use std::sync::atomic::Ordering;
        let nx = self.input.dim().1;
        self.dirty_rows.fill(false);
        let input = self.input.as_slice_mut().expect("standard layout");
        for &i in changed {
            let i = i as usize;
            let new = value(i);
            if new.to_bits() != input[i].to_bits() {
                input[i] = new;
                self.dirty_rows[i / nx] = true;
                self.changed_cols[i % nx].store(true, Ordering::Relaxed);
            }
        }
        self.propagate(out);
    }

    /// Blur again the lines that `dirty_rows` and `changed_cols` mark.
    fn propagate(&mut self, out: &mut Array2<f32>) {
        use rayon::prelude::*;
        use std::sync::atomic::Ordering;
        let (ny, nx) = self.input.dim();
        assert_eq!(out.dim(), (ny, nx), "output shape");
        let r = self.r;
        if !self.dirty_rows.iter().any(|&d| d) {
            return;
        }
        // Row pass of the changed rows; a change at column x reaches the
        // row-pass values of columns x − r ..= x + r.
        self.dirty_cols.fill(false);
        for (x, c) in self.changed_cols.iter().enumerate() {
            if c.swap(false, Ordering::Relaxed) {
                let hi = (x + r + 1).min(nx);
                self.dirty_cols[x.saturating_sub(r)..hi].fill(true);
            }
        }
        self.rows
            .as_slice_mut()
            .expect("standard layout")
            .par_chunks_mut(nx)
            .zip(
                self.input
                    .as_slice()
                    .expect("standard layout")
                    .par_chunks(nx),
            )
            .zip(self.dirty_rows.par_iter())
            .for_each_init(Vec::new, |tmp, ((row, inp), &dirty)| {
                if dirty {
                    row.copy_from_slice(inp);
                    if r > 0 {
                        blur_line(row, r, tmp);
                    }
                }
            });
        if r == 0 {
            out.assign(&self.rows);
            return;
        }
        // Column pass: every column when many changed (transposed, as in
        // `box_blur`), otherwise only the dirty ones (below).
        let ndirty = self.dirty_cols.iter().filter(|&&d| d).count();
        if 2 * ndirty > nx {
            out.assign(&self.rows);
            blur_all_columns(out, r);
            return;
        }
        // The dirty columns in groups, each walked row by row (rows are
        // contiguous in memory), with per column the operations of
        // `blur_line`: the prefix sums in f64 top to bottom, then each value
        // from the sums at the window's ends.
        self.col_list.clear();
        self.col_list
            .extend((0..nx).filter(|&x| self.dirty_cols[x]));
        let group = ndirty.div_ceil(2 * rayon::current_num_threads()).max(1);
        let rows = self.rows.as_slice().expect("standard layout");
        let dst = SharedMut(out.as_slice_mut().expect("standard layout").as_mut_ptr());
        self.col_list
            .par_chunks(group)
            .for_each_init(Vec::new, |pref: &mut Vec<f64>, cols| {
                let g = cols.len();
                pref.clear();
                pref.resize((ny + 1) * g, 0.0);
                for (iy, row) in rows.chunks_exact(nx).enumerate() {
                    for (j, &x) in cols.iter().enumerate() {
                        pref[(iy + 1) * g + j] = pref[iy * g + j] + row[x] as f64;
                    }
                }
                for iy in 0..ny {
                    let lo = iy.saturating_sub(r);
                    let hi = (iy + r + 1).min(ny);
                    for (j, &x) in cols.iter().enumerate() {
                        let v = ((pref[hi * g + j] - pref[lo * g + j]) / (hi - lo) as f64) as f32;
                        // SAFETY: the groups hold disjoint columns, so no two
                        // tasks write the same element, and `out` outlives
                        // the loop.
                        unsafe { *dst.get().add(iy * nx + x) = v };
                    }
                }
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incremental_blur_matches_a_full_blur_bitwise() {
        // `update` reads the whole input again, `update_at` only the listed
        // voxels; both must give the bits of a full blur.
        for (ny, nx, r) in [(23usize, 31usize, 2usize), (40, 17, 3), (9, 9, 0)] {
            let mut whole = IncrementalBlur::new(ny, nx, r);
            let mut at = IncrementalBlur::new(ny, nx, r);
            let mut out_whole = Array2::<f32>::zeros((ny, nx));
            let mut out_at = Array2::<f32>::zeros((ny, nx));
            let mut input = Array2::<f32>::zeros((ny, nx));
            for step in 0..6usize {
                // The listed voxels: every changed one, some unchanged ones
                // and a duplicate (no change at step 4).
                let mut listed = Vec::new();
                for ((iy, ix), v) in input.indexed_iter_mut() {
                    let h = (iy * 7919 + ix * 104_729 + step * 31) % 97;
                    let i = (iy * nx + ix) as u32;
                    // Step 5 changes a single voxel: few dirty columns.
                    let one = (iy, ix) == (ny / 2, nx / 3);
                    if step == 5 && one {
                        *v += 0.7;
                        listed.push(i);
                    } else if step == 2 || (step < 4 && h < 3) {
                        *v = [0.0, 1.2, 0.3][(h + step) % 3];
                        listed.push(i);
                    } else if h == 50 {
                        listed.push(i);
                    }
                }
                if let Some(&first) = listed.first() {
                    listed.push(first);
                }
                let flat = input.as_slice().unwrap().to_vec();
                whole.update(&mut out_whole, |i| flat[i]);
                at.update_at(&mut out_at, &listed, |i| flat[i]);
                let mut full = input.clone();
                box_blur(&mut full, r);
                let bits = |a: &Array2<f32>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                assert_eq!(
                    bits(&out_whole),
                    bits(&full),
                    "update, {ny}x{nx} r={r} step {step}"
                );
                assert_eq!(
                    bits(&out_at),
                    bits(&full),
                    "update_at, {ny}x{nx} r={r} step {step}"
                );
            }
        }
    }

    #[test]
    fn box_blur_spreads_a_point_along_both_axes() {
        for (ny, nx) in [(7usize, 7usize), (5, 9), (9, 5)] {
            let mut a = Array2::<f32>::zeros((ny, nx));
            let (cy, cx) = (ny / 2, nx / 2);
            a[[cy, cx]] = 9.0;
            box_blur(&mut a, 1);
            for ((iy, ix), &v) in a.indexed_iter() {
                let inside = iy.abs_diff(cy) <= 1 && ix.abs_diff(cx) <= 1;
                let want = if inside { 1.0 } else { 0.0 };
                assert!((v - want).abs() < 1e-6, "{ny}x{nx} at ({iy},{ix}): {v}");
            }
        }
    }
}
