//! Figures for woundsim runs.
//!
//! Everything here reads the files a run directory holds (`timeseries.csv`,
//! `snapshots/index.json` and the `.npy`/`.csv` files it names) and writes
//! PNG, SVG or GIF files. The public entry points are:
//!
//! * [`plot_timeseries`]: a 3×2 panel time-course figure;
//! * [`plot_fieldmaps`]: one 4-panel heat-map figure per snapshot;
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
    bar_with_intervals, chart_grid, grouped_bars_with_intervals, heatmap_2d, heatmap_2d_labelled,
    lines_with_bands, lines_with_bands_on, BarRow, Chart, Estimate, Series, XAxis,
};
pub use self::compare::{plot_comparison, COMPARE_COLUMNS, COMPARE_MAX_PANELS};
pub use self::fieldmap::safe_tag;
pub use self::fieldmap::{plot_fieldmaps, plot_fieldmaps_of, FIELDMAP_FIELDS};
pub use self::timeseries::{plot_timeseries, plot_timeseries_scaled};

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

// ---------------------------------------------------------------------------
// Palette and colour map
// ---------------------------------------------------------------------------

/// Okabe–Ito black.
pub const OI_BLACK: RGBColor = RGBColor(0, 0, 0);
/// Okabe–Ito orange.
pub const OI_ORANGE: RGBColor = RGBColor(230, 159, 0);
/// Okabe–Ito sky blue.
pub const OI_SKY_BLUE: RGBColor = RGBColor(86, 180, 233);
/// Okabe–Ito bluish green.
pub const OI_BLUISH_GREEN: RGBColor = RGBColor(0, 158, 115);
/// Okabe–Ito yellow.
pub const OI_YELLOW: RGBColor = RGBColor(240, 228, 66);
/// Okabe–Ito blue.
pub const OI_BLUE: RGBColor = RGBColor(0, 114, 178);
/// Okabe–Ito vermillion.
pub const OI_VERMILLION: RGBColor = RGBColor(213, 94, 0);
/// Okabe–Ito reddish purple.
pub const OI_REDDISH_PURPLE: RGBColor = RGBColor(204, 121, 167);

/// The full Okabe–Ito colour-blind-safe palette, in its customary order.
pub const OKABE_ITO: [RGBColor; 8] = [
    OI_BLACK,
    OI_ORANGE,
    OI_SKY_BLUE,
    OI_BLUISH_GREEN,
    OI_YELLOW,
    OI_BLUE,
    OI_VERMILLION,
    OI_REDDISH_PURPLE,
];

/// Okabe–Ito colours in the order used for successive lines on a white
/// background (the low-contrast yellow comes last).
pub const SERIES_COLORS: [RGBColor; 8] = [
    OI_BLUE,
    OI_VERMILLION,
    OI_BLUISH_GREEN,
    OI_ORANGE,
    OI_REDDISH_PURPLE,
    OI_SKY_BLUE,
    OI_BLACK,
    OI_YELLOW,
];

/// Neutral grey for "inactive" categories (dead cells, reference lines).
pub const NEUTRAL_GREY: RGBColor = RGBColor(140, 140, 140);

/// Colour used for missing (NaN) values in heat maps.
pub const NAN_GREY: RGBColor = RGBColor(205, 205, 205);

/// Viridis sampled at 33 evenly spaced points (matplotlib's table, CC0);
/// intermediate values are linearly interpolated.
const VIRIDIS: [[u8; 3]; 33] = [
    [68, 1, 84],
    [71, 13, 96],
    [72, 24, 106],
    [72, 35, 116],
    [71, 45, 123],
    [69, 55, 129],
    [66, 64, 134],
    [62, 73, 137],
    [59, 82, 139],
    [55, 91, 141],
    [51, 99, 141],
    [47, 107, 142],
    [44, 114, 142],
    [41, 122, 142],
    [38, 130, 142],
    [35, 137, 142],
    [33, 145, 140],
    [31, 151, 139],
    [31, 159, 136],
    [33, 166, 133],
    [39, 173, 129],
    [49, 181, 123],
    [61, 188, 116],
    [76, 194, 108],
    [92, 200, 99],
    [110, 206, 88],
    [129, 211, 77],
    [149, 216, 64],
    [170, 220, 50],
    [192, 223, 37],
    [213, 226, 26],
    [234, 229, 26],
    [253, 231, 37],
];

/// Perceptually uniform colour map (viridis): `t` in `[0, 1]` (clamped) to a
/// colour; a non-finite `t` gives [`NAN_GREY`].
pub fn colormap(t: f64) -> RGBColor {
    let [r, g, b] = colormap_rgb(t);
    RGBColor(r, g, b)
}

pub(crate) fn colormap_rgb(t: f64) -> [u8; 3] {
    if !t.is_finite() {
        return rgb(NAN_GREY);
    }
    let s = t.clamp(0.0, 1.0) * (VIRIDIS.len() - 1) as f64;
    let i = (s.floor() as usize).min(VIRIDIS.len() - 2);
    let f = s - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |k: usize| (a[k] as f64 + (b[k] as f64 - a[k] as f64) * f).round() as u8;
    [mix(0), mix(1), mix(2)]
}

pub(crate) fn rgb(c: RGBColor) -> [u8; 3] {
    [c.0, c.1, c.2]
}

/// Position of `v` in `range` as a fraction (not clamped).
pub(crate) fn normalise(v: f64, range: (f64, f64)) -> f64 {
    (v - range.0) / (range.1 - range.0)
}

// ---------------------------------------------------------------------------
// Fonts and text
// ---------------------------------------------------------------------------

