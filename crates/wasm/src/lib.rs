//! # woundsim-wasm
//!
//! woundsim's simulation core for a web page: a [`Simulation`] object for
//! JavaScript (built with `wasm-bindgen`), the parameter table with ranges,
//! catalog values and explanations ([`param_table_json`]), and the shipped
//! scenarios and the guided tour's experiments as presets
//! ([`presets_json`]). The web app in `web/` is built on it
//! (`scripts/build-site.sh`).
//!
//! It runs single-threaded (rayon falls back to the calling thread on
//! `wasm32-unknown-unknown`). The core's arithmetic is portable
//! (transcendental functions from `libm`, random directions without
//! trigonometry), so a browser reproduces a native run bit for bit:
//! [`digest`] runs a small scenario and hashes every number of its time
//! series, natively (`cargo run -p woundsim-wasm --example digest`) and in
//! WebAssembly (`scripts/wasm-check.sh` requires the two to be equal).

pub mod params;
pub mod presets;
pub mod session;

use wasm_bindgen::prelude::*;
use woundsim_core::scenario::{Params, Scenario};
use woundsim_core::sim::{step, SimState, Workspace};

pub use session::{Session, SessionError};

/// The `--set` overrides of the digest run: the built-in default scenario
/// on a 3 mm wound in a 4 mm square of tissue, for `days` days.
pub fn digest_overrides(days: u32) -> Vec<String> {
    vec![
        "domain.width_um=4000".into(),
        "domain.height_um=4000".into(),
        "wound.diameter_um=3000".into(),
        format!("time.days={days}"),
    ]
}

/// Run the digest scenario for `days` days with run seed `seed` and hash
/// the bits of every time-series value (0 if the scenario is refused or
/// the run fails).
#[wasm_bindgen]
pub fn digest(days: u32, seed: u64) -> u64 {
    let Ok(s) = Scenario::builtin(&digest_overrides(days)) else {
        return 0;
    };
    let Ok(p) = Params::new(s, "digest") else {
        return 0;
    };
    let patient = woundsim_core::cohort::patient_for(&p, seed);
    let mut st = SimState::new(&p, seed, patient);
    let mut ws = Workspace::new(&p, &st);
    while st.step < p.steps.total {
        if step(&p, &mut st, &mut ws).is_err() {
            return 0;
        }
    }
    let words: Vec<u64> = st
        .rows
        .iter()
        .flat_map(|r| std::iter::once(r.step).chain(r.values.iter().map(|v| v.to_bits())))
        .collect();
    woundsim_core::rng::hash_words(&words)
}

/// Every scenario key as JSON: an array of objects with `key`, `unit`,
/// `default` (TOML), `meaning`, `source`, `kind` (number, integer, bool,
/// choice, list, text), `choices`, `min`, `min_exclusive`, `max`,
/// `allowed`, `catalog` (the multipliers of each choice), `by_wound_type`
/// and `explain` (plain-language text).
#[wasm_bindgen]
pub fn param_table_json() -> String {
    serde_json::to_string(&params::table()).unwrap_or_else(|_| "[]".into())
}

/// The presets as JSON: `scenarios` (every shipped scenario: `name`,
/// `toml`), `small` (the overrides of the tour's 6 mm slice with a 4 mm
/// wound) and `tour` (the seven experiments: `title`, `days`, `look_for`,
/// `arms` of `label`, `scenario`, `sets`).
#[wasm_bindgen]
pub fn presets_json() -> String {
    let v = serde_json::json!({
        "scenarios": presets::SHIPPED,
        "small": presets::SMALL,
        "tour": presets::tour(),
    });
    v.to_string()
}

/// The version of woundsim this module was built from.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

fn js_err(e: SessionError) -> JsError {
    JsError::new(&e.to_string())
}

/// A live simulation for JavaScript: `new Simulation(toml, label, sets)`.
#[wasm_bindgen]
pub struct Simulation {
    s: Session,
}

#[wasm_bindgen]
impl Simulation {
    /// Parse scenario text `toml` (`label` names it in errors) with
    /// overrides `sets` (`key.path=value`, as `woundsim run --set`); the
    /// seed is the scenario's `seed` key. Throws an Error whose message
    /// names the file, key, value and what is allowed.
    #[wasm_bindgen(constructor)]
    pub fn new(toml: &str, label: &str, sets: Vec<String>) -> Result<Simulation, JsError> {
        Session::new(toml, label, &sets)
            .map(|s| Simulation { s })
            .map_err(js_err)
    }

    /// [`Simulation::new`] with run seed `seed` (the same as the override
    /// `seed=N`, or `woundsim run --seed N`).
    pub fn with_seed(
        toml: &str,
        label: &str,
        mut sets: Vec<String>,
        seed: u64,
    ) -> Result<Simulation, JsError> {
        sets.push(format!("seed={seed}"));
        Self::new(toml, label, sets)
    }

    /// The run seed.
    #[wasm_bindgen(getter)]
    pub fn seed(&self) -> u64 {
        self.s.params().scenario.seed
    }

    /// Advance up to `n` base steps (fewer at the scenario's end); returns
    /// the number taken.
    pub fn step(&mut self, n: u32) -> Result<u32, JsError> {
        self.s.step(n).map_err(js_err)
    }

    /// Advance to simulated day `day` (or the end); returns the steps taken.
    pub fn run_to_day(&mut self, day: f64) -> Result<u32, JsError> {
        let target = (day * self.s.steps_per_day()).round().max(0.0) as u64;
        let n = target
            .saturating_sub(self.s.steps_done())
            .min(u32::MAX as u64) as u32;
        self.s.step(n).map_err(js_err)
    }

    /// Back to day 0.
    pub fn reset(&mut self) {
        self.s.reset()
    }

