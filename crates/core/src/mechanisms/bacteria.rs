//! Bacteria and biofilm on the open wound bed (tissue steps).
//!
//! Two per-voxel maps, each a fraction of the bed's carrying capacity
//! (0–1, `P + B ≤ 1`): planktonic bacteria `P` and biofilm `B`. Per open
//! voxel and tissue step `dt`, in this order:
//!
//! 1. **Growth** (logistic, shared capacity): without crowding `P` grows by
//!    `e_P = e^(r·dt)` and `B` by `e_B = 1 + (e^(r_B·dt) − 1)·B/(B + q)`
//!    (`r = ln 2 / doubling time`, `r_B = r × bacteria.biofilm_growth_mult`;
//!    a sparse biofilm below the quorum `q = bacteria.biofilm_quorum` grows
//!    slower, so a few attached bacteria in a well-defended bed die out while
//!    an established biofilm persists); crowding divides both by
//!    `1 − N + P·e_P + B·e_B` (`N = P + B`). With planktonic bacteria alone
//!    this is the exact logistic solution `N e/(1 + N(e − 1))`; `N` stays in
//!    [0, 1].
//! 2. **Attachment and dispersal**: `P → B` at `a`, `B → P` at `d`, solved
//!    exactly (the voxel's total is kept, its planktonic share relaxes to
//!    `d/(a + d)` by `e^(−(a+d)dt)`).
//! 3. **Killing**, each a hazard: `P` dies at
//!    `k_P = host + k_N·n_N + k_M·n_M1 + k_MSC·n_MSC + antibiotic + control`,
//!    `B` at `m_host·(host + k_N·n_N + k_M·n_M1 + k_MSC·n_MSC) +
//!    m_abx·antibiotic + control` (biofilm is tolerant: `m_host` =
//!    `bacteria.biofilm_host_kill_mult`, `m_abx` =
//!    `bacteria.biofilm_antibiotic_kill_mult`, MBEC ≫ MIC, Ceri 1999);
//!    `n_X` is the live neutrophils, M1 macrophages (polarization < 0.5) and
//!    live MSCs per voxel over the voxel's 100 µm bin, counted once per step.
//!    The MSC term is their antimicrobial peptides (LL-37, Krasnodembskaya
//!    2010; size assumption). The kill factors `e^(−k·dt)` are computed once
//!    per bin.
//! 4. **Spreading** of planktonic bacteria over the open wound: explicit
//!    conservative 5-point steps, a flux `ν (P_u − P_v)` between every pair
//!    of open neighbours (none across closed or intact tissue), in
//!    `spread_substeps` sub-steps of `ν ≤ 1/4` (positivity-preserving; the
//!    total is conserved); where biofilm fills a voxel, planktonic bacteria
//!    that would push it over capacity are lost (`P ≤ 1 − B`).
//!
//! A voxel that the epithelium has covered loses its bacteria (assumption:
//! the closed epidermis is a barrier; bacteria are counted on the open bed).
//! Afterwards [`refresh_mean`] sets `Tissue::bioburden`, the open wound's
//! mean burden. Debridement ([`debride`], called by `care`) removes
//! `bacteria.debridement_biofilm_removal` of the biofilm and half the
//! planktonic bacteria.
//!
//! Readers: tissue sources (TNF-α and ROS ∝ the local burden: bacterial
//! PAMPs), macrophage polarization (the local burden in the M1 drive),
//! closure (the front slows over a colonised voxel) and neutrophil
//! recruitment (the open wound's mean burden, from `Tissue::bioburden`).
//! Every step is per voxel or per bin, so results do not depend on the
//! thread count.

use crate::agents::{msc_state, neutrophil_state, Macrophages, Mscs, Neutrophils};
use crate::grid::Grid;
use crate::scenario::rates::BacteriaRates;
use crate::tissue::Tissue;
use ndarray::{Array2, Axis, Zip};
use rayon::prelude::*;

/// Edge of the bins in which cells are counted (µm, at least a voxel).
pub const COUNT_BIN_UM: f64 = 100.0;

