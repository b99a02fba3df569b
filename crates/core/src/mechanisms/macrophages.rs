//! Macrophages: recruitment from perfused vessels near the wound, continuous
//! polarization, finite lifespan, motility and debris clearance.
//!
//! Recruitment, with `D = k_base + k_tnf·T/(T+K) + k_debris·debris`: per
//! perfused vessel voxel near the wound, the hazard
//! `crowd · capacity · open_share · perfusion · D` (`capacity` scales the
//! per-vessel rate down once the region holds more perfused vessel than
//! intact tissue), and per 100 µm bin of the footprint with `n` voxels,
//! from the perfused tissue the bed lies on (see [`super::sites`]),
//! `crowd · n · base_site_density · open_b · perfusion · D` at the bin
//! centre (no capacity factor: that tissue's vessels do not grow), with
//! `open_b` the open share of the bin's footprint and `open_share` the
//! whole wound's.
//!
//! Polarization `p` (0 = M1, 1 = M2) follows
//! `dp/dt = k · (D₂ (1 − p) − D₁ p)` with
//! `D₂ = intrinsic + w_IL10·IL10/(IL10+K) + w_TGFβ·TGFβ/(TGFβ+K) + w_PGE2·PGE2/(PGE2+K)
//! + w_EV·Q/(Q+K)` (PGE2 of licensed MSCs, Németh 2009; `Q` the cell's
//! extracellular-vesicle cargo, which follows `dQ/dt = U − Q·ln 2/t½` with
//! its uptake `U` = clearance × the local `ev`, Ti 2015) and
//! `D₁ = w_TNF·TNF/(TNF+K) + w_hyp·h(O₂) + w_dmg·(debris + bacteria)`
//! (bacteria: the local planktonic + biofilm burden, `mechanisms::bacteria`);
//! `k = switch_per_day × patient multiplier` (diabetic ×0.5). Efferocytosis
//! of a dead MSC or an apoptotic neutrophil adds a step toward M2 (see
//! `msc_fate` and `neutrophils`).

use super::sites::{OpenShare, Sites};
use super::{blend_direction, hif, sat};
use crate::agents::{Bins, Macrophages};
use crate::engine::{self, Births, Fate};
use crate::fields::Fields;
use crate::grid::Grid;
use crate::rng::{hazard_bound, hazard_hit, Purpose, Stream};
use crate::scenario::rates::{MacrophageRates, Polarization, Vertical, MIN_PER_DAY};
use crate::scenario::FieldIds;
use crate::tissue::Tissue;
use rayon::prelude::*;

/// Per-cell outcome computed in parallel.
#[derive(Debug, Clone, Copy, Default)]
pub struct Outcome {
    x: f32,
    y: f32,
    z: f32,
    pol: f32,
    ev_cargo: f32,
    dies: bool,
}

/// The macrophages' scratch memory (kept between steps).
#[derive(Debug, Default)]
pub struct Scratch {
    /// One outcome per macrophage.
    pub out: Vec<Outcome>,
    /// Positions of recruited cells.
    pub births: Vec<(f32, f32)>,
}

/// What the macrophages read and write in one cell step.
pub struct MacrophageStep<'a> {
    /// Their parameters.
    pub rates: &'a MacrophageRates,
    /// Where cells may be in depth (3D: they also walk along z; recruits
    /// start in the bed layer, whose vessels they leave).
    pub vertical: &'a Vertical,
    /// Grid geometry.
    pub grid: &'a Grid,
    /// Field indices.
    pub ids: FieldIds,
    /// Run seed (the random streams' key).
    pub seed: u64,
    /// Base step.
    pub step: u64,
    /// Fields (read: IL-10, TGF-β, PGE2, TNF-α, O₂ and the TNF-α gradient).
    pub fields: &'a Fields,
    /// Tissue: debris (cleared where cells stand), the open wound and
    /// the local bacterial burden (read).
    pub tissue: &'a mut Tissue,
    /// Macrophage bins, rebuilt for the current cells (visiting order,
    /// crowding).
    pub mac_bins: &'a Bins,
    /// Voxels within recruitment range of the wound (read: its size).
    pub region_len: usize,
    /// Perfused vessel voxels in the region (read: recruitment sites).
    pub vessel_list: &'a [u32],
    /// Recruitment sites in the tissue under the bed (read).
    pub base_sites: &'a Sites,
    /// The open share of each bin of `base_sites` (read; brought up to
    /// date by the workspace after every closure step).
    pub base_open: &'a OpenShare,
    /// The macrophages (written).
    pub macs: &'a mut Macrophages,
    /// New ids and the agent cap (recruitment).
    pub births: Births<'a>,
    /// Scratch memory.
    pub scratch: &'a mut Scratch,
}

