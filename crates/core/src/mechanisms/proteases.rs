//! The protease balance: matrix metalloproteinases (the `mmp` field) held
//! in check by their tissue inhibitors (the `timp` field), and what the
//! free active MMP degrades.
//!
//! **Inhibition.** TIMPs bind active MMPs 1:1 with a sub-nanomolar to
//! nanomolar inhibition constant (Brew & Nagase 2010), far faster than
//! either changes, so the free active MMP is the tight-binding equilibrium
//! (Morrison's quadratic) of the activated enzyme `E` (the activated share
//! of the `mmp` field, in nM) with the inhibitor `I` (the `timp` field, in
//! nM): `a = ½[(E − I − K) + √((E − I − K)² + 4KE)]`. With TIMP in excess
//! `a ≈ KE/(I − E)` is small; with MMP in excess `a ≈ E − I`. A
//! protease-modulating treatment leaves `1 − inhibition_fraction` of the
//! activity.
//!
//! **What it degrades.** Free active MMP cleaves VEGF and the keratinocyte
//! growth factors (an extra first-order loss `k·a` per minute, added to the
//! fields' uptake every field step, so their effective half-life shortens
//! where proteases are in excess: Lauer 2000, Lee 2005), and it degrades
//! the bed's provisional matrix and collagen (`P ← P/(1 + k·a·Δt)` per
//! tissue step, implicit, so the matrix stays non-negative), and it speeds
//! the release of cells from their carrier (`mechanisms::msc_fate`). The MMP and
//! TIMP fields change only at their own (slow) step, so the free active
//! MMP is computed once after each of their solves ([`update_active`]) and
//! read at every field step.
//!
//! **The keratinocyte front.** Basal keratinocytes migrating over the bed
//! at the edge of re-epithelialisation express collagenase-1, normal
//! epidermis none (Saarialho-Kere 1993; Pilcher 1997): every closed voxel
//! that borders an open one (4-neighbourhood) is a front voxel and secretes
//! MMP into the bed layer ([`secrete_front`]); when the wound has closed
//! there is no front and no keratinocyte MMP.

use crate::fields::{Fields, Sources};
use crate::grid::Grid;
use crate::scenario::rates::{ProteaseRates, Vertical};
use crate::tissue::Tissue;
use ndarray::{Array2, Zip};
use rayon::prelude::*;

/// Free active MMP (nM) from an activated MMP of `e` nM and a TIMP of `i`
/// nM with inhibition constant `k` nM (Morrison's tight-binding
/// equilibrium), computed without cancellation on either side.
#[inline]
pub fn free_active_nm(e: f32, i: f32, k: f32) -> f32 {
    let (e, i) = (e.max(0.0), i.max(0.0));
    let d = e - i - k;
    let s = (d * d + 4.0 * k * e).sqrt();
    if d >= 0.0 {
        0.5 * (d + s)
    } else if s - d > 0.0 {
        2.0 * k * e / (s - d)
    } else {
        0.0
    }
}

/// What [`update_active`] reads and writes.
pub struct ActiveMmp<'a> {
    /// Parameters.
    pub rates: &'a ProteaseRates,
    /// Fields (read: `mmp` and `timp`).
    pub fields: &'a Fields,
    /// The free active MMP per voxel, nM (written; the fields' shape).
    pub active: &'a mut Vec<f32>,
}

/// Compute the free active MMP of every voxel. Without an `mmp` field the
/// map is empty; without a `timp` field the activated MMP is all free.
pub fn update_active(v: ActiveMmp<'_>) {
    let ActiveMmp {
        rates: r,
        fields,
        active,
    } = v;
    let Some(mmp) = r.mmp else {
        active.clear();
        return;
    };
    let m = fields.slice(mmp);
    active.resize(m.len(), 0.0);
    let (ce, ci, k, left) = (
        r.active_nm_per_ng_per_ml,
        r.timp_nm_per_ng_per_ml,
        r.ki_nm,
        r.activity_left,
    );
    match r.timp.map(|t| fields.slice(t)) {
        Some(t) => active
            .par_iter_mut()
            .zip(m.par_iter().zip(t.par_iter()))
            .with_min_len(4096)
            .for_each(|(a, (&m, &t))| *a = left * free_active_nm(ce * m, ci * t, k)),
        None => active
            .par_iter_mut()
            .zip(m.par_iter())
            .with_min_len(4096)
            .for_each(|(a, &m)| *a = left * (ce * m).max(0.0)),
    }
}

