//! Scenario files: raw serde types (TOML, `deny_unknown_fields`, units in key
//! names, documented defaults), loading with clear errors, `--set` overrides,
//! and validation into typed [`Params`].
//!
//! Loading is a small pipeline:
//! 1. read the file (UTF-8, non-empty) and parse TOML;
//! 2. apply `--set key.path=value` overrides;
//! 3. deep-merge over the default scenario, so any key may be omitted;
//! 4. deserialize (errors name the dotted key and suggest the nearest key);
//! 5. fill patient keys from the wound type's documented defaults;
//! 6. validate ranges and cross-key consistency into [`Params`].

pub mod checks;
mod macros;
pub mod params;
pub mod patient;
pub mod rates;
pub mod sections;
pub mod treatment;

pub use params::{FieldIds, Params, Steps};
pub use rates::Rates;
pub use sections::*;
pub use treatment::Treatment;

use crate::error::{Error, InputError};
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
            angiogenesis: Angiogenesis::default(),
            closure: Closure::default(),
            treatment: Treatment::default(),
            cohort: Cohort::default(),
            limits: Limits::default(),
        }
    }
}

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

/// Label of values given with `--set` on the command line, in messages.
pub const SET_LABEL: &str = "<command line --set>";

/// Parse `text` (from `label`) into a TOML table, with clear errors.
pub fn parse_table(text: &str, label: &str) -> Result<toml::Table, InputError> {
    if is_blank(text) {
        return Err(InputError::new(label, None, "the file is empty")
            .hint("a scenario needs at least one key, e.g. name = \"my-wound\"; see `woundsim scenario show`"));
    }
    parse_toml(text, label)
}

/// True when `text` holds nothing but blank lines and comments.
pub fn is_blank(text: &str) -> bool {
    text.lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
}

/// Parse TOML `text` (from `label`); a syntax error names the line, the key
/// on it (when there is one) and, for numbers out of range, what is allowed.
pub fn parse_toml(text: &str, label: &str) -> Result<toml::Table, InputError> {
    text.parse::<toml::Table>().map_err(|e| {
        let key = e.span().and_then(|sp| key_at(text, sp.start));
        let message = e.message();
        let mut err = InputError::new(
            label,
            key.as_deref(),
            format!("not valid TOML: {}", e.to_string().trim()),
        );
        if message.contains("too large") {
            err = err.allowed(
                "integers from -9223372036854775808 to 9223372036854775807; for a real number write a float such as 1e20",
            );
        } else if message.contains("floating-point") {
            err = err.allowed("a number such as 0.5, 2e-3 or 1e6, at most ±1.7e308 in size");
        }
        err
    })
}

/// The dotted key assigned on the line of byte `offset` of `text`, with the
/// table header above it (`[[name]]` tables are numbered: `name[2].key`).
/// An error on a line without a key (e.g. the line after an unclosed
/// array) is put on the key above when that key's value is still open.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let line_start = |at: usize| text[..at].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let key_of = |start: usize| -> Option<String> {
        let line = text[start..].lines().next().unwrap_or("");
        let (k, _) = line.split_once('=')?;
        let k = clean_key(k);
        (!k.is_empty() && !k.starts_with('[') && !k.starts_with('#')).then_some(k)
    };
    let mut start = line_start(offset);
    let k = match key_of(start) {
        Some(k) => k,
        None => {
            let mut prev = start;
            loop {
                if prev == 0 {
                    return None;
                }
                prev = line_start(prev - 1);
                let l = text[prev..].lines().next().unwrap_or("").trim();
                if !(l.is_empty() || l.starts_with('#')) {
                    break;
                }
            }
            let l = text[prev..].lines().next().unwrap_or("");
            let open = l.split_once('=').is_some_and(|(_, v)| {
                let v = v.trim_start();
                v.starts_with('[')
                    || v.starts_with('{')
                    || v.starts_with("\"\"\"")
                    || v.starts_with("'''")
            });
            if !open {
                return None;
            }
            start = prev;
            key_of(prev)?
        }
    };
    let mut table = String::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for l in text[..start].lines() {
        let l = l.trim();
        if let Some(name) = l.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
            let name = clean_key(name);
            let n = counts.entry(name.clone()).or_insert(0);
            table = format!("{name}[{n}]");
            *n += 1;
        } else if let Some(name) = l.strip_prefix('[').and_then(|r| r.split(']').next()) {
            table = clean_key(name);
        }
    }
    Some(if table.is_empty() {
        k
    } else {
        format!("{table}.{k}")
    })
}

