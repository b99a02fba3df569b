//! Cadences are whole numbers of base steps, validated when a scenario is
//! loaded: a cadence the tissue phase cannot keep is refused, never
//! silently stretched.

use woundsim::scenario::{Params, Scenario};
use woundsim::sim::{step, SimState, Workspace};

fn params(sets: &[&str]) -> Result<Params, String> {
    let mut all: Vec<String> = [
        "domain.width_um=2000",
        "domain.height_um=2000",
        "wound.diameter_um=1500",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    all.extend(sets.iter().map(|s| s.to_string()));
    let s = Scenario::builtin(&all).map_err(|e| e.to_string())?;
    Params::new(s, "cadence test").map_err(|e| e.to_string())
}

#[test]
fn debridement_off_the_tissue_step_is_refused_with_the_key_and_what_is_allowed() {
    // 1.5 h with 60-min tissue steps: it used to run every 3 h instead.
    let e = params(&[
        "treatment.standard_care.debridement_every_days=0.0625",
        "time.tissue_step_min=60",
    ])
    .unwrap_err();
    assert!(
        e.contains("treatment.standard_care.debridement_every_days")
            && e.contains("0.0625")
            && e.contains("time.tissue_step_min"),
        "{e}"
    );
}

#[test]
fn debridement_runs_exactly_on_its_cadence() {
    // Every 2 h over one day: once when the run starts, then at 2, 4, ... 22 h.
    let p = params(&[
        "treatment.standard_care.debridement_every_days=0.08333333333333333",
        "time.tissue_step_min=60",
        "time.days=1",
    ])
    .unwrap();
    assert_eq!(p.steps.debridement_every, Some(2 * p.steps.tissue_every));
    let mut st = SimState::new(&p, 1, p.patient);
    let mut ws = Workspace::new(&p, &st);
    while st.step < p.steps.total {
        step(&p, &mut st, &mut ws).unwrap();
    }
    assert_eq!(st.debridements, 12);
}
