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

fn cell(x: f64) -> String {
    if x.is_finite() {
        output::format_value(x)
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
    check_outcome_names(dir, m)?;
    let (c_run, c_point, c_status) = (col("run")?, col("point")?, col("status")?);
    let (c_rep, c_seed) = (col("replicate")?, col("seed")?);
    let c_out: Vec<usize> = m.outcomes.iter().map(|o| col(o)).collect::<Result<_>>()?;
    let np = m.points.len();
    let mut values = vec![vec![Vec::new(); m.outcomes.len()]; np];
    let mut failed = vec![0u64; np];
    let mut runs = 0u64;
    // Line of each run seen so far, to refuse a run listed twice.
    let mut seen: std::collections::HashMap<u64, u64> = std::collections::HashMap::new();
    let bad_row = |line: u64, msg: String| {
        Error::Input(crate::error::InputError::new(
            path.display().to_string(),
            None,
            format!("line {line}: {msg}"),
        )
        .hint("the file was edited or mixed with another sweep's; restore it, or rerun with `woundsim sweep FILE --out DIR --resume`"))
    };
    for rec in r.records() {
        let rec = rec.map_err(|e| csv_err(&path, e))?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let num = |c: usize| rec.get(c).and_then(|s| s.parse::<u64>().ok());
        let run = num(c_run)
            .filter(|r| *r < m.n_runs && m.shard.is_none_or(|s| s.contains(*r)))
            .ok_or_else(|| {
                bad_row(
                    line,
                    format!(
                        "run '{}' is not a run of this sweep{}",
                        rec.get(c_run).unwrap_or(""),
                        match m.shard {
                            Some(s) => format!(" (shard {s} of {} runs)", m.n_runs),
                            None => format!(" (runs 0 to {})", m.n_runs.saturating_sub(1)),
                        }
                    ),
                )
            })?;
        if let Some(first) = seen.insert(run, line) {
            return Err(bad_row(
                line,
                format!("run {run} appears twice (first on line {first})"),
            ));
        }
        let reps = m.replicates.max(1);
        let (want_point, want_rep) = (run / reps, run % reps);
        let want_seed = crate::rng::derive_seed(m.seed, &[want_point, want_rep]);
        if num(c_point) != Some(want_point)
            || num(c_rep) != Some(want_rep)
            || num(c_seed) != Some(want_seed)
        {
            return Err(bad_row(
                line,
                format!(
                    "run {run} should be point {want_point}, replicate {want_rep}, seed {want_seed}"
                ),
            ));
        }
        let point = want_point as usize;
        if point >= np {
            return Err(bad_row(line, format!("point {point} is not in sweep.json")));
        }
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

/// Every outcome that `sweep.json` lists must be one woundsim computes, so
/// that none is silently reported as undefined everywhere.
fn check_outcome_names(dir: &Path, m: &Manifest) -> Result<()> {
    use crate::sweep::file::EXTRA_OUTCOMES;
    let known: Vec<&str> = crate::observe::OUTCOMES
        .iter()
        .chain(EXTRA_OUTCOMES.iter())
        .copied()
        .collect();
    for o in &m.outcomes {
        if known.contains(&o.as_str()) || o.strip_prefix("final.").is_some_and(|c| !c.is_empty()) {
            continue;
        }
        let mut e = crate::error::InputError::new(
            dir.join(crate::sweep::store::SWEEP_JSON)
                .display()
                .to_string(),
            Some("outcomes"),
            format!("unknown outcome '{o}'"),
        )
        .allowed(format!(
            "{} or final.<time-series column>",
            known.join(", ")
        ));
        if let Some(n) = crate::scenario::nearest(o, known.iter().copied()) {
            e = e.hint(format!("did you mean '{n}'?"));
        }
        return Err(Error::Input(e));
    }
    Ok(())
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
        "Mean, SD and 95 % interval of the mean over the replicates of each point. {}\n",
        crate::cohort_run::interval_note()
    );
    if let Some(w) = stats::small_sample_warning(m.replicates as usize) {
        let _ = writeln!(s, "**{w}.**\n");
    }
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

/// Mean and 95 % interval of a group of point means of a quantity of kind
/// `kind` (the interval needs two; a mean of 0/1 outcomes is a fraction).
fn pooled(kind: stats::Quantity, means: &[f64]) -> Estimate {
    let kind = match kind {
        stats::Quantity::Binary => stats::Quantity::FRACTION,
        k => k,
    };
    match means {
        [] => (f64::NAN, f64::NAN, f64::NAN),
        [m] => (*m, f64::NAN, f64::NAN),
        _ => {
            let (lo, hi) = stats::ci95(kind, means);
            (stats::mean(means), lo, hi)
        }
    }
}

/// A factor's values at every design point, parsed for plotting.
struct FactorValues {
    /// Rendered values, per point.
    text: Vec<String>,
    /// The values as numbers, per point, when every one is a number.
    numbers: Option<Vec<f64>>,
    /// Distinct values in plotting order (ascending numbers, or names in
    /// order of appearance).
    levels: Vec<String>,
    /// Level index of each point.
    level_of: Vec<usize>,
}

impl FactorValues {
    fn new(m: &Manifest, j: usize) -> FactorValues {
        let text: Vec<String> = m.points.iter().map(|p| p.values[j].clone()).collect();
        let numbers: Option<Vec<f64>> = text
            .iter()
            .map(|t| t.parse::<f64>().ok().filter(|x| x.is_finite()))
            .collect();
        let mut levels: Vec<String> = Vec::new();
        for t in &text {
            if !levels.contains(t) {
                levels.push(t.clone());
            }
        }
        if numbers.is_some() {
            let key = |t: &String| t.parse::<f64>().unwrap_or(f64::NAN);
            levels.sort_by(|a, b| key(a).total_cmp(&key(b)));
        }
        let level_of = text
            .iter()
            .map(|t| levels.iter().position(|l| l == t).unwrap_or(0))
            .collect();
        FactorValues {
            text,
            numbers,
            levels,
            level_of,
        }
    }

    /// Level labels: numbers in one compact notation, names as they are.
    fn labels(&self) -> Vec<String> {
        match &self.numbers {
            Some(_) => {
                let xs: Vec<f64> = self
                    .levels
                    .iter()
                    .map(|l| l.parse().unwrap_or(f64::NAN))
                    .collect();
                plot::fmt_levels(&xs)
            }
            None => self.levels.clone(),
        }
    }
}

/// The last part of a dotted key, for legends.
fn short_key(key: &str) -> &str {
    key.rsplit('.').next().unwrap_or(key)
}

/// Series of one outcome along factor `j`, by level: one per combination of
/// the other factors when there are at most [`MAX_SERIES`] of them (using
/// each point's own interval), else one of the mean over them (interval
/// over the point means). `values[s][level] = (mean, lo, hi)`.
fn level_series(
    data: &ReportData,
    factors: &[FactorValues],
    j: usize,
    outcome: usize,
) -> (Vec<String>, Vec<Vec<Estimate>>) {
    let m = &data.manifest;
    let f = &factors[j];
    let combo = |p: usize| -> Vec<String> {
        factors
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != j)
            .map(|(i, g)| format!("{}={}", short_key(&m.factors[i].key), g.text[p]))
            .collect()
    };
    let mut combos: Vec<Vec<String>> = Vec::new();
    for p in 0..m.points.len() {
        let c = combo(p);
        if !combos.contains(&c) {
            combos.push(c);
            if combos.len() > MAX_SERIES {
                break;
            }
        }
    }
    let nl = f.levels.len();
    let kind = stats::Quantity::of_name(&m.outcomes[outcome]);
    if combos.len() <= MAX_SERIES {
        let mut values = vec![vec![(f64::NAN, f64::NAN, f64::NAN); nl]; combos.len()];
        let mut groups: Vec<Vec<Vec<usize>>> = vec![vec![Vec::new(); nl]; combos.len()];
        for p in 0..m.points.len() {
            let c = combos.iter().position(|c| *c == combo(p)).unwrap_or(0);
            groups[c][f.level_of[p]].push(p);
        }
        for (c, per_level) in groups.iter().enumerate() {
            for (l, pts) in per_level.iter().enumerate() {
                let st: Vec<PointStats> = pts
                    .iter()
                    .map(|&p| data.stats[p][outcome])
                    .filter(|s| s.n > 0)
                    .collect();
                values[c][l] = match st.as_slice() {
                    [s] => (s.mean, s.ci95.0, s.ci95.1),
                    _ => pooled(kind, &st.iter().map(|s| s.mean).collect::<Vec<_>>()),
                };
            }
        }
        let names = combos
            .iter()
            .map(|c| {
                if c.is_empty() {
                    "mean over replicates".to_string()
                } else {
                    c.join(", ")
                }
            })
            .collect();
        (names, values)
    } else {
        let mut per_level: Vec<Vec<f64>> = vec![Vec::new(); nl];
        for p in 0..m.points.len() {
            let s = data.stats[p][outcome];
            if s.n > 0 {
                per_level[f.level_of[p]].push(s.mean);
            }
        }
        (
            vec!["mean over the other factors".to_string()],
            vec![per_level.iter().map(|v| pooled(kind, v)).collect()],
        )
    }
}

/// One series of an outcome along a numeric factor with many values: the
/// points sorted by the factor and cut into up to [`MAX_BINS`] bins of
/// (nearly) equal size; each bin at the mean of its values (geometric mean
/// on a log axis) with the mean and interval of its point means.
fn binned_series(data: &ReportData, xs: &[f64], log: bool, outcome: usize) -> Series {
    let mut pts: Vec<(f64, f64)> = xs
        .iter()
        .zip(&data.stats)
        .filter(|(x, s)| s[outcome].n > 0 && (!log || **x > 0.0))
        .map(|(x, s)| (*x, s[outcome].mean))
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let kind = stats::Quantity::of_name(&data.manifest.outcomes[outcome]);
    let bins = (pts.len() / 5).clamp(1, MAX_BINS);
    let mut s = Series {
        name: format!("mean over the other factors ({bins} bins by rank)"),
        ..Series::default()
    };
    for b in 0..bins {
        let chunk = &pts[b * pts.len() / bins..(b + 1) * pts.len() / bins];
        if chunk.is_empty() {
            continue;
        }
        let x: Vec<f64> = chunk
            .iter()
            .map(|(x, _)| if log { x.log10() } else { *x })
            .collect();
        let x = stats::mean(&x);
        let (mean, lo, hi) = pooled(kind, &chunk.iter().map(|(_, y)| *y).collect::<Vec<_>>());
        s.x.push(if log { 10f64.powf(x) } else { x });
        s.mean.push(mean);
        s.lo.push(lo);
        s.hi.push(hi);
    }
    s
}

/// Figures of the report, written to `report_dir/plots/` in `format`
/// (see the module documentation for the list). Outcomes without any value
/// get no figures; sensitivity figures need estimates.
///
/// # Errors
/// [`Error::Io`] if the directory cannot be created, [`Error::Plot`] if a
/// figure cannot be drawn or written.
pub fn plots(report_dir: &Path, data: &ReportData, format: ImageFormat) -> Result<Vec<PathBuf>> {
    let m = &data.manifest;
    let dir = report_dir.join(PLOTS_DIR);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("creating", &dir, e))?;
    let file = |name: String| dir.join(plot::safe_tag(&name));
    let factors: Vec<FactorValues> = (0..m.factors.len())
        .map(|j| FactorValues::new(m, j))
        .collect();
    let sampled = m.design != "factorial";
    let mut files = Vec::new();
    for (o, outcome) in m.outcomes.iter().enumerate() {
        if !data.stats.iter().any(|s| s[o].n > 0) {
            continue;
        }
        for (j, f) in factors.iter().enumerate() {
            let key = &m.factors[j].key;
            let out = file(format!("{outcome}_vs_{key}"));
            let title = format!("{outcome} vs {key}: mean and 95 % interval");
            match &f.numbers {
                Some(xs) if f.levels.len() > MAX_LEVELS => {
                    let log = m.factors[j].space.starts_with("log-uniform");
                    let axis = if log { XAxis::Log10 } else { XAxis::Linear };
                    let s = binned_series(data, xs, log, o);
                    files.push(plot::lines_with_bands_on(
                        &out,
                        &title,
                        key,
                        outcome,
                        &[s],
                        &axis,
                        format,
                    )?);
                }
                Some(_) => {
                    let (names, values) = level_series(data, &factors, j, o);
                    let series: Vec<Series> = names
                        .into_iter()
                        .zip(values)
                        .map(|(name, v)| Series {
                            name,
                            x: (0..v.len()).map(|l| l as f64).collect(),
                            mean: v.iter().map(|t| t.0).collect(),
                            lo: v.iter().map(|t| t.1).collect(),
                            hi: v.iter().map(|t| t.2).collect(),
                        })
                        .collect();
                    let axis = XAxis::Levels(f.labels());
                    files.push(plot::lines_with_bands_on(
                        &out, &title, key, outcome, &series, &axis, format,
                    )?);
                }
                None => {
                    let (names, values) = level_series(data, &factors, j, o);
                    let rows: Vec<BarRow> = f
                        .levels
                        .iter()
                        .enumerate()
                        .map(|(l, label)| (label.clone(), values.iter().map(|v| v[l]).collect()))
                        .collect();
                    files.push(plot::grouped_bars_with_intervals(
                        &out, &title, outcome, &names, &rows, format,
                    )?);
                }
            }
        }
        if !sampled && factors.len() >= 2 {
            let (fx, fy) = (&factors[0], &factors[1]);
            let mut cells = vec![vec![Vec::new(); fx.levels.len()]; fy.levels.len()];
            for (p, s) in data.stats.iter().enumerate() {
                if s[o].n > 0 {
                    cells[fy.level_of[p]][fx.level_of[p]].push(s[o].mean);
                }
            }
            let values: Vec<Vec<f64>> = cells
                .iter()
                .map(|row| row.iter().map(|c| stats::mean(c)).collect())
                .collect();
            let over = if factors.len() > 2 {
                "mean over replicates and the other factors"
            } else {
                "mean over replicates"
            };
            files.push(plot::heatmap_2d_labelled(
                &file(format!("{outcome}_heatmap")),
                &format!("{outcome}: {over}"),
                &m.factors[0].key,
                &m.factors[1].key,
                &fx.labels(),
                &fy.labels(),
                &values,
                outcome,
                format,
            )?);
        }
        files.extend(sensitivity_plot(&dir, data, outcome, format)?);
    }
    Ok(files)
}

/// The ranked sensitivity bar chart of one outcome, if it has estimates:
/// PRCC by absolute value, or first-order and total Sobol' indices by the
/// total index.
fn sensitivity_plot(
    dir: &Path,
    data: &ReportData,
    outcome: &str,
    format: ImageFormat,
) -> Result<Option<PathBuf>> {
    let rows: Vec<&SensitivityRow> = data
        .sensitivity
        .iter()
        .filter(|r| r.outcome == outcome && !r.factor.is_empty() && r.value.is_finite())
        .collect();
    if rows.is_empty() {
        return Ok(None);
    }
    let ci = |r: &SensitivityRow| r.ci95.unwrap_or((f64::NAN, f64::NAN));
    let by_size = |a: f64, b: f64| b.abs().total_cmp(&a.abs());
    if rows.iter().all(|r| r.method == "prcc") {
        let mut bars: Vec<(String, f64, f64, f64)> = rows
            .iter()
            .map(|r| (r.factor.clone(), r.value, ci(r).0, ci(r).1))
            .collect();
        bars.sort_by(|a, b| by_size(a.1, b.1));
        let out = dir.join(plot::safe_tag(&format!("{outcome}_prcc")));
        let title = format!("{outcome}: partial rank correlation (PRCC), 95 % intervals");
        return Ok(Some(plot::bar_with_intervals(
            &out, &title, "PRCC", &bars, format,
        )?));
    }
    let mut factors: Vec<&str> = Vec::new();
    for r in &rows {
        if !factors.contains(&r.factor.as_str()) {
            factors.push(&r.factor);
        }
    }
    let get = |f: &str, method: &str| {
        rows.iter()
            .find(|r| r.factor == f && r.method == method)
            .map(|r| (r.value, ci(r).0, ci(r).1))
            .unwrap_or((f64::NAN, f64::NAN, f64::NAN))
    };
    let mut bars: Vec<BarRow> = factors
        .iter()
        .map(|f| {
            (
                f.to_string(),
                vec![get(f, "sobol_first"), get(f, "sobol_total")],
            )
        })
        .collect();
    bars.sort_by(|a, b| {
        let total = |v: &[Estimate]| {
            let t = v[1].0;
            if t.is_finite() {
                t
            } else {
                f64::NEG_INFINITY
            }
        };
        total(&b.1).total_cmp(&total(&a.1))
    });
    let series = ["first-order (S1)".to_string(), "total (ST)".to_string()];
    let out = dir.join(plot::safe_tag(&format!("{outcome}_sobol")));
    let title = format!("{outcome}: Sobol' indices, 95 % bootstrap intervals");
    Ok(Some(plot::grouped_bars_with_intervals(
        &out,
        &title,
        "Sobol' index",
        &series,
        &bars,
        format,
    )?))
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
    files.extend(plots(&rdir, &data, format)?);
    Ok(ReportSummary {
        files,
        runs,
        missing: data.missing,
        failed: data.failed.iter().sum(),
    })
}