/// Polarization rate dp/dt (per day) for local signals; `ev_cargo` is the
/// vesicle cargo the cell holds (cell equivalents, [`ev_cargo_step`]).
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn polarization_rate(
    m: &Polarization,
    switch_mult: f64,
    pol: f32,
    il10: f32,
    tgfb: f32,
    pge2: f32,
    ev_cargo: f32,
    tnf: f32,
    o2: f32,
    damage: f32,
) -> f32 {
    let d2 = m.intrinsic_m2_drive
        + m.il10_m2_drive * sat(il10, m.il10_half_ng_per_ml)
        + m.tgfb_m2_drive * sat(tgfb, m.tgfb_half_ng_per_ml)
        + m.pge2_m2_drive * sat(pge2, m.pge2_half_ng_per_ml)
        + m.ev_m2_drive * sat(ev_cargo, m.ev_half_cell_eq);
    let d1 = m.tnf_m1_drive * sat(tnf, m.tnf_half_ng_per_ml)
        + m.hypoxia_m1_drive * hif(o2, m.hypoxia.onset_mmhg, m.hypoxia.saturation_mmhg)
        + m.damage_m1_drive * damage;
    (m.switch_per_day * switch_mult) as f32 * (d2 * (1.0 - pol) - d1 * pol)
}

/// A macrophage's uptake of free vesicles (cell-eq/min) at local `ev`
/// (cell-eq/µL): its clearance volume rate × the concentration.
#[inline]
pub fn ev_uptake_per_min(m: &Polarization, ev: f32) -> f32 {
    m.ev_clearance_ul_per_min * ev.max(0.0)
}

/// A macrophage's vesicle cargo after one cell step at local free vesicles
/// `ev` (cell-eq/µL), from `cargo`: the exact solution of
/// `dQ/dt = U − kQ` for the step's uptake U ([`ev_uptake_per_min`]).
#[inline]
pub fn ev_cargo_step(m: &Polarization, cargo: f32, ev: f32) -> f32 {
    cargo * m.ev_cargo_keep + ev_uptake_per_min(m, ev) * m.ev_cargo_gain_min
}

/// Efferocytosis: each macrophage that ate a dead MSC (`eaters`, macrophage
/// indices, in the MSCs' id order, from [`super::msc_fate::update`]) moves
/// toward M2 by `msc.efferocytosis_m2_push`.
pub fn efferocytose(r: &MacrophageRates, pol: &mut [f32], eaters: &[u32]) {
    push_toward_m2(pol, eaters, r.efferocytosis_m2_push);
}

/// Efferocytosis of any kind of dead cell: each macrophage in `eaters`
/// (indices, one per cell eaten, in the eaten cells' id order) moves toward
/// M2 by `push` (at most to 1). Neutrophils' events use
/// `neutrophil.efferocytosis_m2_push`.
pub fn push_toward_m2(pol: &mut [f32], eaters: &[u32], push: f32) {
    for &m in eaters {
        let q = &mut pol[m as usize];
        *q = (*q + push).min(1.0);
    }
}

