//! The shipped scenarios (`scenarios/*.toml`) and the guided tour's seven
//! experiments (docs/tour.md), as presets for the web app.
//!
//! The scenario texts are the core's (`woundsim_core::shipped`, embedded
//! at build time), so the WebAssembly module needs no file system.

use serde::Serialize;

pub use woundsim_core::shipped::{Shipped, SHIPPED};

/// The shipped scenario called `name`.
pub fn shipped(name: &str) -> Option<&'static Shipped> {
    SHIPPED.iter().find(|s| s.name == name)
}

/// The overrides of the command line's `--preset small`: a 6 mm × 6 mm
/// slice with a 4 mm wound, the size the tour runs.
pub const SMALL: [&str; 3] = [
    "domain.width_um=6000",
    "domain.height_um=6000",
    "wound.diameter_um=4000",
];

/// One arm of a tour experiment: a shipped scenario with overrides.
#[derive(Debug, Clone, Serialize)]
pub struct Arm {
    /// Label of the arm in the tour's figure.
    pub label: &'static str,
    /// Shipped scenario name.
    pub scenario: &'static str,
    /// Overrides after [`SMALL`] and the experiment's days.
    pub sets: Vec<&'static str>,
}

/// One experiment of the guided tour.
#[derive(Debug, Clone, Serialize)]
pub struct Experiment {
    /// Chapter title in docs/tour.md.
    pub title: &'static str,
    /// Simulated days.
    pub days: u32,
    /// The arms compared (the first two are the A/B pair).
    pub arms: Vec<Arm>,
    /// What to look for, in one sentence.
    pub look_for: &'static str,
}

