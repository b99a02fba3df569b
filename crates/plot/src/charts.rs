//! Generic charts for scenario comparison and sensitivity analysis: bars with
//! intervals, curves with bands and two-factor heat maps.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::{
    anchored, colormap, colormap_rgb, draw_colorbar, draw_line_panel, draw_series_legend,
    finite_range, fmt_axis, fmt_levels, fmt_num, legend_position, normalise, padded_range, render,
    resolve_output, style_mesh, text_style, Figure, ImageFormat, Line, LinePanel, PlotError,
    PxRect, LABEL_PX, NAN_GREY, OI_BLUE, OI_VERMILLION, SERIES_COLORS, TICK_PX, TITLE_PX,
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

/// A value with its interval, `(mean, lo, hi)`.
pub type Estimate = (f64, f64, f64);

/// One row (category) of a grouped bar chart: its label and one [`Estimate`]
/// per series.
pub type BarRow = (String, Vec<Estimate>);

struct BarFigure<'a> {
    title: &'a str,
    value_label: &'a str,
    /// Series names; empty for a single unnamed series coloured by sign.
    series: &'a [String],
    rows: Vec<BarRow>,
    size: (u32, u32),
}

impl BarFigure<'_> {
    fn n_series(&self) -> usize {
        self.series.len().max(1)
    }

    fn color(&self, series: usize, mean: f64) -> RGBColor {
        if self.series.is_empty() {
            if mean >= 0.0 {
                OI_BLUE
            } else {
                OI_VERMILLION
            }
        } else {
            SERIES_COLORS[series % SERIES_COLORS.len()]
        }
    }
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
        let n = self.rows.len();
        let k = self.n_series();
        let values = self
            .rows
            .iter()
            .flat_map(|(_, v)| v.iter().flat_map(|(m, l, h)| [*m, *l, *h]))
            .chain([0.0]);
        let (x0, x1) = padded_range(finite_range(values), 0.05);
        let style = anchored(TICK_PX, HPos::Right, VPos::Center);
        let mut label_w = 0;
        for (label, _) in &self.rows {
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
        // Each row's band, less an inset top and bottom, is shared by its
        // series' bars.
        let inset = (row_px * 0.18).min(12.0) / row_px;
        let slot = (1.0 - 2.0 * inset) / k as f64;
        let cap = (row_px * slot * 0.2).clamp(2.0, 8.0) as i32;
        let whisker = BLACK.stroke_width(2);
        let mut ends = Vec::new();
        for (row, (_, bars)) in self.rows.iter().enumerate() {
            // First row at the top; first series at the top of its row.
            let r = (n - 1 - row) as f64;
            for (s, (mean, lo, hi)) in bars.iter().enumerate().take(k) {
                let top = r + 1.0 - inset - s as f64 * slot;
                let (b0, b1) = (top - slot, top);
                let c = (b0 + b1) / 2.0;
                if mean.is_finite() {
                    let color = self.color(s, *mean);
                    let gap = if k > 1 { slot * 0.08 } else { 0.0 };
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(0.0, b0 + gap), (*mean, b1 - gap)],
                        color.mix(0.85).filled(),
                    )))?;
                    ends.push((normalise(*mean, (x0, x1)), c / n as f64));
                }
                if lo.is_finite() && hi.is_finite() {
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(*lo, c), (*hi, c)],
                        whisker,
                    )))?;
                    for end in [*lo, *hi] {
                        chart.draw_series(std::iter::once(
                            EmptyElement::at((end, c))
                                + PathElement::new(vec![(0, -cap), (0, cap)], whisker),
                        ))?;
                        ends.push((normalise(end, (x0, x1)), c / n as f64));
                    }
                }
            }
        }
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.0), (0.0, n as f64)],
            BLACK.mix(0.7).stroke_width(1),
        )))?;
        if !self.series.is_empty() {
            for (s, name) in self.series.iter().enumerate() {
                let color = self.color(s, 0.0);
                chart
                    .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())?
                    .label(name.as_str())
                    .legend(move |(x, y)| {
                        Rectangle::new([(x, y - 6), (x + 16, y + 6)], color.mix(0.85).filled())
                    });
            }
            draw_series_legend(&mut chart, legend_position(&ends), 24)?;
        }
        // Backend coordinates are absolute; `root` may be part of a larger
        // figure (a chart grid), so place the labels relative to its origin.
        let (bx, by) = root.get_base_pixel();
        let labels: Vec<(String, (i32, i32))> = self
            .rows
            .iter()
            .enumerate()
            .map(|(k, (label, _))| {
                let (x, y) = chart.backend_coord(&(x0, (n - 1 - k) as f64 + 0.5));
                (label.clone(), (x - 8 - bx, y - by))
            })
            .collect();
        draw_category_labels(root, &labels, &style, row_px, false)
    }
}

