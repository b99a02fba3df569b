//! The phase registry: every phase of the step, named once.
//!
//! [`Phase::ALL`] is the step order. Each phase's [`PhaseInfo`] gives its
//! name (used by the timers, `woundsim run`'s time shares and the bench
//! suite), its [`Cadence`] (which base steps run it), the module that
//! implements it and what it reads and writes (the table in ARCHITECTURE.md
//! is checked against it by a test). [`crate::sim::step_timed`] runs the
//! phases in this order and times each with one call; the times are kept in
//! [`PhaseTimes`], a counter set that lives with the caller, not in the
//! workspace.

use crate::scenario::Steps;
use serde::Serialize;

/// How often a phase runs, in whole base steps (validated at load time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Cadence {
    /// On the base steps of the scenario's dose days.
    DoseDays,
    /// Every `time.field_step_min`.
    FieldStep,
    /// Every field step and every cell step (the field solve runs on field
    /// steps; the neighbour bins built alongside it on cell steps).
    FieldOrCellStep,
    /// Every `time.cell_step_min`.
    CellStep,
    /// Every `time.tissue_step_min`.
    TissueStep,
    /// After every `output.every_days`, and after the last step.
    OutputStep,
}

impl Cadence {
    /// True when a phase of this cadence runs on base step `k` (0-based,
    /// the step about to be taken). Dose days are checked by the dosing
    /// phase itself (a step may hold several doses).
    pub fn due(self, s: &Steps, k: u64) -> bool {
        match self {
            Cadence::DoseDays => s.doses.contains(&k),
            Cadence::FieldStep => k.is_multiple_of(s.field_every),
            Cadence::FieldOrCellStep => Cadence::FieldStep.due(s, k) || Cadence::CellStep.due(s, k),
            Cadence::CellStep => k.is_multiple_of(s.cell_every),
            Cadence::TissueStep => k.is_multiple_of(s.tissue_every),
            Cadence::OutputStep => (k + 1).is_multiple_of(s.output_every) || k + 1 == s.total,
        }
    }

    /// The words used in the documentation's phase table.
    pub fn label(self) -> &'static str {
        match self {
            Cadence::DoseDays => "dose days",
            Cadence::FieldStep => "field step",
            Cadence::FieldOrCellStep => "field step (bins: cell step)",
            Cadence::CellStep => "cell step",
            Cadence::TissueStep => "tissue step",
            Cadence::OutputStep => "output step",
        }
    }
}

/// One phase of the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Phase {
    /// MSC or cell-free doses given on dose days.
    Dosing,
    /// Tissue sources, uptake and secretion into the source buffers.
    Sources,
    /// The field solve, with the neighbour bins rebuilt alongside it.
    Fields,
    /// The per-cell MSC state: HIF-1α activity, licensing, stress.
    MscState,
    /// MSC survival, migration, division and efferocytosis.
    MscFate,
    /// Neutrophil recruitment, apoptosis, migration and efferocytosis.
    Neutrophils,
    /// Macrophage recruitment, polarization, migration and death.
    Macrophages,
    /// Tip-cell sprouting, migration and anastomosis.
    Angiogenesis,
    /// Vessel regression and maturation.
    Remodelling,
    /// Fibroblast recruitment, division, differentiation, migration and
    /// apoptosis; the bed's matrix.
    Fibroblasts,
    /// Degradation of the bed's matrix by free active MMP.
    Proteases,
    /// Re-epithelialisation of the open wound.
    Closure,
    /// Standard care: debridement, reperfusion damage.
    Care,
    /// Bacteria and biofilm: growth, attachment, killing, spreading.
    Bacteria,
    /// One time-series row.
    Observe,
}

/// What the registry says about a phase.
#[derive(Debug, Clone, Copy)]
pub struct PhaseInfo {
    /// Short name (timers, bench items, `woundsim run`'s time shares).
    pub name: &'static str,
    /// Which base steps run it.
    pub cadence: Cadence,
    /// The module that implements it.
    pub module: &'static str,
    /// What it reads.
    pub reads: &'static str,
    /// What it writes.
    pub writes: &'static str,
}

