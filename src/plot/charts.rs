//! Generic charts for scenario comparison and sensitivity analysis: bars with
//! intervals, curves with bands and two-factor heat maps.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::{
    anchored, colormap, colormap_rgb, draw_colorbar, draw_line_panel, finite_range, fmt_axis,
    fmt_levels, fmt_num, normalise, padded_range, render, resolve_output, style_mesh, text_style,
    Figure, ImageFormat, Line, LinePanel, PlotError, PxRect, LABEL_PX, NAN_GREY, OI_BLUE,
    OI_VERMILLION, SERIES_COLORS, TICK_PX, TITLE_PX,
};

/// One curve for [`lines_with_bands`]: the mean at each `x` and, optionally,
/// the band limits `lo`/`hi` (e.g. a 95 % interval). Leave `lo` and `hi`
/// empty for no band; otherwise all four vectors have the same length.
/// Non-finite values leave gaps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    /// Legend name.
    pub name: String,
    /// Abscissae.
    pub x: Vec<f64>,
    /// Central values.
    pub mean: Vec<f64>,
    /// Lower band limits (empty for no band).
    pub lo: Vec<f64>,
    /// Upper band limits (empty for no band).
    pub hi: Vec<f64>,
}

/// Writes category labels (already placed in pixels) for a categorical axis,
/// skipping some when they would overlap.
fn draw_category_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    labels: &[(String, (i32, i32))],
    style: &TextStyle<'_>,
    spacing_px: f64,
    horizontal_axis: bool,
) -> Result<(), PlotError> {
    let mut need = 0f64;
    for (s, _) in labels {
        let (w, h) = root.estimate_text_size(s, style)?;
        need = need.max(if horizontal_axis {
            w as f64 + 10.0
        } else {
            h as f64 + 4.0
        });
    }
    let step = ((need / spacing_px.max(1.0)).ceil() as usize).max(1);
    for (k, (s, p)) in labels.iter().enumerate() {
        if k % step == 0 {
            root.draw(&Text::new(s.clone(), *p, style.clone()))?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Bars with intervals
// ---------------------------------------------------------------------------

struct BarFigure<'a> {
    title: &'a str,
    value_label: &'a str,
    bars: &'a [(String, f64, f64, f64)],
    size: (u32, u32),
}

impl Figure for BarFigure<'_> {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        _vector: bool,
    ) -> Result<(), PlotError> {
        let n = self.bars.len();
        let values = self
            .bars
            .iter()
            .flat_map(|(_, m, l, h)| [*m, *l, *h])
            .chain([0.0]);
        let (x0, x1) = padded_range(finite_range(values), 0.05);
        let style = anchored(TICK_PX, HPos::Right, VPos::Center);
        let mut label_w = 0;
        for (label, ..) in self.bars {
            label_w = label_w.max(root.estimate_text_size(label, &style)?.0);
        }
        let label_area = (label_w + 20).clamp(60, self.size.0 * 45 / 100);
        let mut chart = ChartBuilder::on(root)
            .caption(self.title, text_style(TITLE_PX))
            .margin(16)
            .x_label_area_size(56)
            .y_label_area_size(label_area)
            .build_cartesian_2d(x0..x1, 0.0..n as f64)?;
        let fmt = |v: &f64| fmt_axis(*v, x1 - x0);
        {
            let mut mesh = chart.configure_mesh();
            style_mesh(&mut mesh, self.value_label, "");
            mesh.disable_y_mesh()
                .y_labels(0)
                .x_label_formatter(&fmt)
                .draw()?;
        }
        let row_px = {
            let (_, a) = chart.backend_coord(&(x0, 0.0));
            let (_, b) = chart.backend_coord(&(x0, 1.0));
            (a - b).abs() as f64
        };
        let inset = (row_px * 0.18).min(12.0);
        let cap = (row_px * 0.2).clamp(2.0, 8.0) as i32;
        let whisker = BLACK.stroke_width(2);
        for (k, (_, mean, lo, hi)) in self.bars.iter().enumerate() {
            // First bar at the top.
            let r = (n - 1 - k) as f64;
            if mean.is_finite() {
                let color = if *mean >= 0.0 { OI_BLUE } else { OI_VERMILLION };
                let mut bar =
                    Rectangle::new([(0.0, r), (*mean, r + 1.0)], color.mix(0.85).filled());
                bar.set_margin(inset as u32, inset as u32, 0, 0);
                chart.draw_series(std::iter::once(bar))?;
            }
            if lo.is_finite() && hi.is_finite() {
                let c = r + 0.5;
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(*lo, c), (*hi, c)],
                    whisker,
                )))?;
                for end in [*lo, *hi] {
                    chart.draw_series(std::iter::once(
                        EmptyElement::at((end, c))
                            + PathElement::new(vec![(0, -cap), (0, cap)], whisker),
                    ))?;
                }
            }
        }
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.0), (0.0, n as f64)],
            BLACK.mix(0.7).stroke_width(1),
        )))?;
        // Backend coordinates are absolute; `root` may be part of a larger
        // figure (a chart grid), so place the labels relative to its origin.
        let (bx, by) = root.get_base_pixel();
        let labels: Vec<(String, (i32, i32))> = self
            .bars
            .iter()
            .enumerate()
            .map(|(k, (label, ..))| {
                let (x, y) = chart.backend_coord(&(x0, (n - 1 - k) as f64 + 0.5));
                (label.clone(), (x - 8 - bx, y - by))
            })
            .collect();
        draw_category_labels(root, &labels, &style, row_px, false)
    }
}

