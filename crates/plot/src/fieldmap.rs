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
    PlotError, PxRect, Raster, LABEL_PX, NAN_GREY, NEUTRAL_GREY, OI_BLUE, OI_ORANGE,
    OI_REDDISH_PURPLE, OI_SKY_BLUE, OI_VERMILLION, OI_YELLOW, SMALL_PX, TICK_PX, TITLE_PX,
};

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
// Snapshot index and files
// ---------------------------------------------------------------------------

/// `snapshots/index.json`.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct SnapshotIndex {
    pub dx_um: f64,
    pub nx: usize,
    pub ny: usize,
    #[serde(default)]
    pub snapshots: Vec<SnapshotMeta>,
}

/// One entry of `snapshots` in the index; file names are relative to the
/// `snapshots/` directory.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct SnapshotMeta {
    pub day: f64,
    pub tag: String,
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    #[serde(default)]
    pub units: BTreeMap<String, String>,
    #[serde(default)]
    pub wound: Option<String>,
    #[serde(default)]
    pub vessels: Option<String>,
    #[serde(default)]
    pub agents: Option<String>,
}

impl SnapshotMeta {
    /// Units of `field` from the index, or the usual default.
    pub fn units_of(&self, field: &str) -> String {
        self.units
            .get(field)
            .cloned()
            .unwrap_or_else(|| default_units(field).to_string())
    }
}

/// Category of an agent marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum AgentKind {
    MscDead,
    M2,
    M1,
    MscSenescent,
    Msc,
    Tip,
}

impl AgentKind {
    fn classify(kind: &str, state: &str) -> Option<Self> {
        let state = state.to_ascii_lowercase();
        match kind.to_ascii_lowercase().as_str() {
            "msc" => match state.as_str() {
                "live" | "carrier" | "" => Some(AgentKind::Msc),
                "senescent" => Some(AgentKind::MscSenescent),
                "dead" => Some(AgentKind::MscDead),
                _ => None,
            },
            "macrophage" => match state.as_str() {
                "m1" => Some(AgentKind::M1),
                "m2" => Some(AgentKind::M2),
                _ => None,
            },
            "tip" => Some(AgentKind::Tip),
            _ => None,
        }
    }
}

/// An agent position in µm.
#[derive(Debug, Clone, Copy)]
pub(super) struct Agent {
    pub kind: AgentKind,
    pub x_um: f64,
    pub y_um: f64,
    /// Drawing order: dead MSCs first, then every other agent in an order
    /// hashed from its kind and id, so that where markers pile up the ones
    /// on top are a fair sample of all kinds.
    pub order: (bool, u64),
}

#[derive(Deserialize)]
struct AgentRow {
    kind: String,
    #[serde(default)]
    id: u64,
    x_um: f64,
    y_um: f64,
    #[serde(default)]
    state: String,
}

/// The display-ready content of one snapshot: fields, wound mask and vessels
/// block-reduced to the pixel budget, agents as read.
#[derive(Debug, Default)]
pub(super) struct Layers {
    pub fields: BTreeMap<String, Array2<f32>>,
    pub wound: Option<Array2<u8>>,
    pub vessels: Option<Array2<u8>>,
    pub agents: Vec<Agent>,
}

/// About this many agent markers at most are drawn on a map, so that the
/// markers never hide the field (see [`Layers::thinned`]).
pub const MAX_MARKERS: usize = 600;

impl Layers {
    /// The agents to draw when at most about `max` markers fit: every k-th
    /// agent of each kind in drawing order (a hash of kind and id, so a fair
    /// sample), with the smallest k that keeps the total within `max`, and
    /// that k (1 when every agent is drawn). Every kind keeps the same share,
    /// so the proportions on the map are those of the tissue, and every kind
    /// present keeps at least one marker.
    pub fn thinned(&self, max: usize) -> (Vec<Agent>, usize) {
        let n = self.agents.len();
        let k = n.div_ceil(max.max(1)).max(1);
        if k == 1 {
            return (self.agents.clone(), 1);
        }
        let mut seen: BTreeMap<AgentKind, usize> = BTreeMap::new();
        let mut out = Vec::with_capacity(n / k + 6);
        for a in &self.agents {
            let c = seen.entry(a.kind).or_insert(0);
            if c.is_multiple_of(k) {
                out.push(*a);
            }
            *c += 1;
        }
        (out, k)
    }
}

/// A run directory's snapshot index, opened.
pub(super) struct Run {
    /// The `snapshots/` directory.
    pub dir: PathBuf,
    pub index: SnapshotIndex,
}

impl Run {
    /// Reads and checks `run_dir/snapshots/index.json`.
    pub fn open(run_dir: &Path) -> Result<Self, PlotError> {
        let dir = run_dir.join("snapshots");
        let path = dir.join("index.json");
        let text = std::fs::read_to_string(&path).map_err(|e| io_err(&path, e))?;
        let index: SnapshotIndex =
            serde_json::from_str(&text).map_err(|source| PlotError::Json {
                path: path.clone(),
                source,
            })?;
        if index.nx == 0 || index.ny == 0 || !index.dx_um.is_finite() || index.dx_um <= 0.0 {
            return Err(PlotError::Data {
                path,
                message: format!(
                    "grid must be non-empty with dx_um > 0 (nx={}, ny={}, dx_um={})",
                    index.nx, index.ny, index.dx_um
                ),
            });
        }
        Ok(Run { dir, index })
    }

