//! The simulation: serializable state, scratch workspace, and the step.
//!
//! [`step`] runs the phases of the registry ([`crate::phase`]) in the order
//! of [`Phase::ALL`], each on the base steps its [`Cadence`] names:
//! dosing, sources, fields (with the neighbour bins), MSC fate,
//! macrophages, angiogenesis, remodelling, closure, standard care, observe.

use crate::agents::{Bins, Macrophages, Mscs, Tips};
use crate::error::{Error, Result};
use crate::fields::solver::{BadValue, Solver, Stage};
use crate::fields::{Fields, Sources};
use crate::mechanisms::{self, secretion};
use crate::observe::{self, Row};
pub use crate::phase::{Cadence, Phase, PhaseTimes, Stopwatch};
use crate::scenario::patient::PatientValues;
use crate::scenario::Params;
use crate::tissue::{vessel, Tissue};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

/// Everything that defines a run at a step (serializable for checkpoints).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimState {
    /// Run seed.
    pub seed: u64,
    /// Base steps done.
    pub step: u64,
    /// Next agent id (ids are never reused).
    pub next_id: u64,
    /// This run's patient (nominal or drawn for a cohort replicate).
    pub patient: PatientValues,
    /// Diffusing fields.
    pub fields: Fields,
    /// Tissue state.
    pub tissue: Tissue,
    /// MSCs.
    pub mscs: Mscs,
    /// Macrophages.
    pub macs: Macrophages,
    /// Tip cells.
    pub tips: Tips,
    /// True once a cell-free dose was given.
    pub depot_active: bool,
    /// Time-series rows so far.
    pub rows: Vec<Row>,
    /// Counters.
    pub msc_deaths: u64,
    /// Dead MSCs eaten by macrophages.
    pub efferocytosed: u64,
    /// Anastomoses so far.
    pub anastomoses: u64,
    /// Debridements so far.
    pub debridements: u64,
    /// Doses given so far.
    pub doses_given: u64,
    /// First step at which a birth (or a dose) was cut short by
    /// `limits.max_agents`; None while the cap was never reached.
    pub agent_cap_hit_step: Option<u64>,
}

impl SimState {
    /// Initial state for `params` with run `seed` and `patient`.
    pub fn new(p: &Params, seed: u64, patient: PatientValues) -> Self {
        let mut st = SimState {
            seed,
            step: 0,
            next_id: 1,
            patient,
            fields: Fields::new(&p.grid, &p.fields),
            tissue: Tissue::new(p, seed),
            mscs: Mscs::default(),
            macs: Macrophages::default(),
            tips: Tips::default(),
            depot_active: false,
            rows: Vec::new(),
            msc_deaths: 0,
            efferocytosed: 0,
            anastomoses: 0,
            debridements: 0,
            doses_given: 0,
            agent_cap_hit_step: None,
        };
        st.tissue.bioburden = patient.bioburden;
        if p.scenario.treatment.standard_care.debridement_every_days > 0.0 {
            mechanisms::care::debride(&mut st);
        }
        st
    }

    /// A fresh agent id.
    pub fn new_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Agents of all kinds.
    pub fn agent_count(&self) -> usize {
        self.mscs.len() + self.macs.len() + self.tips.len()
    }

    /// How many of `wanted` new agents may be added now: every birth path
    /// (MSC division, macrophage recruitment, tip sprouting, dosing) asks
    /// here, so agents of all kinds together never exceed
    /// `limits.max_agents` (whose worst case [`crate::run::check_memory`]
    /// holds to the memory budget). The first step at which births are cut
    /// short is kept in [`SimState::agent_cap_hit_step`].
    pub fn birth_room(&mut self, p: &Params, wanted: usize) -> usize {
        let room = p
            .scenario
            .limits
            .max_agents
            .saturating_sub(self.agent_count() as u64);
        self.capped(wanted, room)
    }

    /// How many of `wanted` cell-free depot deposits one dose may place:
    /// each is a placed particle like an agent, so a dose places at most
    /// `limits.max_agents` of them (recorded like [`SimState::birth_room`]).
    pub fn deposit_room(&mut self, p: &Params, wanted: usize) -> usize {
        self.capped(wanted, p.scenario.limits.max_agents)
    }

