//! The published facts `woundsim validate` checks: the types of a fact and
//! its virtual experiment, and the table itself, `crates/study/facts.toml`
//! (embedded in the binary, parsed once on first use).

use super::*;
use serde::Deserializer;
use std::sync::LazyLock;

/// Text of the fact table; it lives as long as the program (the table is
/// parsed once, and its strings are kept for every later use).
pub type Str = &'static str;
/// A list of texts of the fact table (see [`Str`]).
pub type Strs = &'static [&'static str];

/// The fact table as shipped (one `[[fact]]` per fact; its header describes
/// the fields).
pub const FACTS_TOML: &str = include_str!("../../facts.toml");

/// Where [`FACTS_TOML`] comes from, in messages.
pub const FACTS_LABEL: &str = "crates/study/facts.toml";

/// Every fact checked by `woundsim validate`, in table order (biology
/// reference §6 and the therapy facts of the review): [`FACTS_TOML`],
/// parsed on first use. The table is part of the build and a unit test
/// parses it, so it cannot fail at run time.
pub static FACTS: LazyLock<Vec<Fact>> =
    LazyLock::new(|| parse_facts(FACTS_TOML, FACTS_LABEL).unwrap_or_else(|e| panic!("{e}")));

/// The file's layout: `[[fact]]` tables.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FactFile {
    fact: Vec<Fact>,
}

/// Parse a fact table (the text of a `facts.toml`); `label` names it in
/// the error, which names the fact's position and key.
pub fn parse_facts(text: &str, label: &str) -> std::result::Result<Vec<Fact>, InputError> {
    toml::from_str::<FactFile>(text)
        .map(|f| f.fact)
        .map_err(|e| {
            InputError::new(label.to_string(), None, e.message().to_string()).hint(match e.span() {
                Some(sp) => format!(
                    "in the table at line {}",
                    text[..sp.start].matches('\n').count() + 1
                ),
                None => "check the table's header for the fields of a fact".to_string(),
            })
        })
}

/// A text of the table, kept for the rest of the program.
fn leak_str<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Str, D::Error> {
    String::deserialize(d).map(|s| &*Box::leak(s.into_boxed_str()))
}

/// A list of texts of the table, kept for the rest of the program.
fn leak_strs<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Strs, D::Error> {
    let v: Vec<Str> = Vec::<String>::deserialize(d)?
        .into_iter()
        .map(|s| &*Box::leak(s.into_boxed_str()))
        .collect();
    Ok(Box::leak(v.into_boxed_slice()))
}

/// One arm of a virtual experiment: a shipped scenario and overrides.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arm {
    /// Scenario file stem in the scenario directory (`scenarios/<name>.toml`).
    #[serde(deserialize_with = "leak_str")]
    pub scenario: Str,
    /// `--set` overrides (`key.path=value`).
    #[serde(default, deserialize_with = "leak_strs")]
    pub sets: Strs,
}

/// What is measured in each replicate.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Observable {
    /// A summary outcome by name ([`crate::observe::Summary::outcome`]).
    Outcome(#[serde(deserialize_with = "leak_str")] Str),
    /// A time-series column at a day ([`END`]: the last row).
    At(#[serde(deserialize_with = "leak_str")] Str, f64),
    /// The mean of a time-series column over the rows in [from, to] days.
    Mean(#[serde(deserialize_with = "leak_str")] Str, f64, f64),
    /// A column at a day divided by its maximum up to that day.
    ShareOfPeak(#[serde(deserialize_with = "leak_str")] Str, f64),
}

/// How arm A must relate to arm B (on paired differences A − B).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// The 95 % interval of A − B lies above 0.
    Greater,
    /// The 95 % interval of A − B lies below 0.
    Less,
    /// The lower 95 % bound of A − B is at least −margin (A not worse).
    NotBelow(f64),
    /// The upper 95 % bound of A − B is at most +margin (A not better).
    NotAbove(f64),
}

/// A mechanism curve evaluated directly from the parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Curve {
    /// MSC VEGF output factor against TNF-α (ng/mL) at normoxia (40 mmHg).
    MscVegfVsTnf,
}

/// A virtual experiment.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Experiment {
    /// Arm A against arm B, paired by replicate.
    Compare {
        /// Arm A.
        a: Arm,
        /// Arm B.
        b: Arm,
        /// What is measured.
        observable: Observable,
        /// How A must relate to B.
        expect: Expect,
    },
    /// The cohort mean of one arm lies in [lo, hi].
    Range {
        /// The arm.
        arm: Arm,
        /// What is measured.
        observable: Observable,
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
    },
    /// The fraction of replicates where a 0/1 observable is 1 lies in [lo, hi].
    Proportion {
        /// The arm.
        arm: Arm,
        /// A 0/1 observable (e.g. `Outcome("healed_wk12")`).
        observable: Observable,
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
    },
    /// mean(A) / mean(B) lies in [lo, hi].
    Ratio {
        /// Arm A.
        a: Arm,
        /// Arm B.
        b: Arm,
        /// What is measured.
        observable: Observable,
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
    },
    /// One key over values: consecutive means ordered, and the paired
    /// difference last − first significantly in the expected direction.
    DoseResponse {
        /// The base arm.
        arm: Arm,
        /// The key varied.
        #[serde(deserialize_with = "leak_str")]
        key: Str,
        /// Its values, in increasing order.
        #[serde(deserialize_with = "leak_strs")]
        values: Strs,
        /// What is measured.
        observable: Observable,
        /// True: the observable rises with the values; false: it falls.
        increasing: bool,
    },
    /// A resolved scenario parameter lies in [lo, hi] (for facts that are a
    /// parameter of the model, e.g. a cytokine half-life).
    Parameter {
        /// Dotted key.
        #[serde(deserialize_with = "leak_str")]
        key: Str,
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
    },
    /// A mechanism curve at `xs` = [x₀, x_low, x_high] rises from x₀ to
    /// x_low and falls below its x₀ value at x_high.
    RiseThenFall {
        /// The curve.
        curve: Curve,
        /// Three abscissae.
        xs: [f64; 3],
    },
}