static FONT_BYTES: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/fonts/DejaVuSans.ttf"
));
static FONT_ONCE: Once = Once::new();

/// The font family every figure uses (registered from the embedded font).
pub(crate) const FONT_FAMILY: &str = "sans-serif";
pub(crate) const TITLE_PX: f64 = 22.0;
pub(crate) const LABEL_PX: f64 = 17.0;
pub(crate) const TICK_PX: f64 = 14.0;
pub(crate) const SMALL_PX: f64 = 13.0;

/// Registers the embedded DejaVu Sans as "sans-serif" (once per process).
pub(crate) fn ensure_fonts() {
    FONT_ONCE.call_once(|| {
        // The font is embedded and known to parse; a failure would only mean
        // text is not drawn, which the tests would catch.
        let _ = plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT_BYTES);
    });
}

/// Black text of `px` pixels in the shared font.
pub(crate) fn text_style<'a>(px: f64) -> TextStyle<'a> {
    TextStyle::from((FONT_FAMILY, px).into_font()).color(&BLACK)
}

/// Text style anchored at the given position of its bounding box.
pub(crate) fn anchored<'a>(px: f64, h: HPos, v: VPos) -> TextStyle<'a> {
    text_style(px).pos(Pos::new(h, v))
}

/// Compact number formatting for tick and colour-bar labels.
pub(crate) fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let a = v.abs();
    if !(1e-3..1e5).contains(&a) {
        let s = format!("{v:.1e}");
        return s.replace(".0e", "e");
    }
    let decimals = (3 - a.log10().floor() as i32 - 1).clamp(0, 4) as usize;
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" {
        "0".to_string()
    } else {
        s
    }
}

/// Tick label for `v` on an axis spanning `span`: rounding noise around zero
/// (e.g. `-5.6e-17`) prints as "0".
pub(crate) fn fmt_axis(v: f64, span: f64) -> String {
    if v.abs() <= span.abs() * 1e-9 {
        "0".to_string()
    } else {
        fmt_num(v)
    }
}

/// Labels for a set of factor levels, all in the same notation: scientific
/// for every level if any one needs it, [`fmt_num`] otherwise.
pub fn fmt_levels(levels: &[f64]) -> Vec<String> {
    let sci = levels
        .iter()
        .any(|v| v.is_finite() && *v != 0.0 && !(1e-3..1e5).contains(&v.abs()));
    levels
        .iter()
        .map(|v| {
            if sci && v.is_finite() && *v != 0.0 {
                let s = format!("{v:.2e}");
                let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
                let m = m.trim_end_matches('0').trim_end_matches('.');
                format!("{m}e{e}")
            } else {
                fmt_num(*v)
            }
        })
        .collect()
}

/// "7" for day 7.0, "7.5" for day 7.5.
pub(crate) fn fmt_day(day: f64) -> String {
    let s = format!("{day:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Human-readable name of a simulated field ("il10" → "IL-10").
pub(crate) fn field_display_name(field: &str) -> String {
    match field.to_ascii_lowercase().as_str() {
        "oxygen" | "o2" => "O₂".to_string(),
        "vegf" => "VEGF".to_string(),
        "il10" => "IL-10".to_string(),
        "tnf" => "TNF-α".to_string(),
        "tgfb" => "TGF-β".to_string(),
        _ => field.to_uppercase(),
    }
}

/// Units a field is assumed to have when the snapshot index does not say.
pub(crate) fn default_units(field: &str) -> &'static str {
    match field.to_ascii_lowercase().as_str() {
        "oxygen" | "o2" => "mmHg",
        _ => "ng/mL",
    }
}

// ---------------------------------------------------------------------------
// Ranges and ticks
// ---------------------------------------------------------------------------

/// Min and max of the finite values, if there are any.
pub(crate) fn finite_range(vals: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    vals.into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// A usable axis range: widens degenerate ranges, pads by `pad` of the span.
pub(crate) fn padded_range(r: Option<(f64, f64)>, pad: f64) -> (f64, f64) {
    let (lo, hi) = r.unwrap_or((0.0, 1.0));
    let (lo, hi) = widen(lo, hi);
    let d = (hi - lo) * pad;
    (lo - d, hi + d)
}

/// Makes `lo < hi` for a degenerate range.
pub(crate) fn widen(lo: f64, hi: f64) -> (f64, f64) {
    if hi > lo {
        (lo, hi)
    } else if lo == 0.0 {
        (0.0, 1.0)
    } else {
        let d = lo.abs() * 0.1;
        (lo - d, hi + d)
    }
}

/// About `target` "nice" tick values (1, 2, 2.5, 5 × 10^k steps) within
/// `[lo, hi]`.
pub(crate) fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![lo];
    }
    let raw = (hi - lo) / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let k0 = (lo / step - 1e-9).ceil() as i64;
    let k1 = (hi / step + 1e-9).floor() as i64;
    (k0..=k1).map(|k| k as f64 * step).collect()
}

// ---------------------------------------------------------------------------
// Output files
// ---------------------------------------------------------------------------

/// Where to write: `out` itself, `out/<default_name>` if `out` is a directory,
/// with `.ext` appended when `out` lacks the right extension.
pub(crate) fn resolve_output(out: &Path, default_name: &str, ext: &str) -> PathBuf {
    let path = if out.is_dir() {
        out.join(default_name)
    } else {
        out.to_path_buf()
    };
    let ok = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(ext));
    if ok {
        path
    } else {
        let mut s = path.into_os_string();
        s.push(".");
        s.push(ext);
        PathBuf::from(s)
    }
}

pub(crate) fn ensure_parent(path: &Path) -> Result<(), PlotError> {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => create_dir(p),
        _ => Ok(()),
    }
}

