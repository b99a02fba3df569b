//! Scenario files: raw serde types (TOML, `deny_unknown_fields`, units in key
//! names, documented defaults), loading with clear errors, `--set` overrides,
//! and validation into typed [`Params`].
//!
//! Loading is a small pipeline:
//! 1. read the file (UTF-8, non-empty) and parse TOML;
//! 2. apply `--set key.path=value` overrides;
//! 3. with a top-level `base = "<shipped scenario>"`, merge over that
//!    scenario (whose own `base` is resolved first);
//! 4. deep-merge over the default scenario, so any key may be omitted;
//! 5. deserialize (errors name the dotted key and suggest the nearest key);
//! 6. with `domain.y_faces = "symmetry"`, make every field's y sides no-flux;
//! 7. fill patient keys from the wound type's documented defaults;
//! 8. validate ranges and cross-key consistency into [`Params`].

pub mod checks;
pub mod depth;
mod keys;
mod load;
mod macros;
pub mod params;
pub mod patient;
pub mod rates;
pub mod sections;
pub mod treatment;

pub use keys::*;
pub use load::*;
use load::{blame_overrides_except, deep_merge};
pub use params::{FieldIds, Params, Steps};
pub use rates::Rates;
pub use sections::*;
pub use treatment::Treatment;

#[cfg(feature = "fs")]
use crate::error::Error;
use crate::error::InputError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
#[cfg(feature = "fs")]
use std::path::Path;

/// The built-in default scenario (a diabetic foot ulcer treated with one
/// topical dose of adipose MSCs), also shipped as `scenarios/default.toml`.
pub const DEFAULT_SCENARIO_TOML: &str = include_str!("../../../../scenarios/default.toml");
/// Label used in messages for the built-in default scenario.
pub const BUILTIN_LABEL: &str = "<built-in default scenario>";

/// A whole scenario, as written in a file (after merging over defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// Scenario name (used for output directory names).
    pub name: String,
    /// Free text shown by `scenario show`.
    pub description: String,
    /// The shipped scenario this one starts from ("" = none); kept in the
    /// resolved scenario as its provenance.
    pub base: String,
    /// Master seed of the run.
    pub seed: u64,
    /// Domain geometry.
    pub domain: Domain,
    /// Wound geometry.
    pub wound: Wound,
    /// Patient and wound type.
    pub patient: Patient,
    /// Span and rates.
    pub time: Time,
    /// Output cadence.
    pub output: Output,
    /// Diffusing fields by name (add more by adding tables).
    pub fields: BTreeMap<String, FieldSpec>,
    /// Oxygen supply and hypoxia response.
    pub tissue: Tissue,
    /// MSC parameters.
    pub msc: Msc,
    /// Macrophage parameters.
    pub macrophage: Macrophage,
    /// Neutrophil parameters.
    pub neutrophil: Neutrophil,
    /// Fibroblast and matrix parameters.
    pub fibroblast: Fibroblast,
    /// Proteases (MMPs) and their inhibitors (TIMPs).
    pub protease: Protease,
    /// Bacteria and biofilm parameters.
    pub bacteria: Bacteria,
    /// Angiogenesis parameters.
    pub angiogenesis: Angiogenesis,
    /// Closure parameters.
    pub closure: Closure,
    /// Treatment.
    pub treatment: Treatment,
    /// Cohort variability.
    pub cohort: Cohort,
    /// Resource limits.
    pub limits: Limits,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            name: "scenario".into(),
            description: String::new(),
            base: String::new(),
            seed: 1,
            domain: Domain::default(),
            wound: Wound::default(),
            patient: Patient::default(),
            time: Time::default(),
            output: Output::default(),
            fields: default_fields(),
            tissue: Tissue::default(),
            msc: Msc::default(),
            macrophage: Macrophage::default(),
            neutrophil: Neutrophil::default(),
            fibroblast: Fibroblast::default(),
            protease: Protease::default(),
            bacteria: Bacteria::default(),
            angiogenesis: Angiogenesis::default(),
            closure: Closure::default(),
            treatment: Treatment::default(),
            cohort: Cohort::default(),
            limits: Limits::default(),
        }
    }
}

impl Scenario {
    /// Load a scenario file with optional `--set` overrides (feature `fs`).
    #[cfg(feature = "fs")]
    pub fn load(path: &Path, overrides: &[String]) -> Result<Scenario, Error> {
        let text = read_text(path)?;
        Ok(Self::from_toml_str(
            &text,
            &path.display().to_string(),
            overrides,
        )?)
    }

    /// The built-in default scenario with overrides.
    pub fn builtin(overrides: &[String]) -> Result<Scenario, InputError> {
        Self::from_toml_str(DEFAULT_SCENARIO_TOML, BUILTIN_LABEL, overrides)
    }

