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
//! - `phases/*`: every phase of the registry (`woundsim_core::phase::Phase::ALL`,
//!   so a new phase is measured without a change here) once on a warmed
//!   state of the default scenario, in seconds per call;
//! - `agents/*`: each agent phase of the registry (MSC fate, neutrophils,
//!   macrophages, angiogenesis tips) and secretion on a state holding 1e4 and 1e5 agents,
//!   in agent updates per second;
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
use crate::phase::Phase;
use crate::rng::{derive_seed, Purpose, Stream};
use crate::scenario::{default_fields, Boundary, FieldSpec, Params, Scenario, BUILTIN_LABEL};
use crate::sim::{self, SimState, Workspace};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod report;
pub use report::*;
mod system;
pub use system::*;
mod setup;
pub use setup::*;
#[cfg(test)]
mod tests;

/// Unit of the solver items.
pub const UNIT_VOXEL_FIELD: &str = "voxel-field updates/s";
/// Unit of the tissue-source item.
pub const UNIT_VOXEL: &str = "voxel updates/s";
/// Unit of the agent items.
pub const UNIT_AGENT: &str = "agent updates/s";
/// Unit of wall times in seconds (the scenario item).
pub const UNIT_SECONDS: &str = "s";
/// Unit of the per-phase items: best wall time of one call, in milliseconds.
pub const UNIT_MILLISECONDS: &str = "ms";
/// Simulated days in 12 weeks (the default scenario's span).
pub const TWELVE_WEEKS_DAYS: f64 = 84.0;

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
         outcomes = [\"closure_pct_final\", \"o2_time_mean_mmHg\"]\n\
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

    // Tissue sources, every phase of the registry and the agent phases on a
    // warmed state of the (small) default scenario.
    let ap = default_params(&plan.agent_overrides)?;
    let (base, mut ws) = warm_state(&ap, ap.scenario.seed, plan.agent_warm_steps)?;
    let timed_item = |name: String,
                      group: &str,
                      unit: &str,
                      ws: &mut Workspace,
                      f: &mut (dyn FnMut(&mut Workspace) -> Result<(f64, Duration)> + Send)|
     -> Result<Item> {
        let higher = unit != UNIT_SECONDS && unit != UNIT_MILLISECONDS;
        let mut item = Item::new(name.clone(), group, unit, higher);
        for (n, pl) in &pools {
            progress(&format!("{name} at {n} threads"));
            let mut work = 0.0;
            let mut failed = None;
            let s = pl.install(|| {
                sim::with_polling_workers(|| {
                    measure(plan.reps, plan.min_rep_s, || match f(ws) {
                        Ok((w, t)) => {
                            work = w;
                            t
                        }
                        Err(e) => {
                            failed.get_or_insert(e);
                            Duration::ZERO
                        }
                    })
                })
            });
            if let Some(e) = failed {
                return Err(e);
            }
            let value = if higher {
                work / s
            } else if unit == UNIT_MILLISECONDS {
                s * 1e3
            } else {
                s
            };
            item.push(*n, value, Some(s));
        }
        Ok(item)
    };
    let voxels = ap.grid.len() as f64;
    items.push(timed_item(
        format!("sources/tissue/{}x{}", ap.grid.nx, ap.grid.ny),
        "sources",
        UNIT_VOXEL,
        &mut ws,
        &mut |ws| Ok((voxels, time_tissue_sources(&ap, &base, ws))),
    )?);
    for phase in Phase::ALL {
        items.push(timed_item(
            format!("phases/{}", phase.name()),
            "phases",
            UNIT_MILLISECONDS,
            &mut ws,
            &mut |ws| Ok((1.0, time_phase(&ap, &base, ws, phase)?)),
        )?);
    }
    for &count in &plan.agent_counts {
        let mut st = base.clone();
        add_agents(&ap, &mut st, secretion_agents(count));
        let work = (st.mscs.len() + st.macs.len()) as f64;
        items.push(timed_item(
            format!("agents/secretion/{}", count_label(count)),
            "agents",
            UNIT_AGENT,
            &mut ws,
            &mut |ws| Ok((work, time_secretion(&ap, &st, ws))),
        )?);
        for phase in Phase::ALL {
            let Some(counts) = agents_for(phase, count) else {
                continue;
            };
            let mut st = base.clone();
            add_agents(&ap, &mut st, counts);
            let work = agent_count(&st) as f64;
            items.push(timed_item(
                format!("agents/{}/{}", phase.name(), count_label(count)),
                "agents",
                UNIT_AGENT,
                &mut ws,
                &mut |ws| Ok((work, time_phase(&ap, &st, ws, phase)?)),
            )?);
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
