//! Field snapshots: one `.npy` file per field (f32, shape `(ny, nx)`, row j =
//! y index), `wound.npy` (u8, 1 = open), `vessels.npy` (u8: 0 none,
//! 1 sprout, 2 perfused, 3 abnormal, 4 mature; listed in the index as
//! `vessel_codes`), `agents.csv` (`kind,id,x_um,y_um,state`) and
//! `snapshots/index.json` listing them.
//!
//! ```python
//! import numpy as np, json
//! idx = json.load(open("snapshots/index.json"))
//! o2 = np.load("snapshots/" + idx["snapshots"][0]["fields"]["oxygen"])
//! ```

use super::{write_atomic, write_json};
use crate::agents::{msc_state, neutrophil_state};
use crate::error::{Error, Result};
use crate::scenario::Params;
use crate::sim::SimState;
use ndarray_npy::WriteNpyExt;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
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
        npy(&sdir.join(&file), &st.fields.data[f])?;
        fields.insert(name.clone(), file);
        units.insert(name.clone(), st.fields.units[f].clone());
    }
    let wound = format!("{tag}_wound.npy");
    npy(&sdir.join(&wound), &st.tissue.open)?;
    let vessels = format!("{tag}_vessels.npy");
    npy(&sdir.join(&vessels), &st.tissue.vessel)?;
    let agents = format!("{tag}_agents.csv");
    let mut text = String::from("kind,id,x_um,y_um,state\n");
    let m = &st.mscs;
    for i in 0..m.len() {
        let state = match m.state[i] {
            msc_state::DEAD => "dead",
            msc_state::SENESCENT => "senescent",
            _ if m.in_carrier[i] => "carrier",
            _ => "live",
        };
        text.push_str(&format!(
            "msc,{},{:.2},{:.2},{state}\n",
            m.id[i], m.x[i], m.y[i]
        ));
    }
    let mac = &st.macs;
    for i in 0..mac.len() {
        let s = if mac.pol[i] >= 0.5 { "m2" } else { "m1" };
        text.push_str(&format!(
            "macrophage,{},{:.2},{:.2},{s}\n",
            mac.id[i], mac.x[i], mac.y[i]
        ));
    }
    let n = &st.neutrophils;
    for i in 0..n.len() {
        let s = if n.state[i] == neutrophil_state::APOPTOTIC {
            "apoptotic"
        } else {
            "live"
        };
        text.push_str(&format!(
            "neutrophil,{},{:.2},{:.2},{s}\n",
            n.id[i], n.x[i], n.y[i]
        ));
    }
    let t = &st.tips;
    for i in 0..t.len() {
        text.push_str(&format!(
            "tip,{},{:.2},{:.2},tip\n",
            t.id[i], t.x[i], t.y[i]
        ));
    }
    write_atomic(&sdir.join(&agents), text.as_bytes())?;
    index.dx_um = p.grid.dx_um;
    index.nx = p.grid.nx;
    index.ny = p.grid.ny;
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
    });
    write_json(&sdir.join("index.json"), index)
}