/// What [`cleave`] reads and writes in one field step.
pub struct Cleavage<'a> {
    /// Parameters (the cleaved fields and their rate per nM).
    pub rates: &'a ProteaseRates,
    /// The free active MMP per voxel (nM), from [`update_active`].
    pub active: &'a [f32],
    /// Source and uptake buffers (written: uptake of the cleaved fields).
    pub sources: &'a mut Sources,
}

/// Add the growth factors' cleavage by free active MMP to their uptake.
pub fn cleave(v: Cleavage<'_>) {
    let Cleavage {
        rates: r,
        active,
        sources,
    } = v;
    if active.is_empty() {
        return;
    }
    for &(f, k) in &r.cleaved {
        let u = sources
            .uptake_mut(f)
            .as_slice_mut()
            .expect("standard layout");
        u.par_iter_mut()
            .zip(active.par_iter())
            .with_min_len(4096)
            .for_each(|(u, &a)| *u += k * a);
    }
}

/// True when the voxel at row `iy`, column `ix` of an `nx`-wide, `ny`-high
/// open-wound map `open` is closed and borders an open voxel (its four
/// neighbours): a voxel of the epithelial front.
#[inline]
pub fn is_front(open: &[u8], nx: usize, ny: usize, iy: usize, ix: usize) -> bool {
    let i = iy * nx + ix;
    open[i] == 0
        && ((ix > 0 && open[i - 1] != 0)
            || (ix + 1 < nx && open[i + 1] != 0)
            || (iy > 0 && open[i - nx] != 0)
            || (iy + 1 < ny && open[i + nx] != 0))
}

/// What [`secrete_front`] reads and writes in one field step.
pub struct FrontSecretion<'a> {
    /// Parameters (the front's MMP secretion per voxel).
    pub rates: &'a ProteaseRates,
    /// Where the bed layer is (the front secretes into it).
    pub vertical: &'a Vertical,
    /// The open wound (read: 1 open, 0 closed).
    pub open: &'a Array2<u8>,
    /// Source buffers (written: the `mmp` field's).
    pub sources: &'a mut Sources,
}

/// Add the keratinocyte front's MMP secretion to the `mmp` field's sources.
pub fn secrete_front(v: FrontSecretion<'_>) {
    let FrontSecretion {
        rates: r,
        vertical,
        open,
        sources,
    } = v;
    let k = r.front_mmp_ng_per_ml_per_min;
    let Some(mmp) = r.mmp.filter(|_| k > 0.0) else {
        return;
    };
    let (ny, nx) = open.dim();
    let o = open.as_slice().expect("standard layout");
    let s = sources
        .src_mut(mmp)
        .as_slice_mut()
        .expect("standard layout");
    let bed = &mut s[vertical.bed * ny * nx..(vertical.bed + 1) * ny * nx];
    bed.par_chunks_mut(nx)
        .enumerate()
        .with_min_len(16)
        .for_each(|(iy, row)| {
            for (ix, s) in row.iter_mut().enumerate() {
                if is_front(o, nx, ny, iy, ix) {
                    *s += k;
                }
            }
        });
}

/// What [`degrade_matrix`] reads and writes in one tissue step.
pub struct MatrixDegradation<'a> {
    /// Parameters.
    pub rates: &'a ProteaseRates,
    /// Where the bed layer is (the matrix maps are the bed's).
    pub vertical: &'a Vertical,
    /// Grid geometry.
    pub grid: &'a Grid,
    /// The free active MMP per voxel (nM).
    pub active: &'a [f32],
    /// Tissue (written: provisional matrix and collagen).
    pub tissue: &'a mut Tissue,
}

/// Degrade the bed's provisional matrix and collagen by the free active
/// MMP of the bed layer, implicitly (`P ← P/(1 + k·a)`).
pub fn degrade_matrix(v: MatrixDegradation<'_>) {
    let MatrixDegradation {
        rates: r,
        vertical,
        grid: g,
        active,
        tissue,
    } = v;
    if active.is_empty() {
        return;
    }
    let off = vertical.bed * g.layer_len();
    let bed = &active[off..off + g.layer_len()];
    let (kp, kc) = (r.matrix_per_nm_per_step, r.collagen_per_nm_per_step);
    Zip::from(&mut tissue.provisional)
        .and(&mut tissue.collagen)
        .and(ndarray::ArrayView2::from_shape((g.ny, g.nx), bed).expect("bed layer shape"))
        .par_for_each(|p, c, &a| {
            *p /= 1.0 + kp * a;
            *c /= 1.0 + kc * a;
        });
}

