//! MSC fate: death, senescence, release from a carrier, migration,
//! (rare) division, efferocytosis of dead cells by macrophages and secondary
//! necrosis of uncleared dead cells.
//!
//! Reads TNF-α, IFN-γ, the cells' stress and the macrophage bins; writes MSCs, debris (secondary
//! necrosis) and its counters. Its one effect on another kind, a macrophage
//! eating a dead MSC, is not written here: it is an event in
//! [`MscFate::efferocytosis`] (the eating macrophage's index, in MSC id
//! order), applied by [`super::macrophages::efferocytose`].
//!
//! Death hazard (per day):
//! `(base + tnf·T/(T+K)·I/(I+K_I) + (hypoxia + ros + anoikis·m_anoikis)·stress)
//!  × m_product × [in carrier: protection]`: TNF-α kills through the Fas
//! that IFN-γ (`I`) activates (Liu 2011; [`super::ifng_cosignal`], 1
//! without an `ifng` field); `stress` (0–1) is the
//! cell's state (`super::msc_state`): it relaxes toward
//! `(hypoxia·h(O₂)·(1 − p·HIF) + ros·R/(R+K_R) + anoikis·m_anoikis·[unanchored, no carrier])
//! / (hypoxia + ros + anoikis·m_anoikis)`, so a settled cell dies at the
//! hazard those terms give directly ([`death_hazard_per_min`]).
//! Senescence hazard: `senescence · T/(T+K)`.
//! Release from a carrier: hazard `ln 2 / release_half_life ·
//! (1 + g · a)`, where `a` is the free active MMP at the cell (nM,
//! `super::proteases`) and `g` = `protease.carrier_degradation_per_nm`:
//! proteases degrade the carrier ([`release_hit`]).

use super::{blend_direction, hif, sat};
use crate::agents::{msc_state, Bins, Mscs};
use crate::engine::{self, Births, Fate};
use crate::fields::Fields;
use crate::grid::Grid;
use crate::rng::{hazard_prob, Purpose, Stream};
use crate::scenario::rates::{AggregateRates, MscFateRates, Vertical};
use crate::scenario::FieldIds;
use ndarray::Array2;
use rand_distr::{Binomial, Distribution};

/// What happened to one MSC in a cell step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    /// Nothing structural.
    None,
    /// Died this step.
    Died,
    /// Became senescent.
    Senesced,
    /// Eaten by the macrophage at this index.
    Eaten(u32),
    /// Became necrotic debris at this voxel.
    Necrosis(u32),
    /// Divided.
    Divided,
    /// An aggregate lost `died` cells (apoptosis and its necrotic core) and
    /// shed `shed` single cells this step.
    Aggregate {
        /// Cells that died.
        died: u32,
        /// Cells that left as single cells.
        shed: u32,
    },
}

/// Per-cell outcome computed in parallel.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    x: f32,
    y: f32,
    z: f32,
    in_carrier: bool,
    unanchored_min: f32,
    event: Event,
}

/// MSC fate's scratch memory (kept between steps).
#[derive(Debug, Default)]
pub struct Scratch {
    /// One outcome per MSC.
    pub out: Vec<Outcome>,
}

/// What MSC fate reads and writes in one cell step.
pub struct MscFate<'a> {
    /// Its parameters.
    pub rates: &'a MscFateRates,
    /// Where cells may be in depth (3D: they also walk along z).
    pub vertical: &'a Vertical,
    /// Grid geometry.
    pub grid: &'a Grid,
    /// Field indices.
    pub ids: FieldIds,
    /// Run seed and base step (the random streams' keys).
    pub seed: u64,
    /// Base step.
    pub step: u64,
    /// Fields (read: O₂, TNF-α, IFN-γ).
    pub fields: &'a Fields,
    /// The free active MMP per voxel (nM; the fields' shape, empty without
    /// an `mmp` field): it degrades carriers.
    pub protease_active: &'a [f32],
    /// Macrophage bins (read: who is near a dead cell).
    pub mac_bins: &'a Bins,
    /// The MSCs (written).
    pub mscs: &'a mut Mscs,
    /// Necrotic debris (written by secondary necrosis).
    pub debris: &'a mut Array2<f32>,
    /// New ids and the agent cap (divisions).
    pub births: Births<'a>,
    /// MSC deaths so far (written).
    pub deaths: &'a mut u64,
    /// Dead MSCs eaten so far (written).
    pub efferocytosed: &'a mut u64,
    /// Events out: the macrophage (index) that ate each eaten MSC, in MSC
    /// id order (cleared first).
    pub efferocytosis: &'a mut Vec<u32>,
    /// Scratch memory.
    pub scratch: &'a mut Scratch,
}

