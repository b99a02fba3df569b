//! Grid geometry. A 3D grid of `nx × ny × nz` voxels, square in x and y
//! (edge `dx_um`) with their own thickness `dz_um` along z (anisotropic
//! voxels, e.g. a coarser dz, are allowed). Positions are in µm with the
//! origin at the lower-left bottom corner, voxel (ix, iy, iz) covering
//! `[ix·dx, (ix+1)·dx) × [iy·dx, (iy+1)·dx) × [iz·dz, (iz+1)·dz)`; z grows
//! upwards, from the bottom face (z min) to the top face (z max).
//!
//! **Layout.** Field arrays are `ndarray::Array2` of shape `(nz·ny, nx)`,
//! z-major: layer `iz` is the contiguous `(ny, nx)` block of rows
//! `iz·ny .. (iz+1)·ny`, x contiguous, so the flat index of voxel
//! (ix, iy, iz) is `(iz·ny + iy)·nx + ix` ([`Grid::idx3`]). This is the
//! C-order layout of an `(nz, ny, nx)` array. With `nz = 1` it is exactly the
//! 2D model's `(ny, nx)` array, so every 2D code path (and its speed) is
//! unchanged; [`Grid::idx`] and the other 2D helpers address layer 0.

use serde::{Deserialize, Serialize};

/// Geometry of the voxel grid.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    /// Voxels along x.
    pub nx: usize,
    /// Voxels along y.
    pub ny: usize,
    /// Voxels along z (layers); 1 for the 2D model.
    pub nz: usize,
    /// Voxel edge length in x and y (µm); in 2D also the slice thickness.
    pub dx_um: f64,
    /// Voxel thickness along z (µm); equal to `dx_um` in the 2D model.
    pub dz_um: f64,
}

/// A grid that cannot be built (see [`Grid::new`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GridError {
    /// A voxel count is zero.
    #[error("grid: {axis} = 0 voxels; allowed: at least 1")]
    Empty {
        /// `nx`, `ny` or `nz`.
        axis: &'static str,
    },
    /// A voxel size is not a positive finite number.
    #[error("grid: {key} = {value} µm; allowed: a finite number > 0")]
    BadSize {
        /// `dx_um` or `dz_um`.
        key: &'static str,
        /// The rejected value.
        value: f64,
    },
}

