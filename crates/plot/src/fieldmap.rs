//! Heat maps of the simulated fields at chosen snapshots, with the wound
//! margin, vessels and agents drawn on top. The snapshot reading and map
//! drawing here are shared with the animation.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ndarray::{s, Array2};
use ndarray_npy::{read_npy, ReadNpyError, ReadableElement};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use serde::Deserialize;

use super::{
    anchored, colormap_rgb, create_dir, default_units, draw_colorbar, draw_figure_title,
    draw_raster, draw_text_box, field_display_name, finite_range, fmt_axis, fmt_day, fmt_num,
    io_err, normalise, render, require_file, rgb, style_mesh, widen, Figure, ImageFormat,
    PlotError, PxRect, Raster, LABEL_PX, NAN_GREY, NEUTRAL_GREY, OI_BLUE, OI_BLUISH_GREEN,
    OI_ORANGE, OI_REDDISH_PURPLE, OI_SKY_BLUE, OI_VERMILLION, OI_YELLOW, SMALL_PX, TICK_PX,
    TITLE_PX,
};

mod snapshots;
pub use snapshots::*;
mod maps;
pub(crate) use maps::*;
mod section;
pub use section::plot_sections;
#[cfg(test)]
mod tests;

/// Fields shown by [`plot_fieldmaps`], in panel order.
pub const FIELDMAP_FIELDS: [&str; 4] = ["oxygen", "vegf", "il10", "tnf"];
/// Largest heat-map side in pixels (raster output).
pub(super) const MAP_BUDGET_PX: usize = 400;
/// Largest heat-map side in cells for vector output (one rectangle per run
/// of equal colour).
const SVG_BUDGET_CELLS: usize = 100;
/// Colour levels of vector heat maps (fewer levels, longer runs).
const SVG_LEVELS: f64 = 64.0;

// ---------------------------------------------------------------------------
// The field-map figure (up to 2×2 panels)
// ---------------------------------------------------------------------------

const OUTER: u32 = 10;
const HEADER_H: u32 = 50;
/// Legend height under two columns of maps (two rows of entries).
const FOOTER_H: u32 = 62;
/// Legend height under one column of maps (four rows of entries).
const FOOTER_1COL_H: u32 = 110;
const PANEL_TOP: u32 = 36;
const AXIS_LEFT: u32 = 66;
const AXIS_BOTTOM: u32 = 52;
const CB_GAP: u32 = 14;
const CB_W: u32 = 16;
const CB_RIGHT: u32 = 84;

/// Pixel layout of a field-map figure: one map per field, two per row (one
/// for a single field), the legend underneath.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FieldmapLayout {
    pub map: (u32, u32),
    pub cell: (u32, u32),
    pub size: (u32, u32),
    pub cols: u32,
    pub footer: u32,
}

impl FieldmapLayout {
    pub fn new(extent_um: (f64, f64), n_fields: usize) -> Self {
        let map = fit_map(extent_um, MAP_BUDGET_PX as u32, MAP_BUDGET_PX as u32);
        let cell = (
            AXIS_LEFT + map.0 + CB_GAP + CB_W + CB_RIGHT,
            PANEL_TOP + map.1 + AXIS_BOTTOM,
        );
        let n = n_fields.max(1) as u32;
        let cols = n.min(2);
        let footer = if cols == 1 { FOOTER_1COL_H } else { FOOTER_H };
        let size = (
            cols * cell.0 + 2 * OUTER,
            HEADER_H + n.div_ceil(cols) * cell.1 + footer,
        );
        FieldmapLayout {
            map,
            cell,
            size,
            cols,
            footer,
        }
    }

    fn map_rect(&self, k: usize) -> PxRect {
        let (col, row) = (k as u32 % self.cols, k as u32 / self.cols);
        PxRect {
            x: (OUTER + col * self.cell.0 + AXIS_LEFT) as i32,
            y: (HEADER_H + row * self.cell.1 + PANEL_TOP) as i32,
            w: self.map.0,
            h: self.map.1,
        }
    }
}

struct FieldmapFigure<'a> {
    meta: &'a SnapshotMeta,
    fields: &'a [&'a str],
    layers: Layers,
    ranges: &'a [(f64, f64)],
    extent_um: (f64, f64),
    layout: FieldmapLayout,
    /// Voxels along x (for the marker size).
    nx: usize,
}