/// The protease balance over the voxels of the bed layer where `foot` is 1:
/// the mean free active MMP (nM) and the molar ratio of the mean total MMP
/// to the mean TIMP (NaN without both fields or without footprint).
pub fn wound_balance(p: &crate::scenario::Params, fields: &Fields, foot: &[u8]) -> (f64, f64) {
    let r = ProteaseRates::new(p);
    let Some(mmp) = r.mmp else {
        return (f64::NAN, f64::NAN);
    };
    let layer = |f: usize| fields.layer(&p.grid, f, p.depth.bed);
    let m = layer(mmp);
    let t = r.timp.map(layer);
    let k = r.ki_nm;
    let (mut n, mut active, mut m_sum, mut t_sum) = (0usize, 0.0f64, 0.0f64, 0.0f64);
    for (v, _) in foot.iter().enumerate().filter(|(_, &f)| f == 1) {
        let e = r.active_nm_per_ng_per_ml * m[v];
        let i = t.map_or(0.0, |t| r.timp_nm_per_ng_per_ml * t[v]);
        active += (r.activity_left * free_active_nm(e, i, k)) as f64;
        m_sum += m[v] as f64;
        t_sum += t.map_or(0.0, |t| t[v] as f64);
        n += 1;
    }
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let ratio = if r.timp.is_some() && t_sum > 0.0 {
        (m_sum * r.mmp_nm_per_ng_per_ml as f64) / (t_sum * r.timp_nm_per_ng_per_ml as f64)
    } else {
        f64::NAN
    };
    (active / n as f64, ratio)
}

#[cfg(test)]
mod tests {
    use super::free_active_nm;

    /// Morrison's quadratic solved in f64 the textbook way.
    fn reference(e: f64, i: f64, k: f64) -> f64 {
        let d = e - i - k;
        0.5 * (d + (d * d + 4.0 * k * e).sqrt())
    }

    #[test]
    fn free_active_mmp_is_morrisons_equilibrium_and_within_its_bounds() {
        for &(e, i, k) in &[
            (1.0f32, 0.0f32, 0.5f32),
            (1.0, 0.5, 0.5),
            (1.0, 1.0, 0.5),
            (1.0, 10.0, 0.5),
            (10.0, 1.0, 0.1),
            (0.01, 5.0, 0.5),
            (3.0, 2.0, 1e-3),
        ] {
            let a = free_active_nm(e, i, k);
            let want = reference(e as f64, i as f64, k as f64);
            assert!(
                ((a as f64) - want).abs() <= 1e-5 * want.max(1e-6),
                "E {e} I {i} K {k}: {a} vs {want}"
            );
            // Free enzyme never exceeds the enzyme, nor falls below the
            // excess over the inhibitor.
            assert!(
                a <= e + 1e-6 && a >= (e - i).max(0.0) - 1e-5,
                "E {e} I {i}: {a}"
            );
            // The equilibrium holds: K = a·(I − (E − a)) / (E − a).
            let bound = e - a;
            if bound > 1e-3 && i - bound > 1e-3 {
                let k_back = a * (i - bound) / bound;
                assert!(
                    (k_back - k).abs() < 2e-3 * k.max(1.0),
                    "K back {k_back} vs {k}"
                );
            }
        }
        // Far more inhibitor than enzyme: no cancellation to zero.
        let a = free_active_nm(1e-3, 100.0, 0.5);
        assert!(a > 0.0 && (a - 0.5e-3 / 100.0).abs() < 1e-7, "{a}");
        assert_eq!(free_active_nm(0.0, 1.0, 0.5), 0.0);
    }

    #[test]
    fn more_inhibitor_means_less_free_active_mmp() {
        let mut last = f32::INFINITY;
        for i in [0.0f32, 0.25, 0.5, 1.0, 2.0, 4.0] {
            let a = free_active_nm(1.0, i, 0.5);
            assert!(a < last, "I {i}: {a} not below {last}");
            last = a;
        }
    }
}
