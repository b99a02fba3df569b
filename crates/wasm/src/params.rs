//! The parameter table for the web app: every scenario key of
//! [`woundsim_core::scenario::param_table`] (unit, default, meaning,
//! source) with what a control needs besides: the kind of value, the
//! allowed range or choices, the catalog multipliers of a choice and the
//! wound-type values of a patient key, and a plain-language explanation.
//!
//! The allowed ranges are not a second copy of the core's checks: each is
//! read from the core's own error for an out-of-range value (a key set to
//! `-1e300`, or a choice key to a name that does not exist), so the web app
//! offers exactly what the core accepts.

use serde::Serialize;
use woundsim_core::error::InputError;
use woundsim_core::scenario::{param_table, patient, treatment, ParamInfo, Params, Scenario};

/// The kind of value a key holds, as a control shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A number (float).
    Number,
    /// A whole number.
    Integer,
    /// `true` or `false`.
    Bool,
    /// One of a fixed set of names.
    Choice,
    /// A list of numbers, e.g. dosing days.
    List,
    /// Free text or a value with its own syntax (a table, a boundary).
    Text,
}

/// One multiplier of the therapy catalog.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogValue {
    /// The choice, e.g. `adipose`.
    pub choice: String,
    /// What it multiplies, e.g. `vegf`.
    pub target: String,
    /// The multiplier.
    pub value: f64,
    /// Source or "assumption".
    pub basis: String,
}

/// A parameter with everything a control needs.
#[derive(Debug, Clone, Serialize)]
pub struct Param {
    /// Dotted key, unit, default (as TOML), meaning and source.
    #[serde(flatten)]
    pub info: ParamInfo,
    /// Kind of value.
    pub kind: Kind,
    /// Allowed names of a choice key, in declaration order.
    pub choices: Vec<String>,
    /// Lowest allowed value, if the core bounds it.
    pub min: Option<f64>,
    /// True when `min` itself is not allowed (`> 0`).
    pub min_exclusive: bool,
    /// Highest allowed value, if the core bounds it.
    pub max: Option<f64>,
    /// The core's words for what is allowed.
    pub allowed: Option<String>,
    /// Catalog multipliers of each choice of this key.
    pub catalog: Vec<CatalogValue>,
    /// `(wound type, value)` of a patient key that the wound type fills.
    pub by_wound_type: Vec<(String, f64)>,
    /// Plain-language explanation: meaning, unit, default, range, source
    /// and the catalog or wound-type values.
    pub explain: String,
}

/// The error the core gives for `key = value` over the built-in scenario.
fn probe(key: &str, value: &str) -> Option<InputError> {
    let sets = [format!("{key}={value}")];
    match Scenario::builtin(&sets) {
        Err(e) => Some(e),
        Ok(s) => Params::new(s, "probe").err(),
    }
}