/// Millimetre axes along the left and bottom edges of a map.
pub(super) fn draw_map_axes<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rect: PxRect,
    extent_um: (f64, f64),
) -> Result<(), PlotError> {
    let area = root.clone().shrink(
        (rect.x - AXIS_LEFT as i32, rect.y),
        (rect.w + AXIS_LEFT, rect.h + AXIS_BOTTOM),
    );
    let mut chart = ChartBuilder::on(&area)
        .x_label_area_size(AXIS_BOTTOM)
        .y_label_area_size(AXIS_LEFT)
        .build_cartesian_2d(0.0..extent_um.0 / 1000.0, 0.0..extent_um.1 / 1000.0)?;
    let fmt = |v: &f64| fmt_axis(*v, extent_um.0.max(extent_um.1) / 1000.0);
    let mut mesh = chart.configure_mesh();
    style_mesh(&mut mesh, "x (mm)", "y (mm)");
    mesh.disable_mesh()
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&fmt)
        .y_label_formatter(&fmt)
        .draw()?;
    Ok(())
}

impl Figure for FieldmapFigure<'_> {
    fn size(&self) -> (u32, u32) {
        self.layout.size
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        vector: bool,
    ) -> Result<(), PlotError> {
        let (shown, k) = self.layers.thinned(MAX_MARKERS);
        let title = if k > 1 {
            format!(
                "Day {} (markers: 1 in {k} cells of each kind)",
                fmt_day(self.meta.day)
            )
        } else {
            format!("Day {}", fmt_day(self.meta.day))
        };
        draw_figure_title(root, &title, HEADER_H)?;
        for (k, field) in self.fields.iter().enumerate() {
            let rect = self.layout.map_rect(k);
            let units = self.meta.units_of(field);
            root.draw(&Text::new(
                format!("{} ({units})", field_display_name(field)),
                (rect.x + rect.w as i32 / 2, rect.y - (PANEL_TOP / 2) as i32),
                anchored(TITLE_PX - 2.0, HPos::Center, VPos::Center),
            ))?;
            let view = MapView {
                field: self.layers.fields.get(*field),
                range: self.ranges[k],
                layers: &self.layers,
                extent_um: self.extent_um,
                day: self.meta.day,
                marker_r: marker_radius((rect.w, rect.h), self.nx, shown.len()),
                font_px: SMALL_PX,
                day_stamp: false,
            };
            draw_map(root, rect, &view, vector)?;
            draw_map_axes(root, rect, self.extent_um)?;
            let bar = PxRect {
                x: rect.right() + CB_GAP as i32,
                y: rect.y,
                w: CB_W,
                h: rect.h,
            };
            draw_colorbar(root, bar, self.ranges[k], &units, TICK_PX, vector)?;
        }
        let (w, h) = self.layout.size;
        let legend = PxRect {
            x: OUTER as i32,
            y: (h - self.layout.footer) as i32,
            w: w - 2 * OUTER,
            h: self.layout.footer,
        };
        draw_overlay_legend(root, legend, SMALL_PX + 1.0, 5, false)?;
        Ok(())
    }
}

/// Indices of the snapshots nearest to each requested day (duplicates
/// dropped, request order kept), or all snapshots for `None`.
pub(super) fn select_snapshots(
    index: &SnapshotIndex,
    days: Option<&[f64]>,
) -> Result<Vec<usize>, PlotError> {
    let Some(days) = days else {
        return Ok((0..index.snapshots.len()).collect());
    };
    let mut out: Vec<usize> = Vec::new();
    for &d in days {
        if !d.is_finite() {
            return Err(PlotError::InvalidInput(format!(
                "requested day {d} is not finite"
            )));
        }
        let best = index
            .snapshots
            .iter()
            .enumerate()
            .min_by(|(_, a), (_, b)| (a.day - d).abs().total_cmp(&(b.day - d).abs()))
            .map(|(k, _)| k);
        if let Some(k) = best {
            if !out.contains(&k) {
                out.push(k);
            }
        }
    }
    Ok(out)
}

/// Field maps and cross-sections show 1 to [`FIELDMAP_FIELDS`]`.len()`
/// fields: otherwise [`PlotError::InvalidInput`] naming `what`.
pub(super) fn check_field_count(what: &str, fields: &[&str]) -> Result<(), PlotError> {
    if fields.is_empty() || fields.len() > FIELDMAP_FIELDS.len() {
        return Err(PlotError::InvalidInput(format!(
            "{what} show 1 to {} fields (got {})",
            FIELDMAP_FIELDS.len(),
            fields.len()
        )));
    }
    Ok(())
}

