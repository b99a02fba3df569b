//! Command-line interface (clap).

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use woundsim::run::{self, RunOptions};
use woundsim::scenario::{Params, Scenario, BUILTIN_LABEL};

mod cohort_cmd;
mod params_cmd;
mod sweep_cmd;

/// woundsim: agent-based simulation of chronic wounds under MSC therapy.
#[derive(Parser)]
#[command(name = "woundsim", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Worker threads (default: RAYON_NUM_THREADS or all cores).
    #[arg(long, global = true)]
    threads: Option<usize>,
    /// No progress bar.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario (the built-in default when no file is given).
    Run(RunArgs),
    /// Continue an interrupted or checkpointed run.
    Resume(ResumeArgs),
    /// Inspect scenarios.
    Scenario {
        #[command(subcommand)]
        cmd: ScenarioCmd,
    },
    /// List parameters with unit, default, meaning and source.
    Params(params_cmd::ParamsArgs),
    /// Draw a run's time-series panel and field maps (and an animation).
    Plot(PlotArgs),
    /// Parameter sweeps: run (resumable, shardable), merge shards, report.
    Sweep(sweep_cmd::SweepArgs),
    /// Run several scenarios as cohorts and compare their outcomes.
    Compare(cohort_cmd::CompareArgs),
    /// Check the model against published facts with virtual experiments.
    Validate(cohort_cmd::ValidateArgs),
    /// Explain one parameter in plain words.
    Explain {
        /// Dotted key, e.g. msc.hypoxia_death_per_day.
        key: String,
    },
}

/// Scenario input shared by commands.
#[derive(Args, Clone)]
pub struct ScenarioInput {
    /// Scenario file (TOML); omit for the built-in default.
    pub scenario: Option<PathBuf>,
    /// Override any key: --set key.path=value (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Simulated span in days (same as --set time.days=N).
    #[arg(long)]
    pub days: Option<f64>,
    /// Seed (same as --set seed=N).
    #[arg(long)]
    pub seed: Option<u64>,
}

impl ScenarioInput {
    /// Load and validate.
    pub fn load(&self) -> Result<Params> {
        let mut sets = self.set.clone();
        if let Some(d) = self.days {
            sets.push(format!("time.days={d}"));
        }
        if let Some(s) = self.seed {
            sets.push(format!("seed={s}"));
        }
        load_params(self.scenario.as_deref(), &sets)
    }
}

/// Load a scenario file (or the built-in default) with overrides, validated.
pub fn load_params(path: Option<&Path>, sets: &[String]) -> Result<Params> {
    let (scenario, label) = match path {
        Some(p) => (Scenario::load(p, sets)?, p.display().to_string()),
        None => (
            Scenario::builtin(sets).map_err(woundsim::error::Error::from)?,
            BUILTIN_LABEL.to_string(),
        ),
    };
    Ok(Params::new(scenario, &label).map_err(woundsim::error::Error::from)?)
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    input: ScenarioInput,
    /// Output directory (default results/<scenario>-<seed>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Overwrite a non-empty output directory.
    #[arg(long)]
    force: bool,
    /// Skip field snapshots.
    #[arg(long)]
    no_snapshots: bool,
    /// Write a checkpoint every DAYS simulated days.
    #[arg(long, value_name = "DAYS")]
    checkpoint_every: Option<f64>,
    /// Skip the plots drawn at the end of the run.
    #[arg(long)]
    no_plots: bool,
    /// Run a cohort of N replicates (virtual patients) in parallel instead
    /// of one run: cohort.csv, cohort_summary.json, per-replicate time
    /// series and a cohort plot (no snapshots or checkpoints).
    #[arg(long, value_name = "N", conflicts_with = "checkpoint_every")]
    replicates: Option<u64>,
}

#[derive(Args)]
struct PlotArgs {
    /// Run directory.
    run_dir: PathBuf,
    /// Days of the field maps (default: every snapshot).
    #[arg(long, value_delimiter = ',')]
    days: Option<Vec<f64>>,
    /// Write SVG instead of PNG.
    #[arg(long)]
    svg: bool,
    /// Also write an animated GIF of this field over time.
    #[arg(long, value_name = "FIELD", num_args = 0..=1, default_missing_value = "oxygen")]
    animate: Option<String>,
}

#[derive(Args)]
struct ResumeArgs {
    /// Run directory holding checkpoint.bin.
    run_dir: PathBuf,
}

#[derive(Subcommand)]
enum ScenarioCmd {
    /// Print the fully resolved scenario (defaults included) as TOML.
    Show {
        #[command(flatten)]
        input: ScenarioInput,
    },
}

pub(crate) fn progress_bar(quiet: bool, total: u64, label: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(total);
    pb.set_style(
        ProgressStyle::with_template("{prefix} [{bar:40}] {percent:>3}% {msg} ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_prefix(label.to_string());
    pb
}

/// Install SIGINT/SIGTERM handlers that set the returned flag.
pub fn interrupt_flag() -> Result<Arc<AtomicBool>> {
    let flag = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&flag))
            .context("installing a signal handler")?;
    }
    Ok(flag)
}

