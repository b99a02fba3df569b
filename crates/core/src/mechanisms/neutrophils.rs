//! Neutrophils: the first wave of inflammation. Recruited from perfused
//! vessels near the wound within hours of wounding, they kill bacteria,
//! secrete TNF-α, ROS and MMP-8/-9, destroy TIMP with their elastase, turn
//! apoptotic after a short life and are eaten by
//! macrophages (efferocytosis), which pushes the eaters toward M2; an
//! apoptotic cell left uncleared undergoes secondary necrosis into debris.
//!
//! Recruitment hazard per perfused vessel voxel near the wound (per minute):
//! `crowd · capacity · open_share · perfusion ·
//!  (k_inj·S(t) + k_dmg·(debris + bacteria) + k_tnf·T/(T+K))`,
//! and, from the perfused tissue the bed lies on (dermis or subcutis, at
//! `base_site_density` vessels per footprint voxel: see
//! [`super::sites`]), per 100 µm bin of the footprint with `n` voxels,
//! `crowd · n · base_site_density · open_b · perfusion · (the same
//! three drives at the bin centre)`, `open_b` the open share of the bin's
//! footprint (the epithelium closing over the bed shuts its supply off
//! bin by bin), while the margin's vessels follow the whole wound's open
//! share (its chemokines reach them from everywhere); without the base
//! the cells enter only at the margin and, up the TNF-α they make there,
//! stay in a ring around the wound. The injury signal is `S(t) = (t/τ)·e^(1 − t/τ)` (damage-associated
//! signals and chemokines released at wounding; τ = `influx_peak_h` × the
//! patient's `neutrophil_influx_time_mult`, so a diabetic host's influx comes
//! later and lasts longer), `crowd` and `capacity` as for the macrophages.
//! Apoptosis: a constant hazard (`lifespan_h`). Efferocytosis: a hazard per
//! macrophage in the apoptotic cell's 100 µm neighbourhood, × the patient's
//! `efferocytosis_mult` (diabetic 0.5, Khanna 2010). `bacteria` is the open
//! wound's mean bacterial burden (`Tissue::bioburden`, refreshed from the
//! bacteria maps): PAMPs and chemokines of the bed reach the vessels around
//! it. Killing of bacteria is the live cells' local term in
//! `mechanisms::bacteria`, secretion is [`secrete`] (field steps).
//!
//! The one effect on another kind, a macrophage eating an apoptotic
//! neutrophil, is an event in [`NeutrophilStep::efferocytosis`] (the eating
//! macrophage's index, in neutrophil id order), applied by
//! [`super::macrophages::push_toward_m2`].

use super::sites::{OpenShare, Sites};
use super::{blend_direction, sat};
use crate::agents::{neutrophil_state, Bins, Neutrophils};
use crate::engine::{self, Births, Fate};
use crate::fields::{Fields, Sources};
use crate::grid::Grid;
use crate::rng::{hazard_bound, hazard_hit, Purpose, Stream};
use crate::scenario::rates::{NeutrophilRates, Vertical};
use crate::scenario::FieldIds;
use crate::tissue::Tissue;
use rayon::prelude::*;

/// What happened to one neutrophil in a cell step.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum Event {
    /// Nothing structural.
    #[default]
    None,
    /// Turned apoptotic this step.
    Apoptosis,
    /// Eaten by the macrophage at this index.
    Eaten(u32),
    /// Became necrotic debris at this voxel.
    Necrosis(u32),
}

/// Per-cell outcome computed in parallel.
#[derive(Debug, Clone, Copy, Default)]
pub struct Outcome {
    x: f32,
    y: f32,
    event: Event,
}

/// The neutrophils' scratch memory (kept between steps).
#[derive(Debug, Default)]
pub struct Scratch {
    /// One outcome per neutrophil.
    pub out: Vec<Outcome>,
    /// Positions of recruited cells.
    pub births: Vec<(f32, f32)>,
}

