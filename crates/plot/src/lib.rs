//! Figures for woundsim runs.
//!
//! Everything here reads the files a run directory holds (`timeseries.csv`,
//! `snapshots/index.json` and the `.npy`/`.csv` files it names) and writes
//! PNG, SVG or GIF files. The public entry points are:
//!
//! * [`plot_timeseries`]: a 3×2 panel time-course figure;
//! * [`plot_fieldmaps`]: one 4-panel heat-map figure per snapshot;
//! * [`plot_sections`]: for a 3D run, the fields in the vertical plane
//!   through the wound centre, one figure per snapshot;
//! * [`animate()`]: an animated GIF of one field over all snapshots;
//! * [`plot_comparison`]: several runs' time courses overlaid;
//! * [`bar_with_intervals`], [`grouped_bars_with_intervals`],
//!   [`lines_with_bands`] (and [`lines_with_bands_on`] for log or
//!   categorical x axes), [`heatmap_2d`] (and [`heatmap_2d_labelled`]):
//!   [`chart_grid`]: generic charts used by sweep reports, cohorts, scenario
//!   comparison and sensitivity analysis.
//!
//! All figures share the style defined here: the Okabe–Ito colour-blind-safe
//! palette for categories, the viridis colour map for continuous values, one
//! embedded font (DejaVu Sans) and the same axis, label and colour-bar helpers.
//! Image files are written atomically: the figure is written to a temporary
//! file beside the target which is then renamed over it.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::chart::{ChartContext, MeshStyle, SeriesLabelPosition};
use plotters::coord::ranged1d::Ranged;
use plotters::coord::{CoordTranslate, Shift};
use plotters::drawing::DrawingAreaErrorKind;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, FontTransform};

mod animate;

// Atomic writes of figure files come from the run-directory crate.
use woundsim_io::output;
mod charts;
mod compare;
mod fieldmap;
mod timeseries;

pub use self::animate::animate;
pub use self::charts::{
    bar_with_intervals, chart_grid, forest_plot, grouped_bars_with_intervals, heatmap_2d,
    heatmap_2d_labelled, lines_with_bands, lines_with_bands_on, BarRow, Chart, Estimate, Series,
    XAxis,
};
pub use self::compare::{plot_comparison, COMPARE_COLUMNS, COMPARE_MAX_PANELS};
pub use self::fieldmap::safe_tag;
pub use self::fieldmap::{plot_fieldmaps, plot_fieldmaps_of, plot_sections, FIELDMAP_FIELDS};
pub use self::timeseries::{plot_timeseries, plot_timeseries_scaled};

mod style;
pub use style::*;
mod files;
use files::*;
mod draw;
use draw::*;
mod panel;
use panel::*;
#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod testutil;

// ---------------------------------------------------------------------------
// Errors and formats
// ---------------------------------------------------------------------------

/// Everything that can go wrong while reading a run directory or writing a
/// figure. Variants that concern a file carry its path.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// A file the figure needs does not exist.
    #[error("file not found: {}", path.display())]
    Missing {
        /// The missing file.
        path: PathBuf,
    },
    /// Reading or writing a file failed.
    #[error("I/O error on {}: {source}", path.display())]
    Io {
        /// The file being read or written.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A CSV file could not be parsed.
    #[error("cannot parse CSV {}: {source}", path.display())]
    Csv {
        /// The CSV file.
        path: PathBuf,
        /// The underlying error.
        source: csv::Error,
    },
    /// A JSON file could not be parsed.
    #[error("cannot parse JSON {}: {source}", path.display())]
    Json {
        /// The JSON file.
        path: PathBuf,
        /// The underlying error.
        source: serde_json::Error,
    },
    /// A `.npy` array could not be read (bad header, dtype or truncated data).
    #[error("cannot read array {}: {message}", path.display())]
    Npy {
        /// The `.npy` file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A file was readable but its content is not what a run directory holds
    /// (wrong array shape, missing required column, ...).
    #[error("invalid data in {}: {message}", path.display())]
    Data {
        /// The offending file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// There is nothing to plot (no rows, no snapshots, unknown field, ...).
    #[error("nothing to plot: {0}")]
    NoData(String),
    /// The arguments of a chart function are inconsistent.
    #[error("invalid plot input: {0}")]
    InvalidInput(String),
    /// The drawing library reported an error.
    #[error("drawing failed: {0}")]
    Draw(String),
    /// Encoding the animated GIF failed.
    #[error("cannot encode GIF {}: {message}", path.display())]
    Gif {
        /// The GIF being written.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

impl PlotError {
    /// True when the error is about the files or arguments given (a missing
    /// or malformed run directory, nothing to plot, inconsistent chart
    /// input) rather than a failure to draw or write the figure.
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            PlotError::Missing { .. }
                | PlotError::Csv { .. }
                | PlotError::Json { .. }
                | PlotError::Npy { .. }
                | PlotError::Data { .. }
                | PlotError::NoData(_)
                | PlotError::InvalidInput(_)
        )
    }
}

impl From<PlotError> for woundsim_core::error::Error {
    fn from(e: PlotError) -> Self {
        let input = e.is_input();
        woundsim_core::error::Error::Plot {
            source: Box::new(e),
            input,
        }
    }
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for PlotError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        PlotError::Draw(e.to_string())
    }
}

/// Output format of a static figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImageFormat {
    /// Raster image (PNG).
    #[default]
    Png,
    /// Vector image (SVG); heat maps inside are drawn as merged rectangles at
    /// a reduced resolution.
    Svg,
}

impl ImageFormat {
    /// The file extension of this format, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Svg => "svg",
        }
    }

    /// The format whose extension is `ext` (case-insensitive), if any.
    pub fn from_extension(ext: &str) -> Option<Self> {
        match ext.to_ascii_lowercase().as_str() {
            "png" => Some(ImageFormat::Png),
            "svg" => Some(ImageFormat::Svg),
            _ => None,
        }
    }
}