    fn capped(&mut self, wanted: usize, room: u64) -> usize {
        if wanted as u64 > room {
            self.agent_cap_hit_step.get_or_insert(self.step);
            room as usize
        } else {
            wanted
        }
    }

    /// Simulated day.
    pub fn day(&self, p: &Params) -> f64 {
        p.steps.day(self.step)
    }

    /// Check that this state fits `p` (e.g. one read from a checkpoint):
    /// the step is within the run, the fields are the scenario's enabled
    /// fields, every per-voxel array has the grid's shape and its values
    /// their allowed range, every agent store's columns have one length,
    /// ids are strictly increasing and below `next_id`, positions lie in
    /// the domain, tip trails index the grid, and every time-series row has
    /// one value per column. The error names the first mismatch.
    pub fn validate(&self, p: &Params) -> std::result::Result<(), String> {
        let g = p.grid;
        let shape = [g.ny, g.nx];
        if self.step > p.steps.total {
            return Err(format!(
                "step {} is past the run's {} steps",
                self.step, p.steps.total
            ));
        }
        let names = p.field_names();
        if self.fields.names != names {
            return Err(format!(
                "fields {:?}, the scenario has {:?}",
                self.fields.names, names
            ));
        }
        if self.fields.units.len() != names.len() || self.fields.data.len() != names.len() {
            return Err(format!(
                "{} field units and {} field arrays for {} fields",
                self.fields.units.len(),
                self.fields.data.len(),
                names.len()
            ));
        }
        let grid_array = |what: &str, dims: &[usize], std: bool| {
            if dims != shape || !std {
                Err(format!(
                    "{what} has shape {dims:?}, the grid is {shape:?} (ny, nx)"
                ))
            } else {
                Ok(())
            }
        };
        for (name, a) in names.iter().zip(&self.fields.data) {
            grid_array(
                &format!("field '{name}'"),
                a.shape(),
                a.is_standard_layout(),
            )?;
        }
        let t = &self.tissue;
        for (what, a, max) in [
            ("tissue.open", &t.open, 1u8),
            ("tissue.footprint", &t.footprint, 1),
            ("tissue.vessel", &t.vessel, vessel::MATURE),
        ] {
            grid_array(what, a.shape(), a.is_standard_layout())?;
            if let Some(v) = a.iter().find(|&&v| v > max) {
                return Err(format!("{what} holds {v}, at most {max} is allowed"));
            }
        }
        for (what, a) in [
            ("tissue.vessel_age_d", &t.vessel_age_d),
            ("tissue.debris", &t.debris),
            ("tissue.depot", &t.depot),
        ] {
            grid_array(what, a.shape(), a.is_standard_layout())?;
        }
        let voxels = g.len() as u64;
        if t.open0 > voxels || t.footprint_count > voxels || !t.bioburden.is_finite() {
            return Err(format!(
                "tissue counters open0 = {}, footprint_count = {}, bioburden = {} do not fit {voxels} voxels",
                t.open0, t.footprint_count, t.bioburden
            ));
        }
        let (w, h) = (g.width_um() as f32, g.height_um() as f32);
        let ids = |kind: &str, id: &[u64], cols: &[usize], x: &[f32], y: &[f32]| {
            if let Some(n) = cols.iter().find(|&&n| n != id.len()) {
                return Err(format!(
                    "{kind}: a column holds {n} values for {} agents",
                    id.len()
                ));
            }
            if let Some(k) = id.windows(2).position(|v| v[0] >= v[1]) {
                return Err(format!(
                    "{kind}: ids {} and {} are not strictly increasing",
                    id[k],
                    id[k + 1]
                ));
            }
            if let Some(&last) = id.last() {
                if last >= self.next_id {
                    return Err(format!(
                        "{kind}: id {last} is not below next_id = {}",
                        self.next_id
                    ));
                }
            }
            if let Some(i) =
                (0..x.len()).find(|&i| !((0.0..=w).contains(&x[i]) && (0.0..=h).contains(&y[i])))
            {
                return Err(format!(
                    "{kind} {}: position ({}, {}) µm is outside the {w} × {h} µm domain",
                    id[i], x[i], y[i]
                ));
            }
            Ok(())
        };
        let m = &self.mscs;
        ids(
            "MSCs",
            &m.id,
            &[
                m.x.len(),
                m.y.len(),
                m.state.len(),
                m.in_carrier.len(),
                m.unanchored_min.len(),
                m.age_min.len(),
                m.dead_min.len(),
            ],
            &m.x,
            &m.y,
        )?;
        if let Some(s) = m
            .state
            .iter()
            .find(|&&s| s > crate::agents::msc_state::DEAD)
        {
            return Err(format!("MSCs: state {s} is not a known state"));
        }
        let mac = &self.macs;
        ids(
            "macrophages",
            &mac.id,
            &[mac.x.len(), mac.y.len(), mac.pol.len()],
            &mac.x,
            &mac.y,
        )?;
        let tp = &self.tips;
        ids(
            "tip cells",
            &tp.id,
            &[tp.x.len(), tp.y.len(), tp.age_min.len(), tp.trail.len()],
            &tp.x,
            &tp.y,
        )?;
        if let Some(v) = tp.trail.iter().flatten().find(|&&v| v as usize >= g.len()) {
            return Err(format!(
                "tip cells: trail voxel {v} is outside the {} voxels",
                g.len()
            ));
        }
        let cols = observe::columns(p).len();
        if let Some(r) = self
            .rows
            .iter()
            .find(|r| r.values.len() != cols || r.step > self.step)
        {
            return Err(format!(
                "time-series row at step {} has {} values for {cols} columns",
                r.step,
                r.values.len()
            ));
        }
        Ok(())
    }
}