    /// Parse scenario text (from `label`) with overrides.
    pub fn from_toml_str(
        text: &str,
        label: &str,
        overrides: &[String],
    ) -> Result<Scenario, InputError> {
        let table = parse_table(text, label)?;
        Self::from_table(table, label, overrides)
    }

    /// Build from a parsed table with overrides.
    pub fn from_table(
        mut table: toml::Table,
        label: &str,
        overrides: &[String],
    ) -> Result<Scenario, InputError> {
        let file = (!overrides.is_empty()).then(|| table.clone());
        for o in overrides {
            let (k, v) = parse_override(o)?;
            set_path(&mut table, &k, v, SET_LABEL)?;
        }
        let table = resolve_base(table, label, 0)?;
        let explicit_dirichlet_y = explicit_dirichlet_y(&table);
        let mut merged = toml::Table::try_from(Scenario::default())
            .map_err(|e| InputError::new(label, None, format!("internal: {e}")))?;
        deep_merge(&mut merged, table);
        let mut s: Scenario = deserialize_table(merged, label)
            .map_err(|mut e| {
                if e.hint.is_none() && e.message == "unknown key" {
                    e.hint = e.key.as_deref().and_then(key_hint);
                }
                e
            })
            .map_err(|e| blame_overrides_except(e, overrides, file.as_ref()))?;
        if s.domain.y_faces == YFaces::Symmetry {
            if let Some(key) = explicit_dirichlet_y {
                let e = InputError::new(
                    label,
                    Some(&key),
                    "\"dirichlet\", but domain.y_faces = \"symmetry\" makes every y side no-flux",
                )
                .allowed("\"no_flux\" or no y boundary key (or domain.y_faces = \"fields\")");
                return Err(blame_overrides_except(e, overrides, file.as_ref()));
            }
            for f in s.fields.values_mut() {
                f.boundary_y_min = Boundary::NoFlux;
                f.boundary_y_max = Boundary::NoFlux;
            }
        }
        s.patient = patient::resolve(&s.patient);
        Ok(s)
    }

    /// The fully resolved scenario as TOML (defaults included).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_else(|e| format!("# could not render: {e}\n"))
    }

    /// A stable 64-bit hash of the resolved scenario (hex), for manifests.
    pub fn hash_hex(&self) -> String {
        let text = self.to_toml();
        let words: Vec<u64> = text
            .as_bytes()
            .chunks(8)
            .map(|c| {
                let mut b = [0u8; 8];
                b[..c.len()].copy_from_slice(c);
                u64::from_le_bytes(b)
            })
            .collect();
        format!("{:016x}", crate::rng::hash_words(&words))
    }
}

/// Deepest chain of `base` scenarios (a shipped scenario naming another).
const MAX_BASE_DEPTH: usize = 8;

/// Resolve a top-level `base = "<shipped scenario>"`: the shipped
/// scenario's table (its own `base` resolved first) with `table` merged
/// over it, so the file (and its `--set` overrides) change only what they
/// name. Without `base` (or with `base = ""`) the table is returned as it
/// is. A resolved scenario keeps its `base`: reading it again merges the
/// complete table over the base, which changes nothing.
fn resolve_base(table: toml::Table, label: &str, depth: usize) -> Result<toml::Table, InputError> {
    let Some(value) = table.get("base") else {
        return Ok(table);
    };
    let allowed = || {
        format!(
            "\"\" or the name of a shipped scenario: {}",
            crate::shipped::names().join(", ")
        )
    };
    let Some(name) = value.as_str() else {
        return Err(InputError::new(
            label,
            Some("base"),
            format!("{value} is not a scenario name"),
        )
        .allowed(allowed()));
    };
    if name.is_empty() {
        return Ok(table);
    }
    let Some(shipped) = crate::shipped::find(name) else {
        let mut e = InputError::new(
            label,
            Some("base"),
            format!("\"{name}\" is not a shipped scenario"),
        )
        .allowed(allowed());
        if let Some(near) = nearest(name, crate::shipped::names()) {
            e = e.hint(format!("did you mean \"{near}\"?"));
        }
        return Err(e);
    };
    if depth >= MAX_BASE_DEPTH {
        return Err(InputError::new(
            label,
            Some("base"),
            format!("\"{name}\" is more than {MAX_BASE_DEPTH} bases deep (a cycle?)"),
        )
        .allowed(format!(
            "a chain of at most {MAX_BASE_DEPTH} base scenarios"
        )));
    }
    let mut merged = resolve_base(
        parse_table(shipped.toml, &shipped.label())?,
        &shipped.label(),
        depth + 1,
    )?;
    deep_merge(&mut merged, table);
    Ok(merged)
}