/// Horizontal bar chart with interval whiskers: one bar per
/// `(label, mean, lo, hi)`, listed top to bottom in the given order (sort
/// first for a ranking). Bars start at zero (blue for positive means,
/// vermillion for negative ones); whiskers span `lo`..`hi`. `y_label` names
/// the value axis, which is horizontal. Non-finite values skip the bar or
/// whisker. The figure is 1000 px wide and grows in height with the number
/// of bars. `out` is the file to write (extension added if missing) or a
/// directory (then `bars.<ext>` in it).
///
/// # Errors
/// [`PlotError::InvalidInput`] if `bars` is empty; I/O or drawing errors.
pub fn bar_with_intervals(
    out: &Path,
    title: &str,
    y_label: &str,
    bars: &[(String, f64, f64, f64)],
    format: ImageFormat,
) -> Result<PathBuf, PlotError> {
    if bars.is_empty() {
        return Err(PlotError::InvalidInput(format!("no bars for “{title}”")));
    }
    let height = (150 + 40 * bars.len() as u32).clamp(320, 4000);
    let fig = BarFigure {
        title,
        value_label: y_label,
        bars,
        size: (1000, height),
    };
    let ext = format.extension();
    render(
        &fig,
        &resolve_output(out, &format!("bars.{ext}"), ext),
        format,
    )
}

// ---------------------------------------------------------------------------
// Lines with bands
// ---------------------------------------------------------------------------

struct LinesFigure<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    series: &'a [Series],
}

impl Figure for LinesFigure<'_> {
    fn size(&self) -> (u32, u32) {
        (1000, 650)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        _vector: bool,
    ) -> Result<(), PlotError> {
        let lines = self
            .series
            .iter()
            .enumerate()
            .map(|(k, s)| Line {
                name: s.name.clone(),
                x: &s.x,
                y: &s.mean,
                band: (!s.lo.is_empty()).then_some((s.lo.as_slice(), s.hi.as_slice())),
                color: SERIES_COLORS[k % SERIES_COLORS.len()],
                secondary: false,
            })
            .collect();
        let panel = LinePanel {
            title: self.title.to_string(),
            x_label: self.x_label.to_string(),
            y_label: self.y_label.to_string(),
            y2_label: String::new(),
            lines,
            y_range: None,
            y2_range: None,
            hline: None,
        };
        draw_line_panel(&root.margin(6, 6, 6, 12), &panel)
    }
}

/// Fails unless a series' vectors have consistent lengths.
fn check_series(s: &Series) -> Result<(), PlotError> {
    let n = s.x.len();
    let band_ok = (s.lo.is_empty() && s.hi.is_empty()) || (s.lo.len() == n && s.hi.len() == n);
    if s.mean.len() != n || !band_ok {
        return Err(PlotError::InvalidInput(format!(
            "series “{}”: x has {n} values, mean {}, lo {}, hi {}",
            s.name,
            s.mean.len(),
            s.lo.len(),
            s.hi.len()
        )));
    }
    Ok(())
}

