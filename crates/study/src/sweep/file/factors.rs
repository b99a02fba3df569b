//! One factor of a sweep file: its levels or distribution checked against the scenario key, and the outcomes checked against the base scenario.

use super::*;

/// Load a scenario table into validated [`Params`].
pub(super) fn load_params(table: toml::Table, label: &str) -> Result<Params, InputError> {
    let s = Scenario::from_table(table, label, &[])?;
    Params::new(s, label)
}

pub(super) fn level_to_toml(l: &Level) -> toml::Value {
    match l {
        Level::Int(i) => toml::Value::Integer(*i),
        Level::Num(x) => toml::Value::Float(*x),
        Level::Text(s) => toml::Value::String(s.clone()),
        Level::Bool(b) => toml::Value::Boolean(*b),
    }
}

pub(super) fn build_factor(f: &RawFactor, i: usize, label: &str) -> Result<Factor, InputError> {
    let at = |k: &str| format!("factor[{i}].{k}");
    let err = |k: &str, msg: String| InputError::new(label, Some(&at(k)), msg);
    if f.key.trim().is_empty() || f.key.split('.').any(str::is_empty) {
        return Err(
            err("key", format!("'{}' is not a dotted scenario key", f.key))
                .hint("e.g. key = \"treatment.dose.dose_cells\""),
        );
    }
    let given = [
        f.values.is_some(),
        f.range.is_some() && f.distribution.is_none(),
        f.distribution.is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err(err(
            "key",
            format!(
                "factor '{}' needs exactly one of `values`, `range` or `distribution`",
                f.key
            ),
        ));
    }
    if f.scale.is_some() && (f.range.is_none() || f.distribution.is_some()) {
        return Err(err(
            "scale",
            format!(
                "factor '{}': `scale` applies only to a `range` factor",
                f.key
            ),
        ));
    }
    if f.distribution.is_none() && (f.mean.is_some() || f.sd.is_some()) {
        return Err(err(
            "mean",
            format!(
                "factor '{}': `mean` and `sd` apply only with `distribution`",
                f.key
            ),
        ));
    }
    let bad = |k: &str, reason: String| err(k, format!("factor '{}': {reason}", f.key));
    if let Some(v) = &f.values {
        if v.is_empty() {
            return Err(bad("values", "empty list".into()));
        }
        let space = FactorSpace::Levels((0..v.len() as i64).map(Level::Int).collect());
        return Ok(Factor {
            key: f.key.clone(),
            space,
            values: Some(v.clone()),
        });
    }
    if let Some(DistName::Normal) = f.distribution {
        let (Some(mean), Some(sd)) = (f.mean, f.sd) else {
            return Err(bad(
                "distribution",
                "a normal distribution needs `mean` and `sd`".into(),
            ));
        };
        if !mean.is_finite() || !sd.is_finite() || sd < 0.0 {
            return Err(bad(
                "sd",
                format!("need finite mean and sd >= 0 (got mean {mean}, sd {sd})"),
            ));
        }
        let space = match f.range {
            Some([lo, hi]) => {
                if sd == 0.0 {
                    return Err(bad("sd", "a truncated normal needs sd > 0".into()));
                }
                FactorSpace::TruncNormal { mean, sd, lo, hi }
            }
            None => FactorSpace::Normal { mean, sd },
        };
        check_space(&space, &f.key, &at("range"), label)?;
        return Ok(Factor {
            key: f.key.clone(),
            space,
            values: None,
        });
    }
    let [lo, hi] = f.range.unwrap_or([0.0, 0.0]);
    let space = match f.scale.unwrap_or_default() {
        ScaleName::Linear => FactorSpace::Uniform { lo, hi },
        ScaleName::Log => FactorSpace::LogUniform { lo, hi },
        ScaleName::Integer => {
            if lo.fract() != 0.0
                || hi.fract() != 0.0
                || !lo.is_finite()
                || !hi.is_finite()
                || lo.abs() > 9e15
                || hi.abs() > 9e15
            {
                return Err(bad(
                    "range",
                    format!("integer scale needs whole-number bounds (got [{lo}, {hi}])"),
                ));
            }
            FactorSpace::IntRange {
                lo: lo as i64,
                hi: hi as i64,
            }
        }
    };
    check_space(&space, &f.key, &at("range"), label)?;
    Ok(Factor {
        key: f.key.clone(),
        space,
        values: None,
    })
}

pub(super) fn check_space(
    space: &FactorSpace,
    key: &str,
    at: &str,
    label: &str,
) -> Result<(), InputError> {
    match design::validate_factors(std::slice::from_ref(space)) {
        Err(DesignError::InvalidFactor { reason, .. }) => Err(InputError::new(
            label,
            Some(at),
            format!("factor '{key}': {reason}"),
        )),
        Err(e) => Err(InputError::new(
            label,
            Some(at),
            format!("factor '{key}': {e}"),
        )),
        Ok(()) => Ok(()),
    }
}

pub(super) fn check_outcomes(
    outcomes: &[String],
    base: &Params,
    label: &str,
) -> Result<(), InputError> {
    if outcomes.is_empty() {
        return Err(InputError::new(label, Some("outcomes"), "empty list")
            .allowed(observe::OUTCOMES.join(", ")));
    }
    let columns = observe::columns(base);
    let mut known: Vec<String> = observe::OUTCOMES
        .iter()
        .chain(EXTRA_OUTCOMES.iter())
        .map(|s| s.to_string())
        .collect();
    known.extend(columns.iter().map(|c| format!("final.{c}")));
    for (i, o) in outcomes.iter().enumerate() {
        if outcomes[..i].contains(o) {
            return Err(InputError::new(
                label,
                Some("outcomes"),
                format!("'{o}' appears twice"),
            ));
        }
        if !known.contains(o) {
            let mut e = InputError::new(label, Some("outcomes"), format!("unknown outcome '{o}'"))
                .allowed(format!(
                    "{}, {} or final.<time-series column>",
                    observe::OUTCOMES.join(", "),
                    EXTRA_OUTCOMES.join(", ")
                ));
            if let Some(n) = scenario::nearest(o, known.iter().map(String::as_str)) {
                e = e.hint(format!("did you mean '{n}'?"));
            }
            return Err(e);
        }
    }
    Ok(())
}
