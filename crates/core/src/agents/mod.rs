//! Agents as structure-of-arrays stores, one per kind, with stable ids that
//! are never reused. Each store is kept sorted by id (new agents get the next
//! id and are appended; removals keep order), so "apply in id order" is
//! "apply in index order".

/// MSC states.
pub mod msc_state {
    /// Alive and functional.
    pub const LIVE: u8 = 0;
    /// Alive, senescent (less repair, inflammatory secretion).
    pub const SENESCENT: u8 = 1;
    /// Dead (apoptotic), awaiting efferocytosis.
    pub const DEAD: u8 = 2;
}

/// Neutrophil states.
pub mod neutrophil_state {
    /// Alive: kills bacteria, secretes, moves.
    pub const LIVE: u8 = 0;
    /// Apoptotic, awaiting efferocytosis by a macrophage.
    pub const APOPTOTIC: u8 = 1;
}

/// Fibroblast states.
pub mod fibroblast_state {
    /// A fibroblast: migrates, divides, lays down provisional matrix and
    /// some collagen.
    pub const FIBROBLAST: u8 = 0;
    /// A myofibroblast (differentiated under TGF-β): does not migrate or
    /// divide, lays down more collagen.
    pub const MYOFIBROBLAST: u8 = 1;
}

/// A structure-of-arrays store of one agent kind, declared by
/// [`crate::agent_store!`]: stable ids, positions and the kind's own
/// columns, one value per agent each, sorted by id.
pub trait Store {
    /// Number of agents.
    fn len(&self) -> usize;
    /// True when empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Stable ids, strictly increasing.
    fn ids(&self) -> &[u64];
    /// x positions (µm).
    fn xs(&self) -> &[f32];
    /// y positions (µm).
    fn ys(&self) -> &[f32];
    /// z positions (µm above the bottom face; the slice centre in 2D).
    fn zs(&self) -> &[f32];
    /// Keep agents where `keep[i]`, preserving order.
    fn retain(&mut self, keep: &[bool]);
    /// Remove agent `i`, moving the last agent into its place (the store
    /// is then no longer sorted by id: for scratch stores only).
    fn swap_remove(&mut self, i: usize);
    /// The length of every column besides the ids (x, y, z, then the kind's
    /// own columns), for structural checks.
    fn column_lens(&self) -> Vec<usize>;
}

