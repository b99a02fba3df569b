//! `woundsim sweep report DIR`: per-point statistics and sensitivity indices
//! from a sweep directory's `runs.csv` and `sweep.json`.
//!
//! * `report/points.csv` (long format: one row per point and outcome) and
//!   `report/points.md`: number of runs with a value, failures, mean, SD and
//!   the 95 % interval of the mean ([`stats::ci95_mean`]).
//! * `report/sensitivity.csv` and `.md`: PRCC per outcome and factor for LHS
//!   and random designs (with a Fisher-z 95 % interval), first-order and
//!   total Sobol' indices with bootstrap 95 % intervals for Saltelli
//!   designs. Both use the mean over replicates of each point. Factorial
//!   designs get no sensitivity files.

use crate::error::{Error, Result};
use crate::output;
use crate::stats;
use crate::sweep::design::DesignPoint;
use crate::sweep::sensitivity;
use crate::sweep::store::{Manifest, RUNS_CSV};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Report subdirectory.
pub const REPORT_DIR: &str = "report";
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
    /// 95 % interval of the mean (`NaN`s if `n < 2`).
    pub ci95: (f64, f64),
}

impl PointStats {
    /// Statistics of `xs`.
    pub fn of(xs: &[f64]) -> PointStats {
        PointStats {
            n: xs.len(),
            mean: stats::mean(xs),
            sd: stats::sd(xs),
            ci95: stats::ci95_mean(xs),
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

fn cell(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.6}")
    } else {
        String::new()
    }
}

fn csv_err(path: &Path, e: csv::Error) -> Error {
    Error::Other(format!("'{}': {e}", path.display()))
}

/// Outcome values per point and outcome (`values[point][outcome]`), failed
/// runs per point, and the number of runs read.
type RunValues = (Vec<Vec<Vec<f64>>>, Vec<u64>, u64);

/// Read `runs.csv` into per-point outcome values (ignoring a trailing
/// partial record).
fn read_runs(dir: &Path, m: &Manifest) -> Result<RunValues> {
    let path = dir.join(RUNS_CSV);
    let mut bytes = std::fs::read(&path).map_err(|e| Error::io("reading", &path, e))?;
    let end = bytes
        .iter()
        .rposition(|b| *b == b'\n')
        .map(|i| i + 1)
        .unwrap_or(0);
    bytes.truncate(end);
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes.as_slice());
    let header = r.headers().map_err(|e| csv_err(&path, e))?.clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| Error::Other(format!("'{}' has no column '{name}'", path.display())))
    };
    let (c_point, c_status) = (col("point")?, col("status")?);
    let c_out: Vec<usize> = m.outcomes.iter().map(|o| col(o)).collect::<Result<_>>()?;
    let np = m.points.len();
    let mut values = vec![vec![Vec::new(); m.outcomes.len()]; np];
    let mut failed = vec![0u64; np];
    let mut runs = 0u64;
    for rec in r.records() {
        let rec = rec.map_err(|e| csv_err(&path, e))?;
        let point: usize = rec
            .get(c_point)
            .and_then(|s| s.parse().ok())
            .filter(|p| *p < np)
            .ok_or_else(|| {
                Error::Other(format!(
                    "'{}' line {}: bad point index",
                    path.display(),
                    rec.position().map(|p| p.line()).unwrap_or(0)
                ))
            })?;
        runs += 1;
        if rec.get(c_status) != Some("ok") {
            failed[point] += 1;
            continue;
        }
        for (k, &c) in c_out.iter().enumerate() {
            if let Some(x) = rec
                .get(c)
                .and_then(|s| s.parse::<f64>().ok())
                .filter(|x| x.is_finite())
            {
                values[point][k].push(x);
            }
        }
    }
    Ok((values, failed, runs))
}

fn design_points(m: &Manifest) -> Vec<DesignPoint> {
    m.points
        .iter()
        .map(|p| DesignPoint {
            index: p.point as usize,
            unit: p.unit.clone(),
            levels: vec![],
            saltelli: p.saltelli,
        })
        .collect()
}

