//! `woundsim run --replicates N`, `woundsim compare` and `woundsim validate`.

use super::{interrupt_flag, progress_bar};
use anyhow::Result;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use woundsim::cohort_run::{self, DirOptions, Options};
use woundsim::scenario::Params;

fn show(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.1}")).unwrap_or_else(|| "n/a".into())
}

/// Run `p` as a cohort of `n` replicates into `out` (or the default).
pub fn run(
    p: &Params,
    n: u64,
    out: Option<PathBuf>,
    force: bool,
    plots: bool,
    quiet: bool,
) -> Result<ExitCode> {
    let dir = out.unwrap_or_else(|| cohort_run::default_out_dir(p, n));
    let pb = progress_bar(quiet, n, &format!("{} ×{n}", p.scenario.name));
    let cb = |done: u64, _total: u64| pb.set_position(done);
    let opts = DirOptions {
        force,
        plots,
        run: Options {
            interrupt: Some(interrupt_flag()?),
            progress: Some(&cb),
        },
    };
    let t0 = std::time::Instant::now();
    let c = cohort_run::run_in_dir(p, n, &dir, &opts);
    pb.finish_and_clear();
    report_cohort(&c?, &dir, t0);
    Ok(ExitCode::SUCCESS)
}

/// `woundsim resume DIR` for a cohort directory.
pub fn resume_cohort(dir: &Path, quiet: bool) -> Result<ExitCode> {
    let m = cohort_run::CohortManifest::read(dir)?;
    eprintln!(
        "resuming the cohort in {} ({} replicates; those already finished are kept)",
        dir.display(),
        m.replicates
    );
    let pb = progress_bar(quiet, m.replicates, "cohort");
    let cb = |done: u64, _total: u64| pb.set_position(done);
    let opts = Options {
        interrupt: Some(interrupt_flag()?),
        progress: Some(&cb),
    };
    let t0 = std::time::Instant::now();
    let c = cohort_run::resume_in_dir(dir, &opts);
    pb.finish_and_clear();
    report_cohort(&c?, dir, t0);
    Ok(ExitCode::SUCCESS)
}

fn report_cohort(c: &cohort_run::Cohort, dir: &Path, t0: std::time::Instant) {
    let n = c.replicates.len();
    let s = c.summary();
    let closure = &s.outcomes["closure_pct_final"];
    let healed = match (&s.healed_wk12, &s.healed_by_end) {
        (Some(h), _) => format!(
            "healed by week 12: {}/{} ({:.0} %, 95 % CI {:.0} to {:.0} %)",
            h.successes,
            h.n,
            100.0 * h.fraction,
            100.0 * h.wilson95_lo,
            100.0 * h.wilson95_hi
        ),
        (None, Some(h)) => format!(
            "healed by day {}: {}/{} ({:.0} %, 95 % CI {:.0} to {:.0} %)",
            s.days,
            h.successes,
            h.n,
            100.0 * h.fraction,
            100.0 * h.wilson95_lo,
            100.0 * h.wilson95_hi
        ),
        _ => String::new(),
    };
    eprintln!(
        "cohort of {n} done in {:.1} s: closure at day {} {} % (95 % CI {} to {}); {healed}; results in {}",
        t0.elapsed().as_secs_f64(),
        s.days,
        show(closure.mean),
        show(closure.ci95_lo),
        show(closure.ci95_hi),
        dir.display()
    );
    if let Some(w) = &s.small_sample_warning {
        eprintln!("{w}");
    }
}

/// Arguments of `woundsim compare`.
#[derive(clap::Args)]
pub struct CompareArgs {
    /// Scenario files (TOML) or shipped scenario names, two or more.
    #[arg(required = true, num_args = 1..)]
    scenarios: Vec<PathBuf>,
    /// Replicates (virtual patients) per scenario.
    #[arg(long, default_value_t = 10, value_name = "N")]
    replicates: u64,
    /// Output directory (default results/comparison).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Overwrite a non-empty output directory.
    #[arg(long)]
    force: bool,
    /// Simulated span in days for every scenario (same as --set time.days=D).
    #[arg(long)]
    days: Option<f64>,
    /// Master seed for every scenario (same as --set seed=N).
    #[arg(long)]
    seed: Option<u64>,
    /// Override a key in every scenario: --set key.path=value (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Skip the plots.
    #[arg(long)]
    no_plots: bool,
    #[command(flatten)]
    pub(crate) exec: super::ExecArgs,
}

fn overrides(set: &[String], days: Option<f64>, seed: Option<u64>) -> Vec<String> {
    let mut sets = set.to_vec();
    if let Some(d) = days {
        sets.push(format!("time.days={d}"));
    }
    if let Some(s) = seed {
        sets.push(format!("seed={s}"));
    }
    sets
}