pub(crate) fn create_dir(dir: &Path) -> Result<(), PlotError> {
    fs::create_dir_all(dir).map_err(|source| PlotError::Io {
        path: dir.to_path_buf(),
        source,
    })
}

/// Creates the file that will be renamed onto `target` once complete
/// (see [`crate::output::AtomicFile`]: created exclusively, never through an
/// existing name, removed if dropped uncommitted).
pub(crate) fn create_atomic(target: &Path) -> Result<crate::output::AtomicFile, PlotError> {
    crate::output::AtomicFile::create(target).map_err(|source| PlotError::Io {
        path: target.to_path_buf(),
        source,
    })
}

/// Commits a finished [`crate::output::AtomicFile`] onto its target.
pub(crate) fn commit(file: crate::output::AtomicFile, target: &Path) -> Result<PathBuf, PlotError> {
    file.commit().map_err(|source| PlotError::Io {
        path: target.to_path_buf(),
        source,
    })?;
    Ok(target.to_path_buf())
}

/// Maps a failed open/read to [`PlotError::Missing`] or [`PlotError::Io`].
pub(crate) fn io_err(path: &Path, source: io::Error) -> PlotError {
    if source.kind() == io::ErrorKind::NotFound {
        PlotError::Missing {
            path: path.to_path_buf(),
        }
    } else {
        PlotError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Fails with [`PlotError::Missing`] unless `path` is an existing file.
pub(crate) fn require_file(path: &Path) -> Result<(), PlotError> {
    if path.is_file() {
        Ok(())
    } else {
        Err(PlotError::Missing {
            path: path.to_path_buf(),
        })
    }
}

/// A figure that can be drawn on any plotters backend.
pub(crate) trait Figure {
    /// Pixel size of the whole figure.
    fn size(&self) -> (u32, u32);
    /// Draws the figure on a white root area. `vector` is true for SVG, where
    /// rasters are drawn as rectangles.
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        vector: bool,
    ) -> Result<(), PlotError>;
}

/// Renders `fig` to `out` in `format`, atomically.
pub(crate) fn render<F: Figure>(
    fig: &F,
    out: &Path,
    format: ImageFormat,
) -> Result<PathBuf, PlotError> {
    ensure_fonts();
    ensure_parent(out)?;
    let mut file = create_atomic(out)?;
    match format {
        ImageFormat::Png => render_png(fig, &mut file, out)?,
        ImageFormat::Svg => render_svg(fig, &mut file, out)?,
    }
    commit(file, out)
}

fn render_png<F: Figure>(fig: &F, file: &mut impl io::Write, path: &Path) -> Result<(), PlotError> {
    let (w, h) = fig.size();
    let mut rgb = vec![255u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&WHITE)?;
        fig.draw(&root, false)?;
        root.present()?;
    }
    write_png(file, path, w, h, &rgb)
}

/// Writes an RGB image as PNG with the best compression and no row
/// filter, which suits figures (flat colours, lines, text, smooth maps)
/// best: about a quarter of the size of the drawing library's own PNGs.
/// `path` names the file in errors.
pub(crate) fn write_png(
    file: &mut impl io::Write,
    path: &Path,
    w: u32,
    h: u32,
    rgb: &[u8],
) -> Result<(), PlotError> {
    let io = |source: io::Error| PlotError::Io {
        path: path.to_path_buf(),
        source,
    };
    let enc_err = |e: png::EncodingError| match e {
        png::EncodingError::IoError(source) => io(source),
        other => PlotError::Draw(format!("PNG encoding: {other}")),
    };
    let mut buf = io::BufWriter::new(file);
    let mut enc = png::Encoder::new(&mut buf, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Best);
    enc.set_filter(png::FilterType::NoFilter);
    let mut writer = enc.write_header().map_err(enc_err)?;
    writer.write_image_data(rgb).map_err(enc_err)?;
    writer.finish().map_err(enc_err)?;
    io::Write::flush(&mut buf).map_err(io)?;
    Ok(())
}

fn render_svg<F: Figure>(fig: &F, file: &mut impl io::Write, path: &Path) -> Result<(), PlotError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, fig.size()).into_drawing_area();
        root.fill(&WHITE)?;
        fig.draw(&root, true)?;
        root.present()?;
    }
    file.write_all(svg.as_bytes())
        .map_err(|source| PlotError::Io {
            path: path.to_path_buf(),
            source,
        })
}

// ---------------------------------------------------------------------------
// Pixel-level helpers: rasters, colour bars, text boxes
// ---------------------------------------------------------------------------

/// A rectangle in backend pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PxRect {
    pub x: i32,
    pub y: i32,
    pub w: u32,
    pub h: u32,
}

impl PxRect {
    pub fn right(&self) -> i32 {
        self.x + self.w as i32
    }
    pub fn bottom(&self) -> i32 {
        self.y + self.h as i32
    }
}

/// An RGB image held in memory, row-major from the top.
#[derive(Debug, Clone)]
pub(crate) struct Raster {
    pub w: usize,
    pub h: usize,
    pub rgb: Vec<u8>,
}