    /// Current simulated day.
    #[wasm_bindgen(getter)]
    pub fn day(&self) -> f64 {
        self.s.day()
    }

    /// The scenario's span in days.
    #[wasm_bindgen(getter)]
    pub fn days_total(&self) -> f64 {
        self.s.days_total()
    }

    /// Base steps per simulated day.
    #[wasm_bindgen(getter)]
    pub fn steps_per_day(&self) -> f64 {
        self.s.steps_per_day()
    }

    /// True at the scenario's last step.
    #[wasm_bindgen(getter)]
    pub fn finished(&self) -> bool {
        self.s.steps_done() >= self.s.steps_total()
    }

    /// Wound closure (% of the initial open area) of the latest row.
    #[wasm_bindgen(getter)]
    pub fn closure_pct(&self) -> f64 {
        self.s.closure_pct()
    }

    /// Time-series column names.
    pub fn columns(&self) -> Vec<String> {
        self.s.columns().to_vec()
    }

    /// Number of time-series rows so far.
    #[wasm_bindgen(getter)]
    pub fn row_count(&self) -> usize {
        self.s.rows().len()
    }

    /// Rows `from..` flattened (each as long as `columns()`).
    pub fn rows_from(&self, from: usize) -> Vec<f64> {
        let rows = self.s.rows();
        rows[from.min(rows.len())..]
            .iter()
            .flat_map(|r| r.values.iter().copied())
            .collect()
    }

    /// The state observed now (the time-series row of this moment).
    pub fn current_row(&self) -> Vec<f64> {
        self.s.current_row().values
    }

    /// The time series as `woundsim run` writes `timeseries.csv`.
    pub fn timeseries_csv(&self) -> String {
        self.s.timeseries_csv()
    }

    /// The fully resolved scenario as TOML (loadable by `woundsim run`).
    pub fn scenario_toml(&self) -> String {
        self.s.scenario_toml()
    }

    /// The resolved value of dotted `key` as TOML text, or `undefined` for
    /// a key the scenario leaves unset.
    pub fn value_of(&self, key: &str) -> Option<String> {
        self.s.value_of(key)
    }

    /// Voxels along x.
    #[wasm_bindgen(getter)]
    pub fn nx(&self) -> usize {
        self.s.shape().0
    }

    /// Voxels along y.
    #[wasm_bindgen(getter)]
    pub fn ny(&self) -> usize {
        self.s.shape().1
    }

    /// Voxel edge length (µm).
    #[wasm_bindgen(getter)]
    pub fn dx_um(&self) -> f64 {
        self.s.dx_um()
    }

    /// Field names.
    pub fn field_names(&self) -> Vec<String> {
        self.s.fields().0
    }

    /// Field units, in the order of `field_names()`.
    pub fn field_units(&self) -> Vec<String> {
        self.s.fields().1
    }

    /// Tissue-map names (bacteria and matrix of the wound bed), which
    /// `field` also gives.
    pub fn map_names(&self) -> Vec<String> {
        self.s.maps().0
    }

    /// Tissue-map units, in the order of `map_names()`.
    pub fn map_units(&self) -> Vec<String> {
        self.s.maps().1
    }

    /// A copy of field or tissue map `name` (row `iy` from the bottom,
    /// `iy * nx + ix`).
    pub fn field(&self, name: &str) -> Result<Vec<f32>, JsError> {
        self.s.field(name).map_err(js_err)
    }

    /// Open-wound mask (1 open), laid out as `field`.
    pub fn wound(&self) -> Vec<u8> {
        self.s.wound()
    }

    /// Vessel classes (0 none, 1 sprout, 2 perfused new, 3 leaky new,
    /// 4 mature), laid out as `field`.
    pub fn vessels(&self) -> Vec<u8> {
        self.s.vessels()
    }

    /// Agents to draw (at most about `max`, every k-th of each kind):
    /// triples `kind, x_um, y_um` with kind 0 live MSC, 1 senescent MSC,
    /// 2 dead MSC, 3 M1, 4 M2, 5 tip cell, 6 neutrophil, 7 apoptotic
    /// neutrophil; dead MSCs first. The last
    /// element is the thinning factor k.
    pub fn agents(&self, max: usize) -> Vec<f32> {
        let (a, k) = self.s.agents(max);
        let mut v = Vec::with_capacity(a.len() * 3 + 1);
        for (kind, x, y) in a {
            v.extend([kind as f32, x, y]);
        }
        v.push(k as f32);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_is_repeatable_and_depends_on_the_seed() {
        let a = digest(1, 1);
        assert_ne!(a, 0);
        assert_eq!(a, digest(1, 1));
        assert_ne!(a, digest(1, 2));
    }

    #[test]
    fn the_seed_is_the_scenario_seed() {
        let d = presets::shipped("acute").unwrap();
        let sets = vec!["time.days=1".to_string()];
        let a = Simulation::with_seed(d.toml, "t", sets.clone(), 7).unwrap();
        assert_eq!(a.seed(), 7);
        assert!(a.scenario_toml().contains("seed = 7"));
        let b = Simulation::new(d.toml, "t", sets).unwrap();
        assert_eq!(b.seed(), 1);
    }

    #[test]
    fn presets_and_table_are_json() {
        let p: serde_json::Value = serde_json::from_str(&presets_json()).unwrap();
        assert_eq!(p["tour"].as_array().unwrap().len(), 7);
        assert_eq!(
            p["scenarios"].as_array().unwrap().len(),
            presets::SHIPPED.len()
        );
        let t: serde_json::Value = serde_json::from_str(&param_table_json()).unwrap();
        let route = t
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == "treatment.delivery.route")
            .unwrap();
        assert_eq!(route["kind"], "choice");
        assert!(route["explain"].as_str().unwrap().contains("intravenous"));
    }
}
