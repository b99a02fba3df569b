//! The files of a cohort: cohort.csv, cohort_timeseries.csv, the key charts.

use super::*;

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

/// `cohort.csv` column names of the drawn patient values (see
/// [`patient_values`]).
pub const PATIENT_COLUMNS: [&str; 13] = [
    "patient_perfusion",
    "patient_vessel_density_mult",
    "patient_tnf_secretion_mult",
    "patient_switch_mult",
    "patient_efferocytosis_mult",
    "patient_bioburden",
    "patient_debris",
    "patient_reperfusion_damage_per_day",
    "patient_oedema",
    "patient_fibrosis",
    "patient_closure_speed_mult",
    "patient_angiogenesis_mult",
    "patient_biofilm",
];

/// `cohort.csv` columns of the product lot, present when lots are drawn.
pub const LOT_COLUMNS: [&str; 3] = ["lot", "lot_secretion_mult", "lot_hazard_mult"];

/// A replicate's patient values in the order of [`PATIENT_COLUMNS`].
pub fn patient_values(v: &PatientValues) -> [f64; 13] {
    [
        v.perfusion,
        v.vessel_density_mult,
        v.tnf_secretion_mult,
        v.switch_mult,
        v.efferocytosis_mult,
        v.bioburden,
        v.debris,
        v.reperfusion_damage_per_day,
        v.oedema,
        v.fibrosis,
        v.closure_speed_mult,
        v.angiogenesis_mult,
        // 1 when the wound starts with an established biofilm.
        v.biofilm as u8 as f64,
    ]
}

pub(super) fn csv_err(e: impl std::fmt::Display) -> Error {
    Error::Other(format!("CSV: {e}"))
}

pub(super) fn cell(v: Option<f64>) -> String {
    v.filter(|x| x.is_finite())
        .map(output::format_value)
        .unwrap_or_default()
}

/// `cohort.csv` text: one row per replicate.
pub fn cohort_csv(c: &Cohort) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = vec!["replicate".into(), "seed".into()];
    header.extend(PATIENT_COLUMNS.iter().map(|n| n.to_string()));
    // Lot columns only when lots were drawn (`cohort.vary_lots`).
    let lots = c.replicates.iter().any(|r| r.lot.is_some());
    if lots {
        header.extend(LOT_COLUMNS.iter().map(|n| n.to_string()));
    }
    header.extend(COHORT_OUTCOMES.iter().map(|s| s.to_string()));
    w.write_record(&header).map_err(csv_err)?;
    for r in &c.replicates {
        let mut rec = vec![r.index.to_string(), r.seed.to_string()];
        rec.extend(patient_values(&r.patient).iter().map(|v| cell(Some(*v))));
        if lots {
            rec.push(r.lot.map(|l| l.index.to_string()).unwrap_or_default());
            rec.push(cell(r.lot.map(|l| l.secretion_mult)));
            rec.push(cell(r.lot.map(|l| l.hazard_mult)));
        }
        rec.extend(
            COHORT_OUTCOMES
                .iter()
                .map(|o| cell(r.output.summary.outcome(o))),
        );
        w.write_record(&rec).map_err(csv_err)?;
    }
    w.into_inner().map_err(csv_err)
}

/// `cohort_timeseries.csv` text: `time_d`, then for every column
/// `<column>_mean`, `<column>_ci95_lo`, `<column>_ci95_hi`.
pub fn cohort_timeseries_csv(c: &Cohort) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let cols: Vec<&String> = c.columns.iter().skip(1).collect();
    let mut header = vec!["time_d".to_string()];
    for col in &cols {
        header.extend([
            format!("{col}_mean"),
            format!("{col}_ci95_lo"),
            format!("{col}_ci95_hi"),
        ]);
    }
    w.write_record(&header).map_err(csv_err)?;
    let bands: Vec<Series> = cols.iter().filter_map(|col| c.band(col, col)).collect();
    for (t, time) in c.times().iter().enumerate() {
        let mut rec = vec![output::format_value(*time)];
        for b in &bands {
            rec.extend([
                cell(Some(b.mean[t])),
                cell(Some(b.lo[t])),
                cell(Some(b.hi[t])),
            ]);
        }
        w.write_record(&rec).map_err(csv_err)?;
    }
    w.into_inner().map_err(csv_err)
}

