//! Snapshot index and files: what a run directory's snapshots hold, read as arrays and agent lists, and the block reduction of large maps.

use super::*;

// ---------------------------------------------------------------------------
// Snapshot index and files
// ---------------------------------------------------------------------------

/// `snapshots/index.json`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SnapshotIndex {
    pub dx_um: f64,
    pub nx: usize,
    pub ny: usize,
    /// Layers of a 3D run's field files (1 in 2D).
    #[serde(default = "one")]
    pub nz: usize,
    /// The layer a 3D run's maps show (the wound bed: the layer of the
    /// wound and vessel maps).
    #[serde(default)]
    pub bed_layer: Option<usize>,
    /// Layer thickness of a 3D run (µm).
    #[serde(default)]
    pub dz_um: Option<f64>,
    /// What each layer of a 3D run holds, bottom first.
    #[serde(default)]
    pub layers: Vec<String>,
    #[serde(default)]
    pub snapshots: Vec<SnapshotMeta>,
}

fn one() -> usize {
    1
}

/// One entry of `snapshots` in the index; file names are relative to the
/// `snapshots/` directory.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SnapshotMeta {
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
    /// Tissue maps (bacteria, matrix): `(ny, nx)` files of the wound bed,
    /// shown like fields.
    #[serde(default)]
    pub maps: BTreeMap<String, String>,
}

impl SnapshotMeta {
    /// Whether the snapshot holds `name` as a field or a tissue map.
    pub fn has(&self, name: &str) -> bool {
        self.fields.contains_key(name) || self.maps.contains_key(name)
    }

    /// The names of its fields and tissue maps.
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.fields
            .keys()
            .chain(self.maps.keys())
            .map(String::as_str)
    }

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
pub(crate) enum AgentKind {
    MscDead,
    M2,
    M1,
    MscSenescent,
    Msc,
    Tip,
    NeutrophilApoptotic,
    Neutrophil,
}

impl AgentKind {
    pub(super) fn classify(kind: &str, state: &str) -> Option<Self> {
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
            "neutrophil" => match state.as_str() {
                "live" | "" => Some(AgentKind::Neutrophil),
                "apoptotic" => Some(AgentKind::NeutrophilApoptotic),
                _ => None,
            },
            _ => None,
        }
    }
}

/// An agent position in µm.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Agent {
    pub kind: AgentKind,
    pub x_um: f64,
    pub y_um: f64,
    /// Height in a 3D run (the slice centre in 2D, where `agents.csv` has no
    /// `z_um`: 0).
    pub z_um: f64,
    /// Drawing order: dead MSCs first, then every other agent in an order
    /// hashed from its kind and id, so that where markers pile up the ones
    /// on top are a fair sample of all kinds.
    pub order: (bool, u64),
}

#[derive(Deserialize)]
pub(super) struct AgentRow {
    pub(super) kind: String,
    #[serde(default)]
    pub(super) id: u64,
    pub(super) x_um: f64,
    pub(super) y_um: f64,
    #[serde(default)]
    pub(super) state: String,
    #[serde(default)]
    pub(super) z_um: f64,
}

/// The display-ready content of one snapshot: fields, wound mask and vessels
/// block-reduced to the pixel budget, agents as read.
#[derive(Debug, Default)]
pub(crate) struct Layers {
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
pub(crate) struct Run {
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
        let (file, layered) = match (meta.fields.get(field), meta.maps.get(field)) {
            (Some(file), _) => (file, self.index.nz > 1),
            // Tissue maps are the bed's (ny, nx) in 3D too.
            (None, Some(file)) => (file, false),
            (None, None) => return Ok(None),
        };
        let path = self.dir.join(file);
        if layered {
            return self.read_bed_layer(&path).map(Some);
        }
        let arr = read_array::<f32>(&path).or_else(|e| {
            read_array::<f64>(&path)
                .map(|a| a.mapv(|v| v as f32))
                .map_err(|_| e)
        })?;
        self.check_shape(&path, arr.dim())?;
        Ok(Some(arr))
    }

    /// The wound bed's layer of a 3D field file `(nz, ny, nx)`: the top
    /// view the maps show.
    fn read_bed_layer(&self, path: &Path) -> Result<Array2<f32>, PlotError> {
        let bed = self
            .index
            .bed_layer
            .unwrap_or(0)
            .min(self.index.nz.max(1) - 1);
        Ok(self
            .read_3d(path)?
            .index_axis(ndarray::Axis(0), bed)
            .to_owned())
    }

