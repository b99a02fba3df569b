//! Command-line interface (clap).

use anyhow::{Context, Result};
use clap::{Args, CommandFactory, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use woundsim::run::{self, RunOptions};
use woundsim::scenario::{Params, Scenario, BUILTIN_LABEL};

#[macro_use]
pub(crate) mod out;
mod run_cmd;
use run_cmd::*;

/// Most worker threads `--threads` may ask for (each costs a stack and a
/// share of every parallel loop; far more than cores only slows a run).
const MAX_THREADS: u64 = 256;
mod bench_cmd;
mod cohort_cmd;
mod export_cmd;
mod params_cmd;
mod shipped;
mod sweep_cmd;
mod trial_cmd;

/// woundsim: agent-based simulation of chronic wounds under MSC therapy.
#[derive(Parser)]
#[command(name = "woundsim", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Accepted before the command too (`woundsim --threads 2 run`), for the
    /// commands that take it; shown in their own help.
    #[arg(long, hide = true, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=MAX_THREADS))]
    threads: Option<usize>,
    /// Accepted before the command too, for the commands that take it.
    #[arg(long, short, hide = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

/// `--threads` and `--quiet`, on the commands where they do something
/// (those that simulate, and `bench`).
#[derive(Args, Clone, Default)]
pub struct ExecArgs {
    /// Worker threads, 1 to 256 (default: RAYON_NUM_THREADS or all cores);
    /// results are bit-identical at any thread count.
    #[arg(long, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=MAX_THREADS))]
    pub threads: Option<usize>,
    /// No progress bar or progress messages.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario (the built-in default when no file or name is given).
    Run(RunArgs),
    /// Continue an interrupted or checkpointed run, cohort, comparison or trial.
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
    /// Overlay the time courses of several runs in one figure.
    Overlay(OverlayArgs),
    /// Export a run's snapshots for ParaView (--to vtk) or xarray (--to zarr).
    Export(export_cmd::ExportArgs),
    /// Parameter sweeps: run (resumable, shardable), merge shards, report.
    Sweep(sweep_cmd::SweepArgs),
    /// Benchmark suite: solver, agent phases, default scenario, sweep, memory.
    Bench(bench_cmd::BenchArgs),
    /// Run several scenarios as cohorts and compare their outcomes.
    Compare(cohort_cmd::CompareArgs),
    /// Check the model against published facts with virtual experiments.
    Validate(cohort_cmd::ValidateArgs),
    /// Run a randomized virtual trial (arms, inclusion, strata, product lots).
    #[command(long_about = trial_cmd::LONG_ABOUT)]
    Trial(trial_cmd::TrialArgs),
    /// Serve the web app (built by scripts/build-site.sh) on 127.0.0.1.
    Serve(ServeArgs),
    /// Explain one parameter in plain words.
    Explain {
        /// Dotted key, e.g. msc.hypoxia_death_per_day.
        key: String,
    },
    /// Print a shell completion script, e.g. `woundsim completions bash >
    /// ~/.local/share/bash-completion/completions/woundsim`.
    Completions {
        /// Shell to complete in.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `woundsim man | man -l -`; with
    /// --dir, write one page per command into DIR.
    Man {
        /// Directory for woundsim.1 and one woundsim-<command>.1 per command.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

impl Command {
    /// The `--threads`/`--quiet` of this command, if it takes them.
    fn exec(&self) -> Option<&ExecArgs> {
        match self {
            Command::Run(a) => Some(&a.exec),
            Command::Resume(a) => Some(&a.exec),
            Command::Sweep(a) => a.exec(),
            Command::Compare(a) => Some(&a.exec),
            Command::Validate(a) => Some(&a.exec),
            Command::Trial(a) => Some(&a.exec),
            Command::Bench(a) => Some(&a.exec),
            _ => None,
        }
    }
}

/// Ready-made sets of overrides (`--preset`), applied before any `--set`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    /// A 6 mm × 6 mm slice with a 4 mm wound (domain.width_um=6000,
    /// domain.height_um=6000, wound.diameter_um=4000): runs in seconds.
    Small,
}

impl Preset {
    /// The `--set` overrides of the preset.
    pub fn sets(self) -> &'static [&'static str] {
        match self {
            Preset::Small => &[
                "domain.width_um=6000",
                "domain.height_um=6000",
                "wound.diameter_um=4000",
            ],
        }
    }
}

/// Scenario input shared by commands.
#[derive(Args, Clone)]
pub struct ScenarioInput {
    /// Scenario file (TOML) or the name of a shipped scenario (see
    /// `woundsim scenario list`); omit for the built-in default.
    pub scenario: Option<PathBuf>,
    /// Ready-made overrides, applied before any --set: `small` is a 6 mm ×
    /// 6 mm slice with a 4 mm wound (domain.width_um=6000,
    /// domain.height_um=6000, wound.diameter_um=4000).
    #[arg(long, value_enum, value_name = "NAME")]
    pub preset: Option<Preset>,
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
        let mut sets: Vec<String> = self
            .preset
            .map(|p| p.sets().iter().map(|s| s.to_string()).collect())
            .unwrap_or_default();
        sets.extend(self.set.iter().cloned());
        if let Some(d) = self.days {
            sets.push(format!("time.days={d}"));
        }
        if let Some(s) = self.seed {
            sets.push(format!("seed={s}"));
        }
        load_params(self.scenario.as_deref(), &sets)
    }
}

/// Load a scenario file, a shipped scenario by name (see
/// [`shipped::resolve`]) or the built-in default, with overrides, validated.
pub fn load_params(path: Option<&Path>, sets: &[String]) -> Result<Params> {
    let (scenario, label) = match path.map(shipped::resolve).transpose()? {
        Some(shipped::Source::File(p)) => (Scenario::load(&p, sets)?, p.display().to_string()),
        Some(shipped::Source::Shipped(s)) => (
            Scenario::from_toml_str(s.toml, &s.label(), sets)
                .map_err(woundsim::error::Error::from)?,
            s.label(),
        ),
        None => (
            Scenario::builtin(sets).map_err(woundsim::error::Error::from)?,
            BUILTIN_LABEL.to_string(),
        ),
    };
    Ok(Params::new(scenario, &label)
        .map_err(|e| woundsim::scenario::blame_overrides(e, sets))
        .map_err(woundsim::error::Error::from)?)
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    input: ScenarioInput,
    #[command(flatten)]
    exec: ExecArgs,
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
    /// Fields of the field maps, 1 to 4 (default: oxygen,vegf,il10,tnf).
    #[arg(long, value_delimiter = ',')]
    fields: Option<Vec<String>>,
    /// Write SVG instead of PNG.
    #[arg(long)]
    svg: bool,
    /// Also write an animated GIF of this field over time.
    #[arg(long, value_name = "FIELD", num_args = 0..=1, default_missing_value = "oxygen")]
    animate: Option<String>,
    /// Also write plots/timeseries_log.png: cell counts, vessel density and
    /// concentrations on log axes (where one curve flattens the others).
    #[arg(long)]
    log: bool,
}

#[derive(Args)]
struct OverlayArgs {
    /// Run directories (each with a timeseries.csv), up to 8.
    #[arg(required = true, num_args = 1..)]
    run_dirs: Vec<PathBuf>,
    /// Figure to write (.png, or .svg with --svg; the extension is added if missing).
    #[arg(long)]
    out: PathBuf,
    /// Legend names, one per run (default: the run directory names).
    #[arg(long, value_delimiter = ',')]
    labels: Option<Vec<String>>,
    /// timeseries.csv columns to show, one panel each (default: closure_pct,
    /// msc_live, m2_fraction, vessel_density_rel, o2_mean_mmHg, vegf_mean_ng_per_ml).
    #[arg(long, value_delimiter = ',')]
    columns: Option<Vec<String>>,
    /// Figure title.
    #[arg(long, default_value = "Comparison of runs")]
    title: String,
    /// Write SVG instead of PNG.
    #[arg(long)]
    svg: bool,
}

#[derive(Args)]
struct ResumeArgs {
    /// Run directory holding checkpoint.bin, or a cohort, comparison or trial directory.
    run_dir: PathBuf,
    /// Skip the plots drawn at the end of the run.
    #[arg(long)]
    no_plots: bool,
    #[command(flatten)]
    exec: ExecArgs,
}

#[derive(Subcommand)]
enum ScenarioCmd {
    /// Print the fully resolved scenario (defaults included) as TOML.
    Show {
        #[command(flatten)]
        input: ScenarioInput,
    },
    /// List the shipped scenarios (usable by name wherever a scenario file
    /// is accepted) with a one-line description each.
    List,
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
    let own = cli.command.exec().cloned().unwrap_or_default();
    let threads = own.threads.or(cli.threads);
    let quiet = own.quiet || cli.quiet;
    if threads.is_none() {
        if let Ok(v) = std::env::var("RAYON_NUM_THREADS") {
            if v.trim().parse::<u64>().is_ok_and(|n| n > MAX_THREADS) {
                return Err(woundsim::error::Error::from(
                    woundsim::error::InputError::new(
                        "<environment>",
                        Some("RAYON_NUM_THREADS"),
                        format!("value {v} threads"),
                    )
                    .allowed(format!("1 to {MAX_THREADS} threads")),
                )
                .into());
            }
        }
    }
    if let Some(n) = threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .context("starting the thread pool")?;
    }
    let code = match cli.command {
        Command::Run(a) => cmd_run(a, quiet),
        Command::Resume(a) => cmd_resume(a, quiet),
        Command::Scenario {
            cmd: ScenarioCmd::Show { input },
        } => {
            let p = input.load()?;
            out!("{}", p.scenario.to_toml())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Scenario {
            cmd: ScenarioCmd::List,
        } => shipped::list(),
        Command::Params(a) => params_cmd::params(a),
        Command::Explain { key } => params_cmd::explain(&key),
        Command::Sweep(a) => sweep_cmd::sweep(a, quiet),
        Command::Compare(a) => cohort_cmd::compare(a, quiet),
        Command::Validate(a) => cohort_cmd::validate(a, quiet),
        Command::Trial(a) => trial_cmd::trial(a, quiet),
        Command::Plot(a) => cmd_plot(a),
        Command::Overlay(a) => cmd_overlay(a),
        Command::Export(a) => export_cmd::export(a),
        Command::Bench(a) => bench_cmd::bench(a, threads, quiet),
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "woundsim", &mut buf);
            out!("{}", String::from_utf8_lossy(&buf))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man { dir } => cmd_man(dir.as_deref()),
        Command::Serve(a) => cmd_serve(a),
    }?;
    out::flush()?;
    Ok(code)
}

#[derive(Args)]
struct ServeArgs {
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// The built site folder (default: target/site here, or beside the
    /// woundsim executable's folder).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// `woundsim serve`: the web app on 127.0.0.1 until interrupted.
fn cmd_serve(a: ServeArgs) -> Result<ExitCode> {
    let root = woundsim::serve::site_dir(a.dir.as_deref())?;
    let server = woundsim::serve::Server::bind(root.clone(), a.port)?;
    eprintln!(
        "serving {} at http://127.0.0.1:{}/ (Ctrl-C stops)",
        root.display(),
        server.port()
    );
    server.run(None);
    Ok(ExitCode::SUCCESS)
}
