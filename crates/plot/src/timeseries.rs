//! The 3×3 panel time-course figure of a run (`timeseries.csv`).

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    draw_line_panel, field_display_name, render, resolve_output, titled_grid, Figure, ImageFormat,
    Line, LinePanel, PlotError, XAxis, NEUTRAL_GREY, OI_BLACK, OI_BLUE, OI_BLUISH_GREEN, OI_ORANGE,
    OI_REDDISH_PURPLE, OI_SKY_BLUE, OI_VERMILLION,
};

const SIZE: (u32, u32) = (1600, 1450);
const TITLE_H: u32 = 44;
const TIME_LABEL: &str = "time (days)";
const CYTOKINE_SUFFIX: &str = "_mean_ng_per_ml";

/// Columns of `timeseries.csv`, read by header name. Cells that are empty or
/// not numbers become NaN (a gap in the curve).
pub(super) struct TimeSeries {
    names: Vec<String>,
    columns: Vec<Vec<f64>>,
}

impl TimeSeries {
    /// Reads a CSV file with a header row.
    pub(super) fn read(path: &Path) -> Result<Self, PlotError> {
        let file = std::fs::File::open(path).map_err(|e| super::io_err(path, e))?;
        let csv_err = |source| PlotError::Csv {
            path: path.to_path_buf(),
            source,
        };
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::All)
            .from_reader(file);
        let names: Vec<String> = rdr
            .headers()
            .map_err(csv_err)?
            .iter()
            .map(str::to_string)
            .collect();
        let mut columns = vec![Vec::new(); names.len()];
        for rec in rdr.records() {
            let rec = rec.map_err(csv_err)?;
            for (col, cell) in columns.iter_mut().zip(rec.iter()) {
                col.push(cell.parse::<f64>().unwrap_or(f64::NAN));
            }
        }
        Ok(TimeSeries { names, columns })
    }

    /// Reads `timeseries.csv` and returns it with its `time_d` column.
    ///
    /// # Errors
    /// As [`TimeSeries::read`], and [`PlotError::Data`] without `time_d`.
    pub(super) fn read_with_time(path: &Path) -> Result<(Self, Vec<f64>), PlotError> {
        let ts = Self::read(path)?;
        let time = ts
            .get("time_d")
            .ok_or_else(|| PlotError::Data {
                path: path.to_path_buf(),
                message: "no `time_d` column".into(),
            })?
            .to_vec();
        Ok((ts, time))
    }

    /// The column with this header, if present.
    pub(super) fn get(&self, name: &str) -> Option<&[f64]> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| self.columns[i].as_slice())
    }

    fn rows(&self) -> usize {
        self.columns.first().map_or(0, Vec::len)
    }
}

struct TimeseriesFigure {
    title: String,
    ts: TimeSeries,
    time: Vec<f64>,
    /// log₁₀ of every column (NaN where a value is not positive), for the
    /// log-scale panels; `None` for a linear figure.
    logged: Option<TimeSeries>,
}

/// log₁₀ of every value; values ≤ 0 (which a log axis cannot show) become
/// NaN, a gap in the curve.
fn log10_columns(ts: &TimeSeries) -> TimeSeries {
    TimeSeries {
        names: ts.names.clone(),
        columns: ts
            .columns
            .iter()
            .map(|c| {
                c.iter()
                    .map(|v| if *v > 0.0 { v.log10() } else { f64::NAN })
                    .collect()
            })
            .collect(),
    }
}

/// Panels whose left axis becomes logarithmic with `--log`: cell counts,
/// vessel density and concentrations, where one large curve flattens the
/// others. Closure (0–100 %) and O₂ stay linear.
const LOG_PANELS: [&str; 5] = [
    "Mesenchymal stem cells",
    "Neutrophils and macrophages",
    "Perfused vessel density",
    "Cytokines and growth factors",
    "Fibroblasts and matrix",
];