    /// Fails with [`PlotError::NoData`] when the index lists no snapshot.
    pub fn require_snapshots(&self) -> Result<(), PlotError> {
        if self.index.snapshots.is_empty() {
            Err(PlotError::NoData(format!(
                "{} lists no snapshots",
                self.dir.join("index.json").display()
            )))
        } else {
            Ok(())
        }
    }

    /// Domain size in µm (x, y).
    pub fn extent_um(&self) -> (f64, f64) {
        (
            self.index.nx as f64 * self.index.dx_um,
            self.index.ny as f64 * self.index.dx_um,
        )
    }

    /// Full-resolution field, or `None` if the snapshot does not list it.
    pub fn read_field(
        &self,
        meta: &SnapshotMeta,
        field: &str,
    ) -> Result<Option<Array2<f32>>, PlotError> {
        let Some(file) = meta.fields.get(field) else {
            return Ok(None);
        };
        let path = self.dir.join(file);
        let arr = read_array::<f32>(&path).or_else(|e| {
            read_array::<f64>(&path)
                .map(|a| a.mapv(|v| v as f32))
                .map_err(|_| e)
        })?;
        self.check_shape(&path, arr.dim())?;
        Ok(Some(arr))
    }

    fn read_mask(&self, file: &str) -> Result<Array2<u8>, PlotError> {
        let path = self.dir.join(file);
        let arr = read_array::<u8>(&path)
            .or_else(|e| {
                read_array::<bool>(&path)
                    .map(|a| a.mapv(u8::from))
                    .map_err(|_| e)
            })
            .or_else(|e| {
                read_array::<i32>(&path)
                    .map(|a| a.mapv(|v| v.clamp(0, 255) as u8))
                    .map_err(|_| e)
            })
            .or_else(|e| {
                read_array::<i64>(&path)
                    .map(|a| a.mapv(|v| v.clamp(0, 255) as u8))
                    .map_err(|_| e)
            })?;
        self.check_shape(&path, arr.dim())?;
        Ok(arr)
    }

    fn check_shape(&self, path: &Path, dim: (usize, usize)) -> Result<(), PlotError> {
        let want = (self.index.ny, self.index.nx);
        if dim == want {
            Ok(())
        } else {
            Err(PlotError::Data {
                path: path.to_path_buf(),
                message: format!("array shape {dim:?}, index says (ny, nx) = {want:?}"),
            })
        }
    }

    /// Loads `fields` (those the snapshot lists), the wound mask, vessels and
    /// agents, reducing grids by blocks of `factor`×`factor` cells.
    pub fn load_layers(
        &self,
        meta: &SnapshotMeta,
        fields: &[&str],
        factor: usize,
    ) -> Result<Layers, PlotError> {
        let mut layers = Layers::default();
        for f in fields {
            if let Some(a) = self.read_field(meta, f)? {
                layers
                    .fields
                    .insert(f.to_string(), block_average(&a, factor));
            }
        }
        if let Some(file) = &meta.wound {
            let w = self.read_mask(file)?;
            layers.wound = Some(block_reduce(&w, factor, |b| {
                let open = b.iter().filter(|v| **v == 1).count();
                u8::from(2 * open >= b.len())
            }));
        }
        if let Some(file) = &meta.vessels {
            let v = self.read_mask(file)?;
            layers.vessels = Some(block_reduce(&v, factor, |b| {
                b.iter()
                    .copied()
                    .max_by_key(|c| vessel_priority(*c))
                    .unwrap_or(0)
            }));
        }
        if let Some(file) = &meta.agents {
            layers.agents = read_agents(&self.dir.join(file))?;
            layers.agents.sort_by_key(|a| a.order);
        }
        Ok(layers)
    }

    /// Colour range of `field` over the given snapshots (see [`color_range`]).
    pub fn field_range(&self, field: &str, snaps: &[usize]) -> Result<(f64, f64), PlotError> {
        let mut r: Option<(f64, f64)> = None;
        for &k in snaps {
            if let Some(a) = self.read_field(&self.index.snapshots[k], field)? {
                let fr = finite_range(a.iter().map(|v| *v as f64));
                r = finite_range(r.into_iter().chain(fr).flat_map(|(a, b)| [a, b]));
            }
        }
        Ok(color_range(r))
    }
}

fn read_array<T: ReadableElement>(path: &Path) -> Result<Array2<T>, PlotError> {
    require_file(path)?;
    read_npy::<_, Array2<T>>(path).map_err(|e| match e {
        ReadNpyError::Io(source) => io_err(path, source),
        other => PlotError::Npy {
            path: path.to_path_buf(),
            message: other.to_string(),
        },
    })
}

