//! Recruitment sites beneath and around the wound bed, counted per 100 µm
//! bin, and the arrivals they produce.
//!
//! A full-thickness wound lies on perfused tissue (dermis or subcutis),
//! and cells reach the bed from it as well as from the margin. The bed's
//! layer holds neither that tissue nor its vessels (in 2D the slice has no
//! depth; in 3D the bed is the cavity's lowest layer), so the voxels of the
//! footprint, optionally grown by a ring of intact margin, are sites where
//! cells arrive from below. Fibroblasts use the footprint and a 100 µm ring
//! ([`super::fibroblasts::RING_UM`]); neutrophils and macrophages use the
//! footprint alone (their margin sites are the perfused vessel voxels).
//!
//! [`Sites::arrivals`] draws at most one arrival per bin and step, with
//! the probability `1 − e^(−rate·dt)` of the bin's rate: the defaults keep
//! each bin's rate far below one arrival per step, and a rate pushed past
//! it saturates at one per bin and step.

use crate::grid::Grid;
use crate::rng::{hazard_prob, Purpose, Stream};
use crate::scenario::Wound;
use rayon::prelude::*;

/// Recruitment sites: per bin, the number of site voxels, and per voxel
/// whether it is one. Derived from the parameters once per run.
#[derive(Debug, Default)]
pub struct Sites {
    /// Bin edge (µm).
    pub bin_um: f32,
    /// Bins along x.
    pub nbx: usize,
    /// Bins along y.
    pub nby: usize,
    /// Site voxels in each bin.
    pub per_bin: Vec<u32>,
    /// Voxels of each bin (edge bins may be smaller).
    pub voxels: Vec<u32>,
    /// 1 where a voxel is a site.
    pub site: Vec<u8>,
    /// Bin column of each voxel column.
    pub col_bin: Vec<u32>,
    /// Bin row of each voxel row.
    pub row_bin: Vec<u32>,
    /// First and one past the last voxel row holding footprint voxels.
    pub rows: (usize, usize),
}

impl Sites {
    /// The sites of a run on grid `g` with wound `w`: the wound's
    /// footprint grown by `ring_um` on every side, in bins of `bin_um`.
    pub fn new(g: &Grid, w: &Wound, bin_um: f64, ring_um: f64) -> Self {
        let g = *g;
        let (ww, wh) = crate::tissue::wound_extent_um(w);
        let cx = w.center_x_frac * g.width_um();
        let cy = w.center_y_frac * g.height_um();
        let nbx = (g.width_um() / bin_um).ceil().max(1.0) as usize;
        let nby = (g.height_um() / bin_um).ceil().max(1.0) as usize;
        let mut s = Sites {
            bin_um: bin_um as f32,
            nbx,
            nby,
            per_bin: vec![0; nbx * nby],
            voxels: vec![0; nbx * nby],
            site: vec![0; g.layer_len()],
            col_bin: Vec::with_capacity(g.nx),
            row_bin: Vec::with_capacity(g.ny),
            rows: (g.ny, 0),
        };
        for ix in 0..g.nx {
            let (x, _) = g.center(ix, 0);
            s.col_bin.push(((x / bin_um) as usize).min(nbx - 1) as u32);
        }
        for iy in 0..g.ny {
            let (_, y) = g.center(0, iy);
            s.row_bin.push(((y / bin_um) as usize).min(nby - 1) as u32);
        }
        for iy in 0..g.ny {
            for ix in 0..g.nx {
                let (x, y) = g.center(ix, iy);
                let in_footprint = crate::tissue::in_wound(w, &g, x, y);
                let inside = if ring_um > 0.0 {
                    let dx = (x - cx) / (ww / 2.0 + ring_um);
                    let dy = (y - cy) / (wh / 2.0 + ring_um);
                    match w.shape {
                        crate::scenario::WoundShape::Square => dx.abs() <= 1.0 && dy.abs() <= 1.0,
                        _ => dx * dx + dy * dy <= 1.0,
                    }
                } else {
                    in_footprint
                };
                let b = s.bin_of(x as f32, y as f32);
                s.voxels[b] += 1;
                if inside {
                    s.site[g.idx(ix, iy)] = 1;
                    s.per_bin[b] += 1;
                }
                if in_footprint {
                    s.rows = (s.rows.0.min(iy), s.rows.1.max(iy + 1));
                }
            }
        }
        s
    }

    /// Bin of a position.
    #[inline]
    pub fn bin_of(&self, x: f32, y: f32) -> usize {
        let bx = ((x / self.bin_um) as usize).min(self.nbx - 1);
        let by = ((y / self.bin_um) as usize).min(self.nby - 1);
        by * self.nbx + bx
    }