/// Concentration fields with a panel of their own (the proteases, whose
/// tens of ng/mL would flatten the cytokines' curves).
const OWN_PANEL_FIELDS: [&str; 2] = ["mmp", "timp"];

impl TimeseriesFigure {
    fn line<'a>(
        &'a self,
        col: &str,
        name: &str,
        color: RGBColor,
        secondary: bool,
    ) -> Option<Line<'a>> {
        self.ts.get(col).map(|y| Line {
            name: name.to_string(),
            x: &self.time,
            y,
            band: None,
            color,
            secondary,
        })
    }

    fn panel<'a>(
        &'a self,
        title: &str,
        y_label: &str,
        lines: Vec<Option<Line<'a>>>,
    ) -> LinePanel<'a> {
        LinePanel {
            title: title.to_string(),
            x_axis: XAxis::Linear,
            x_label: TIME_LABEL.to_string(),
            y_label: y_label.to_string(),
            y2_label: String::new(),
            lines: lines.into_iter().flatten().collect(),
            y_range: None,
            y2_range: None,
            hline: None,
            y_log: false,
        }
    }

    /// The panels, with the left axes of [`LOG_PANELS`] logarithmic when
    /// the figure is.
    fn panels(&self) -> Vec<LinePanel<'_>> {
        let mut panels = self.linear_panels();
        let Some(logged) = &self.logged else {
            return panels;
        };
        for p in panels
            .iter_mut()
            .filter(|p| LOG_PANELS.contains(&p.title.as_str()))
        {
            for l in p.lines.iter_mut().filter(|l| !l.secondary) {
                let col = self
                    .ts
                    .names
                    .iter()
                    .zip(&self.ts.columns)
                    .find(|(_, c)| c.as_ptr() == l.y.as_ptr());
                if let Some(y) = col.and_then(|(n, _)| logged.get(n)) {
                    l.y = y;
                }
            }
            p.y_log = true;
            p.y_range = None;
            p.y_label = format!("{} (log scale)", p.y_label);
            if let Some((v, _)) = &mut p.hline {
                *v = v.log10();
            }
        }
        panels
    }

    fn linear_panels(&self) -> Vec<LinePanel<'_>> {
        let mut closure = self.panel(
            "Wound closure",
            "closure (%)",
            vec![
                self.line("closure_pct", "closure", OI_BLACK, false),
                self.line("wound_area_mm2", "wound area", OI_VERMILLION, true),
            ],
        );
        closure.y_range = Some((0.0, 100.0));
        closure.y2_label = "wound area (mm²)".into();
        closure.y2_range = Some((0.0, 0.0));

        let mut msc = self.panel(
            "Mesenchymal stem cells",
            "cells",
            vec![
                self.line("msc_live", "live", OI_BLUE, false),
                self.line("msc_senescent", "senescent", OI_ORANGE, false),
                self.line("msc_dead", "dead", NEUTRAL_GREY, false),
            ],
        );
        msc.y_range = Some((0.0, 0.0));

        let mut mac = self.panel(
            "Neutrophils and macrophages",
            "cells",
            vec![
                self.line("neutrophils", "neutrophils", OI_BLUISH_GREEN, false),
                self.line("mac_m1", "M1", OI_VERMILLION, false),
                self.line("mac_m2", "M2", OI_BLUE, false),
                self.line("m2_fraction", "M2 fraction", OI_BLACK, true),
            ],
        );
        mac.y_range = Some((0.0, 0.0));
        mac.y2_label = "M2 fraction".into();
        mac.y2_range = Some((0.0, 1.0));

        let mut vessels = self.panel(
            "Perfused vessel density",
            "density (relative to baseline)",
            vec![
                self.line(
                    "vessel_density_rel",
                    "perfused density",
                    OI_BLUISH_GREEN,
                    false,
                ),
                self.line("tip_cells", "tip cells", OI_ORANGE, true),
            ],
        );
        vessels.y_range = Some((0.0, 0.0));
        vessels.hline = Some((1.0, "baseline".into()));
        vessels.y2_label = "tip cells".into();
        vessels.y2_range = Some((0.0, 0.0));

        let mut oxygen = self.panel(
            "Oxygen",
            "mean O₂ (mmHg)",
            vec![
                self.line("o2_mean_mmHg", "mean O₂", OI_SKY_BLUE, false),
                self.line("hypoxic_fraction", "hypoxic fraction", OI_VERMILLION, true),
            ],
        );
        oxygen.y_range = Some((0.0, 0.0));
        oxygen.y2_label = "hypoxic fraction".into();
        oxygen.y2_range = Some((0.0, 1.0));

        // VEGF, IL-10, TNF-α first, then any other <field>_mean_ng_per_ml.
        let preferred = ["vegf", "il10", "tnf", "tgfb"];
        let mut fields: Vec<&str> = preferred
            .iter()
            .copied()
            .filter(|f| self.ts.get(&format!("{f}{CYTOKINE_SUFFIX}")).is_some())
            .collect();
        for n in &self.ts.names {
            if let Some(f) = n.strip_suffix(CYTOKINE_SUFFIX) {
                if !f.is_empty() && !fields.contains(&f) && !OWN_PANEL_FIELDS.contains(&f) {
                    fields.push(f);
                }
            }
        }
        let fixed = |f: &str| match f {
            "vegf" => Some(OI_BLUISH_GREEN),
            "il10" => Some(OI_BLUE),
            "tnf" => Some(OI_VERMILLION),
            "tgfb" => Some(OI_REDDISH_PURPLE),
            _ => None,
        };
        let spare = [OI_ORANGE, OI_SKY_BLUE, OI_BLACK, NEUTRAL_GREY];
        let mut k = 0;
        let lines = fields
            .iter()
            .map(|f| {
                let color = fixed(f).unwrap_or_else(|| {
                    k += 1;
                    spare[(k - 1) % spare.len()]
                });
                self.line(
                    &format!("{f}{CYTOKINE_SUFFIX}"),
                    &field_display_name(f),
                    color,
                    false,
                )
            })
            .collect();
        let mut cyto = self.panel(
            "Cytokines and growth factors",
            "mean concentration (ng/mL)",
            lines,
        );
        cyto.y_range = Some((0.0, 0.0));

        let mut matrix = self.panel(
            "Fibroblasts and matrix",
            "cells in the wound",
            vec![
                self.line("fibroblasts", "fibroblasts", OI_BLUE, false),
                self.line("myofibroblasts", "myofibroblasts", OI_REDDISH_PURPLE, false),
                self.line(
                    "provisional_matrix_mean",
                    "provisional matrix",
                    OI_ORANGE,
                    true,
                ),
                self.line("collagen_mean", "collagen", OI_BLACK, true),
            ],
        );
        matrix.y_range = Some((0.0, 0.0));
        matrix.y2_label = "matrix (fraction of a filled bed)".into();
        matrix.y2_range = Some((0.0, 1.0));

        let mut bacteria = self.panel(
            "Bacteria",
            "burden (fraction of capacity)",
            vec![
                self.line("bacterial_burden", "total burden", OI_VERMILLION, false),
                self.line("biofilm_burden", "biofilm burden", OI_REDDISH_PURPLE, false),
                self.line(
                    "biofilm_fraction",
                    "wound share with biofilm",
                    OI_BLACK,
                    true,
                ),
            ],
        );
        bacteria.y_range = Some((0.0, 0.0));
        bacteria.y2_label = "share of the open wound".into();
        bacteria.y2_range = Some((0.0, 1.0));

        let mut inflammation = self.panel(
            "Inflammation and proteases",
            "neutrophils + M1 per mm² of wound",
            vec![
                self.line(
                    "inflammation_index_per_mm2",
                    "inflammation index",
                    OI_VERMILLION,
                    false,
                ),
                self.line("mmp_active_mean_nM", "free active MMP", OI_BLUE, true),
            ],
        );
        inflammation.y_range = Some((0.0, 0.0));
        inflammation.y2_label = "free active MMP (nM)".into();
        inflammation.y2_range = Some((0.0, 0.0));

        vec![
            closure,
            msc,
            mac,
            vessels,
            oxygen,
            cyto,
            matrix,
            bacteria,
            inflammation,
        ]
    }
}

