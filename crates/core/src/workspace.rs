//! Scratch memory and derived tables of a run (never serialized; rebuilt
//! from the parameters and the state): solver factors, source buffers,
//! neighbour bins, the vessel lists and O₂ exchange map, every mechanism's
//! parameters and scratch memory.

use crate::agents::Bins;
use crate::fields::solver::{FieldLayers, Solver};
use crate::fields::Sources;
use crate::mechanisms::sites::{OpenShare, Sites};
use crate::mechanisms::{self, tissue_sources::o2_bound_mmhg};
use crate::scenario::{Params, Rates};
use crate::state::SimState;
use crate::tissue::{vessel, Tissue};
use ndarray::Array2;

/// Scratch memory and derived tables (never serialized; rebuilt from params).
pub struct Workspace {
    /// Field solver factors.
    pub solver: Solver,
    /// Source and uptake rates.
    pub sources: Sources,
    /// Every mechanism's parameters for this run (converted once from the
    /// parameters and the run's patient).
    pub rates: Rates,
    /// Macrophage bins.
    pub mac_bins: Bins,
    /// Neutrophil bins (visiting order, crowding).
    pub neu_bins: Bins,
    /// Tip-cell bins (lateral inhibition of sprouting).
    pub tip_bins: Bins,
    /// Voxels within recruitment range of the wound.
    pub region: Vec<u32>,
    /// Perfused vessel voxels in `region`.
    pub vessel_list: Vec<u32>,
    /// Tip-bin index of each voxel of `region`.
    pub region_bin: Vec<u32>,
    /// Perfused vessel voxels in each tip bin, over the whole grid (the
    /// local capillary density that caps sprouting and perfusion).
    pub vessel_bins: Vec<u16>,
    /// 1 where `vessel_bins` counts a perfused voxel (what the counts were
    /// built from, so a change can be undone without knowing the old state).
    counted: Vec<u8>,
    /// Grid geometry (bin of a voxel).
    grid: crate::grid::Grid,
    /// O₂ exchange rate per voxel (1/min): vessel exchange spread over the Krogh radius.
    pub o2_exchange: Array2<f32>,
    /// Keeps `o2_exchange` up to date, blurring again only the rows and
    /// columns a vessel change reaches.
    pub o2_blur: crate::fields::IncrementalBlur,
    /// Krogh radius in voxels.
    pub krogh_voxels: usize,
    /// (vessel exchange per min, abnormal multiplier).
    pub o2_rates: (f32, f32),
    /// Double buffer for closure.
    pub open_next: Array2<u8>,
    /// The free active MMP per voxel (nM; empty without an `mmp` field),
    /// derived from the `mmp` and `timp` fields after their last solve.
    pub protease_active: Vec<f32>,
    /// The solver steps of the `mmp` and `timp` solves `protease_active`
    /// was computed after (`None`: not computed yet).
    pub protease_active_at: Option<(Option<u64>, Option<u64>)>,
    /// MSC fate's scratch memory.
    pub msc_scratch: mechanisms::msc_fate::Scratch,
    /// The macrophages' scratch memory.
    pub mac_scratch: mechanisms::macrophages::Scratch,
    /// The neutrophils' scratch memory.
    pub neu_scratch: mechanisms::neutrophils::Scratch,
    /// Where fibroblasts arrive (per bin, a list of site voxels).
    pub fib_sites: Sites,
    /// Where neutrophils and macrophages arrive from the tissue under the
    /// bed (the footprint, per bin).
    pub base_sites: Sites,
    /// The open share of each bin of `fib_sites` (derived from the open
    /// wound: [`Workspace::refresh_open_shares`]).
    pub fib_open: OpenShare,
    /// The open share of each bin of `base_sites` (derived likewise).
    pub base_open: OpenShare,
    /// The fibroblasts' scratch memory.
    pub fib_scratch: mechanisms::fibroblasts::Scratch,
    /// The bacteria's scratch memory (cell counts per bin, the spreading
    /// buffer).
    pub bac_scratch: mechanisms::bacteria::Scratch,
    /// Angiogenesis' scratch memory.
    pub tip_scratch: mechanisms::angiogenesis::Scratch,
    /// Macrophages (indices) that ate a dead MSC this cell step, in MSC id
    /// order: MSC fate's event list for the macrophages.
    pub efferocytosis: Vec<u32>,
    /// Macrophages (indices) that ate an apoptotic neutrophil this cell
    /// step, in neutrophil id order: the neutrophils' event list for the
    /// macrophages.
    pub neutrophil_efferocytosis: Vec<u32>,
    /// Vessel voxels (flat indices) whose O₂ exchange class changed this
    /// step and that [`Workspace::apply_vessel_changes`] has not seen yet.
    pub vessel_changes: Vec<u32>,
    /// Scratch for merging changes into `vessel_list`.
    list_scratch: Vec<u32>,
}

