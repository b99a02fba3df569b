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

mod vtk;
pub use vtk::{to_vtk, vtk_kind, vtk_name};
mod zarr;
pub use zarr::{cf_unit, to_zarr, zarr_kind};

/// Vessel-map codes (`vessels.npy`, and the exports).
pub const VESSEL_CODES: [(u8, &str); 5] = [
    (0, "none"),
    (1, "sprout"),
    (2, "perfused"),
    (3, "abnormal"),
    (4, "mature"),
];

/// Agent kind codes of the VTK agent files.
pub const AGENT_KINDS: [(i32, &str); 5] = [
    (0, "msc"),
    (1, "macrophage"),
    (2, "tip"),
    (3, "neutrophil"),
    (4, "fibroblast"),
];

/// Agent state codes of the VTK agent files (the `state` column of a
/// snapshot's `agents.csv`).
pub const AGENT_STATES: [(i32, &str); 10] = [
    (0, "live"),
    (1, "senescent"),
    (2, "dead"),
    (3, "carrier"),
    (4, "m1"),
    (5, "m2"),
    (6, "tip"),
    (7, "apoptotic"),
    (8, "fibroblast"),
    (9, "myofibroblast"),
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
    /// Tissue maps of the bed (name, unit, values `(ny, nx)`): bacteria and
    /// matrix, in the index's order.
    maps: Vec<(String, String, Array2<f32>)>,
}

/// The unit of a tissue map (`tissue::TISSUE_MAPS`; `1` for a name this
/// woundsim does not know).
fn map_unit(name: &str) -> String {
    crate::tissue::TISSUE_MAPS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("1", |(_, u)| u)
        .to_string()
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
    let mut maps = Vec::with_capacity(e.maps.len());
    for (name, file) in &e.maps {
        maps.push((
            name.clone(),
            map_unit(name),
            npy::<f32>(&sdir.join(file), shape)?,
        ));
    }
    Ok(Snap {
        day: e.day,
        tag: e.tag.clone(),
        fields,
        wound: npy::<u8>(&sdir.join(&e.wound), shape)?,
        vessels: npy::<u8>(&sdir.join(&e.vessels), shape)?,
        maps,
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