/// PRCC per outcome (over point means) with a Fisher-z 95 % interval.
fn prcc_rows(m: &Manifest, stats: &[Vec<PointStats>]) -> Vec<SensitivityRow> {
    let k = m.factors.len();
    let mut rows = Vec::new();
    for (o, name) in m.outcomes.iter().enumerate() {
        let (x, y): (Vec<Vec<f64>>, Vec<f64>) = m
            .points
            .iter()
            .zip(stats)
            .filter(|(_, s)| s[o].n > 0)
            .map(|(p, s)| (p.unit.clone(), s[o].mean))
            .unzip();
        match sensitivity::prcc(&x, &y) {
            Ok(r) => {
                let dof = y.len() as f64 - 3.0 - (k as f64 - 1.0);
                for (f, v) in m.factors.iter().zip(r) {
                    let ci = (v.is_finite() && dof > 0.0 && v.abs() < 1.0).then(|| {
                        let (z, se) = (v.atanh(), 1.0 / dof.sqrt());
                        ((z - 1.959964 * se).tanh(), (z + 1.959964 * se).tanh())
                    });
                    let note = if v.is_finite() {
                        ""
                    } else {
                        "undefined (constant factor or outcome)"
                    };
                    rows.push(SensitivityRow {
                        outcome: name.clone(),
                        factor: f.key.clone(),
                        method: "prcc".into(),
                        value: v,
                        ci95: ci,
                        note: note.into(),
                    });
                }
            }
            Err(e) => {
                let why = if y.is_empty() {
                    "no point has a value (the outcome is undefined in these runs, e.g. a day beyond time.days)".to_string()
                } else {
                    e.to_string()
                };
                rows.push(SensitivityRow {
                    outcome: name.clone(),
                    factor: String::new(),
                    method: "prcc".into(),
                    value: f64::NAN,
                    ci95: None,
                    note: format!("not computed: {why}"),
                })
            }
        }
    }
    rows
}

/// First-order and total Sobol' indices per outcome (over point means).
fn sobol_rows(m: &Manifest, stats: &[Vec<PointStats>]) -> Vec<SensitivityRow> {
    let points = design_points(m);
    let mut rows = Vec::new();
    for (o, name) in m.outcomes.iter().enumerate() {
        let y: Vec<f64> = stats
            .iter()
            .map(|s| if s[o].n > 0 { s[o].mean } else { f64::NAN })
            .collect();
        let est = sensitivity::split_saltelli(&points, &y).and_then(|s| {
            sensitivity::sobol_indices_with_ci(&s.y_a, &s.y_b, &s.y_ab, SOBOL_RESAMPLES, m.seed)
        });
        match est {
            Ok(idx) => {
                for (f, s) in m.factors.iter().zip(idx) {
                    for (method, v, ci) in [
                        ("sobol_first", s.first, s.first_ci),
                        ("sobol_total", s.total, s.total_ci),
                    ] {
                        rows.push(SensitivityRow {
                            outcome: name.clone(),
                            factor: f.key.clone(),
                            method: method.into(),
                            value: v,
                            ci95: ci,
                            note: String::new(),
                        });
                    }
                }
            }
            Err(e) => {
                let why = if y.iter().any(|v| !v.is_finite()) {
                    "some points have no value (failed or missing runs, or an undefined outcome)"
                        .to_string()
                } else {
                    e.to_string()
                };
                rows.push(SensitivityRow {
                    outcome: name.clone(),
                    factor: String::new(),
                    method: "sobol".into(),
                    value: f64::NAN,
                    ci95: None,
                    note: format!("not computed: {why}"),
                });
            }
        }
    }
    rows
}