/// What the neutrophils read and write in one cell step.
pub struct NeutrophilStep<'a> {
    /// Their parameters.
    pub rates: &'a NeutrophilRates,
    /// Depth: neutrophils live in the wound bed's layer (the slice in 2D).
    pub vertical: &'a Vertical,
    /// Grid geometry.
    pub grid: &'a Grid,
    /// Field indices.
    pub ids: FieldIds,
    /// Run seed (the random streams' key).
    pub seed: u64,
    /// Base step (also the time since wounding).
    pub step: u64,
    /// Base step length (min).
    pub dt_base_min: f64,
    /// Fields (read: TNF-α and its gradient).
    pub fields: &'a Fields,
    /// Tissue: debris (written by secondary necrosis), the open wound and
    /// the mean bacterial burden (read).
    pub tissue: &'a mut Tissue,
    /// Macrophage bins, for the current macrophages (read: who eats).
    pub mac_bins: &'a Bins,
    /// Neutrophil bins, rebuilt for the current neutrophils (visiting order,
    /// crowding).
    pub neu_bins: &'a Bins,
    /// Voxels within recruitment range of the wound (read: its size).
    pub region_len: usize,
    /// Perfused vessel voxels in the region (read: recruitment sites).
    pub vessel_list: &'a [u32],
    /// Recruitment sites in the tissue under the bed (read).
    pub base_sites: &'a Sites,
    /// The open share of each bin of `base_sites` (read; brought up to
    /// date by the workspace after every closure step).
    pub base_open: &'a OpenShare,
    /// The neutrophils (written).
    pub neutrophils: &'a mut Neutrophils,
    /// New ids and the agent cap (recruitment).
    pub births: Births<'a>,
    /// Apoptotic neutrophils eaten so far (written).
    pub efferocytosed: &'a mut u64,
    /// Events out: the macrophage (index) that ate each eaten neutrophil, in
    /// neutrophil id order (cleared first).
    pub efferocytosis: &'a mut Vec<u32>,
    /// Scratch memory.
    pub scratch: &'a mut Scratch,
}

/// One cell step: apoptosis, motility, efferocytosis and secondary
/// necrosis of apoptotic cells, then recruitment.
pub fn update(v: NeutrophilStep<'_>) {
    let NeutrophilStep {
        rates: r,
        vertical,
        grid,
        ids,
        seed,
        step,
        dt_base_min,
        fields,
        tissue,
        mac_bins,
        neu_bins,
        region_len,
        vessel_list,
        base_sites,
        base_open,
        neutrophils,
        births,
        efferocytosed,
        efferocytosis,
        scratch,
    } = v;
    // This step's events only.
    efferocytosis.clear();
    let g = *grid;
    let dt = r.dt_min;
    let speed = r.speed_um_per_min;
    let eff_rate = r.efferocytosis_per_macrophage_per_min;
    {
        let ns = &*neutrophils;
        // Visited bin by bin; each outcome is stored at its cell's index.
        engine::outcomes_in_order(&neu_bins.items, &mut scratch.out, |i| {
            let id = ns.id[i];
            let (x, y) = (ns.x[i], ns.y[i]);
            let (ix, iy) = g.voxel_of(x, y);
            let mut rng = Stream::new(seed, id, step, Purpose::NeutrophilFate);
            let mut out = Outcome {
                x,
                y,
                event: Event::None,
            };
            if ns.state[i] == neutrophil_state::APOPTOTIC {
                let b = mac_bins.bin_of(x, y);
                let near = mac_bins.count(b);
                if near > 0 && rng.hazard(eff_rate * near as f64, dt as f64) {
                    out.event = Event::Eaten(mac_bins.in_bin(b)[0]);
                } else if ns.apoptotic_min[i] + dt >= r.secondary_necrosis_min {
                    out.event = Event::Necrosis(g.idx(ix, iy) as u32);
                }
                return out;
            }
            if rng.chance(r.apoptosis_prob) {
                out.event = Event::Apoptosis;
                return out;
            }
            let mut mv = Stream::new(seed, id, step, Purpose::NeutrophilMove);
            let (gx, gy) = fields.gradient(&g, ids.tnf, ix, iy, vertical.bed);
            let (dx, dy) = blend_direction(gx, gy, r.chemotaxis_bias, mv.direction());
            let (nx, ny) = g.clamp(x + dx * speed * dt, y + dy * speed * dt);
            out.x = nx;
            out.y = ny;
            out
        });
    }
    // Apply in id order.
    let necrosis = r.necrosis_debris;
    {
        let debris = tissue.debris.as_slice_mut().expect("standard layout");
        engine::apply(neutrophils, &scratch.out, |ns, i, o| {
            ns.x[i] = o.x;
            ns.y[i] = o.y;
            if ns.state[i] == neutrophil_state::APOPTOTIC {
                ns.apoptotic_min[i] += dt;
            }
            match o.event {
                Event::None => {}
                Event::Apoptosis => {
                    ns.state[i] = neutrophil_state::APOPTOTIC;
                    ns.apoptotic_min[i] = 0.0;
                }
                Event::Eaten(mac) => {
                    efferocytosis.push(mac);
                    *efferocytosed += 1;
                    return Fate::Leaves;
                }
                Event::Necrosis(v) => {
                    let d = &mut debris[v as usize];
                    *d = (*d + necrosis).min(1.0);
                    return Fate::Leaves;
                }
            }
            Fate::Stays
        });
    }
    recruit(Recruit {
        rates: r,
        vertical,
        grid: &g,
        ids,
        seed,
        step,
        t_min: step as f64 * dt_base_min,
        fields,
        tissue,
        neu_bins,
        region_len,
        vessel_list,
        base_sites,
        base_open,
        neutrophils,
        births,
        scratch,
    });
}