/// Writes a [`BarFigure`] with one row per category; rows grow taller with
/// the number of series.
fn render_bars(
    out: &Path,
    title: &str,
    value_label: &str,
    series: &[String],
    rows: Vec<BarRow>,
    format: ImageFormat,
) -> Result<PathBuf, PlotError> {
    if rows.is_empty() {
        return Err(PlotError::InvalidInput(format!("no bars for “{title}”")));
    }
    let k = series.len().max(1) as u32;
    let row_h = if k == 1 { 40 } else { 16 + 24 * k };
    let height = (150 + row_h * rows.len() as u32).clamp(320, 4000);
    let fig = BarFigure {
        title,
        value_label,
        series,
        rows,
        size: (1000, height),
    };
    let ext = format.extension();
    render(
        &fig,
        &resolve_output(out, &format!("bars.{ext}"), ext),
        format,
    )
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
    let rows = bars
        .iter()
        .map(|(label, m, l, h)| (label.clone(), vec![(*m, *l, *h)]))
        .collect();
    render_bars(out, title, y_label, &[], rows, format)
}

/// Grouped horizontal bar chart with interval whiskers: one row per
/// `(label, values)` (top to bottom in the given order), and in each row one
/// bar per series, `values[s] = (mean, lo, hi)` for series `s` of
/// `series_names` (Okabe–Ito colours in series order, with a legend). Rows
/// with fewer values than series leave the rest empty; non-finite values
/// skip the bar or whisker. 1000 px wide, growing in height with rows and
/// series. `out` is the file to write (extension added if missing) or a
/// directory (then `bars.<ext>` in it).
///
/// # Errors
/// [`PlotError::InvalidInput`] if `rows` or `series_names` is empty or a
/// row has more values than there are series; I/O or drawing errors.
pub fn grouped_bars_with_intervals(
    out: &Path,
    title: &str,
    value_label: &str,
    series_names: &[String],
    rows: &[BarRow],
    format: ImageFormat,
) -> Result<PathBuf, PlotError> {
    if series_names.is_empty() {
        return Err(PlotError::InvalidInput(format!("no series for “{title}”")));
    }
    if let Some((label, v)) = rows.iter().find(|(_, v)| v.len() > series_names.len()) {
        return Err(PlotError::InvalidInput(format!(
            "bar row “{label}” has {} values for {} series",
            v.len(),
            series_names.len()
        )));
    }
    render_bars(out, title, value_label, series_names, rows.to_vec(), format)
}

// ---------------------------------------------------------------------------
// Lines with bands
// ---------------------------------------------------------------------------

/// How a line chart's x axis places and labels the values.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum XAxis {
    /// A linear axis.
    #[default]
    Linear,
    /// A base-10 logarithmic axis; non-positive values leave gaps.
    Log10,
    /// Equally spaced categories: x values are indices `0, 1, …` into these
    /// labels (e.g. the levels of a sweep factor).
    Levels(Vec<String>),
}