impl Figure for TimeseriesFigure {
    fn size(&self) -> (u32, u32) {
        SIZE
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        _vector: bool,
    ) -> Result<(), PlotError> {
        let areas = titled_grid(root, &self.title, TITLE_H, (3, 3))?;
        for (area, panel) in areas.iter().zip(self.panels()) {
            draw_line_panel(area, &panel)?;
        }
        Ok(())
    }
}

/// Plots the time course of a run as one 1600×1450 figure of nine panels:
/// wound closure (with wound area), MSCs (live/senescent/dead), neutrophils
/// and macrophages (M1, M2 and the M2 fraction on a right axis), perfused
/// vessel density relative to baseline (with tip cells), mean O₂ with the
/// hypoxic fraction, mean cytokine concentrations (VEGF, IL-10, TNF-α, then
/// any other `<field>_mean_ng_per_ml` column but MMP and TIMP), fibroblasts
/// and myofibroblasts with the provisional matrix and collagen, the bacterial
/// and biofilm burdens with the share of the wound holding biofilm, and the
/// inflammation index with the free active MMP.
///
/// Reads `run_dir/timeseries.csv` by header name; missing columns leave their
/// curve (or panel) out. `out` is the file to write (`.png`/`.svg` appended
/// if it lacks the extension of `format`) or a directory, in which case
/// `timeseries.<ext>` is written in it. Returns the path written.
///
/// # Errors
/// [`PlotError::Missing`] if the CSV does not exist, [`PlotError::Csv`] if it
/// cannot be parsed, [`PlotError::Data`] without a `time_d` column,
/// [`PlotError::NoData`] if it has no rows, or an I/O or drawing error.
pub fn plot_timeseries(
    run_dir: &Path,
    out: &Path,
    format: ImageFormat,
) -> Result<PathBuf, PlotError> {
    plot_timeseries_scaled(run_dir, out, format, false)
}