impl Raster {
    pub fn new(w: usize, h: usize) -> Self {
        Raster {
            w,
            h,
            rgb: vec![255; w * h * 3],
        }
    }
    pub fn set(&mut self, x: usize, y: usize, c: [u8; 3]) {
        let k = (y * self.w + x) * 3;
        self.rgb[k..k + 3].copy_from_slice(&c);
    }
    pub fn get(&self, x: usize, y: usize) -> [u8; 3] {
        let k = (y * self.w + x) * 3;
        [self.rgb[k], self.rgb[k + 1], self.rgb[k + 2]]
    }
    /// Nearest-neighbour resampling to `w`×`h`.
    pub fn resized(&self, w: usize, h: usize) -> Raster {
        if w == self.w && h == self.h {
            return self.clone();
        }
        let mut out = Raster::new(w, h);
        for y in 0..h {
            let sy = (y * self.h / h.max(1)).min(self.h - 1);
            for x in 0..w {
                let sx = (x * self.w / w.max(1)).min(self.w - 1);
                out.set(x, y, self.get(sx, sy));
            }
        }
        out
    }
}

/// Draws `raster` stretched over `rect`: a bitmap blit on raster backends,
/// rows of merged rectangles on vector backends.
pub(crate) fn draw_raster<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rect: PxRect,
    raster: &Raster,
    vector: bool,
) -> Result<(), PlotError> {
    if raster.w == 0 || raster.h == 0 || rect.w == 0 || rect.h == 0 {
        return Ok(());
    }
    if !vector {
        let img = raster.resized(rect.w as usize, rect.h as usize);
        let elem = BitMapElement::with_owned_buffer((rect.x, rect.y), (rect.w, rect.h), img.rgb)
            .ok_or_else(|| PlotError::Draw("raster buffer has the wrong size".into()))?;
        root.draw(&elem)?;
        return Ok(());
    }
    let (rw, rh) = (raster.w as i64, raster.h as i64);
    let (dw, dh) = (rect.w as i64, rect.h as i64);
    for row in 0..raster.h {
        let y0 = rect.y + (row as i64 * dh / rh) as i32;
        let y1 = rect.y + ((row as i64 + 1) * dh / rh) as i32;
        let mut start = 0;
        while start < raster.w {
            let c = raster.get(start, row);
            let mut end = start + 1;
            while end < raster.w && raster.get(end, row) == c {
                end += 1;
            }
            let x0 = rect.x + (start as i64 * dw / rw) as i32;
            let x1 = rect.x + (end as i64 * dw / rw) as i32;
            root.draw(&Rectangle::new(
                [(x0, y0), (x1, y1)],
                RGBColor(c[0], c[1], c[2]).filled(),
            ))?;
            start = end;
        }
    }
    Ok(())
}

/// A vertical viridis colour bar in `bar` (max at the top) with ticks, tick
/// labels and a rotated `label` to its right. Returns the right edge used.
pub(crate) fn draw_colorbar<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    bar: PxRect,
    range: (f64, f64),
    label: &str,
    tick_px: f64,
    vector: bool,
) -> Result<i32, PlotError> {
    let rows = if vector {
        (bar.h as usize).min(96)
    } else {
        bar.h as usize
    };
    let mut ramp = Raster::new(1, rows.max(1));
    for r in 0..ramp.h {
        let t = 1.0 - (r as f64 + 0.5) / ramp.h as f64;
        ramp.set(0, r, colormap_rgb(t));
    }
    draw_raster(root, bar, &ramp, vector)?;
    root.draw(&Rectangle::new(
        [(bar.x, bar.y), (bar.right(), bar.bottom())],
        BLACK.stroke_width(1),
    ))?;
    let (lo, hi) = range;
    let style = anchored(tick_px, HPos::Left, VPos::Center);
    let mut max_w = 0u32;
    for t in nice_ticks(lo, hi, 5) {
        let y = bar.bottom() - (normalise(t, range) * bar.h as f64).round() as i32;
        root.draw(&PathElement::new(
            vec![(bar.right(), y), (bar.right() + 4, y)],
            BLACK.stroke_width(1),
        ))?;
        let s = fmt_num(t);
        let (w, _) = root.estimate_text_size(&s, &style)?;
        max_w = max_w.max(w);
        root.draw(&Text::new(s, (bar.right() + 7, y), style.clone()))?;
    }
    let lx = bar.right() + 7 + max_w as i32 + (tick_px * 0.9) as i32;
    let lstyle = anchored(tick_px, HPos::Center, VPos::Center).transform(FontTransform::Rotate270);
    root.draw(&Text::new(
        label.to_string(),
        (lx, bar.y + bar.h as i32 / 2),
        lstyle,
    ))?;
    Ok(lx + (tick_px * 0.7) as i32)
}

/// Text in an opaque white box with a thin border; `at` is the box's top-left
/// corner. Returns the box size.
pub(crate) fn draw_text_box<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    at: (i32, i32),
    px: f64,
) -> Result<(u32, u32), PlotError> {
    let style = anchored(px, HPos::Left, VPos::Center);
    let (w, _) = root.estimate_text_size(text, &style)?;
    let pad = (px * 0.35).round() as i32;
    let bw = w as i32 + 2 * pad;
    let bh = (px * 1.3).round() as i32;
    root.draw(&Rectangle::new(
        [at, (at.0 + bw, at.1 + bh)],
        WHITE.filled(),
    ))?;
    root.draw(&Rectangle::new(
        [at, (at.0 + bw, at.1 + bh)],
        BLACK.mix(0.6).stroke_width(1),
    ))?;
    root.draw(&Text::new(
        text.to_string(),
        (at.0 + pad, at.1 + bh / 2),
        style,
    ))?;
    Ok((bw as u32, bh as u32))
}

/// Applies the shared axis style (fonts, grid and axis colours, labels).
pub(crate) fn style_mesh<'a, 'b, X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &mut MeshStyle<'a, 'b, X, Y, DB>,
    x_desc: &str,
    y_desc: &str,
) {
    mesh.x_desc(x_desc)
        .y_desc(y_desc)
        .axis_desc_style(text_style(LABEL_PX))
        .label_style(text_style(TICK_PX))
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(BLACK.mix(0.04))
        .axis_style(BLACK.mix(0.8));
}

