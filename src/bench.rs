//! The benchmark suite behind `woundsim bench`, and the setup helpers shared
//! with the criterion benches in `benches/`.
//!
//! The suite measures, each at 1 thread and at the machine's thread count
//! (local rayon pools), with the best of a few repetitions after a warm-up:
//!
//! - `solver/*`: one field step of the LOD solver on 500×500 and 1000×1000
//!   grids with 1, 4 and 10 fields, and in 3D with 4 fields on a
//!   100×100×100 cube of 20-µm voxels and on a wound-shaped 500×500×40 grid
//!   (1 cm × 1 cm × 2 mm: dz = 50 µm, the top 4 layers a gel with a third of
//!   the diffusivity), in voxel-field updates per second;
//! - `sources/tissue`: tissue sources and uptake over the grid, in voxel
//!   updates per second;
//! - `agents/*`: each agent phase (MSC fate, macrophages, angiogenesis tips,
//!   secretion) on a state holding 1e4 and 1e5 agents, in agent updates per
//!   second;
//! - `scenario/*`: the default scenario for a fixed number of days: wall
//!   time, time per phase and the extrapolated wall time of 12 simulated weeks;
//! - `sweep/*`: a small sweep, in runs per hour;
//! - `memory/*`: peak resident memory of the scenario run, and the memory
//!   estimate against the measured growth of resident memory for a large grid.
//!
//! The library only returns data ([`Report`], [`compare`]); the binary prints.

use crate::error::{Error, InputError, Result};
use crate::fields::solver::{FieldLayers, Solver};
use crate::fields::{Fields, Sources};
use crate::grid::Grid;
use crate::rng::{derive_seed, Purpose, Stream};
use crate::scenario::{default_fields, Boundary, FieldSpec, Params, Scenario, BUILTIN_LABEL};
use crate::sim::{self, SimState, Workspace};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Unit of the solver items.
pub const UNIT_VOXEL_FIELD: &str = "voxel-field updates/s";
/// Unit of the tissue-source item.
pub const UNIT_VOXEL: &str = "voxel updates/s";
/// Unit of the agent items.
pub const UNIT_AGENT: &str = "agent updates/s";
/// Simulated days in 12 weeks (the default scenario's span).
pub const TWELVE_WEEKS_DAYS: f64 = 84.0;

// ---------------------------------------------------------------------------
// Report data
// ---------------------------------------------------------------------------

/// A benchmark report (what `--json` writes and `--compare` reads).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// woundsim version that produced the report.
    pub woundsim_version: String,
    /// When the suite ran (UTC, ISO 8601).
    pub date_utc: String,
    /// `full` or `quick`.
    pub suite: String,
    /// The machine.
    pub machine: Machine,
    /// Thread counts measured (1 and the machine's thread count).
    pub threads: Vec<usize>,
    /// Timed repetitions per item (after one warm-up).
    pub repetitions: usize,
    /// Every result.
    pub items: Vec<Item>,
    /// Time per phase of the scenario runs.
    pub phases: Vec<PhaseShares>,
    /// 1-minute load average (/proc/loadavg) before and after the suite;
    /// well above 0 means other processes competed for the CPUs.
    #[serde(default)]
    pub load_average: Option<[f64; 2]>,
}

/// The machine a report was measured on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// CPU model (`model name` in /proc/cpuinfo).
    pub cpu_model: String,
    /// Logical CPUs available to the process.
    pub cpus: usize,
}

/// One benchmark item, measured at one or more thread counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Stable name, e.g. `solver/1000x1000/4_fields` (compared by name).
    pub name: String,
    /// `solver`, `sources`, `agents`, `scenario`, `sweep` or `memory`.
    pub group: String,
    /// Unit of `value`.
    pub unit: String,
    /// True for throughputs, false for times and memory.
    pub higher_is_better: bool,
    /// One result per thread count.
    pub results: Vec<Measurement>,
    /// Parallel efficiency from 1 thread to the largest thread count:
    /// speed-up divided by the thread ratio (absent for untimed items).
    pub efficiency: Option<f64>,
}

/// One result of an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    /// Worker threads.
    pub threads: usize,
    /// The value, in the item's unit.
    pub value: f64,
    /// Best wall time of one call (s), for timed items.
    pub seconds: Option<f64>,
}

/// Time per phase of one scenario run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseShares {
    /// The scenario item.
    pub item: String,
    /// Worker threads.
    pub threads: usize,
    /// Wall time of the run (s).
    pub wall_s: f64,
    /// (phase, seconds, share of wall time); `other` is the untimed rest.
    pub phases: Vec<(String, f64, f64)>,
}

