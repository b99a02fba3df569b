//! Reading a sweep file into a validated SweepSpec: the base scenario, the factors, the design, the run list.

use super::*;

impl SweepSpec {
    /// Read and validate a sweep file.
    pub fn load(path: &Path) -> Result<SweepSpec, Error> {
        let text = scenario::read_text(path)?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::from_str(&text, &path.display().to_string(), &dir)
    }

    /// Validate sweep-file `text` (from `label`); `base` paths are relative to `dir`.
    pub fn from_str(text: &str, label: &str, dir: &Path) -> Result<SweepSpec, Error> {
        let raw = parse_raw(text, label)?;
        let err = |key: &str, msg: String| InputError::new(label, Some(key), msg);

        // Errors in the base scenario name the sweep file too.
        let of_sweep = |e: InputError| {
            if e.file.contains(label) {
                e
            } else {
                InputError {
                    file: format!("{} (base scenario of {label})", e.file),
                    ..e
                }
            }
        };

        // Base scenario.
        let (mut base, base_label) = match (&raw.base, &raw.base_inline) {
            (Some(_), Some(_)) => {
                return Err(err(
                    "base",
                    "give either `base` or `[base_inline]`, not both".into(),
                )
                .into());
            }
            (Some(b), None) => {
                let p: PathBuf = if Path::new(b).is_absolute() {
                    PathBuf::from(b)
                } else {
                    dir.join(b)
                };
                let text = scenario::read_text(&p).map_err(|e| match e {
                    Error::Io { source, .. } => Error::Input(
                        err(
                            "base",
                            format!("cannot read base scenario '{}': {source}", p.display()),
                        )
                        .hint("`base` is relative to the sweep file"),
                    ),
                    Error::Input(e) => Error::Input(of_sweep(e)),
                    other => other,
                })?;
                let base_file = p.display().to_string();
                let table = scenario::parse_table(&text, &base_file).map_err(of_sweep)?;
                (table, base_file)
            }
            (None, Some(t)) => (t.clone(), format!("{label} [base_inline]")),
            (None, None) => (
                scenario::parse_table(DEFAULT_SCENARIO_TOML, BUILTIN_LABEL)?,
                BUILTIN_LABEL.to_string(),
            ),
        };
        for (i, o) in raw.set.iter().enumerate() {
            let (k, v) = scenario::parse_override(o).map_err(|_| {
                err(&format!("set[{i}]"), format!("'{o}' has no '='")).allowed("\"key.path=value\"")
            })?;
            scenario::set_path(&mut base, &k, v, label)?;
        }
        let base_label = match (raw.set.is_empty(), raw.days.is_none()) {
            (true, true) => base_label,
            (false, true) => format!("{base_label} with `set` from {label}"),
            (true, false) => format!("{base_label} with `days` from {label}"),
            (false, false) => format!("{base_label} with `set` and `days` from {label}"),
        };
        if let Some(d) = raw.days {
            if !(d.is_finite() && d > 0.0) {
                return Err(err(
                    "days",
                    format!("value {d} must be a positive number of days"),
                )
                .into());
            }
            scenario::set_path(&mut base, "time.days", toml::Value::Float(d), label)?;
        }
        let base_params = load_params(base.clone(), &base_label).map_err(of_sweep)?;

        if raw.replicates == 0 {
            return Err(err("replicates", "value 0: need at least 1 replicate".into()).into());
        }

        // Factors.
        if raw.factor.is_empty() {
            return Err(InputError::new(label, Some("factor"), "no factors")
                .hint("add at least one [[factor]] table with `key` and `values`, `range` or `distribution`")
                .into());
        }
        let mut factors = Vec::with_capacity(raw.factor.len());
        for (i, f) in raw.factor.iter().enumerate() {
            if factors.iter().any(|g: &Factor| g.key == f.key) {
                return Err(err(
                    &format!("factor[{i}].key"),
                    format!("'{}' appears twice", f.key),
                )
                .into());
            }
            factors.push(build_factor(f, i, label)?);
        }

        // Design.
        let kind = match (raw.design.kind, raw.design.samples) {
            (KindName::Factorial, None) => DesignKind::Factorial,
            (KindName::Factorial, Some(_)) => {
                return Err(err(
                    "design.samples",
                    "not used by factorial designs (every combination of `values` runs)".into(),
                )
                .into())
            }
            (k, None) => {
                return Err(err(
                    "design.samples",
                    format!("missing: a {} design needs `samples`", k.as_str()),
                )
                .into())
            }
            (KindName::Lhs, Some(n)) => DesignKind::LatinHypercube { samples: n },
            (KindName::Random, Some(n)) => DesignKind::Random { samples: n },
            (KindName::Saltelli, Some(n)) => DesignKind::Saltelli { base_samples: n },
        };
        let spaces: Vec<FactorSpace> = factors.iter().map(|f| f.space.clone()).collect();
        let points = design::build(kind, &spaces, derive_seed(raw.seed, &[u64::MAX])).map_err(|e| match e {
            DesignError::NotDiscrete { index } => err(
                &format!("factor[{index}]"),
                format!("'{}' is continuous; a factorial design needs `values` (or `scale = \"integer\"`)", factors[index].key),
            ),
            DesignError::InvalidFactor { index, reason } => err(&format!("factor[{index}]"), format!("'{}': {reason}", factors[index].key)),
            DesignError::ZeroSamples => err("design.samples", "value 0: need at least 1".into()),
            other => err("design", other.to_string()),
        })?;

        let runs = (points.len() as u64).checked_mul(raw.replicates);
        if runs.is_none_or(|r| r > MAX_RUNS) {
            return Err(err(
                "replicates",
                format!(
                    "{} points × {} replicates is more than {MAX_RUNS} runs",
                    points.len(),
                    raw.replicates
                ),
            )
            .allowed(format!(
                "at most {MAX_RUNS} runs (design points × replicates)"
            ))
            .into());
        }

        // Outcomes.
        let outcomes: Vec<String> = match &raw.outcomes {
            Some(o) => o.clone(),
            None => observe::OUTCOMES.iter().map(|s| s.to_string()).collect(),
        };
        check_outcomes(&outcomes, &base_params, label)?;

        let mut spec = SweepSpec {
            label: label.to_string(),
            text: text.to_string(),
            base_label,
            base,
            seed: raw.seed,
            replicates: raw.replicates,
            kind: raw.design.kind,
            samples: raw.design.samples,
            factors,
            points,
            outcomes,
            days: raw.days,
            timeseries: raw.timeseries,
            dry_run: raw.dry_run,
            hash: String::new(),
        };
        spec.check_factor_values()?;
        if raw.outcomes.is_some() {
            spec.check_outcome_spans(base_params.scenario.time.days)?;
        } else {
            // The default list keeps only the outcomes the span can define.
            let days = spec.max_days(base_params.scenario.time.days);
            spec.outcomes
                .retain(|o| observe::outcome_min_days(o).is_none_or(|need| days + 1e-9 >= need));
        }
        let base_toml = toml::to_string(&spec.base).unwrap_or_default();
        spec.hash = hash_bytes(
            format!("woundsim {}\n{}\n{}", crate::VERSION, spec.text, base_toml).as_bytes(),
        );
        Ok(spec)
    }

