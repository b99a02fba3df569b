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
//! A voxel belongs to the bin holding its centre, and an agent to its
//! voxel's bin ([`Sites::bin_of`]), so agents and voxels agree on their bin
//! whether or not the voxel edge divides the bin edge.
//!
//! [`Sites::arrivals`] draws at most one arrival per bin and step, with
//! the probability `1 − e^(−rate·dt)` of the bin's rate, and places it at a
//! uniformly chosen site voxel of the bin (a uniform point in that voxel):
//! the defaults keep each bin's rate far below one arrival per step, and a
//! rate pushed past it saturates at one per bin and step.
//!
//! [`OpenShare`] measures, per bin, the share of its footprint voxels the
//! epithelium has not yet covered: recruitment from the bed follows the
//! open bed under it, not the wound's average.

use crate::grid::Grid;
use crate::rng::{hazard_prob, Purpose, Stream};
use crate::scenario::Wound;
use crate::tissue::Tissue;
use rayon::prelude::*;

/// Recruitment sites: per bin, the site voxels. Derived from the
/// parameters once per run.
#[derive(Debug)]
pub struct Sites {
    /// The grid the bins cover.
    pub grid: Grid,
    /// Bin edge (µm).
    pub bin_um: f32,
    /// Bins along x.
    pub nbx: usize,
    /// Bins along y.
    pub nby: usize,
    /// Site voxels of bin `b`: `list[start[b] as usize..start[b + 1] as
    /// usize]` (flat layer indices, ascending).
    pub start: Vec<u32>,
    /// Site voxels, bin by bin.
    pub list: Vec<u32>,
    /// Voxels of each bin (edge bins may be smaller).
    pub voxels: Vec<u32>,
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
        let nb = nbx * nby;
        let col_bin: Vec<u32> = (0..g.nx)
            .map(|ix| ((g.center(ix, 0).0 / bin_um) as usize).min(nbx - 1) as u32)
            .collect();
        let row_bin: Vec<u32> = (0..g.ny)
            .map(|iy| ((g.center(0, iy).1 / bin_um) as usize).min(nby - 1) as u32)
            .collect();
        let mut voxels = vec![0u32; nb];
        let mut per_bin: Vec<Vec<u32>> = vec![Vec::new(); nb];
        let mut rows = (g.ny, 0);
        for (iy, &row_b) in row_bin.iter().enumerate() {
            for (ix, &col_b) in col_bin.iter().enumerate() {
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
                let b = row_b as usize * nbx + col_b as usize;
                voxels[b] += 1;
                if inside {
                    per_bin[b].push(g.idx(ix, iy) as u32);
                }
                if in_footprint {
                    rows = (rows.0.min(iy), rows.1.max(iy + 1));
                }
            }
        }
        let mut start = Vec::with_capacity(nb + 1);
        start.push(0u32);
        let mut list = Vec::new();
        for b in per_bin {
            list.extend_from_slice(&b);
            start.push(list.len() as u32);
        }
        Sites {
            grid: g,
            bin_um: bin_um as f32,
            nbx,
            nby,
            start,
            list,
            voxels,
            col_bin,
            row_bin,
            rows,
        }
    }

    /// Number of bins.
    #[inline]
    pub fn bins(&self) -> usize {
        self.nbx * self.nby
    }

    /// Site voxels of bin `b`.
    #[inline]
    pub fn sites_of(&self, b: usize) -> &[u32] {
        &self.list[self.start[b] as usize..self.start[b + 1] as usize]
    }

    /// Bin of voxel (`ix`, `iy`).
    #[inline]
    pub fn bin_of_voxel(&self, ix: usize, iy: usize) -> usize {
        self.row_bin[iy] as usize * self.nbx + self.col_bin[ix] as usize
    }

    /// Bin of a position: the bin of the voxel holding it.
    #[inline]
    pub fn bin_of(&self, x: f32, y: f32) -> usize {
        let (ix, iy) = self.grid.voxel_of(x, y);
        self.bin_of_voxel(ix, iy)
    }

    /// This step's arrivals, appended to `out` in bin order: for each bin
    /// holding sites, `rate(bin, site voxels, bin centre)` arrivals per
    /// minute (≤ 0: none), drawn from the stream keyed by (`seed`, bin,
    /// `step`, `purpose`), at most one per bin over `dt_min`, placed at a
    /// uniform point of a uniformly chosen site voxel of the bin.
    pub fn arrivals<F>(
        &self,
        seed: u64,
        step: u64,
        purpose: Purpose,
        dt_min: f64,
        rate: F,
        out: &mut Vec<(f32, f32)>,
    ) where
        F: Fn(usize, u32, (f32, f32)) -> f64 + Sync,
    {
        let g = self.grid;
        let bin_um = self.bin_um as f64;
        let nbx = self.nbx;
        out.par_extend((0..self.bins()).into_par_iter().filter_map(|b| {
            let sites = self.sites_of(b);
            if sites.is_empty() {
                return None;
            }
            let (bx, by) = ((b % nbx) as f64, (b / nbx) as f64);
            let centre = g.clamp(((bx + 0.5) * bin_um) as f32, ((by + 0.5) * bin_um) as f32);
            let r = rate(b, sites.len() as u32, centre);
            if r <= 0.0 {
                return None;
            }
            let mut rng = Stream::new(seed, b as u64, step, purpose);
            if !rng.chance(hazard_prob(r, dt_min)) {
                return None;
            }
            let k = ((rng.uniform() * sites.len() as f64) as usize).min(sites.len() - 1);
            let v = sites[k] as usize;
            let (ix, iy) = (v % g.nx, v / g.nx);
            let (cx, cy) = g.center(ix, iy);
            let x = (cx + (rng.uniform() - 0.5) * g.dx_um) as f32;
            let y = (cy + (rng.uniform() - 0.5) * g.dx_um) as f32;
            // Rounding to f32 can put a point drawn next to the voxel's edge
            // on the edge itself, in the neighbour: then the centre.
            if g.voxel_of(x, y) == (ix, iy) {
                Some((x, y))
            } else {
                Some((cx as f32, cy as f32))
            }
        }));
    }
}

