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

mod bench_cmd;
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
    /// Continue an interrupted or checkpointed run, cohort or comparison.
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
    /// Parameter sweeps: run (resumable, shardable), merge shards, report.
    Sweep(sweep_cmd::SweepArgs),
    /// Benchmark suite: solver, agent phases, default scenario, sweep, memory.
    Bench(bench_cmd::BenchArgs),
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
    Ok(Params::new(scenario, &label)
        .map_err(|e| woundsim::scenario::blame_overrides(e, sets))
        .map_err(woundsim::error::Error::from)?)
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
    /// Fields of the field maps, 1 to 4 (default: oxygen,vegf,il10,tnf).
    #[arg(long, value_delimiter = ',')]
    fields: Option<Vec<String>>,
    /// Write SVG instead of PNG.
    #[arg(long)]
    svg: bool,
    /// Also write an animated GIF of this field over time.
    #[arg(long, value_name = "FIELD", num_args = 0..=1, default_missing_value = "oxygen")]
    animate: Option<String>,
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
    /// Run directory holding checkpoint.bin, or a cohort or comparison directory.
    run_dir: PathBuf,
    /// Skip the plots drawn at the end of the run.
    #[arg(long)]
    no_plots: bool,
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
        Command::Overlay(a) => cmd_overlay(a),
        Command::Bench(a) => bench_cmd::bench(a, cli.threads, cli.quiet),
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
        let files = draw_plots(&dir, None, &[], woundsim::plot::ImageFormat::Png, None)?;
        eprintln!("plots: {}", files.len());
    }
    Ok(ExitCode::SUCCESS)
}

/// Draw the standard plots of a run directory into `dir/plots`: the time
/// series and the field maps of `fields` (the default four when empty).
fn draw_plots(
    dir: &Path,
    days: Option<&[f64]>,
    fields: &[String],
    format: woundsim::plot::ImageFormat,
    animate: Option<&str>,
) -> Result<Vec<PathBuf>> {
    use woundsim::plot;
    // Never through a link planted at `plots`.
    let out = woundsim::output::ensure_subdir(dir, "plots")?;
    let mut files = vec![plot::plot_timeseries(dir, &out.join("timeseries"), format)?];
    if dir.join("snapshots").join("index.json").exists() {
        let fields: Vec<&str> = if fields.is_empty() {
            plot::FIELDMAP_FIELDS.to_vec()
        } else {
            fields.iter().map(String::as_str).collect()
        };
        files.extend(plot::plot_fieldmaps_of(dir, &out, days, &fields, format)?);
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
    let files = draw_plots(
        &a.run_dir,
        a.days.as_deref(),
        &a.fields.unwrap_or_default(),
        format,
        a.animate.as_deref(),
    )?;
    for f in files {
        println!("{}", f.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn cmd_overlay(a: OverlayArgs) -> Result<ExitCode> {
    let names: Vec<String> = match a.labels {
        Some(l) if l.len() != a.run_dirs.len() => {
            return Err(
                woundsim::error::Error::from(woundsim::error::InputError::new(
                    "<command line>",
                    Some("--labels"),
                    format!(
                        "{} labels for {} run directories",
                        l.len(),
                        a.run_dirs.len()
                    ),
                ))
                .into(),
            )
        }
        Some(l) => l,
        None => a.run_dirs.iter().map(|d| run_name(d)).collect(),
    };
    let runs: Vec<(String, PathBuf)> = names.into_iter().zip(a.run_dirs).collect();
    let format = if a.svg {
        woundsim::plot::ImageFormat::Svg
    } else {
        woundsim::plot::ImageFormat::Png
    };
    let columns = a.columns.unwrap_or_default();
    let file = woundsim::plot::plot_comparison(&runs, &columns, &a.title, &a.out, format)?;
    println!("{}", file.display());
    Ok(ExitCode::SUCCESS)
}

/// The last component of a run directory, for legends.
fn run_name(dir: &Path) -> String {
    dir.canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| dir.display().to_string())
}

fn cmd_resume(a: ResumeArgs, quiet: bool) -> Result<ExitCode> {
    match woundsim::output::read_marker(&a.run_dir) {
        Ok(Some(m)) if m.kind == "cohort" => return cohort_cmd::resume_cohort(&a.run_dir, quiet),
        Ok(Some(m)) if m.kind == "comparison" => {
            return cohort_cmd::resume_comparison(&a.run_dir, quiet)
        }
        _ => {}
    }
    let r = run::Resumable::open(&a.run_dir)?;
    let p = r.params();
    eprintln!(
        "resuming {} at day {:.2} of {}",
        a.run_dir.display(),
        r.day(),
        p.scenario.time.days
    );
    let pb = progress_bar(quiet, p.steps.total, &p.scenario.name);
    let cb = |done: u64, _total: u64| pb.set_position(done);
    let opts = RunOptions {
        interrupt: Some(interrupt_flag()?),
        progress: Some(&cb),
        ..RunOptions::default()
    };
    let out = r.run(&opts);
    pb.finish_and_clear();
    let out = out?;
    report(&a.run_dir, &out);
    if !a.no_plots {
        let files = draw_plots(
            &a.run_dir,
            None,
            &[],
            woundsim::plot::ImageFormat::Png,
            None,
        )?;
        eprintln!("plots: {}", files.len());
    }
    Ok(ExitCode::SUCCESS)
}
