//! The state of a run: everything that defines it at a step, serializable
//! (a checkpoint is a [`SimState`]).

use crate::agents::{Fibroblasts, Macrophages, Mscs, Neutrophils, Store, Tips};
use crate::engine::Births;
use crate::fields::Fields;
use crate::scenario::patient::PatientValues;
use crate::scenario::Params;
use crate::series::Row;
use crate::tissue::{vessel, Tissue};
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
    /// Neutrophils.
    pub neutrophils: Neutrophils,
    /// Tip cells.
    pub tips: Tips,
    /// Fibroblasts and myofibroblasts.
    pub fibroblasts: Fibroblasts,
    /// True once a cell-free dose was given.
    pub depot_active: bool,
    /// Time-series rows so far.
    pub rows: Vec<Row>,
    /// Counters.
    pub msc_deaths: u64,
    /// Dead MSCs eaten by macrophages.
    pub efferocytosed: u64,
    /// Apoptotic neutrophils eaten by macrophages.
    pub neutrophils_efferocytosed: u64,
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
            neutrophils: Neutrophils::default(),
            tips: Tips::default(),
            fibroblasts: Fibroblasts::default(),
            depot_active: false,
            rows: Vec::new(),
            msc_deaths: 0,
            efferocytosed: 0,
            neutrophils_efferocytosed: 0,
            anastomoses: 0,
            debridements: 0,
            doses_given: 0,
            agent_cap_hit_step: None,
        };
        crate::mechanisms::bacteria::seed(
            &mut st.tissue,
            patient.bioburden,
            patient.biofilm,
            p.scenario.bacteria.initial_biofilm_share,
        );
        if p.scenario.treatment.standard_care.debridement_every_days > 0.0 {
            crate::mechanisms::care::debride(
                &mut st.tissue,
                &mut st.mscs,
                &mut st.debridements,
                p.scenario.bacteria.debridement_biofilm_removal as f32,
            );
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
        self.mscs.len()
            + self.macs.len()
            + self.neutrophils.len()
            + self.tips.len()
            + self.fibroblasts.len()
    }

    /// How many of `wanted` new agents may be added now, by the rule every
    /// birth path (MSC division, macrophage recruitment, tip sprouting,
    /// neutrophil recruitment, dosing) applies through its [`Births`], so agents of all kinds
    /// together never exceed
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

    /// The births of one agent kind (`others`: agents of all other kinds):
    /// new ids and the agent cap, borrowed from this state's id counter and
    /// cap record. Split-borrow the stores first, then call
    /// [`births_from`] with those two fields.
    pub fn births(&mut self, p: &Params, others: usize) -> Births<'_> {
        births_from(
            &mut self.next_id,
            &mut self.agent_cap_hit_step,
            self.step,
            p,
            others,
        )
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
        // Fields hold every layer; the tissue maps are the bed layer's.
        let field_shape = [g.nz * g.ny, g.nx];
        for (name, a) in names.iter().zip(&self.fields.data) {
            if a.shape() != field_shape || !a.is_standard_layout() {
                return Err(format!(
                    "field '{name}' has shape {:?}, the grid is {field_shape:?} (nz·ny, nx)",
                    a.shape()
                ));
            }
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
        for (what, a) in [
            ("tissue.provisional", &t.provisional),
            ("tissue.collagen", &t.collagen),
            ("tissue.planktonic", &t.planktonic),
            ("tissue.biofilm", &t.biofilm),
        ] {
            grid_array(what, a.shape(), a.is_standard_layout())?;
            if let Some(v) = a.iter().find(|&&v| !(0.0..=1.0).contains(&v)) {
                return Err(format!("{what} holds {v}, outside 0–1"));
            }
        }
        if let Some((i, (&p, &b))) = t
            .planktonic
            .iter()
            .zip(t.biofilm.iter())
            .enumerate()
            .find(|(_, (&p, &b))| p + b > 1.0 + 1e-5)
        {
            return Err(format!(
                "tissue: planktonic {p} + biofilm {b} at voxel {i} exceed the carrying capacity 1"
            ));
        }
        if !(0.0..=1.0 + 1e-9).contains(&t.bioburden) {
            return Err(format!(
                "tissue.bioburden (the mean bacterial burden) = {} is outside 0–1",
                t.bioburden
            ));
        }
        let voxels = g.len() as u64;
        if t.open0 > voxels || t.footprint_count > voxels || !t.bioburden.is_finite() {
            return Err(format!(
                "tissue counters open0 = {}, footprint_count = {}, bioburden = {} do not fit {voxels} voxels",
                t.open0, t.footprint_count, t.bioburden
            ));
        }
        let (w, h) = (g.width_um() as f32, g.height_um() as f32);
        let d = g.depth_um() as f32;
        let ids = |kind: &str, s: &dyn Store| {
            let (id, x, y, z) = (s.ids(), s.xs(), s.ys(), s.zs());
            if let Some(n) = s.column_lens().into_iter().find(|&n| n != id.len()) {
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
            if let Some(i) = (0..x.len()).find(|&i| {
                !((0.0..=w).contains(&x[i])
                    && (0.0..=h).contains(&y[i])
                    && (0.0..=d).contains(&z[i]))
            }) {
                return Err(format!(
                    "{kind} {}: position ({}, {}, {}) µm is outside the {w} × {h} × {d} µm domain",
                    id[i], x[i], y[i], z[i]
                ));
            }
            Ok(())
        };
        let m = &self.mscs;
        ids("MSCs", m)?;
        if let Some(s) = m
            .state
            .iter()
            .find(|&&s| s > crate::agents::msc_state::DEAD)
        {
            return Err(format!("MSCs: state {s} is not a known state"));
        }
        for (name, col) in [
            ("HIF-1α activity", &m.hif),
            ("licensing", &m.licensing),
            ("stress", &m.stress),
        ] {
            if let Some(i) = col.iter().position(|v| !(0.0..=1.0).contains(v)) {
                return Err(format!("MSC {}: {name} {} is outside 0–1", m.id[i], col[i]));
            }
        }
        if let Some(i) = (0..m.len()).find(|&i| m.cells[i] == 0) {
            return Err(format!(
                "MSC {}: it carries 0 cells (every agent is at least 1 cell)",
                m.id[i]
            ));
        }
        if let Some(i) =
            (0..m.len()).find(|&i| m.state[i] != crate::agents::msc_state::LIVE && m.cells[i] > 1)
        {
            return Err(format!(
                "MSC {}: a dead or senescent agent carries {} cells (only a live agent is an aggregate)",
                m.id[i], m.cells[i]
            ));
        }
        ids("macrophages", &self.macs)?;
        if let Some(i) = (0..self.macs.len()).find(|&i| {
            let c = self.macs.ev_cargo[i];
            !(c.is_finite() && c >= 0.0)
        }) {
            return Err(format!(
                "macrophage {}: vesicle cargo {} is not a finite number ≥ 0",
                self.macs.id[i], self.macs.ev_cargo[i]
            ));
        }
        ids("neutrophils", &self.neutrophils)?;
        if let Some(s) = self
            .neutrophils
            .state
            .iter()
            .find(|&&s| s > crate::agents::neutrophil_state::APOPTOTIC)
        {
            return Err(format!("neutrophils: state {s} is not a known state"));
        }
        ids("fibroblasts", &self.fibroblasts)?;
        if let Some(s) = self
            .fibroblasts
            .state
            .iter()
            .find(|&&s| s > crate::agents::fibroblast_state::MYOFIBROBLAST)
        {
            return Err(format!("fibroblasts: state {s} is not a known state"));
        }
        let tp = &self.tips;
        ids("tip cells", tp)?;
        if let Some(v) = tp
            .trail
            .iter()
            .flatten()
            .find(|&&v| v as usize >= g.layer_len())
        {
            return Err(format!(
                "tip cells: trail voxel {v} is outside the {} voxels of the vessel map",
                g.layer_len()
            ));
        }
        let cols = crate::series::columns(p).len();
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

/// [`Births`] over a state's id counter and cap record (borrowed apart
/// from its agent stores) at base step `step`, for a kind beside `others`
/// agents of the other kinds.
pub fn births_from<'a>(
    next_id: &'a mut u64,
    cap_hit_step: &'a mut Option<u64>,
    step: u64,
    p: &Params,
    others: usize,
) -> Births<'a> {
    Births {
        next_id,
        cap_hit_step,
        step,
        max_agents: p.scenario.limits.max_agents,
        others,
    }
}