/// Line chart of one or more [`Series`], each mean drawn as a line (with
/// point markers when there are at most 30 points) over a translucent band
/// from `lo` to `hi`; Okabe–Ito colours in series order, legend placed in
/// the emptiest corner. 1000×650 px. `out` is the file to write (extension
/// added if missing) or a directory (then `lines.<ext>` in it).
///
/// # Errors
/// [`PlotError::InvalidInput`] if `series` is empty or a series' vectors
/// differ in length; I/O or drawing errors.
pub fn lines_with_bands(
    out: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    format: ImageFormat,
) -> Result<PathBuf, PlotError> {
    if series.is_empty() {
        return Err(PlotError::InvalidInput(format!("no series for “{title}”")));
    }
    for s in series {
        check_series(s)?;
    }
    let fig = LinesFigure {
        title,
        x_label,
        y_label,
        series,
    };
    let ext = format.extension();
    render(
        &fig,
        &resolve_output(out, &format!("lines.{ext}"), ext),
        format,
    )
}

// ---------------------------------------------------------------------------
// Two-factor heat map
// ---------------------------------------------------------------------------

struct HeatmapFigure<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    xs: &'a [f64],
    ys: &'a [f64],
    values: &'a [Vec<f64>],
    colorbar_label: &'a str,
}

const HEATMAP_SIZE: (u32, u32) = (1000, 800);
const HEATMAP_CB_AREA: u32 = 150;

impl Figure for HeatmapFigure<'_> {
    fn size(&self) -> (u32, u32) {
        HEATMAP_SIZE
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        vector: bool,
    ) -> Result<(), PlotError> {
        let (nx, ny) = (self.xs.len(), self.ys.len());
        let range = finite_range(self.values.iter().flatten().copied())
            .map(|(a, b)| super::widen(a, b))
            .unwrap_or((0.0, 1.0));
        let (left, _) = root.split_horizontally(HEATMAP_SIZE.0 - HEATMAP_CB_AREA);
        let mut chart = ChartBuilder::on(&left)
            .caption(self.title, text_style(TITLE_PX))
            .margin(16)
            .x_label_area_size(64)
            .y_label_area_size(96)
            .build_cartesian_2d(0.0..nx as f64, 0.0..ny as f64)?;
        {
            let mut mesh = chart.configure_mesh();
            style_mesh(&mut mesh, self.x_label, self.y_label);
            mesh.disable_mesh().x_labels(0).y_labels(0).draw()?;
        }
        for (j, row) in self.values.iter().enumerate() {
            for (i, v) in row.iter().enumerate() {
                let c = colormap(normalise(*v, range));
                let (x, y) = (i as f64, j as f64);
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x, y), (x + 1.0, y + 1.0)],
                    c.filled(),
                )))?;
            }
        }
        let (a, b) = (
            chart.backend_coord(&(0.0, 0.0)),
            chart.backend_coord(&(1.0, 1.0)),
        );
        let (cell_w, cell_h) = ((b.0 - a.0).abs(), (a.1 - b.1).abs());
        if nx * ny <= 225 && cell_w >= 44 && cell_h >= 20 {
            let note_px = (cell_h as f64 * 0.3).clamp(TICK_PX - 1.0, LABEL_PX);
            for (j, row) in self.values.iter().enumerate() {
                for (i, v) in row.iter().enumerate() {
                    let [r, g, bl] = colormap_rgb(normalise(*v, range));
                    let light = 0.299 * r as f64 + 0.587 * g as f64 + 0.114 * bl as f64 > 140.0;
                    let color = if light || !v.is_finite() {
                        BLACK
                    } else {
                        WHITE
                    };
                    let p = chart.backend_coord(&(i as f64 + 0.5, j as f64 + 0.5));
                    root.draw(&Text::new(
                        fmt_num(*v),
                        p,
                        anchored(note_px, HPos::Center, VPos::Center).color(&color),
                    ))?;
                }
            }
        }
        let xl: Vec<(String, (i32, i32))> = fmt_levels(self.xs)
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let (px, py) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
                (s, (px, py + 10))
            })
            .collect();
        draw_category_labels(
            root,
            &xl,
            &anchored(TICK_PX, HPos::Center, VPos::Top),
            cell_w as f64,
            true,
        )?;
        let yl: Vec<(String, (i32, i32))> = fmt_levels(self.ys)
            .into_iter()
            .enumerate()
            .map(|(j, s)| {
                let (px, py) = chart.backend_coord(&(0.0, j as f64 + 0.5));
                (s, (px - 8, py))
            })
            .collect();
        draw_category_labels(
            root,
            &yl,
            &anchored(TICK_PX, HPos::Right, VPos::Center),
            cell_h as f64,
            false,
        )?;
        let top = chart.backend_coord(&(nx as f64, ny as f64));
        let bar = PxRect {
            x: (HEATMAP_SIZE.0 - HEATMAP_CB_AREA) as i32 + 12,
            y: top.1,
            w: 20,
            h: (a.1 - top.1).max(1) as u32,
        };
        draw_colorbar(root, bar, range, self.colorbar_label, TICK_PX, vector)?;
        if self.values.iter().flatten().any(|v| !v.is_finite()) {
            root.draw(&Rectangle::new(
                [(bar.x, bar.bottom() + 14), (bar.right(), bar.bottom() + 28)],
                NAN_GREY.filled(),
            ))?;
            root.draw(&Text::new(
                "n/a",
                (bar.right() + 7, bar.bottom() + 21),
                anchored(TICK_PX, HPos::Left, VPos::Center),
            ))?;
        }
        Ok(())
    }
}