/// Declare a structure-of-arrays agent store: the struct (stable ids, x,
/// y and z positions in µm, then the listed columns, each a `Vec` of the
/// given type; serializable with serde, so it can be part of a checkpoint),
/// `push_row` (one value per column), `retain`, `swap_remove`, `len`,
/// `is_empty` and the [`Store`](crate::agents::Store) implementation. Each
/// column is listed once.
///
/// ```
/// woundsim_core::agent_store! {
///     /// Test markers.
///     pub struct Markers {
///         /// Minutes since placement.
///         age_min: f32,
///     }
/// }
/// let mut m = Markers::default();
/// m.push_row(1, 10.0, 20.0, 10.0, 0.0);
/// assert_eq!((m.len(), m.age_min[0]), (1, 0.0));
/// ```
///
/// The crate declaring a store needs `serde` (with `derive`) as a dependency.
#[macro_export]
macro_rules! agent_store {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        $vis struct $name {
            /// Stable ids.
            pub id: Vec<u64>,
            /// x position (µm).
            pub x: Vec<f32>,
            /// y position (µm).
            pub y: Vec<f32>,
            /// z position (µm above the bottom face; in 2D the slice
            /// centre, `voxel_um / 2`).
            pub z: Vec<f32>,
            $( $(#[$fmeta])* pub $field: Vec<$ty>, )*
        }

        impl $name {
            /// Number of agents.
            #[inline]
            pub fn len(&self) -> usize {
                self.id.len()
            }
            /// True when empty.
            #[inline]
            pub fn is_empty(&self) -> bool {
                self.id.is_empty()
            }
            /// Append an agent with a value for every column.
            #[allow(clippy::too_many_arguments)]
            pub fn push_row(&mut self, id: u64, x: f32, y: f32, z: f32 $(, $field: $ty)*) {
                self.id.push(id);
                self.x.push(x);
                self.y.push(y);
                self.z.push(z);
                $( self.$field.push($field); )*
            }
            /// Keep agents where `keep[i]`, preserving order.
            pub fn retain(&mut self, keep: &[bool]) {
                $crate::agents::retain_column(&mut self.id, keep);
                $crate::agents::retain_column(&mut self.x, keep);
                $crate::agents::retain_column(&mut self.y, keep);
                $crate::agents::retain_column(&mut self.z, keep);
                $( $crate::agents::retain_column(&mut self.$field, keep); )*
            }
            /// Remove agent `i`, moving the last agent into its place.
            pub fn swap_remove(&mut self, i: usize) {
                self.id.swap_remove(i);
                self.x.swap_remove(i);
                self.y.swap_remove(i);
                self.z.swap_remove(i);
                $( self.$field.swap_remove(i); )*
            }
        }

        impl $crate::agents::Store for $name {
            fn len(&self) -> usize {
                self.id.len()
            }
            fn ids(&self) -> &[u64] {
                &self.id
            }
            fn xs(&self) -> &[f32] {
                &self.x
            }
            fn ys(&self) -> &[f32] {
                &self.y
            }
            fn zs(&self) -> &[f32] {
                &self.z
            }
            fn retain(&mut self, keep: &[bool]) {
                $name::retain(self, keep)
            }
            fn swap_remove(&mut self, i: usize) {
                $name::swap_remove(self, i)
            }
            fn column_lens(&self) -> Vec<usize> {
                vec![self.x.len(), self.y.len(), self.z.len() $(, self.$field.len())*]
            }
        }
    };
}

crate::agent_store! {
    /// Mesenchymal stem cells.
    pub struct Mscs {
        /// State (see [`msc_state`]).
        state: u8,
        /// True while held in a carrier (hydrogel, scaffold, fibrin).
        in_carrier: bool,
        /// Minutes until anchored (anoikis risk while > 0 outside a carrier).
        unanchored_min: f32,
        /// Minutes since delivery (priming decays with it).
        age_min: f32,
        /// Minutes since death (dead cells only).
        dead_min: f32,
        /// HIF-1α activity, 0–1 (local hypoxia, hypoxia mimetics;
        /// `mechanisms::msc_state`).
        hif: f32,
        /// Inflammatory licensing, 0–1 (local TNF-α × the IFN-γ co-signal;
        /// IFN-γ priming).
        licensing: f32,
        /// Stress, 0–1 (hypoxia, ROS, anoikis; raises the death hazard).
        stress: f32,
        /// Live cells the agent carries: 1 for a single cell, more for an
        /// aggregate (spheroid; `mechanisms::spheroid`). At least 1 for a
        /// live agent (`SimState::validate`); a dead agent is one dead cell.
        cells: u32,
    }
}

impl Mscs {
    /// Append a new live cell in the resting state (no HIF-1α activity,
    /// unlicensed, unstressed).
    #[allow(clippy::too_many_arguments)]
    pub fn push(&mut self, id: u64, x: f32, y: f32, z: f32, in_carrier: bool, unanchored_min: f32) {
        self.push_with_state(id, x, y, z, in_carrier, unanchored_min, [0.0; 3]);
    }

    /// Append a new live cell with its (HIF-1α, licensing, stress) state.
    #[allow(clippy::too_many_arguments)]
    pub fn push_with_state(
        &mut self,
        id: u64,
        x: f32,
        y: f32,
        z: f32,
        in_carrier: bool,
        unanchored_min: f32,
        [hif, licensing, stress]: [f32; 3],
    ) {
        self.push_aggregate(
            id,
            x,
            y,
            z,
            in_carrier,
            unanchored_min,
            [hif, licensing, stress],
            1,
        );
    }

    /// Append a new live agent of `cells` cells (1: a single cell; more:
    /// an aggregate) with its (HIF-1α, licensing, stress) state.
    #[allow(clippy::too_many_arguments)]
    pub fn push_aggregate(
        &mut self,
        id: u64,
        x: f32,
        y: f32,
        z: f32,
        in_carrier: bool,
        unanchored_min: f32,
        [hif, licensing, stress]: [f32; 3],
        cells: u32,
    ) {
        self.push_row(
            id,
            x,
            y,
            z,
            msc_state::LIVE,
            in_carrier,
            unanchored_min,
            0.0,
            0.0,
            hif,
            licensing,
            stress,
            cells,
        );
    }

    /// Live (and senescent) cells over all agents (an aggregate counts its
    /// cells).
    pub fn live_cells(&self) -> u64 {
        self.state
            .iter()
            .zip(&self.cells)
            .filter(|(&s, _)| s != msc_state::DEAD)
            .map(|(_, &n)| n as u64)
            .sum()
    }
}

crate::agent_store! {
    /// Macrophages with continuous polarization (0 = M1, 1 = M2).
    pub struct Macrophages {
        /// Polarization in [0, 1]; ≥ 0.5 counts as M2.
        pol: f32,
        /// Extracellular-vesicle cargo taken up and still acting (cell
        /// equivalents, ≥ 0; `mechanisms::macrophages`).
        ev_cargo: f32,
    }
}

impl Macrophages {
    /// Append a new cell.
    pub fn push(&mut self, id: u64, x: f32, y: f32, z: f32, pol: f32) {
        self.push_row(id, x, y, z, pol, 0.0);
    }
}

crate::agent_store! {
    /// Neutrophils.
    pub struct Neutrophils {
        /// State (see [`neutrophil_state`]).
        state: u8,
        /// Minutes since turning apoptotic (apoptotic cells only).
        apoptotic_min: f32,
    }
}

impl Neutrophils {
    /// Append a new live cell at height `z` (µm).
    pub fn push(&mut self, id: u64, x: f32, y: f32, z: f32) {
        self.push_row(id, x, y, z, neutrophil_state::LIVE, 0.0);
    }

    /// Live and apoptotic cells.
    pub fn counts(&self) -> (usize, usize) {
        let apoptotic = self
            .state
            .iter()
            .filter(|&&s| s == neutrophil_state::APOPTOTIC)
            .count();
        (self.len() - apoptotic, apoptotic)
    }
}

crate::agent_store! {
    /// Fibroblasts and myofibroblasts; each agent stands for
    /// `fibroblast.cells_per_agent` cells.
    pub struct Fibroblasts {
        /// State (see [`fibroblast_state`]).
        state: u8,
    }
}

impl Fibroblasts {
    /// Append a new fibroblast at height `z` (µm).
    pub fn push(&mut self, id: u64, x: f32, y: f32, z: f32) {
        self.push_row(id, x, y, z, fibroblast_state::FIBROBLAST);
    }

    /// Fibroblast and myofibroblast agents.
    pub fn counts(&self) -> (usize, usize) {
        let myo = self
            .state
            .iter()
            .filter(|&&s| s == fibroblast_state::MYOFIBROBLAST)
            .count();
        (self.len() - myo, myo)
    }
}

crate::agent_store! {
    /// Endothelial tip cells.
    pub struct Tips {
        /// Minutes since sprouting.
        age_min: f32,
        /// Voxels of this tip's trail (flat indices), perfused on anastomosis.
        trail: Vec<u32>,
    }
}

impl Tips {
    /// Append a new tip at a vessel voxel.
    pub fn push(&mut self, id: u64, x: f32, y: f32, z: f32) {
        self.push_row(id, x, y, z, 0.0, Vec::new());
    }
}

/// Keep the elements of one column where `keep[i]`, preserving order.
#[doc(hidden)]
pub fn retain_column<T>(v: &mut Vec<T>, keep: &[bool]) {
    let mut i = 0;
    v.retain(|_| {
        let k = keep[i];
        i += 1;
        k
    });
}

/// Coarse spatial bins for neighbour lookups (cell lists).
///
/// Rebuilt by counting sort each cell step; `start[b]..start[b + 1]` indexes
/// `items`, which hold agent indices in increasing order within each bin.
#[derive(Debug, Clone, Default)]
pub struct Bins {
    /// Bin edge (µm).
    pub size_um: f32,
    /// Bins along x.
    pub nbx: usize,
    /// Bins along y.
    pub nby: usize,
    /// Prefix offsets, length nbx·nby + 1.
    pub start: Vec<u32>,
    /// Agent indices grouped by bin.
    pub items: Vec<u32>,
    /// Scratch: next free slot of each bin while filling.
    fill: Vec<u32>,
}

impl Bins {
    /// Empty bins covering `width × height` µm with edge `size_um`.
    pub fn new(width_um: f64, height_um: f64, size_um: f64) -> Self {
        let nbx = (width_um / size_um).ceil().max(1.0) as usize;
        let nby = (height_um / size_um).ceil().max(1.0) as usize;
        Bins {
            size_um: size_um as f32,
            nbx,
            nby,
            start: vec![0; nbx * nby + 1],
            items: Vec::new(),
            fill: Vec::new(),
        }
    }
    /// Bin of a position.
    #[inline]
    pub fn bin_of(&self, x: f32, y: f32) -> usize {
        let bx = ((x / self.size_um) as usize).min(self.nbx - 1);
        let by = ((y / self.size_um) as usize).min(self.nby - 1);
        by * self.nbx + bx
    }
    /// Rebuild from positions (reuses allocations).
    pub fn rebuild(&mut self, xs: &[f32], ys: &[f32]) {
        self.start.iter_mut().for_each(|v| *v = 0);
        for (&x, &y) in xs.iter().zip(ys) {
            let b = self.bin_of(x, y);
            self.start[b + 1] += 1;
        }
        for b in 0..self.nbx * self.nby {
            self.start[b + 1] += self.start[b];
        }
        self.items.resize(xs.len(), 0);
        self.fill.clear();
        self.fill.extend_from_slice(&self.start);
        for (i, (&x, &y)) in xs.iter().zip(ys).enumerate() {
            let b = self.bin_of(x, y);
            self.items[self.fill[b] as usize] = i as u32;
            self.fill[b] += 1;
        }
    }
    /// The bin of the centre of flat voxel index `i` of `g`.
    #[inline]
    pub fn voxel_bin(&self, g: &crate::grid::Grid, i: usize) -> usize {
        let (x, y) = g.center(i % g.nx, i / g.nx);
        self.bin_of(x as f32, y as f32)
    }
    /// Agents in bin `b`.
    #[inline]
    pub fn in_bin(&self, b: usize) -> &[u32] {
        &self.items[self.start[b] as usize..self.start[b + 1] as usize]
    }
    /// Number of agents in bin `b`.
    #[inline]
    pub fn count(&self, b: usize) -> u32 {
        self.start[b + 1] - self.start[b]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_group_every_agent_once_in_order() {
        let xs = [5.0, 150.0, 6.0, 299.0, 151.0];
        let ys = [5.0, 5.0, 7.0, 299.0, 5.0];
        let mut b = Bins::new(300.0, 300.0, 100.0);
        b.rebuild(&xs, &ys);
        assert_eq!(b.in_bin(0), &[0, 2]);
        assert_eq!(b.in_bin(1), &[1, 4]);
        assert_eq!(b.in_bin(8), &[3]);
        assert_eq!(b.items.len(), 5);
    }

    #[test]
    fn retain_keeps_order() {
        let mut m = Macrophages::default();
        for i in 0..5 {
            m.push(i, i as f32, 0.0, 10.0, 0.1);
        }
        m.retain(&[true, false, true, false, true]);
        assert_eq!(m.id, vec![0, 2, 4]);
        assert_eq!(m.x, vec![0.0, 2.0, 4.0]);
    }
}
