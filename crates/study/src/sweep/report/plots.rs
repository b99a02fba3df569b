//! The figures of a sweep report: outcome against each factor's levels or bins, and the sensitivity chart.

use super::*;

/// Mean and 95 % interval of a group of point means of a quantity of kind
/// `kind` (the interval needs two; a mean of 0/1 outcomes is a fraction).
pub(super) fn pooled(kind: stats::Quantity, means: &[f64]) -> Estimate {
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
pub(super) struct FactorValues {
    /// Rendered values, per point.
    pub(super) text: Vec<String>,
    /// The values as numbers, per point, when every one is a number.
    pub(super) numbers: Option<Vec<f64>>,
    /// Distinct values in plotting order (ascending numbers, or names in
    /// order of appearance).
    pub(super) levels: Vec<String>,
    /// Level index of each point.
    pub(super) level_of: Vec<usize>,
}

impl FactorValues {
    pub(super) fn new(m: &Manifest, j: usize) -> FactorValues {
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
    pub(super) fn labels(&self) -> Vec<String> {
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
pub(super) fn short_key(key: &str) -> &str {
    key.rsplit('.').next().unwrap_or(key)
}

/// Series of one outcome along factor `j`, by level: one per combination of
/// the other factors when there are at most [`MAX_SERIES`] of them (using
/// each point's own interval), else one of the mean over them (interval
/// over the point means). `values[s][level] = (mean, lo, hi)`.
pub(super) fn level_series(
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
pub(super) fn binned_series(data: &ReportData, xs: &[f64], log: bool, outcome: usize) -> Series {
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
    let dir = output::ensure_subdir(report_dir, PLOTS_DIR)?;
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
pub(super) fn sensitivity_plot(
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
