//! A raw trial file validated into a [`Trial`]: every key checked, each
//! arm's scenario loaded and resolved with the trial's and the arm's
//! overrides.

use super::*;

impl Trial {
    /// Load and validate a trial file (arm scenarios relative to its folder).
    pub fn load(path: &Path) -> Result<Trial, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("reading", path, e))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        Trial::from_str(&text, &path.display().to_string(), dir)
    }

    /// Validate trial text from `label`; arm scenario files are looked up
    /// in `dir` first, then among the shipped scenarios.
    pub fn from_str(text: &str, label: &str, dir: &Path) -> Result<Trial, Error> {
        Trial::from_str_with(text, label, dir, &Overrides::default())
    }

    /// [`Trial::load`] with command-line overrides.
    pub fn load_with(path: &Path, ov: &Overrides) -> Result<Trial, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("reading", path, e))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        Trial::from_str_with(&text, &path.display().to_string(), dir, ov)
    }

    /// [`Trial::from_str`] with command-line overrides (applied to the raw
    /// file before validation; the stored trial file holds them).
    pub fn from_str_with(
        text: &str,
        label: &str,
        dir: &Path,
        ov: &Overrides,
    ) -> Result<Trial, Error> {
        let mut raw = parse(text, label)?;
        if let Some(n) = ov.patients {
            raw.patients = n;
        }
        if let Some(s) = ov.seed {
            raw.seed = s;
        }
        if let Some(d) = ov.days {
            raw.days = Some(d);
        }
        raw.set.extend(ov.set.iter().cloned());
        let scenarios = raw
            .arm
            .iter()
            .enumerate()
            .map(|(k, a)| resolve_arm(&raw, k, a, label, dir))
            .collect::<Result<Vec<_>, Error>>()?;
        Trial::from_parts(raw, label, scenarios)
    }

    /// Validate a raw trial with its arms' resolved scenarios (as stored in
    /// a trial manifest, so a resumed trial needs no other file).
    pub fn from_parts(
        raw: RawTrial,
        label: &str,
        scenarios: Vec<Scenario>,
    ) -> Result<Trial, Error> {
        let l = label;
        if raw.arm.len() < 2 {
            return Err(bad(
                l,
                "arm",
                format!("{} arm(s)", raw.arm.len()),
                "two or more [[arm]] tables (the first is the control)",
            ));
        }
        if raw.patients < 2 || raw.patients > MAX_PATIENTS {
            return Err(bad(
                l,
                "patients",
                format!("value {}", raw.patients),
                format!("2 to {MAX_PATIENTS} patients"),
            ));
        }
        if raw.sites == 0 || raw.sites > raw.patients {
            return Err(bad(
                l,
                "sites",
                format!("value {}", raw.sites),
                "1 to the number of patients",
            ));
        }
        let k = raw.arm.len() as u64;
        let block_size = raw.block_size.unwrap_or(2 * k);
        if block_size == 0 || !block_size.is_multiple_of(k) || block_size > 100 * k {
            return Err(bad(
                l,
                "block_size",
                format!("value {block_size} for {k} arms"),
                format!(
                    "a multiple of the number of arms ({k}), at most {}",
                    100 * k
                ),
            ));
        }
        if !(raw.alpha > 0.0 && raw.alpha < 0.5) {
            return Err(bad(
                l,
                "alpha",
                format!("value {}", raw.alpha),
                "a level between 0 and 0.5",
            ));
        }
        if !(raw.power > 0.0 && raw.power < 1.0) {
            return Err(bad(
                l,
                "power",
                format!("value {}", raw.power),
                "a power between 0 and 1",
            ));
        }
        if raw.inclusion.max_draws == 0 || raw.inclusion.max_draws > 10_000 {
            return Err(bad(
                l,
                "inclusion.max_draws",
                format!("value {}", raw.inclusion.max_draws),
                "1 to 10000 draws",
            ));
        }
        for (key, [lo, hi]) in raw.inclusion.criteria() {
            if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                return Err(bad(
                    l,
                    &format!("inclusion.{key}"),
                    format!("range [{lo}, {hi}]"),
                    "[min, max] with finite min ≤ max",
                ));
            }
        }
        let cuts = &raw.strata.perfusion_cuts;
        if cuts.iter().any(|c| !c.is_finite())
            || cuts.windows(2).any(|w| w[0] >= w[1])
            || cuts.len() > 10
        {
            return Err(bad(
                l,
                "strata.perfusion_cuts",
                format!("{cuts:?}"),
                "up to 10 finite, strictly increasing perfusion values",
            ));
        }
        let lots = &raw.lots;
        for (key, v) in [
            ("lots.secretion_cv", lots.secretion_cv),
            ("lots.hazard_cv", lots.hazard_cv),
        ] {
            if let Some(v) = v {
                if !(v.is_finite() && (0.0..=3.0).contains(&v)) {
                    return Err(bad(l, key, format!("value {v}"), "a CV between 0 and 3"));
                }
            }
        }
        if !(lots.assay_o2_mmhg.is_finite() && (0.0..=800.0).contains(&lots.assay_o2_mmhg)) {
            return Err(bad(
                l,
                "lots.assay_o2_mmhg",
                format!("value {}", lots.assay_o2_mmhg),
                "0 to 800 mmHg",
            ));
        }
        let mut names: Vec<&str> = Vec::new();
        let mut arms = Vec::with_capacity(scenarios.len());
        for (i, (a, s)) in raw.arm.iter().zip(scenarios).enumerate() {
            let key = format!("arm[{i}]");
            if a.name.trim().is_empty() || a.name.len() > 64 || names.contains(&a.name.as_str()) {
                return Err(bad(
                    l,
                    &format!("{key}.name"),
                    format!("name {:?}", a.name),
                    "a unique, non-empty name of at most 64 characters",
                ));
            }
            names.push(&a.name);
            let c = s.cohort.clone();
            let has_product = s.treatment.has_product();
            let params = Params::new(s, &format!("{l} {key} ({})", a.scenario))?;
            arms.push(Arm {
                name: a.name.clone(),
                scenario_arg: a.scenario.clone(),
                params,
                has_product,
                secretion_cv: lots.secretion_cv.unwrap_or(c.lot_secretion_cv),
                hazard_cv: lots.hazard_cv.unwrap_or(c.lot_hazard_cv),
            });
        }
        let days = arms[0].params.scenario.time.days;
        for (i, a) in arms.iter().enumerate().skip(1) {
            let p = &a.params;
            if p.scenario.time.days != days {
                return Err(bad(
                    l,
                    &format!("arm[{i}].scenario"),
                    format!(
                        "{} days while arm[0] runs {days} days",
                        p.scenario.time.days
                    ),
                    "arms of equal length (set `days` in the trial file)",
                ));
            }
            let c0 = &arms[0].params.scenario.cohort;
            let c = &p.scenario.cohort;
            let same_population = p.patient == arms[0].params.patient
                && (
                    c.vary_patients,
                    c.perfusion_cv,
                    c.switch_cv,
                    c.closure_speed_cv,
                    c.bioburden_cv,
                    c.angiogenesis_cv,
                ) == (
                    c0.vary_patients,
                    c0.perfusion_cv,
                    c0.switch_cv,
                    c0.closure_speed_cv,
                    c0.bioburden_cv,
                    c0.angiogenesis_cv,
                );
            if !same_population {
                return Err(bad(
                    l,
                    &format!("arm[{i}].scenario"),
                    "its [patient] or [cohort] patient distribution differs from arm[0]'s",
                    "arms that differ in treatment only: a trial randomizes one patient population",
                ));
            }
        }
        let week_days = raw.healed_by_week * 7.0;
        if !(raw.healed_by_week > 0.0 && week_days <= days + 1e-9) {
            return Err(bad(
                l,
                "healed_by_week",
                format!("week {} with {days} simulated days", raw.healed_by_week),
                format!(
                    "a week after 0 and at most {:.1} (the trial's end)",
                    days / 7.0
                ),
            ));
        }
        Ok(Trial {
            raw,
            label: label.to_string(),
            arms,
            days,
            block_size,
        })
    }

    /// The resolved scenario of every arm as TOML (stored in the manifest).
    pub fn scenarios_toml(&self) -> Vec<String> {
        self.arms
            .iter()
            .map(|a| a.params.scenario.to_toml())
            .collect()
    }

    /// Number of perfusion bands.
    pub fn bands(&self) -> usize {
        self.raw.strata.perfusion_cuts.len() + 1
    }

    /// Number of strata.
    pub fn strata(&self) -> usize {
        let sites = if self.raw.strata.by_site {
            self.raw.sites as usize
        } else {
            1
        };
        sites * self.bands()
    }

    /// The stratum of a patient at `site` with `perfusion`.
    pub fn stratum(&self, site: u64, perfusion: f64) -> usize {
        let band = self
            .raw
            .strata
            .perfusion_cuts
            .iter()
            .filter(|&&c| perfusion >= c)
            .count();
        let s = if self.raw.strata.by_site {
            site as usize
        } else {
            0
        };
        s * self.bands() + band
    }

    /// A stratum's name, e.g. "site 2, perfusion 0.4–0.6".
    pub fn stratum_name(&self, stratum: usize) -> String {
        let b = stratum % self.bands();
        let cuts = &self.raw.strata.perfusion_cuts;
        let band = if cuts.is_empty() {
            "all perfusion".to_string()
        } else if b == 0 {
            format!("perfusion < {}", cuts[0])
        } else if b == cuts.len() {
            format!("perfusion ≥ {}", cuts[b - 1])
        } else {
            format!("perfusion {}–{}", cuts[b - 1], cuts[b])
        };
        if self.raw.strata.by_site {
            format!("site {}, {band}", stratum / self.bands() + 1)
        } else {
            band
        }
    }
}