/// `woundsim compare`.
pub fn compare(a: CompareArgs, quiet: bool) -> Result<ExitCode> {
    let sets = overrides(&a.set, a.days, a.seed);
    let params = a
        .scenarios
        .iter()
        .map(|f| super::load_params(Some(f), &sets))
        .collect::<Result<Vec<_>>>()?;
    for p in &params {
        woundsim::run::check_memory(p, woundsim::run::available_memory_mib())?;
    }
    let dir = a.out.unwrap_or_else(|| PathBuf::from("results/comparison"));
    let total = params.len() as u64 * a.replicates;
    let pb = progress_bar(quiet, total, "compare");
    let cb = |done: u64, _total: u64| pb.set_position(done);
    let opts = woundsim::compare::Options {
        force: a.force,
        plots: !a.no_plots,
        run: Options {
            interrupt: Some(interrupt_flag()?),
            progress: Some(&cb),
        },
    };
    let c = woundsim::compare::compare_in_dir(&params, a.replicates, &dir, &opts);
    pb.finish_and_clear();
    report_comparison(&c?, &dir);
    Ok(ExitCode::SUCCESS)
}

/// `woundsim resume DIR` for a comparison directory.
pub fn resume_comparison(dir: &Path, quiet: bool) -> Result<ExitCode> {
    let m = cohort_run::CohortManifest::read(dir)?;
    let total = m.replicates.saturating_mul(m.scenario_sources.len() as u64);
    eprintln!(
        "resuming the comparison in {} ({} scenarios × {} replicates; those already finished are kept)",
        dir.display(),
        m.scenario_sources.len(),
        m.replicates
    );
    let pb = progress_bar(quiet, total, "compare");
    let cb = |done: u64, _total: u64| pb.set_position(done);
    let opts = Options {
        interrupt: Some(interrupt_flag()?),
        progress: Some(&cb),
    };
    let c = woundsim::compare::resume_in_dir(dir, &opts);
    pb.finish_and_clear();
    report_comparison(&c?, dir);
    Ok(ExitCode::SUCCESS)
}

fn report_comparison(c: &woundsim::compare::Comparison, dir: &Path) {
    for (r, cohort) in c.rows.iter().zip(&c.cohorts) {
        let closure = cohort_run::OutcomeStats::of(
            woundsim::stats::Quantity::PERCENT,
            &cohort.outcome("closure_pct_final"),
        );
        eprintln!(
            "{}: closure at day {} {} % (95 % CI {} to {}); days to complete closure {}",
            r.label,
            r.days,
            show(closure.mean),
            show(closure.ci95_lo),
            show(closure.ci95_hi),
            r.t100.text(1, true)
        );
    }
    let n = c.cohorts.first().map_or(0, |c| c.replicates.len());
    if let Some(w) = woundsim::stats::small_sample_warning(n) {
        eprintln!("{w}");
    }
    eprintln!("comparison in {}", dir.join("comparison.md").display());
}

/// Arguments of `woundsim validate`.
#[derive(clap::Args)]
pub struct ValidateArgs {
    /// Replicates per arm (default 20, or 8 with --quick).
    #[arg(long, value_name = "N")]
    replicates: Option<u64>,
    /// Small domain, 21 days, 8 replicates; only the orderings (a few minutes).
    #[arg(long)]
    quick: bool,
    /// Output directory (default results/validation or results/validation-quick).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Overwrite a non-empty output directory.
    #[arg(long)]
    force: bool,
    /// Directory of the scenario files (default: ./scenarios, else the one
    /// woundsim was built with).
    #[arg(long, value_name = "DIR")]
    scenarios: Option<PathBuf>,
    /// Master seed of every arm.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Override a key in every arm: --set key.path=value (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Run only the facts whose id contains this text (repeatable).
    #[arg(long, value_name = "TEXT")]
    only: Vec<String>,
    #[command(flatten)]
    pub(crate) exec: super::ExecArgs,
}

/// `woundsim validate`: exit status 0 when every check passes, 3 when one
/// fails (2 for bad input, 1 for an internal error as elsewhere).
pub fn validate(a: ValidateArgs, quiet: bool) -> Result<ExitCode> {
    use woundsim::validate::{self, Settings};
    let dir = a.scenarios.unwrap_or_else(|| {
        let local = PathBuf::from("scenarios");
        if local.is_dir() {
            local
        } else {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"))
        }
    });
    let mut s = Settings::new(a.quick, &dir);
    if let Some(n) = a.replicates {
        s.replicates = n;
    }
    s.master_seed = a.seed;
    s.sets = a.set;
    s.only = a.only;
    let out = a.out.unwrap_or_else(|| {
        PathBuf::from(if a.quick {
            "results/validation-quick"
        } else {
            "results/validation"
        })
    });
    // Refuse a used output directory before hours of simulation.
    let _lock =
        woundsim::output::prepare_dir(&out, a.force, &woundsim::output::OutputKind::validation())?;
    let pb = progress_bar(quiet, 0, "validate");
    let cb = |done: u64, total: u64| {
        pb.set_length(total);
        pb.set_position(done)
    };
    let opts = Options {
        interrupt: Some(interrupt_flag()?),
        progress: Some(&cb),
    };
    let report = validate::run(&s, &opts);
    pb.finish_and_clear();
    let report = report?;
    out!("{}", report.text_table())?;
    let files = report.write(&out)?;
    for f in files {
        eprintln!("{}", f.display());
    }
    Ok(if report.failed > 0 {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}
