//! Scenario comparison: several scenarios, each run as a cohort (all
//! replicates of all scenarios in one parallel loop), tabulated side by side.
//!
//! A comparison directory holds `manifest.json`, `comparison.csv`,
//! `comparison.md`, `plots/comparison.png` and one cohort directory per
//! scenario (`<label>/`, see [`crate::cohort_run`]).
//!
//! Per scenario it reports, over the replicates:
//!
//! * closure at weeks 4, 8 and 12: mean and 95 % interval of the mean
//!   (Student t on the logit scale, so within 0–100 %; see
//!   [`crate::stats::ci95`]); "not simulated" when the span is shorter;
//! * days to 50 % and to complete closure: mean and 95 % interval over the
//!   replicates that reached it, with the count reached ("not reached (0/N)"
//!   when none did), and the cohort median time to complete closure (the
//!   first day by which at least half the replicates had closed; "not
//!   reached" otherwise);
//! * the fraction completely closed by week 12 with its Wilson 95 % interval;
//! * MSC persistence: the days from the first dose until live MSCs fall to
//!   half their peak, per replicate from its live-MSC time series
//!   ([`crate::observe::Summary::msc_half_life_d`]), averaged over the
//!   replicates where it happened within the span; "no live MSCs" when the
//!   product delivers none (intravenous, cell-free);
//! * the M2 fraction of macrophages at day 7;
//! * the peak perfused vessel density (relative to intact tissue).

use crate::cohort_run::{self, Cohort, OutcomeStats, Proportion};
use crate::error::{Error, Result};
use crate::output;
use crate::plot::{self, Chart, ImageFormat};
use crate::scenario::Params;
use crate::stats::{self, Quantity};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// One metric of one scenario: statistics over the replicates where it is
/// defined, and why it is undefined where it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// Statistics over the replicates where the metric is defined.
    pub stats: OutcomeStats,
    /// Text shown instead of a number when no replicate defines it.
    pub undefined_as: String,
}

impl Metric {
    fn of(c: &Cohort, outcome: &str, undefined_as: &str) -> Metric {
        Metric {
            stats: OutcomeStats::of(Quantity::of_name(outcome), &c.outcome(outcome)),
            undefined_as: undefined_as.to_string(),
        }
    }

    /// "mean (lo to hi)", with the count defined when some replicates are
    /// undefined and `count` is set; the undefined text when none is defined.
    pub fn text(&self, digits: usize, count: bool) -> String {
        let s = &self.stats;
        let total = s.n + s.undefined;
        let Some(m) = s.mean else {
            return if count {
                format!("{} (0/{total})", self.undefined_as)
            } else {
                self.undefined_as.clone()
            };
        };
        let mut t = match (s.ci95_lo, s.ci95_hi) {
            (Some(lo), Some(hi)) => format!("{m:.digits$} ({lo:.digits$} to {hi:.digits$})"),
            _ => format!("{m:.digits$}"),
        };
        if count && s.undefined > 0 {
            t.push_str(&format!(", {}/{total} reached", s.n));
        }
        t
    }
}

/// One row of the comparison (one scenario).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Label (unique; also the cohort's subdirectory).
    pub label: String,
    /// Scenario file or label.
    pub source: String,
    /// Replicates.
    pub replicates: u64,
    /// Simulated days.
    pub days: f64,
    /// Closure at day 28 (%).
    pub closure_wk4: Metric,
    /// Closure at day 56 (%).
    pub closure_wk8: Metric,
    /// Closure at day 84 (%).
    pub closure_wk12: Metric,
    /// Days to 50 % closure.
    pub t50: Metric,
    /// Days to complete closure.
    pub t100: Metric,
    /// First day by which at least half the replicates had closed.
    pub t100_median_d: Option<f64>,
    /// Fraction closed by week 12 (None when the span is too short).
    pub healed_wk12: Option<Proportion>,
    /// MSC persistence (days from the first dose to half the live-MSC peak).
    pub msc_half_life: Metric,
    /// M2 fraction at day 7.
    pub m2_d7: Metric,
    /// Peak perfused vessel density (relative).
    pub peak_vessels: Metric,
}