impl Grid {
    /// A validated grid: every count ≥ 1, `dx_um` and `dz_um` finite and > 0.
    pub fn new(nx: usize, ny: usize, nz: usize, dx_um: f64, dz_um: f64) -> Result<Self, GridError> {
        for (axis, n) in [("nx", nx), ("ny", ny), ("nz", nz)] {
            if n == 0 {
                return Err(GridError::Empty { axis });
            }
        }
        for (key, value) in [("dx_um", dx_um), ("dz_um", dz_um)] {
            if !(value.is_finite() && value > 0.0) {
                return Err(GridError::BadSize { key, value });
            }
        }
        Ok(Grid {
            nx,
            ny,
            nz,
            dx_um,
            dz_um,
        })
    }
    /// A 2D grid (`nz = 1`, `dz_um = dx_um`), validated as [`Grid::new`].
    pub fn new_2d(nx: usize, ny: usize, dx_um: f64) -> Result<Self, GridError> {
        Grid::new(nx, ny, 1, dx_um, dx_um)
    }
    /// Number of voxels (`nx·ny·nz`).
    #[inline]
    pub fn len(&self) -> usize {
        self.nx * self.ny * self.nz
    }
    /// Voxels in one z layer (`nx·ny`).
    #[inline]
    pub fn layer_len(&self) -> usize {
        self.nx * self.ny
    }
    /// True for an empty grid.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// True for the 2D model (one layer).
    #[inline]
    pub fn is_2d(&self) -> bool {
        self.nz == 1
    }
    /// Shape `(nz·ny, nx)` of a field array (see the module's layout note).
    #[inline]
    pub fn shape(&self) -> (usize, usize) {
        (self.nz * self.ny, self.nx)
    }
    /// Flat index of voxel (ix, iy) of layer 0.
    #[inline]
    pub fn idx(&self, ix: usize, iy: usize) -> usize {
        iy * self.nx + ix
    }
    /// Flat index of voxel (ix, iy, iz).
    #[inline]
    pub fn idx3(&self, ix: usize, iy: usize, iz: usize) -> usize {
        (iz * self.ny + iy) * self.nx + ix
    }
    /// Voxel (ix, iy, iz) of a flat index.
    #[inline]
    pub fn coords3(&self, i: usize) -> (usize, usize, usize) {
        let plane = self.layer_len();
        let (iz, rest) = (i / plane, i % plane);
        (rest % self.nx, rest / self.nx, iz)
    }
    /// Centre of voxel (ix, iy) in µm (x, y).
    #[inline]
    pub fn center(&self, ix: usize, iy: usize) -> (f64, f64) {
        (
            (ix as f64 + 0.5) * self.dx_um,
            (iy as f64 + 0.5) * self.dx_um,
        )
    }
    /// Height of the centre of layer `iz` above the bottom face (µm).
    #[inline]
    pub fn z_center(&self, iz: usize) -> f64 {
        (iz as f64 + 0.5) * self.dz_um
    }
    /// Voxel containing point (x, y) (clamped to the grid).
    #[inline]
    pub fn voxel_of(&self, x: f32, y: f32) -> (usize, usize) {
        let inv = 1.0 / self.dx_um as f32;
        let ix = ((x * inv) as isize).clamp(0, self.nx as isize - 1) as usize;
        let iy = ((y * inv) as isize).clamp(0, self.ny as isize - 1) as usize;
        (ix, iy)
    }
    /// Layer containing height `z` above the bottom face (clamped to the grid).
    #[inline]
    pub fn layer_of(&self, z: f32) -> usize {
        let inv = 1.0 / self.dz_um as f32;
        ((z * inv) as isize).clamp(0, self.nz as isize - 1) as usize
    }
    /// Flat index of the voxel containing (x, y) in layer 0.
    #[inline]
    pub fn index_of(&self, x: f32, y: f32) -> usize {
        let (ix, iy) = self.voxel_of(x, y);
        self.idx(ix, iy)
    }
    /// Flat index of the voxel containing (x, y, z) (clamped to the grid);
    /// in 2D the same as [`Grid::index_of`].
    #[inline]
    pub fn index3_of(&self, x: f32, y: f32, z: f32) -> usize {
        let (ix, iy) = self.voxel_of(x, y);
        self.idx3(ix, iy, self.layer_of(z))
    }
    /// Domain width (µm).
    pub fn width_um(&self) -> f64 {
        self.nx as f64 * self.dx_um
    }
    /// Domain height (µm).
    pub fn height_um(&self) -> f64 {
        self.ny as f64 * self.dx_um
    }
    /// Domain depth along z (µm): `nz·dz`.
    pub fn depth_um(&self) -> f64 {
        self.nz as f64 * self.dz_um
    }
    /// Clamp a position into the domain (half a nanometre inside the edges).
    #[inline]
    pub fn clamp(&self, x: f32, y: f32) -> (f32, f32) {
        let w = self.width_um() as f32 - 1e-3;
        let h = self.height_um() as f32 - 1e-3;
        (x.clamp(0.0, w), y.clamp(0.0, h))
    }
    /// Voxel volume in mL (dx²·dz µm³; 1 µm³ = 1e-12 mL).
    pub fn voxel_volume_ml(&self) -> f64 {
        // The cube keeps the 2D model's expression (same bits).
        let um3 = if self.dz_um == self.dx_um {
            self.dx_um.powi(3)
        } else {
            self.dx_um.powi(2) * self.dz_um
        };
        um3 * 1e-12
    }
    /// Voxel area in mm².
    pub fn voxel_area_mm2(&self) -> f64 {
        (self.dx_um * 1e-3).powi(2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_validates_counts_and_sizes() {
        assert!(Grid::new(4, 5, 6, 20.0, 50.0).is_ok());
        assert_eq!(
            Grid::new(4, 0, 6, 20.0, 50.0),
            Err(GridError::Empty { axis: "ny" })
        );
        assert_eq!(
            Grid::new(4, 5, 0, 20.0, 50.0),
            Err(GridError::Empty { axis: "nz" })
        );
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let e = Grid::new(4, 5, 6, 20.0, bad).unwrap_err();
            assert!(matches!(e, GridError::BadSize { key: "dz_um", .. }), "{e}");
            assert!(e.to_string().contains("dz_um"), "{e}");
            let e = Grid::new(4, 5, 6, bad, 20.0).unwrap_err();
            assert!(matches!(e, GridError::BadSize { key: "dx_um", .. }), "{e}");
        }
    }

    #[test]
    fn indices_are_z_major_with_x_contiguous() {
        let g = Grid::new(7, 5, 3, 10.0, 40.0).unwrap();
        assert_eq!(g.shape(), (15, 7));
        let mut next = 0;
        for iz in 0..3 {
            for iy in 0..5 {
                for ix in 0..7 {
                    assert_eq!(g.idx3(ix, iy, iz), next);
                    assert_eq!(g.coords3(next), (ix, iy, iz));
                    next += 1;
                }
            }
        }
        assert_eq!(g.idx3(2, 3, 0), g.idx(2, 3));
        assert_eq!(g.layer_of(119.0), 2);
        assert_eq!(g.layer_of(500.0), 2);
        assert_eq!(g.layer_of(-3.0), 0);
        assert_eq!(g.z_center(1), 60.0);
        assert_eq!(g.depth_um(), 120.0);
        assert!((g.voxel_volume_ml() - 10.0 * 10.0 * 40.0 * 1e-12).abs() < 1e-24);
        // The 2D grid keeps the cube's volume bit for bit.
        let g2 = Grid::new_2d(9, 9, 20.0).unwrap();
        assert_eq!(g2.voxel_volume_ml(), 20f64.powi(3) * 1e-12);
    }
}