    /// Number of design points.
    pub fn n_points(&self) -> u64 {
        self.points.len() as u64
    }

    /// Number of runs (points × replicates).
    pub fn n_runs(&self) -> u64 {
        self.n_points() * self.replicates
    }

    /// The identity of run `run`.
    pub fn run_id(&self, run: u64) -> RunId {
        let point = run / self.replicates;
        let replicate = run % self.replicates;
        RunId {
            run,
            point,
            replicate,
            seed: derive_seed(self.seed, &[point, replicate]),
        }
    }

    /// The value of factor `j` at design point `point`.
    pub fn value(&self, point: u64, j: usize) -> toml::Value {
        let level = &self.points[point as usize].levels[j];
        match (&self.factors[j].values, level) {
            (Some(vals), Level::Int(i)) => {
                vals[(*i).clamp(0, vals.len() as i64 - 1) as usize].clone()
            }
            (_, l) => level_to_toml(l),
        }
    }

    /// The factor values of `point`, rendered as in `runs.csv`.
    pub fn rendered_values(&self, point: u64) -> Vec<String> {
        (0..self.factors.len())
            .map(|j| render_value(&self.value(point, j)))
            .collect()
    }

    /// The base table with `point`'s factor values set.
    pub fn table_for(&self, point: u64) -> Result<toml::Table, InputError> {
        let mut t = self.base.clone();
        for (j, f) in self.factors.iter().enumerate() {
            scenario::set_path(&mut t, &f.key, self.value(point, j), &self.label)?;
        }
        Ok(t)
    }

    /// Validated parameters of `point`.
    pub fn params_for(&self, point: u64) -> Result<Params, InputError> {
        let label = format!("{} (design point {point})", self.label);
        load_params(self.table_for(point)?, &label)
    }

    /// The simulated span (days) of every design point, in point order.
    pub fn point_days(&self) -> Result<Vec<f64>, InputError> {
        let base = self.params_for(0)?.scenario.time.days;
        let j = self.factors.iter().position(|f| f.key == "time.days");
        Ok((0..self.n_points())
            .map(|p| match j.map(|j| self.value(p, j)) {
                Some(toml::Value::Float(x)) => x,
                Some(toml::Value::Integer(i)) => i as f64,
                _ => base,
            })
            .collect())
    }