/// Scratch memory and derived tables (never serialized; rebuilt from params).
pub struct Workspace {
    /// Field solver factors.
    pub solver: Solver,
    /// Source and uptake rates.
    pub sources: Sources,
    /// Secretion table.
    pub secretion: secretion::Table,
    /// Macrophage bins.
    pub mac_bins: Bins,
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
    /// MSC outcomes.
    pub msc_out: Vec<mechanisms::msc_fate::Outcome>,
    /// Macrophage outcomes.
    pub mac_out: Vec<mechanisms::macrophages::Outcome>,
    /// Tip outcomes.
    pub tip_out: Vec<mechanisms::angiogenesis::Outcome>,
    /// Birth positions.
    pub births: Vec<(f32, f32)>,
    /// Macrophages (indices) that ate a dead MSC this cell step, in MSC id
    /// order: MSC fate's event list for the macrophages.
    pub efferocytosis: Vec<u32>,
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
        let mut solver = Solver::new(&g, &p.fields, p.steps.dt_min * p.steps.field_every as f64);
        solver.set_upper_bound(p.ids.oxygen, o2_bound_mmhg(p) as f32);
        let mut ws = Workspace {
            solver,
            sources: Sources::new(&g, p.fields.len()),
            secretion: secretion::Table::new(p, st.patient.tnf_secretion_mult),
            mac_bins: Bins::new(g.width_um(), g.height_um(), BIN_UM.max(g.dx_um)),
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
            msc_out: Vec::new(),
            mac_out: Vec::new(),
            tip_out: Vec::new(),
            births: Vec::new(),
            efferocytosis: Vec::new(),
            vessel_changes: Vec::new(),
            list_scratch: Vec::new(),
        };
        ws.refresh_vessel_list(&st.tissue);
        ws
    }

    /// The tip bin of flat voxel index `i` (the bin of its centre).
    #[inline]
    pub fn voxel_bin(&self, i: usize) -> usize {
        voxel_bin(&self.grid, &self.tip_bins, i)
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
                let c = &mut self.vessel_bins[voxel_bin(&self.grid, &self.tip_bins, i)];
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
            let count = &mut self.vessel_bins[voxel_bin(&self.grid, &self.tip_bins, c as usize)];
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
        exchange_class(old) != exchange_class(new)
    }
}

/// The tip bin of flat voxel index `i` of `g` (the bin of its centre, as
/// for `Workspace::region_bin`).
#[inline]
pub fn voxel_bin(g: &crate::grid::Grid, bins: &Bins, i: usize) -> usize {
    let (x, y) = g.center(i % g.nx, i / g.nx);
    bins.bin_of(x as f32, y as f32)
}

/// How a vessel state exchanges O₂ (perfused states are exactly the
/// non-`None` classes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ExchangeClass {
    None,
    Normal,
    Abnormal,
}

