//! Sensitivity rows (PRCC, Sobol indices) and the points and sensitivity tables in CSV and Markdown.

use super::*;

/// PRCC per outcome (over point means) with a Fisher-z 95 % interval.
pub(super) fn prcc_rows(m: &Manifest, stats: &[Vec<PointStats>]) -> Vec<SensitivityRow> {
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
pub(super) fn sobol_rows(m: &Manifest, stats: &[Vec<PointStats>]) -> Vec<SensitivityRow> {
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

pub(super) fn points_csv(d: &ReportData) -> Result<Vec<u8>> {
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

pub(super) fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

pub(super) fn points_md(d: &ReportData) -> String {
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

pub(super) fn sensitivity_csv(rows: &[SensitivityRow]) -> Result<Vec<u8>> {
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

pub(super) fn sensitivity_md(d: &ReportData) -> String {
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
