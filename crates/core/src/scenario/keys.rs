//! The scenario's keys: the parameter provenance table (unit, default,
//! meaning and source of every key) and "did you mean" hints.

use super::*;

/// One row of the parameter provenance table.
#[derive(Debug, Clone, Serialize)]
pub struct ParamInfo {
    /// Dotted key.
    pub key: String,
    /// Unit.
    pub unit: String,
    /// Default value as TOML.
    pub default: String,
    /// Meaning in plain words.
    pub meaning: String,
    /// Literature source or "assumption".
    pub source: String,
}

impl ParamInfo {
    /// Build a row (used by the `section!` macro).
    pub fn new<T: Serialize>(
        prefix: &str,
        field: &str,
        unit: &str,
        doc: &[&str],
        source: &str,
        default: &T,
    ) -> Self {
        let key = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        let default = match toml::Value::try_from(default) {
            Ok(v) => v.to_string(),
            // An unset optional key takes its value from another key.
            Err(_) => match prefix {
                "patient" => "(wound-type default)",
                "treatment.delivery" => "(route default)",
                _ => "(unset)",
            }
            .to_string(),
        };
        ParamInfo {
            key,
            unit: unit.to_string(),
            default,
            meaning: doc.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" "),
            source: source.to_string(),
        }
    }
}

/// Every scenario key with unit, default, meaning and source.
pub fn param_table() -> Vec<ParamInfo> {
    let mut out = vec![
        ParamInfo::new(
            "",
            "name",
            "-",
            &["Scenario name."],
            "user choice",
            &"scenario",
        ),
        ParamInfo::new(
            "",
            "description",
            "-",
            &["Free text shown by `scenario show` and `scenario list`: what wound, product, route and span."],
            "user choice",
            &"",
        ),
        ParamInfo::new(
            "",
            "base",
            "-",
            &["A shipped scenario this file starts from (e.g. \"dfu-3d\"): the file and `--set` change only the keys they name; \"\" = the built-in defaults."],
            "user choice",
            &"",
        ),
        ParamInfo::new(
            "",
            "seed",
            "-",
            &["Master random seed."],
            "user choice",
            &1u64,
        ),
    ];
    Domain::describe("domain", &mut out);
    Wound::describe("wound", &mut out);
    Patient::describe("patient", &mut out);
    Time::describe("time", &mut out);
    Output::describe("output", &mut out);
    let mut new_row = None;
    for (name, spec) in default_fields() {
        let start = out.len();
        FieldSpec::describe(&format!("fields.{name}"), &mut out);
        // `new` is one row for any field name, not one per built-in field.
        if let Some(i) = out[start..].iter().position(|r| r.key.ends_with(".new")) {
            let mut row = out.remove(start + i);
            row.key = "fields.<name>.new".into();
            new_row = Some(row);
        }
        for row in &mut out[start..] {
            let field_key = row.key.rsplit('.').next().unwrap_or("").to_string();
            row.default = match field_key.as_str() {
                "unit" => toml::Value::String(spec.unit.clone()).to_string(),
                "diffusion_um2_per_min" => spec.diffusion_um2_per_min.to_string(),
                "half_life_min" => format!("{:.3}", spec.half_life_min),
                "initial" => spec.initial.to_string(),
                "far_field" => spec.far_field.to_string(),
                "boundary_x_min" | "boundary_x_max" | "boundary_y_min" | "boundary_y_max" => {
                    checks::show(&spec.boundary_x_min)
                }
                _ => row.default.clone(),
            };
            if matches!(
                field_key.as_str(),
                "diffusion_um2_per_min" | "half_life_min"
            ) {
                row.source = sections::default_field_sources(&name).to_string();
            }
        }
    }
    out.extend(new_row);
    Tissue::describe("tissue", &mut out);
    Msc::describe("msc", &mut out);
    Macrophage::describe("macrophage", &mut out);
    Neutrophil::describe("neutrophil", &mut out);
    Fibroblast::describe("fibroblast", &mut out);
    Protease::describe("protease", &mut out);
    Bacteria::describe("bacteria", &mut out);
    Angiogenesis::describe("angiogenesis", &mut out);
    Closure::describe("closure", &mut out);
    treatment::Product::describe("treatment.product", &mut out);
    treatment::Preconditioning::describe("treatment.preconditioning", &mut out);
    treatment::Dose::describe("treatment.dose", &mut out);
    treatment::Delivery::describe("treatment.delivery", &mut out);
    treatment::StandardCare::describe("treatment.standard_care", &mut out);
    treatment::Effects::describe("treatment.effects", &mut out);
    Cohort::describe("cohort", &mut out);
    Limits::describe("limits", &mut out);
    out
}

/// All dotted keys of the default scenario (for typo suggestions).
pub fn all_keys() -> Vec<String> {
    param_table().into_iter().map(|p| p.key).collect()
}

/// The full keys meant by `key` given without (all of) its table: those
/// that end with `.key`, else those whose last component is the last
/// component of `key` (`perfusion` or `tissue.perfusion` →
/// `patient.perfusion`). Empty when `key` is itself a key.
pub fn full_keys_for(key: &str) -> Vec<String> {
    let keys = all_keys();
    if keys.iter().any(|k| k == key) {
        return Vec::new();
    }
    let ends = |tail: &str| -> Vec<String> {
        keys.iter()
            .filter(|k| k.ends_with(&format!(".{tail}")))
            .cloned()
            .collect()
    };
    let found = ends(key);
    if !found.is_empty() {
        return found;
    }
    match key.rsplit_once('.') {
        Some((_, last)) if !last.is_empty() => ends(last),
        _ => Vec::new(),
    }
}

/// A "did you mean" hint for an unknown `key`: the nearest key by spelling,
/// else the full keys of [`full_keys_for`] (at most eight listed).
pub fn key_hint(key: &str) -> Option<String> {
    let keys = all_keys();
    if let Some(n) = nearest(key, keys.iter().map(String::as_str)) {
        return Some(format!("did you mean '{n}'?"));
    }
    let full = full_keys_for(key);
    match full.len() {
        0 => None,
        1 => Some(format!("did you mean '{}'?", full[0])),
        n if n <= 8 => Some(format!("did you mean one of: {}?", full.join(", "))),
        n => Some(format!(
            "did you mean one of: {}, ... ({n} keys; see `woundsim params {}`)?",
            full[..8].join(", "),
            key.rsplit('.').next().unwrap_or(key)
        )),
    }
}