/// [`plot_timeseries`] with, when `log` is set, logarithmic left axes on the
/// panels of cell counts, vessel density and concentrations (where one
/// large curve flattens the others; values ≤ 0 leave gaps). Closure and O₂
/// stay linear. The default file name is then `timeseries_log.<ext>`.
///
/// # Errors
/// As [`plot_timeseries`].
pub fn plot_timeseries_scaled(
    run_dir: &Path,
    out: &Path,
    format: ImageFormat,
    log: bool,
) -> Result<PathBuf, PlotError> {
    let path = run_dir.join("timeseries.csv");
    let (ts, time) = TimeSeries::read_with_time(&path)?;
    if ts.rows() == 0 {
        return Err(PlotError::NoData(format!("{} has no rows", path.display())));
    }
    let run_name = run_dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| run_dir.display().to_string());
    let fig = TimeseriesFigure {
        title: format!(
            "woundsim run “{run_name}”: time course{}",
            if log {
                " (log-scale counts and concentrations)"
            } else {
                ""
            }
        ),
        logged: log.then(|| log10_columns(&ts)),
        ts,
        time,
    };
    let ext = format.extension();
    let name = if log { "timeseries_log" } else { "timeseries" };
    let target = resolve_output(out, &format!("{name}.{ext}"), ext);
    render(&fig, &target, format)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{check_png, check_svg, fake_run};
    use super::*;

    #[test]
    fn png_and_svg() {
        let dir = tempfile::tempdir().unwrap();
        fake_run(dir.path(), 60, 50, 3, 20);
        let out =
            plot_timeseries(dir.path(), &dir.path().join("ts.png"), ImageFormat::Png).unwrap();
        assert_eq!(out, dir.path().join("ts.png"));
        check_png(&out, SIZE.0, SIZE.1);
        assert!(std::fs::read_dir(dir.path()).unwrap().all(|e| {
            !crate::output::atomic::is_tmp_name(&e.unwrap().file_name().to_string_lossy())
        }));
        let out = plot_timeseries(dir.path(), dir.path(), ImageFormat::Svg).unwrap();
        assert_eq!(out, dir.path().join("timeseries.svg"));
        check_svg(&out);
    }

    #[test]
    fn log_scale_panels() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("timeseries.csv"),
            "time_d,closure_pct,msc_live,msc_dead,vegf_mean_ng_per_ml,tnf_mean_ng_per_ml\n\
             0,0,0,0,0.01,0.1\n1,10,1000,10,20,0.2\n2,20,100,900,5,0.3\n",
        )
        .unwrap();
        let (ts, time) = TimeSeries::read_with_time(&dir.path().join("timeseries.csv")).unwrap();
        let fig = TimeseriesFigure {
            title: String::new(),
            logged: Some(log10_columns(&ts)),
            ts,
            time,
        };
        let panels = fig.panels();
        let by = |t: &str| panels.iter().find(|p| p.title == t).unwrap();
        let msc = by("Mesenchymal stem cells");
        assert!(msc.y_log && msc.y_label.ends_with("(log scale)"));
        // log₁₀ of 0, 1000, 100: a gap, then 3 and 2.
        assert!(msc.lines[0].y[0].is_nan());
        assert_eq!(&msc.lines[0].y[1..], &[3.0, 2.0]);
        let cyto = by("Cytokines and growth factors");
        assert!(cyto.y_log);
        assert!((cyto.lines[0].y[0] - (-2.0)).abs() < 1e-12);
        // Closure stays linear.
        let closure = by("Wound closure");
        assert!(!closure.y_log);
        assert_eq!(closure.lines[0].y, &[0.0, 10.0, 20.0]);
        let out = plot_timeseries_scaled(dir.path(), dir.path(), ImageFormat::Png, true).unwrap();
        assert_eq!(out, dir.path().join("timeseries_log.png"));
        check_png(&out, SIZE.0, SIZE.1);
    }

    #[test]
    fn missing_columns_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("timeseries.csv"),
            "time_d,closure_pct,mac_m1,unused\n0,0,10,x\n1,5,,y\n2,12,30,z\n3,,35,w\n",
        )
        .unwrap();
        let out = plot_timeseries(dir.path(), &dir.path().join("a"), ImageFormat::Png).unwrap();
        assert_eq!(out, dir.path().join("a.png"));
        check_png(&out, SIZE.0, SIZE.1);
    }

    #[test]
    fn missing_file_and_bad_content_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let err = plot_timeseries(dir.path(), dir.path(), ImageFormat::Png).unwrap_err();
        assert!(matches!(&err, PlotError::Missing { path } if path.ends_with("timeseries.csv")));
        assert!(err.to_string().contains("timeseries.csv"));

        std::fs::write(dir.path().join("timeseries.csv"), "closure_pct\n1\n").unwrap();
        let err = plot_timeseries(dir.path(), dir.path(), ImageFormat::Png).unwrap_err();
        assert!(matches!(err, PlotError::Data { .. }), "{err}");

        std::fs::write(dir.path().join("timeseries.csv"), "time_d,closure_pct\n").unwrap();
        let err = plot_timeseries(dir.path(), dir.path(), ImageFormat::Png).unwrap_err();
        assert!(matches!(err, PlotError::NoData(_)), "{err}");

        std::fs::write(
            dir.path().join("timeseries.csv"),
            "time_d,closure_pct\n1,2\n3\n",
        )
        .unwrap();
        let err = plot_timeseries(dir.path(), dir.path(), ImageFormat::Png).unwrap_err();
        assert!(matches!(err, PlotError::Csv { .. }), "{err}");
        assert!(!dir.path().join("timeseries.png").exists());
    }
}
