//! In-process helpers of the mechanism tests: a wound-type scenario on a
//! small domain, time-series columns and their peaks, stepping a state,
//! and a state's bytes for bit-identity checks.

use woundsim::run::RunOutput;
use woundsim::scenario::{Params, Scenario};
use woundsim::sim::{self, SimState, Workspace};

/// A scenario of `wound_type` with the overrides `base` (a small domain,
/// usually) and then `extra`.
pub fn wound_params(base: &[&str], wound_type: &str, extra: &[&str]) -> Params {
    let text = format!("name='t'\n[patient]\nwound_type='{wound_type}'\n");
    let sets: Vec<String> = base.iter().chain(extra).map(|s| s.to_string()).collect();
    let s = Scenario::from_toml_str(&text, "test", &sets).unwrap();
    Params::new(s, "test").unwrap()
}

/// The time-series column `name` of a run (panics naming a missing column).
pub fn col(out: &RunOutput, name: &str) -> Vec<f64> {
    let c = out
        .columns
        .iter()
        .position(|c| c == name)
        .unwrap_or_else(|| panic!("no column {name}"));
    out.rows.iter().map(|r| r.values[c]).collect()
}

/// (day, value) of the first maximum of `v` over the days `t`.
pub fn peak(t: &[f64], v: &[f64]) -> (f64, f64) {
    t.iter().zip(v).fold(
        (0.0, f64::MIN),
        |a, (&d, &x)| if x > a.1 { (d, x) } else { a },
    )
}

/// `steps` base steps of the simulation.
pub fn run_steps(p: &Params, st: &mut SimState, ws: &mut Workspace, steps: u64) {
    for _ in 0..steps {
        sim::step(p, st, ws).unwrap();
    }
}

/// The state's checkpoint bytes: equal bytes, the same state bit for bit.
pub fn bits(p: &Params, st: &SimState) -> Vec<u8> {
    woundsim::run::checkpoint_bytes(p, st).unwrap()
}

/// The state after `steps` base steps from seed `seed`, run on a pool of
/// `threads` workers (for bit-identity checks across thread counts).
pub fn state_at_threads(p: &Params, seed: u64, steps: u64, threads: usize) -> SimState {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let mut st = SimState::new(p, seed, p.patient);
        let mut ws = Workspace::new(p, &st);
        run_steps(p, &mut st, &mut ws, steps);
        st
    })
}

/// A 2.4 mm wound in 3 mm of tissue run for `days` from seed `seed`, with
/// closure frozen (`closure.max_speed_um_per_day=0`) and the left half of
/// the domain closed by hand: the parameters and the starting state.
pub fn half_closed_wound(days: f64, seed: u64) -> (Params, SimState) {
    let sets: Vec<String> = [
        "domain.width_um=3000".to_string(),
        "domain.height_um=3000".to_string(),
        "wound.diameter_um=2400".to_string(),
        format!("time.days={days}"),
        "closure.max_speed_um_per_day=0".to_string(),
    ]
    .to_vec();
    let p = Params::new(Scenario::builtin(&sets).unwrap(), "halves").unwrap();
    let mut st = SimState::new(&p, seed, p.patient);
    let g = p.grid;
    for iy in 0..g.ny {
        for ix in 0..g.nx / 2 {
            st.tissue.open[[iy, ix]] = 0;
        }
    }
    (p, st)
}
