//! Grid geometry. A 2D grid of square voxels; positions are in µm with the
//! origin at the lower-left corner, voxel (ix, iy) covering
//! `[ix·dx, (ix+1)·dx) × [iy·dx, (iy+1)·dx)`. Arrays are row-major with shape
//! `(ny, nx)`, x contiguous. A 3D grid adds `nz` and a third sweep.

use serde::{Deserialize, Serialize};

/// Geometry of the voxel grid.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    /// Voxels along x.
    pub nx: usize,
    /// Voxels along y.
    pub ny: usize,
    /// Voxel edge length (µm); also the slice thickness.
    pub dx_um: f64,
}

impl Grid {
    /// Number of voxels.
    #[inline]
    pub fn len(&self) -> usize {
        self.nx * self.ny
    }
    /// True for an empty grid.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Flat index of voxel (ix, iy).
    #[inline]
    pub fn idx(&self, ix: usize, iy: usize) -> usize {
        iy * self.nx + ix
    }
    /// Centre of voxel (ix, iy) in µm.
    #[inline]
    pub fn center(&self, ix: usize, iy: usize) -> (f64, f64) {
        (
            (ix as f64 + 0.5) * self.dx_um,
            (iy as f64 + 0.5) * self.dx_um,
        )
    }
    /// Voxel containing point (x, y) (clamped to the grid).
    #[inline]
    pub fn voxel_of(&self, x: f32, y: f32) -> (usize, usize) {
        let inv = 1.0 / self.dx_um as f32;
        let ix = ((x * inv) as isize).clamp(0, self.nx as isize - 1) as usize;
        let iy = ((y * inv) as isize).clamp(0, self.ny as isize - 1) as usize;
        (ix, iy)
    }
    /// Flat index of the voxel containing (x, y).
    #[inline]
    pub fn index_of(&self, x: f32, y: f32) -> usize {
        let (ix, iy) = self.voxel_of(x, y);
        self.idx(ix, iy)
    }
    /// Domain width (µm).
    pub fn width_um(&self) -> f64 {
        self.nx as f64 * self.dx_um
    }
    /// Domain height (µm).
    pub fn height_um(&self) -> f64 {
        self.ny as f64 * self.dx_um
    }
    /// Clamp a position into the domain (half a nanometre inside the edges).
    #[inline]
    pub fn clamp(&self, x: f32, y: f32) -> (f32, f32) {
        let w = self.width_um() as f32 - 1e-3;
        let h = self.height_um() as f32 - 1e-3;
        (x.clamp(0.0, w), y.clamp(0.0, h))
    }
    /// Voxel volume in mL (dx³ µm³; 1 µm³ = 1e-12 mL).
    pub fn voxel_volume_ml(&self) -> f64 {
        self.dx_um.powi(3) * 1e-12
    }
    /// Voxel area in mm².
    pub fn voxel_area_mm2(&self) -> f64 {
        (self.dx_um * 1e-3).powi(2)
    }
}