/// Choices named in a serde "unknown variant `x`, expected one of `a`, `b`"
/// message.
fn choices_in(msg: &str) -> Vec<String> {
    let Some(rest) = msg
        .split("expected one of ")
        .nth(1)
        .or_else(|| msg.split("expected ").nth(1))
    else {
        return Vec::new();
    };
    rest.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// `(min, min_exclusive, max)` from the core's words for a range: "a finite
/// number > 0", "a number between 0 and 1", "... > 0 and at most 1e9 ...".
pub fn bounds_in(allowed: &str) -> (Option<f64>, bool, Option<f64>) {
    let num = |s: &str| {
        s.trim_matches(|c: char| !(c.is_ascii_digit() || "+-.e".contains(c)))
            .parse::<f64>()
            .ok()
    };
    let words: Vec<&str> = allowed.split_whitespace().collect();
    let (mut min, mut excl, mut max) = (None, false, None);
    for (i, w) in words.iter().enumerate() {
        let next = words.get(i + 1).and_then(|n| num(n));
        match *w {
            "between" => {
                min = next;
                max = words.get(i + 3).and_then(|n| num(n));
            }
            ">" => {
                min = next;
                excl = true;
            }
            ">=" => min = next,
            "most" => max = next,
            _ => {}
        }
    }
    (min, excl, max)
}

fn kind_of(default: &str, err: Option<&InputError>) -> Kind {
    let msg = err.map(|e| e.message.as_str()).unwrap_or("");
    if default == "true" || default == "false" {
        Kind::Bool
    } else if default.starts_with('"') {
        if msg.starts_with("unknown value") || msg.contains("variant") {
            Kind::Choice
        } else {
            Kind::Text
        }
    } else if default.starts_with('[') {
        Kind::List
    } else if default.starts_with('{') {
        Kind::Text
    } else if msg.contains("u64") || msg.contains("usize") || msg.contains("u32") {
        Kind::Integer
    } else if default.parse::<f64>().is_ok() || default.starts_with('(') {
        Kind::Number
    } else {
        Kind::Text
    }
}

/// The table key of a catalog choice such as `route = hydrogel`.
fn catalog_for(name: &str) -> Vec<CatalogValue> {
    let prefix = format!("{name} = ");
    treatment::catalog()
        .iter()
        .filter_map(|e| {
            Some(CatalogValue {
                choice: e.choice.strip_prefix(&prefix)?.to_string(),
                target: e.target.to_string(),
                value: e.value,
                basis: e.basis.to_string(),
            })
        })
        .collect()
}

fn wound_type_values(key: &str) -> Vec<(String, f64)> {
    let Some(name) = key.strip_prefix("patient.") else {
        return Vec::new();
    };
    patient::WOUND_TYPES
        .iter()
        .filter_map(|&t| {
            let v = patient::preset_value(t, name)?;
            let label = toml::Value::try_from(t).ok()?.as_str()?.to_string();
            Some((label, v))
        })
        .collect()
}

fn explanation(p: &Param) -> String {
    let i = &p.info;
    let mut s = format!(
        "{}\n\n{}\n\nunit: {}\ndefault: {}",
        i.key, i.meaning, i.unit, i.default
    );
    if let Some(a) = &p.allowed {
        s.push_str(&format!("\nallowed: {a}"));
    } else if !p.choices.is_empty() {
        s.push_str(&format!("\nallowed: {}", p.choices.join(", ")));
    }
    s.push_str(&format!("\nsource: {}", i.source));
    if !p.catalog.is_empty() {
        s.push_str("\n\nWhat each choice multiplies (combined multiplicatively):");
        for c in &p.catalog {
            s.push_str(&format!(
                "\n  {}: {} × {} ({})",
                c.choice, c.target, c.value, c.basis
            ));
        }
    }
    if !p.by_wound_type.is_empty() {
        s.push_str("\n\nWhen unset, the wound type sets it:");
        for (t, v) in &p.by_wound_type {
            s.push_str(&format!("\n  {t}: {v}"));
        }
    }
    s
}

/// Every scenario key with kind, range, choices, catalog values and
/// explanation (the generic `fields.<name>.new` row is left out: it is not
/// a key one can set).
pub fn table() -> Vec<Param> {
    param_table()
        .into_iter()
        .filter(|r| !r.key.contains('<'))
        .map(|info| {
            let numeric = !info.default.starts_with('"')
                && info.default != "true"
                && info.default != "false"
                && !info.default.starts_with('{');
            let err = if info.default.starts_with('"') {
                probe(&info.key, "\"no such choice\"")
            } else if info.default.starts_with('[') {
                probe(&info.key, "[-1e300]")
            } else if numeric {
                probe(&info.key, "-1e300")
            } else {
                None
            };
            let kind = kind_of(&info.default, err.as_ref());
            let choices = match (kind, &err) {
                (Kind::Choice, Some(e)) => match &e.allowed {
                    Some(a) => a.split(", ").map(str::to_string).collect(),
                    None => choices_in(&e.message),
                },
                (Kind::Bool, _) => vec!["true".into(), "false".into()],
                _ => Vec::new(),
            };
            // A range error names this key; a type error of an unsigned
            // key says "whole number".
            let allowed = err
                .as_ref()
                .filter(|e| e.key.as_deref() == Some(info.key.as_str()))
                .and_then(|e| e.allowed.clone())
                .filter(|_| kind != Kind::Choice);
            let (mut min, excl, max) = allowed.as_deref().map(bounds_in).unwrap_or_default();
            if kind == Kind::Integer && min.is_none() {
                min = Some(0.0);
            }
            let name = info.key.rsplit('.').next().unwrap_or("").to_string();
            let catalog = if kind == Kind::Choice {
                catalog_for(&name)
            } else {
                Vec::new()
            };
            let by_wound_type = wound_type_values(&info.key);
            let mut p = Param {
                info,
                kind,
                choices,
                min,
                min_exclusive: excl,
                max,
                allowed,
                catalog,
                by_wound_type,
                explain: String::new(),
            };
            p.explain = explanation(&p);
            p
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find<'a>(t: &'a [Param], key: &str) -> &'a Param {
        t.iter()
            .find(|p| p.info.key == key)
            .unwrap_or_else(|| panic!("{key} missing"))
    }

    #[test]
    fn bounds_are_read_from_the_core_words() {
        assert_eq!(bounds_in("a finite number > 0"), (Some(0.0), true, None));
        assert_eq!(bounds_in("a finite number >= 0"), (Some(0.0), false, None));
        assert_eq!(
            bounds_in("a number between 0 and 1"),
            (Some(0.0), false, Some(1.0))
        );
        assert_eq!(
            bounds_in("a diffusion coefficient > 0 and at most 1e9 µm²/min"),
            (Some(0.0), true, Some(1e9))
        );
    }

    #[test]
    fn controls_know_the_core_choices_and_ranges() {
        let t = table();
        assert_eq!(t.len(), param_table().len() - 1);
        let route = find(&t, "treatment.delivery.route");
        assert_eq!(route.kind, Kind::Choice);
        assert!(route.choices.contains(&"intravenous".to_string()));
        assert!(route.choices.contains(&"hydrogel".to_string()));
        assert!(route.catalog.iter().any(|c| c.choice == "hydrogel"));
        let wt = find(&t, "patient.wound_type");
        assert_eq!(wt.kind, Kind::Choice);
        assert_eq!(wt.choices.len(), patient::WOUND_TYPES.len());
        let homing = find(&t, "treatment.delivery.homing_fraction");
        assert_eq!((homing.min, homing.max), (Some(0.0), Some(1.0)));
        let dose = find(&t, "treatment.dose.dose_cells");
        assert_eq!(
            (dose.kind, dose.min, dose.max),
            (Kind::Number, Some(0.0), None)
        );
        let days = find(&t, "treatment.dose.days");
        assert_eq!((days.kind, days.max), (Kind::List, Some(3650.0)));
        let per = find(&t, "treatment.dose.per_cm2");
        assert_eq!(per.kind, Kind::Bool);
        let perf = find(&t, "patient.perfusion");
        assert_eq!(perf.kind, Kind::Number);
        assert_eq!(perf.by_wound_type.len(), patient::WOUND_TYPES.len());
        assert!(perf.explain.contains("diabetic_foot_ulcer: 0.5"));
        let seed = find(&t, "seed");
        assert_eq!(seed.kind, Kind::Integer);
    }

    #[test]
    fn every_offered_range_is_the_core_range() {
        // A value just inside each bound passes the core's check of that
        // key; one just outside fails it.
        for p in table() {
            if p.kind != Kind::Number || p.info.key.starts_with("fields.") {
                continue;
            }
            if let Some(max) = p.max {
                let over = probe(&p.info.key, &format!("{:?}", max * 1.5 + 1.0));
                assert!(
                    over.is_some_and(|e| e.key.as_deref() == Some(p.info.key.as_str())),
                    "{} accepts a value above its max {max}",
                    p.info.key
                );
            }
        }
    }
}
