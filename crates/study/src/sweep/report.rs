//! `woundsim sweep report DIR`: per-point statistics and sensitivity indices
//! from a sweep directory's `runs.csv` and `sweep.json`.
//!
//! * `report/points.csv` (long format: one row per point and outcome) and
//!   `report/points.md`: number of runs with a value, failures, mean, SD and
//!   the 95 % interval of the mean ([`stats::ci95`] for the outcome's kind:
//!   within 0–100 % for percentages, 0–1 for fractions, ≥ 0 otherwise), with
//!   a warning when a point has fewer than [`stats::SMALL_SAMPLE_N`] runs.
//! * `report/sensitivity.csv` and `.md`: PRCC per outcome and factor for LHS
//!   and random designs (with a Fisher-z 95 % interval), first-order and
//!   total Sobol' indices with bootstrap 95 % intervals for Saltelli
//!   designs. Both use the mean over replicates of each point. Factorial
//!   designs get no sensitivity files.
//! * `report/plots/` (PNG by default, SVG on request), per outcome:
//!   `<outcome>_vs_<factor>` for each factor (mean and 95 % interval along
//!   the factor: a line for numbers, bars for names; one line or bar per
//!   combination of the other factors when there are few, else the mean
//!   over them; sampled designs are binned by the factor's rank),
//!   `<outcome>_heatmap` for factorial designs of two or more factors (mean
//!   over the first two), and `<outcome>_prcc` or `<outcome>_sobol` (the
//!   ranked sensitivity indices with their intervals).

use crate::error::{Error, Result};
use crate::output;
use crate::plot::{self, BarRow, Estimate, ImageFormat, Series, XAxis};
use crate::stats;
use crate::sweep::design::DesignPoint;
use crate::sweep::sensitivity;
use crate::sweep::store::{Manifest, RUNS_CSV};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

mod read;
use read::*;
mod tables;
use tables::*;
mod plots;
pub use plots::*;

/// Report subdirectory.
pub const REPORT_DIR: &str = "report";
/// Figures subdirectory of the report.
pub const PLOTS_DIR: &str = "plots";
/// Most lines (or bars per row) in a figure: with more combinations of the
/// other factors, the figure shows the mean over them instead.
pub const MAX_SERIES: usize = 6;
/// A numeric factor with at most this many distinct values is plotted by
/// level; one with more is binned by rank.
pub const MAX_LEVELS: usize = 12;
/// Largest number of rank bins along a sampled factor.
pub const MAX_BINS: usize = 10;
/// Bootstrap resamples for Sobol' intervals.
pub const SOBOL_RESAMPLES: usize = 1000;
/// Points listed per outcome in `points.md` (the CSV has all).
pub const MD_MAX_POINTS: usize = 200;

/// Statistics of one outcome at one design point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointStats {
    /// Runs with a value.
    pub n: usize,
    /// Mean (`NaN` if `n == 0`).
    pub mean: f64,
    /// Sample SD (`NaN` if `n < 2`).
    pub sd: f64,
    /// 95 % interval of the mean (`NaN`s if `n < 2`), see [`stats::ci95`].
    pub ci95: (f64, f64),
}

impl PointStats {
    /// Statistics of `xs`, values of a quantity of kind `kind`.
    pub fn of(kind: stats::Quantity, xs: &[f64]) -> PointStats {
        PointStats {
            n: xs.len(),
            mean: stats::mean(xs),
            sd: stats::sd(xs),
            ci95: if xs.len() < 2 {
                (f64::NAN, f64::NAN)
            } else {
                stats::ci95(kind, xs)
            },
        }
    }
}

/// Everything the report computes, kept for [`plots`].
#[derive(Debug, Clone)]
pub struct ReportData {
    /// The sweep manifest.
    pub manifest: Manifest,
    /// `stats[point][outcome]`.
    pub stats: Vec<Vec<PointStats>>,
    /// Failed runs per point.
    pub failed: Vec<u64>,
    /// Sensitivity rows.
    pub sensitivity: Vec<SensitivityRow>,
    /// Runs of the sweep missing from `runs.csv`.
    pub missing: u64,
}

/// One sensitivity estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct SensitivityRow {
    /// Outcome.
    pub outcome: String,
    /// Factor key (empty when the whole outcome could not be analysed).
    pub factor: String,
    /// `prcc`, `sobol_first` or `sobol_total`.
    pub method: String,
    /// The estimate (`NaN` when undefined).
    pub value: f64,
    /// 95 % interval, if any.
    pub ci95: Option<(f64, f64)>,
    /// Why an estimate is missing.
    pub note: String,
}

/// What [`report`] wrote.
#[derive(Debug, Clone)]
pub struct ReportSummary {
    /// Files written.
    pub files: Vec<PathBuf>,
    /// Runs read from `runs.csv`.
    pub runs: u64,
    /// Runs of the sweep missing from `runs.csv`.
    pub missing: u64,
    /// Failed runs.
    pub failed: u64,
}

/// Compute the report of sweep directory `dir` and write it to `dir/report/`,
/// with PNG figures.
pub fn report(dir: &Path) -> Result<ReportSummary> {
    report_as(dir, ImageFormat::Png)
}

/// [`report`] with figures in `format`.
pub fn report_as(dir: &Path, format: ImageFormat) -> Result<ReportSummary> {
    let manifest = Manifest::read(dir)?;
    let (values, failed, runs) = read_runs(dir, &manifest)?;
    let stats: Vec<Vec<PointStats>> = values
        .iter()
        .map(|per| {
            per.iter()
                .zip(&manifest.outcomes)
                .map(|(xs, o)| PointStats::of(stats::Quantity::of_name(o), xs))
                .collect()
        })
        .collect();
    let expected = match manifest.shard {
        Some(s) => (0..manifest.n_runs).filter(|&i| s.contains(i)).count() as u64,
        None => manifest.n_runs,
    };
    let sensitivity = match manifest.design.as_str() {
        "lhs" | "random" => prcc_rows(&manifest, &stats),
        "saltelli" => sobol_rows(&manifest, &stats),
        _ => Vec::new(),
    };
    let data = ReportData {
        manifest,
        stats,
        failed,
        sensitivity,
        missing: expected.saturating_sub(runs),
    };
    let rdir = output::ensure_subdir(dir, REPORT_DIR)?;
    let mut files = Vec::new();
    let mut put = |name: &str, bytes: &[u8]| -> Result<()> {
        let p = rdir.join(name);
        output::write_atomic(&p, bytes)?;
        files.push(p);
        Ok(())
    };
    put("points.csv", &points_csv(&data)?)?;
    put("points.md", points_md(&data).as_bytes())?;
    if !data.sensitivity.is_empty() {
        put("sensitivity.csv", &sensitivity_csv(&data.sensitivity)?)?;
        put("sensitivity.md", sensitivity_md(&data).as_bytes())?;
    }
    files.extend(plots(&rdir, &data, format)?);
    Ok(ReportSummary {
        files,
        runs,
        missing: data.missing,
        failed: data.failed.iter().sum(),
    })
}