impl Item {
    fn new(name: String, group: &str, unit: &str, higher_is_better: bool) -> Self {
        Item {
            name,
            group: group.into(),
            unit: unit.into(),
            higher_is_better,
            results: Vec::new(),
            efficiency: None,
        }
    }

    /// The result at `threads`, if measured.
    pub fn at(&self, threads: usize) -> Option<&Measurement> {
        self.results.iter().find(|m| m.threads == threads)
    }

    fn push(&mut self, threads: usize, value: f64, seconds: Option<f64>) {
        self.results.push(Measurement {
            threads,
            value,
            seconds,
        });
        self.efficiency = efficiency(self);
    }
}

fn efficiency(item: &Item) -> Option<f64> {
    let one = item.at(1)?;
    let many = item.results.iter().max_by_key(|m| m.threads)?;
    if many.threads <= 1 || one.seconds.is_none() || one.value <= 0.0 || many.value <= 0.0 {
        return None;
    }
    let speedup = if item.higher_is_better {
        many.value / one.value
    } else {
        one.value / many.value
    };
    Some(speedup / many.threads as f64)
}

impl Report {
    /// Read a report written by `woundsim bench --json`.
    pub fn load(path: &Path) -> Result<Report> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("reading", path, e))?;
        serde_json::from_str(&text).map_err(|e| {
            Error::Input(
                InputError::new(
                    path.display().to_string(),
                    None,
                    format!("not a woundsim bench report: {e}"),
                )
                .hint("write one with `woundsim bench --json FILE`"),
            )
        })
    }

    /// Write the report as JSON (atomically).
    pub fn save(&self, path: &Path) -> Result<()> {
        crate::output::write_json(path, self)
    }

    /// The item called `name`.
    pub fn item(&self, name: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.name == name)
    }
}

/// One line of a comparison: an item measured in both reports at `threads`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Item name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Worker threads.
    pub threads: usize,
    /// New value.
    pub new: f64,
    /// Old value.
    pub old: f64,
    /// new / old.
    pub ratio: f64,
    /// True when the new value is at least 5 % better, false when at least
    /// 5 % worse, `None` in between.
    pub improved: Option<bool>,
}

/// Everything `--compare` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComparisonReport {
    /// Items in both reports, per thread count.
    pub lines: Vec<Comparison>,
    /// Item names only in the new report.
    pub only_new: Vec<String>,
    /// Item names only in the old report.
    pub only_old: Vec<String>,
}

/// Compare two reports item by item (matched by name and thread count).
pub fn compare(new: &Report, old: &Report) -> ComparisonReport {
    let mut lines = Vec::new();
    let mut only_new = Vec::new();
    for item in &new.items {
        let Some(o) = old.item(&item.name) else {
            only_new.push(item.name.clone());
            continue;
        };
        for m in &item.results {
            let Some(om) = o.at(m.threads) else { continue };
            let ratio = m.value / om.value;
            let better = if item.higher_is_better {
                ratio
            } else {
                1.0 / ratio
            };
            let improved = if better >= 1.05 {
                Some(true)
            } else if better <= 1.0 / 1.05 {
                Some(false)
            } else {
                None
            };
            lines.push(Comparison {
                name: item.name.clone(),
                unit: item.unit.clone(),
                threads: m.threads,
                new: m.value,
                old: om.value,
                ratio,
                improved,
            });
        }
    }
    let only_old = old
        .items
        .iter()
        .filter(|i| new.item(&i.name).is_none())
        .map(|i| i.name.clone())
        .collect();
    ComparisonReport {
        lines,
        only_new,
        only_old,
    }
}

// ---------------------------------------------------------------------------
// Machine and memory
// ---------------------------------------------------------------------------

/// CPU model from /proc/cpuinfo (`unknown` when not available).
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// The 1-minute load average from /proc/loadavg.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Logical CPUs available to this process.
pub fn available_cpus() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

fn status_kib(key: &str) -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find(|l| l.starts_with(key))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Peak resident set size of this process (VmHWM, KiB) from /proc/self/status.
pub fn peak_rss_kib() -> Option<u64> {
    status_kib("VmHWM:")
}

/// Current resident set size of this process (VmRSS, KiB).
pub fn rss_kib() -> Option<u64> {
    status_kib("VmRSS:")
}

/// Reset the peak resident set size to the current one (Linux: write 5 to
/// /proc/self/clear_refs). Returns false where that is not possible.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Current UTC time as ISO 8601 (`YYYY-MM-DDTHH:MM:SSZ`).
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let s = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// (year, month, day) of a day count since 1970-01-01 (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