impl Phase {
    /// Number of phases.
    pub const COUNT: usize = 15;

    /// Every phase, in step order.
    pub const ALL: [Phase; Phase::COUNT] = [
        Phase::Dosing,
        Phase::Sources,
        Phase::Fields,
        Phase::MscState,
        Phase::MscFate,
        Phase::Neutrophils,
        Phase::Macrophages,
        Phase::Angiogenesis,
        Phase::Remodelling,
        Phase::Fibroblasts,
        Phase::Proteases,
        Phase::Closure,
        Phase::Care,
        Phase::Bacteria,
        Phase::Observe,
    ];

    /// Position in [`Phase::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The registry entry.
    pub fn info(self) -> PhaseInfo {
        let (name, cadence, module, reads, writes) = match self {
            Phase::Dosing => (
                "dosing",
                Cadence::DoseDays,
                "mechanisms::dosing",
                "route, open wound, perfused vessels, TNF-α (intravenous)",
                "MSCs / cell-free depot",
            ),
            Phase::Sources => (
                "sources",
                Cadence::FieldStep,
                "mechanisms::tissue_sources, mechanisms::secretion, mechanisms::neutrophils::secrete, mechanisms::fibroblasts::secrete, mechanisms::proteases::secrete_front, mechanisms::proteases::cleave",
                "fields, vessels, debris, bacterial burden, agents, the epithelial front, free active MMP",
                "source and uptake buffers (growth-factor cleavage and the neutrophils' TIMP inactivation as uptake); depot decay",
            ),
            Phase::Fields => (
                "fields",
                Cadence::FieldOrCellStep,
                "fields::solver (and agents::Bins alongside)",
                "sources; agent positions",
                "fields; neighbour bins",
            ),
            Phase::MscState => (
                "msc_state",
                Cadence::CellStep,
                "mechanisms::msc_state",
                "O₂, TNF-α, IFN-γ, ROS; MSC anchorage, carrier, age",
                "MSC HIF-1α activity, licensing, stress",
            ),
            Phase::MscFate => (
                "msc",
                Cadence::CellStep,
                "mechanisms::msc_fate",
                "TNF-α, IFN-γ, MSC stress, bins, free active MMP (carrier release)",
                "MSCs, debris; efferocytosis events, applied to macrophage polarization",
            ),
            Phase::Neutrophils => (
                "neutrophils",
                Cadence::CellStep,
                "mechanisms::neutrophils",
                "TNF-α, debris, mean bacterial burden, vessels, bins",
                "neutrophils, debris; efferocytosis events, applied to macrophage polarization",
            ),
            Phase::Macrophages => (
                "macrophages",
                Cadence::CellStep,
                "mechanisms::macrophages",
                "fields, debris, bacterial burden, vessels, lung-trapped MSCs (systemic term)",
                "macrophages, debris",
            ),
            Phase::Angiogenesis => (
                "angiogenesis",
                Cadence::CellStep,
                "mechanisms::angiogenesis",
                "VEGF, free vesicles, vessels",
                "tip cells, vessel trails",
            ),
            Phase::Remodelling => (
                "remodelling",
                Cadence::TissueStep,
                "mechanisms::angiogenesis::remodel",
                "VEGF",
                "vessel regression / maturation",
            ),
            Phase::Fibroblasts => (
                "fibroblasts",
                Cadence::TissueStep,
                "mechanisms::fibroblasts",
                "O₂, TGF-β, open wound",
                "fibroblasts, provisional matrix, collagen",
            ),
            Phase::Proteases => (
                "proteases",
                Cadence::TissueStep,
                "mechanisms::proteases::degrade_matrix",
                "free active MMP (MMP and TIMP)",
                "provisional matrix, collagen",
            ),
            Phase::Closure => (
                "closure",
                Cadence::TissueStep,
                "mechanisms::closure",
                "O₂, TNF-α, KGF, debris, matrix, bacterial burden",
                "open-wound mask",
            ),
            Phase::Care => (
                "care",
                Cadence::TissueStep,
                "mechanisms::care",
                "open wound",
                "debris, debridement (biofilm, planktonic bacteria, dead MSCs)",
            ),
            Phase::Bacteria => (
                "bacteria",
                Cadence::TissueStep,
                "mechanisms::bacteria",
                "open wound; live neutrophils, M1 macrophages, live MSCs",
                "planktonic and biofilm maps; mean bacterial burden",
            ),
            Phase::Observe => (
                "observe",
                Cadence::OutputStep,
                "observe",
                "everything",
                "one time-series row",
            ),
        };
        PhaseInfo {
            name,
            cadence,
            module,
            reads,
            writes,
        }
    }