struct LinesFigure<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    series: &'a [Series],
    /// Axis positions of each series' x values.
    positions: Vec<Vec<f64>>,
    x_axis: &'a XAxis,
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
                x: &self.positions[k],
                y: &s.mean,
                band: (!s.lo.is_empty()).then_some((s.lo.as_slice(), s.hi.as_slice())),
                color: SERIES_COLORS[k % SERIES_COLORS.len()],
                secondary: false,
            })
            .collect();
        let panel = LinePanel {
            title: self.title.to_string(),
            x_axis: self.x_axis.clone(),
            x_label: self.x_label.to_string(),
            y_label: self.y_label.to_string(),
            y2_label: String::new(),
            lines,
            y_range: None,
            y2_range: None,
            hline: None,
            y_log: false,
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
/// added if missing) or a directory (then `lines.<ext>` in it). The x axis
/// is linear; see [`lines_with_bands_on`] for others.
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
    lines_with_bands_on(out, title, x_label, y_label, series, &XAxis::Linear, format)
}

/// [`lines_with_bands`] on the given x axis: linear, logarithmic (ticks
/// labelled with the values) or equally spaced labelled levels (each x is
/// an index into the labels).
///
/// # Errors
/// As [`lines_with_bands`]; also [`PlotError::InvalidInput`] if an x value
/// is not a valid index into [`XAxis::Levels`].
pub fn lines_with_bands_on(
    out: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    x_axis: &XAxis,
    format: ImageFormat,
) -> Result<PathBuf, PlotError> {
    if series.is_empty() {
        return Err(PlotError::InvalidInput(format!("no series for “{title}”")));
    }
    for s in series {
        check_series(s)?;
    }
    let positions = series
        .iter()
        .map(|s| x_positions(s, x_axis))
        .collect::<Result<Vec<_>, _>>()?;
    let fig = LinesFigure {
        title,
        x_label,
        y_label,
        series,
        positions,
        x_axis,
    };
    let ext = format.extension();
    render(
        &fig,
        &resolve_output(out, &format!("lines.{ext}"), ext),
        format,
    )
}