    /// This step's arrivals, appended to `out` in bin order: for each bin
    /// holding sites, `rate(bin, site voxels, bin centre)` arrivals per
    /// minute (≤ 0: none), drawn from the stream keyed by (`seed`, bin,
    /// `step`, `purpose`), at most one per bin over `dt_min`, placed at a
    /// site voxel of the bin (eight tries at a uniform point of the bin;
    /// none a site: no arrival).
    #[allow(clippy::too_many_arguments)]
    pub fn arrivals<F>(
        &self,
        g: &Grid,
        seed: u64,
        step: u64,
        purpose: Purpose,
        dt_min: f64,
        rate: F,
        out: &mut Vec<(f32, f32)>,
    ) where
        F: Fn(usize, u32, (f32, f32)) -> f64 + Sync,
    {
        let bin_um = self.bin_um as f64;
        let nbx = self.nbx;
        out.par_extend((0..self.per_bin.len()).into_par_iter().filter_map(|b| {
            let n = self.per_bin[b];
            if n == 0 {
                return None;
            }
            let (bx, by) = ((b % nbx) as f64, (b / nbx) as f64);
            let centre = g.clamp(((bx + 0.5) * bin_um) as f32, ((by + 0.5) * bin_um) as f32);
            let r = rate(b, n, centre);
            if r <= 0.0 {
                return None;
            }
            let mut rng = Stream::new(seed, b as u64, step, purpose);
            if !rng.chance(hazard_prob(r, dt_min)) {
                return None;
            }
            for _ in 0..8 {
                let x = (bx + rng.uniform()) * bin_um;
                let y = (by + rng.uniform()) * bin_um;
                let (x, y) = g.clamp(x as f32, y as f32);
                if self.site[g.index_of(x, y)] == 1 {
                    return Some((x, y));
                }
            }
            None
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wound(diameter_um: f64) -> Wound {
        let mut w = crate::scenario::Scenario::default().wound;
        w.diameter_um = diameter_um;
        w
    }

    #[test]
    fn footprint_sites_are_the_wound_and_a_ring_adds_the_margin() {
        let g = Grid::new_2d(100, 100, 20.0).unwrap();
        let w = wound(1000.0);
        let bare = Sites::new(&g, &w, 100.0, 0.0);
        let ringed = Sites::new(&g, &w, 100.0, 100.0);
        let mut inside = 0;
        for iy in 0..g.ny {
            for ix in 0..g.nx {
                let (x, y) = g.center(ix, iy);
                let i = g.idx(ix, iy);
                let in_w = crate::tissue::in_wound(&w, &g, x, y);
                inside += in_w as u32;
                assert_eq!(bare.site[i] == 1, in_w, "voxel ({ix}, {iy})");
                assert!(ringed.site[i] >= bare.site[i]);
            }
        }
        assert_eq!(bare.per_bin.iter().sum::<u32>(), inside);
        // A 100 µm ring around a 1 mm disc: area π(0.6² − 0.5²) mm², 5 % off
        // for the voxel staircase.
        let ring = (ringed.per_bin.iter().sum::<u32>() - inside) as f64 * 400.0;
        let exact = std::f64::consts::PI * (600.0f64.powi(2) - 500.0f64.powi(2));
        assert!((ring / exact - 1.0).abs() < 0.05, "{ring} vs {exact}");
        assert_eq!(bare.voxels.iter().sum::<u32>() as usize, g.nx * g.ny);
    }

    #[test]
    fn arrivals_follow_the_rate_and_land_on_sites() {
        let g = Grid::new_2d(100, 100, 20.0).unwrap();
        let s = Sites::new(&g, &wound(1000.0), 100.0, 0.0);
        let bins = s.per_bin.iter().filter(|&&n| n > 0).count() as f64;
        // 0.01 per minute per bin over 1-minute steps: the expected count
        // over 200 steps is bins · 200 · (1 − e^(−0.01)).
        let mut out = Vec::new();
        for step in 0..200 {
            s.arrivals(&g, 7, step, Purpose::Recruit, 1.0, |_, _, _| 0.01, &mut out);
        }
        let expected = bins * 200.0 * (1.0 - (-0.01f64).exp());
        let n = out.len() as f64;
        // Placement can fail in a bin mostly outside the disc, so the count
        // is a little below the expected draws; 4 sd of a Poisson below and
        // above.
        assert!(n < expected + 4.0 * expected.sqrt(), "{n} vs {expected}");
        assert!(
            n > 0.85 * expected - 4.0 * expected.sqrt(),
            "{n} vs {expected}"
        );
        for &(x, y) in &out {
            assert_eq!(s.site[g.index_of(x, y)], 1, "({x}, {y})");
        }
        let mut none = Vec::new();
        s.arrivals(&g, 7, 0, Purpose::Recruit, 1.0, |_, _, _| 0.0, &mut none);
        assert!(none.is_empty());
    }
}