/// Death hazard (per minute) of a live MSC with stress `stress` (0–1) at
/// TNF-α `tnf` (ng/mL) and IFN-γ co-signal `ifng_co` (0–1).
#[inline]
pub fn death_hazard_from_stress(
    r: &MscFateRates,
    tnf: f32,
    ifng_co: f32,
    stress: f32,
    in_carrier: bool,
    product_hazard: f32,
) -> f64 {
    let mut per_min = r.base_death_per_min
        + r.tnf_death_per_min * (sat(tnf, r.tnf_half_max_ng_per_ml) * ifng_co) as f64
        + r.stress_death_per_min * stress as f64;
    per_min *= product_hazard as f64;
    if in_carrier {
        per_min *= r.carrier_protection;
    }
    per_min
}

/// Death hazard (per minute) of a live MSC whose state has settled in a
/// constant environment (its HIF-1α activity at `h(O₂)` and its stress at
/// its insult): the hypoxia, ROS and anoikis terms directly, the hypoxic
/// one less the HIF-1α protection. `ifng_co` is the IFN-γ co-signal (0–1).
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn death_hazard_per_min(
    r: &MscFateRates,
    o2: f32,
    tnf: f32,
    ifng_co: f32,
    ros: f32,
    unanchored: bool,
    in_carrier: bool,
    product_hazard: f32,
) -> f64 {
    let h = hif(o2, r.hypoxia.onset_mmhg, r.hypoxia.saturation_mmhg) as f64;
    let mut per_min = r.base_death_per_min
        + r.hypoxia_death_per_min * h * (1.0 - r.hif_survival_protection as f64 * h)
        + r.tnf_death_per_min * (sat(tnf, r.tnf_half_max_ng_per_ml) * ifng_co) as f64
        + r.ros_death_per_min * sat(ros, r.ros_half_max_au) as f64;
    if unanchored && !in_carrier {
        per_min += r.anoikis_death_per_min;
    }
    per_min *= product_hazard as f64;
    if in_carrier {
        per_min *= r.carrier_protection;
    }
    per_min
}

/// One cell step of an aggregate of `cells` (> 1) live cells at local
/// pO₂ `o2_mmhg` whose single-cell death hazard is `hazard_per_min`: how
/// many cells die (contact-protected hazard, plus necrosis of the anoxic
/// core's share) and how many of the survivors leave, each a binomial draw
/// from the aggregate's own stream. At least one cell stays unless all die.
#[allow(clippy::too_many_arguments)]
pub fn aggregate_event(
    a: &AggregateRates,
    hazard_per_min: f64,
    dt_min: f64,
    o2_mmhg: f32,
    cells: u32,
    seed: u64,
    id: u64,
    step: u64,
) -> Event {
    let p_die = hazard_prob(hazard_per_min * a.contact_hazard_mult, dt_min);
    let anoxic = super::spheroid::anoxic_share(a, o2_mmhg, cells);
    let p = 1.0 - (1.0 - p_die) * (1.0 - anoxic * a.necrosis_prob);
    let mut rng = Stream::new(seed, id, step, Purpose::MscAggregate);
    let died = binomial(&mut rng, cells, p);
    let left = cells - died;
    let shed = if left > 1 {
        binomial(&mut rng, left, a.shed_prob).min(left - 1)
    } else {
        0
    };
    Event::Aggregate { died, shed }
}

/// A draw from Binomial(`n`, `p`) (`p` clamped into [0, 1]).
#[inline]
fn binomial(rng: &mut Stream, n: u32, p: f64) -> u32 {
    let p = if p.is_finite() {
        p.clamp(0.0, 1.0)
    } else {
        0.0
    };
    if p == 0.0 || n == 0 {
        return 0;
    }
    match Binomial::new(n as u64, p) {
        Ok(b) => b.sample(rng) as u32,
        Err(_) => 0,
    }
}