fn arm(label: &'static str, scenario: &'static str, sets: &[&'static str]) -> Arm {
    Arm {
        label,
        scenario,
        sets: sets.to_vec(),
    }
}

/// The tour's seven experiments (docs/tour.md), on the tour's small wound.
pub fn tour() -> Vec<Experiment> {
    vec![
        Experiment {
            title: "1. Why most injected stem cells die",
            days: 21,
            arms: vec![
                arm("diabetic foot ulcer", "default", &[]),
                arm("acute wound", "default", &["patient.wound_type=acute"]),
            ],
            look_for: "Living MSCs fall by a third to a half in two days in both wounds; after that the cells die faster in the hypoxic ulcer.",
        },
        Experiment {
            title: "2. What hypoxic preconditioning changes",
            days: 21,
            arms: vec![
                arm("plain MSCs", "default", &[]),
                arm("hypoxia-preconditioned MSCs", "dfu-precondition-hypoxia", &[]),
            ],
            look_for: "About as many primed cells stay alive as plain ones; VEGF is higher for the first days, and vessels grow a little faster.",
        },
        Experiment {
            title: "3. Cells or what they secrete?",
            days: 28,
            arms: vec![
                arm("living cells", "dfu-adipose-weekly", &[]),
                arm(
                    "vesicles (exosomes)",
                    "dfu-adipose-weekly",
                    &["treatment.product.form=extracellular_vesicles"],
                ),
                arm(
                    "conditioned medium",
                    "dfu-adipose-weekly",
                    &["treatment.product.form=conditioned_medium"],
                ),
            ],
            look_for: "Only living cells put MSCs into the wound (a saw-tooth after each weekly dose); the cell-free products act through what they carry.",
        },
        Experiment {
            title: "4. Why diabetic wounds stall",
            days: 28,
            arms: vec![
                arm("acute wound", "acute", &[]),
                arm("diabetic foot ulcer", "dfu-standard-care", &[]),
            ],
            look_for: "The diabetic wound keeps more M1 macrophages and TNF-α, less oxygen, and closes far more slowly.",
        },
        Experiment {
            title: "5. More VEGF: more vessels, some of them leaky",
            days: 21,
            arms: vec![
                arm("bone-marrow MSCs, injected", "dfu-intralesional-bm", &[]),
                arm("VEGF-engineered MSCs", "dfu-vegf-engineered", &[]),
                arm(
                    "VEGF-engineered, 10 × dose",
                    "dfu-vegf-engineered",
                    &["treatment.dose.dose_cells=1e7"],
                ),
            ],
            look_for: "More VEGF grows more vessels, and at high VEGF a share of the new vessels is leaky.",
        },
        Experiment {
            title: "6. Bolus or hydrogel",
            days: 21,
            arms: vec![
                arm("topical bolus", "dfu-topical-bm", &[]),
                arm("in a hydrogel", "dfu-hydrogel-bm", &[]),
            ],
            look_for: "The hydrogel releases its cells over days and protects them: fewer at first, more later.",
        },
        Experiment {
            title: "7. Into a vein or onto the wound",
            days: 21,
            arms: vec![
                arm("onto the wound", "dfu-topical-bm", &[]),
                arm("into a vein", "dfu-intravenous-bm", &[]),
            ],
            look_for: "Intravenous cells are trapped in the lungs: hardly any reach the wound.",
        },
    ]
}

/// The overrides of a tour arm: the small wound, the experiment's days,
/// then the arm's own overrides.
pub fn arm_sets(e: &Experiment, a: &Arm) -> Vec<String> {
    let mut v: Vec<String> = SMALL.iter().map(|s| s.to_string()).collect();
    v.push(format!("time.days={}", e.days));
    v.extend(a.sets.iter().map(|s| s.to_string()));
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use woundsim_core::scenario::{Params, Scenario};

    #[test]
    fn the_list_holds_every_scenario_file() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| {
                let n = e.ok()?.file_name().into_string().ok()?;
                n.strip_suffix(".toml").map(str::to_string)
            })
            .collect();
        files.sort();
        let names: Vec<String> = SHIPPED.iter().map(|s| s.name.to_string()).collect();
        assert_eq!(names, files);
    }

    /// `(scenario, days, --set values)` of every `run` in docs/tour.md, its
    /// output keys left out.
    fn tour_runs() -> std::collections::BTreeSet<(String, u32, Vec<String>)> {
        let md = include_str!("../../../docs/tour.md");
        let mut out = std::collections::BTreeSet::new();
        let mut block = false;
        let mut cmd = String::new();
        for line in md.lines() {
            if line.starts_with("## Going further") {
                break;
            }
            if line.starts_with("```") {
                block = !block;
                continue;
            }
            if !block {
                continue;
            }
            cmd.push_str(line.trim_end_matches('\\'));
            cmd.push(' ');
            if line.ends_with('\\') {
                continue;
            }
            let words: Vec<String> = cmd
                .split_whitespace()
                .map(|w| w.trim_matches('\'').to_string())
                .collect();
            cmd.clear();
            // `cargo run --release -- run SCENARIO ...`
            let Some(i) = words.windows(2).position(|w| w[0] == "--" && w[1] == "run") else {
                continue;
            };
            let i = i + 1;
            let scenario = words[i + 1]
                .trim_start_matches("scenarios/")
                .trim_end_matches(".toml")
                .to_string();
            let after = |flag: &str| {
                words
                    .iter()
                    .enumerate()
                    .filter(|(_, w)| *w == flag)
                    .map(|(k, _)| words[k + 1].clone())
                    .collect::<Vec<_>>()
            };
            assert_eq!(after("--preset"), vec!["small".to_string()]);
            let days = after("--days")[0].parse().unwrap();
            let sets = after("--set")
                .into_iter()
                .filter(|s| !s.starts_with("output."))
                .collect();
            out.insert((scenario, days, sets));
        }
        out
    }

    #[test]
    fn the_presets_are_the_tour_runs() {
        let presets: std::collections::BTreeSet<(String, u32, Vec<String>)> = tour()
            .iter()
            .flat_map(|e| {
                e.arms.iter().map(|a| {
                    let sets = a.sets.iter().map(|s| s.to_string()).collect();
                    (a.scenario.to_string(), e.days, sets)
                })
            })
            .collect();
        assert_eq!(presets, tour_runs());
    }

    #[test]
    fn every_tour_arm_is_a_valid_scenario() {
        let t = tour();
        assert_eq!(t.len(), 7);
        for e in &t {
            assert!(e.arms.len() >= 2, "{}", e.title);
            for a in &e.arms {
                let s = shipped(a.scenario).unwrap_or_else(|| panic!("{}", a.scenario));
                let sc = Scenario::from_toml_str(s.toml, s.name, &arm_sets(e, a))
                    .unwrap_or_else(|err| panic!("{}: {err}", a.label));
                let p = Params::new(sc, s.name).unwrap_or_else(|err| panic!("{}: {err}", a.label));
                assert_eq!(p.scenario.domain.width_um, 6000.0);
                assert_eq!(p.scenario.time.days, e.days as f64);
            }
        }
    }
}
