//! Bars with intervals.

use super::*;

// ---------------------------------------------------------------------------
// Bars with intervals
// ---------------------------------------------------------------------------

/// A value with its interval, `(mean, lo, hi)`.
pub type Estimate = (f64, f64, f64);

/// One row (category) of a grouped bar chart: its label and one [`Estimate`]
/// per series.
pub type BarRow = (String, Vec<Estimate>);

pub(super) struct BarFigure<'a> {
    pub(super) title: &'a str,
    pub(super) value_label: &'a str,
    /// Series names; empty for a single unnamed series coloured by sign.
    pub(super) series: &'a [String],
    pub(super) rows: Vec<BarRow>,
    pub(super) size: (u32, u32),
}

impl BarFigure<'_> {
    pub(super) fn n_series(&self) -> usize {
        self.series.len().max(1)
    }

    pub(super) fn color(&self, series: usize, mean: f64) -> RGBColor {
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
pub(super) fn render_bars(
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