/// The per-voxel O₂ exchange rate (1/min) of the vessel states `v`, before
/// the Krogh-radius blur: `(vessel exchange, abnormal multiplier)`.
fn exchange_rate((kv, ab): (f32, f32), v: &[u8]) -> impl Fn(usize) -> f32 + Sync + '_ {
    move |i| match exchange_class(v[i]) {
        ExchangeClass::Normal => kv,
        ExchangeClass::Abnormal => kv * ab,
        ExchangeClass::None => 0.0,
    }
}

#[inline]
fn exchange_class(s: u8) -> ExchangeClass {
    match s {
        vessel::PERFUSED | vessel::MATURE => ExchangeClass::Normal,
        vessel::ABNORMAL => ExchangeClass::Abnormal,
        _ => ExchangeClass::None,
    }
}

/// Relative tolerance of the run-time O₂ bound for f32 round-off: the
/// implicit steps keep tissue pO₂ at or below the highest supplying pO₂ in
/// exact arithmetic; in f32 a value can overshoot it by a few units in the
/// last place (about 1e-6 relative on a 600-voxel line), far below 1e-4.
pub const O2_BOUND_REL_TOL: f64 = 1e-4;

/// The largest tissue pO₂ (mmHg) a run may reach: the highest supplying
/// pO₂ ([`mechanisms::tissue_sources::o2_supply_max_mmhg`]) plus the
/// round-off tolerance [`O2_BOUND_REL_TOL`]. A field step that produces a
/// higher value fails with [`Error::Invariant`].
pub fn o2_bound_mmhg(p: &Params) -> f64 {
    mechanisms::tissue_sources::o2_supply_max_mmhg(p) * (1.0 + O2_BOUND_REL_TOL)
}

/// Edge of the neighbourhood bins (µm): crowding, efferocytosis, lateral inhibition.
pub const BIN_UM: f64 = 100.0;

/// Run `f`, which drives one run's steps, while the other workers of the
/// current rayon pool poll for work instead of sleeping.
///
/// Between its parallel loops a step has short sequential stretches (applying
/// agent outcomes in id order, births, bookkeeping); an idle rayon worker
/// falls asleep after a few microseconds and takes tens of microseconds to
/// wake for the next loop, many times per step. Polling workers pick the
/// next loop up at once, at the price of keeping every thread of the pool
/// busy for the whole run (OpenMP runtimes likewise spin a while before
/// they sleep). Use it only when the pool serves this one run: under
/// [`step`] calls that share the pool with other work (cohort replicates in
/// parallel) the other work would wait for the polling workers.
///
/// Results do not change: polling only decides when an idle worker looks
/// for work, not what any task computes.
pub fn with_polling_workers<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let others = rayon::current_num_threads().saturating_sub(1);
    if others == 0 {
        return f();
    }
    /// Tells the pollers to stop when `f` returns or unwinds.
    struct Stop<'a>(&'a AtomicBool);
    impl Drop for Stop<'_> {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Release);
        }
    }
    let (done, go, started) = (
        AtomicBool::new(false),
        AtomicBool::new(false),
        AtomicUsize::new(0),
    );
    let (done, go, started) = (&done, &go, &started);
    rayon::scope(|sc| {
        let driver = rayon::current_thread_index();
        for _ in 0..others {
            sc.spawn(move |_| {
                // A poller taken up after the run started (possibly by a
                // worker waiting inside a task the run needs) or by the
                // driver itself must not hold that thread: it returns.
                if go.load(Ordering::Acquire) || rayon::current_thread_index() == driver {
                    return;
                }
                started.fetch_add(1, Ordering::AcqRel);
                let mut idle = 0;
                while !done.load(Ordering::Acquire) {
                    if rayon::yield_now() == Some(rayon::Yield::Executed) {
                        idle = 0;
                        continue;
                    }
                    // Back off (up to 64 pauses, a few microseconds): each
                    // look for work touches the other workers' queues.
                    idle = (idle + 1).min(4);
                    for _ in 0..(4 << idle) {
                        std::hint::spin_loop();
                    }
                }
            });
        }
        // Give the idle workers a moment to take the pollers up (a bounded
        // number of yields, a few milliseconds at most; no clock needed).
        for _ in 0..20_000 {
            if started.load(Ordering::Acquire) >= others {
                break;
            }
            std::thread::yield_now();
        }
        go.store(true, Ordering::Release);
        let _stop = Stop(done);
        f()
    })
}