/// One cell step: move, polarize, die; clear debris; recruit.
pub fn update(v: MacrophageStep<'_>) {
    let MacrophageStep {
        rates: r,
        vertical,
        grid,
        ids,
        seed,
        step,
        fields,
        tissue,
        mac_bins,
        region_len,
        vessel_list,
        base_sites,
        base_open,
        macs,
        births,
        scratch,
    } = v;
    let dt = r.dt_min;
    let g = *grid;
    let death_p = r.death_prob;
    let speed = r.speed_um_per_min;
    let switch_mult = r.switch_mult;
    // The optional systemic term of an intravenous dose adds to every
    // cell's intrinsic M2 drive this step.
    let polarization = Polarization {
        intrinsic_m2_drive: r.polarization.intrinsic_m2_drive + r.systemic.m2_drive_at(step),
        ..r.polarization
    };
    {
        let mac = &*macs;
        let debris = tissue.debris.as_slice().expect("standard layout");
        let plank = tissue.planktonic.as_slice().expect("standard layout");
        let film = tissue.biofilm.as_slice().expect("standard layout");
        // Visit the cells bin by bin (neighbours read nearby memory); each
        // outcome is stored at its cell's index, so nothing depends on the
        // visiting order. Any permutation of 0..n will do, so bins of
        // earlier positions too.
        engine::outcomes_in_order(&mac_bins.items, &mut scratch.out, |i| {
            let id = mac.id[i];
            let (x, y, z) = (mac.x[i], mac.y[i], mac.z[i]);
            let (ix, iy) = g.voxel_of(x, y);
            // The tissue maps' voxel and the field voxel at the cell's
            // depth (the same in 2D).
            let v = g.idx(ix, iy);
            let iz = g.layer_of(z);
            let f = g.idx3(ix, iy, iz);
            let mut rng = Stream::new(seed, id, step, Purpose::MacFate);
            if rng.chance(death_p) {
                return Outcome {
                    x,
                    y,
                    z,
                    pol: mac.pol[i],
                    ev_cargo: mac.ev_cargo[i],
                    dies: true,
                };
            }
            // Debris and the local bacterial burden (PAMPs push toward M1).
            let damage = (debris[v] + plank[v] + film[v]).min(1.5);
            let rate = polarization_rate(
                &polarization,
                switch_mult,
                mac.pol[i],
                fields.at(ids.il10, f),
                fields.at_opt(ids.tgfb, f),
                fields.at_opt(ids.pge2, f),
                mac.ev_cargo[i],
                fields.at(ids.tnf, f),
                fields.at(ids.oxygen, f),
                damage,
            );
            // The polarization ODE is integrated per day: its rate is a
            // product of local signals, so it is converted at this one step.
            let pol = (mac.pol[i] + rate * dt / MIN_PER_DAY as f32).clamp(0.0, 1.0);
            // The cargo drives this step's polarization, then takes up more.
            let ev_cargo = match ids.ev {
                Some(e) => ev_cargo_step(&r.polarization, mac.ev_cargo[i], fields.at(e, f)),
                None => 0.0,
            };
            let mut mv = Stream::new(seed, id, step, Purpose::MacMove);
            let (gx, gy) = fields.gradient(&g, ids.tnf, ix, iy, iz);
            let (dx, dy) = blend_direction(gx, gy, r.chemotaxis_bias, mv.direction());
            let (nx, ny) = g.clamp(x + dx * speed * dt, y + dy * speed * dt);
            let nz = if vertical.walk {
                super::walk_z(vertical, seed, id, step, z, speed * dt)
            } else {
                z
            };
            Outcome {
                x: nx,
                y: ny,
                z: nz,
                pol,
                ev_cargo,
                dies: false,
            }
        });
    }
    // Apply in id order; clear debris where each cell stands.
    let clear = r.debris_clear_prob;
    {
        let debris = tissue.debris.as_slice_mut().expect("standard layout");
        engine::apply(macs, &scratch.out, |macs, i, o| {
            if o.dies {
                return Fate::Leaves;
            }
            macs.x[i] = o.x;
            macs.y[i] = o.y;
            macs.z[i] = o.z;
            macs.pol[i] = o.pol;
            macs.ev_cargo[i] = o.ev_cargo;
            let v = g.index_of(o.x, o.y);
            debris[v] -= debris[v] * clear;
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
        fields,
        tissue,
        mac_bins,
        region_len,
        vessel_list,
        base_sites,
        base_open,
        macs,
        births,
        scratch,
    });
}

/// What recruitment reads and writes.
struct Recruit<'a, 'b> {
    rates: &'a MacrophageRates,
    vertical: &'a Vertical,
    grid: &'a Grid,
    ids: FieldIds,
    seed: u64,
    step: u64,
    fields: &'a Fields,
    tissue: &'a Tissue,
    mac_bins: &'a Bins,
    region_len: usize,
    vessel_list: &'a [u32],
    base_sites: &'a Sites,
    base_open: &'a OpenShare,
    macs: &'a mut Macrophages,
    births: Births<'b>,
    scratch: &'a mut Scratch,
}

/// Recruit new macrophages at perfused vessel voxels near the wound and
/// from the tissue under the bed. The open wound is the source of the
/// chemokines, so the margin's rate scales with the open share of the wound
/// and the bed's with the open share of its bin: recruitment winds down as
/// the wound closes.
/// Chemokines, not vessel wall, limit recruitment once the region holds more
/// perfused vessel than intact tissue: the per-vessel rate is then scaled
/// down so the total stays at the intact-tissue level (no vessel →
/// macrophage → VEGF runaway).
fn recruit(v: Recruit<'_, '_>) {
    let Recruit {
        rates: m,
        vertical,
        grid,
        ids,
        seed,
        step,
        fields,
        tissue,
        mac_bins: bins,
        region_len,
        vessel_list: list,
        base_sites,
        base_open,
        macs,
        mut births,
        scratch,
    } = v;
    let g = *grid;
    let dt = m.dt_min;
    let perf = m.perfusion;
    let open = base_open;
    let open_share = open.whole();
    scratch.births.clear();
    if open_share <= 0.0 {
        // A closed wound recruits nobody: every rate below would be zero.
        return;
    }
    let intact = region_len as f64 * m.vessel_density * m.vessel_density_mult;
    // At least one vessel's worth, so tissue without intact vessels still
    // recruits through the vessels it grows.
    let capacity = (intact.max(1.0) / list.len().max(1) as f64).min(1.0);
    let debris = tissue.debris.as_slice().expect("standard layout");
    let cap = (m.max_per_voxel * (bins.size_um as f64 / g.dx_um).powi(2)).max(1e-9);
    scratch.births.par_extend(list.par_iter().filter_map(|&v| {
        let v = v as usize;
        let mut rng = Stream::new(seed, v as u64, step, Purpose::Recruit);
        let u = rng.uniform();
        // The rate is at most this (no crowding, TNF-α saturated): most draws
        // miss it, before the neighbour count and the field are read.
        let debris_term = m.recruit_debris_per_vessel_per_min * debris[v] as f64;
        let most = capacity
            * open_share
            * (m.recruit_base_per_vessel_per_min + m.recruit_tnf_per_vessel_per_min + debris_term)
            * perf;
        if u >= hazard_bound(most, dt as f64) {
            return None;
        }
        let (ix, iy) = (v % g.nx, v / g.nx);
        let (x, y) = g.center(ix, iy);
        let crowd = 1.0 - bins.count(bins.bin_of(x as f32, y as f32)) as f64 / cap;
        if crowd <= 0.0 {
            return None;
        }
        let rate = crowd
            * capacity
            * open_share
            * (m.recruit_base_per_vessel_per_min
                + m.recruit_tnf_per_vessel_per_min
                    * sat(
                        fields.at(ids.tnf, vertical.bed_offset + v),
                        m.polarization.tnf_half_ng_per_ml,
                    ) as f64
                + debris_term)
            * perf;
        if hazard_hit(u, rate, dt as f64) {
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
    let base = m.base_site_density * perf;
    if base > 0.0 {
        let k_tnf = m.polarization.tnf_half_ng_per_ml;
        let rate = |b: usize, n: u32, (x, y): (f32, f32)| {
            let crowd = (1.0 - bins.count(bins.bin_of(x, y)) as f64 / cap) * open.of(b);
            if crowd <= 0.0 {
                return 0.0;
            }
            let c = g.index_of(x, y);
            let tnf = sat(fields.at(ids.tnf, vertical.bed_offset + c), k_tnf) as f64;
            base * n as f64
                * crowd
                * (m.recruit_base_per_vessel_per_min
                    + m.recruit_tnf_per_vessel_per_min * tnf
                    + m.recruit_debris_per_vessel_per_min * debris[c] as f64)
        };
        let purpose = Purpose::MacrophageBaseRecruit;
        base_sites.arrivals(seed, step, purpose, dt as f64, rate, &mut scratch.births);
    }
    let pol0 = m.initial_polarization;
    births.admit(macs, &scratch.births, |macs, id, (x, y)| {
        let (x, y) = g.clamp(x, y);
        macs.push(id, x, y, vertical.bed_z_um, pol0);
    });
}