    /// The `(nz, nx)` cross-section at row `iy` of a 3D run's field, or
    /// `None` if the snapshot does not list it.
    pub fn read_section(
        &self,
        meta: &SnapshotMeta,
        field: &str,
        iy: usize,
    ) -> Result<Option<Array2<f32>>, PlotError> {
        let Some(file) = meta.fields.get(field) else {
            return Ok(None);
        };
        let a = self.read_3d(&self.dir.join(file))?;
        let iy = iy.min(self.index.ny - 1);
        Ok(Some(a.index_axis(ndarray::Axis(1), iy).to_owned()))
    }

    /// A 3D field file, checked against the index's `(nz, ny, nx)`.
    fn read_3d(&self, path: &Path) -> Result<ndarray::Array3<f32>, PlotError> {
        require_file(path)?;
        let a: ndarray::Array3<f32> = read_npy(path).map_err(|e| match e {
            ReadNpyError::Io(source) => io_err(path, source),
            other => PlotError::Npy {
                path: path.to_path_buf(),
                message: other.to_string(),
            },
        })?;
        let want = (self.index.nz, self.index.ny, self.index.nx);
        if a.dim() != want {
            return Err(PlotError::Data {
                path: path.to_path_buf(),
                message: format!(
                    "array shape {:?}, index says (nz, ny, nx) = {want:?}",
                    a.dim()
                ),
            });
        }
        Ok(a)
    }

    pub(super) fn read_mask(&self, file: &str) -> Result<Array2<u8>, PlotError> {
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

    pub(super) fn check_shape(&self, path: &Path, dim: (usize, usize)) -> Result<(), PlotError> {
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
        self.range_over(snaps, |m| self.read_field(m, field))
    }

    /// Colour range of the arrays `read` gives for the given snapshots
    /// (a top view, a cross-section; `None` for a snapshot without one).
    pub fn range_over(
        &self,
        snaps: &[usize],
        read: impl Fn(&SnapshotMeta) -> Result<Option<Array2<f32>>, PlotError>,
    ) -> Result<(f64, f64), PlotError> {
        let mut r: Option<(f64, f64)> = None;
        for &k in snaps {
            if let Some(a) = read(&self.index.snapshots[k])? {
                let fr = finite_range(a.iter().map(|v| *v as f64));
                r = finite_range(r.into_iter().chain(fr).flat_map(|(a, b)| [a, b]));
            }
        }
        Ok(color_range(r))
    }
}

pub(super) fn read_array<T: ReadableElement>(path: &Path) -> Result<Array2<T>, PlotError> {
    require_file(path)?;
    read_npy::<_, Array2<T>>(path).map_err(|e| match e {
        ReadNpyError::Io(source) => io_err(path, source),
        other => PlotError::Npy {
            path: path.to_path_buf(),
            message: other.to_string(),
        },
    })
}

pub(super) fn read_agents(path: &Path) -> Result<Vec<Agent>, PlotError> {
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
                    z_um: row.z_um,
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
pub(crate) fn color_range(r: Option<(f64, f64)>) -> (f64, f64) {
    let (lo, hi) = r.unwrap_or((0.0, 1.0));
    widen(lo.min(0.0), hi)
}

// ---------------------------------------------------------------------------
// Block reduction
// ---------------------------------------------------------------------------

/// Block size that brings `max(nx, ny)` down to at most `budget`.
pub(crate) fn block_factor(nx: usize, ny: usize, budget: usize) -> usize {
    nx.max(ny).div_ceil(budget.max(1)).max(1)
}

/// Mean of each `f`×`f` block, ignoring NaN (all-NaN blocks stay NaN).
pub(crate) fn block_average(a: &Array2<f32>, f: usize) -> Array2<f32> {
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
pub(super) fn block_reduce(a: &Array2<u8>, f: usize, reduce: impl Fn(&[u8]) -> u8) -> Array2<u8> {
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
pub(super) fn vessel_priority(code: u8) -> u8 {
    match code {
        2 => 4,
        3 => 3,
        1 => 2,
        4 => 1,
        _ => 0,
    }
}
