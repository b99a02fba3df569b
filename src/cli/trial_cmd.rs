//! `woundsim trial TRIAL.toml` and resuming a trial directory.

use super::{interrupt_flag, progress_bar};
use anyhow::Result;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use woundsim::trial::{self, Options, Overrides, Trial, TrialResult};

/// The long help of `woundsim trial`.
pub const LONG_ABOUT: &str = "Run a randomized virtual trial described by a trial file (TOML): \
two or more arms (shipped scenarios or files, the first is the control), N patients screened \
against inclusion ranges of their drawn values (failed draws are redrawn up to \
inclusion.max_draws, then the patient is excluded), stratified permuted-block randomization \
(site × perfusion band), MSC product lots per site, patient or trial with a simulated potency \
assay. Every patient is a run, in parallel; results are identical at any --threads, and an \
interrupted trial continues with `woundsim resume DIR`.\n\n\
Writes patients.csv (arm, stratum, lot, patient values, outcomes), lots.csv, \
trial_summary.json and trial.md (healed by the set week with Wilson intervals, ≥ 50 % area \
reduction at week 12, Kaplan–Meier time to closure censored at the trial's end with the \
log-rank test and the Peto hazard ratio, risk ratios, subgroup risk ratios by stratum, \
sample sizes for the target power, release criteria on the lot assay), plots/km.png \
(Kaplan–Meier with 95 % Greenwood bands) and plots/forest.png (subgroup risk ratios). \
See examples/trials/ and the README's \"Virtual trials\".";

/// Arguments of `woundsim trial`.
#[derive(clap::Args)]
pub struct TrialArgs {
    /// Trial file (TOML), e.g. examples/trials/dfu-adipose-vs-standard-care.toml.
    trial: PathBuf,
    /// Output directory (default results/<name>-trial<patients>-<seed>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Overwrite a non-empty output directory.
    #[arg(long)]
    force: bool,
    /// Patients to enrol (overrides `patients`).
    #[arg(long, value_name = "N")]
    patients: Option<u64>,
    /// Master seed (overrides `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Simulated days of every arm (overrides `days`).
    #[arg(long)]
    days: Option<f64>,
    /// Override a key in every arm: --set key.path=value (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Skip the figures.
    #[arg(long)]
    no_plots: bool,
    #[command(flatten)]
    pub(crate) exec: super::ExecArgs,
}

/// `woundsim trial`.
pub fn trial(a: TrialArgs, quiet: bool) -> Result<ExitCode> {
    let ov = Overrides {
        patients: a.patients,
        seed: a.seed,
        days: a.days,
        set: a.set.clone(),
    };
    let t = Trial::load_with(&a.trial, &ov)?;
    let dir = a.out.clone().unwrap_or_else(|| trial::default_out_dir(&t));
    let pb = progress_bar(quiet, t.raw.patients, &t.raw.name);
    let cb = |done: u64, total: u64| {
        pb.set_length(total);
        pb.set_position(done)
    };
    let opts = Options {
        interrupt: Some(interrupt_flag()?),
        progress: Some(&cb),
        plots: !a.no_plots,
    };
    let t0 = std::time::Instant::now();
    let r = trial::run_in_dir(&t, &dir, a.force, &opts);
    pb.finish_and_clear();
    report(&r?, &dir, t0, true);
    Ok(ExitCode::SUCCESS)
}

/// `woundsim resume DIR` for a trial directory.
pub fn resume(dir: &Path, quiet: bool) -> Result<ExitCode> {
    let m = trial::read_manifest(dir)?;
    eprintln!(
        "resuming the trial in {} ({} patients; those already finished are kept)",
        dir.display(),
        m.enrolled
    );
    let pb = progress_bar(quiet, m.enrolled, "trial");
    let cb = |done: u64, _total: u64| pb.set_position(done);
    let opts = Options {
        interrupt: Some(interrupt_flag()?),
        progress: Some(&cb),
        plots: m.plots,
    };
    let t0 = std::time::Instant::now();
    let r = trial::resume_in_dir(dir, &opts);
    pb.finish_and_clear();
    report(&r?, dir, t0, false);
    Ok(ExitCode::SUCCESS)
}

/// Print the outcome; `rate`: every patient ran in this invocation (not a
/// resume, which loads the stored ones), so runs/hour is meaningful.
fn report(r: &TrialResult, dir: &Path, t0: std::time::Instant, rate: bool) {
    let s = r.summary();
    let wall = t0.elapsed().as_secs_f64();
    let per_hour = if rate {
        format!(
            " ({:.0} runs/hour)",
            s.enrolled as f64 * 3600.0 / wall.max(1e-9)
        )
    } else {
        String::new()
    };
    eprintln!(
        "trial of {} patients ({} excluded) done in {wall:.1} s{per_hour}; results in {}",
        s.enrolled,
        s.excluded,
        dir.display()
    );
    for a in &s.arms {
        if let Some(h) = &a.healed {
            eprintln!(
                "  {}: healed by week {} {}/{} ({:.0} %, 95 % CI {:.0}–{:.0} %)",
                a.name,
                s.healed_by_week,
                h.successes,
                h.n,
                100.0 * h.fraction,
                100.0 * h.wilson95_lo,
                100.0 * h.wilson95_hi
            );
        }
    }
    for c in &s.contrasts {
        eprintln!(
            "  {} vs {}: risk ratio {:.2} ({:.2}–{:.2}), hazard ratio {:.2} ({:.2}–{:.2}), log-rank p = {:.3}",
            c.arm,
            c.control,
            c.healed_rr.rr,
            c.healed_rr.lo,
            c.healed_rr.hi,
            c.logrank.hr,
            c.logrank.hr_lo,
            c.logrank.hr_hi,
            c.logrank.p
        );
    }
}