/// File-name-safe version of a snapshot tag (or any name): ASCII letters,
/// digits, `.`, `-` and `_` are kept, anything else becomes `_`.
pub fn safe_tag(tag: &str) -> String {
    tag.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Draws one figure per chosen snapshot with four heat maps (O₂, VEGF,
/// IL-10, TNF-α), each with its own colour bar in the field's units. Every
/// map shows the wound margin (boundary of `wound == 1`, white with black
/// edges), vessels (perfused new orange, leaky new blue, unperfused sprout
/// light grey, mature black), agents in Okabe–Ito colours and their own
/// shapes (MSC sky-blue circle, M1 vermillion square, M2 reddish-purple
/// diamond, tip cell yellow triangle; senescent and dead MSCs hollow) about
/// one voxel in size, a scale bar and the day; a legend explains the
/// symbols. A field's colour scale is shared by all the chosen snapshots so
/// that days can be compared. Grids larger than 400 cells per side are block
/// averaged (to 100 for SVG, where the map is drawn as rectangles in 64
/// colour levels).
///
/// `days`: for each requested day the nearest snapshot (each at most once);
/// `None` for every snapshot. Figures are written to
/// `out_dir/fieldmap_<tag>.<ext>` (the directory is created if needed) and
/// their paths returned in order.
///
/// # Errors
/// [`PlotError::Missing`] for a missing `index.json` or a file it names,
/// [`PlotError::Json`], [`PlotError::Npy`], [`PlotError::Csv`] or
/// [`PlotError::Data`] for unreadable or inconsistent files,
/// [`PlotError::NoData`] if the index lists no snapshot.
pub fn plot_fieldmaps(
    run_dir: &Path,
    out_dir: &Path,
    days: Option<&[f64]>,
    format: ImageFormat,
) -> Result<Vec<PathBuf>, PlotError> {
    plot_fieldmaps_of(run_dir, out_dir, days, &FIELDMAP_FIELDS, format)
}

/// [`plot_fieldmaps`] showing the given snapshot fields (1 to 4, e.g.
/// `["oxygen", "vegf"]`) instead of [`FIELDMAP_FIELDS`]: two maps per row,
/// or one map with the legend under it for a single field.
///
/// # Errors
/// As [`plot_fieldmaps`]; also [`PlotError::InvalidInput`] for no field or
/// more than four, and [`PlotError::NoData`] for a field that none of the
/// chosen snapshots holds (the message lists those they hold).
pub fn plot_fieldmaps_of(
    run_dir: &Path,
    out_dir: &Path,
    days: Option<&[f64]>,
    fields: &[&str],
    format: ImageFormat,
) -> Result<Vec<PathBuf>, PlotError> {
    check_field_count("field maps", fields)?;
    let run = Run::open(run_dir)?;
    run.require_snapshots()?;
    let chosen = select_snapshots(&run.index, days)?;
    for f in fields {
        let snaps = chosen.iter().map(|&k| &run.index.snapshots[k]);
        if !snaps.clone().any(|m| m.has(f)) {
            let mut have: Vec<&str> = snaps.flat_map(|m| m.names()).collect();
            have.sort_unstable();
            have.dedup();
            return Err(PlotError::NoData(format!(
                "no snapshot has the field `{f}` (they have: {})",
                have.join(", ")
            )));
        }
    }
    let budget = match format {
        ImageFormat::Png => MAP_BUDGET_PX,
        ImageFormat::Svg => SVG_BUDGET_CELLS,
    };
    let factor = block_factor(run.index.nx, run.index.ny, budget);
    let ranges = fields
        .iter()
        .map(|f| run.field_range(f, &chosen))
        .collect::<Result<Vec<_>, _>>()?;
    create_dir(out_dir)?;
    let extent_um = run.extent_um();
    let layout = FieldmapLayout::new(extent_um, fields.len());
    let mut written = Vec::with_capacity(chosen.len());
    for k in chosen {
        let meta = &run.index.snapshots[k];
        let fig = FieldmapFigure {
            meta,
            fields,
            layers: run.load_layers(meta, fields, factor)?,
            ranges: &ranges,
            extent_um,
            layout,
            nx: run.index.nx,
        };
        let name = format!("fieldmap_{}.{}", safe_tag(&meta.tag), format.extension());
        written.push(render(&fig, &out_dir.join(name), format)?);
    }
    Ok(written)
}