fn read_agents(path: &Path) -> Result<Vec<Agent>, PlotError> {
    let file = std::fs::File::open(path).map_err(|e| io_err(path, e))?;
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(file);
    let mut out = Vec::new();
    for row in rdr.deserialize::<AgentRow>() {
        let row = row.map_err(|source| PlotError::Csv {
            path: path.to_path_buf(),
            source,
        })?;
        if let Some(kind) = AgentKind::classify(&row.kind, &row.state) {
            if row.x_um.is_finite() && row.y_um.is_finite() {
                out.push(Agent {
                    kind,
                    x_um: row.x_um,
                    y_um: row.y_um,
                    order: (
                        kind != AgentKind::MscDead,
                        woundsim_core::rng::hash_words(&[kind as u64, row.id]),
                    ),
                });
            }
        }
    }
    Ok(out)
}

/// Colour scale for a field: from 0 (or the minimum, if negative) to the
/// maximum; never degenerate.
pub(super) fn color_range(r: Option<(f64, f64)>) -> (f64, f64) {
    let (lo, hi) = r.unwrap_or((0.0, 1.0));
    widen(lo.min(0.0), hi)
}

// ---------------------------------------------------------------------------
// Block reduction
// ---------------------------------------------------------------------------

/// Block size that brings `max(nx, ny)` down to at most `budget`.
pub(super) fn block_factor(nx: usize, ny: usize, budget: usize) -> usize {
    nx.max(ny).div_ceil(budget.max(1)).max(1)
}

/// Mean of each `f`×`f` block, ignoring NaN (all-NaN blocks stay NaN).
pub(super) fn block_average(a: &Array2<f32>, f: usize) -> Array2<f32> {
    if f <= 1 {
        return a.clone();
    }
    let (ny, nx) = a.dim();
    Array2::from_shape_fn((ny.div_ceil(f), nx.div_ceil(f)), |(j, i)| {
        let block = a.slice(s![
            j * f..((j + 1) * f).min(ny),
            i * f..((i + 1) * f).min(nx)
        ]);
        let (sum, n) = block
            .iter()
            .filter(|v| v.is_finite())
            .fold((0.0f64, 0usize), |(s, n), v| (s + *v as f64, n + 1));
        if n == 0 {
            f32::NAN
        } else {
            (sum / n as f64) as f32
        }
    })
}

/// Reduces each `f`×`f` block of a label grid with `reduce`.
fn block_reduce(a: &Array2<u8>, f: usize, reduce: impl Fn(&[u8]) -> u8) -> Array2<u8> {
    if f <= 1 {
        return a.clone();
    }
    let (ny, nx) = a.dim();
    let mut buf = Vec::with_capacity(f * f);
    let mut out = Array2::zeros((ny.div_ceil(f), nx.div_ceil(f)));
    for ((j, i), v) in out.indexed_iter_mut() {
        buf.clear();
        buf.extend(
            a.slice(s![
                j * f..((j + 1) * f).min(ny),
                i * f..((i + 1) * f).min(nx)
            ])
            .iter()
            .copied(),
        );
        *v = reduce(&buf);
    }
    out
}

/// Which vessel class wins when a block holds several: new perfused, then
/// leaky, then sprouts, then mature vessels.
fn vessel_priority(code: u8) -> u8 {
    match code {
        2 => 4,
        3 => 3,
        1 => 2,
        4 => 1,
        _ => 0,
    }
}

// ---------------------------------------------------------------------------
// Map drawing (shared with the animation)
// ---------------------------------------------------------------------------

/// Light grey of unperfused sprouts (no blood yet): visible on every part
/// of the colour map and unlike any agent colour.
pub(super) const SPROUT_GREY: RGBColor = RGBColor(225, 225, 225);

/// Colour of a vessel class: 1 unperfused sprout (light grey), 2 perfused
/// new (orange), 3 leaky new (blue), 4 mature pre-existing (black). None of
/// them is an agent colour (see [`agent_color`]).
pub(super) fn vessel_color(code: u8) -> Option<RGBColor> {
    match code {
        1 => Some(SPROUT_GREY),
        2 => Some(OI_ORANGE),
        3 => Some(OI_BLUE),
        4 => Some(BLACK),
        _ => None,
    }
}

/// Fill colour of an agent marker: Okabe–Ito sky blue for MSCs (live,
/// carrier and the ring of senescent ones), vermillion for M1 and reddish
/// purple for M2 macrophages, yellow for tip cells, grey for dead MSCs: all
/// light or warm enough to stand out on the dark and the green parts of the
/// viridis colour map. Each kind also has its own shape (circle, square,
/// diamond, triangle), and markers of radius 3 or more have a black edge.
pub(super) fn agent_color(kind: AgentKind) -> RGBColor {
    match kind {
        AgentKind::Msc | AgentKind::MscSenescent => OI_SKY_BLUE,
        AgentKind::MscDead => NEUTRAL_GREY,
        AgentKind::M1 => OI_VERMILLION,
        AgentKind::M2 => OI_REDDISH_PURPLE,
        AgentKind::Tip => OI_YELLOW,
    }
}

