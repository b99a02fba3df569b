//! `woundsim bench`: run the benchmark suite (or load a saved report), print
//! it as a table, write JSON, compare with an earlier report.

use anyhow::Result;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use woundsim::bench::{self, Config, Report};

/// Arguments of `woundsim bench`.
#[derive(Args)]
pub struct BenchArgs {
    /// The short suite (a few seconds): small scenario, grids and sweep, fewer repetitions.
    #[arg(long)]
    quick: bool,
    /// Write the report as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Print new/old ratios against an earlier report (written with --json).
    #[arg(long, value_name = "OLD.json")]
    compare: Option<PathBuf>,
    /// Show a saved report instead of running the suite (with --compare: compare it).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["quick", "json"])]
    load: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) exec: super::ExecArgs,
}

/// Entry point of `woundsim bench`; `threads` is the effective `--threads`.
pub fn bench(a: BenchArgs, threads: Option<usize>, quiet: bool) -> Result<ExitCode> {
    // Read the old report first, so a bad file fails before a long suite.
    let old = a.compare.as_deref().map(Report::load).transpose()?;
    let report = match &a.load {
        Some(path) => Report::load(path)?,
        None => {
            let cfg = Config {
                quick: a.quick,
                threads: threads.unwrap_or_else(bench::available_cpus).max(1),
                scratch_dir: None,
            };
            let progress = |what: &str| {
                if !quiet {
                    eprintln!("bench: {what}");
                }
            };
            bench::run_suite(&cfg, &progress)?
        }
    };
    if let Some(path) = &a.json {
        report.save(path)?;
    }
    print_report(&report)?;
    if let (Some(old), Some(path)) = (&old, &a.compare) {
        outln!()?;
        outln!(
            "new/old against {} (woundsim {}, {}, {} suite):",
            path.display(),
            old.woundsim_version,
            old.date_utc,
            old.suite
        )?;
        print_comparison(&bench::compare(&report, old))?;
    }
    if let Some(path) = &a.json {
        eprintln!("report: {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// A number in 3 significant digits (scientific for large values).
fn num(v: f64) -> String {
    if v.abs() >= 1e5 {
        format!("{v:.2e}")
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

fn print_report(r: &Report) -> std::io::Result<()> {
    outln!(
        "woundsim {} bench ({} suite, best of {} after a warm-up), {}, {} ({} CPUs)",
        r.woundsim_version,
        r.suite,
        r.repetitions,
        r.date_utc,
        r.machine.cpu_model,
        r.machine.cpus
    )?;
    if let Some([before, after]) = r.load_average {
        outln!(
            "load average (1 min) {before:.2} before, {after:.2} after{}",
            if before.max(after) > 0.5 {
                ": other processes were competing for the CPUs"
            } else {
                ""
            }
        )?;
    }
    let tcols: Vec<String> = r
        .threads
        .iter()
        .map(|t| format!("{t} thread{}", if *t == 1 { "" } else { "s" }))
        .collect();
    let w = r
        .items
        .iter()
        .map(|i| i.name.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let u = r
        .items
        .iter()
        .map(|i| i.unit.len())
        .max()
        .unwrap_or(4)
        .max(4);
    out!("{:<w$}  {:<u$}", "item", "unit")?;
    for t in &tcols {
        out!("  {t:>11}")?;
    }
    outln!("  {:>10}", "efficiency")?;
    for i in &r.items {
        out!("{:<w$}  {:<u$}", i.name, i.unit)?;
        for &t in &r.threads {
            let cell = i.at(t).map(|m| num(m.value)).unwrap_or_else(|| "-".into());
            out!("  {cell:>11}")?;
        }
        let eff = i
            .efficiency
            .map(|e| format!("{:.0} %", 100.0 * e))
            .unwrap_or_else(|| "-".into());
        outln!("  {eff:>10}")?;
    }
    for p in &r.phases {
        let shares: Vec<String> = p
            .phases
            .iter()
            .map(|(n, _, s)| format!("{n} {:.0} %", 100.0 * s))
            .collect();
        outln!(
            "{} at {} thread{}: {:.2} s; {}",
            p.item,
            p.threads,
            if p.threads == 1 { "" } else { "s" },
            p.wall_s,
            shares.join(", ")
        )?;
    }
    Ok(())
}

fn print_comparison(c: &bench::ComparisonReport) -> std::io::Result<()> {
    let w = c
        .lines
        .iter()
        .map(|l| l.name.len())
        .max()
        .unwrap_or(4)
        .max(4);
    outln!(
        "{:<w$}  {:>7}  {:>11}  {:>11}  {:>7}",
        "item",
        "threads",
        "new",
        "old",
        "new/old"
    )?;
    for l in &c.lines {
        let mark = match l.improved {
            Some(true) => "  better",
            Some(false) => "  worse",
            None => "",
        };
        outln!(
            "{:<w$}  {:>7}  {:>11}  {:>11}  {:>7.2}{mark}",
            l.name,
            l.threads,
            num(l.new),
            num(l.old),
            l.ratio
        )?;
    }
    if !c.only_new.is_empty() {
        outln!("only in the new report: {}", c.only_new.join(", "))?;
    }
    if !c.only_old.is_empty() {
        outln!("only in the old report: {}", c.only_old.join(", "))?;
    }
    Ok(())
}
