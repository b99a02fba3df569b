//! # woundsim-wasm
//!
//! woundsim's simulation core built for `wasm32-unknown-unknown`
//! (single-threaded: rayon falls back to the calling thread there).
//!
//! Today it exports one function, [`woundsim_digest`], which runs a small
//! built-in scenario and returns a digest of every number of its time
//! series. The same function runs natively (`cargo run -p woundsim-wasm --example digest`), and
//! `scripts/wasm-check.sh` requires the two digests to be equal: the core's
//! arithmetic is portable (transcendental functions from `libm`, random
//! directions without trigonometry), so a browser reproduces a native run
//! bit for bit.

use woundsim_core::scenario::{Params, Scenario};
use woundsim_core::sim::{step, SimState, Workspace};

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

/// [`digest`], exported for a WebAssembly host (a browser or Node.js).
#[no_mangle]
pub extern "C" fn woundsim_digest(days: u32, seed: u64) -> u64 {
    digest(days, seed)
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
}