/// Marker radius in pixels on a map of `map` pixels showing `nx` voxels
/// across and `n_agents` agents: about one voxel (a cell is about one voxel
/// across) but 2 to 5 pixels, and smaller (down to 1) where there are so
/// many agents that their markers would cover more than about 15 % of the
/// map, so that the field stays visible between the markers.
pub(super) fn marker_radius(map: (u32, u32), nx: usize, n_agents: usize) -> i32 {
    let px_per_voxel = map.0 as f64 / nx.max(1) as f64;
    let area = map.0 as f64 * map.1 as f64;
    let crowded = (0.15 * area / (std::f64::consts::PI * n_agents.max(1) as f64)).sqrt();
    let r = px_per_voxel.round().clamp(2.0, 5.0).min(crowded.round());
    r.max(1.0) as i32
}

/// Heat-map side lengths in pixels fitting `max_w`×`max_h` with the domain's
/// aspect ratio.
pub(super) fn fit_map(extent_um: (f64, f64), max_w: u32, max_h: u32) -> (u32, u32) {
    let (w, h) = extent_um;
    let s = (max_w as f64 / w).min(max_h as f64 / h);
    (
        ((w * s).round() as u32).clamp(20, max_w),
        ((h * s).round() as u32).clamp(20, max_h),
    )
}

/// What [`draw_map`] shows.
pub(super) struct MapView<'a> {
    /// Block-reduced field, or `None` for "no data".
    pub field: Option<&'a Array2<f32>>,
    pub range: (f64, f64),
    pub layers: &'a Layers,
    pub extent_um: (f64, f64),
    pub day: f64,
    pub marker_r: i32,
    pub font_px: f64,
    /// Stamp the day in the map's corner (off where the figure title says it).
    pub day_stamp: bool,
}

/// Draws one map in `rect`: field heat map, vessels, wound margin, agents,
/// scale bar, day stamp and a frame. `y` increases upwards.
pub(super) fn draw_map<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rect: PxRect,
    view: &MapView<'_>,
    vector: bool,
) -> Result<(), PlotError> {
    let layers = view.layers;
    let (gh, gw) = view
        .field
        .map(|a| a.dim())
        .or(layers.wound.as_ref().map(|a| a.dim()))
        .or(layers.vessels.as_ref().map(|a| a.dim()))
        .unwrap_or((1, 1));
    let (rw, rh) = if vector {
        (gw, gh)
    } else {
        (rect.w as usize, rect.h as usize)
    };
    let cols: Vec<usize> = (0..rw).map(|x| ((x * gw) / rw).min(gw - 1)).collect();
    let rows: Vec<usize> = (0..rh)
        .map(|y| gh - 1 - ((y * gh) / rh).min(gh - 1))
        .collect();
    let mut raster = Raster::new(rw, rh);
    for (y, &j) in rows.iter().enumerate() {
        for (x, &i) in cols.iter().enumerate() {
            let mut c = match view.field {
                Some(f) => {
                    let t = normalise(f[[j, i]] as f64, view.range);
                    let t = if vector {
                        (t * (SVG_LEVELS - 1.0)).round() / (SVG_LEVELS - 1.0)
                    } else {
                        t
                    };
                    colormap_rgb(t)
                }
                None => rgb(NAN_GREY),
            };
            if let Some(v) = layers
                .vessels
                .as_ref()
                .and_then(|v| vessel_color(v[[j, i]]))
            {
                c = rgb(v);
            }
            raster.set(x, y, c);
        }
    }
    draw_raster(root, rect, &raster, vector)?;
    if view.field.is_none() {
        root.draw(&Text::new(
            "no data",
            (rect.x + rect.w as i32 / 2, rect.y + rect.h as i32 / 2),
            anchored(LABEL_PX, HPos::Center, VPos::Center),
        ))?;
    }

    if let Some(w) = &layers.wound {
        draw_margin(root, rect, w)?;
    }

    let (ex, ey) = view.extent_um;
    let (agents, _) = layers.thinned(MAX_MARKERS);
    for a in &agents {
        let (fx, fy) = (a.x_um / ex, a.y_um / ey);
        if !(0.0..=1.0).contains(&fx) || !(0.0..=1.0).contains(&fy) {
            continue;
        }
        let p = (
            rect.x + (fx * rect.w as f64).round() as i32,
            rect.bottom() - (fy * rect.h as f64).round() as i32,
        );
        draw_marker(root, a.kind, p, view.marker_r)?;
    }

    let inset = (view.font_px * 0.5) as i32;
    if view.day_stamp {
        draw_text_box(
            root,
            &format!("day {}", fmt_day(view.day)),
            (rect.x + inset, rect.y + inset),
            view.font_px,
        )?;
    }
    draw_scale_bar(root, rect, ex, view.font_px)?;
    root.draw(&Rectangle::new(
        [(rect.x, rect.y), (rect.right(), rect.bottom())],
        BLACK.stroke_width(1),
    ))?;
    Ok(())
}