fn clean_key(k: &str) -> String {
    k.split('.')
        .map(|p| p.trim().trim_matches(|c| c == '"' || c == '\''))
        .collect::<Vec<_>>()
        .join(".")
}

/// What a value of the type named in a serde "expected ..." message may be.
pub fn allowed_for_type(msg: &str) -> Option<&'static str> {
    let expected = msg.split("expected ").nth(1)?;
    let t = expected.trim();
    Some(if t.starts_with("f64") || t.starts_with("f32") {
        "a number"
    } else if t.starts_with("u64") || t.starts_with("usize") || t.starts_with("u32") {
        "a whole number >= 0 (at most 18446744073709551615)"
    } else if t.starts_with("a boolean") || t.starts_with("bool") {
        "true or false"
    } else if t.starts_with("a string") {
        "a quoted string"
    } else if t.starts_with("a sequence") || t.starts_with("an array") {
        "a list such as [1, 2]"
    } else if t.starts_with("a map") || t.starts_with("struct") {
        "a table"
    } else if t.starts_with("string only") {
        "one of the quoted names that `woundsim explain <key>` lists"
    } else {
        return None;
    })
}

/// Report `err` as coming from `--set` when its key (or a section holding
/// it) was given by one of `overrides` (`key.path=value`), or when its key
/// is an unknown section that only an override names (`--set bogus.x=1`
/// fails on the key `bogus`).
pub fn blame_overrides(err: InputError, overrides: &[String]) -> InputError {
    blame_overrides_except(err, overrides, None)
}

/// [`blame_overrides`], except that an unknown section that `file` holds
/// too stays the file's.
fn blame_overrides_except(
    err: InputError,
    overrides: &[String],
    file: Option<&toml::Table>,
) -> InputError {
    let Some(key) = err.key.as_deref() else {
        return err;
    };
    // An unknown section that only an override names is the override's.
    let unknown_only_set = || {
        file.is_none_or(|t| value_at(t, key).is_none())
            && !all_keys()
                .iter()
                .any(|k| k == key || k.strip_prefix(key).is_some_and(|r| r.starts_with('.')))
    };
    let from_set = overrides.iter().any(|o| {
        let set = o.split_once('=').map(|(k, _)| k.trim()).unwrap_or("");
        !set.is_empty()
            && (key == set
                || key
                    .strip_prefix(set)
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
                || (set
                    .strip_prefix(key)
                    .is_some_and(|rest| rest.starts_with('.'))
                    && unknown_only_set()))
    });
    if from_set {
        InputError {
            file: SET_LABEL.to_string(),
            ..err
        }
    } else {
        err
    }
}

/// Largest scenario or sweep file woundsim reads (bytes): the shipped
/// files are a few KiB, and the cap keeps a wrong path (a log, a device
/// such as `/dev/urandom`) from filling memory.
pub const MAX_INPUT_BYTES: u64 = 1 << 20;

/// Read a scenario or sweep file as UTF-8 text, naming it in errors (feature
/// `fs`). At most [`MAX_INPUT_BYTES`] + 1 bytes are read, so a larger or
/// endless input is refused without being read whole.
#[cfg(feature = "fs")]
pub fn read_text(path: &Path) -> Result<String, Error> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| Error::io("reading", path, e))?;
    let mut bytes = Vec::new();
    file.take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("reading", path, e))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(Error::Input(
            InputError::new(
                path.display().to_string(),
                None,
                format!(
                    "larger than the {} MiB limit of an input file",
                    MAX_INPUT_BYTES >> 20
                ),
            )
            .allowed("a TOML scenario or sweep file of at most 1 MiB"),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        Error::Input(InputError::new(
            path.display().to_string(),
            None,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        ))
    })
}

/// Set `path` (dotted) in `table` to `value`, creating tables on the way.
pub fn set_path(
    table: &mut toml::Table,
    path: &str,
    value: toml::Value,
    label: &str,
) -> Result<(), InputError> {
    let parts: Vec<&str> = path.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(InputError::new(
            label,
            Some(path),
            "empty component in a dotted key",
        ));
    }
    let mut cur = table;
    for (i, part) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            cur.insert(part.to_string(), value);
            return Ok(());
        }
        let entry = cur
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        cur = match entry {
            toml::Value::Table(t) => t,
            _ => {
                return Err(InputError::new(
                    label,
                    Some(path),
                    format!("'{}' is a value, not a section", parts[..=i].join(".")),
                ))
            }
        };
    }
    Ok(())
}