/// Scratch memory of the bacteria (kept between steps, no allocation in
/// the step).
#[derive(Debug, Clone)]
pub struct Scratch {
    /// The next planktonic map of a spreading sub-step (swapped in).
    pub next: Array2<f32>,
    /// Bins along x.
    pub nbx: usize,
    /// Bins along y.
    pub nby: usize,
    /// Bin edge (µm).
    pub bin_um: f64,
    /// Voxels per bin (for cells per voxel).
    pub voxels_per_bin: f64,
    /// Per bin: live neutrophils, M1 macrophages, live MSCs.
    pub counts: Vec<[u32; 3]>,
    /// Per bin: the kill factors (planktonic, biofilm) of this step.
    pub kill: Vec<(f32, f32)>,
    /// Bin column of each voxel column.
    pub col_bin: Vec<u32>,
    /// Bin row of each voxel row.
    pub row_bin: Vec<u32>,
    /// Per voxel row: (open voxels, planktonic, biofilm, voxels with
    /// biofilm) of the last mean.
    pub row_sums: Vec<(u64, f64, f64, u64)>,
}

impl Scratch {
    /// Scratch for `grid`.
    pub fn new(g: &Grid) -> Self {
        let bin_um = COUNT_BIN_UM.max(g.dx_um);
        let nbx = (g.width_um() / bin_um).ceil().max(1.0) as usize;
        let nby = (g.height_um() / bin_um).ceil().max(1.0) as usize;
        let bin =
            |i: usize, n: usize| (((i as f64 + 0.5) * g.dx_um / bin_um) as usize).min(n - 1) as u32;
        Scratch {
            col_bin: (0..g.nx).map(|ix| bin(ix, nbx)).collect(),
            row_bin: (0..g.ny).map(|iy| bin(iy, nby)).collect(),
            row_sums: vec![(0, 0.0, 0.0, 0); g.ny],
            next: Array2::zeros((g.ny, g.nx)),
            nbx,
            nby,
            bin_um,
            voxels_per_bin: (bin_um / g.dx_um).powi(2),
            counts: vec![[0; 3]; nbx * nby],
            kill: vec![(1.0, 1.0); nbx * nby],
        }
    }

    #[inline]
    fn bin_of(&self, x: f32, y: f32) -> usize {
        let bx = ((x as f64 / self.bin_um) as usize).min(self.nbx - 1);
        let by = ((y as f64 / self.bin_um) as usize).min(self.nby - 1);
        by * self.nbx + bx
    }
}

/// What the bacteria read and write in one tissue step.
pub struct BacteriaStep<'a> {
    /// Parameters.
    pub rates: &'a BacteriaRates,
    /// Grid geometry.
    pub grid: &'a Grid,
    /// Neutrophils (read: the live cells' positions).
    pub neutrophils: &'a Neutrophils,
    /// Macrophages (read: the M1 cells' positions).
    pub macs: &'a Macrophages,
    /// MSCs (read: the live cells' positions).
    pub mscs: &'a Mscs,
    /// Tissue (read: the open wound; written: planktonic and biofilm maps
    /// and their open-wound mean).
    pub tissue: &'a mut Tissue,
    /// Scratch memory.
    pub scratch: &'a mut Scratch,
}