/// Advance one base step. Returns an error on a numerical failure.
///
/// The step runs on a worker of the current rayon pool (inline when called
/// from one), so its many parallel loops start from a worker thread: a loop
/// then needs no hand-over from an outside thread that sleeps until it ends.
pub fn step(p: &Params, st: &mut SimState, ws: &mut Workspace) -> Result<()> {
    step_timed(p, st, ws, &mut PhaseTimes::default())
}

/// [`step`], adding each phase's wall time to `times` (with the core's
/// `clock` feature; without it the times stay zero).
pub fn step_timed(
    p: &Params,
    st: &mut SimState,
    ws: &mut Workspace,
    times: &mut PhaseTimes,
) -> Result<()> {
    rayon::scope(|_| step_on_worker(p, st, ws, times))
}

/// The phases of [`Phase::ALL`] in order, each where its cadence says.
fn step_on_worker(
    p: &Params,
    st: &mut SimState,
    ws: &mut Workspace,
    times: &mut PhaseTimes,
) -> Result<()> {
    let k = st.step;
    if k == 0 && st.rows.is_empty() {
        let row = observe::observe(p, st);
        st.rows.push(row);
    }
    for phase in Phase::ALL {
        if phase == Phase::Observe {
            // Observation sees the state after the step.
            st.step += 1;
        }
        if !phase.info().cadence.due(&p.steps, k) {
            continue;
        }
        let clock = Stopwatch::start();
        run_phase(phase, p, st, ws)?;
        times.add(phase, clock.secs());
    }
    Ok(())
}

/// Run one phase of base step `st.step` (of the next step for
/// [`Phase::Observe`], which runs after the step counter moved on), whether
/// or not its cadence is due (that is [`step`]'s check); the bench suite
/// times the phases one by one with it.
pub fn run_phase(phase: Phase, p: &Params, st: &mut SimState, ws: &mut Workspace) -> Result<()> {
    match phase {
        Phase::Dosing => {
            let k = st.step;
            for i in 0..p.steps.doses.len() {
                if p.steps.doses[i] == k {
                    mechanisms::dosing::apply(p, st, i);
                }
            }
        }
        Phase::Sources => {
            mechanisms::tissue_sources::apply(p, st, &ws.o2_exchange, &mut ws.sources);
            secretion::apply(p, st, &ws.secretion, &mut ws.sources);
            mechanisms::dosing::decay_depot(p, st);
        }
        Phase::Fields => {
            // The neighbour bins of the cell processes are rebuilt alongside
            // the solve (no agent moves while the fields are solved).
            let field_step = Cadence::FieldStep.due(&p.steps, st.step);
            let cell_step = Cadence::CellStep.due(&p.steps, st.step);
            let (checked, ()) = rayon::join(
                || {
                    if field_step {
                        ws.solver.step_checked(&mut st.fields, &mut ws.sources)
                    } else {
                        Ok(())
                    }
                },
                || {
                    if cell_step {
                        ws.mac_bins.rebuild(&st.macs.x, &st.macs.y);
                        ws.tip_bins.rebuild(&st.tips.x, &st.tips.y);
                    }
                },
            );
            if let Err(bad) = checked {
                return Err(numerical_error(p, st, bad));
            }
        }
        Phase::MscFate => {
            mechanisms::msc_fate::update(p, st, ws);
            // Its events for the macrophages, applied before they move.
            mechanisms::macrophages::efferocytose(p, &mut st.macs.pol, &ws.efferocytosis);
        }
        Phase::Macrophages => mechanisms::macrophages::update(p, st, ws),
        Phase::Angiogenesis => mechanisms::angiogenesis::update(p, st, ws),
        Phase::Remodelling => mechanisms::angiogenesis::remodel(p, st, ws),
        Phase::Closure => mechanisms::closure::update(p, st, ws),
        Phase::Care => mechanisms::care::update(p, st),
        Phase::Observe => {
            // Check the capillary cap once per output step (a count over
            // the vessel map, cheap at that cadence).
            if let Some(bad) = mechanisms::angiogenesis::check_capillary_cap(p, st, &ws.tip_bins) {
                return Err(cap_error(p, st, bad));
            }
            let row = observe::observe(p, st);
            if st.rows.last().map(|r| r.step) != Some(st.step) {
                st.rows.push(row);
            }
        }
    }
    Ok(())
}