// ---------------------------------------------------------------------------
// Setup helpers (shared with benches/)
// ---------------------------------------------------------------------------

/// The benchmarked field: VEGF with Dirichlet value 1 on every side.
fn bench_field() -> FieldSpec {
    FieldSpec {
        initial: 1.0,
        far_field: 1.0,
        boundary_x_min: Boundary::Dirichlet,
        boundary_x_max: Boundary::Dirichlet,
        boundary_y_min: Boundary::Dirichlet,
        boundary_y_max: Boundary::Dirichlet,
        ..default_fields()["vegf"].clone()
    }
}

/// A field step of the solver on a square grid with `fields` copies of the
/// VEGF species (Dirichlet value 1 on every side, so values never decay into
/// subnormal numbers however many steps are taken).
pub struct SolverCase {
    /// The grid.
    pub grid: Grid,
    /// Field values.
    pub fields: Fields,
    /// Sources (zero; the solver's source stage still reads them).
    pub sources: Sources,
    /// Solver factors for a 15-min step.
    pub solver: Solver,
}

impl SolverCase {
    /// An `n × n` grid of 20-µm voxels with `fields` fields.
    pub fn new(n: usize, fields: usize) -> Self {
        let grid = Grid {
            nx: n,
            ny: n,
            nz: 1,
            dx_um: 20.0,
            dz_um: 20.0,
        };
        let base = bench_field();
        let specs: Vec<(String, FieldSpec)> = (0..fields)
            .map(|i| (format!("f{i}"), base.clone()))
            .collect();
        SolverCase {
            grid,
            fields: Fields::new(&grid, &specs),
            sources: Sources::new(&grid, fields),
            solver: Solver::new(&grid, &specs, 15.0),
        }
    }

    /// An `nx × ny × nz` grid of 20 × 20 × `dz_um` µm voxels with `fields`
    /// copies of the VEGF species, Dirichlet value 1 on every face (as
    /// [`SolverCase::new`]); the top `gel_layers` layers diffuse 3 times
    /// slower (a gel), so the factors differ from layer to layer.
    ///
    /// # Panics
    /// If a count is zero or `dz_um` is not a positive finite number.
    pub fn new_3d(
        nx: usize,
        ny: usize,
        nz: usize,
        dz_um: f64,
        fields: usize,
        gel_layers: usize,
    ) -> Self {
        let grid = Grid::new(nx, ny, nz, 20.0, dz_um).expect("a valid benchmark grid");
        let base = bench_field();
        let specs: Vec<(String, FieldSpec)> = (0..fields)
            .map(|i| (format!("f{i}"), base.clone()))
            .collect();
        let layers: Vec<FieldLayers> = specs
            .iter()
            .map(|(_, s)| {
                let mut l = FieldLayers::uniform(&grid, s);
                l.bottom = (Boundary::Dirichlet, 1.0);
                l.top = (Boundary::Dirichlet, 1.0);
                for d in l.diffusion_um2_per_min.iter_mut().rev().take(gel_layers) {
                    *d /= 3.0;
                }
                l
            })
            .collect();
        SolverCase {
            grid,
            fields: Fields::new(&grid, &specs),
            sources: Sources::new(&grid, fields),
            solver: Solver::layered(&grid, &specs, &layers, 15.0).expect("valid benchmark layers"),
        }
    }

    /// Voxel-field updates of one step.
    pub fn work(&self) -> usize {
        self.grid.len() * self.fields.len()
    }

    /// One field step (true when every value stayed finite and non-negative).
    pub fn step(&mut self) -> bool {
        self.solver.step(&mut self.fields, &mut self.sources)
    }
}

/// The built-in default scenario with `overrides` (`key=value`), validated.
pub fn default_params(overrides: &[String]) -> Result<Params> {
    let s = Scenario::builtin(overrides)?;
    Ok(Params::new(s, BUILTIN_LABEL)?)
}

/// A state of `p` (nominal patient, `seed`) advanced `steps` base steps,
/// with its workspace.
pub fn warm_state(p: &Params, seed: u64, steps: u64) -> Result<(SimState, Workspace)> {
    let mut st = SimState::new(p, seed, p.patient);
    let mut ws = Workspace::new(p, &st);
    for _ in 0..steps.min(p.steps.total) {
        sim::step(p, &mut st, &mut ws)?;
    }
    Ok((st, ws))
}

/// How many agents of each kind a benchmark state should hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AgentCounts {
    /// MSCs.
    pub mscs: usize,
    /// Macrophages.
    pub macrophages: usize,
    /// Endothelial tip cells.
    pub tips: usize,
}