/// The open share of each bin's footprint, measured from the tissue: open
/// voxels over footprint voxels, and the whole wound's share for a bin
/// holding no footprint. Kept between steps as scratch memory.
#[derive(Debug, Default)]
pub struct OpenShare {
    open: Vec<u32>,
    foot: Vec<u32>,
    whole: f64,
}

impl OpenShare {
    /// Count the open and footprint voxels of each bin of `sites`.
    pub fn measure(&mut self, sites: &Sites, tissue: &Tissue) {
        let g = sites.grid;
        let nb = sites.bins();
        self.open.clear();
        self.open.resize(nb, 0);
        self.foot.clear();
        self.foot.resize(nb, 0);
        let open = tissue.open.as_slice().expect("standard layout");
        let foot = tissue.footprint.as_slice().expect("standard layout");
        let mut n_open = 0u64;
        for iy in sites.rows.0..sites.rows.1 {
            let row = sites.row_bin[iy] as usize * sites.nbx;
            for ix in 0..g.nx {
                let v = g.idx(ix, iy);
                let b = row + sites.col_bin[ix] as usize;
                self.open[b] += open[v] as u32;
                self.foot[b] += foot[v] as u32;
                n_open += open[v] as u64;
            }
        }
        self.whole = n_open as f64 / tissue.footprint_count.max(1) as f64;
    }

    /// The whole wound's open share.
    #[inline]
    pub fn whole(&self) -> f64 {
        self.whole
    }