/// Draws a centred figure title in the top `h` pixels of `root`.
pub(crate) fn draw_figure_title<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    h: u32,
) -> Result<(), PlotError> {
    let (w, _) = root.dim_in_pixel();
    root.draw(&Text::new(
        title.to_string(),
        ((w / 2) as i32, (h / 2) as i32),
        anchored(TITLE_PX + 2.0, HPos::Center, VPos::Center),
    ))?;
    Ok(())
}

/// Draws a centred `title` in the top `title_h` pixels of `root` and splits
/// the rest into a grid of `rows`×`cols` equal panels (row by row).
pub(crate) fn titled_grid<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    title_h: u32,
    (rows, cols): (usize, usize),
) -> Result<Vec<DrawingArea<DB, Shift>>, PlotError> {
    let (head, body) = root.split_vertically(title_h);
    draw_figure_title(&head, title, title_h)?;
    Ok(body.split_evenly((rows, cols)))
}

/// Centred "no data" message for an empty panel, under its title.
pub(crate) fn draw_empty_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    message: &str,
) -> Result<(), PlotError> {
    let (w, h) = area.dim_in_pixel();
    area.draw(&Text::new(
        title.to_string(),
        ((w / 2) as i32, 20),
        anchored(TITLE_PX, HPos::Center, VPos::Center),
    ))?;
    area.draw(&Text::new(
        message.to_string(),
        ((w / 2) as i32, (h / 2) as i32),
        anchored(LABEL_PX, HPos::Center, VPos::Center).color(&NEUTRAL_GREY),
    ))?;
    Ok(())
}

/// Draws the series legend of `chart` (entries `legend_area` pixels wide)
/// at `position` in the shared style: small text on a translucent white box.
pub(crate) fn draw_series_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
    legend_area: u32,
) -> Result<(), PlotError> {
    chart
        .configure_series_labels()
        .position(position)
        .margin(8)
        .legend_area_size(legend_area)
        .background_style(WHITE.mix(0.88))
        .border_style(BLACK.mix(0.4))
        .label_font(text_style(SMALL_PX))
        .draw()?;
    Ok(())
}

/// The plot corner with the fewest data points, for the legend.
/// `pts` are in normalised plot coordinates (0..1, y up).
pub(crate) fn legend_position(pts: &[(f64, f64)]) -> SeriesLabelPosition {
    let corners = [
        (SeriesLabelPosition::UpperRight, 0.5, 1.0, 0.6, 1.0),
        (SeriesLabelPosition::UpperLeft, 0.0, 0.5, 0.6, 1.0),
        (SeriesLabelPosition::LowerRight, 0.5, 1.0, 0.0, 0.4),
        (SeriesLabelPosition::LowerLeft, 0.0, 0.5, 0.0, 0.4),
    ];
    let count = |x0: f64, x1: f64, y0: f64, y1: f64| {
        pts.iter()
            .filter(|(x, y)| *x >= x0 && *x <= x1 && *y >= y0 && *y <= y1)
            .count()
    };
    let mut best = (usize::MAX, SeriesLabelPosition::UpperRight);
    for (pos, x0, x1, y0, y1) in corners {
        let n = count(x0, x1, y0, y1);
        if n < best.0 {
            best = (n, pos);
        }
    }
    best.1
}

// ---------------------------------------------------------------------------
// Line panels (time series, outcome curves)
// ---------------------------------------------------------------------------

/// One curve of a [`LinePanel`].
pub(crate) struct Line<'a> {
    pub name: String,
    pub x: &'a [f64],
    pub y: &'a [f64],
    /// Lower and upper band limits, same length as `x`.
    pub band: Option<(&'a [f64], &'a [f64])>,
    pub color: RGBColor,
    /// Plotted against the right axis (drawn dashed).
    pub secondary: bool,
}

/// A titled line chart with optional right axis and reference line.
pub(crate) struct LinePanel<'a> {
    pub title: String,
    /// How x positions are scaled and labelled; the `x` of every line is
    /// already a position on this axis (log₁₀ of the value for
    /// [`XAxis::Log10`], the level index for [`XAxis::Levels`]).
    pub x_axis: XAxis,
    pub x_label: String,
    pub y_label: String,
    pub y2_label: String,
    pub lines: Vec<Line<'a>>,
    /// Range the left axis covers at least.
    pub y_range: Option<(f64, f64)>,
    /// Range the right axis covers at least.
    pub y2_range: Option<(f64, f64)>,
    /// A dashed grey horizontal reference line on the left axis, with its
    /// legend name.
    pub hline: Option<(f64, String)>,
    /// The left axis is logarithmic: the `y` of every primary line (and the
    /// `hline` value) is already log₁₀ of the value, and ticks are labelled
    /// with the values themselves.
    pub y_log: bool,
}

fn finite_points<'a>(line: &'a Line<'a>) -> impl Iterator<Item = (f64, f64)> + 'a {
    line.x
        .iter()
        .zip(line.y)
        .map(|(x, y)| (*x, *y))
        .filter(|(x, y)| x.is_finite() && y.is_finite())
}