fn points_csv(d: &ReportData) -> Result<Vec<u8>> {
    let m = &d.manifest;
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head = vec!["point".to_string()];
    head.extend(m.factors.iter().map(|f| f.key.clone()));
    head.extend(["outcome", "n", "failed", "mean", "sd", "ci95_lo", "ci95_hi"].map(String::from));
    let e = |e: csv::Error| Error::Other(format!("points.csv: {e}"));
    w.write_record(&head).map_err(e)?;
    for (p, info) in m.points.iter().enumerate() {
        for (o, name) in m.outcomes.iter().enumerate() {
            let s = d.stats[p][o];
            let mut row = vec![info.point.to_string()];
            row.extend(info.values.iter().cloned());
            row.extend([
                name.clone(),
                s.n.to_string(),
                d.failed[p].to_string(),
                cell(s.mean),
                cell(s.sd),
                cell(s.ci95.0),
                cell(s.ci95.1),
            ]);
            w.write_record(&row).map_err(e)?;
        }
    }
    w.into_inner()
        .map_err(|err| Error::Other(format!("points.csv: {err}")))
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

fn points_md(d: &ReportData) -> String {
    let m = &d.manifest;
    let mut s = String::new();
    let _ = writeln!(s, "# Sweep report: design points\n");
    let _ = writeln!(
        s,
        "Sweep `{}` ({} design, {} points × {} replicates = {} runs, seed {}); {} runs missing.\n",
        md_escape(&m.sweep_file),
        m.design,
        m.n_points,
        m.replicates,
        m.n_runs,
        m.seed,
        d.missing
    );
    let _ = writeln!(
        s,
        "Mean, SD and 95 % interval of the mean (Student t) over the replicates of each point.\n"
    );
    for (o, name) in m.outcomes.iter().enumerate() {
        let _ = writeln!(s, "## {name}\n");
        let mut head = vec!["point".to_string()];
        head.extend(m.factors.iter().map(|f| format!("`{}`", md_escape(&f.key))));
        head.extend(["n", "failed", "mean", "SD", "95 % CI"].map(String::from));
        let _ = writeln!(s, "| {} |", head.join(" | "));
        let _ = writeln!(s, "|{}", "---|".repeat(head.len()));
        for (p, info) in m.points.iter().enumerate().take(MD_MAX_POINTS) {
            let st = d.stats[p][o];
            let ci = if st.ci95.0.is_finite() {
                format!("{} – {}", cell(st.ci95.0), cell(st.ci95.1))
            } else {
                String::new()
            };
            let mut row = vec![info.point.to_string()];
            row.extend(info.values.iter().map(|v| md_escape(v)));
            row.extend([
                st.n.to_string(),
                d.failed[p].to_string(),
                cell(st.mean),
                cell(st.sd),
                ci,
            ]);
            let _ = writeln!(s, "| {} |", row.join(" | "));
        }
        if m.points.len() > MD_MAX_POINTS {
            let _ = writeln!(
                s,
                "\n({} more points in points.csv)",
                m.points.len() - MD_MAX_POINTS
            );
        }
        let _ = writeln!(s);
    }
    s
}

fn sensitivity_csv(rows: &[SensitivityRow]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let e = |e: csv::Error| Error::Other(format!("sensitivity.csv: {e}"));
    w.write_record([
        "outcome", "factor", "method", "value", "ci95_lo", "ci95_hi", "note",
    ])
    .map_err(e)?;
    for r in rows {
        let (lo, hi) = r.ci95.map(|(a, b)| (cell(a), cell(b))).unwrap_or_default();
        w.write_record([
            r.outcome.clone(),
            r.factor.clone(),
            r.method.clone(),
            cell(r.value),
            lo,
            hi,
            r.note.clone(),
        ])
        .map_err(e)?;
    }
    w.into_inner()
        .map_err(|err| Error::Other(format!("sensitivity.csv: {err}")))
}

fn sensitivity_md(d: &ReportData) -> String {
    let m = &d.manifest;
    let mut s = String::new();
    let method = if m.design == "saltelli" {
        format!("first-order (Saltelli 2010) and total-effect (Jansen 1999) Sobol' indices with bootstrap 95 % intervals ({SOBOL_RESAMPLES} resamples)")
    } else {
        "partial rank correlation coefficients (PRCC) with Fisher-z 95 % intervals".to_string()
    };
    let _ = writeln!(s, "# Sweep report: sensitivity\n\n{} design; {method}, computed on the mean of each point over its replicates.\n", m.design);
    let _ = writeln!(
        s,
        "| outcome | factor | method | value | 95 % CI | note |\n|---|---|---|---|---|---|"
    );
    for r in &d.sensitivity {
        let ci = r
            .ci95
            .map(|(a, b)| format!("{} – {}", cell(a), cell(b)))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "| {} | `{}` | {} | {} | {} | {} |",
            r.outcome,
            md_escape(&r.factor),
            r.method,
            cell(r.value),
            ci,
            md_escape(&r.note)
        );
    }
    s
}

/// Plot hook: figures for the report.
///
/// HOOK (not wired yet): the plotting module `woundsim::plot` is being
/// integrated separately (`lines_with_bands`, `heatmap_2d`,
/// `bar_with_intervals`). Intended figures, from `data`: outcome mean ±
/// 95 % interval per point along each factor (`lines_with_bands`), the
/// mean over the first two factors of a factorial design (`heatmap_2d`),
/// and the sensitivity indices with intervals (`bar_with_intervals`), all
/// under `report_dir`. Currently writes nothing and returns no files.
pub fn plots(report_dir: &Path, data: &ReportData) -> Result<Vec<PathBuf>> {
    let _ = (report_dir, data);
    Ok(Vec::new())
}

/// Compute the report of sweep directory `dir` and write it to `dir/report/`.
pub fn report(dir: &Path) -> Result<ReportSummary> {
    let manifest = Manifest::read(dir)?;
    let (values, failed, runs) = read_runs(dir, &manifest)?;
    let stats: Vec<Vec<PointStats>> = values
        .iter()
        .map(|per| per.iter().map(|xs| PointStats::of(xs)).collect())
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
    let rdir = dir.join(REPORT_DIR);
    std::fs::create_dir_all(&rdir).map_err(|e| Error::io("creating", &rdir, e))?;
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
    files.extend(plots(&rdir, &data)?);
    Ok(ReportSummary {
        files,
        runs,
        missing: data.missing,
        failed: data.failed.iter().sum(),
    })
}