/// What recruitment reads and writes.
struct Recruit<'a, 'b> {
    rates: &'a NeutrophilRates,
    vertical: &'a Vertical,
    grid: &'a Grid,
    ids: FieldIds,
    seed: u64,
    step: u64,
    t_min: f64,
    fields: &'a Fields,
    tissue: &'a Tissue,
    neu_bins: &'a Bins,
    region_len: usize,
    vessel_list: &'a [u32],
    base_sites: &'a Sites,
    base_open: &'a OpenShare,
    neutrophils: &'a mut Neutrophils,
    births: Births<'b>,
    scratch: &'a mut Scratch,
}

/// Recruit new neutrophils at perfused vessel voxels near the wound (the
/// hazard in the module docs), and from the tissue under the bed. As for
/// the macrophages, the open wound is the source of the signals, so the
/// margin's rate scales with the whole wound's open share and the bed's with
/// its bin's, and the per-vessel rate is scaled down once the region holds
/// more perfused vessel than intact tissue.
fn recruit(v: Recruit<'_, '_>) {
    let Recruit {
        rates: r,
        vertical,
        grid,
        ids,
        seed,
        step,
        t_min,
        fields,
        tissue,
        neu_bins: bins,
        region_len,
        vessel_list: list,
        base_sites,
        base_open,
        neutrophils,
        mut births,
        scratch,
    } = v;
    let g = *grid;
    let (bed_offset, bed_z) = (vertical.bed_offset, vertical.bed_z_um);
    let dt = r.dt_min as f64;
    let open = base_open;
    let open_share = open.whole();
    scratch.births.clear();
    if open_share <= 0.0 {
        return;
    }
    let intact = region_len as f64 * r.vessel_density * r.vessel_density_mult;
    let capacity = (intact.max(1.0) / list.len().max(1) as f64).min(1.0);
    let debris = tissue.debris.as_slice().expect("standard layout");
    let injury = r.recruit_injury_per_vessel_per_min * r.injury_signal(t_min);
    let bio = tissue.bioburden;
    let scale = capacity * open_share * r.perfusion;
    let cap = (r.max_per_voxel * (bins.size_um as f64 / g.dx_um).powi(2)).max(1e-9);
    scratch.births.par_extend(list.par_iter().filter_map(|&v| {
        let v = v as usize;
        let mut rng = Stream::new(seed, v as u64, step, Purpose::NeutrophilRecruit);
        let u = rng.uniform();
        // The rate is at most this (no crowding, TNF-α saturated): most draws
        // miss it, before the neighbour count and the field are read.
        let damage = r.recruit_damage_per_vessel_per_min * (debris[v] as f64 + bio);
        if u >= hazard_bound(
            scale * (injury + damage + r.recruit_tnf_per_vessel_per_min),
            dt,
        ) {
            return None;
        }
        let (ix, iy) = (v % g.nx, v / g.nx);
        let (x, y) = g.center(ix, iy);
        let crowd = 1.0 - bins.count(bins.bin_of(x as f32, y as f32)) as f64 / cap;
        if crowd <= 0.0 {
            return None;
        }
        let rate = crowd
            * scale
            * (injury
                + damage
                + r.recruit_tnf_per_vessel_per_min
                    * sat(fields.at(ids.tnf, bed_offset + v), r.tnf_half_ng_per_ml) as f64);
        if hazard_hit(u, rate, dt) {
            let jx = (rng.uniform() - 0.5) * g.dx_um;
            let jy = (rng.uniform() - 0.5) * g.dx_um;
            Some(((x + jx) as f32, (y + jy) as f32))
        } else {
            None
        }
    }));
    // From the tissue under the bed: its vessels at `base_site_density`
    // per footprint voxel, driven by the bin centre's signals, and scaled
    // by the open share of the bin (the bed the epithelium has not covered).
    let base = r.base_site_density * r.perfusion;
    if base > 0.0 {
        let rate = |b: usize, n: u32, (x, y): (f32, f32)| {
            let crowd = (1.0 - bins.count(bins.bin_of(x, y)) as f64 / cap) * open.of(b);
            if crowd <= 0.0 {
                return 0.0;
            }
            let c = g.index_of(x, y);
            let damage = r.recruit_damage_per_vessel_per_min * (debris[c] as f64 + bio);
            let tnf = sat(fields.at(ids.tnf, bed_offset + c), r.tnf_half_ng_per_ml) as f64;
            base * n as f64 * crowd * (injury + damage + r.recruit_tnf_per_vessel_per_min * tnf)
        };
        let purpose = Purpose::NeutrophilBaseRecruit;
        base_sites.arrivals(seed, step, purpose, dt, rate, &mut scratch.births);
    }
    births.admit(neutrophils, &scratch.births, |ns, id, (x, y)| {
        let (x, y) = g.clamp(x, y);
        ns.push(id, x, y, bed_z);
    });
}

