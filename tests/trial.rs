//! `woundsim trial`: the shipped example trial end to end at a small size,
//! resuming a trial directory, and bad trial files as input errors.

use std::path::Path;

#[macro_use]
mod common;
use common::*;

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/trials/dfu-adipose-vs-standard-care.toml"
);

/// The example trial file, shrunk: a 3 mm slice with a 2 mm wound for 22
/// days (the four weekly doses fit), healing by week 3.
fn small_example(dir: &Path) -> std::path::PathBuf {
    let text = read_text(Path::new(EXAMPLE));
    let set =
        "set = [\"domain.width_um=6000\", \"domain.height_um=6000\", \"wound.diameter_um=4000\"]";
    assert!(text.contains(set) && text.contains("healed_by_week = 12"));
    let small = text
        .replace(
            set,
            "set = [\"domain.width_um=3000\", \"domain.height_um=3000\", \"wound.diameter_um=2000\", \"time.days=22\"]",
        )
        .replace("healed_by_week = 12", "healed_by_week = 3");
    let path = dir.join("small.toml");
    std::fs::write(&path, small).unwrap();
    path
}

#[test]
fn the_example_trial_runs_end_to_end() {
    let tmp = tempdir();
    let file = small_example(tmp.path());
    let out = tmp.path().join("out");
    let o = woundsim_1t(&[
        "trial",
        p(&file),
        "--patients",
        "6",
        "--out",
        p(&out),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in [
        "patients.csv",
        "lots.csv",
        "trial_summary.json",
        "trial.md",
        "trial.toml",
        "plots/km.png",
        "plots/forest.png",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let s = json(&out.join("trial_summary.json"));
    assert_eq!(
        s["enrolled"].as_u64().unwrap() + s["excluded"].as_u64().unwrap(),
        6
    );
    let arms = s["arms"].as_array().unwrap();
    assert_eq!(arms.len(), 2);
    assert_eq!(arms[0]["name"], "standard care");
    let n: u64 = arms.iter().map(|a| a["n"].as_u64().unwrap()).sum();
    assert_eq!(n, s["enrolled"].as_u64().unwrap());
    // Week 12 is not simulated in 22 days: the ≥ 50 % reduction is not a number.
    assert!(arms[0]["reduction50_wk12"].is_null());
    let md = read_text(&out.join("trial.md"));
    assert!(
        md.contains("risk ratio of healing") && md.contains("Peto one-step"),
        "{md}"
    );
    let csv = read_text(&out.join("patients.csv"));
    assert_eq!(csv.lines().count() as u64, 1 + n);
    // Every perfusion meets the inclusion range [0.2, 1.0].
    let mut rd = csv::Reader::from_reader(csv.as_bytes());
    let h = rd.headers().unwrap().clone();
    let col = h.iter().position(|c| c == "patient_perfusion").unwrap();
    for r in rd.records() {
        let v: f64 = r.unwrap()[col].parse().unwrap();
        assert!((0.2..=1.0).contains(&v), "{v}");
    }
    // A complete trial has nothing to resume: an input error.
    let o = woundsim_1t(&["resume", p(&out), "--quiet"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("already complete"));
}

#[test]
fn bad_trial_files_exit_2_naming_the_key() {
    let tmp = tempdir();
    let cases: &[(&str, &str)] = &[
        ("patients = 0\n[[arm]]\nname = \"a\"\nscenario = \"acute\"\n[[arm]]\nname = \"b\"\nscenario = \"acute\"\n", "patients"),
        ("patients = 4\n[[arm]]\nname = \"a\"\nscenario = \"acute\"\n", "arm"),
        ("patients = 4\n[[arm]]\nname = \"a\"\nscenario = \"nope\"\n[[arm]]\nname = \"b\"\nscenario = \"acute\"\n", "arm[0].scenario"),
        ("patients = 4\n[lots]\nper = \"batch\"\n", "lots.per"),
        ("patients = 4\n[inclusion]\narea_mm2 = [1, 4]\n", "inclusion.area_mm2"),
        ("patients = [4]\n", "patients"),
        ("", "patients"),
    ];
    for (k, (text, key)) in cases.iter().enumerate() {
        let f = tmp.path().join(format!("bad{k}.toml"));
        std::fs::write(&f, text).unwrap();
        let o = woundsim(&[
            "trial",
            p(&f),
            "--out",
            p(&tmp.path().join(format!("o{k}"))),
        ]);
        let e = stderr(&o);
        assert_no_panic(&e);
        assert_eq!(o.status.code(), Some(2), "{text}: {e}");
        assert!(
            e.contains(key) && e.contains(&format!("bad{k}.toml")),
            "{text}: {e}"
        );
    }
    let o = woundsim(&["trial", p(&tmp.path().join("missing.toml"))]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
