//! Golden summaries: the summary numbers of three short scenarios (the
//! default DFU with topical adipose MSCs, the acute wound, and a cell-free
//! product) are pinned in `tests/golden/summaries.json`, so any change of
//! results shows up in review and is made on purpose.
//!
//! After a deliberate change of results, regenerate the file with
//! `WOUNDSIM_BLESS=1 cargo test --release --test golden` and commit it with
//! the change that caused it. Values are compared exactly (JSON numbers are
//! written in shortest round-trip form, so equal text means equal bits).

use serde_json::Value;
use std::path::Path;
use woundsim::run::simulate;
use woundsim::scenario::{Params, Scenario};

#[macro_use]
mod common;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const GOLDEN: &str = "tests/golden/summaries.json";
/// A 3 mm wound in a 4 mm square of tissue for 15 days: a few seconds per
/// scenario.
const SMALL: [&str; 4] = small_domain_sets!(4000, 4000, 3000, "time.days=15");
const SCENARIOS: [&str; 3] = ["default", "acute", "dfu-uc-exosomes-weekly"];

fn summaries() -> Value {
    let mut all = serde_json::Map::new();
    for name in SCENARIOS {
        let mut sets: Vec<String> = SMALL.iter().map(|s| s.to_string()).collect();
        if name == "dfu-uc-exosomes-weekly" {
            // Its weekly doses, within the short run.
            sets.push("treatment.dose.days=[0, 7, 14]".into());
        }
        let path = Path::new(ROOT)
            .join("scenarios")
            .join(format!("{name}.toml"));
        let s = Scenario::load(&path, &sets).unwrap();
        let p = Params::new(s, &path.display().to_string()).unwrap();
        let out = simulate(&p, p.scenario.seed).unwrap();
        all.insert(name.into(), serde_json::to_value(&out.summary).unwrap());
    }
    Value::Object(all)
}

#[test]
fn summaries_match_the_pinned_numbers() {
    let now = summaries();
    let file = Path::new(ROOT).join(GOLDEN);
    if std::env::var_os("WOUNDSIM_BLESS").is_some() {
        let text = serde_json::to_string_pretty(&now).unwrap() + "\n";
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, text).unwrap();
        return;
    }
    let pinned: Value = serde_json::from_str(
        &std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("{GOLDEN}: {e}; create it with WOUNDSIM_BLESS=1")),
    )
    .unwrap();
    let mut diffs = Vec::new();
    for name in SCENARIOS {
        let (a, b) = (&pinned[name], &now[name]);
        let keys = a
            .as_object()
            .into_iter()
            .chain(b.as_object())
            .flat_map(|o| o.keys().cloned());
        let mut keys: Vec<String> = keys.collect();
        keys.sort();
        keys.dedup();
        for k in keys {
            if a.get(&k) != b.get(&k) {
                diffs.push(format!(
                    "{name}.{k}: pinned {} now {}",
                    a.get(&k).unwrap_or(&Value::Null),
                    b.get(&k).unwrap_or(&Value::Null)
                ));
            }
        }
    }
    assert!(
        diffs.is_empty(),
        "results changed (regenerate {GOLDEN} with WOUNDSIM_BLESS=1 if on purpose):\n{}",
        diffs.join("\n")
    );
}