/// What neutrophil secretion reads and writes in one field step.
pub struct NeutrophilSecretion<'a> {
    /// Parameters (per-cell rates resolved to field indices).
    pub rates: &'a NeutrophilRates,
    /// Depth: secretion goes into the wound bed's layer.
    pub vertical: &'a Vertical,
    /// Grid geometry.
    pub grid: &'a Grid,
    /// The neutrophils (read).
    pub neutrophils: &'a Neutrophils,
    /// Whether the `timp` field is solved at this field step (its uptake
    /// is discarded at the others, so the elastase term is skipped there).
    pub timp_due: bool,
    /// Source buffers (written: deposits added).
    pub sources: &'a mut Sources,
}

/// Live neutrophils' secretion for one field step, summed in id order, and
/// the TIMP their released elastase destroys (elastase cleaves TIMP-1:
/// Okada 1988; Itoh & Nagase 1995; Jackson 2010): a first-order loss added
/// to the `timp` field's uptake, spread evenly over the box of about 100 µm around
/// each live cell (the pericellular space the released enzyme reaches; a
/// one-voxel sink could clear at most one voxel's TIMP per `timp` step,
/// however fast its rate).
pub fn secrete(v: NeutrophilSecretion<'_>) {
    let NeutrophilSecretion {
        rates: r,
        vertical,
        grid: g,
        neutrophils: ns,
        timp_due,
        sources,
    } = v;
    if !ns.state.contains(&neutrophil_state::LIVE) {
        return;
    }
    let live = || (0..ns.len()).filter(|&i| ns.state[i] == neutrophil_state::LIVE);
    if !r.secretion.is_empty() {
        let fields: Vec<usize> = r.secretion.iter().map(|&(f, _)| f).collect();
        let mut bufs = sources.srcs_mut(&fields);
        for i in live() {
            let v = vertical.bed_offset + g.index_of(ns.x[i], ns.y[i]);
            for (k, &(_, rate)) in r.secretion.iter().enumerate() {
                bufs[k][v] += rate;
            }
        }
    }
    if let Some((timp, k)) = r.timp_inactivation.filter(|_| timp_due) {
        let u = sources
            .uptake_mut(timp)
            .as_slice_mut()
            .expect("standard layout");
        let (nx, ny, reach) = (g.nx, g.ny, r.timp_inactivation_reach);
        for i in live() {
            let (ix, iy) = g.voxel_of(ns.x[i], ns.y[i]);
            let (x0, x1) = (ix.saturating_sub(reach), (ix + reach).min(nx - 1));
            let (y0, y1) = (iy.saturating_sub(reach), (iy + reach).min(ny - 1));
            let share = k / ((x1 - x0 + 1) * (y1 - y0 + 1)) as f32;
            for jy in y0..=y1 {
                let row = vertical.bed_offset + jy * nx;
                for e in &mut u[row + x0..=row + x1] {
                    *e += share;
                }
            }
        }
    }
}