impl Workspace {
    /// Workspace for `params` and the state's patient.
    pub fn new(p: &Params, st: &SimState) -> Self {
        let g = p.grid;
        let range = p.scenario.macrophage.recruit_range_um;
        let s = &p.scenario;
        let (ww, wh) = crate::tissue::wound_extent_um(&s.wound);
        let cx = s.wound.center_x_frac * g.width_um();
        let cy = s.wound.center_y_frac * g.height_um();
        let mut region = Vec::new();
        for iy in 0..g.ny {
            for ix in 0..g.nx {
                let (x, y) = g.center(ix, iy);
                // Inside the wound grown by `range` on every side.
                let dx = (x - cx) / (ww / 2.0 + range);
                let dy = (y - cy) / (wh / 2.0 + range);
                let inside = match s.wound.shape {
                    crate::scenario::WoundShape::Square => dx.abs() <= 1.0 && dy.abs() <= 1.0,
                    _ => dx * dx + dy * dy <= 1.0,
                };
                if inside {
                    region.push(g.idx(ix, iy) as u32);
                }
            }
        }
        let krogh_voxels = (p.scenario.tissue.krogh_radius_um / g.dx_um).round() as usize;
        let tip_bins = Bins::new(g.width_um(), g.height_um(), BIN_UM.max(g.dx_um));
        let region_bin = region
            .iter()
            .map(|&i| {
                let i = i as usize;
                let (x, y) = g.center(i % g.nx, i / g.nx);
                tip_bins.bin_of(x as f32, y as f32) as u32
            })
            .collect();
        let vessel_bins = vec![0; tip_bins.nbx * tip_bins.nby];
        let dt_field = p.steps.dt_min * p.steps.field_every as f64;
        let mut solver = if p.depth.is_3d() {
            Solver::layered(&g, &p.fields, &field_layers(p, &st.patient), dt_field)
                .expect("layers built from validated parameters")
        } else {
            Solver::new(&g, &p.fields, dt_field)
        };
        solver.set_upper_bound(p.ids.oxygen, o2_bound_mmhg(p) as f32);
        let rates = Rates::new(p, &st.patient);
        let mut ws = Workspace {
            solver,
            sources: Sources::new(&g, p.fields.len()),
            rates,
            mac_bins: Bins::new(g.width_um(), g.height_um(), BIN_UM.max(g.dx_um)),
            neu_bins: Bins::new(g.width_um(), g.height_um(), BIN_UM.max(g.dx_um)),
            tip_bins,
            region,
            vessel_list: Vec::new(),
            region_bin,
            vessel_bins,
            counted: vec![0; g.nx * g.ny],
            grid: g,
            o2_exchange: Array2::zeros((g.ny, g.nx)),
            o2_blur: crate::fields::IncrementalBlur::new(g.ny, g.nx, krogh_voxels),
            krogh_voxels,
            o2_rates: (
                p.scenario.tissue.vessel_o2_exchange_per_min as f32,
                p.scenario.angiogenesis.abnormal_perfusion_mult as f32,
            ),
            open_next: Array2::zeros((g.ny, g.nx)),
            protease_active: Vec::new(),
            protease_active_at: None,
            msc_scratch: Default::default(),
            mac_scratch: Default::default(),
            neu_scratch: Default::default(),
            fib_sites: Sites::new(
                &g,
                &p.scenario.wound,
                BIN_UM.max(g.dx_um),
                mechanisms::fibroblasts::RING_UM,
            ),
            base_sites: Sites::new(&g, &p.scenario.wound, BIN_UM.max(g.dx_um), 0.0),
            fib_open: OpenShare::default(),
            base_open: OpenShare::default(),
            fib_scratch: Default::default(),
            bac_scratch: mechanisms::bacteria::Scratch::new(&g),
            tip_scratch: Default::default(),
            efferocytosis: Vec::new(),
            neutrophil_efferocytosis: Vec::new(),
            vessel_changes: Vec::new(),
            list_scratch: Vec::new(),
        };
        ws.refresh_vessel_list(&st.tissue);
        ws.refresh_open_shares(&st.tissue);
        ws
    }