/// Top up the agent stores of `st` to at least `counts`, placing the new
/// agents uniformly at random inside the initial wound (new ids, so stores
/// stay sorted). New MSCs are live, anchored and outside any carrier; new
/// macrophages have a uniformly random polarization. Placement draws come
/// from streams of a seed derived from the run seed, so the state is
/// reproducible.
pub fn add_agents(p: &Params, st: &mut SimState, counts: AgentCounts) {
    let seed = derive_seed(st.seed, &[0xbe_5c]);
    let place = |id: u64| -> (f32, f32, Stream) {
        let g = &p.grid;
        let w = &p.scenario.wound;
        let (ww, wh) = crate::tissue::wound_extent_um(w);
        let (cx, cy) = (
            w.center_x_frac * g.width_um(),
            w.center_y_frac * g.height_um(),
        );
        let mut rng = Stream::new(seed, id, 0, Purpose::Setup);
        for _ in 0..64 {
            let x = cx + (rng.uniform() - 0.5) * ww;
            let y = cy + (rng.uniform() - 0.5) * wh;
            if crate::tissue::in_wound(w, g, x, y) {
                let (x, y) = g.clamp(x as f32, y as f32);
                return (x, y, rng);
            }
        }
        let (x, y) = g.clamp(cx as f32, cy as f32);
        (x, y, rng)
    };
    while st.mscs.len() < counts.mscs {
        let id = st.new_id();
        let (x, y, _) = place(id);
        st.mscs.push(id, x, y, false, 0.0);
    }
    while st.macs.len() < counts.macrophages {
        let id = st.new_id();
        let (x, y, mut rng) = place(id);
        st.macs.push(id, x, y, rng.uniform() as f32);
    }
    while st.tips.len() < counts.tips {
        let id = st.new_id();
        let (x, y, _) = place(id);
        st.tips.push(id, x, y);
    }
}

/// A phase of the step that can be timed on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// `mechanisms::msc_fate::update`.
    MscFate,
    /// `mechanisms::macrophages::update` (including recruitment).
    Macrophages,
    /// `mechanisms::angiogenesis::update` (tip cells and sprouting).
    Angiogenesis,
    /// `mechanisms::secretion::apply` (MSC, macrophage and depot secretion).
    Secretion,
    /// `mechanisms::tissue_sources::apply` (per-voxel sources and uptake).
    TissueSources,
}

impl Phase {
    /// Short name used in item names.
    pub fn name(self) -> &'static str {
        match self {
            Phase::MscFate => "msc_fate",
            Phase::Macrophages => "macrophages",
            Phase::Angiogenesis => "angiogenesis",
            Phase::Secretion => "secretion",
            Phase::TissueSources => "tissue_sources",
        }
    }

    /// The agent phases, in step order.
    pub const AGENTS: [Phase; 4] = [
        Phase::Secretion,
        Phase::MscFate,
        Phase::Macrophages,
        Phase::Angiogenesis,
    ];

    /// Agent counts giving `n` agents to this phase (secretion: half MSCs,
    /// half macrophages).
    pub fn counts(self, n: usize) -> AgentCounts {
        match self {
            Phase::MscFate => AgentCounts {
                mscs: n,
                ..AgentCounts::default()
            },
            Phase::Macrophages => AgentCounts {
                macrophages: n,
                ..AgentCounts::default()
            },
            Phase::Angiogenesis => AgentCounts {
                tips: n,
                ..AgentCounts::default()
            },
            Phase::Secretion => AgentCounts {
                mscs: n / 2,
                macrophages: n - n / 2,
                tips: 0,
            },
            Phase::TissueSources => AgentCounts::default(),
        }
    }

    /// Updates this phase performs on `st`: agents it visits, or voxels.
    pub fn work(self, p: &Params, st: &SimState) -> usize {
        match self {
            Phase::MscFate => st.mscs.len(),
            Phase::Macrophages => st.macs.len(),
            Phase::Angiogenesis => st.tips.len(),
            Phase::Secretion => st.mscs.len() + st.macs.len(),
            Phase::TissueSources => p.grid.len(),
        }
    }
}