    /// The parameters of design point `point` shortened to at most `days`
    /// simulated days (for a timing calibration).
    pub fn params_for_days(&self, point: u64, days: f64) -> Result<Params, InputError> {
        let full = self.params_for(point)?;
        let mut t = self.table_for(point)?;
        let d = full.scenario.time.days.min(days);
        scenario::set_path(&mut t, "time.days", toml::Value::Float(d), &self.label)?;
        let label = format!("{} (design point {point}, {d} days)", self.label);
        load_params(t, &label)
    }

    /// The `runs.csv` header.
    pub fn header(&self) -> Vec<String> {
        let mut h: Vec<String> = LEAD_COLUMNS.iter().map(|s| s.to_string()).collect();
        h.extend(self.factors.iter().map(|f| f.key.clone()));
        h.push("status".into());
        h.push("error".into());
        h.extend(self.outcomes.iter().cloned());
        h
    }

    /// The longest span any design point simulates: the largest value of a
    /// `time.days` factor, else `base_days`.
    pub fn max_days(&self, base_days: f64) -> f64 {
        match self.factors.iter().position(|f| f.key == "time.days") {
            Some(j) => (0..self.n_points())
                .filter_map(|p| match self.value(p, j) {
                    toml::Value::Float(x) => Some(x),
                    toml::Value::Integer(i) => Some(i as f64),
                    _ => None,
                })
                .fold(f64::NEG_INFINITY, f64::max),
            None => base_days,
        }
    }

    /// Every outcome must be definable in the span of at least one design
    /// point (e.g. `m2_fraction_d7` needs 7 simulated days,
    /// [`observe::outcome_min_days`]).
    pub(super) fn check_outcome_spans(&self, base_days: f64) -> Result<(), InputError> {
        let days = self.max_days(base_days);
        for o in &self.outcomes {
            if let Some(need) = observe::outcome_min_days(o) {
                if days + 1e-9 < need {
                    return Err(InputError::new(
                        &self.label,
                        Some("outcomes"),
                        format!(
                            "outcome '{o}' needs at least {need} simulated days, but the sweep simulates {days} days: it would be empty in every run"
                        ),
                    )
                    .allowed(format!("'{o}' with `days` of {need} or more"))
                    .hint(format!("raise `days` to {need} or more, or drop '{o}' from `outcomes`")));
                }
            }
        }
        Ok(())
    }

    /// Every factor, at each of its probe values (all `values`, both ends of
    /// a `range`, the extremes the design draws from a distribution) with
    /// the other keys at the base, must give a valid scenario.
    pub(super) fn check_factor_values(&self) -> Result<(), InputError> {
        for (j, f) in self.factors.iter().enumerate() {
            let probes: Vec<toml::Value> = match (&f.values, &f.space) {
                (Some(v), _) => v.clone(),
                (None, FactorSpace::Uniform { lo, hi } | FactorSpace::LogUniform { lo, hi }) => {
                    vec![toml::Value::Float(*lo), toml::Value::Float(*hi)]
                }
                (None, FactorSpace::IntRange { lo, hi }) => {
                    vec![toml::Value::Integer(*lo), toml::Value::Integer(*hi)]
                }
                (None, _) => {
                    let xs = self.points.iter().filter_map(|p| p.levels[j].as_f64());
                    let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
                        (a.min(x), b.max(x))
                    });
                    if lo.is_finite() {
                        vec![toml::Value::Float(lo), toml::Value::Float(hi)]
                    } else {
                        vec![]
                    }
                }
            };
            for v in probes {
                let mut t = self.base.clone();
                let shown = render_value(&v);
                let wrap = |e: InputError| {
                    let at = match &e.key {
                        Some(k) if k != &f.key => format!(" (at '{k}')"),
                        _ => String::new(),
                    };
                    let hint = match (&e.hint, &f.space) {
                        (None, FactorSpace::Uniform { .. } | FactorSpace::LogUniform { .. })
                            if e.message.contains("invalid type: floating point") =>
                        {
                            Some("this key takes whole numbers: use `scale = \"integer\"` or integer `values`".to_string())
                        }
                        (h, _) => h.clone(),
                    };
                    InputError {
                        file: self.label.clone(),
                        key: Some(f.key.clone()),
                        message: format!(
                            "factor value {shown} is rejected by the scenario{at}: {}",
                            e.message
                        ),
                        allowed: e.allowed,
                        hint,
                    }
                };
                scenario::set_path(&mut t, &f.key, v.clone(), &self.label).map_err(wrap)?;
                load_params(t, &self.base_label).map_err(wrap)?;
            }
        }
        Ok(())
    }
}
