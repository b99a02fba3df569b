//! Export of a run directory's field snapshots for other tools:
//!
//! - **VTK** ([`to_vtk`]), for ParaView and VisIt: `fields.pvd`, a time
//!   series of `vtk/<tag>_fields.vti` image data (one cell per voxel, every
//!   field plus the wound mask and the vessel map as cell data named with
//!   their unit, e.g. `oxygen [mmHg]`; spacing in µm), and `agents.pvd`, a
//!   time series of `vtk/<tag>_agents.vtp` point data (one vertex per agent
//!   at its position in µm, with `kind`, `state` and `id`).
//!   A 3D run's `.vti` files are `nx × ny × nz` cells (spacing dx, dx, dz;
//!   z up, layer 0 at the bottom) with a `layer [code]` array (the index of
//!   [`LAYER_KINDS`]); its wound and vessel maps, which belong to the wound
//!   bed's layer, go to `maps.pvd`: `vtk/<tag>_maps.vti`, one layer of cells
//!   placed at the bed layer's height.
//! - **Zarr** ([`to_zarr`]), for xarray: one Zarr (format 2) store with
//!   consolidated metadata holding every field, the wound mask and the
//!   vessel map as `(time, y, x)` arrays, coordinates `time` (days), `y`,
//!   `x` (µm, voxel centres) and CF-style `units`, `long_name`,
//!   `flag_values`/`flag_meanings` attributes (`_ARRAY_DIMENSIONS` names the
//!   dimensions for xarray). In a 3D run the fields are `(time, z, y, x)`
//!   arrays with a coordinate `z` (µm, layer centres, up) and a `layer`
//!   variable naming what each layer holds; the wound and vessel maps stay
//!   `(time, y, x)` and carry the bed layer's index as `layer`.
//!
//! Both are written by hand (the VTK XML format with raw appended binary
//! data, the Zarr v2 layout without compression): a few hundred lines that
//! need no further dependency, instead of crates whose codec and XML stacks
//! would lengthen every build. Every file is written atomically into a
//! directory prepared (marker, lock, `--force` rules) as every other
//! woundsim output directory.
//!
//! Codes of the integer arrays: `wound` 0 closed / 1 open; `vessels`
//! [`VESSEL_CODES`]; agent `kind` [`AGENT_KINDS`]; agent `state`
//! [`AGENT_STATES`].

use super::snapshot::{Entry, Index};
use super::{ensure_subdir, prepare_dir, write_atomic, OutputKind};
use crate::error::{Error, InputError, Result};
use ndarray::Array2;
use ndarray_npy::ReadNpyExt;
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Vessel-map codes (`vessels.npy`, and the exports).
pub const VESSEL_CODES: [(u8, &str); 5] = [
    (0, "none"),
    (1, "sprout"),
    (2, "perfused"),
    (3, "abnormal"),
    (4, "mature"),
];

/// Agent kind codes of the VTK agent files.
pub const AGENT_KINDS: [(i32, &str); 4] =
    [(0, "msc"), (1, "macrophage"), (2, "tip"), (3, "neutrophil")];

/// Agent state codes of the VTK agent files (the `state` column of a
/// snapshot's `agents.csv`).
pub const AGENT_STATES: [(i32, &str); 8] = [
    (0, "live"),
    (1, "senescent"),
    (2, "dead"),
    (3, "carrier"),
    (4, "m1"),
    (5, "m2"),
    (6, "tip"),
    (7, "apoptotic"),
];

/// Layer kinds of a 3D export's `layer` codes (VTK `layer [code]`, the
/// Zarr `layer` variable's flag values), as `snapshots/index.json` names
/// them.
pub const LAYER_KINDS: [(u8, &str); 5] = [
    (0, "dermis"),
    (1, "bed"),
    (2, "carrier"),
    (3, "cavity"),
    (4, "dressing"),
];

/// One snapshot read back from a run directory.
struct Snap {
    day: f64,
    tag: String,
    /// (name, unit, values: (nz·ny, nx), the layers bottom first; nz = 1 in 2D).
    fields: Vec<(String, String, Array2<f32>)>,
    wound: Array2<u8>,
    vessels: Array2<u8>,
}

