//! Agents as structure-of-arrays stores, one per kind, with stable ids that
//! are never reused. Each store is kept sorted by id (new agents get the next
//! id and are appended; removals keep order), so "apply in id order" is
//! "apply in index order".

use serde::{Deserialize, Serialize};

/// MSC states.
pub mod msc_state {
    /// Alive and functional.
    pub const LIVE: u8 = 0;
    /// Alive, senescent (less repair, inflammatory secretion).
    pub const SENESCENT: u8 = 1;
    /// Dead (apoptotic), awaiting efferocytosis.
    pub const DEAD: u8 = 2;
}

/// Mesenchymal stem cells.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Mscs {
    /// Stable ids.
    pub id: Vec<u64>,
    /// x position (µm).
    pub x: Vec<f32>,
    /// y position (µm).
    pub y: Vec<f32>,
    /// State (see [`msc_state`]).
    pub state: Vec<u8>,
    /// True while held in a carrier (hydrogel, scaffold, fibrin).
    pub in_carrier: Vec<bool>,
    /// Minutes until anchored (anoikis risk while > 0 outside a carrier).
    pub unanchored_min: Vec<f32>,
    /// Minutes since delivery (priming decays with it).
    pub age_min: Vec<f32>,
    /// Minutes since death (dead cells only).
    pub dead_min: Vec<f32>,
}

impl Mscs {
    /// Number of agents.
    pub fn len(&self) -> usize {
        self.id.len()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }
    /// Append a new live cell.
    pub fn push(&mut self, id: u64, x: f32, y: f32, in_carrier: bool, unanchored_min: f32) {
        self.id.push(id);
        self.x.push(x);
        self.y.push(y);
        self.state.push(msc_state::LIVE);
        self.in_carrier.push(in_carrier);
        self.unanchored_min.push(unanchored_min);
        self.age_min.push(0.0);
        self.dead_min.push(0.0);
    }
    /// Keep agents where `keep[i]`, preserving order.
    pub fn retain(&mut self, keep: &[bool]) {
        retain_vec(&mut self.id, keep);
        retain_vec(&mut self.x, keep);
        retain_vec(&mut self.y, keep);
        retain_vec(&mut self.state, keep);
        retain_vec(&mut self.in_carrier, keep);
        retain_vec(&mut self.unanchored_min, keep);
        retain_vec(&mut self.age_min, keep);
        retain_vec(&mut self.dead_min, keep);
    }
}

/// Macrophages with continuous polarization (0 = M1, 1 = M2).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Macrophages {
    /// Stable ids.
    pub id: Vec<u64>,
    /// x position (µm).
    pub x: Vec<f32>,
    /// y position (µm).
    pub y: Vec<f32>,
    /// Polarization in [0, 1]; ≥ 0.5 counts as M2.
    pub pol: Vec<f32>,
}

impl Macrophages {
    /// Number of agents.
    pub fn len(&self) -> usize {
        self.id.len()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }
    /// Append a new cell.
    pub fn push(&mut self, id: u64, x: f32, y: f32, pol: f32) {
        self.id.push(id);
        self.x.push(x);
        self.y.push(y);
        self.pol.push(pol);
    }
    /// Keep agents where `keep[i]`, preserving order.
    pub fn retain(&mut self, keep: &[bool]) {
        retain_vec(&mut self.id, keep);
        retain_vec(&mut self.x, keep);
        retain_vec(&mut self.y, keep);
        retain_vec(&mut self.pol, keep);
    }
}

/// Endothelial tip cells.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tips {
    /// Stable ids.
    pub id: Vec<u64>,
    /// x position (µm).
    pub x: Vec<f32>,
    /// y position (µm).
    pub y: Vec<f32>,
    /// Minutes since sprouting.
    pub age_min: Vec<f32>,
    /// Voxels of this tip's trail (flat indices), perfused on anastomosis.
    pub trail: Vec<Vec<u32>>,
}

impl Tips {
    /// Number of agents.
    pub fn len(&self) -> usize {
        self.id.len()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }
    /// Append a new tip at a vessel voxel.
    pub fn push(&mut self, id: u64, x: f32, y: f32) {
        self.id.push(id);
        self.x.push(x);
        self.y.push(y);
        self.age_min.push(0.0);
        self.trail.push(Vec::new());
    }
    /// Keep agents where `keep[i]`, preserving order.
    pub fn retain(&mut self, keep: &[bool]) {
        retain_vec(&mut self.id, keep);
        retain_vec(&mut self.x, keep);
        retain_vec(&mut self.y, keep);
        retain_vec(&mut self.age_min, keep);
        retain_vec(&mut self.trail, keep);
    }
}

fn retain_vec<T>(v: &mut Vec<T>, keep: &[bool]) {
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
            m.push(i, i as f32, 0.0, 0.1);
        }
        m.retain(&[true, false, true, false, true]);
        assert_eq!(m.id, vec![0, 2, 4]);
        assert_eq!(m.x, vec![0.0, 2.0, 4.0]);
    }
}