/// The first `fields.<name>.boundary_y_min`/`_max` that `table` sets to
/// "dirichlet", as a dotted key.
fn explicit_dirichlet_y(table: &toml::Table) -> Option<String> {
    let fields = table.get("fields")?.as_table()?;
    fields.iter().find_map(|(name, f)| {
        ["boundary_y_min", "boundary_y_max"]
            .iter()
            .find_map(|side| {
                (f.get(*side)?.as_str()? == "dirichlet").then(|| format!("fields.{name}.{side}"))
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_file_is_valid_and_defaults_fill_in() {
        let s = Scenario::from_toml_str("name = \"x\"\n", "t.toml", &[]).unwrap();
        assert_eq!(s.name, "x");
        assert_eq!(s.domain.voxel_um, 20.0);
        assert!(s.fields.contains_key("oxygen"));
        assert_eq!(s.patient.perfusion, Some(1.0));
    }

    #[test]
    fn partial_field_table_keeps_other_defaults() {
        let s =
            Scenario::from_toml_str("[fields.vegf]\nhalf_life_min = 30\n", "t.toml", &[]).unwrap();
        assert_eq!(s.fields["vegf"].half_life_min, 30.0);
        assert_eq!(s.fields["vegf"].diffusion_um2_per_min, 3300.0);
    }

    #[test]
    fn typo_suggests_nearest_key() {
        let e =
            Scenario::from_toml_str("[domain]\nvoxel_size_um = 10\n", "t.toml", &[]).unwrap_err();
        let m = e.to_string();
        assert!(
            m.contains("t.toml") && m.contains("domain.voxel_size_um"),
            "{m}"
        );
        assert!(m.contains("did you mean 'domain.voxel_um'"), "{m}");
    }

    #[test]
    fn unknown_variant_lists_allowed() {
        let e =
            Scenario::from_toml_str("[treatment.product]\nsource = \"adipos\"\n", "t.toml", &[])
                .unwrap_err();
        let m = e.to_string();
        assert!(
            m.contains("treatment.product.source") && m.contains("adipose"),
            "{m}"
        );
    }

    #[test]
    fn overrides_apply_and_wrong_type_is_named() {
        let s = Scenario::from_toml_str(
            "name='a'",
            "t",
            &[
                "time.days=3".into(),
                "patient.wound_type=diabetic_foot_ulcer".into(),
            ],
        )
        .unwrap();
        assert_eq!(s.time.days, 3.0);
        assert_eq!(s.patient.perfusion, Some(0.5));
        let e = Scenario::from_toml_str("name='a'", "t", &["time.days=\"x\"".into()]).unwrap_err();
        assert!(e.to_string().contains("time.days"), "{e}");
    }

    #[test]
    fn syntax_errors_name_the_key() {
        let key = |text: &str| {
            parse_toml(text, "t.toml")
                .expect_err("invalid TOML")
                .key
                .unwrap_or_default()
        };
        assert_eq!(key("[domain]\nwidth_um = 1e400\n"), "domain.width_um");
        assert_eq!(key("seed = 99999999999999999999\n"), "seed");
        assert_eq!(
            key("[[factor]]\nkey = 'a'\n[[factor]]\nvalues = [1,\n\n[x]\n"),
            "factor[1].values"
        );
        assert_eq!(
            key("[fields.\"o2\"]\n'far_field' = 1e999\n"),
            "fields.o2.far_field"
        );
        assert_eq!(key("days = 2\n[design\n"), "");
        let e = parse_toml("a = 1e400", "t.toml").unwrap_err().to_string();
        assert!(e.contains("t.toml") && e.contains("1.7e308"), "{e}");
    }

    #[test]
    fn set_overrides_are_blamed() {
        let sets = vec![
            "domain.voxel_um=-1".to_string(),
            "treatment.dose={x=1}".into(),
        ];
        let blame =
            |key: &str| blame_overrides(InputError::new("f.toml", Some(key), "bad"), &sets).file;
        assert_eq!(blame("domain.voxel_um"), SET_LABEL);
        assert_eq!(blame("treatment.dose.x"), SET_LABEL);
        assert_eq!(blame("treatment.dose"), SET_LABEL);
        assert_eq!(blame("domain.voxel_umm"), "f.toml");
        assert_eq!(blame("domain"), "f.toml");
    }

    #[test]
    fn builtin_default_parses() {
        let s = Scenario::builtin(&[]).unwrap();
        assert!(s.to_toml().contains("[domain]"));
        let again = Scenario::from_toml_str(&s.to_toml(), "round-trip", &[]).unwrap();
        assert_eq!(s, again);
    }

    #[test]
    fn base_scenario_is_inherited_and_the_file_wins() {
        let text =
            "base = \"dfu-3d\"\nname = \"mine\"\n[treatment.delivery]\nroute = \"hydrogel\"\n";
        let s = Scenario::from_toml_str(text, "t.toml", &["time.days=3".into()]).unwrap();
        let base = Scenario::from_toml_str(crate::shipped::find("dfu-3d").unwrap().toml, "b", &[])
            .unwrap();
        assert_eq!(s.name, "mine");
        assert_eq!(s.domain, base.domain);
        assert_eq!(s.domain.layers, 31);
        assert_eq!(
            s.treatment.delivery.route,
            crate::scenario::treatment::Route::Hydrogel
        );
        assert_ne!(base.treatment.delivery.route, s.treatment.delivery.route);
        assert_eq!(s.time.days, 3.0);
        // `--set base=...` works like the key in the file.
        let set =
            Scenario::from_toml_str("name = \"mine\"", "t.toml", &["base=dfu-3d".into()]).unwrap();
        assert_eq!(set.domain, base.domain);
        // The resolved scenario names its base and reads back the same.
        assert_eq!(s.base, "dfu-3d");
        assert!(s.to_toml().contains("base = \"dfu-3d\""));
        assert_eq!(
            Scenario::from_toml_str(&s.to_toml(), "again", &[]).unwrap(),
            s
        );
    }

    /// A shipped scenario with a `base` is that scenario but for what its
    /// file names: for the 3D route scenarios, the name, the description
    /// and the strip's domain.
    #[test]
    fn shipped_bases_change_only_what_the_file_names() {
        let mut n = 0;
        for s in crate::shipped::SHIPPED {
            let mut child = Scenario::from_toml_str(s.toml, &s.label(), &[]).unwrap();
            if child.base.is_empty() {
                continue;
            }
            let b = crate::shipped::find(&child.base)
                .unwrap_or_else(|| panic!("{}: base {}", s.name, child.base));
            let base = Scenario::from_toml_str(b.toml, &b.label(), &[]).unwrap();
            assert_ne!(child.name, base.name, "{}", s.name);
            if s.name.starts_with("dfu-3d-") {
                assert_eq!(child.domain.layers, 31, "{}", s.name);
                assert_eq!(child.domain.y_faces, YFaces::Symmetry, "{}", s.name);
                assert_eq!(base.domain.layers, 1, "{}", s.name);
                (child.domain, child.fields) = (base.domain.clone(), base.fields.clone());
            }
            (child.name, child.description, child.base) = (
                base.name.clone(),
                base.description.clone(),
                base.base.clone(),
            );
            assert_eq!(child, base, "{}", s.name);
            n += 1;
        }
        assert!(n >= 8, "{n} shipped scenarios with a base");
    }

    #[test]
    fn bad_base_is_named_with_the_shipped_names() {
        let e = Scenario::from_toml_str("base = \"dfu-3e\"", "t.toml", &[]).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("base"));
        assert!(e.message.contains("dfu-3e"), "{e}");
        assert!(
            e.allowed.as_deref().unwrap().contains("dfu-standard-care"),
            "{e}"
        );
        assert!(e.hint.as_deref().unwrap().contains("dfu-3d"), "{e}");
        let e = Scenario::from_toml_str("base = 3", "t.toml", &[]).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("base"));
        assert!(e.message.contains("not a scenario name"), "{e}");
    }

    #[test]
    fn symmetric_y_faces_make_every_field_no_flux() {
        let s =
            Scenario::from_toml_str("[domain]\ny_faces = \"symmetry\"\n", "t.toml", &[]).unwrap();
        assert!(s.fields.len() > 5);
        for f in s.fields.values() {
            assert_eq!(
                (f.boundary_y_min, f.boundary_y_max),
                (Boundary::NoFlux, Boundary::NoFlux)
            );
        }
        let fields = Scenario::builtin(&[]).unwrap();
        assert!(fields
            .fields
            .values()
            .any(|f| f.boundary_y_min == Boundary::Dirichlet));
        // An explicit Dirichlet y side contradicts the symmetry planes.
        let text =
            "[domain]\ny_faces = \"symmetry\"\n[fields.vegf]\nboundary_y_max = \"dirichlet\"\n";
        let e = Scenario::from_toml_str(text, "t.toml", &[]).unwrap_err();
        assert_eq!(
            (e.file.as_str(), e.key.as_deref()),
            ("t.toml", Some("fields.vegf.boundary_y_max"))
        );
        let e = Scenario::from_toml_str(
            "[domain]\ny_faces = \"symmetry\"\n",
            "t.toml",
            &["fields.tnf.boundary_y_min=dirichlet".into()],
        )
        .unwrap_err();
        assert_eq!(
            (e.file.as_str(), e.key.as_deref()),
            (SET_LABEL, Some("fields.tnf.boundary_y_min"))
        );
    }
}