/// The 3D geometry of an index (`None` for a 2D run).
struct Depth3 {
    nz: usize,
    dz_um: f64,
    /// The layer codes, bottom first.
    codes: Vec<u8>,
    bed: usize,
}

fn depth_of(index: &Index, path: &Path) -> Result<Option<Depth3>> {
    if index.nz <= 1 {
        return Ok(None);
    }
    let dz_um = index
        .dz_um
        .filter(|d| d.is_finite() && *d > 0.0)
        .ok_or_else(|| {
            bad(
                path,
                format!("3D index ({} layers) without a valid dz_um", index.nz),
            )
        })?;
    if index.layers.len() != index.nz {
        return Err(bad(
            path,
            format!(
                "3D index: {} layer kinds for nz = {}",
                index.layers.len(),
                index.nz
            ),
        ));
    }
    let codes = index
        .layers
        .iter()
        .map(|k| {
            LAYER_KINDS
                .iter()
                .find(|(_, n)| n == k)
                .map(|(c, _)| *c)
                .ok_or_else(|| {
                    bad(
                        path,
                        format!(
                            "layer kind '{k}' (allowed: {})",
                            LAYER_KINDS
                                .iter()
                                .map(|(_, n)| *n)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                })
        })
        .collect::<Result<Vec<_>>>()?;
    let bed = index.bed_layer.filter(|&b| b < index.nz).ok_or_else(|| {
        bad(
            path,
            format!("3D index without a bed_layer below nz = {}", index.nz),
        )
    })?;
    Ok(Some(Depth3 {
        nz: index.nz,
        dz_um,
        codes,
        bed,
    }))
}

/// One row of a snapshot's `agents.csv`, coded.
struct Agent {
    kind: i32,
    state: i32,
    id: u64,
    x: f32,
    y: f32,
    /// Height (µm; 0 in 2D, where `agents.csv` has no `z_um`).
    z: f32,
}

fn bad(file: &Path, msg: impl Into<String>) -> Error {
    Error::Input(InputError::new(file.display().to_string(), None, msg))
}

/// The snapshot index of `run_dir`, with at least one snapshot.
fn read_index(run_dir: &Path) -> Result<Index> {
    let path = run_dir.join("snapshots").join("index.json");
    if !path.is_file() {
        return Err(bad(
            run_dir,
            "not a run directory with snapshots (no snapshots/index.json); run it without --no-snapshots",
        ));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io("reading", &path, e))?;
    let index: Index = serde_json::from_str(&text)
        .map_err(|e| bad(&path, format!("not a snapshot index: {e}")))?;
    if index.snapshots.is_empty() {
        return Err(bad(&path, "lists no snapshots"));
    }
    depth_of(&index, &path)?;
    let missing = index.missing_files(run_dir);
    if let Some(first) = missing.first() {
        return Err(bad(
            &path,
            format!(
                "{} listed file(s) are missing (first: {first})",
                missing.len()
            ),
        ));
    }
    Ok(index)
}

/// A `.npy` array of `shape` ((ny, nx), or (nz, ny, nx) for a 3D field),
/// as a standard-layout `(product of the leading axes, nx)` array.
fn npy<T: ndarray_npy::ReadableElement + Clone>(path: &Path, shape: &[usize]) -> Result<Array2<T>> {
    let f = std::fs::File::open(path).map_err(|e| Error::io("reading", path, e))?;
    let a = ndarray::ArrayD::<T>::read_npy(std::io::BufReader::new(f))
        .map_err(|e| bad(path, format!("not a readable .npy array: {e}")))?;
    if a.shape() != shape {
        let axes = if shape.len() == 3 {
            "(nz, ny, nx)"
        } else {
            "(ny, nx)"
        };
        return Err(bad(
            path,
            format!(
                "shape {:?}, the snapshot index says {axes} = {shape:?}",
                a.shape()
            ),
        ));
    }
    let rows = shape[..shape.len() - 1].iter().product::<usize>();
    let flat: Vec<T> = a.as_standard_layout().iter().cloned().collect();
    Array2::from_shape_vec((rows, shape[shape.len() - 1]), flat)
        .map_err(|e| bad(path, format!("array of shape {shape:?}: {e}")))
}

fn read_snap(sdir: &Path, index: &Index, e: &Entry) -> Result<Snap> {
    let map_shape = [index.ny, index.nx];
    let field_shape: Vec<usize> = if index.nz > 1 {
        vec![index.nz, index.ny, index.nx]
    } else {
        map_shape.to_vec()
    };
    let mut fields = Vec::with_capacity(e.fields.len());
    for (name, file) in &e.fields {
        let unit = e.units.get(name).cloned().unwrap_or_default();
        fields.push((
            name.clone(),
            unit,
            npy::<f32>(&sdir.join(file), &field_shape)?,
        ));
    }
    let shape = &map_shape;
    Ok(Snap {
        day: e.day,
        tag: e.tag.clone(),
        fields,
        wound: npy::<u8>(&sdir.join(&e.wound), shape)?,
        vessels: npy::<u8>(&sdir.join(&e.vessels), shape)?,
    })
}

fn code(table: &[(i32, &str)], name: &str, what: &str, file: &Path) -> Result<i32> {
    table
        .iter()
        .find(|(_, n)| *n == name)
        .map(|(c, _)| *c)
        .ok_or_else(|| {
            bad(
                file,
                format!(
                    "agent {what} '{name}' (allowed: {})",
                    table.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(", ")
                ),
            )
        })
}

fn read_agents(path: &Path) -> Result<Vec<Agent>> {
    let mut r = csv::Reader::from_path(path).map_err(|e| bad(path, e.to_string()))?;
    // 3D snapshots add `z_um` as a last column.
    let z_col = r
        .headers()
        .map_err(|e| bad(path, e.to_string()))?
        .iter()
        .position(|h| h == "z_um");
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| bad(path, e.to_string()))?;
        let field = |i: usize| rec.get(i).unwrap_or("");
        let num = |i: usize| -> Result<f64> {
            field(i)
                .parse::<f64>()
                .map_err(|_| bad(path, format!("column {i}: '{}' is not a number", field(i))))
        };
        out.push(Agent {
            kind: code(&AGENT_KINDS, field(0), "kind", path)?,
            id: field(1)
                .parse()
                .map_err(|_| bad(path, format!("agent id '{}'", field(1))))?,
            x: num(2)? as f32,
            y: num(3)? as f32,
            state: code(&AGENT_STATES, field(4), "state", path)?,
            z: match z_col {
                Some(c) => num(c)? as f32,
                None => 0.0,
            },
        });
    }
    Ok(out)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Raw appended binary blocks of a VTK XML file: each block is its byte
/// count (UInt64, little-endian) followed by the bytes.
#[derive(Default)]
struct Appended {
    bytes: Vec<u8>,
}

impl Appended {
    /// Append a block; returns its offset (for the `offset` attribute).
    fn push(&mut self, data: &[u8]) -> usize {
        let at = self.bytes.len();
        self.bytes
            .extend_from_slice(&(data.len() as u64).to_le_bytes());
        self.bytes.extend_from_slice(data);
        at
    }
}

fn le_f32(a: impl Iterator<Item = f32>) -> Vec<u8> {
    a.flat_map(f32::to_le_bytes).collect()
}

/// A VTK name with its unit: `oxygen [mmHg]`.
pub fn vtk_name(name: &str, unit: &str) -> String {
    if unit.is_empty() {
        name.to_string()
    } else {
        format!("{name} [{unit}]")
    }
}

fn data_array(xml: &mut String, ty: &str, name: &str, comps: usize, offset: usize) {
    let _ = writeln!(
        xml,
        "        <DataArray type=\"{ty}\" Name=\"{}\" NumberOfComponents=\"{comps}\" format=\"appended\" offset=\"{offset}\"/>",
        xml_escape(name)
    );
}

fn finish_vtk(mut xml: String, app: Appended) -> Vec<u8> {
    xml.push_str("  <AppendedData encoding=\"raw\">\n   _");
    let mut out = xml.into_bytes();
    out.extend_from_slice(&app.bytes);
    out.extend_from_slice(b"\n  </AppendedData>\n</VTKFile>\n");
    out
}

const VTK_HEAD: &str = "<?xml version=\"1.0\"?>\n";

fn time_value(xml: &mut String, app: &mut Appended, day: f64) {
    let off = app.push(&day.to_le_bytes());
    let _ = writeln!(
        xml,
        "    <FieldData>\n      <DataArray type=\"Float64\" Name=\"TimeValue\" NumberOfTuples=\"1\" format=\"appended\" offset=\"{off}\"/>\n    </FieldData>"
    );
}

/// The opening of a `.vti` file of `nx × ny × nz` cells of `dx × dx × dz`
/// µm whose bottom face is at height `z0_um`, with its time value and the
/// opening of its cell data (`scalars` the active array).
fn vti_head(
    app: &mut Appended,
    cells: [usize; 3],
    spacing: [f64; 3],
    z0_um: f64,
    day: f64,
    scalars: &str,
) -> String {
    let [nx, ny, nz] = cells;
    let [dx, dy, dz] = spacing;
    let mut xml = String::from(VTK_HEAD);
    xml.push_str("<VTKFile type=\"ImageData\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt64\">\n");
    let _ = writeln!(
        xml,
        "  <ImageData WholeExtent=\"0 {nx} 0 {ny} 0 {nz}\" Origin=\"0 0 {z0_um}\" Spacing=\"{dx} {dy} {dz}\">"
    );
    time_value(&mut xml, app, day);
    let _ = writeln!(xml, "    <Piece Extent=\"0 {nx} 0 {ny} 0 {nz}\">");
    let _ = writeln!(xml, "      <CellData Scalars=\"{}\">", xml_escape(scalars));
    xml
}

fn vti_tail(mut xml: String, app: Appended) -> Vec<u8> {
    xml.push_str("      </CellData>\n    </Piece>\n  </ImageData>\n");
    finish_vtk(xml, app)
}

fn push_maps(xml: &mut String, app: &mut Appended, s: &Snap) {
    let off = app.push(s.wound.as_slice().expect("standard layout"));
    data_array(xml, "UInt8", "wound [1 = open]", 1, off);
    let off = app.push(s.vessels.as_slice().expect("standard layout"));
    data_array(xml, "UInt8", "vessels [code]", 1, off);
}

/// The `.vti` image data of one snapshot's fields: one cell per voxel (in
/// 2D the wound and vessel maps too; in 3D the layer codes).
fn vti(s: &Snap, dx_um: f64, depth: Option<&Depth3>) -> Vec<u8> {
    let (ny, nx) = s.wound.dim();
    let (nz, dz) = depth.map_or((1, dx_um), |d| (d.nz, d.dz_um));
    let mut app = Appended::default();
    let first = s
        .fields
        .first()
        .map(|(n, u, _)| vtk_name(n, u))
        .unwrap_or_default();
    let mut xml = vti_head(
        &mut app,
        [nx, ny, nz],
        [dx_um, dx_um, dz],
        0.0,
        s.day,
        &first,
    );
    for (name, unit, a) in &s.fields {
        let off = app.push(&le_f32(a.iter().copied()));
        data_array(&mut xml, "Float32", &vtk_name(name, unit), 1, off);
    }
    match depth {
        None => push_maps(&mut xml, &mut app, s),
        Some(d) => {
            // Each cell's layer code, layer by layer (x fastest, z slowest).
            let layer: Vec<u8> = d
                .codes
                .iter()
                .flat_map(|&c| std::iter::repeat_n(c, nx * ny))
                .collect();
            let off = app.push(&layer);
            data_array(&mut xml, "UInt8", "layer [code]", 1, off);
        }
    }
    vti_tail(xml, app)
}

/// The `.vti` of a 3D snapshot's wound and vessel maps: one layer of cells
/// at the bed layer's height.
fn vti_maps(s: &Snap, dx_um: f64, d: &Depth3) -> Vec<u8> {
    let (ny, nx) = s.wound.dim();
    let mut app = Appended::default();
    let z0 = d.bed as f64 * d.dz_um;
    let mut xml = vti_head(
        &mut app,
        [nx, ny, 1],
        [dx_um, dx_um, d.dz_um],
        z0,
        s.day,
        "wound [1 = open]",
    );
    push_maps(&mut xml, &mut app, s);
    vti_tail(xml, app)
}

/// The `.vtp` point data of one snapshot's agents.
fn vtp(agents: &[Agent], day: f64) -> Vec<u8> {
    let n = agents.len();
    let mut app = Appended::default();
    let mut xml = String::from(VTK_HEAD);
    xml.push_str("<VTKFile type=\"PolyData\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt64\">\n  <PolyData>\n");
    time_value(&mut xml, &mut app, day);
    let _ = writeln!(
        xml,
        "    <Piece NumberOfPoints=\"{n}\" NumberOfVerts=\"{n}\" NumberOfLines=\"0\" NumberOfStrips=\"0\" NumberOfPolys=\"0\">"
    );
    xml.push_str("      <PointData Scalars=\"kind\">\n");
    let ints = |f: &dyn Fn(&Agent) -> i32| -> Vec<u8> {
        agents.iter().flat_map(|a| f(a).to_le_bytes()).collect()
    };
    let off = app.push(&ints(&|a| a.kind));
    data_array(&mut xml, "Int32", "kind", 1, off);
    let off = app.push(&ints(&|a| a.state));
    data_array(&mut xml, "Int32", "state", 1, off);
    let ids: Vec<u8> = agents.iter().flat_map(|a| a.id.to_le_bytes()).collect();
    let off = app.push(&ids);
    data_array(&mut xml, "UInt64", "id", 1, off);
    xml.push_str("      </PointData>\n      <Points>\n");
    let pts = le_f32(agents.iter().flat_map(|a| [a.x, a.y, a.z]));
    let off = app.push(&pts);
    data_array(&mut xml, "Float32", "position [µm]", 3, off);
    xml.push_str("      </Points>\n      <Verts>\n");
    let conn: Vec<u8> = (0..n as i64).flat_map(i64::to_le_bytes).collect();
    let off = app.push(&conn);
    data_array(&mut xml, "Int64", "connectivity", 1, off);
    let offs: Vec<u8> = (1..=n as i64).flat_map(i64::to_le_bytes).collect();
    let off = app.push(&offs);
    data_array(&mut xml, "Int64", "offsets", 1, off);
    xml.push_str("      </Verts>\n    </Piece>\n  </PolyData>\n");
    finish_vtk(xml, app)
}

fn pvd(entries: &[(f64, String)]) -> Vec<u8> {
    let mut xml = String::from(VTK_HEAD);
    xml.push_str("<VTKFile type=\"Collection\" version=\"0.1\" byte_order=\"LittleEndian\">\n  <Collection>\n");
    for (day, file) in entries {
        let _ = writeln!(
            xml,
            "    <DataSet timestep=\"{day}\" group=\"\" part=\"0\" file=\"{}\"/>",
            xml_escape(file)
        );
    }
    xml.push_str("  </Collection>\n</VTKFile>\n");
    xml.into_bytes()
}

/// The entries an export directory of VTK files holds (`maps.pvd` only
/// from a 3D run).
pub fn vtk_kind(three_d: bool) -> OutputKind {
    let mut entries = vec!["fields.pvd".to_string(), "agents.pvd".into(), "vtk".into()];
    if three_d {
        entries.push("maps.pvd".into());
    }
    OutputKind {
        kind: "export",
        entries,
    }
}

/// Write the VTK time series of `run_dir`'s snapshots into `out` (created;
/// a non-empty `out` needs `force`). Returns the `.pvd` files (two in 2D;
/// in 3D also `maps.pvd`).
pub fn to_vtk(run_dir: &Path, out: &Path, force: bool) -> Result<Vec<PathBuf>> {
    let index = read_index(run_dir)?;
    let depth = depth_of(&index, run_dir)?;
    let _lock = prepare_dir(out, force, &vtk_kind(depth.is_some()))?;
    let vdir = ensure_subdir(out, "vtk")?;
    let sdir = run_dir.join("snapshots");
    let mut fields = Vec::new();
    let mut maps = Vec::new();
    let mut agents = Vec::new();
    for e in &index.snapshots {
        let s = read_snap(&sdir, &index, e)?;
        let f = format!("{}_fields.vti", s.tag);
        write_atomic(&vdir.join(&f), &vti(&s, index.dx_um, depth.as_ref()))?;
        fields.push((s.day, format!("vtk/{f}")));
        if let Some(d) = &depth {
            let f = format!("{}_maps.vti", s.tag);
            write_atomic(&vdir.join(&f), &vti_maps(&s, index.dx_um, d))?;
            maps.push((s.day, format!("vtk/{f}")));
        }
        let a = read_agents(&sdir.join(&e.agents))?;
        let f = format!("{}_agents.vtp", s.tag);
        write_atomic(&vdir.join(&f), &vtp(&a, s.day))?;
        agents.push((s.day, format!("vtk/{f}")));
    }
    let fp = out.join("fields.pvd");
    write_atomic(&fp, &pvd(&fields))?;
    let ap = out.join("agents.pvd");
    write_atomic(&ap, &pvd(&agents))?;
    let mut written = vec![fp, ap];
    if depth.is_some() {
        let mp = out.join("maps.pvd");
        write_atomic(&mp, &pvd(&maps))?;
        written.push(mp);
    }
    Ok(written)
}

/// A CF / UDUNITS spelling of a woundsim unit (`ng/mL` → `ng mL-1`,
/// `au` → `1`, `µm` → `um`).
pub fn cf_unit(unit: &str) -> String {
    match unit {
        "au" | "" => "1".into(),
        u => match u.split_once('/') {
            Some((a, b)) => format!("{} {b}-1", a.replace('µ', "u")),
            None => u.replace('µ', "u"),
        },
    }
}

/// One Zarr v2 array's metadata.
fn zarray(shape: &[usize], chunks: &[usize], dtype: &str, fill: Value) -> Value {
    json!({
        "zarr_format": 2,
        "shape": shape,
        "chunks": chunks,
        "dtype": dtype,
        "compressor": null,
        "fill_value": fill,
        "order": "C",
        "filters": null,
        "dimension_separator": "."
    })
}

/// The entries a Zarr export holds for arrays `names` (and, from a 3D run,
/// the `z` coordinate and the `layer` kinds).
pub fn zarr_kind(names: &[String], three_d: bool) -> OutputKind {
    let mut entries: Vec<String> = [".zgroup", ".zattrs", ".zmetadata", "time", "y", "x"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    if three_d {
        entries.extend(["z".to_string(), "layer".to_string()]);
    }
    entries.extend(names.iter().cloned());
    OutputKind {
        kind: "export",
        entries,
    }
}

/// Write the snapshots of `run_dir` as one Zarr (format 2) store at `out`
/// (created; a non-empty `out` needs `force`). Returns `out`.
pub fn to_zarr(run_dir: &Path, out: &Path, force: bool) -> Result<PathBuf> {
    let index = read_index(run_dir)?;
    let depth = depth_of(&index, run_dir)?;
    let (ny, nx, nt) = (index.ny, index.nx, index.snapshots.len());
    let first = &index.snapshots[0];
    let mut names: Vec<String> = first.fields.keys().cloned().collect();
    for e in &index.snapshots {
        if e.fields.keys().ne(first.fields.keys()) {
            return Err(bad(
                &run_dir.join("snapshots").join("index.json"),
                format!(
                    "snapshot {} has other fields than snapshot {}",
                    e.tag, first.tag
                ),
            ));
        }
    }
    names.extend(["wound".to_string(), "vessels".to_string()]);
    let _lock = prepare_dir(out, force, &zarr_kind(&names, depth.is_some()))?;
    let mut meta = serde_json::Map::new();
    let put = |rel: &str, v: &Value, meta: &mut serde_json::Map<String, Value>| -> Result<()> {
        write_atomic(&out.join(rel), format!("{v}\n").as_bytes())?;
        meta.insert(rel.to_string(), v.clone());
        Ok(())
    };
    let group = json!({"zarr_format": 2});
    put(".zgroup", &group, &mut meta)?;
    let mut attrs = json!({
        "Conventions": "CF-1.8",
        "title": "woundsim field snapshots",
        "source": format!("woundsim {}", crate::VERSION),
        "run_directory": run_dir.display().to_string(),
        "dx_um": index.dx_um,
    });
    if let Some(d) = &depth {
        attrs["dz_um"] = json!(d.dz_um);
        attrs["bed_layer"] = json!(d.bed);
        attrs["layers"] = json!(index.layers);
    }
    put(".zattrs", &attrs, &mut meta)?;
    // Coordinates.
    let coord = |name: &str,
                 values: Vec<f64>,
                 attrs: Value,
                 meta: &mut serde_json::Map<String, Value>|
     -> Result<()> {
        ensure_subdir(out, name)?;
        let n = values.len();
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        write_atomic(&out.join(name).join("0"), &bytes)?;
        let a = zarray(&[n], &[n.max(1)], "<f8", json!("NaN"));
        write_atomic(&out.join(name).join(".zarray"), format!("{a}\n").as_bytes())?;
        write_atomic(
            &out.join(name).join(".zattrs"),
            format!("{attrs}\n").as_bytes(),
        )?;
        meta.insert(format!("{name}/.zarray"), a);
        meta.insert(format!("{name}/.zattrs"), attrs);
        Ok(())
    };
    let days: Vec<f64> = index.snapshots.iter().map(|e| e.day).collect();
    coord(
        "time",
        days,
        json!({"_ARRAY_DIMENSIONS": ["time"], "units": "d", "long_name": "time since the start of the run", "axis": "T"}),
        &mut meta,
    )?;
    let centres = |n: usize| (0..n).map(|i| (i as f64 + 0.5) * index.dx_um).collect();
    coord(
        "y",
        centres(ny),
        json!({"_ARRAY_DIMENSIONS": ["y"], "units": "um", "long_name": "y of the voxel centre", "axis": "Y"}),
        &mut meta,
    )?;
    coord(
        "x",
        centres(nx),
        json!({"_ARRAY_DIMENSIONS": ["x"], "units": "um", "long_name": "x of the voxel centre", "axis": "X"}),
        &mut meta,
    )?;
    let dims = json!(["time", "y", "x"]);
    // 3D: the z coordinate, the layer kinds and (time, z, y, x) fields.
    let (field_dims, field_shape, field_chunks) = match &depth {
        None => (dims.clone(), vec![nt, ny, nx], vec![1, ny, nx]),
        Some(d) => {
            coord(
                "z",
                (0..d.nz).map(|i| (i as f64 + 0.5) * d.dz_um).collect(),
                json!({"_ARRAY_DIMENSIONS": ["z"], "units": "um", "long_name": "height of the layer centre above the subdermal plexus",
                       "axis": "Z", "positive": "up"}),
                &mut meta,
            )?;
            let dir = ensure_subdir(out, "layer")?;
            write_atomic(&dir.join("0"), &d.codes)?;
            let a = zarray(&[d.nz], &[d.nz], "|u1", Value::Null);
            let la = json!({"_ARRAY_DIMENSIONS": ["z"], "units": "1", "long_name": "what the layer holds",
                            "flag_values": LAYER_KINDS.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
                            "flag_meanings": LAYER_KINDS.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(" ")});
            write_atomic(&dir.join(".zarray"), format!("{a}\n").as_bytes())?;
            write_atomic(&dir.join(".zattrs"), format!("{la}\n").as_bytes())?;
            meta.insert("layer/.zarray".into(), a);
            meta.insert("layer/.zattrs".into(), la);
            (
                json!(["time", "z", "y", "x"]),
                vec![nt, d.nz, ny, nx],
                vec![1, d.nz, ny, nx],
            )
        }
    };
    let bed = depth.as_ref().map(|d| d.bed);
    let on_bed = |mut a: Value| {
        if let Some(b) = bed {
            a["layer"] = json!(b);
            a["comment"] = json!("the wound bed's layer (index along z)");
        }
        a
    };
    // Data variables: metadata first, then one chunk per snapshot.
    for name in &names {
        let dir = ensure_subdir(out, name)?;
        let (a, attrs) = match name.as_str() {
            "wound" => (
                zarray(&[nt, ny, nx], &[1, ny, nx], "|u1", Value::Null),
                on_bed(
                    json!({"_ARRAY_DIMENSIONS": dims, "units": "1", "long_name": "open wound",
                       "flag_values": [0, 1], "flag_meanings": "closed open"}),
                ),
            ),
            "vessels" => (
                zarray(&[nt, ny, nx], &[1, ny, nx], "|u1", Value::Null),
                on_bed(
                    json!({"_ARRAY_DIMENSIONS": dims, "units": "1", "long_name": "vessel state",
                       "flag_values": VESSEL_CODES.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
                       "flag_meanings": VESSEL_CODES.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(" ")}),
                ),
            ),
            field => {
                let unit = first.units.get(field).cloned().unwrap_or_default();
                (
                    zarray(&field_shape, &field_chunks, "<f4", json!("NaN")),
                    json!({"_ARRAY_DIMENSIONS": field_dims, "units": cf_unit(&unit),
                           "woundsim_units": unit, "long_name": field}),
                )
            }
        };
        write_atomic(&dir.join(".zarray"), format!("{a}\n").as_bytes())?;
        write_atomic(&dir.join(".zattrs"), format!("{attrs}\n").as_bytes())?;
        meta.insert(format!("{name}/.zarray"), a);
        meta.insert(format!("{name}/.zattrs"), attrs);
    }
    let sdir = run_dir.join("snapshots");
    for (t, e) in index.snapshots.iter().enumerate() {
        let s = read_snap(&sdir, &index, e)?;
        let chunk = format!("{t}.0.0");
        let field_chunk = if depth.is_some() {
            format!("{t}.0.0.0")
        } else {
            chunk.clone()
        };
        for (name, _, a) in &s.fields {
            write_atomic(
                &out.join(name).join(&field_chunk),
                &le_f32(a.iter().copied()),
            )?;
        }
        write_atomic(
            &out.join("wound").join(&chunk),
            s.wound.as_slice().expect("standard layout"),
        )?;
        write_atomic(
            &out.join("vessels").join(&chunk),
            s.vessels.as_slice().expect("standard layout"),
        )?;
    }
    // Consolidated metadata last: a store is complete once it exists.
    let zmeta = json!({"zarr_consolidated_format": 1, "metadata": Value::Object(meta)});
    write_atomic(&out.join(".zmetadata"), format!("{zmeta}\n").as_bytes())?;
    Ok(out.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cf_units() {
        assert_eq!(cf_unit("ng/mL"), "ng mL-1");
        assert_eq!(cf_unit("mmHg"), "mmHg");
        assert_eq!(cf_unit("au"), "1");
        assert_eq!(cf_unit("µm"), "um");
    }

    #[test]
    fn appended_blocks_carry_their_length() {
        let mut a = Appended::default();
        assert_eq!(a.push(&[1, 2, 3]), 0);
        assert_eq!(a.push(&[]), 11);
        assert_eq!(&a.bytes[..8], &3u64.to_le_bytes());
        assert_eq!(&a.bytes[8..11], &[1, 2, 3]);
        assert_eq!(&a.bytes[11..19], &0u64.to_le_bytes());
    }

    #[test]
    fn names_are_escaped() {
        assert_eq!(xml_escape("a<b>&\"c"), "a&lt;b&gt;&amp;&quot;c");
        assert_eq!(vtk_name("oxygen", "mmHg"), "oxygen [mmHg]");
    }
}