/// Directory name of replicate `index` in a cohort of `n`: `r000`, `r001`, …
/// (at least three digits, more when needed).
pub fn replicate_dir_name(index: u64, n: u64) -> String {
    let width = n.saturating_sub(1).max(1).to_string().len().max(3);
    format!("r{index:0width$}")
}

/// The key observables of cohorts as chart panels (one series per cohort).
pub fn key_charts(cohorts: &[(&str, &Cohort)]) -> Vec<Chart> {
    let panels = [
        ("closure_pct", "Wound closure", "closure (%)"),
        ("msc_live", "Live MSCs", "live MSCs in the slice"),
        ("m2_fraction", "M2 fraction of macrophages", "M2 fraction"),
        (
            "vessel_density_rel",
            "Perfused vessel density",
            "relative to intact tissue",
        ),
        ("o2_mean_mmHg", "Wound O₂", "mean pO₂ (mmHg)"),
        ("vegf_mean_ng_per_ml", "Wound VEGF", "mean VEGF (ng/mL)"),
    ];
    panels
        .iter()
        .filter_map(|(col, title, y)| {
            let series: Vec<Series> = cohorts
                .iter()
                .filter_map(|(name, c)| c.band(col, name))
                .collect();
            (!series.is_empty()).then(|| Chart::Lines {
                title: format!("{title} (mean, 95 % CI)"),
                x_label: "time (days)".into(),
                y_label: y.to_string(),
                series,
            })
        })
        .collect()
}

pub(super) fn plot_err(e: plot::PlotError) -> Error {
    Error::Other(format!("drawing a plot: {e}"))
}

/// The cohort result files directly in a cohort directory (without the
/// replicates and plots); removed again when a cohort fails.
pub const COHORT_FILES: [&str; 3] = ["cohort.csv", "cohort_summary.json", "cohort_timeseries.csv"];

/// Write the cohort files (everything but the manifest) into `dir`, which
/// must exist; returns the plot files written. A replicate already stored
/// there (see [`REPLICATE_STATE`]) is not written again.
pub fn write_files(c: &Cohort, dir: &Path, plots: bool) -> Result<Vec<PathBuf>> {
    let n = c.replicates.len() as u64;
    for r in &c.replicates {
        let rel = format!("replicates/{}", replicate_dir_name(r.index, n));
        let rd = output::ensure_subdir(dir, &rel)?;
        if !rd.join(REPLICATE_STATE).is_file() {
            output::write_results(&rd, &r.output.columns, &r.output.rows, &r.output.summary)?;
        }
    }
    let mut files = vec![];
    if plots {
        let charts = key_charts(&[(c.scenario.as_str(), c)]);
        if !charts.is_empty() {
            let title = format!(
                "Cohort “{}”: {} replicates, mean with 95 % interval of the mean",
                c.scenario, n
            );
            let pdir = output::ensure_subdir(dir, "plots")?;
            files.push(
                plot::chart_grid(
                    &pdir.join("cohort.png"),
                    &title,
                    &charts,
                    3,
                    ImageFormat::Png,
                )
                .map_err(plot_err)?,
            );
        }
    }
    output::write_atomic(
        &dir.join("cohort_timeseries.csv"),
        &cohort_timeseries_csv(c)?,
    )?;
    output::write_json(&dir.join("cohort_summary.json"), &c.summary())?;
    output::write_atomic(&dir.join("cohort.csv"), &cohort_csv(c)?)?;
    Ok(files)
}

/// Remove the cohort result files of `dir` ([`COHORT_FILES`]), so that a
/// failed cohort leaves none that looks complete. Stored replicates stay:
/// each is complete, and a resume reuses them.
pub(crate) fn remove_cohort_files(dir: &Path) {
    // Never through a link: only a real directory is cleaned.
    if !std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
        return;
    }
    for f in COHORT_FILES {
        let _ = std::fs::remove_file(dir.join(f));
    }
}
