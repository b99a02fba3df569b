//! Grids of charts.

use super::*;

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

pub(super) const GRID_CELL: (u32, u32) = (800, 520);
pub(super) const GRID_TITLE_H: u32 = 48;

pub(super) struct GridFigure<'a> {
    pub(super) title: &'a str,
    pub(super) charts: &'a [Chart],
    pub(super) columns: usize,
}

impl GridFigure<'_> {
    pub(super) fn rows(&self) -> usize {
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
        crate::draw_figure_title(&head, self.title, GRID_TITLE_H)?;
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
