//! Lines with bands.

use super::*;

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

pub(super) struct LinesFigure<'a> {
    pub(super) title: &'a str,
    pub(super) x_label: &'a str,
    pub(super) y_label: &'a str,
    pub(super) series: &'a [Series],
    /// Axis positions of each series' x values.
    pub(super) positions: Vec<Vec<f64>>,
    pub(super) x_axis: &'a XAxis,
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
pub(super) fn check_series(s: &Series) -> Result<(), PlotError> {
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
pub(super) fn x_positions(s: &Series, axis: &XAxis) -> Result<Vec<f64>, PlotError> {
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
