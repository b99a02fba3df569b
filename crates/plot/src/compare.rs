//! Several runs' time courses overlaid: one panel per `timeseries.csv`
//! column, one line per run.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::timeseries::TimeSeries;
use super::{
    draw_line_panel, field_display_name, render, resolve_output, titled_grid, Figure, ImageFormat,
    Line, LinePanel, PlotError, XAxis, SERIES_COLORS,
};

/// Columns compared by default: closure, live MSCs, the M2 fraction,
/// perfused vessel density, mean O₂ and mean VEGF.
pub const COMPARE_COLUMNS: [&str; 6] = [
    "closure_pct",
    "msc_live",
    "m2_fraction",
    "vessel_density_rel",
    "o2_mean_mmHg",
    "vegf_mean_ng_per_ml",
];

/// Most panels in one comparison figure.
pub const COMPARE_MAX_PANELS: usize = 9;

const PANEL: (u32, u32) = (560, 440);
const TITLE_H: u32 = 44;
const CYTOKINE_SUFFIX: &str = "_mean_ng_per_ml";

/// Panel title and y-axis label of a `timeseries.csv` column.
fn describe(column: &str) -> (String, String) {
    let (title, y) = match column {
        "closure_pct" => ("Wound closure", "closure (%)"),
        "wound_area_mm2" => ("Open wound area", "area (mm²)"),
        "msc_live" => ("Live MSCs", "cells"),
        "msc_dead" => ("Dead MSCs", "cells"),
        "msc_senescent" => ("Senescent MSCs", "cells"),
        "mac_m1" => ("M1 (inflammatory) macrophages", "cells"),
        "mac_m2" => ("M2 (repair) macrophages", "cells"),
        "m2_fraction" => ("M2 share of macrophages", "fraction"),
        "vessel_density_rel" => ("Perfused vessel density", "relative to baseline"),
        "tip_cells" => ("Sprouting tip cells", "cells"),
        "o2_mean_mmHg" => ("Mean oxygen", "O₂ (mmHg)"),
        "hypoxic_fraction" => ("Hypoxic tissue", "fraction"),
        "bioburden" => ("Bioburden", "relative"),
        "debris_mean" => ("Necrotic debris", "mean fraction"),
        other => {
            return match other.strip_suffix(CYTOKINE_SUFFIX) {
                Some(f) => (format!("Mean {}", field_display_name(f)), "ng/mL".into()),
                None => (other.to_string(), other.to_string()),
            }
        }
    };
    (title.to_string(), y.to_string())
}

/// One run's time axis and the compared columns (`None` where it lacks one).
struct RunSeries {
    name: String,
    time: Vec<f64>,
    columns: Vec<Option<Vec<f64>>>,
}

struct CompareFigure<'a> {
    title: &'a str,
    columns: &'a [String],
    runs: Vec<RunSeries>,
    grid: (usize, usize),
}

impl Figure for CompareFigure<'_> {
    fn size(&self) -> (u32, u32) {
        let (cols, rows) = self.grid;
        (PANEL.0 * cols as u32, TITLE_H + PANEL.1 * rows as u32)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        _vector: bool,
    ) -> Result<(), PlotError> {
        let (cols, rows) = self.grid;
        let areas = titled_grid(root, self.title, TITLE_H, (rows, cols))?;
        for (c, (area, column)) in areas.iter().zip(self.columns).enumerate() {
            let (title, y_label) = describe(column);
            let lines = self
                .runs
                .iter()
                .enumerate()
                .filter_map(|(k, r)| {
                    r.columns[c].as_ref().map(|y| Line {
                        name: r.name.clone(),
                        x: &r.time,
                        y,
                        band: None,
                        color: SERIES_COLORS[k % SERIES_COLORS.len()],
                        secondary: false,
                    })
                })
                .collect();
            let panel = LinePanel {
                title,
                x_axis: XAxis::Linear,
                x_label: "time (days)".into(),
                y_label,
                y2_label: String::new(),
                lines,
                y_range: Some((0.0, 0.0)),
                y2_range: None,
                hline: (column == "vessel_density_rel").then(|| (1.0, "baseline".to_string())),
                y_log: false,
            };
            draw_line_panel(&area.margin(4, 4, 4, 8), &panel)?;
        }
        Ok(())
    }
}