fn numerical_error(p: &Params, st: &SimState, bad: BadValue) -> Error {
    let BadValue {
        field: f,
        index: i,
        value: v,
        stage,
    } = bad;
    let name = st.fields.names[f].clone();
    let spec = &p.fields[f].1;
    if f == p.ids.oxygen && v.is_finite() && v > 0.0 {
        return o2_bound_error(p, st, i, v, stage);
    }
    let cause = match stage {
        Stage::Reaction if v.is_nan() => format!(
            "a NaN appeared where sources, uptake and decay are applied; a rate in fields.{name}, \
             a secretion rate into '{name}' or a tissue source of '{name}' is not finite, \
             or the state was already corrupt"
        ),
        Stage::Reaction if v.is_infinite() => format!(
            "the source term of '{name}' overflowed; a secretion rate or tissue source into '{name}' \
             (or fields.{name}.initial) is far too large"
        ),
        Stage::Reaction => format!(
            "a negative value appeared where sources, uptake and decay are applied; check \
             fields.{name}.initial ({:?}) and the uptake rates of '{name}'",
            spec.initial
        ),
        Stage::Diffusion if v.is_finite() => format!(
            "diffusion produced a negative value; check fields.{name}.far_field ({:?}) and \
             fields.{name}.diffusion_um2_per_min ({:?})",
            spec.far_field, spec.diffusion_um2_per_min
        ),
        Stage::Diffusion => format!(
            "diffusion overflowed; fields.{name}.far_field ({:?}), \
             fields.{name}.diffusion_um2_per_min ({:?}) or the values of '{name}' are far too large",
            spec.far_field, spec.diffusion_um2_per_min
        ),
    };
    Error::Numerical {
        field: name.clone(),
        ix: i % p.grid.nx,
        iy: i / p.grid.nx,
        step: st.step,
        day: st.day(p),
        value: v as f64,
        cause,
    }
}

/// The error for a tissue pO₂ above the highest supplying pO₂.
fn o2_bound_error(p: &Params, st: &SimState, i: usize, v: f32, stage: Stage) -> Error {
    let supply = mechanisms::tissue_sources::o2_supply_max_mmhg(p);
    let cause = match stage {
        Stage::Reaction => format!(
            "the O₂ exchange terms relax the tissue toward more than the highest supplying pO₂ \
             ({supply} mmHg: tissue.blood_po2_mmhg, treatment.standard_care.oxygen_therapy_mmhg, \
             fields.oxygen.far_field on Dirichlet sides, fields.oxygen.initial); \
             a source of oxygen other than these exchanges, or a negative uptake or consumption rate, \
             was added"
        ),
        Stage::Diffusion => format!(
            "diffusion raised the tissue above the highest supplying pO₂ ({supply} mmHg); \
             the diffusion step is no longer a weighted mean (check fields.oxygen.diffusion_um2_per_min \
             and the oxygen field's boundaries), or the state was already corrupt"
        ),
    };
    Error::Invariant {
        quantity: "tissue pO₂ (field 'oxygen')".into(),
        ix: i % p.grid.nx,
        iy: i / p.grid.nx,
        step: st.step,
        day: st.day(p),
        value: v as f64,
        bound: o2_bound_mmhg(p) as f32 as f64,
        unit: "mmHg",
        cause,
    }
}

/// The error for a 100 µm bin holding more perfused vessels than the cap.
fn cap_error(p: &Params, st: &SimState, bad: mechanisms::angiogenesis::CapViolation) -> Error {
    let (i, count, bound) = bad;
    Error::Invariant {
        quantity: "perfused vessel density (100 µm bin)".into(),
        ix: i % p.grid.nx,
        iy: i / p.grid.nx,
        step: st.step,
        day: st.day(p),
        value: count as f64,
        bound: bound as f64,
        unit: "perfused voxels per bin",
        cause: format!(
            "new vessels were perfused in a bin already holding the capillary cap \
             (angiogenesis.max_vessel_density_rel = {} × tissue.vessel_density = {} of its voxels); \
             a step that perfuses vessels (anastomosis) bypassed the cap",
            p.scenario.angiogenesis.max_vessel_density_rel, p.scenario.tissue.vessel_density
        ),
    }
}