/// Whether the uniform draw `u` releases a cell from its carrier in one
/// cell step where the free active MMP is `active_nm`: hazard
/// `release · (1 + gain · active)` (`protease.carrier_degradation_per_nm`);
/// a route without a release half-life releases at once.
#[inline]
pub fn release_hit(r: &MscFateRates, active_nm: f64, u: f64) -> bool {
    if r.release_per_min.is_infinite() {
        return true;
    }
    let rate = r.release_per_min * (1.0 + r.release_gain_per_nm * active_nm.max(0.0));
    crate::rng::hazard_hit(u, rate, r.dt_min as f64)
}

/// One cell step of MSC fate.
pub fn update(v: MscFate<'_>) {
    let MscFate {
        rates: r,
        vertical,
        grid,
        ids,
        seed,
        step,
        fields,
        protease_active,
        mac_bins: bins,
        mscs,
        debris,
        mut births,
        deaths,
        efferocytosed,
        efferocytosis,
        scratch,
    } = v;
    // This step's events only, also when there is no MSC left to eat.
    efferocytosis.clear();
    let n = mscs.len();
    if n == 0 {
        return;
    }
    let dt = r.dt_min;
    let g = *grid;
    let eff_rate = r.efferocytosis_per_macrophage_per_min;
    let speed = r.speed_um_per_min;
    let ms = &*mscs;
    engine::outcomes(n, &mut scratch.out, |i| {
        let id = ms.id[i];
        let (x, y, z) = (ms.x[i], ms.y[i], ms.z[i]);
        let (ix, iy) = g.voxel_of(x, y);
        // The tissue maps' voxel (debris) and the field voxel at the cell's
        // depth (the same in 2D).
        let v = g.idx(ix, iy);
        let iz = g.layer_of(z);
        let f = g.idx3(ix, iy, iz);
        let mut out = Outcome {
            x,
            y,
            z,
            in_carrier: ms.in_carrier[i],
            unanchored_min: (ms.unanchored_min[i] - dt).max(0.0),
            event: Event::None,
        };
        let mut rng = Stream::new(seed, id, step, Purpose::MscFate);
        if ms.state[i] == msc_state::DEAD {
            // Efferocytosis by a macrophage nearby, or secondary necrosis.
            let b = bins.bin_of(x, y);
            let near = bins.count(b);
            if near > 0 && rng.hazard(eff_rate * near as f64, dt as f64) {
                out.event = Event::Eaten(bins.in_bin(b)[0]);
            } else if ms.dead_min[i] + dt >= r.secondary_necrosis_min {
                out.event = Event::Necrosis(v as u32);
            }
            return out;
        }
        let (hazard_m, _, _) = r.product.mults(ms.age_min[i]);
        let tnf = fields.at(ids.tnf, f);
        let ifng_co = super::ifng_cosignal(fields, ids.ifng, f, r.ifng_half_ng_per_ml);
        let h = death_hazard_from_stress(r, tnf, ifng_co, ms.stress[i], ms.in_carrier[i], hazard_m);
        let n_cells = ms.cells[i];
        if n_cells > 1 {
            let o2 = fields.at(ids.oxygen, f);
            out.event = aggregate_event(&r.aggregate, h, dt as f64, o2, n_cells, seed, id, step);
        } else if rng.hazard(h, dt as f64) {
            out.event = Event::Died;
            return out;
        }
        if ms.state[i] == msc_state::LIVE && n_cells == 1 {
            let s = r.senescence_per_min * sat(tnf, r.tnf_half_max_ng_per_ml) as f64;
            if rng.hazard(s, dt as f64) {
                out.event = Event::Senesced;
            } else if r.proliferation_per_min > 0.0
                && rng.hazard(r.proliferation_per_min, dt as f64)
            {
                out.event = Event::Divided;
            }
        }
        if out.in_carrier {
            let a = protease_active.get(f).copied().unwrap_or(0.0) as f64;
            if release_hit(r, a, rng.uniform()) {
                out.in_carrier = false;
                out.unanchored_min = 0.0;
            }
            return out;
        }
        let mut mv = Stream::new(seed, id, step, Purpose::MscMove);
        let (gx, gy) = fields.gradient(&g, ids.tnf, ix, iy, iz);
        let (dx, dy) = blend_direction(gx, gy, r.chemotaxis_bias, mv.direction());
        let (nx, ny) = g.clamp(x + dx * speed * dt, y + dy * speed * dt);
        out.x = nx;
        out.y = ny;
        if vertical.walk {
            out.z = super::walk_z(vertical, seed, id, step, z, speed * dt);
        }
        out
    });

    // Apply in id order.
    let mut divided: Vec<(f32, f32, f32, [f32; 3])> = Vec::new();
    // Shed cells: (aggregate id, position, state), in id order.
    let mut shed: Vec<(u64, f32, f32, f32, [f32; 3])> = Vec::new();
    let vol = r.aggregate.volume_per_cell_um3;
    let debris = debris.as_slice_mut().expect("standard layout");
    engine::apply(mscs, &scratch.out, |ms, i, o| {
        ms.x[i] = o.x;
        ms.y[i] = o.y;
        ms.z[i] = o.z;
        ms.in_carrier[i] = o.in_carrier;
        ms.unanchored_min[i] = o.unanchored_min;
        ms.age_min[i] += dt;
        if ms.state[i] == msc_state::DEAD {
            ms.dead_min[i] += dt;
        }
        match o.event {
            Event::None => {}
            Event::Died => {
                ms.state[i] = msc_state::DEAD;
                ms.dead_min[i] = 0.0;
                *deaths += 1;
            }
            Event::Senesced => ms.state[i] = msc_state::SENESCENT,
            Event::Eaten(mac) => {
                efferocytosis.push(mac);
                *efferocytosed += 1;
                return Fate::Leaves;
            }
            Event::Necrosis(v) => {
                let d = &mut debris[v as usize];
                *d = (*d + 0.05).min(1.0);
                return Fate::Leaves;
            }
            // A daughter inherits its mother's state.
            Event::Divided => {
                divided.push((o.x, o.y, o.z, [ms.hif[i], ms.licensing[i], ms.stress[i]]))
            }
            Event::Aggregate { died, shed: k } => {
                *deaths += died as u64;
                if died > 0 {
                    // Dead cells of an aggregate (apoptotic inside it or
                    // necrotic in its core) become debris where it lies.
                    let (ix, iy) = g.voxel_of(o.x, o.y);
                    let d = &mut debris[g.idx(ix, iy)];
                    *d = (*d + 0.05 * died as f32).min(1.0);
                }
                let left = ms.cells[i] - died;
                if left == 0 {
                    return Fate::Leaves;
                }
                if k > 0 {
                    // Next to the aggregate: on its surface, in a random
                    // direction (its own stream, one draw per cell).
                    let radius = super::spheroid::radius_um(ms.cells[i], vol) as f32;
                    let mut rs = Stream::new(seed, ms.id[i], step, Purpose::MscShed);
                    let state = [ms.hif[i], ms.licensing[i], ms.stress[i]];
                    for _ in 0..k {
                        let (ux, uy) = rs.direction();
                        let (x, y) = g.clamp(o.x + ux as f32 * radius, o.y + uy as f32 * radius);
                        shed.push((ms.id[i], x, y, o.z, state));
                    }
                }
                ms.cells[i] = left - k;
            }
        }
        Fate::Stays
    });
    births.admit(mscs, &divided, |ms, id, (x, y, z, state)| {
        ms.push_with_state(id, x, y, z, false, 0.0, state)
    });
    if !shed.is_empty() {
        // Shed cells under the agent cap, in order; those that do not fit
        // stay in their aggregate (the count is conserved).
        let n_old = mscs.len();
        let room = births.room(n_old, shed.len());
        for &(_, x, y, z, state) in &shed[..room] {
            let id = births.new_id();
            // Shed cells crawl out onto the matrix the aggregate lies on:
            // anchored (assumption; Amos 2010).
            mscs.push_with_state(id, x, y, z, false, 0.0, state);
        }
        for &(parent, ..) in &shed[room..] {
            if let Ok(k) = mscs.id[..n_old].binary_search(&parent) {
                mscs.cells[k] += 1;
            }
        }
    }
}