/// Outlines the boundary between open wound (1) and closed tissue: a white
/// line with black edges, visible on any colour.
fn draw_margin<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rect: PxRect,
    w: &Array2<u8>,
) -> Result<(), PlotError> {
    let (gh, gw) = w.dim();
    let px = |i: usize| rect.x + ((i * rect.w as usize) as f64 / gw as f64).round() as i32;
    let py = |j: usize| rect.bottom() - ((j * rect.h as usize) as f64 / gh as f64).round() as i32;
    let open = |j: usize, i: usize| w[[j, i]] == 1;
    let mut segs: Vec<[(i32, i32); 2]> = Vec::new();
    // Vertical edges between columns i-1 and i, merged along j.
    for i in 1..gw {
        let mut start: Option<usize> = None;
        for j in 0..=gh {
            let edge = j < gh && open(j, i - 1) != open(j, i);
            match (edge, start) {
                (true, None) => start = Some(j),
                (false, Some(j0)) => {
                    segs.push([(px(i), py(j0)), (px(i), py(j))]);
                    start = None;
                }
                _ => {}
            }
        }
    }
    // Horizontal edges between rows j-1 and j, merged along i.
    for j in 1..gh {
        let mut start: Option<usize> = None;
        for i in 0..=gw {
            let edge = i < gw && open(j - 1, i) != open(j, i);
            match (edge, start) {
                (true, None) => start = Some(i),
                (false, Some(i0)) => {
                    segs.push([(px(i0), py(j)), (px(i), py(j))]);
                    start = None;
                }
                _ => {}
            }
        }
    }
    for (style, grow) in [(BLACK.stroke_width(4), 1), (WHITE.stroke_width(2), 0)] {
        for [a, b] in &segs {
            // Extend each piece so that corners join without gaps.
            let (a, b) = if a.0 == b.0 {
                ((a.0, a.1 + grow), (b.0, b.1 - grow))
            } else {
                ((a.0 - grow, a.1), (b.0 + grow, b.1))
            };
            root.draw(&PathElement::new(vec![a, b], style))?;
        }
    }
    Ok(())
}

/// Draws one agent marker centred at `p` (pixels) with radius `r` in its
/// [`agent_color`]: MSCs as circles (senescent and dead ones hollow), M1
/// macrophages as squares, M2 as diamonds, tip cells as triangles. Markers
/// of radius 3 or more get a black edge.
pub(super) fn draw_marker<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    kind: AgentKind,
    p: (i32, i32),
    r: i32,
) -> Result<(), PlotError> {
    let (x, y) = p;
    let edged = r >= 3;
    let edge = BLACK.stroke_width(1);
    let color = agent_color(kind);
    let shape = |pts: Vec<(i32, i32)>| -> Result<(), PlotError> {
        root.draw(&Polygon::new(pts.clone(), color.filled()))?;
        if edged {
            let mut closed = pts;
            closed.push(closed[0]);
            root.draw(&PathElement::new(closed, edge))?;
        }
        Ok(())
    };
    match kind {
        AgentKind::Msc => {
            root.draw(&Circle::new(p, r, color.filled()))?;
            if edged {
                root.draw(&Circle::new(p, r, edge))?;
            }
        }
        AgentKind::MscSenescent | AgentKind::MscDead => {
            if edged {
                root.draw(&Circle::new(p, r + 1, edge))?;
            }
            root.draw(&Circle::new(p, r, color.stroke_width(2)))?;
        }
        AgentKind::M1 => {
            let q = r - (r + 2) / 5;
            shape(vec![
                (x - q, y - q),
                (x + q, y - q),
                (x + q, y + q),
                (x - q, y + q),
            ])?;
        }
        AgentKind::M2 => {
            let q = r + 1;
            shape(vec![(x, y - q), (x + q, y), (x, y + q), (x - q, y)])?;
        }
        AgentKind::Tip => {
            shape(vec![(x, y - r - 1), (x - r - 1, y + r), (x + r + 1, y + r)])?;
        }
    }
    Ok(())
}

/// A scale bar of a round length (about a quarter of the width) in the
/// bottom-left corner of the map.
fn draw_scale_bar<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rect: PxRect,
    width_um: f64,
    px: f64,
) -> Result<(), PlotError> {
    const LENGTHS_UM: [f64; 14] = [
        1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0,
        20000.0,
    ];
    let len = LENGTHS_UM
        .iter()
        .copied()
        .rfind(|l| *l <= 0.3 * width_um)
        .unwrap_or(LENGTHS_UM[0]);
    let bar_px = ((len / width_um) * rect.w as f64).round().max(1.0) as i32;
    let label = if len >= 1000.0 {
        format!("{} mm", fmt_num(len / 1000.0))
    } else {
        format!("{} µm", fmt_num(len))
    };
    let style = anchored(px, HPos::Center, VPos::Center);
    let (tw, _) = root.estimate_text_size(&label, &style)?;
    let pad = (px * 0.4) as i32;
    let bw = bar_px.max(tw as i32) + 2 * pad;
    let bh = (px * 1.3) as i32 + 6 + 2 * pad;
    let x0 = rect.x + pad;
    let y1 = rect.bottom() - pad;
    let y0 = y1 - bh;
    root.draw(&Rectangle::new([(x0, y0), (x0 + bw, y1)], WHITE.filled()))?;
    root.draw(&Rectangle::new(
        [(x0, y0), (x0 + bw, y1)],
        BLACK.mix(0.6).stroke_width(1),
    ))?;
    let bx = x0 + (bw - bar_px) / 2;
    root.draw(&Rectangle::new(
        [(bx, y1 - pad - 5), (bx + bar_px, y1 - pad)],
        BLACK.filled(),
    ))?;
    root.draw(&Text::new(
        label,
        (x0 + bw / 2, y0 + pad + (px * 0.65) as i32),
        style,
    ))?;
    Ok(())
}