/// Parse an override `key.path=value`; the value is read as TOML, else as a string.
pub fn parse_override(s: &str) -> Result<(String, toml::Value), InputError> {
    let (k, v) = s.split_once('=').ok_or_else(|| {
        InputError::new(SET_LABEL, None, format!("--set '{s}' has no '='"))
            .allowed("--set key.path=value")
    })?;
    let k = k.trim().to_string();
    let v = v.trim();
    let value = match format!("v = {v}").parse::<toml::Table>() {
        Ok(mut t) => t.remove("v"),
        Err(_) => None,
    };
    if value.is_none() && looks_numeric(v) {
        return Err(InputError::new(
            SET_LABEL,
            Some(&k),
            format!("the number {v} is out of range"),
        )
        .allowed(
            "a number such as 0.5, 2e-3 or 1e6, at most ±1.7e308 in size; whole numbers from -9223372036854775808 to 9223372036854775807",
        ));
    }
    Ok((
        k,
        value.unwrap_or_else(|| toml::Value::String(v.to_string())),
    ))
}

/// True for a decimal number (`1e400`, `-12`, `3.5`, `1_000`), whatever
/// its size.
fn looks_numeric(v: &str) -> bool {
    let s = v.strip_prefix(['+', '-']).unwrap_or(v);
    s.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && s.replace('_', "").parse::<f64>().is_ok()
}

fn deep_merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => deep_merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

fn value_at<'a>(table: &'a toml::Table, path: &str) -> Option<&'a toml::Value> {
    let mut parts = path.split('.');
    let mut cur = table.get(parts.next()?)?;
    for p in parts {
        cur = match cur {
            toml::Value::Table(t) => t.get(p)?,
            toml::Value::Array(a) => a.get(p.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Nearest candidate to `word` by edit distance, if close enough.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score >= 0.75)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

fn backticked(s: &str) -> Vec<String> {
    s.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// Deserialize a TOML table (a scenario, a sweep file, ...) into `T`,
/// mapping serde errors to [`InputError`]s for `label` that name the dotted
/// key and the value, say what is allowed, and suggest the nearest key or
/// value for a typo.
pub fn deserialize_table<T: serde::de::DeserializeOwned>(
    table: toml::Table,
    label: &str,
) -> Result<T, InputError> {
    let lookup = table.clone();
    let de = toml::Value::Table(table);
    serde_path_to_error::deserialize::<_, T>(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.inner().to_string();
        let msg = inner.lines().next().unwrap_or("").trim().to_string();
        let top = path == "." || path.is_empty();
        if let Some(rest) = msg.strip_prefix("unknown field ") {
            let ticks = backticked(rest);
            let bad = ticks.first().cloned().unwrap_or_default();
            let expected: Vec<&str> = ticks.iter().skip(1).map(String::as_str).collect();
            // The path may or may not already end with the unknown key.
            let prefix = match path.strip_suffix(bad.as_str()) {
                Some(p) if p.is_empty() || p.ends_with('.') => p.to_string(),
                _ if top => String::new(),
                _ => format!("{path}."),
            };
            let mut err = InputError::new(label, Some(&format!("{prefix}{bad}")), "unknown key")
                .allowed(expected.join(", "));
            if let Some(n) = nearest(&bad, expected.iter().copied()) {
                err = err.hint(format!("did you mean '{prefix}{n}'?"));
            }
            return err;
        }
        let key = (!top).then_some(path.as_str());
        if let Some(rest) = msg.strip_prefix("unknown variant ") {
            let ticks = backticked(rest);
            let bad = ticks.first().cloned().unwrap_or_default();
            let expected: Vec<&str> = ticks.iter().skip(1).map(String::as_str).collect();
            let mut err = InputError::new(label, key, format!("unknown value \"{bad}\""))
                .allowed(expected.join(", "));
            if let Some(n) = nearest(&bad, expected.iter().copied()) {
                err = err.hint(format!("did you mean \"{n}\"?"));
            }
            return err;
        }
        let value = match value_at(&lookup, &path) {
            Some(toml::Value::Float(f)) if !top => format!("value {f:?}: "),
            Some(v) if !top => format!("value {v}: "),
            _ => String::new(),
        };
        let err = InputError::new(label, key, format!("{value}{msg}"));
        match allowed_for_type(&msg) {
            Some(a) => err.allowed(a),
            None => err,
        }
    })
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
}
