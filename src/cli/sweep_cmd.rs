//! `woundsim sweep`: run, resume, shard, merge, sort and report parameter sweeps.

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use woundsim::error::Error;
use woundsim::sweep::cost::{self, CostEstimate};
use woundsim::sweep::file::SweepSpec;
use woundsim::sweep::report;
use woundsim::sweep::run::{self, Options, Progress, Start};
use woundsim::sweep::store::{self, Shard};

/// Arguments of `woundsim sweep`: either a subcommand or the arguments of
/// `sweep run` directly (`woundsim sweep FILE --out DIR`).
#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct SweepArgs {
    #[command(subcommand)]
    cmd: Option<SweepCmd>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand)]
enum SweepCmd {
    /// Run a sweep file (the default: `woundsim sweep FILE` is the same).
    Run(RunArgs),
    /// Validate a sweep file, print its size and a cost estimate (measured by
    /// simulating one day of the first design point on one thread).
    Check {
        /// Sweep file (TOML).
        file: PathBuf,
        /// Skip the calibration run and the cost estimate.
        #[arg(long, conflicts_with = "json")]
        no_estimate: bool,
        /// Print only the cost estimate, as one line of JSON (for scripts,
        /// e.g. sizing a Slurm job).
        #[arg(long)]
        json: bool,
    },
    /// Per-point statistics, sensitivity indices and figures into DIR/report/.
    Report {
        /// Sweep directory.
        dir: PathBuf,
        /// Draw the figures as SVG instead of PNG.
        #[arg(long)]
        svg: bool,
    },
    /// Join shard directories into OUT (same sweep required; rows sorted by run).
    Merge {
        /// Output directory (new or empty).
        out: PathBuf,
        /// Shard directories.
        #[arg(required = true, num_args = 1..)]
        dirs: Vec<PathBuf>,
        /// Overwrite a non-empty OUT.
        #[arg(long)]
        force: bool,
        /// Merge even if some runs are in no shard.
        #[arg(long)]
        allow_missing: bool,
    },
    /// Sort DIR/runs.csv by run index (a finished sweep is already sorted).
    Sort {
        /// Sweep directory.
        dir: PathBuf,
    },
}

#[derive(Args)]
struct RunArgs {
    /// Sweep file (TOML).
    #[arg(required = true)]
    file: Option<PathBuf>,
    /// Output directory (default results/<sweep file name>[-shard-K-of-N]).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Continue an interrupted sweep in --out: run only the missing runs.
    #[arg(long, conflicts_with = "force")]
    resume: bool,
    /// Clear a non-empty output directory first.
    #[arg(long)]
    force: bool,
    /// Run only shard K of N (runs i with i % N == K-1), e.g. --shard 2/8.
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// Write each run's time series to timeseries/run_<i>.csv.
    #[arg(long)]
    timeseries: bool,
    /// Print this process's peak resident memory (VmHWM) at the end.
    #[arg(long, hide = true)]
    report_rss: bool,
    #[command(flatten)]
    exec: super::ExecArgs,
}

impl SweepArgs {
    /// The `--threads`/`--quiet` of `sweep run` (or of `sweep FILE`).
    pub fn exec(&self) -> Option<&super::ExecArgs> {
        match &self.cmd {
            Some(SweepCmd::Run(r)) => Some(&r.exec),
            None => Some(&self.run.exec),
            Some(_) => None,
        }
    }
}