    /// Measure the open share of each recruitment bin again from the open
    /// wound. Only closure changes the open wound, so the step calls this
    /// after each closure step; a caller that edits `tissue.open` by hand
    /// calls it too.
    pub fn refresh_open_shares(&mut self, t: &Tissue) {
        self.fib_open.measure(&self.fib_sites, t);
        self.base_open.measure(&self.base_sites, t);
    }

    /// The tip bin of flat voxel index `i` (the bin of its centre).
    #[inline]
    pub fn voxel_bin(&self, i: usize) -> usize {
        self.tip_bins.voxel_bin(&self.grid, i)
    }

    /// Rebuild the list of perfused vessel voxels near the wound, the
    /// capillary count of each tip bin and the O₂ exchange map from scratch.
    pub fn refresh_vessel_list(&mut self, t: &Tissue) {
        let v = t.vessel.as_slice().expect("standard layout");
        self.vessel_list.clear();
        self.vessel_bins.iter_mut().for_each(|c| *c = 0);
        for &i in &self.region {
            if vessel::perfused(v[i as usize]) {
                self.vessel_list.push(i);
            }
        }
        for (i, (&s, counted)) in v.iter().zip(self.counted.iter_mut()).enumerate() {
            *counted = vessel::perfused(s) as u8;
            if *counted == 1 {
                let c = &mut self.vessel_bins[self.tip_bins.voxel_bin(&self.grid, i)];
                *c = c.saturating_add(1);
            }
        }
        self.vessel_changes.clear();
        let rate = exchange_rate(self.o2_rates, v);
        // The exchange map is the box blur of the per-voxel exchange rate;
        // only the lines a changed voxel reaches are blurred again (same bits
        // as blurring the whole map).
        self.o2_blur.update(&mut self.o2_exchange, rate);
    }

    /// Bring what [`Workspace::refresh_vessel_list`] derives up to date
    /// after the voxels in `vessel_changes` changed O₂ exchange class, then
    /// clear that list. The result is bit-identical to a full refresh; the
    /// cost grows with the number of changes (plus one pass over the
    /// perfused list) instead of with the grid.
    pub fn apply_vessel_changes(&mut self, t: &Tissue) {
        let mut changed = std::mem::take(&mut self.vessel_changes);
        if changed.is_empty() {
            self.vessel_changes = changed;
            return;
        }
        // Many changes at once (regression of a whole vessel bed): one
        // pass over the grid is then the cheaper way to the same result.
        if changed.len() * 8 > self.region.len() {
            self.vessel_changes = changed;
            self.refresh_vessel_list(t);
            return;
        }
        changed.sort_unstable();
        changed.dedup();
        let v = t.vessel.as_slice().expect("standard layout");
        // Merge the changes into the sorted perfused list.
        let old = &self.vessel_list;
        let merged = &mut self.list_scratch;
        merged.clear();
        let mut at = 0;
        let mut exact = true;
        for &c in &changed {
            let next = at + old[at..].partition_point(|&o| o < c);
            merged.extend_from_slice(&old[at..next]);
            at = next;
            if old.get(at) == Some(&c) {
                at += 1;
            }
            let now = vessel::perfused(v[c as usize]);
            if now && self.region.binary_search(&c).is_ok() {
                merged.push(c);
            }
            let was = std::mem::replace(&mut self.counted[c as usize], now as u8) == 1;
            let count = &mut self.vessel_bins[self.tip_bins.voxel_bin(&self.grid, c as usize)];
            // A saturated count no longer tells how many voxels it holds.
            exact &= *count < u16::MAX;
            match (was, now) {
                (false, true) => *count = count.saturating_add(1),
                (true, false) => *count = count.saturating_sub(1),
                _ => {}
            }
            exact &= *count < u16::MAX;
        }
        merged.extend_from_slice(&old[at..]);
        std::mem::swap(&mut self.vessel_list, &mut self.list_scratch);
        self.o2_blur.update_at(
            &mut self.o2_exchange,
            &changed,
            exchange_rate(self.o2_rates, v),
        );
        changed.clear();
        self.vessel_changes = changed;
        if !exact {
            self.refresh_vessel_list(t);
        }
    }