/// Seed the bacteria of a new run: `burden` on every open voxel, of which
/// `biofilm_share` is biofilm when `biofilm` (an established biofilm) and
/// none otherwise.
pub fn seed(tissue: &mut Tissue, burden: f64, biofilm: bool, biofilm_share: f64) {
    let burden = burden.clamp(0.0, 1.0);
    let share = if biofilm {
        biofilm_share.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let b = (burden * share) as f32;
    let p = ((burden - burden * share) as f32).max(0.0);
    Zip::from(&mut tissue.planktonic)
        .and(&mut tissue.biofilm)
        .and(&tissue.open)
        .for_each(|pl, bf, &o| {
            *pl = if o != 0 { p } else { 0.0 };
            *bf = if o != 0 { b } else { 0.0 };
        });
    refresh_mean(tissue);
}

/// Growth over one step of a voxel's planktonic `p` and biofilm `b` with
/// uncrowded growth factors `ep` and `eb` (`eb` at a mature biofilm; below
/// the quorum `q` its growth is × b/(b + q)), logistic with a shared
/// capacity.
#[inline]
pub fn grow(p: f32, b: f32, ep: f32, eb: f32, q: f32) -> (f32, f32) {
    let eb = if b > 0.0 {
        1.0 + (eb - 1.0) * b / (b + q)
    } else {
        1.0
    };
    let (gp, gb) = (p * ep, b * eb);
    let d = 1.0 - (p + b) + gp + gb;
    if d > 0.0 {
        ((gp / d).min(1.0), (gb / d).min(1.0))
    } else {
        (p, b)
    }
}

/// Attachment and dispersal over one step, exact: the total is kept and
/// the planktonic share relaxes to `eq` by `decay`.
#[inline]
pub fn exchange(p: f32, b: f32, eq: f32, decay: f32) -> (f32, f32) {
    let n = p + b;
    let pe = eq * n;
    let p2 = (pe + (p - pe) * decay).clamp(0.0, n);
    (p2, (n - p2).max(0.0))
}

/// One tissue step of the bacteria (see the module docs).
pub fn update(v: BacteriaStep<'_>) {
    let BacteriaStep {
        rates: r,
        grid,
        neutrophils,
        macs,
        mscs,
        tissue,
        scratch,
    } = v;
    let g = *grid;
    count_cells(scratch, neutrophils, macs, mscs);
    kill_factors(r, scratch);
    react(r, &g, tissue, scratch);
    for _ in 0..r.spread_substeps {
        spread_once(r.spread_per_substep, tissue, &mut scratch.next);
    }
    tissue.bioburden = means_by_rows(tissue, f32::INFINITY, &mut scratch.row_sums).0;
}

/// Live neutrophils, M1 macrophages and live MSCs per bin.
fn count_cells(s: &mut Scratch, ns: &Neutrophils, macs: &Macrophages, mscs: &Mscs) {
    s.counts.iter_mut().for_each(|c| *c = [0; 3]);
    for i in 0..ns.len() {
        if ns.state[i] == neutrophil_state::LIVE {
            let b = s.bin_of(ns.x[i], ns.y[i]);
            s.counts[b][0] += 1;
        }
    }
    for i in 0..macs.len() {
        if macs.pol[i] < 0.5 {
            let b = s.bin_of(macs.x[i], macs.y[i]);
            s.counts[b][1] += 1;
        }
    }
    for i in 0..mscs.len() {
        if mscs.state[i] == msc_state::LIVE {
            let b = s.bin_of(mscs.x[i], mscs.y[i]);
            s.counts[b][2] += 1;
        }
    }
}

/// The kill factors e^(−k·dt) of planktonic and biofilm bacteria per bin.
fn kill_factors(r: &BacteriaRates, s: &mut Scratch) {
    let per_voxel = 1.0 / s.voxels_per_bin;
    let dt = r.dt_days;
    let Scratch { counts, kill, .. } = s;
    kill.par_iter_mut()
        .zip(counts.par_iter())
        .for_each(|(k, c)| {
            // Each term is a non-negative product, 0 when either factor is
            // (so an infinite rate with no cells, or a zero multiplier of
            // an infinite hazard, adds nothing instead of NaN).
            let host = r.host_clearance_per_day
                + term(r.neutrophil_kill_per_cell_per_day, c[0] as f64 * per_voxel)
                + term(r.m1_kill_per_cell_per_day, c[1] as f64 * per_voxel)
                + term(r.msc_peptide_kill_per_cell_per_day, c[2] as f64 * per_voxel);
            let kp = host + r.antibiotic_kill_per_day + r.infection_control_per_day;
            let kb = term(r.biofilm_host_kill_mult, host)
                + term(r.biofilm_antibiotic_kill_mult, r.antibiotic_kill_per_day)
                + r.infection_control_per_day;
            *k = (
                crate::math::exp(-kp * dt) as f32,
                crate::math::exp(-kb * dt) as f32,
            );
        });
}

/// `rate · x`, 0 when either is 0.
#[inline]
fn term(rate: f64, x: f64) -> f64 {
    if rate > 0.0 && x > 0.0 {
        rate * x
    } else {
        0.0
    }
}

/// Growth, exchange and killing on every voxel (bacteria cleared where
/// the wound is closed).
fn react(r: &BacteriaRates, g: &Grid, tissue: &mut Tissue, s: &Scratch) {
    debug_assert_eq!(s.col_bin.len(), g.nx);
    let (ep, eb, q) = (r.growth_factor, r.biofilm_growth_factor, r.biofilm_quorum);
    let (eq, decay) = (r.planktonic_equilibrium, r.exchange_decay);
    let nx = g.nx;
    Zip::indexed(tissue.planktonic.axis_iter_mut(Axis(0)))
        .and(tissue.biofilm.axis_iter_mut(Axis(0)))
        .and(tissue.open.axis_iter(Axis(0)))
        .par_for_each(|iy, mut prow, mut brow, orow| {
            let bin_row = s.row_bin[iy] as usize * s.nbx;
            for ix in 0..nx {
                if orow[ix] == 0 {
                    prow[ix] = 0.0;
                    brow[ix] = 0.0;
                    continue;
                }
                let (p, b) = (prow[ix], brow[ix]);
                if p + b <= 0.0 {
                    continue;
                }
                let (p, b) = grow(p, b, ep, eb, q);
                let (p, b) = exchange(p, b, eq, decay);
                let (kp, kb) = s.kill[bin_row + s.col_bin[ix] as usize];
                prow[ix] = p * kp;
                brow[ix] = b * kb;
            }
        });
}

/// One explicit spreading sub-step of the planktonic map over the open
/// wound (`nu` per neighbour pair, ≤ 0.25), through `next`, which is then
/// swapped in.
pub fn spread_once(nu: f32, tissue: &mut Tissue, next: &mut Array2<f32>) {
    let (ny, nx) = tissue.planktonic.dim();
    {
        let p = tissue.planktonic.as_slice().expect("standard layout");
        let bf = tissue.biofilm.as_slice().expect("standard layout");
        let open = tissue.open.as_slice().expect("standard layout");
        next.axis_iter_mut(Axis(0))
            .into_par_iter()
            .enumerate()
            .for_each(|(iy, mut row)| {
                for ix in 0..nx {
                    let v = iy * nx + ix;
                    if open[v] == 0 {
                        row[ix] = 0.0;
                        continue;
                    }
                    let pv = p[v];
                    let mut flux = 0.0f32;
                    if ix > 0 && open[v - 1] != 0 {
                        flux += p[v - 1] - pv;
                    }
                    if ix + 1 < nx && open[v + 1] != 0 {
                        flux += p[v + 1] - pv;
                    }
                    if iy > 0 && open[v - nx] != 0 {
                        flux += p[v - nx] - pv;
                    }
                    if iy + 1 < ny && open[v + nx] != 0 {
                        flux += p[v + nx] - pv;
                    }
                    row[ix] = (pv + nu * flux).max(0.0).min(1.0 - bf[v]).max(0.0);
                }
            });
    }
    std::mem::swap(&mut tissue.planktonic, next);
}

/// Set `Tissue::bioburden` to the open wound's mean burden (planktonic +
/// biofilm; 0 without an open wound), summed in voxel order.
pub fn refresh_mean(tissue: &mut Tissue) {
    tissue.bioburden = open_means(tissue).0;
}

/// [`open_means_with`] with per-row sums computed in parallel into
/// `rows` (one entry per voxel row), then added in row order: the same
/// value at any thread count.
pub fn means_by_rows(
    tissue: &Tissue,
    threshold: f32,
    rows: &mut [(u64, f64, f64, u64)],
) -> (f64, f64, f64, f64) {
    rows.par_iter_mut()
        .zip(tissue.open.axis_iter(Axis(0)).into_par_iter())
        .zip(tissue.planktonic.axis_iter(Axis(0)).into_par_iter())
        .zip(tissue.biofilm.axis_iter(Axis(0)).into_par_iter())
        .for_each(|(((acc, o), p), b)| {
            let (mut n, mut sp, mut sb, mut nb) = (0u64, 0.0f64, 0.0f64, 0u64);
            for ((&o, &p), &b) in o.iter().zip(p.iter()).zip(b.iter()) {
                if o != 0 {
                    n += 1;
                    sp += p as f64;
                    sb += b as f64;
                    nb += (b >= threshold) as u64;
                }
            }
            *acc = (n, sp, sb, nb);
        });
    let (mut n, mut sp, mut sb, mut nb) = (0u64, 0.0f64, 0.0f64, 0u64);
    for &(a, b, c, d) in rows.iter() {
        n += a;
        sp += b;
        sb += c;
        nb += d;
    }
    if n == 0 {
        return (0.0, 0.0, 0.0, 0.0);
    }
    let n = n as f64;
    ((sp + sb) / n, sp / n, sb / n, nb as f64 / n)
}

/// Means over the open wound: (planktonic + biofilm, planktonic, biofilm),
/// and the share of open voxels whose biofilm is at least `threshold`;
/// zeros without an open wound. Summed row by row, the rows in order (f64;
/// the same value as [`means_by_rows`]).
pub fn open_means_with(tissue: &Tissue, threshold: f32) -> (f64, f64, f64, f64) {
    let mut rows = vec![(0, 0.0, 0.0, 0); tissue.open.nrows()];
    means_by_rows(tissue, threshold, &mut rows)
}

/// The old sequential sum (kept private for the unit test that checks the
/// row sums against it).
#[cfg(test)]
fn open_means_sequential(tissue: &Tissue, threshold: f32) -> (f64, f64, f64, f64) {
    let (mut n, mut sp, mut sb, mut nb) = (0u64, 0.0f64, 0.0f64, 0u64);
    for ((&o, &p), &b) in tissue
        .open
        .iter()
        .zip(tissue.planktonic.iter())
        .zip(tissue.biofilm.iter())
    {
        if o != 0 {
            n += 1;
            sp += p as f64;
            sb += b as f64;
            nb += (b >= threshold) as u64;
        }
    }
    if n == 0 {
        return (0.0, 0.0, 0.0, 0.0);
    }
    let n = n as f64;
    ((sp + sb) / n, sp / n, sb / n, nb as f64 / n)
}

fn open_means(tissue: &Tissue) -> (f64, f64, f64) {
    let (t, p, b, _) = open_means_with(tissue, f32::INFINITY);
    (t, p, b)
}

/// Sharp debridement of the bacteria: removes `biofilm_removal` of the
/// biofilm and half the planktonic bacteria, then refreshes the mean.
pub fn debride(tissue: &mut Tissue, biofilm_removal: f32) {
    let keep = (1.0 - biofilm_removal).clamp(0.0, 1.0);
    tissue.biofilm.par_mapv_inplace(|b| b * keep);
    tissue.planktonic.par_mapv_inplace(|p| p * 0.5);
    refresh_mean(tissue);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A uniform, fully open bed of `n × n` voxels.
    fn bed(n: usize, p: f32, b: f32) -> Tissue {
        let z = || Array2::<f32>::zeros((n, n));
        Tissue {
            open: Array2::from_elem((n, n), 1),
            footprint: Array2::from_elem((n, n), 1),
            vessel: Array2::zeros((n, n)),
            vessel_age_d: z(),
            debris: z(),
            depot: z(),
            provisional: z(),
            collagen: z(),
            planktonic: Array2::from_elem((n, n), p),
            biofilm: Array2::from_elem((n, n), b),
            bioburden: 0.0,
            open0: (n * n) as u64,
            footprint_count: (n * n) as u64,
        }
    }

    #[test]
    fn logistic_growth_matches_the_analytic_solution() {
        // Planktonic only, no exchange, no killing: P(t) = P0 e^rt / (1 + P0 (e^rt − 1)).
        let (r, dt, p0) = (1.2f64, 1.0 / 24.0, 0.01f64);
        let ep = (r * dt).exp() as f32;
        let mut p = p0 as f32;
        for step in 1..=24 * 14 {
            p = grow(p, 0.0, ep, 1.0, 0.05).0;
            let t = step as f64 * dt;
            let e = (r * t).exp();
            let exact = p0 * e / (1.0 + p0 * (e - 1.0));
            assert!(
                (p as f64 - exact).abs() < 1e-4,
                "day {t}: {p} against the analytic {exact}"
            );
        }
        assert!(p > 0.999, "saturates at the capacity: {p}");
    }

    #[test]
    fn growth_keeps_the_total_within_capacity() {
        for &(p, b) in &[
            (0.5f32, 0.5f32),
            (0.9, 0.1),
            (0.0, 1.0),
            (0.3, 0.0),
            (1e-6, 0.7),
        ] {
            let (p2, b2) = grow(p, b, 1.5, 1.1, 0.05);
            assert!(p2 >= 0.0 && b2 >= 0.0 && p2 + b2 <= 1.0 + 1e-6, "{p2} {b2}");
            assert!(p2 + b2 >= p + b - 1e-6, "growth never loses bacteria");
            let (p3, b3) = exchange(p2, b2, 0.2, 0.5);
            assert!(
                (p3 + b3 - (p2 + b2)).abs() < 1e-6,
                "exchange keeps the total"
            );
            assert!(p3 >= 0.0 && b3 >= 0.0);
        }
    }

    #[test]
    fn spreading_conserves_mass_and_stays_positive() {
        let n = 40;
        let mut t = bed(n, 0.0, 0.0);
        // A closed ring around the outside and a colonised patch.
        for i in 0..n {
            for j in [0, n - 1] {
                t.open[(i, j)] = 0;
                t.open[(j, i)] = 0;
            }
        }
        for iy in 5..10 {
            for ix in 5..10 {
                t.planktonic[(iy, ix)] = 0.8;
            }
        }
        let m0: f64 = t.planktonic.iter().map(|&v| v as f64).sum();
        let mut next = Array2::zeros((n, n));
        for _ in 0..400 {
            spread_once(0.2, &mut t, &mut next);
            assert!(t.planktonic.iter().all(|&v| v >= 0.0));
        }
        let m1: f64 = t.planktonic.iter().map(|&v| v as f64).sum();
        assert!(
            (m1 - m0).abs() < 1e-4 * m0,
            "mass {m0} before, {m1} after 400 spreading sub-steps"
        );
        // It spread: the far corner of the open wound holds bacteria, the
        // closed ring none.
        assert!(t.planktonic[(n - 3, n - 3)] > 0.0);
        assert!((0..n).all(|i| t.planktonic[(0, i)] == 0.0));
        let max = t.planktonic.iter().cloned().fold(0.0f32, f32::max);
        assert!(max < 0.8, "the patch flattens: max {max}");
    }

    #[test]
    fn a_sparse_biofilm_grows_slower_than_a_mature_one() {
        let eb = 1.2f32;
        let sparse = grow(0.0, 0.01, 1.0, eb, 0.05).1 / 0.01;
        let mature = grow(0.0, 0.5, 1.0, eb, 0.05).1 / 0.5;
        // Uncrowded, the sparse film grows by 1 + 0.2/6; crowding slows the
        // mature one, whose uncrowded factor is 1 + 0.2·0.5/0.55.
        assert!(sparse < 1.04 && sparse > 1.0, "sparse {sparse}");
        assert!(mature > sparse, "mature {mature}, sparse {sparse}");
    }

    #[test]
    fn row_sums_equal_the_voxel_order_sum() {
        let mut t = bed(30, 0.0, 0.0);
        for (i, (p, b)) in t
            .planktonic
            .iter_mut()
            .zip(t.biofilm.iter_mut())
            .enumerate()
        {
            *p = ((i * 37) % 101) as f32 / 250.0;
            *b = ((i * 11) % 53) as f32 / 200.0;
        }
        t.open[(3, 4)] = 0;
        let a = open_means_with(&t, 0.1);
        let b = open_means_sequential(&t, 0.1);
        assert!((a.0 - b.0).abs() < 1e-12 && (a.3 - b.3).abs() < 1e-12);
    }

    #[test]
    fn debridement_removes_biofilm_and_the_mean_follows() {
        let mut t = bed(10, 0.2, 0.6);
        refresh_mean(&mut t);
        assert!((t.bioburden - 0.8).abs() < 1e-6);
        debride(&mut t, 0.9);
        assert!(t.biofilm.iter().all(|&b| (b - 0.06).abs() < 1e-6));
        assert!(t.planktonic.iter().all(|&p| (p - 0.1).abs() < 1e-6));
        assert!((t.bioburden - 0.16).abs() < 1e-6, "{}", t.bioburden);
    }
}