/// Entry point of `woundsim sweep`.
pub fn sweep(a: SweepArgs, quiet: bool) -> Result<ExitCode> {
    match a.cmd {
        Some(SweepCmd::Run(r)) => cmd_run(r, quiet),
        None => cmd_run(a.run, quiet),
        Some(SweepCmd::Check {
            file,
            no_estimate,
            json,
        }) => {
            let spec = SweepSpec::load(&file).map_err(lib)?;
            if json {
                let e = cost::estimate(&spec).map_err(lib)?;
                outln!(
                    "{{\"runs\":{},\"run_days\":{},\"calibration_days\":{},\"calibration_s\":{},\"voxels\":{},\"s_per_day\":{},\"core_s\":{},\"mib_per_run\":{}}}",
                    e.runs, e.run_days, e.calibration_days, e.calibration_s, e.voxels, e.s_per_day, e.core_s, e.mib_per_run
                )?;
                return Ok(ExitCode::SUCCESS);
            }
            outln!(
                "{}: {} design, {} factors, {} points × {} replicates = {} runs, {} outcomes; hash {}",
                file.display(),
                spec.kind.as_str(),
                spec.factors.len(),
                spec.n_points(),
                spec.replicates,
                spec.n_runs(),
                spec.outcomes.len(),
                spec.hash
            )?;
            if !no_estimate {
                let e = cost::estimate(&spec).map_err(lib)?;
                let t = rayon::current_num_threads();
                outln!("{}", estimate_text(&e, t))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(SweepCmd::Report { dir, svg }) => {
            let format = if svg {
                woundsim::plot::ImageFormat::Svg
            } else {
                woundsim::plot::ImageFormat::Png
            };
            let s = report::report_as(&dir, format).map_err(lib)?;
            let missing = if s.missing > 0 {
                format!(", {} runs missing", s.missing)
            } else {
                String::new()
            };
            eprintln!("report of {} runs ({} failed{missing}):", s.runs, s.failed);
            for f in &s.files {
                eprintln!("  {}", f.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(SweepCmd::Merge {
            out,
            dirs,
            force,
            allow_missing,
        }) => {
            let s = store::merge(&out, &dirs, force, allow_missing).map_err(lib)?;
            let missing = if s.missing > 0 {
                format!(" ({} runs missing)", s.missing)
            } else {
                String::new()
            };
            eprintln!(
                "merged {} runs{missing} from {} shards into {}",
                s.runs,
                dirs.len(),
                out.join(store::RUNS_CSV).display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(SweepCmd::Sort { dir }) => {
            let n = store::sort_dir(&dir).map_err(lib)?;
            eprintln!("sorted {n} runs in {}", dir.join(store::RUNS_CSV).display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `x` with three significant digits.
fn sig3(x: f64) -> String {
    if !(x.is_finite() && x > 0.0) {
        return format!("{x}");
    }
    let d = (2 - x.log10().floor() as i32).max(0) as usize;
    format!("{x:.d$}")
}

/// The cost estimate as `sweep check` prints it: the estimate, then how it
/// was made.
fn estimate_text(e: &CostEstimate, threads: usize) -> String {
    format!(
        "estimated cost: {} runs, {} simulated days in all, × {} s per simulated day = {} on one core; \
         about {} with {threads} thread{}; peak memory about {:.0} MiB per run ({:.0} MiB with {threads} runs at once)\n\
         how: simulated {} day{} of design point 0 on one thread ({} voxels) in {:.3} s and assumed every \
         simulated day of every run costs the same (rough: days after the wound closes are cheaper, days with \
         many agents dearer, grids of other sizes scale with their voxel count); memory from the grid and dose size",
        e.runs,
        woundsim::sweep::file::render_number(Some(e.run_days)),
        sig3(e.s_per_day),
        cost::duration_text(e.core_s),
        cost::duration_text(e.wall_s(threads)),
        if threads == 1 { "" } else { "s" },
        e.mib_per_run,
        e.mib(threads),
        woundsim::sweep::file::render_number(Some(e.calibration_days)),
        if e.calibration_days == 1.0 { "" } else { "s" },
        e.voxels,
        e.calibration_s,
    )
}

fn progress_bar(quiet: bool, total: u64) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(total);
    pb.set_style(
        ProgressStyle::with_template("sweep [{bar:40}] {pos}/{len} runs{msg} ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb
}

fn default_out(file: &Path, shard: Option<Shard>) -> PathBuf {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sweep".into());
    let name = match shard {
        Some(s) => format!("{stem}-shard-{}-of-{}", s.index, s.count),
        None => stem,
    };
    PathBuf::from("results").join(name)
}

fn cmd_run(a: RunArgs, quiet: bool) -> Result<ExitCode> {
    let file = a.file.context("a sweep file is required")?;
    let shard = a
        .shard
        .as_deref()
        .map(Shard::parse)
        .transpose()
        .map_err(|e| lib(e.into()))?;
    let spec = SweepSpec::load(&file).map_err(lib)?;
    let dir = a.out.clone().unwrap_or_else(|| default_out(&file, shard));
    let start = if a.resume {
        Start::Resume
    } else if a.force {
        Start::Force
    } else {
        Start::Fresh
    };
    let pb = progress_bar(quiet, 0);
    let cb = |p: &Progress| {
        if pb.length() != Some(p.pending) {
            pb.set_length(p.pending);
        }
        pb.set_position(p.done);
        let earlier = if p.previously_done > 0 {
            format!(" (+{} earlier)", p.previously_done)
        } else {
            String::new()
        };
        pb.set_message(format!(", {} failed{earlier}", p.failed));
    };
    let opts = Options {
        start,
        shard,
        timeseries: a.timeseries,
        threads: 0,
        interrupt: Some(super::interrupt_flag()?),
        progress: Some(&cb),
    };
    let out = run::run(&spec, &dir, &opts);
    pb.finish_and_clear();
    let out = out.map_err(lib)?;
    let p = out.progress;
    let rate = if out.wall_s > 0.0 {
        p.done as f64 / out.wall_s * 3600.0
    } else {
        0.0
    };
    let scope = shard.map(|s| format!(" of shard {s}")).unwrap_or_default();
    let earlier = if p.previously_done > 0 {
        format!(", {} done earlier", p.previously_done)
    } else {
        String::new()
    };
    eprintln!(
        "sweep: {} runs in {:.1} s on {} threads ({} ok, {} failed{earlier}; {:.0} runs/h); {}/{} runs{scope} in {}",
        p.done,
        out.wall_s,
        out.threads,
        p.done - p.failed,
        p.failed,
        rate,
        p.previously_done + p.done,
        p.total,
        out.runs_csv.display()
    );
    if a.report_rss {
        eprintln!(
            "peak RSS (VmHWM): {} kB",
            woundsim::bench::peak_rss_kib()
                .map(|k| k.to_string())
                .unwrap_or_else(|| "unknown".into())
        );
    }
    if out.interrupted {
        let shard_arg = shard.map(|s| format!(" --shard {s}")).unwrap_or_default();
        eprintln!(
            "interrupted: {} of {} runs{scope} not run; resume with `woundsim sweep run {} --out {}{shard_arg} --resume`",
            p.total - p.previously_done - p.done,
            p.total,
            file.display(),
            dir.display()
        );
        return Ok(ExitCode::from(130));
    }
    if p.failed > 0 {
        eprintln!(
            "{} runs failed; their errors are in the 'error' column of runs.csv",
            p.failed
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Library error to anyhow, unwrapping input errors so that the message
/// is not repeated as its own cause (main still maps them to exit status 2).
fn lib(e: Error) -> anyhow::Error {
    match e {
        Error::Input(i) => i.into(),
        other => other.into(),
    }
}
