//! The time series' schema: one row per output step, its column names
//! (units in the names). Rows are part of the state; [`crate::observe`]
//! computes them.

use crate::scenario::depth::LayerKind;
use crate::scenario::Params;
use serde::{Deserialize, Serialize};

/// One time-series row.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    /// Base step.
    pub step: u64,
    /// Values in the order of [`columns`].
    pub values: Vec<f64>,
}

/// Rows are equal when their steps are and their values are bit for bit
/// (so an undefined value, NaN, equals itself: two runs are the same run
/// when their rows compare equal).
impl PartialEq for Row {
    fn eq(&self, other: &Row) -> bool {
        self.step == other.step
            && self.values.len() == other.values.len()
            && self
                .values
                .iter()
                .zip(&other.values)
                .all(|(a, b)| a.to_bits() == b.to_bits())
    }
}

/// Fixed columns before the per-field means.
const FIXED: [&str; 14] = [
    "time_d",
    "wound_area_mm2",
    "closure_pct",
    "msc_live",
    "msc_dead",
    "msc_senescent",
    "mac_m1",
    "mac_m2",
    "m2_fraction",
    "vessel_density_rel",
    "tip_cells",
    "o2_mean_mmHg",
    "hypoxic_fraction",
    "bioburden",
];

/// The fibroblast and matrix columns: fibroblast and myofibroblast cells in
/// the wound's footprint (agents × `fibroblast.cells_per_agent`), and the
/// footprint means of provisional matrix and collagen (0–1).
pub const FIBROBLAST_COLUMNS: [&str; 4] = [
    "fibroblasts",
    "myofibroblasts",
    "provisional_matrix_mean",
    "collagen_mean",
];

/// The protease columns: the footprint mean (bed layer) of the free active
/// MMP (nM, after TIMP inhibition), and the molar ratio of total MMP to
/// TIMP over the footprint (undefined without MMP and TIMP fields).
pub const PROTEASE_COLUMNS: [&str; 2] = ["mmp_active_mean_nM", "mmp_timp_molar_ratio"];
/// The bacteria columns, over the open wound (0 once it has closed):
/// the mean bacterial burden (planktonic + biofilm, 0–1 of the bed's
/// carrying capacity; the same value as `bioburden`), the mean planktonic
/// and biofilm burdens, and the biofilm fraction: the share of open voxels
/// whose biofilm burden is at least `bacteria.biofilm_present_threshold`.
pub const BACTERIA_COLUMNS: [&str; 4] = [
    "bacterial_burden",
    "planktonic_burden",
    "biofilm_burden",
    "biofilm_fraction",
];

/// The inflammation index: inflammatory cells, live neutrophils plus M1
/// macrophages in the domain, per mm² of the initial wound (`cells/mm²`).
/// It counts the infiltrate, not the cytokines, so that it rises with the
/// first wave of neutrophils and falls as they are cleared and the
/// macrophages turn M2.
pub const INFLAMMATION_COLUMN: &str = "inflammation_index_per_mm2";

/// Where the immune cells are: live neutrophils and macrophages (M1 + M2)
/// whose position lies inside the initial wound footprint (the rest of
/// `neutrophils` and `mac_m1` + `mac_m2` are in the tissue around it).
pub const IMMUNE_IN_WOUND_COLUMNS: [&str; 2] = ["neutrophils_in_wound", "macrophages_in_wound"];

/// Column name for the wound mean of a field.
pub fn field_column(name: &str, unit: &str) -> String {
    let u = match unit {
        "ng/mL" => "ng_per_ml".to_string(),
        u => u.replace('/', "_per_").replace(' ', "_"),
    };
    format!("{name}_mean_{u}")
}

/// Column names (units in the names).
pub fn columns(p: &Params) -> Vec<String> {
    let mut c: Vec<String> = FIXED.iter().map(|s| s.to_string()).collect();
    for (name, spec) in &p.fields {
        if name != "oxygen" {
            c.push(field_column(name, &spec.unit));
        }
    }
    c.push("debris_mean".into());
    c.push("abnormal_vessel_density_rel".into());
    c.push("o2_max_mmHg".into());
    c.push("neutrophils".into());
    c.push("neutrophils_apoptotic".into());
    c.push("msc_hif_mean".into());
    c.push("msc_licensed_fraction".into());
    c.extend(FIBROBLAST_COLUMNS.iter().map(|s| s.to_string()));
    c.extend(PROTEASE_COLUMNS.iter().map(|s| s.to_string()));
    c.extend(BACTERIA_COLUMNS.iter().map(|s| s.to_string()));
    c.push(INFLAMMATION_COLUMN.into());
    c.extend(IMMUNE_IN_WOUND_COLUMNS.iter().map(|s| s.to_string()));
    c.extend(depth_columns(p));
    c
}

/// The depth-resolved columns of a 3D run (none in 2D), after the others:
/// the O₂ mean under the wound's footprint at the tissue surface (the
/// layer under the dressing) and in each kind of layer other than the bed
/// (whose mean is `o2_mean_mmHg`), then the MSCs alive (live or senescent) in each kind of
/// layer, in the order of [`depth_kinds`].
pub fn depth_columns(p: &Params) -> Vec<String> {
    if !p.depth.is_3d() {
        return Vec::new();
    }
    let kinds = depth_kinds(p);
    let mut c = vec!["o2_surface_mmHg".to_string()];
    for k in kinds.iter().filter(|k| **k != LayerKind::Bed) {
        c.push(format!("o2_{}_mmHg", k.name()));
    }
    for k in &kinds {
        c.push(format!("msc_alive_{}", k.name()));
    }
    c
}

/// The kinds of tissue layer of a 3D run that hold agents, in a fixed
/// order (dermis, bed, carrier, cavity), each present once.
pub fn depth_kinds(p: &Params) -> Vec<LayerKind> {
    [
        LayerKind::Dermis,
        LayerKind::Bed,
        LayerKind::Carrier,
        LayerKind::Cavity,
    ]
    .into_iter()
    .filter(|k| p.depth.kinds.contains(k))
    .collect()
}

/// Format a number for CSV: whole numbers without a decimal point, others
/// in the shortest form that reads back to the same `f64` (Rust's `{}`, so
/// small values such as 3e-7 keep their digits), an undefined value (NaN)
/// as an empty cell.
pub fn format_value(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}