    /// Short name.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The phase called `name`, if any.
    pub fn from_name(name: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The phase table in the documentation's Markdown form.
    pub fn markdown_table() -> String {
        let mut t = String::from(
            "| # | phase | cadence | module | reads | writes |\n|---|---|---|---|---|---|\n",
        );
        for (i, p) in Phase::ALL.into_iter().enumerate() {
            let f = p.info();
            t.push_str(&format!(
                "| {} | {} | {} | `{}` | {} | {} |\n",
                i + 1,
                f.name,
                f.cadence.label(),
                f.module,
                f.reads,
                f.writes
            ));
        }
        t
    }
}

/// Wall seconds spent per phase: the run's counters, kept by the caller of
/// [`crate::sim::step_timed`] (never in the workspace, never serialized
/// into a checkpoint).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct PhaseTimes {
    secs: [f64; Phase::COUNT],
}

impl PhaseTimes {
    /// Add `secs` to `phase`.
    pub fn add(&mut self, phase: Phase, secs: f64) {
        self.secs[phase.index()] += secs;
    }

    /// Seconds spent in `phase`.
    pub fn get(&self, phase: Phase) -> f64 {
        self.secs[phase.index()]
    }

    /// Seconds in all phases.
    pub fn total(&self) -> f64 {
        self.secs.iter().sum()
    }

    /// (name, seconds) pairs in step order.
    pub fn pairs(&self) -> Vec<(&'static str, f64)> {
        Phase::ALL
            .into_iter()
            .map(|p| (p.name(), self.get(p)))
            .collect()
    }
}

/// Measures one phase: wall time with the `clock` feature, nothing without
/// it (wasm32 has no clock; a run's results never depend on it).
#[derive(Debug, Clone, Copy)]
pub struct Stopwatch {
    #[cfg(feature = "clock")]
    t0: std::time::Instant,
}

impl Stopwatch {
    /// Start measuring.
    #[inline]
    pub fn start() -> Self {
        Stopwatch {
            #[cfg(feature = "clock")]
            t0: std::time::Instant::now(),
        }
    }

    /// Seconds since [`Stopwatch::start`] (0 without the `clock` feature).
    #[inline]
    pub fn secs(&self) -> f64 {
        #[cfg(feature = "clock")]
        {
            self.t0.elapsed().as_secs_f64()
        }
        #[cfg(not(feature = "clock"))]
        {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found_again() {
        for p in Phase::ALL {
            assert_eq!(Phase::from_name(p.name()), Some(p));
            assert_eq!(Phase::ALL[p.index()], p);
        }
        let mut names: Vec<_> = Phase::ALL.iter().map(|p| p.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Phase::COUNT);
    }

    #[test]
    fn times_add_up_per_phase() {
        let mut t = PhaseTimes::default();
        t.add(Phase::Fields, 1.5);
        t.add(Phase::Fields, 0.5);
        t.add(Phase::Care, 0.25);
        assert_eq!(t.get(Phase::Fields), 2.0);
        assert_eq!(t.total(), 2.25);
        let pairs = t.pairs();
        assert_eq!(pairs.len(), Phase::COUNT);
        assert_eq!(pairs[Phase::Fields.index()], ("fields", 2.0));
    }
}