/// Runs of consecutive finite points (NaN breaks a line).
fn segments(x: &[f64], y: &[f64]) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for (a, b) in x.iter().zip(y) {
        if a.is_finite() && b.is_finite() {
            cur.push((*a, *b));
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Axis range covering `base` (if any) and the data; only the ends set by the
/// data are padded, so a base of `(0, 0)` means "start exactly at zero".
fn axis_range(base: Option<(f64, f64)>, data: Option<(f64, f64)>) -> (f64, f64) {
    let Some((b0, b1)) = base else {
        return padded_range(data, 0.06);
    };
    let (d0, d1) = data.unwrap_or((b0, b1));
    let (lo, hi) = widen(b0.min(d0), b1.max(d1));
    let pad = (hi - lo) * 0.05;
    (
        if lo < b0 { lo - pad } else { lo },
        if hi > b1 { hi + pad } else { hi },
    )
}

/// Draws a [`LinePanel`] filling `area`.
pub(crate) fn draw_line_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: &LinePanel<'_>,
) -> Result<(), PlotError> {
    let xr = finite_range(
        p.lines
            .iter()
            .flat_map(|l| finite_points(l).map(|(x, _)| x)),
    );
    let Some((xa, xb)) = xr else {
        return draw_empty_panel(area, &p.title, "no data");
    };
    let (x0, x1) = match &p.x_axis {
        XAxis::Linear => widen(xa, xb),
        XAxis::Log10 => padded_range(Some((xa, xb)), 0.04),
        XAxis::Levels(levels) => (-0.5, levels.len().max(1) as f64 - 0.5),
    };
    let side_values = |secondary: bool| {
        let mut v: Vec<f64> = Vec::new();
        for l in p.lines.iter().filter(|l| l.secondary == secondary) {
            v.extend(finite_points(l).map(|(_, y)| y));
            if let Some((lo, hi)) = l.band {
                v.extend(lo.iter().chain(hi.iter()).copied());
            }
        }
        finite_range(v)
    };
    let mut prim_data = side_values(false);
    if let Some((v, _)) = &p.hline {
        prim_data = finite_range(prim_data.into_iter().flat_map(|(a, b)| [a, b]).chain([*v]));
    }
    let (y0, y1) = axis_range(p.y_range, prim_data);
    let has_sec = p.lines.iter().any(|l| l.secondary);
    let (s0, s1) = axis_range(p.y2_range, side_values(true));

    let mut chart = ChartBuilder::on(area)
        .caption(&p.title, text_style(TITLE_PX))
        .margin(10)
        .x_label_area_size(50)
        .y_label_area_size(74)
        .right_y_label_area_size(if has_sec { 74 } else { 0 })
        .build_cartesian_2d(x0..x1, y0..y1)?
        .set_secondary_coord(x0..x1, s0..s1);
    let fx = |v: &f64| match &p.x_axis {
        XAxis::Linear => fmt_axis(*v, x1 - x0),
        XAxis::Log10 => fmt_num(10f64.powf(*v)),
        XAxis::Levels(levels) => {
            let k = v.round();
            if (v - k).abs() < 1e-6 && k >= 0.0 {
                levels.get(k as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        }
    };
    let fy = |v: &f64| {
        if p.y_log {
            fmt_num(10f64.powf(*v))
        } else {
            fmt_axis(*v, y1 - y0)
        }
    };
    let fs = |v: &f64| fmt_axis(*v, s1 - s0);
    {
        let mut mesh = chart.configure_mesh();
        style_mesh(&mut mesh, &p.x_label, &p.y_label);
        match &p.x_axis {
            XAxis::Levels(levels) => {
                mesh.x_labels(levels.len().clamp(1, 12) + 1);
            }
            // About two ticks per decade: 1e5, 3.2e5, 1e6, ...
            XAxis::Log10 => {
                mesh.x_labels((2 * (x1 - x0).ceil() as usize + 1).clamp(3, 12));
            }
            XAxis::Linear => {}
        }
        mesh.x_label_formatter(&fx).y_label_formatter(&fy).draw()?;
    }
    if has_sec {
        chart
            .configure_secondary_axes()
            .y_label_formatter(&fs)
            .y_desc(p.y2_label.as_str())
            .axis_desc_style(text_style(LABEL_PX))
            .label_style(text_style(TICK_PX))
            .axis_style(BLACK.mix(0.8))
            .draw()?;
    }

    // Legend placement from all points in normalised coordinates.
    let mut norm_pts = Vec::new();
    for l in &p.lines {
        let r = if l.secondary { (s0, s1) } else { (y0, y1) };
        norm_pts.extend(finite_points(l).map(|(x, y)| (normalise(x, (x0, x1)), normalise(y, r))));
    }

    if let Some((v, name)) = &p.hline {
        let style = NEUTRAL_GREY.stroke_width(2);
        chart
            .draw_series(DashedLineSeries::new(vec![(x0, *v), (x1, *v)], 6, 5, style))?
            .label(name.as_str())
            .legend(move |(x, y)| DashedPathElement::new(vec![(x, y), (x + 22, y)], 4, 3, style));
    }

    for l in &p.lines {
        let Some((lo, hi)) = l.band else { continue };
        let fill = l.color.mix(0.2).filled();
        let mut run: Vec<(f64, f64, f64)> = Vec::new();
        let n = l.x.len().min(lo.len()).min(hi.len());
        for i in 0..=n {
            let ok = i < n && l.x[i].is_finite() && lo[i].is_finite() && hi[i].is_finite();
            if ok {
                run.push((l.x[i], lo[i], hi[i]));
                continue;
            }
            if run.len() >= 2 {
                let mut poly: Vec<(f64, f64)> = run.iter().map(|(x, _, h)| (*x, *h)).collect();
                poly.extend(run.iter().rev().map(|(x, l, _)| (*x, *l)));
                let elem = Polygon::new(poly, fill);
                if l.secondary {
                    chart.draw_secondary_series(std::iter::once(elem))?;
                } else {
                    chart.draw_series(std::iter::once(elem))?;
                }
            }
            run.clear();
        }
    }

    for l in &p.lines {
        let style = l.color.stroke_width(2);
        let segs = segments(l.x, l.y);
        let few = finite_points(l).count() <= 30;
        let name = if l.secondary {
            format!("{} (right axis)", l.name)
        } else {
            l.name.clone()
        };
        for (k, seg) in segs.into_iter().enumerate() {
            let markers: Vec<Circle<(f64, f64), i32>> = if few {
                seg.iter()
                    .map(|p| Circle::new(*p, 3, l.color.filled()))
                    .collect()
            } else {
                Vec::new()
            };
            let anno = if l.secondary {
                chart.draw_secondary_series(markers)?;
                chart.draw_secondary_series(DashedLineSeries::new(seg, 8, 5, style))?
            } else {
                chart.draw_series(markers)?;
                chart.draw_series(LineSeries::new(seg, style))?
            };
            if k == 0 {
                if l.secondary {
                    anno.label(name.as_str()).legend(move |(x, y)| {
                        DashedPathElement::new(vec![(x, y), (x + 22, y)], 6, 4, style)
                    });
                } else {
                    anno.label(name.as_str())
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], style));
                }
            }
        }
    }

    let n_labels = p.lines.len() + usize::from(p.hline.is_some());
    if n_labels > 1 || has_sec {
        draw_series_legend(&mut chart, legend_position(&norm_pts), 30)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Test support: fake run directories and image checks
// ---------------------------------------------------------------------------

#[cfg(test)]
pub(crate) mod testutil {
    use std::fs;
    use std::path::Path;

    use ndarray::Array2;

    /// Writes a small but complete run directory: `rows` timeseries rows and
    /// `snaps` snapshots of an `nx`×`ny` grid.
    pub fn fake_run(dir: &Path, nx: usize, ny: usize, snaps: usize, rows: usize) {
        fs::create_dir_all(dir.join("snapshots")).unwrap();
        let mut csv = String::from(
            "time_d,wound_area_mm2,closure_pct,msc_live,msc_dead,msc_senescent,mac_m1,mac_m2,\
             m2_fraction,vessel_density_rel,tip_cells,o2_mean_mmHg,hypoxic_fraction,\
             vegf_mean_ng_per_ml,il10_mean_ng_per_ml,tnf_mean_ng_per_ml,tgfb_mean_ng_per_ml,\
             pdgf_mean_ng_per_ml\n",
        );
        for r in 0..rows {
            let t = r as f64 * 84.0 / (rows.max(2) - 1) as f64;
            let c = 100.0 * (1.0 - (-t / 30.0).exp());
            let m1 = 400.0 * (-t / 10.0).exp() + 20.0;
            let m2 = 300.0 * (1.0 - (-t / 15.0).exp()) + 10.0;
            csv.push_str(&format!(
                "{t},{},{c},{},{},{},{m1},{m2},{},{},{},{},{},{},{},{},{},{}\n",
                80.0 * (1.0 - c / 100.0),
                1000.0 * (-t / 20.0).exp(),
                1000.0 * (1.0 - (-t / 20.0).exp()) * 0.8,
                1000.0 * (1.0 - (-t / 20.0).exp()) * 0.2,
                m2 / (m1 + m2),
                0.5 + 1.2 * (1.0 - (-t / 14.0).exp()),
                (30.0 * (-((t - 10.0) / 6.0).powi(2)).exp()).round(),
                15.0 + 25.0 * (1.0 - (-t / 12.0).exp()),
                0.7 * (-t / 15.0).exp(),
                2.0 * (-((t - 7.0) / 5.0).powi(2)).exp(),
                0.5 * (1.0 - (-t / 10.0).exp()),
                1.5 * (-t / 5.0).exp(),
                0.3,
                0.1 + 0.01 * t,
            ));
        }
        fs::write(dir.join("timeseries.csv"), csv).unwrap();

        let dx = 20.0;
        let (cx, cy) = (nx as f64 / 2.0, ny as f64 / 2.0);
        let mut entries = Vec::new();
        for s in 0..snaps {
            let day = 7.0 * (s + 1) as f64;
            let tag = format!("d{day:05.1}");
            let radius = (nx.min(ny) as f64 * 0.4) * (1.0 - 0.25 * s as f64);
            let wound = Array2::from_shape_fn((ny, nx), |(j, i)| {
                let r = ((i as f64 - cx).powi(2) + (j as f64 - cy).powi(2) * 1.5).sqrt();
                u8::from(r < radius)
            });
            let field = |scale: f64, inside: f64| {
                Array2::from_shape_fn((ny, nx), |(j, i)| {
                    let r = ((i as f64 - cx).powi(2) + (j as f64 - cy).powi(2)).sqrt();
                    let w = (-(r / radius.max(1.0)).powi(2)).exp();
                    (scale * ((1.0 - w) + inside * w) + 0.05 * scale * (i as f64 * 0.3).sin())
                        as f32
                })
            };
            let names = [
                ("oxygen", field(40.0, 0.2)),
                ("vegf", field(0.5, 3.0 + s as f64)),
                ("il10", field(0.2, 2.0 * s as f64 + 0.5)),
                ("tnf", field(0.1, 4.0 / (s + 1) as f64)),
            ];
            let mut fields = serde_json::Map::new();
            let mut units = serde_json::Map::new();
            for (name, arr) in names {
                let file = format!("{tag}_{name}.npy");
                ndarray_npy::write_npy(dir.join("snapshots").join(&file), &arr).unwrap();
                fields.insert(name.into(), file.into());
                units.insert(
                    name.into(),
                    if name == "oxygen" { "mmHg" } else { "ng/mL" }.into(),
                );
            }
            let vessels = Array2::from_shape_fn((ny, nx), |(j, i)| {
                if j == ny / 5 || i == nx / 6 {
                    4u8
                } else if (j == ny / 2 || j == ny / 2 + 1)
                    && i > nx / 6
                    && i < nx / 6 + (s + 1) * nx / 10
                {
                    2
                } else if (i == nx / 2 || i == nx / 2 + 1)
                    && j > ny / 5
                    && j < ny / 5 + (s + 1) * ny / 12
                {
                    3
                } else if j == 3 * ny / 4 && i > nx / 3 && i < nx / 3 + nx / 8 {
                    1
                } else {
                    0
                }
            });
            let wf = format!("{tag}_wound.npy");
            let vf = format!("{tag}_vessels.npy");
            let af = format!("{tag}_agents.csv");
            ndarray_npy::write_npy(dir.join("snapshots").join(&wf), &wound).unwrap();
            ndarray_npy::write_npy(dir.join("snapshots").join(&vf), &vessels).unwrap();
            let mut agents = String::from("kind,id,x_um,y_um,state\n");
            let w_um = nx as f64 * dx;
            let h_um = ny as f64 * dx;
            let states = [
                ("msc", "live"),
                ("msc", "carrier"),
                ("msc", "senescent"),
                ("msc", "dead"),
                ("macrophage", "m1"),
                ("macrophage", "m2"),
                ("tip", "tip"),
            ];
            for k in 0..70 {
                let (kind, state) = states[k % states.len()];
                let a = k as f64 * 2.399;
                let r = 0.45 * (k as f64 / 70.0).sqrt();
                let x = w_um * (0.5 + r * a.cos());
                let y = h_um * (0.5 + r * a.sin());
                agents.push_str(&format!("{kind},{k},{x:.1},{y:.1},{state}\n"));
            }
            fs::write(dir.join("snapshots").join(&af), agents).unwrap();
            entries.push(serde_json::json!({
                "day": day, "tag": tag, "fields": fields, "units": units,
                "wound": wf, "vessels": vf, "agents": af,
            }));
        }
        let index = serde_json::json!({"dx_um": dx, "nx": nx, "ny": ny, "snapshots": entries});
        fs::write(
            dir.join("snapshots/index.json"),
            serde_json::to_string_pretty(&index).unwrap(),
        )
        .unwrap();
    }

    /// Decodes a PNG and checks its size and that it is not one flat colour.
    pub fn check_png(path: &Path, w: u32, h: u32) {
        let file = fs::File::open(path).unwrap();
        let mut reader = png::Decoder::new(file).read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!(
            (info.width, info.height),
            (w, h),
            "size of {}",
            path.display()
        );
        let px = info.color_type.samples();
        let data = &buf[..info.buffer_size()];
        let first = &data[..px];
        let distinct = data.chunks(px).filter(|c| *c != first).count();
        assert!(distinct > 1000, "{} is (nearly) one colour", path.display());
    }

    /// Number of pixels of a PNG file with exactly the colour `rgb`.
    pub fn count_color(path: &Path, rgb: [u8; 3]) -> usize {
        let file = fs::File::open(path).unwrap();
        let mut reader = png::Decoder::new(file).read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        let px = info.color_type.samples();
        assert!(px >= 3, "{} is not an RGB image", path.display());
        buf[..info.buffer_size()]
            .chunks(px)
            .filter(|c| c[..3] == rgb)
            .count()
    }

    /// Checks an SVG file is non-empty and starts with `<svg`.
    pub fn check_svg(path: &Path) {
        let s = fs::read_to_string(path).unwrap();
        assert!(s.len() > 1000, "{} too small", path.display());
        assert!(
            s.trim_start().starts_with("<svg"),
            "{} is not SVG",
            path.display()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colormap_endpoints_and_nan() {
        assert_eq!(colormap(0.0), RGBColor(68, 1, 84));
        assert_eq!(colormap(1.0), RGBColor(253, 231, 37));
        assert_eq!(colormap(-3.0), colormap(0.0));
        assert_eq!(colormap(f64::NAN), NAN_GREY);
    }

    #[test]
    fn ticks_are_nice_and_inside() {
        let t = nice_ticks(0.0, 1.0, 5);
        let want = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0];
        assert_eq!(t.len(), want.len());
        assert!(t.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-12));
        let t = nice_ticks(3.3, 47.0, 5);
        assert!(t.iter().all(|v| *v >= 3.3 && *v <= 47.0));
        assert_eq!(fmt_num(0.6000000000000001), "0.6");
        assert_eq!(fmt_num(12345.0), "12345");
        assert_eq!(fmt_num(2.5e-5), "2.5e-5");
        assert_eq!(fmt_axis(-5.6e-17, 1.2), "0");
        assert_eq!(fmt_levels(&[1e4, 3e4, 1e5]), vec!["1e4", "3e4", "1e5"]);
        assert_eq!(fmt_levels(&[0.0, 0.25]), vec!["0", "0.25"]);
        assert_eq!(fmt_day(7.0), "7");
        assert_eq!(fmt_day(7.5), "7.5");
    }

    #[test]
    fn output_paths() {
        let dir = tempfile::tempdir().unwrap();
        let p = resolve_output(dir.path(), "x.png", "png");
        assert_eq!(p, dir.path().join("x.png"));
        let p = resolve_output(&dir.path().join("fig"), "x.png", "svg");
        assert_eq!(p, dir.path().join("fig.svg"));
        let p = resolve_output(&dir.path().join("fig.PNG"), "x.png", "png");
        assert_eq!(p, dir.path().join("fig.PNG"));
    }
}