/// Run `phase` once on a copy of `st` and return its wall time. Untimed
/// preparation: the copy, the neighbour bins (as in the step) and zeroed
/// sources.
pub fn time_phase(p: &Params, st: &SimState, ws: &mut Workspace, phase: Phase) -> Duration {
    use crate::sim::systems;
    let update = match phase {
        Phase::MscFate => systems::msc_fate,
        Phase::Macrophages => systems::macrophages,
        Phase::Angiogenesis => systems::angiogenesis,
        Phase::Secretion | Phase::TissueSources => {
            // Read-only on the state: no copy needed.
            ws.sources.clear();
            let t0 = Instant::now();
            if phase == Phase::Secretion {
                systems::secretion(p, st, ws);
            } else {
                systems::tissue_sources(p, st, ws);
            }
            return t0.elapsed();
        }
    };
    let mut st = st.clone();
    ws.mac_bins.rebuild(&st.macs.x, &st.macs.y);
    ws.tip_bins.rebuild(&st.tips.x, &st.tips.y);
    let t0 = Instant::now();
    update(p, &mut st, ws);
    let t = t0.elapsed();
    drop(st);
    t
}

// ---------------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------------

/// What to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The short suite (a few seconds): smaller scenario, grid and sweep,
    /// fewer repetitions.
    pub quick: bool,
    /// The machine's thread count (measured besides 1 thread).
    pub threads: usize,
    /// Directory for the sweep item's scratch output (default: the system
    /// temporary directory); removed afterwards.
    pub scratch_dir: Option<PathBuf>,
}

struct Plan {
    reps: usize,
    min_rep_s: f64,
    solver_sizes: Vec<usize>,
    agent_counts: Vec<usize>,
    agent_overrides: Vec<String>,
    agent_warm_steps: u64,
    scenario_name: String,
    scenario_overrides: Vec<String>,
    scenario_days: f64,
    /// Repetitions of the scenario runs and of the sweep.
    scenario_reps: usize,
    memory_grid: usize,
    sweep_name: String,
    sweep_text: String,
}

const SMALL_DOMAIN: [&str; 3] = [
    "domain.width_um=6000",
    "domain.height_um=6000",
    "wound.diameter_um=5000",
];

impl Plan {
    fn new(quick: bool) -> Self {
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        if quick {
            Plan {
                reps: 3,
                min_rep_s: 0.005,
                solver_sizes: vec![500, 1000],
                agent_counts: vec![10_000, 100_000],
                agent_overrides: s(&SMALL_DOMAIN),
                agent_warm_steps: 4,
                scenario_name: "default-6mm-1d".into(),
                scenario_overrides: s(&SMALL_DOMAIN),
                scenario_days: 1.0,
                scenario_reps: 1,
                memory_grid: 1000,
                sweep_name: "4runs-2mm-1d".into(),
                sweep_text: sweep_text(1, 1, 2000, 1500),
            }
        } else {
            Plan {
                reps: 7,
                min_rep_s: 0.05,
                solver_sizes: vec![500, 1000],
                agent_counts: vec![10_000, 100_000],
                agent_overrides: Vec::new(),
                agent_warm_steps: 16,
                scenario_name: "default-7d".into(),
                scenario_overrides: Vec::new(),
                scenario_days: 7.0,
                scenario_reps: 2,
                memory_grid: 2000,
                sweep_name: "8runs-4mm-2d".into(),
                sweep_text: sweep_text(2, 2, 4000, 3000),
            }
        }
    }
}

/// A factorial sweep of the default scenario on a small slice: dose × source
/// (2 × 2 points) × `replicates`.
fn sweep_text(days: u32, replicates: u32, side_um: u32, wound_um: u32) -> String {
    format!(
        "seed = 11\nreplicates = {replicates}\ndays = {days}\n\
         set = [\"domain.width_um={side_um}\", \"domain.height_um={side_um}\", \"wound.diameter_um={wound_um}\"]\n\
         outcomes = [\"closure_pct_final\", \"o2_mean_mmhg\"]\n\
         [design]\nkind = \"factorial\"\n\
         [[factor]]\nkey = \"treatment.dose.dose_cells\"\nvalues = [100000, 1000000]\n\
         [[factor]]\nkey = \"treatment.product.source\"\nvalues = [\"adipose\", \"bone_marrow\"]\n"
    )
}