/// Entry point.
pub fn main() -> Result<ExitCode> {
    let cli = Cli::parse();
    if let Some(n) = cli.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .context("starting the thread pool")?;
    }
    match cli.command {
        Command::Run(a) => cmd_run(a, cli.quiet),
        Command::Resume(a) => cmd_resume(a, cli.quiet),
        Command::Scenario {
            cmd: ScenarioCmd::Show { input },
        } => {
            let p = input.load()?;
            print!("{}", p.scenario.to_toml());
            Ok(ExitCode::SUCCESS)
        }
        Command::Params(a) => params_cmd::params(a),
        Command::Explain { key } => params_cmd::explain(&key),
        Command::Sweep(a) => sweep_cmd::sweep(a, cli.quiet),
        Command::Compare(a) => cohort_cmd::compare(a, cli.quiet),
        Command::Validate(a) => cohort_cmd::validate(a, cli.quiet),
        Command::Plot(a) => cmd_plot(a),
    }
}

fn report(dir: &Path, out: &run::RunOutput) {
    let s = &out.summary;
    let t = |v: Option<f64>| {
        v.map(|d| format!("day {d:.1}"))
            .unwrap_or_else(|| "not reached".into())
    };
    eprintln!(
        "done in {:.1} s: closure {:.1} % at day {:.0}; 50 % closure {}; complete closure {}; results in {}",
        out.wall_s,
        s.closure_pct_final,
        s.days,
        t(s.t50_closure_d),
        t(s.t100_closure_d),
        dir.display()
    );
    let total: f64 = out.times.pairs().iter().map(|(_, t)| t).sum();
    let shares: Vec<String> = out
        .times
        .pairs()
        .iter()
        .map(|(n, t)| format!("{n} {:.0}%", 100.0 * t / total.max(1e-9)))
        .collect();
    eprintln!("time per phase: {}", shares.join(", "));
}

fn cmd_run(a: RunArgs, quiet: bool) -> Result<ExitCode> {
    let p = a.input.load()?;
    let seed = p.scenario.seed;
    check_memory(&p)?;
    if let Some(n) = a.replicates {
        return cohort_cmd::run(&p, n, a.out, a.force, !a.no_plots, quiet);
    }
    let dir = a
        .out
        .clone()
        .unwrap_or_else(|| run::default_out_dir(&p, seed));
    let pb = progress_bar(quiet, p.steps.total, &p.scenario.name);
    let cb = |done: u64, _total: u64| pb.set_position(done);
    let opts = RunOptions {
        force: a.force,
        snapshots: !a.no_snapshots,
        checkpoint_every_days: a.checkpoint_every,
        interrupt: Some(interrupt_flag()?),
        progress: Some(&cb),
    };
    let out = run::run_in_dir(&p, seed, &dir, &opts);
    pb.finish_and_clear();
    let out = out?;
    report(&dir, &out);
    if !a.no_plots {
        let files = draw_plots(&dir, None, woundsim::plot::ImageFormat::Png, None)?;
        eprintln!("plots: {}", files.len());
    }
    Ok(ExitCode::SUCCESS)
}

/// Draw the standard plots of a run directory into `dir/plots`.
fn draw_plots(
    dir: &Path,
    days: Option<&[f64]>,
    format: woundsim::plot::ImageFormat,
    animate: Option<&str>,
) -> Result<Vec<PathBuf>> {
    use woundsim::plot;
    let out = dir.join("plots");
    let mut files = vec![plot::plot_timeseries(dir, &out.join("timeseries"), format)?];
    if dir.join("snapshots").join("index.json").exists() {
        files.extend(plot::plot_fieldmaps(dir, &out, days, format)?);
        if let Some(field) = animate {
            files.push(plot::animate(
                dir,
                &out.join(format!("{field}.gif")),
                field,
            )?);
        }
    }
    Ok(files)
}

fn cmd_plot(a: PlotArgs) -> Result<ExitCode> {
    let format = if a.svg {
        woundsim::plot::ImageFormat::Svg
    } else {
        woundsim::plot::ImageFormat::Png
    };
    let files = draw_plots(&a.run_dir, a.days.as_deref(), format, a.animate.as_deref())?;
    for f in files {
        println!("{}", f.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn cmd_resume(a: ResumeArgs, quiet: bool) -> Result<ExitCode> {
    let pb = progress_bar(quiet, 0, "resume");
    let cb = |done: u64, total: u64| {
        pb.set_length(total);
        pb.set_position(done)
    };
    let opts = RunOptions {
        snapshots: true,
        interrupt: Some(interrupt_flag()?),
        progress: Some(&cb),
        ..RunOptions::default()
    };
    let (_, out) = run::resume(&a.run_dir, &opts)?;
    pb.finish_and_clear();
    report(&a.run_dir, &out);
    Ok(ExitCode::SUCCESS)
}

/// Refuse scenarios that would not fit in memory.
pub fn check_memory(p: &Params) -> Result<()> {
    let need = p.memory_estimate_mib();
    let avail = if p.scenario.limits.max_memory_mib > 0.0 {
        p.scenario.limits.max_memory_mib
    } else {
        available_mib()
    };
    if need > avail {
        return Err(woundsim::error::Error::Resources {
            needed_mib: need,
            available_mib: avail,
            keys: "domain.width_um / domain.height_um, raise domain.voxel_um, disable fields (fields.<name>.enabled = false) or lower treatment.dose.dose_cells / limits.max_agents".into(),
        }
        .into());
    }
    Ok(())
}

fn available_mib() -> f64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemAvailable:"))
                .and_then(|l| {
                    l.split_whitespace()
                        .nth(1)
                        .and_then(|v| v.parse::<f64>().ok())
                })
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::INFINITY)
}
