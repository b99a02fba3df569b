//! Field snapshots: one `.npy` file per field (f32, shape `(ny, nx)`, row j =
//! y index; in 3D `(nz, ny, nx)`, layer 0 at the bottom face, z up, as the
//! index's `layout` says), `wound.npy` (u8, 1 = open), `vessels.npy` (u8: 0
//! none, 1 sprout, 2 perfused, 3 abnormal, 4 mature; listed in the index as
//! `vessel_codes`; both `(ny, nx)`, the maps of the wound bed's layer, in
//! 3D the index's `bed_layer`), `planktonic.npy` and `biofilm.npy` (f32
//! `(ny, nx)`, the bed's bacteria) and `provisional.npy` and `collagen.npy`
//! (f32 `(ny, nx)`, the bed's matrix), listed under `maps`, `agents.csv`
//! (`kind,id,x_um,y_um,state`, and `z_um` last in 3D; kinds `msc`,
//! `macrophage`, `neutrophil`, `fibroblast` (one row an agent of
//! `fibroblast.cells_per_agent` cells) and `tip`) and `snapshots/index.json` listing them (in 3D
//! also `nz`, `dz_um`, `layers`: what each layer holds, bottom first).
//!
//! ```python
//! import numpy as np, json
//! idx = json.load(open("snapshots/index.json"))
//! o2 = np.load("snapshots/" + idx["snapshots"][0]["fields"]["oxygen"])
//! ```

use super::{write_atomic, write_json};
use crate::agents::{fibroblast_state, msc_state, neutrophil_state};
use crate::error::{Error, Result};
use crate::scenario::Params;
use crate::sim::SimState;
use ndarray_npy::WriteNpyExt;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// One snapshot's entry in `index.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    /// Simulated day.
    pub day: f64,
    /// File-name tag.
    pub tag: String,
    /// Field name → file.
    pub fields: BTreeMap<String, String>,
    /// Field name → unit.
    pub units: BTreeMap<String, String>,
    /// Open-wound mask file.
    pub wound: String,
    /// Vessel-state file.
    pub vessels: String,
    /// Agents file.
    pub agents: String,
    /// Tissue map name → file: `planktonic` and `biofilm` (f32 `(ny, nx)`,
    /// the bed's bacteria as fractions of its carrying capacity, 0–1), and
    /// `provisional` and `collagen` (the bed's matrix, 0–1 of a filled bed).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub maps: BTreeMap<String, String>,
}

/// `snapshots/index.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Index {
    /// Voxel size (µm).
    pub dx_um: f64,
    /// Voxels along x.
    pub nx: usize,
    /// Voxels along y.
    pub ny: usize,
    /// Layers along z (3D only; absent = 1, the 2D slice).
    #[serde(default = "one")]
    pub nz: usize,
    /// Layer thickness (µm; 3D only).
    #[serde(default)]
    pub dz_um: Option<f64>,
    /// What each layer holds, bottom first (3D only): dermis, bed,
    /// carrier, cavity, dressing.
    #[serde(default)]
    pub layers: Vec<String>,
    /// The layer of the wound and vessel maps (3D only).
    #[serde(default)]
    pub bed_layer: Option<usize>,
    /// The field files' layout (3D only).
    #[serde(default)]
    pub layout: Option<String>,
    /// The codes of the vessel-map files: code (as text) → vessel state.
    #[serde(default)]
    pub vessel_codes: BTreeMap<String, String>,
    /// Snapshots in time order.
    pub snapshots: Vec<Entry>,
}

impl Index {
    /// The snapshot nearest to `day` (the earlier one on a tie), as the
    /// field maps choose it; `None` when the index lists none.
    pub fn nearest(&self, day: f64) -> Option<&Entry> {
        self.snapshots
            .iter()
            .min_by(|a, b| (a.day - day).abs().total_cmp(&(b.day - day).abs()))
    }

    /// Files the index lists that are not in `dir/snapshots` (as
    /// `snapshots/<file>`, in index order).
    pub fn missing_files(&self, dir: &Path) -> Vec<String> {
        let sdir = dir.join("snapshots");
        self.snapshots
            .iter()
            .flat_map(|e| e.fields.values().chain([&e.wound, &e.vessels, &e.agents]))
            .filter(|f| !sdir.join(f).is_file())
            .map(|f| format!("snapshots/{f}"))
            .collect()
    }
}

fn one() -> usize {
    1
}

/// The field-file layout of a 3D snapshot, as `index.json` states it.
pub const LAYOUT_3D: &str = "(nz, ny, nx) float32, C order (x fastest); layer 0 at the bottom face (the subdermal plexus), z up; voxel (ix, iy, iz) centred at ((ix + 0.5)·dx_um, (iy + 0.5)·dx_um, (iz + 0.5)·dz_um)";

fn npy<A: WriteNpyExt>(path: &Path, a: &A) -> Result<()> {
    let mut buf = Vec::new();
    a.write_npy(&mut buf)
        .map_err(|e| Error::Other(format!("npy {}: {e}", path.display())))?;
    write_atomic(path, &buf)
}