/// Best seconds per call of `f` (which returns the time it measured
/// itself): one warm-up call, then `reps` repetitions, each of enough calls
/// to last `min_rep_s`.
fn measure(reps: usize, min_rep_s: f64, mut f: impl FnMut() -> Duration) -> f64 {
    let warm = f().as_secs_f64().max(1e-9);
    let calls = ((min_rep_s / warm).ceil() as usize).clamp(1, 10_000);
    let mut times: Vec<f64> = (0..reps.max(1))
        .map(|_| {
            let total: Duration = (0..calls).map(|_| f()).sum();
            total.as_secs_f64() / calls as f64
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[0].max(1e-12)
}

fn pool(n: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .map_err(|e| Error::Other(format!("starting a pool of {n} threads: {e}")))
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Run the suite. `progress` is told the name of each item before it runs.
pub fn run_suite(cfg: &Config, progress: &dyn Fn(&str)) -> Result<Report> {
    let plan = Plan::new(cfg.quick);
    let load_before = load_average();
    let mut threads = vec![1];
    if cfg.threads > 1 {
        threads.push(cfg.threads);
    }
    let pools = threads
        .iter()
        .map(|&n| Ok((n, pool(n)?)))
        .collect::<Result<Vec<_>>>()?;
    let mut items = Vec::new();
    let mut phases = Vec::new();

    // Scenario first, so that its peak memory is not inflated by the other items.
    let sp = default_params(
        &plan
            .scenario_overrides
            .iter()
            .cloned()
            .chain([format!("time.days={}", plan.scenario_days)])
            .collect::<Vec<_>>(),
    )?;
    let name = format!("scenario/{}", plan.scenario_name);
    let mut wall = Item::new(format!("{name}/wall"), "scenario", "s", false);
    let mut extrap = Item::new(format!("{name}/per_12_weeks"), "scenario", "s", false);
    let mut peak = Item::new(
        format!("memory/{}/peak_rss", plan.scenario_name),
        "memory",
        "MiB",
        false,
    );
    for (n, pl) in pools.iter().rev() {
        progress(&format!("{name} at {n} threads"));
        // Where the reset is not possible, the first run is the first large
        // allocation of the process anyway.
        reset_peak_rss();
        let mut best: Option<crate::run::RunOutput> = None;
        for _ in 0..plan.scenario_reps {
            // As `woundsim run`: the run has the pool to itself.
            let out = pl.install(|| {
                sim::with_polling_workers(|| crate::run::simulate(&sp, sp.scenario.seed))
            })?;
            if best.as_ref().is_none_or(|b| out.wall_s < b.wall_s) {
                best = Some(out);
            }
        }
        let out = best.ok_or_else(|| Error::Other("no scenario run".into()))?;
        // Peak memory of the first run (the machine's thread count).
        if peak.results.is_empty() {
            if let Some(k) = peak_rss_kib() {
                peak.push(*n, mib(k), None);
            }
        }
        let days = sp.steps.day(out.steps);
        wall.push(*n, out.wall_s, Some(out.wall_s));
        let per12 = out.wall_s / days * TWELVE_WEEKS_DAYS;
        extrap.push(*n, per12, Some(out.wall_s));
        let mut ph: Vec<(String, f64, f64)> = out
            .times
            .pairs()
            .into_iter()
            .map(|(k, s)| (k.to_string(), s, s / out.wall_s))
            .collect();
        let timed: f64 = ph.iter().map(|p| p.1).sum();
        let rest = (out.wall_s - timed).max(0.0);
        ph.push(("other".into(), rest, rest / out.wall_s));
        phases.push(PhaseShares {
            item: name.clone(),
            threads: *n,
            wall_s: out.wall_s,
            phases: ph,
        });
    }
    sort_results(&mut wall);
    sort_results(&mut extrap);
    phases.sort_by_key(|p| p.threads);
    items.extend([wall, extrap, peak]);

    // Memory of a large grid: estimate against the measured growth of
    // resident memory while building its state and taking one step.
    let g = plan.memory_grid;
    progress(&format!("memory/grid_{g}x{g}"));
    let side = format!("{}", g as f64 * 20.0);
    let mp = default_params(&[
        format!("domain.width_um={side}"),
        format!("domain.height_um={side}"),
        "domain.voxel_um=20".into(),
        "time.days=1".into(),
    ])?;
    let mut est = Item::new(
        format!("memory/grid_{g}x{g}/estimate"),
        "memory",
        "MiB",
        false,
    );
    let mut meas = Item::new(
        format!("memory/grid_{g}x{g}/measured"),
        "memory",
        "MiB",
        false,
    );
    let (n, pl) = pools.last().ok_or_else(|| Error::Other("no pool".into()))?;
    let reset = reset_peak_rss();
    let rss0 = rss_kib().unwrap_or(0);
    let after = pl.install(|| -> Result<u64> {
        let (st, ws) = warm_state(&mp, mp.scenario.seed, 1)?;
        let k = if reset { peak_rss_kib() } else { rss_kib() }.unwrap_or(0);
        drop((st, ws));
        Ok(k)
    })?;
    est.push(*n, mp.memory_estimate_mib(), None);
    meas.push(*n, mib(after.saturating_sub(rss0)), None);
    items.extend([est, meas]);

    // Solver.
    for &size in &plan.solver_sizes {
        for nf in [1usize, 4, 10] {
            let name = format!(
                "solver/{size}x{size}/{nf}_field{}",
                if nf > 1 { "s" } else { "" }
            );
            let mut item = Item::new(name.clone(), "solver", UNIT_VOXEL_FIELD, true);
            let mut case = SolverCase::new(size, nf);
            for (n, pl) in &pools {
                progress(&format!("{name} at {n} threads"));
                let s = pl.install(|| {
                    sim::with_polling_workers(|| {
                        measure(plan.reps, plan.min_rep_s, || {
                            let t0 = Instant::now();
                            case.step();
                            t0.elapsed()
                        })
                    })
                });
                item.push(*n, case.work() as f64 / s, Some(s));
            }
            items.push(item);
        }
    }
    for (nx, ny, nz, dz, gel) in [(100, 100, 100, 20.0, 0), (500, 500, 40, 50.0, 4)] {
        let name = format!("solver/{nx}x{ny}x{nz}/4_fields");
        let mut item = Item::new(name.clone(), "solver", UNIT_VOXEL_FIELD, true);
        let mut case = SolverCase::new_3d(nx, ny, nz, dz, 4, gel);
        for (n, pl) in &pools {
            progress(&format!("{name} at {n} threads"));
            let s = pl.install(|| {
                sim::with_polling_workers(|| {
                    measure(plan.reps, plan.min_rep_s, || {
                        let t0 = Instant::now();
                        case.step();
                        t0.elapsed()
                    })
                })
            });
            item.push(*n, case.work() as f64 / s, Some(s));
        }
        items.push(item);
    }

    // Tissue sources and agent phases on a warmed state of the (small) default scenario.
    let ap = default_params(&plan.agent_overrides)?;
    let (base, mut ws) = warm_state(&ap, ap.scenario.seed, plan.agent_warm_steps)?;
    {
        let name = format!("sources/tissue/{}x{}", ap.grid.nx, ap.grid.ny);
        let mut item = Item::new(name.clone(), "sources", UNIT_VOXEL, true);
        for (n, pl) in &pools {
            progress(&format!("{name} at {n} threads"));
            let s = pl.install(|| {
                sim::with_polling_workers(|| {
                    measure(plan.reps, plan.min_rep_s, || {
                        time_phase(&ap, &base, &mut ws, Phase::TissueSources)
                    })
                })
            });
            item.push(
                *n,
                Phase::TissueSources.work(&ap, &base) as f64 / s,
                Some(s),
            );
        }
        items.push(item);
    }
    for &count in &plan.agent_counts {
        for phase in Phase::AGENTS {
            let mut st = base.clone();
            add_agents(&ap, &mut st, phase.counts(count));
            let name = format!("agents/{}/{}", phase.name(), count_label(count));
            let mut item = Item::new(name.clone(), "agents", UNIT_AGENT, true);
            for (n, pl) in &pools {
                progress(&format!("{name} at {n} threads"));
                let s = pl.install(|| {
                    sim::with_polling_workers(|| {
                        measure(plan.reps, plan.min_rep_s, || {
                            time_phase(&ap, &st, &mut ws, phase)
                        })
                    })
                });
                item.push(*n, phase.work(&ap, &st) as f64 / s, Some(s));
            }
            items.push(item);
        }
    }
    drop((base, ws));

    // A small sweep, in runs per hour.
    items.push(sweep_item(cfg, &plan, &threads, progress)?);

    Ok(Report {
        woundsim_version: crate::VERSION.to_string(),
        date_utc: utc_now(),
        suite: if cfg.quick { "quick" } else { "full" }.into(),
        machine: Machine {
            cpu_model: cpu_model(),
            cpus: available_cpus(),
        },
        threads,
        repetitions: plan.reps,
        items,
        phases,
        load_average: load_before.zip(load_average()).map(|(a, b)| [a, b]),
    })
}

fn sort_results(item: &mut Item) {
    item.results.sort_by_key(|m| m.threads);
}

fn count_label(n: usize) -> String {
    let e = (n as f64).log10().round() as i32;
    if 10f64.powi(e) as usize == n {
        format!("1e{e}")
    } else {
        n.to_string()
    }
}

fn sweep_item(
    cfg: &Config,
    plan: &Plan,
    threads: &[usize],
    progress: &dyn Fn(&str),
) -> Result<Item> {
    use crate::sweep::{file::SweepSpec, run};
    let name = format!("sweep/{}", plan.sweep_name);
    let spec = SweepSpec::from_str(&plan.sweep_text, "<bench sweep>", Path::new("."))?;
    let root = cfg
        .scratch_dir
        .clone()
        .unwrap_or_else(std::env::temp_dir)
        .join(format!(
            "woundsim-bench-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
    let mut item = Item::new(name.clone(), "sweep", "runs/h", true);
    let result = (|| -> Result<()> {
        for &n in threads {
            progress(&format!("{name} at {n} threads"));
            let mut best: Option<(f64, u64)> = None;
            for rep in 0..plan.scenario_reps.max(1) {
                let dir = root.join(format!("t{n}-{rep}"));
                let t0 = Instant::now();
                let out = run::run(
                    &spec,
                    &dir,
                    &run::Options {
                        threads: n,
                        ..run::Options::default()
                    },
                )?;
                let s = t0.elapsed().as_secs_f64();
                if out.progress.failed > 0 {
                    return Err(Error::Other(format!(
                        "{} of the benchmark sweep's runs failed",
                        out.progress.failed
                    )));
                }
                if best.is_none_or(|(b, _)| s < b) {
                    best = Some((s, out.progress.done));
                }
            }
            if let Some((s, done)) = best {
                item.push(n, done as f64 * 3600.0 / s, Some(s));
            }
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&root);
    result?;
    Ok(item)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn efficiency_is_speedup_over_threads() {
        let mut it = Item::new("x".into(), "solver", UNIT_VOXEL_FIELD, true);
        it.push(1, 100.0, Some(1.0));
        it.push(2, 150.0, Some(0.5));
        assert!((it.efficiency.unwrap() - 0.75).abs() < 1e-12);
        let mut t = Item::new("t".into(), "scenario", "s", false);
        t.push(1, 10.0, Some(10.0));
        t.push(4, 5.0, Some(5.0));
        assert!((t.efficiency.unwrap() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn compare_matches_items_by_name_and_threads() {
        let mut fast = Item::new("solver/a".into(), "solver", UNIT_VOXEL_FIELD, true);
        fast.push(1, 100.0, Some(1.0));
        fast.push(2, 180.0, Some(0.5));
        let mut wall = Item::new("scenario/w".into(), "scenario", "s", false);
        wall.push(1, 10.0, Some(10.0));
        let old = Report {
            woundsim_version: "0".into(),
            date_utc: utc_now(),
            suite: "quick".into(),
            machine: Machine {
                cpu_model: "x".into(),
                cpus: 2,
            },
            threads: vec![1, 2],
            repetitions: 3,
            items: vec![fast.clone(), wall.clone()],
            phases: Vec::new(),
            load_average: None,
        };
        let mut new = old.clone();
        new.items[0].results[0].value = 200.0; // twice the throughput
        new.items[1].results[0].value = 12.0; // 20 % slower
        new.items
            .push(Item::new("sweep/s".into(), "sweep", "runs/h", true));
        let c = compare(&new, &old);
        let r: Vec<(usize, f64, Option<bool>)> = c
            .lines
            .iter()
            .map(|l| (l.threads, l.ratio, l.improved))
            .collect();
        assert_eq!(
            r,
            vec![(1, 2.0, Some(true)), (2, 1.0, None), (1, 1.2, Some(false))]
        );
        assert_eq!(c.only_new, vec!["sweep/s".to_string()]);
        assert!(c.only_old.is_empty());
    }

    #[test]
    fn added_agents_are_inside_the_wound_with_fresh_ids() {
        use crate::agents::msc_state;
        let p = default_params(&SMALL_DOMAIN.map(String::from)).unwrap();
        let mut st = SimState::new(&p, 3, p.patient);
        let before = st.next_id;
        add_agents(
            &p,
            &mut st,
            AgentCounts {
                mscs: 50,
                macrophages: 40,
                tips: 30,
            },
        );
        assert_eq!((st.mscs.len(), st.macs.len(), st.tips.len()), (50, 40, 30));
        assert!(st.macs.id.iter().all(|&i| i >= before));
        assert!(st.mscs.state.iter().all(|&s| s == msc_state::LIVE));
        for (&x, &y) in st.tips.x.iter().zip(&st.tips.y) {
            assert!(crate::tissue::in_wound(
                &p.scenario.wound,
                &p.grid,
                x as f64,
                y as f64
            ));
        }
        let mut again = SimState::new(&p, 3, p.patient);
        add_agents(
            &p,
            &mut again,
            AgentCounts {
                mscs: 50,
                macrophages: 40,
                tips: 30,
            },
        );
        assert_eq!(
            (&again.mscs, &again.macs, &again.tips),
            (&st.mscs, &st.macs, &st.tips)
        );
    }
}