/// The first day by which at least half of `times` (None = never) had
/// happened: the ⌈n/2⌉-th smallest time, None if fewer happened.
pub fn median_time(times: &[Option<f64>]) -> Option<f64> {
    let mut t: Vec<f64> = times.iter().flatten().copied().collect();
    t.sort_by(f64::total_cmp);
    let k = times.len().div_ceil(2);
    if k == 0 {
        return None;
    }
    t.get(k - 1).copied()
}

impl Row {
    /// The comparison row of a cohort.
    pub fn of(label: &str, c: &Cohort) -> Row {
        let no_cells = c
            .outcome("msc_peak")
            .iter()
            .all(|v| v.unwrap_or(0.0) <= 0.0);
        Row {
            label: label.to_string(),
            source: c.source.clone(),
            replicates: c.replicates.len() as u64,
            days: c.days,
            closure_wk4: Metric::of(c, "closure_pct_wk4", "not simulated"),
            closure_wk8: Metric::of(c, "closure_pct_wk8", "not simulated"),
            closure_wk12: Metric::of(c, "closure_pct_wk12", "not simulated"),
            t50: Metric::of(c, "t50_closure_d", "not reached"),
            t100: Metric::of(c, "t100_closure_d", "not reached"),
            t100_median_d: median_time(&c.outcome("t100_closure_d")),
            healed_wk12: Proportion::of(&c.outcome("healed_wk12")),
            msc_half_life: Metric::of(
                c,
                "msc_half_life_d",
                if no_cells {
                    "no live MSCs"
                } else {
                    "not reached"
                },
            ),
            m2_d7: Metric::of(c, "m2_fraction_d7", "not simulated"),
            peak_vessels: Metric::of(c, "peak_vessel_density_rel", "n/a"),
        }
    }
}

fn opt(v: Option<f64>) -> String {
    v.filter(|x| x.is_finite())
        .map(output::format_value)
        .unwrap_or_default()
}