    /// True when changing a vessel voxel from state `old` to `new` changes
    /// what [`Workspace::refresh_vessel_list`] derives (the perfused list and
    /// the O₂ exchange map): such a voxel belongs in `vessel_changes`.
    #[inline]
    pub fn vessel_change_matters(old: u8, new: u8) -> bool {
        vessel::exchange_changes(old, new)
    }
}

/// The tip bin of flat voxel index `i` of `g` (the bin of its centre, as
/// for `Workspace::region_bin`).
#[inline]
pub fn voxel_bin(g: &crate::grid::Grid, bins: &Bins, i: usize) -> usize {
    bins.voxel_bin(g, i)
}

/// The per-voxel O₂ exchange rate (1/min) of the vessel states `v`, before
/// the Krogh-radius blur: `(vessel exchange, abnormal multiplier)`.
fn exchange_rate((kv, ab): (f32, f32), v: &[u8]) -> impl Fn(usize) -> f32 + Sync + '_ {
    move |i| match vessel::exchange(v[i]) {
        vessel::Exchange::Normal => kv,
        vessel::Exchange::Abnormal => kv * ab,
        vessel::Exchange::None => 0.0,
    }
}

/// The depth structure of every field of a 3D run (see
/// [`crate::scenario::depth`]): each field's own diffusivity in tissue,
/// times `carrier_diffusion_mult` in the carrier layer for every field but
/// oxygen; in the dressing O₂ diffuses at `dressing_o2_permeability` of its
/// rate and is not consumed. The oxygen field's bottom face holds the
/// plexus pO₂ and its top face the air or oxygen-therapy pO₂ (closed under
/// an occlusive dressing); every other field has no-flux bottom and top
/// faces.
pub fn field_layers(
    p: &Params,
    patient: &crate::scenario::patient::PatientValues,
) -> Vec<FieldLayers> {
    use crate::scenario::depth::LayerKind;
    use crate::scenario::rates::{plexus_po2_mmhg, surface_po2_mmhg};
    use crate::scenario::Boundary;
    let tr = &p.scenario.treatment;
    let therapy = tr.standard_care.oxygen_therapy_mmhg > 0.0;
    let perm = if therapy {
        1.0
    } else {
        tr.standard_care.dressing_o2_permeability
    };
    let gel = tr.carrier_diffusion_mult();
    p.fields
        .iter()
        .enumerate()
        .map(|(f, (_, spec))| {
            let o2 = f == p.ids.oxygen;
            let mut l = FieldLayers::uniform(&p.grid, spec);
            for (iz, kind) in p.depth.kinds.iter().enumerate() {
                match kind {
                    LayerKind::Carrier if !o2 => l.diffusion_um2_per_min[iz] *= gel,
                    LayerKind::Dressing if o2 => {
                        l.diffusion_um2_per_min[iz] *= perm;
                        l.decay_scale[iz] = 0.0;
                    }
                    _ => {}
                }
            }
            if o2 {
                l.bottom = (Boundary::Dirichlet, plexus_po2_mmhg(p, patient));
                if let (Some(top), true) = (surface_po2_mmhg(p), perm > 0.0) {
                    l.top = (Boundary::Dirichlet, top);
                }
            }
            l
        })
        .collect()
}

/// Edge of the neighbourhood bins (µm): crowding, efferocytosis, lateral inhibition.
pub const BIN_UM: f64 = 100.0;