/// Heat map of a two-factor sweep: `values[j][i]` is the outcome at
/// `xs[i]` (columns, left to right) and `ys[j]` (rows, bottom to top). Each
/// factor level gets an equal-sized cell labelled with its value, so
/// non-uniform (e.g. logarithmic) levels are fine. Viridis colours with a
/// colour bar titled `colorbar_label`; cells are annotated with their value
/// when there is room; NaN cells are grey. 1000×800 px. `out` is the file to
/// write (extension added if missing) or a directory (then `heatmap.<ext>`).
///
/// # Errors
/// [`PlotError::InvalidInput`] if `xs` or `ys` is empty or `values` is not
/// `ys.len()` rows of `xs.len()` values; I/O or drawing errors.
#[allow(clippy::too_many_arguments)]
pub fn heatmap_2d(
    out: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    xs: &[f64],
    ys: &[f64],
    values: &[Vec<f64>],
    colorbar_label: &str,
    format: ImageFormat,
) -> Result<PathBuf, PlotError> {
    if xs.is_empty() || ys.is_empty() {
        return Err(PlotError::InvalidInput(format!(
            "heat map “{title}” needs at least one level per factor"
        )));
    }
    if values.len() != ys.len() || values.iter().any(|r| r.len() != xs.len()) {
        return Err(PlotError::InvalidInput(format!(
            "heat map “{title}”: values must be {} rows of {} (ys × xs)",
            ys.len(),
            xs.len()
        )));
    }
    let fig = HeatmapFigure {
        title,
        x_label,
        y_label,
        xs,
        ys,
        values,
        colorbar_label,
    };
    let ext = format.extension();
    render(
        &fig,
        &resolve_output(out, &format!("heatmap.{ext}"), ext),
        format,
    )
}

// ---------------------------------------------------------------------------
// Grids of charts
// ---------------------------------------------------------------------------

/// One panel of a [`chart_grid`].
#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    /// Curves with optional bands, drawn as by [`lines_with_bands`].
    Lines {
        /// Panel title.
        title: String,
        /// Horizontal axis label.
        x_label: String,
        /// Vertical axis label.
        y_label: String,
        /// The curves.
        series: Vec<Series>,
    },
    /// Horizontal bars with interval whiskers, drawn as by
    /// [`bar_with_intervals`]: `(label, mean, lo, hi)` top to bottom.
    Bars {
        /// Panel title.
        title: String,
        /// Value axis label.
        value_label: String,
        /// The bars.
        bars: Vec<(String, f64, f64, f64)>,
    },
}

const GRID_CELL: (u32, u32) = (800, 520);
const GRID_TITLE_H: u32 = 48;

struct GridFigure<'a> {
    title: &'a str,
    charts: &'a [Chart],
    columns: usize,
}

impl GridFigure<'_> {
    fn rows(&self) -> usize {
        self.charts.len().div_ceil(self.columns)
    }
}

impl Figure for GridFigure<'_> {
    fn size(&self) -> (u32, u32) {
        (
            GRID_CELL.0 * self.columns as u32,
            GRID_TITLE_H + GRID_CELL.1 * self.rows() as u32,
        )
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        vector: bool,
    ) -> Result<(), PlotError> {
        let (head, body) = root.split_vertically(GRID_TITLE_H);
        super::draw_figure_title(&head, self.title, GRID_TITLE_H)?;
        let areas = body.split_evenly((self.rows(), self.columns));
        for (area, chart) in areas.iter().zip(self.charts) {
            match chart {
                Chart::Lines {
                    title,
                    x_label,
                    y_label,
                    series,
                } => LinesFigure {
                    title,
                    x_label,
                    y_label,
                    series,
                }
                .draw(area, vector)?,
                Chart::Bars {
                    title,
                    value_label,
                    bars,
                } => BarFigure {
                    title,
                    value_label,
                    bars,
                    size: GRID_CELL,
                }
                .draw(area, vector)?,
            }
        }
        Ok(())
    }
}