/// Overlays the time courses of several runs: one panel per column of
/// `timeseries.csv` (in `columns` order; [`COMPARE_COLUMNS`] when empty),
/// one line per run in Okabe–Ito colours, named by `runs[k].0`, with a
/// legend in each panel. Panels are 560×440 px, three per row (two for
/// four panels), under the figure `title`. A run that lacks a column
/// leaves its line out of that panel.
///
/// `runs` are `(name, run directory)` pairs. `out` is the file to write
/// (extension added if missing) or a directory (then `compare.<ext>` in it).
///
/// # Errors
/// [`PlotError::InvalidInput`] without runs, with more than
/// [`SERIES_COLORS`]`.len()` runs or more than [`COMPARE_MAX_PANELS`]
/// columns, [`PlotError::NoData`] if no run has a requested column, and the
/// errors of reading `timeseries.csv` ([`PlotError::Missing`],
/// [`PlotError::Csv`], [`PlotError::Data`] without `time_d`).
pub fn plot_comparison(
    runs: &[(String, PathBuf)],
    columns: &[String],
    title: &str,
    out: &Path,
    format: ImageFormat,
) -> Result<PathBuf, PlotError> {
    if runs.is_empty() || runs.len() > SERIES_COLORS.len() {
        return Err(PlotError::InvalidInput(format!(
            "compare 1 to {} runs (got {})",
            SERIES_COLORS.len(),
            runs.len()
        )));
    }
    let columns: Vec<String> = if columns.is_empty() {
        COMPARE_COLUMNS.iter().map(|c| c.to_string()).collect()
    } else {
        columns.to_vec()
    };
    if columns.len() > COMPARE_MAX_PANELS {
        return Err(PlotError::InvalidInput(format!(
            "at most {COMPARE_MAX_PANELS} columns (got {})",
            columns.len()
        )));
    }
    let mut series = Vec::with_capacity(runs.len());
    for (name, dir) in runs {
        let (ts, time) = TimeSeries::read_with_time(&dir.join("timeseries.csv"))?;
        series.push(RunSeries {
            name: name.clone(),
            time,
            columns: columns
                .iter()
                .map(|c| ts.get(c).map(<[f64]>::to_vec))
                .collect(),
        });
    }
    for (c, column) in columns.iter().enumerate() {
        if series.iter().all(|r| r.columns[c].is_none()) {
            return Err(PlotError::NoData(format!(
                "no run has a `{column}` column in timeseries.csv"
            )));
        }
    }
    let n = columns.len();
    let cols = match n {
        1..=3 => n,
        4 => 2,
        _ => 3,
    };
    let fig = CompareFigure {
        title,
        columns: &columns,
        runs: series,
        grid: (cols, n.div_ceil(cols)),
    };
    let ext = format.extension();
    render(
        &fig,
        &resolve_output(out, &format!("compare.{ext}"), ext),
        format,
    )
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{check_png, check_svg, fake_run};
    use super::*;

    #[test]
    fn two_runs_png_and_svg() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        fake_run(&a, 20, 20, 1, 20);
        std::fs::create_dir_all(&b).unwrap();
        std::fs::write(
            b.join("timeseries.csv"),
            "time_d,closure_pct,msc_live\n0,0,100\n7,20,40\n14,45,10\n",
        )
        .unwrap();
        let runs = vec![
            ("bolus".to_string(), a.clone()),
            ("hydrogel".to_string(), b),
        ];
        let out =
            plot_comparison(&runs, &[], "t", &dir.path().join("cmp"), ImageFormat::Png).unwrap();
        assert_eq!(out, dir.path().join("cmp.png"));
        check_png(&out, 3 * PANEL.0, TITLE_H + 2 * PANEL.1);
        let cols = vec!["closure_pct".to_string(), "msc_live".to_string()];
        let out = plot_comparison(&runs, &cols, "t", dir.path(), ImageFormat::Svg).unwrap();
        assert_eq!(out, dir.path().join("compare.svg"));
        check_svg(&out);
        let cols = vec!["closure_pct".to_string(), "no_such_column".to_string()];
        let err = plot_comparison(&runs, &cols, "t", dir.path(), ImageFormat::Png).unwrap_err();
        assert!(
            matches!(&err, PlotError::NoData(m) if m.contains("no_such_column")),
            "{err}"
        );
        let err = plot_comparison(&[], &[], "t", dir.path(), ImageFormat::Png).unwrap_err();
        assert!(matches!(err, PlotError::InvalidInput(_)));
        let missing = vec![("x".to_string(), dir.path().join("nowhere"))];
        let err = plot_comparison(&missing, &[], "t", dir.path(), ImageFormat::Png).unwrap_err();
        assert!(matches!(err, PlotError::Missing { .. }), "{err}");
    }

    #[test]
    fn panel_names() {
        assert_eq!(describe("closure_pct").1, "closure (%)");
        assert_eq!(describe("il10_mean_ng_per_ml").0, "Mean IL-10");
        assert_eq!(describe("custom").0, "custom");
    }
}
