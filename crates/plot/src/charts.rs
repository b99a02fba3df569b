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

mod bars;
pub use bars::*;
mod lines;
pub use lines::*;
mod heatmap;
pub use heatmap::*;
mod forest;
mod grid;
pub use forest::*;
pub use grid::*;
#[cfg(test)]
mod tests;

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