/// Several charts in one figure: a grid of `columns` panels per row (filled
/// row by row), each 800×520 px, under a common
/// `title`. Panels use the same drawing as [`lines_with_bands`] and
/// [`bar_with_intervals`]. `out` is the file to write (extension added if
/// missing) or a directory (then `charts.<ext>` in it).
///
/// # Errors
/// [`PlotError::InvalidInput`] if `charts` is empty, `columns` is 0, a
/// line series' vectors differ in length or a bar panel has no bars; I/O or
/// drawing errors.
pub fn chart_grid(
    out: &Path,
    title: &str,
    charts: &[Chart],
    columns: usize,
    format: ImageFormat,
) -> Result<PathBuf, PlotError> {
    if charts.is_empty() || columns == 0 {
        return Err(PlotError::InvalidInput(format!(
            "“{title}” needs at least one chart and one column"
        )));
    }
    for c in charts {
        match c {
            Chart::Lines { title, series, .. } => {
                if series.is_empty() {
                    return Err(PlotError::InvalidInput(format!("no series for “{title}”")));
                }
                for s in series {
                    check_series(s)?;
                }
            }
            Chart::Bars { title, bars, .. } if bars.is_empty() => {
                return Err(PlotError::InvalidInput(format!("no bars for “{title}”")));
            }
            Chart::Bars { .. } => {}
        }
    }
    let fig = GridFigure {
        title,
        charts,
        columns: columns.min(charts.len()),
    };
    let ext = format.extension();
    render(
        &fig,
        &resolve_output(out, &format!("charts.{ext}"), ext),
        format,
    )
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{check_png, check_svg};
    use super::*;

    fn bars() -> Vec<(String, f64, f64, f64)> {
        vec![
            ("MSC dose".into(), 0.62, 0.51, 0.71),
            ("hypoxia tolerance".into(), -0.35, -0.48, -0.2),
            ("M2 polarisation rate".into(), 0.2, 0.05, 0.33),
            ("VEGF secretion".into(), 0.05, f64::NAN, f64::NAN),
        ]
    }

    #[test]
    fn bar_chart() {
        let dir = tempfile::tempdir().unwrap();
        let out = bar_with_intervals(
            &dir.path().join("rank"),
            "Sensitivity of closure at day 28",
            "PRCC",
            &bars(),
            ImageFormat::Png,
        )
        .unwrap();
        assert_eq!(out, dir.path().join("rank.png"));
        check_png(&out, 1000, 320);
        let out = bar_with_intervals(dir.path(), "t", "v", &bars(), ImageFormat::Svg).unwrap();
        check_svg(&out);
        let err = bar_with_intervals(dir.path(), "t", "v", &[], ImageFormat::Png).unwrap_err();
        assert!(matches!(err, PlotError::InvalidInput(_)));
    }

    #[test]
    fn line_chart() {
        let dir = tempfile::tempdir().unwrap();
        let x: Vec<f64> = (0..=28).map(f64::from).collect();
        let mk = |name: &str, k: f64| {
            let mean: Vec<f64> = x.iter().map(|t| 100.0 * (1.0 - (-t / k).exp())).collect();
            Series {
                name: name.into(),
                x: x.clone(),
                lo: mean.iter().map(|m| m - 6.0).collect(),
                hi: mean.iter().map(|m| m + 6.0).collect(),
                mean,
            }
        };
        let mut no_band = mk("control", 30.0);
        no_band.lo.clear();
        no_band.hi.clear();
        let series = vec![mk("MSC topical", 10.0), mk("MSC injected", 15.0), no_band];
        let out = lines_with_bands(
            &dir.path().join("closure.png"),
            "Closure",
            "time (days)",
            "closure (%)",
            &series,
            ImageFormat::Png,
        )
        .unwrap();
        check_png(&out, 1000, 650);
        let out =
            lines_with_bands(dir.path(), "Closure", "t", "c", &series, ImageFormat::Svg).unwrap();
        check_svg(&out);
        let mut bad = series.clone();
        bad[0].hi.pop();
        let err = lines_with_bands(dir.path(), "x", "t", "c", &bad, ImageFormat::Png).unwrap_err();
        assert!(matches!(err, PlotError::InvalidInput(m) if m.contains("MSC topical")));
    }

    #[test]
    fn heatmap() {
        let dir = tempfile::tempdir().unwrap();
        let xs = [1e4, 1e5, 1e6, 1e7];
        let ys = [0.0, 0.25, 0.5];
        let values: Vec<Vec<f64>> = ys
            .iter()
            .map(|y| {
                xs.iter()
                    .map(|x: &f64| x.log10() * 10.0 + y * 40.0)
                    .collect()
            })
            .collect();
        let out = heatmap_2d(
            &dir.path().join("sweep.png"),
            "Closure at day 28",
            "MSC dose (cells)",
            "hypoxia",
            &xs,
            &ys,
            &values,
            "closure (%)",
            ImageFormat::Png,
        )
        .unwrap();
        check_png(&out, HEATMAP_SIZE.0, HEATMAP_SIZE.1);
        let mut holes = values.clone();
        holes[1][2] = f64::NAN;
        let out = heatmap_2d(
            dir.path(),
            "t",
            "x",
            "y",
            &xs,
            &ys,
            &holes,
            "c",
            ImageFormat::Svg,
        )
        .unwrap();
        check_svg(&out);
        let err = heatmap_2d(
            dir.path(),
            "t",
            "x",
            "y",
            &xs,
            &ys[..2],
            &values,
            "c",
            ImageFormat::Png,
        )
        .unwrap_err();
        assert!(matches!(err, PlotError::InvalidInput(_)));
    }

    #[test]
    fn grid_of_lines_and_bars() {
        let dir = tempfile::tempdir().unwrap();
        let x: Vec<f64> = (0..=10).map(f64::from).collect();
        let s = Series {
            name: "a".into(),
            x: x.clone(),
            mean: x.iter().map(|t| t * 2.0).collect(),
            lo: x.iter().map(|t| t * 2.0 - 1.0).collect(),
            hi: x.iter().map(|t| t * 2.0 + 1.0).collect(),
        };
        let lines = Chart::Lines {
            title: "closure".into(),
            x_label: "time (days)".into(),
            y_label: "closure (%)".into(),
            series: vec![s.clone()],
        };
        let charts = vec![
            lines.clone(),
            Chart::Bars {
                title: "healed".into(),
                value_label: "fraction".into(),
                bars: bars(),
            },
            lines,
        ];
        let out = chart_grid(dir.path(), "grid", &charts, 2, ImageFormat::Png).unwrap();
        assert_eq!(out, dir.path().join("charts.png"));
        check_png(&out, 2 * GRID_CELL.0, GRID_TITLE_H + 2 * GRID_CELL.1);
        // The bar labels sit left of the bars inside their own (top-right)
        // cell, not offset by the cell's position.
        let mut reader = png::Decoder::new(std::fs::File::open(&out).unwrap())
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        let spp = info.color_type.samples();
        let dark = |x0: u32, x1: u32, y0: u32, y1: u32| {
            let mut n = 0;
            for y in y0..y1 {
                for x in x0..x1 {
                    let i = (y * info.width + x) as usize * spp;
                    n += (buf[i] < 80 && buf[i + 1] < 80 && buf[i + 2] < 80) as usize;
                }
            }
            n
        };
        let (cx, cy) = (GRID_CELL.0, GRID_TITLE_H);
        assert!(
            dark(cx + 20, cx + 120, cy + 60, cy + 440) > 50,
            "bar labels missing from their cell"
        );
        let out = chart_grid(&dir.path().join("g"), "grid", &charts, 5, ImageFormat::Svg).unwrap();
        check_svg(&out);
        let err = chart_grid(dir.path(), "grid", &[], 2, ImageFormat::Png).unwrap_err();
        assert!(matches!(err, PlotError::InvalidInput(_)));
        let mut bad = s;
        bad.lo.pop();
        let bad = Chart::Lines {
            title: "t".into(),
            x_label: String::new(),
            y_label: String::new(),
            series: vec![bad],
        };
        let err = chart_grid(dir.path(), "grid", &[bad], 1, ImageFormat::Png).unwrap_err();
        assert!(matches!(err, PlotError::InvalidInput(_)));
    }
}