/// Write a snapshot of `st` into `dir/snapshots` and update the index.
pub fn write(p: &Params, st: &SimState, dir: &Path, index: &mut Index) -> Result<()> {
    let sdir = super::ensure_subdir(dir, "snapshots")?;
    let day = st.day(p);
    let tag = format!("d{day:05.1}");
    let mut fields = BTreeMap::new();
    let mut units = BTreeMap::new();
    for (f, name) in st.fields.names.iter().enumerate() {
        let file = format!("{tag}_{name}.npy");
        let g = &p.grid;
        if g.is_2d() {
            npy(&sdir.join(&file), &st.fields.data[f])?;
        } else {
            let a = st.fields.data[f]
                .view()
                .into_shape_with_order((g.nz, g.ny, g.nx))
                .map_err(|e| Error::Other(format!("field '{name}': {e}")))?;
            npy(&sdir.join(&file), &a)?;
        }
        fields.insert(name.clone(), file);
        units.insert(name.clone(), st.fields.units[f].clone());
    }
    let wound = format!("{tag}_wound.npy");
    npy(&sdir.join(&wound), &st.tissue.open)?;
    let vessels = format!("{tag}_vessels.npy");
    npy(&sdir.join(&vessels), &st.tissue.vessel)?;
    let mut maps = BTreeMap::new();
    for m in st.tissue.maps() {
        let file = format!("{tag}_{}.npy", m.name);
        npy(&sdir.join(&file), m.values)?;
        maps.insert(m.name.to_string(), file);
    }
    let agents = format!("{tag}_agents.csv");
    let three_d = !p.grid.is_2d();
    let mut text = String::from(if three_d {
        "kind,id,x_um,y_um,state,z_um\n"
    } else {
        "kind,id,x_um,y_um,state\n"
    });
    // One row; the height column only in 3D.
    // (Writing into a String cannot fail.)
    let mut row = |kind: &str, id: u64, x: f32, y: f32, z: f32, state: &str| {
        let _ = write!(text, "{kind},{id},{x:.2},{y:.2},{state}");
        if three_d {
            let _ = write!(text, ",{z:.2}");
        }
        text.push('\n');
    };
    let m = &st.mscs;
    for i in 0..m.len() {
        let state = match m.state[i] {
            msc_state::DEAD => "dead",
            msc_state::SENESCENT => "senescent",
            _ if m.in_carrier[i] => "carrier",
            _ => "live",
        };
        row("msc", m.id[i], m.x[i], m.y[i], m.z[i], state);
    }
    let mac = &st.macs;
    for i in 0..mac.len() {
        let state = if mac.pol[i] >= 0.5 { "m2" } else { "m1" };
        row("macrophage", mac.id[i], mac.x[i], mac.y[i], mac.z[i], state);
    }
    let n = &st.neutrophils;
    for i in 0..n.len() {
        let state = if n.state[i] == neutrophil_state::APOPTOTIC {
            "apoptotic"
        } else {
            "live"
        };
        row("neutrophil", n.id[i], n.x[i], n.y[i], n.z[i], state);
    }
    let f = &st.fibroblasts;
    for i in 0..f.len() {
        let state = if f.state[i] == fibroblast_state::MYOFIBROBLAST {
            "myofibroblast"
        } else {
            "fibroblast"
        };
        row("fibroblast", f.id[i], f.x[i], f.y[i], f.z[i], state);
    }
    let t = &st.tips;
    for i in 0..t.len() {
        row("tip", t.id[i], t.x[i], t.y[i], t.z[i], "tip");
    }
    write_atomic(&sdir.join(&agents), text.as_bytes())?;
    index.dx_um = p.grid.dx_um;
    index.nx = p.grid.nx;
    index.ny = p.grid.ny;
    index.nz = p.grid.nz;
    if three_d {
        index.dz_um = Some(p.grid.dz_um);
        index.layers = p.depth.kinds.iter().map(|k| k.name().to_string()).collect();
        index.bed_layer = Some(p.depth.bed);
        index.layout = Some(LAYOUT_3D.to_string());
    }
    index.vessel_codes = super::export::VESSEL_CODES
        .iter()
        .map(|(c, n)| (c.to_string(), n.to_string()))
        .collect();
    index.snapshots.retain(|e| e.tag != tag);
    index.snapshots.push(Entry {
        day,
        tag,
        fields,
        units,
        wound,
        vessels,
        agents,
        maps,
    });
    // The 3D keys are left out of a 2D run's index.json, which keeps the
    // 2D model's file (the checkpoint, not self-describing, holds them all).
    let mut json =
        serde_json::to_value(&*index).map_err(|e| Error::Other(format!("snapshot index: {e}")))?;
    if !three_d {
        if let Some(o) = json.as_object_mut() {
            for k in ["nz", "dz_um", "layers", "bed_layer", "layout"] {
                o.remove(k);
            }
        }
    }
    write_json(&sdir.join("index.json"), &json)
}