/// One published fact and its virtual experiment.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fact {
    /// Short unique id.
    #[serde(deserialize_with = "leak_str")]
    pub id: Str,
    /// The fact in words (what the model should reproduce).
    #[serde(deserialize_with = "leak_str")]
    pub statement: Str,
    /// Literature source.
    #[serde(deserialize_with = "leak_str")]
    pub source: Str,
    /// The virtual experiment.
    pub experiment: Experiment,
    /// Simulated days of a full validation.
    pub days: f64,
    /// Simulated days in `--quick` mode; `None`: not checked by `--quick`
    /// (ranges that need the full-size wound and span).
    #[serde(default)]
    pub quick_days: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use woundsim_core::shipped;

    /// The parameters of shipped scenario `name` with `sets`.
    fn shipped_params(name: &str, sets: &[String]) -> std::result::Result<Params, String> {
        let s = shipped::find(name).ok_or_else(|| format!("no shipped scenario '{name}'"))?;
        let sc = Scenario::from_toml_str(s.toml, &s.label(), sets).map_err(|e| e.to_string())?;
        Params::new(sc, &s.label()).map_err(|e| e.to_string())
    }

    fn arm_sets(a: &Arm) -> Vec<String> {
        a.sets.iter().map(|s| s.to_string()).collect()
    }

    /// Every name an observable reads exists: a summary outcome, or a
    /// time-series column of the arm's scenario.
    fn check_observable(id: &str, o: &Observable, p: &Params) {
        let columns = crate::observe::columns(p);
        match *o {
            Observable::Outcome(n) => assert!(
                crate::cohort_run::COHORT_OUTCOMES.contains(&n),
                "{id}: no outcome '{n}'"
            ),
            Observable::At(c, _) | Observable::Mean(c, _, _) | Observable::ShareOfPeak(c, _) => {
                assert!(columns.iter().any(|x| x == c), "{id}: no column '{c}'")
            }
        }
    }

    #[test]
    fn every_fact_parses_and_names_only_what_exists() {
        assert!(FACTS.len() >= 30, "only {} facts", FACTS.len());
        for f in FACTS.iter() {
            let id = f.id;
            let arms: Vec<(&Arm, Option<&Observable>)> = match &f.experiment {
                Experiment::Compare {
                    a, b, observable, ..
                }
                | Experiment::Ratio {
                    a, b, observable, ..
                } => {
                    vec![(a, Some(observable)), (b, Some(observable))]
                }
                Experiment::Range {
                    arm, observable, ..
                }
                | Experiment::Proportion {
                    arm, observable, ..
                } => vec![(arm, Some(observable))],
                Experiment::DoseResponse {
                    arm,
                    key,
                    values,
                    observable,
                    ..
                } => {
                    for v in values.iter() {
                        let mut sets = arm_sets(arm);
                        sets.push(format!("{key}={v}"));
                        shipped_params(arm.scenario, &sets)
                            .unwrap_or_else(|e| panic!("{id}: {key}={v}: {e}"));
                    }
                    vec![(arm, Some(observable))]
                }
                Experiment::Parameter { key, .. } => {
                    let p = shipped_params(BASE_SCENARIO, &[]).unwrap();
                    assert!(
                        resolved_number(&p, key).unwrap().is_some(),
                        "{id}: no numeric key '{key}'"
                    );
                    vec![]
                }
                Experiment::RiseThenFall { .. } => vec![],
            };
            for (arm, obs) in arms {
                let p = shipped_params(arm.scenario, &arm_sets(arm))
                    .unwrap_or_else(|e| panic!("{id}: arm {}: {e}", arm.scenario));
                if let Some(o) = obs {
                    check_observable(id, o, &p);
                }
            }
        }
    }

    #[test]
    fn a_bad_table_is_an_input_error_naming_the_file_and_line() {
        let bad = "[[fact]]\nid = \"x\"\nstatement = \"s\"\nsource = \"S 2000\"\ndays = 1.0\n\
                   [fact.experiment]\nkind = \"compare\"\na = { scenario = \"acute\" }\n\
                   b = { scenario = \"acute\" }\nobservable = { mean = [\"closure_pct\", 0.0, inf] }\n\
                   expect = \"sideways\"\n";
        let e = parse_facts(bad, "bad.toml").unwrap_err().to_string();
        assert!(e.contains("bad.toml") && e.contains("sideways"), "{e}");
        // The experiment table that holds it (its fields are read as one).
        assert!(e.contains("line 6"), "{e}");
        let good = bad.replace("sideways", "greater");
        assert_eq!(parse_facts(&good, "good.toml").unwrap().len(), 1);
    }
}