/// Symbol of one legend entry.
#[derive(Clone, Copy)]
enum Glyph {
    Agent(AgentKind),
    Vessel(u8),
    Margin,
}

/// Legend entries: symbol, long label, short label.
const LEGEND: [(Glyph, &str, &str); 11] = [
    (Glyph::Agent(AgentKind::Msc), "living MSC", "MSC"),
    (
        Glyph::Agent(AgentKind::MscSenescent),
        "senescent MSC",
        "senesc.",
    ),
    (Glyph::Agent(AgentKind::MscDead), "dead MSC", "dead"),
    (
        Glyph::Agent(AgentKind::M1),
        "inflammatory M1 macrophage",
        "M1",
    ),
    (Glyph::Agent(AgentKind::M2), "repair M2 macrophage", "M2"),
    (Glyph::Agent(AgentKind::Tip), "tip of a new vessel", "tip"),
    (Glyph::Margin, "wound edge", "edge"),
    (Glyph::Vessel(2), "new vessel, blood flows", "perfused"),
    (Glyph::Vessel(3), "new leaky vessel", "leaky"),
    (Glyph::Vessel(1), "sprout, no flow yet", "sprout"),
    (Glyph::Vessel(4), "original vessel", "original"),
];

/// Draws the marker/vessel/margin legend as centred rows inside `rect`.
pub(super) fn draw_overlay_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rect: PxRect,
    px: f64,
    marker_r: i32,
    short: bool,
) -> Result<(), PlotError> {
    let style = anchored(px, HPos::Left, VPos::Center);
    let glyph_w = (px * 1.5) as i32;
    let gap = (px * 0.4) as i32;
    let sep = (px * 1.2) as i32;
    let mut rows: Vec<Vec<(Glyph, String, i32)>> = vec![Vec::new()];
    let mut row_w = 0;
    for (g, long, brief) in LEGEND {
        let label = if short { brief } else { long }.to_string();
        let (tw, _) = root.estimate_text_size(&label, &style)?;
        let w = glyph_w + gap + tw as i32;
        let last = rows.last_mut().expect("rows is never empty");
        if !last.is_empty() && row_w + sep + w > rect.w as i32 {
            rows.push(Vec::new());
            row_w = 0;
        }
        let last = rows.last_mut().expect("rows is never empty");
        row_w += if last.is_empty() { w } else { sep + w };
        last.push((g, label, w));
    }
    let row_h = (px * 1.5) as i32;
    let top = rect.y + (rect.h as i32 - row_h * rows.len() as i32) / 2;
    for (k, row) in rows.iter().enumerate() {
        let total: i32 = row.iter().map(|e| e.2).sum::<i32>() + sep * (row.len() as i32 - 1);
        let mut x = rect.x + (rect.w as i32 - total) / 2;
        let y = top + k as i32 * row_h + row_h / 2;
        for (g, label, w) in row {
            let cx = x + glyph_w / 2;
            match *g {
                Glyph::Agent(kind) => draw_marker(root, kind, (cx, y), marker_r)?,
                Glyph::Vessel(code) => {
                    // A dark outline keeps light vessel colours visible on white.
                    let c = vessel_color(code).unwrap_or(BLACK);
                    root.draw(&PathElement::new(
                        vec![(x, y), (x + glyph_w, y)],
                        BLACK.mix(0.7).stroke_width(5),
                    ))?;
                    root.draw(&PathElement::new(
                        vec![(x + 1, y), (x + glyph_w - 1, y)],
                        c.stroke_width(3),
                    ))?;
                }
                Glyph::Margin => {
                    root.draw(&PathElement::new(
                        vec![(x, y), (x + glyph_w, y)],
                        BLACK.stroke_width(4),
                    ))?;
                    root.draw(&PathElement::new(
                        vec![(x + 1, y), (x + glyph_w - 1, y)],
                        WHITE.stroke_width(2),
                    ))?;
                }
            }
            root.draw(&Text::new(
                label.clone(),
                (x + glyph_w + gap, y),
                style.clone(),
            ))?;
            x += w + sep;
        }
    }
    Ok(())
}

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
    if fields.is_empty() || fields.len() > FIELDMAP_FIELDS.len() {
        return Err(PlotError::InvalidInput(format!(
            "field maps show 1 to {} fields (got {})",
            FIELDMAP_FIELDS.len(),
            fields.len()
        )));
    }
    let run = Run::open(run_dir)?;
    run.require_snapshots()?;
    let chosen = select_snapshots(&run.index, days)?;
    for f in fields {
        let snaps = chosen.iter().map(|&k| &run.index.snapshots[k]);
        if !snaps.clone().any(|m| m.fields.contains_key(*f)) {
            let mut have: Vec<&str> = snaps
                .flat_map(|m| m.fields.keys())
                .map(String::as_str)
                .collect();
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

#[cfg(test)]
mod tests {
    use super::super::testutil::{check_png, check_svg, count_color, fake_run};
    use super::*;

    const SHOWN: [AgentKind; 4] = [AgentKind::Msc, AgentKind::M1, AgentKind::M2, AgentKind::Tip];

    #[test]
    fn agents_are_drawn_in_their_own_colours() {
        let dir = tempfile::tempdir().unwrap();
        fake_run(dir.path(), 60, 50, 1, 3);
        let with = plot_fieldmaps(dir.path(), &dir.path().join("with"), None, ImageFormat::Png)
            .unwrap()
            .remove(0);
        // The same snapshot without agents: only the legend's markers remain.
        std::fs::write(
            dir.path().join("snapshots/d007.0_agents.csv"),
            "kind,id,x_um,y_um,state\n",
        )
        .unwrap();
        let without = plot_fieldmaps(
            dir.path(),
            &dir.path().join("without"),
            None,
            ImageFormat::Png,
        )
        .unwrap()
        .remove(0);
        for kind in SHOWN {
            let c = rgb(agent_color(kind));
            let (a, b) = (count_color(&with, c), count_color(&without, c));
            // Ten agents of each kind (twenty MSCs) in each of the four maps.
            assert!(
                a >= b + 4 * 10 * 4,
                "{kind:?} {c:?}: {a} pixels with agents, {b} without"
            );
        }
    }

    #[test]
    fn thinning_keeps_the_proportions_of_the_kinds() {
        let agent = |kind, i: u64| Agent {
            kind,
            x_um: 0.0,
            y_um: 0.0,
            order: (kind != AgentKind::MscDead, i),
        };
        let mut layers = Layers::default();
        layers
            .agents
            .extend((0..1000).map(|i| agent(AgentKind::MscDead, i)));
        layers
            .agents
            .extend((0..400).map(|i| agent(AgentKind::Msc, i)));
        layers
            .agents
            .extend((0..3).map(|i| agent(AgentKind::Tip, i)));
        layers.agents.sort_by_key(|a| a.order);
        // 1403 agents, at most 600 markers: every 3rd of each kind.
        let (shown, k) = layers.thinned(600);
        assert_eq!(k, 3);
        let count = |kind| shown.iter().filter(|a| a.kind == kind).count();
        assert_eq!(count(AgentKind::MscDead), 334);
        assert_eq!(count(AgentKind::Msc), 134);
        assert_eq!(count(AgentKind::Tip), 1);
        assert!(shown.len() <= 600 + 3);
        // Few agents: all drawn.
        let (all, k) = layers.thinned(5000);
        assert_eq!((all.len(), k), (1403, 1));
    }

    #[test]
    fn chosen_fields() {
        let dir = tempfile::tempdir().unwrap();
        fake_run(dir.path(), 60, 50, 2, 3);
        let out = dir.path().join("two");
        let paths = plot_fieldmaps_of(
            dir.path(),
            &out,
            Some(&[14.0]),
            &["vegf", "oxygen"],
            ImageFormat::Png,
        )
        .unwrap();
        let two = FieldmapLayout::new((1200.0, 1000.0), 2);
        assert_eq!(two.size.0, FieldmapLayout::new((1200.0, 1000.0), 4).size.0);
        check_png(&paths[0], two.size.0, two.size.1);
        let paths = plot_fieldmaps_of(dir.path(), &out, None, &["tnf"], ImageFormat::Png).unwrap();
        let one = FieldmapLayout::new((1200.0, 1000.0), 1);
        assert!(one.size.0 < two.size.0);
        check_png(&paths[1], one.size.0, one.size.1);
        let err =
            plot_fieldmaps_of(dir.path(), &out, None, &["kgf"], ImageFormat::Png).unwrap_err();
        assert!(
            matches!(&err, PlotError::NoData(m) if m.contains("kgf") && m.contains("il10")),
            "{err}"
        );
        let err = plot_fieldmaps_of(dir.path(), &out, None, &[], ImageFormat::Png).unwrap_err();
        assert!(matches!(err, PlotError::InvalidInput(_)));
    }

    #[test]
    fn agent_colours_are_distinct_and_unlike_vessels() {
        let mut all: Vec<RGBColor> = SHOWN.iter().map(|k| agent_color(*k)).collect();
        all.push(agent_color(AgentKind::MscDead));
        all.extend((1..=4).filter_map(vessel_color));
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a, b);
            }
        }
        let map = (400, 400);
        assert_eq!(marker_radius(map, 200, 100), 2);
        assert_eq!(marker_radius(map, 600, 100), 2);
        assert_eq!(marker_radius(map, 100, 100), 4);
        assert_eq!(marker_radius(map, 60, 100), 5);
        // Crowded: 5000 agents on the map.
        assert_eq!(marker_radius(map, 100, 5000), 1);
    }

    #[test]
    fn all_snapshots_png() {
        let dir = tempfile::tempdir().unwrap();
        fake_run(dir.path(), 60, 50, 3, 20);
        let out = dir.path().join("maps");
        let paths = plot_fieldmaps(dir.path(), &out, None, ImageFormat::Png).unwrap();
        assert_eq!(paths.len(), 3);
        let layout = FieldmapLayout::new((1200.0, 1000.0), 4);
        assert_eq!(layout.map, (400, 333));
        for p in &paths {
            check_png(p, layout.size.0, layout.size.1);
        }
        assert_eq!(paths[0], out.join("fieldmap_d007.0.png"));
    }

    #[test]
    fn chosen_days_svg_and_downsampling() {
        let dir = tempfile::tempdir().unwrap();
        fake_run(dir.path(), 450, 300, 3, 5);
        let days = [13.0, 100.0, 14.5];
        let paths = plot_fieldmaps(dir.path(), dir.path(), Some(&days), ImageFormat::Svg).unwrap();
        assert_eq!(
            paths,
            vec![
                dir.path().join("fieldmap_d014.0.svg"),
                dir.path().join("fieldmap_d021.0.svg")
            ]
        );
        for p in &paths {
            check_svg(p);
        }
        let paths = plot_fieldmaps(dir.path(), dir.path(), Some(&[7.0]), ImageFormat::Png).unwrap();
        let layout = FieldmapLayout::new((9000.0, 6000.0), 4);
        assert_eq!(layout.map, (400, 267));
        check_png(&paths[0], layout.size.0, layout.size.1);
    }

    #[test]
    fn block_reduction() {
        let a = Array2::from_shape_fn((5, 4), |(j, i)| (j * 4 + i) as f32);
        let b = block_average(&a, 2);
        assert_eq!(b.dim(), (3, 2));
        assert_eq!(b[[0, 0]], (0.0 + 1.0 + 4.0 + 5.0) / 4.0);
        assert_eq!(b[[2, 1]], (18.0 + 19.0) / 2.0);
        let v = Array2::from_shape_fn((4, 4), |(j, i)| if i == 1 && j < 2 { 2 } else { 4 });
        let r = block_reduce(&v, 2, |b| {
            b.iter()
                .copied()
                .max_by_key(|c| vessel_priority(*c))
                .unwrap()
        });
        assert_eq!(r, ndarray::arr2(&[[2, 4], [4, 4]]));
        assert_eq!(block_factor(500, 500, 400), 2);
        assert_eq!(block_factor(60, 50, 400), 1);
    }

    #[test]
    fn missing_and_bad_files_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let err = plot_fieldmaps(dir.path(), dir.path(), None, ImageFormat::Png).unwrap_err();
        assert!(matches!(&err, PlotError::Missing { path } if path.ends_with("index.json")));

        fake_run(dir.path(), 30, 20, 2, 3);
        let vegf = dir.path().join("snapshots/d014.0_vegf.npy");
        std::fs::remove_file(&vegf).unwrap();
        let err = plot_fieldmaps(dir.path(), dir.path(), None, ImageFormat::Png).unwrap_err();
        assert!(
            matches!(&err, PlotError::Missing { path } if *path == vegf),
            "{err}"
        );
        assert!(err.to_string().contains("d014.0_vegf.npy"));

        std::fs::write(&vegf, b"not an npy file").unwrap();
        let err = plot_fieldmaps(dir.path(), dir.path(), None, ImageFormat::Png).unwrap_err();
        assert!(
            matches!(&err, PlotError::Npy { path, .. } if *path == vegf),
            "{err}"
        );

        let small = Array2::<f32>::zeros((3, 3));
        ndarray_npy::write_npy(&vegf, &small).unwrap();
        let err = plot_fieldmaps(dir.path(), dir.path(), None, ImageFormat::Png).unwrap_err();
        assert!(
            matches!(&err, PlotError::Data { path, .. } if *path == vegf),
            "{err}"
        );

        let agents = dir.path().join("snapshots/d007.0_agents.csv");
        std::fs::remove_file(&agents).unwrap();
        let err =
            plot_fieldmaps(dir.path(), dir.path(), Some(&[7.0]), ImageFormat::Png).unwrap_err();
        assert!(
            matches!(&err, PlotError::Missing { path } if *path == agents),
            "{err}"
        );

        std::fs::write(dir.path().join("snapshots/index.json"), "{\"nx\": 3").unwrap();
        let err = plot_fieldmaps(dir.path(), dir.path(), None, ImageFormat::Png).unwrap_err();
        assert!(matches!(err, PlotError::Json { .. }), "{err}");

        std::fs::write(
            dir.path().join("snapshots/index.json"),
            r#"{"dx_um": 20.0, "nx": 3, "ny": 3, "snapshots": []}"#,
        )
        .unwrap();
        let err = plot_fieldmaps(dir.path(), dir.path(), None, ImageFormat::Png).unwrap_err();
        assert!(matches!(err, PlotError::NoData(_)), "{err}");
    }

    #[test]
    fn snapshot_selection() {
        let dir = tempfile::tempdir().unwrap();
        fake_run(dir.path(), 10, 10, 3, 3);
        let run = Run::open(dir.path()).unwrap();
        assert_eq!(select_snapshots(&run.index, None).unwrap(), vec![0, 1, 2]);
        assert_eq!(
            select_snapshots(&run.index, Some(&[0.0, 20.0, 1.0])).unwrap(),
            vec![0, 2]
        );
        assert!(select_snapshots(&run.index, Some(&[f64::NAN])).is_err());
    }
}