/// `comparison.csv`: one row per scenario; empty cells where undefined.
pub fn comparison_csv(rows: &[Row]) -> Result<Vec<u8>> {
    let err = |e: csv::Error| Error::Other(format!("CSV: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = ["scenario", "source", "replicates", "days"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let metrics = [
        "closure_wk4_pct",
        "closure_wk8_pct",
        "closure_wk12_pct",
        "t50_closure_d",
        "t100_closure_d",
        "msc_half_life_d",
        "m2_fraction_d7",
        "peak_vessel_density_rel",
    ];
    for m in metrics {
        for part in ["mean", "ci95_lo", "ci95_hi", "n"] {
            header.push(format!("{m}_{part}"));
        }
    }
    header.extend(
        [
            "t100_median_d",
            "healed_wk12_n",
            "healed_wk12_of",
            "healed_wk12_fraction",
            "healed_wk12_wilson95_lo",
            "healed_wk12_wilson95_hi",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    w.write_record(&header).map_err(err)?;
    for r in rows {
        let mut rec = vec![
            r.label.clone(),
            r.source.clone(),
            r.replicates.to_string(),
            output::format_value(r.days),
        ];
        for m in [
            &r.closure_wk4,
            &r.closure_wk8,
            &r.closure_wk12,
            &r.t50,
            &r.t100,
            &r.msc_half_life,
            &r.m2_d7,
            &r.peak_vessels,
        ] {
            let s = &m.stats;
            rec.extend([opt(s.mean), opt(s.ci95_lo), opt(s.ci95_hi), s.n.to_string()]);
        }
        rec.push(opt(r.t100_median_d));
        match &r.healed_wk12 {
            Some(h) => rec.extend([
                h.successes.to_string(),
                h.n.to_string(),
                opt(Some(h.fraction)),
                opt(Some(h.wilson95_lo)),
                opt(Some(h.wilson95_hi)),
            ]),
            None => rec.extend(std::iter::repeat_n(String::new(), 5)),
        }
        w.write_record(&rec).map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| Error::Other(format!("CSV: {e}")))
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// `comparison.md`: a table with one row per scenario and the definitions.
pub fn comparison_md(rows: &[Row], master_seed: u64) -> String {
    let mut s = String::from("# Scenario comparison\n\n");
    if let Some(r) = rows.first() {
        s.push_str(&format!(
            "{} scenarios, {} replicates each (virtual patients; replicate i of every scenario runs with \
             seed derive_seed({master_seed}, [i]), so scenarios share patients), {} days simulated. \
             Values: mean (95 % interval of the mean).\n\n",
            rows.len(),
            r.replicates,
            r.days
        ));
        if let Some(w) = stats::small_sample_warning(r.replicates as usize) {
            s.push_str(&format!("**{w}.**\n\n"));
        }
    }
    s.push_str(
        "| scenario | closure wk 4 (%) | closure wk 8 (%) | closure wk 12 (%) | days to 50 % | days to 100 % | \
         median days to 100 % | healed wk 12 (Wilson 95 %) | MSC half-life (d) | M2 fraction d 7 | peak vessel density (×) |\n",
    );
    s.push_str("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for r in rows {
        let healed = match &r.healed_wk12 {
            Some(h) => format!(
                "{}/{} = {:.0} % ({:.0} to {:.0} %)",
                h.successes,
                h.n,
                100.0 * h.fraction,
                100.0 * h.wilson95_lo,
                100.0 * h.wilson95_hi
            ),
            None => "not simulated".into(),
        };
        let median = r
            .t100_median_d
            .map(|d| format!("{d:.0}"))
            .unwrap_or_else(|| "not reached".into());
        let cells = [
            r.label.clone(),
            r.closure_wk4.text(1, false),
            r.closure_wk8.text(1, false),
            r.closure_wk12.text(1, false),
            r.t50.text(1, true),
            r.t100.text(1, true),
            median,
            healed,
            r.msc_half_life.text(1, true),
            r.m2_d7.text(2, false),
            r.peak_vessels.text(2, false),
        ];
        let cells: Vec<String> = cells.iter().map(|c| md_cell(c)).collect();
        s.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    s.push_str(
        "\nDefinitions: closure is the epithelialised fraction of the initial wound area. Days to 50 % / 100 % \
         closure: mean over the replicates that reached it, with the count when not all did. Median days to \
         100 %: the first day by which at least half the replicates had closed completely. Healed: closure ≥ \
         `closure.complete_pct` by day 84. MSC half-life: days from the first dose until live MSCs fall to half \
         their peak, from each replicate's live-MSC time series, averaged over the replicates where that \
         happened within the span. Peak vessel density: perfused vessel voxels in the wound relative to intact \
         tissue.\n",
    );
    s.push_str(&format!("\n{}\n", cohort_run::interval_note()));
    s
}

/// Labels for scenarios: their names, made unique (`name-2`, …) and safe
/// as directory names.
pub fn labels(params: &[Params]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in params {
        let base: String = p
            .scenario
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let base = if base.is_empty() || base.starts_with('.') {
            format!("s{base}")
        } else {
            base
        };
        let mut label = base.clone();
        let mut k = 2;
        while out.contains(&label) {
            label = format!("{base}-{k}");
            k += 1;
        }
        out.push(label);
    }
    out
}

/// The comparison figure: closure and live-MSC curves with bands, bars of
/// final closure and of the healed fraction.
pub fn comparison_charts(labels: &[String], cohorts: &[Cohort]) -> Vec<Chart> {
    let named: Vec<(&str, &Cohort)> = labels
        .iter()
        .map(|l| l.as_str())
        .zip(cohorts.iter())
        .collect();
    let mut charts: Vec<Chart> = cohort_run::key_charts(&named).into_iter().take(2).collect();
    let days = cohorts.first().map(|c| c.days).unwrap_or(0.0);
    let closure: Vec<(String, f64, f64, f64)> = named
        .iter()
        .map(|(l, c)| {
            let s = OutcomeStats::of(Quantity::PERCENT, &c.outcome("closure_pct_final"));
            let f = |v: Option<f64>| v.unwrap_or(f64::NAN);
            (l.to_string(), f(s.mean), f(s.ci95_lo), f(s.ci95_hi))
        })
        .collect();
    charts.push(Chart::Bars {
        title: format!("Closure at day {days} (mean, 95 % CI)"),
        value_label: "closure (%)".into(),
        bars: closure,
    });
    let (key, what) = if days >= 84.0 {
        ("healed_wk12", "by week 12".to_string())
    } else {
        ("healed", format!("by day {days}"))
    };
    let healed: Vec<(String, f64, f64, f64)> = named
        .iter()
        .map(|(l, c)| match Proportion::of(&c.outcome(key)) {
            Some(h) => (l.to_string(), h.fraction, h.wilson95_lo, h.wilson95_hi),
            None => (l.to_string(), f64::NAN, f64::NAN, f64::NAN),
        })
        .collect();
    charts.push(Chart::Bars {
        title: format!("Healed {what} (Wilson 95 % CI)"),
        value_label: "fraction of replicates".into(),
        bars: healed,
    });
    charts
}

/// Options of [`compare_in_dir`].
#[derive(Default, Clone)]
pub struct Options<'a> {
    /// Overwrite a non-empty directory.
    pub force: bool,
    /// Draw `plots/comparison.png` and each cohort's plot.
    pub plots: bool,
    /// Interruption and progress.
    pub run: cohort_run::Options<'a>,
}

/// What [`compare_in_dir`] produced.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// One row per scenario, in the given order.
    pub rows: Vec<Row>,
    /// The cohorts.
    pub cohorts: Vec<Cohort>,
    /// Files written (tables and plots), relative to nothing (full paths).
    pub files: Vec<PathBuf>,
}

/// Run every scenario of `params` as a cohort of `replicates` and write the
/// comparison into `dir` (locked; manifest `running` until complete).
pub fn compare_in_dir(
    params: &[Params],
    replicates: u64,
    dir: &Path,
    opts: &Options,
) -> Result<Comparison> {
    let first = params.first().ok_or_else(|| {
        Error::Input(crate::error::InputError::new(
            "<command line>",
            None,
            "compare needs at least one scenario file",
        ))
    })?;
    cohort_run::check_replicates(replicates)?;
    cohort_run::check_cohort_size(params, replicates, crate::run::available_memory_mib())?;
    let kind = output::OutputKind::comparison(&labels(params));
    let _lock = output::prepare_dir(dir, opts.force, &kind)?;
    let _ = first;
    drive(params, replicates, dir, opts.plots, &opts.run, 0.0)
}

/// Continue an interrupted or failed comparison in `dir`: the replicates
/// stored in its cohort subdirectories are kept, the missing ones run, and
/// every table and plot written; the result equals an uninterrupted
/// comparison's byte for byte.
pub fn resume_in_dir(dir: &Path, opts: &cohort_run::Options) -> Result<Comparison> {
    let m = cohort_run::open_resumable(dir, "comparison")?;
    let params = m.params()?;
    let _lock = output::DirLock::acquire(dir)?;
    drive(&params, m.replicates, dir, m.plots, opts, m.run.wall_time_s)
}

fn drive(
    params: &[Params],
    replicates: u64,
    dir: &Path,
    plots: bool,
    opts: &cohort_run::Options,
    wall0: f64,
) -> Result<Comparison> {
    let first = params
        .first()
        .ok_or_else(|| Error::Other("a comparison needs a scenario".into()))?;
    let t0 = Instant::now();
    let labels = labels(params);
    cohort_run::write_manifest_with(
        dir,
        params,
        replicates,
        cohort_run::Stage::Running,
        wall0,
        plots,
    )?;
    let result: Result<Comparison> = (|| {
        let subs = labels
            .iter()
            .map(|l| output::ensure_subdir(dir, l))
            .collect::<Result<Vec<_>>>()?;
        let cohorts = cohort_run::run_cohorts(params, replicates, opts, Some(&subs))?;
        let rows: Vec<Row> = labels
            .iter()
            .zip(&cohorts)
            .map(|(l, c)| Row::of(l, c))
            .collect();
        let mut files = vec![];
        for (sub, c) in subs.iter().zip(&cohorts) {
            files.extend(cohort_run::write_files(c, sub, plots)?);
        }
        if plots {
            let title = format!(
                "Scenario comparison: {} replicates per scenario",
                replicates
            );
            let pdir = output::ensure_subdir(dir, "plots")?;
            files.push(
                plot::chart_grid(
                    &pdir.join("comparison.png"),
                    &title,
                    &comparison_charts(&labels, &cohorts),
                    2,
                    ImageFormat::Png,
                )
                .map_err(|e| Error::Other(format!("drawing a plot: {e}")))?,
            );
        }
        let tables = [dir.join("comparison.csv"), dir.join("comparison.md")];
        output::write_atomic(
            &tables[1],
            comparison_md(&rows, first.scenario.seed).as_bytes(),
        )?;
        output::write_atomic(&tables[0], &comparison_csv(&rows)?)?;
        files.splice(0..0, tables);
        let wall = wall0 + t0.elapsed().as_secs_f64();
        cohort_run::write_manifest_with(
            dir,
            params,
            replicates,
            cohort_run::Stage::Complete(&cohorts),
            wall,
            plots,
        )?;
        Ok(Comparison {
            rows,
            cohorts,
            files,
        })
    })();
    result.map_err(|e| {
        // No table that looks complete stays behind a failed comparison.
        for f in ["comparison.csv", "comparison.md"] {
            let _ = std::fs::remove_file(dir.join(f));
        }
        for l in &labels {
            cohort_run::remove_cohort_files(&dir.join(l));
        }
        let status = cohort_run::failure_status(opts.interrupt.as_deref());
        let e = cohort_run::with_dir(e, dir);
        let wall = wall0 + t0.elapsed().as_secs_f64();
        let _ = cohort_run::write_manifest_with(
            dir,
            params,
            replicates,
            cohort_run::Stage::Stopped {
                status,
                error: e.to_string(),
            },
            wall,
            plots,
        );
        e
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_time_counts_never_as_late() {
        assert_eq!(median_time(&[Some(3.0), None, Some(1.0)]), Some(3.0));
        assert_eq!(median_time(&[Some(3.0), None, None]), None);
        assert_eq!(median_time(&[Some(5.0), Some(2.0), None, None]), Some(5.0));
        assert_eq!(median_time(&[]), None);
    }

    #[test]
    fn metric_text_reports_undefined_with_counts() {
        let m = Metric {
            stats: OutcomeStats::of(Quantity::NonNegative, &[None, None]),
            undefined_as: "not reached".into(),
        };
        assert_eq!(m.text(1, true), "not reached (0/2)");
        assert_eq!(m.text(1, false), "not reached");
        let m = Metric {
            stats: OutcomeStats::of(Quantity::NonNegative, &[Some(10.0), None, Some(12.0)]),
            undefined_as: "not reached".into(),
        };
        let t = m.text(1, true);
        assert!(
            t.starts_with("11.0 (") && t.ends_with(", 2/3 reached"),
            "{t}"
        );
    }
}