    /// The open share of bin `b`'s footprint (the whole wound's where the
    /// bin holds none).
    #[inline]
    pub fn of(&self, b: usize) -> f64 {
        match self.foot[b] {
            0 => self.whole,
            n => self.open[b] as f64 / n as f64,
        }
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

    /// 1 where a voxel is a site of `s`.
    fn site_mask(s: &Sites) -> Vec<u8> {
        let mut m = vec![0u8; s.grid.layer_len()];
        for b in 0..s.bins() {
            for &v in s.sites_of(b) {
                assert_eq!(m[v as usize], 0, "voxel {v} listed twice");
                m[v as usize] = 1;
                let (ix, iy) = (v as usize % s.grid.nx, v as usize / s.grid.nx);
                assert_eq!(s.bin_of_voxel(ix, iy), b, "voxel {v} in the wrong bin");
            }
        }
        m
    }

    #[test]
    fn footprint_sites_are_the_wound_and_a_ring_adds_the_margin() {
        let g = Grid::new_2d(100, 100, 20.0).unwrap();
        let w = wound(1000.0);
        let bare = Sites::new(&g, &w, 100.0, 0.0);
        let ringed = Sites::new(&g, &w, 100.0, 100.0);
        let (bm, rm) = (site_mask(&bare), site_mask(&ringed));
        let mut inside = 0;
        for iy in 0..g.ny {
            for ix in 0..g.nx {
                let (x, y) = g.center(ix, iy);
                let i = g.idx(ix, iy);
                let in_w = crate::tissue::in_wound(&w, &g, x, y);
                inside += in_w as usize;
                assert_eq!(bm[i] == 1, in_w, "voxel ({ix}, {iy})");
                assert!(rm[i] >= bm[i]);
            }
        }
        assert_eq!(bare.list.len(), inside);
        // A 100 µm ring around a 1 mm disc: area π(0.6² − 0.5²) mm², 5 % off
        // for the voxel staircase.
        let ring = (ringed.list.len() - inside) as f64 * 400.0;
        let exact = std::f64::consts::PI * (600.0f64.powi(2) - 500.0f64.powi(2));
        assert!((ring / exact - 1.0).abs() < 0.05, "{ring} vs {exact}");
        assert_eq!(bare.voxels.iter().sum::<u32>() as usize, g.nx * g.ny);
    }

    #[test]
    fn agents_and_voxels_agree_on_their_bin_when_the_voxel_does_not_divide_it() {
        // 30 µm voxels in 100 µm bins: a voxel straddles a bin edge, and
        // belongs with everything in it to the bin of its centre.
        let g = Grid::new_2d(40, 40, 30.0).unwrap();
        let s = Sites::new(&g, &wound(800.0), 100.0, 0.0);
        for iy in 0..g.ny {
            for ix in 0..g.nx {
                let b = s.bin_of_voxel(ix, iy);
                let (x0, y0) = (ix as f32 * 30.0, iy as f32 * 30.0);
                for (fx, fy) in [(0.01, 0.01), (0.99, 0.5), (0.5, 0.99)] {
                    let (x, y) = (x0 + fx * 30.0, y0 + fy * 30.0);
                    assert_eq!(s.bin_of(x, y), b, "({x}, {y}) in voxel ({ix}, {iy})");
                }
            }
        }
        // Voxel 3 spans 90–120 µm, its centre at 105 µm: bin 1.
        assert_eq!(s.col_bin[3], 1);
        assert_eq!(s.bin_of(91.0, 5.0), 1);
    }

    #[test]
    fn arrivals_follow_the_rate_land_on_sites_and_spread_over_them() {
        let g = Grid::new_2d(100, 100, 20.0).unwrap();
        let s = Sites::new(&g, &wound(1000.0), 100.0, 0.0);
        let mask = site_mask(&s);
        let bins = (0..s.bins()).filter(|&b| !s.sites_of(b).is_empty()).count() as f64;
        // 0.01 per minute per bin over 1-minute steps: the expected count
        // over 400 steps is bins · 400 · (1 − e^(−0.01)); every draw is
        // placed, edge bins with a few sites included.
        let mut out = Vec::new();
        for step in 0..400 {
            s.arrivals(7, step, Purpose::Recruit, 1.0, |_, _, _| 0.01, &mut out);
        }
        let expected = bins * 400.0 * (1.0 - (-0.01f64).exp());
        let n = out.len() as f64;
        assert!(
            (n - expected).abs() < 4.0 * expected.sqrt(),
            "{n} vs {expected}"
        );
        for &(x, y) in &out {
            assert_eq!(mask[g.index_of(x, y)], 1, "({x}, {y})");
        }
        // A rate per site voxel gives each bin arrivals in proportion to
        // its sites: the bins with few sites (the disc's edge) get their
        // share, the outer ring of bins within 4 sd of its expectation.
        let k = 2e-4;
        let mut edge = (0.0, 0.0);
        let mut out = Vec::new();
        for step in 0..2000 {
            out.clear();
            s.arrivals(
                9,
                step,
                Purpose::Recruit,
                1.0,
                |_, n, _| k * n as f64,
                &mut out,
            );
            for &(x, y) in &out {
                let b = s.bin_of(x, y);
                if s.sites_of(b).len() < 20 {
                    edge.0 += 1.0;
                }
            }
        }
        for b in 0..s.bins() {
            let n = s.sites_of(b).len();
            if n > 0 && n < 20 {
                edge.1 += 2000.0 * (1.0 - (-k * n as f64).exp());
            }
        }
        assert!(edge.1 > 100.0, "{edge:?}");
        assert!((edge.0 - edge.1).abs() < 4.0 * edge.1.sqrt(), "{edge:?}");
        let mut none = Vec::new();
        s.arrivals(7, 0, Purpose::Recruit, 1.0, |_, _, _| 0.0, &mut none);
        assert!(none.is_empty());
    }

    #[test]
    fn the_open_share_is_measured_per_bin() {
        let g = Grid::new_2d(60, 60, 20.0).unwrap();
        let mut sc = crate::scenario::Scenario::default();
        sc.wound.diameter_um = 800.0;
        let s = Sites::new(&g, &sc.wound, 100.0, 0.0);
        let z = || ndarray::Array2::<f32>::zeros((g.ny, g.nx));
        let foot = ndarray::Array2::from_shape_fn((g.ny, g.nx), |(iy, ix)| {
            let (x, y) = g.center(ix, iy);
            crate::tissue::in_wound(&sc.wound, &g, x, y) as u8
        });
        let n = foot.iter().map(|&v| v as u64).sum();
        let mut t = Tissue {
            open: foot.clone(),
            footprint: foot,
            vessel: ndarray::Array2::zeros((g.ny, g.nx)),
            vessel_age_d: z(),
            debris: z(),
            depot: z(),
            provisional: z(),
            collagen: z(),
            planktonic: z(),
            biofilm: z(),
            bioburden: 0.0,
            open0: n,
            footprint_count: n,
        };
        // Close the left half of the wound.
        for iy in 0..g.ny {
            for ix in 0..g.nx / 2 {
                t.open[(iy, ix)] = 0;
            }
        }
        let mut share = OpenShare::default();
        share.measure(&s, &t);
        let whole = t.open_count() as f64 / t.footprint_count as f64;
        assert!((share.whole() - whole).abs() < 1e-12);
        assert!((0.4..0.6).contains(&whole), "{whole}");
        let cy = g.height_um() / 2.0;
        assert_eq!(share.of(s.bin_of(350.0, cy as f32)), 0.0);
        assert_eq!(share.of(s.bin_of(850.0, cy as f32)), 1.0);
        // A bin with no footprint (the corner) takes the whole wound's.
        assert_eq!(share.of(s.bin_of(5.0, 5.0)), share.whole());
    }
}