/// Positions of a series' x values on `axis`.
fn x_positions(s: &Series, axis: &XAxis) -> Result<Vec<f64>, PlotError> {
    match axis {
        XAxis::Linear => Ok(s.x.clone()),
        XAxis::Log10 => Ok(s
            .x
            .iter()
            .map(|x| if *x > 0.0 { x.log10() } else { f64::NAN })
            .collect()),
        XAxis::Levels(levels) => {
            let bad =
                s.x.iter()
                    .find(|x| !(x.fract() == 0.0 && **x >= 0.0 && (**x as usize) < levels.len()));
            match bad {
                Some(x) => Err(PlotError::InvalidInput(format!(
                    "series “{}”: x = {x} is not an index into {} levels",
                    s.name,
                    levels.len()
                ))),
                None => Ok(s.x.clone()),
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Two-factor heat map
// ---------------------------------------------------------------------------

struct HeatmapFigure<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    x_levels: &'a [String],
    y_levels: &'a [String],
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
        let (nx, ny) = (self.x_levels.len(), self.y_levels.len());
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
        let xl: Vec<(String, (i32, i32))> = self
            .x_levels
            .iter()
            .cloned()
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
        let yl: Vec<(String, (i32, i32))> = self
            .y_levels
            .iter()
            .cloned()
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
    heatmap_2d_labelled(
        out,
        title,
        x_label,
        y_label,
        &fmt_levels(xs),
        &fmt_levels(ys),
        values,
        colorbar_label,
        format,
    )
}

/// [`heatmap_2d`] with the factor levels given as labels (e.g. a product
/// source or a delivery route) instead of numbers: `values[j][i]` is the
/// outcome at `x_levels[i]` and `y_levels[j]`.
///
/// # Errors
/// As [`heatmap_2d`].
#[allow(clippy::too_many_arguments)]
pub fn heatmap_2d_labelled(
    out: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    x_levels: &[String],
    y_levels: &[String],
    values: &[Vec<f64>],
    colorbar_label: &str,
    format: ImageFormat,
) -> Result<PathBuf, PlotError> {
    if x_levels.is_empty() || y_levels.is_empty() {
        return Err(PlotError::InvalidInput(format!(
            "heat map “{title}” needs at least one level per factor"
        )));
    }
    if values.len() != y_levels.len() || values.iter().any(|r| r.len() != x_levels.len()) {
        return Err(PlotError::InvalidInput(format!(
            "heat map “{title}”: values must be {} rows of {} (ys × xs)",
            y_levels.len(),
            x_levels.len()
        )));
    }
    let fig = HeatmapFigure {
        title,
        x_label,
        y_label,
        x_levels,
        y_levels,
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
                    positions: series
                        .iter()
                        .map(|s| x_positions(s, &XAxis::Linear))
                        .collect::<Result<_, _>>()?,
                    x_axis: &XAxis::Linear,
                }
                .draw(area, vector)?,
                Chart::Bars {
                    title,
                    value_label,
                    bars,
                } => BarFigure {
                    title,
                    value_label,
                    series: &[],
                    rows: bars
                        .iter()
                        .map(|(label, m, l, h)| (label.clone(), vec![(*m, *l, *h)]))
                        .collect(),
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
        let sources = ["adipose", "bone_marrow", "cord", "placenta"].map(String::from);
        let routes = ["topical", "hydrogel", "scaffold"].map(String::from);
        let out = heatmap_2d_labelled(
            dir.path(),
            "t",
            "source",
            "route",
            &sources,
            &routes,
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
    fn grouped_bars() {
        let dir = tempfile::tempdir().unwrap();
        let series = vec!["first-order".to_string(), "total".to_string()];
        let rows = vec![
            ("dose".to_string(), vec![(0.5, 0.4, 0.6), (0.7, 0.6, 0.8)]),
            ("perfusion".to_string(), vec![(0.1, f64::NAN, f64::NAN)]),
            (
                "hypoxia".to_string(),
                vec![(-0.02, -0.1, 0.05), (0.2, 0.1, 0.3)],
            ),
        ];
        let out = grouped_bars_with_intervals(
            &dir.path().join("sobol"),
            "Sobol' indices",
            "index",
            &series,
            &rows,
            ImageFormat::Png,
        )
        .unwrap();
        assert_eq!(out, dir.path().join("sobol.png"));
        // Three rows of two bars: 150 + 3 × 64 px.
        check_png(&out, 1000, 342);
        let err = grouped_bars_with_intervals(dir.path(), "t", "v", &[], &rows, ImageFormat::Png)
            .unwrap_err();
        assert!(matches!(err, PlotError::InvalidInput(_)));
        let err = grouped_bars_with_intervals(
            dir.path(),
            "t",
            "v",
            &series[..1],
            &rows,
            ImageFormat::Png,
        )
        .unwrap_err();
        assert!(matches!(err, PlotError::InvalidInput(m) if m.contains("dose")));
    }

    #[test]
    fn line_chart_log_and_levels_axes() {
        let dir = tempfile::tempdir().unwrap();
        let s = Series {
            name: "closure".into(),
            x: vec![1e4, 1e5, 1e6, 1e7],
            mean: vec![10.0, 20.0, 35.0, 40.0],
            lo: vec![8.0, 17.0, 30.0, 36.0],
            hi: vec![12.0, 23.0, 40.0, 44.0],
        };
        let out = lines_with_bands_on(
            &dir.path().join("log"),
            "Closure vs dose",
            "dose (cells)",
            "closure (%)",
            std::slice::from_ref(&s),
            &XAxis::Log10,
            ImageFormat::Png,
        )
        .unwrap();
        check_png(&out, 1000, 650);
        let levels = XAxis::Levels(vec!["adipose".into(), "bone_marrow".into(), "cord".into()]);
        let mut cat = s.clone();
        cat.x = vec![0.0, 1.0, 2.0, 1.0];
        let out = lines_with_bands_on(
            &dir.path().join("levels"),
            "Closure by source",
            "source",
            "closure (%)",
            std::slice::from_ref(&cat),
            &levels,
            ImageFormat::Png,
        )
        .unwrap();
        check_png(&out, 1000, 650);
        cat.x[3] = 3.0;
        let err = lines_with_bands_on(dir.path(), "t", "x", "y", &[cat], &levels, ImageFormat::Png)
            .unwrap_err();
        assert!(matches!(err, PlotError::InvalidInput(m) if m.contains("x = 3")));
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