/// The scenario of arm `k`: a file relative to `dir` (or as given), else a
/// shipped scenario; the trial's `set` and `days`, then the arm's `set`.
fn resolve_arm(
    raw: &RawTrial,
    k: usize,
    a: &RawArm,
    label: &str,
    dir: &Path,
) -> Result<Scenario, Error> {
    let mut sets = raw.set.clone();
    if let Some(d) = raw.days {
        sets.push(format!("time.days={d}"));
    }
    sets.extend(a.set.iter().cloned());
    let arg = Path::new(&a.scenario);
    let file = if arg.is_absolute() {
        arg.to_path_buf()
    } else {
        dir.join(arg)
    };
    if !a.scenario.is_empty() && file.is_file() {
        return Scenario::load(&file, &sets);
    }
    if let Some(s) = crate::shipped::find(&a.scenario) {
        return Ok(Scenario::from_toml_str(s.toml, &s.label(), &sets)?);
    }
    let names = crate::shipped::names();
    let mut err = InputError::new(
        label,
        Some(&format!("arm[{k}].scenario")),
        format!(
            "{:?}: no such file, and no shipped scenario of that name",
            a.scenario
        ),
    )
    .allowed(format!(
        "a scenario file (relative to the trial file) or one of: {}",
        names.join(", ")
    ));
    if let Some(n) = scenario::nearest(&a.scenario, names.iter().copied()) {
        err = err.hint(format!("did you mean '{n}'?"));
    }
    Err(err.into())
}
