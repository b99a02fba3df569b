//! `woundsim bench`: the quick suite writes a complete JSON report, and a
//! report compared with itself gives ratios of exactly 1.00. No timing is
//! asserted (speed is measured, not tested).

use std::path::Path;

#[macro_use]
mod common;
use common::*;

fn positive(v: &serde_json::Value, what: &str) -> f64 {
    let x = v
        .as_f64()
        .unwrap_or_else(|| panic!("{what} is not a number: {v}"));
    assert!(
        x.is_finite() && x > 0.0,
        "{what} = {x} is not positive and finite"
    );
    x
}

#[test]
fn quick_suite_writes_a_complete_report_and_compares_with_itself() {
    let tmp = tempdir();
    let file = tmp.path().join("bench.json");
    let f = file.to_str().unwrap();
    let out = stdout_ok(&woundsim(&["bench", "--quick", "-q", "--json", f]));
    assert!(out.contains("solver/1000x1000/4_fields"), "table:\n{out}");

    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    for key in [
        "woundsim_version",
        "date_utc",
        "suite",
        "machine",
        "threads",
        "repetitions",
        "items",
        "phases",
    ] {
        assert!(r.get(key).is_some(), "report lacks '{key}': {r}");
    }
    assert_eq!(r["woundsim_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(r["suite"], "quick");
    let date = r["date_utc"].as_str().unwrap();
    assert!(
        date.len() == 20 && date.ends_with('Z') && date.as_bytes()[10] == b'T',
        "{date}"
    );
    assert!(!r["machine"]["cpu_model"].as_str().unwrap().is_empty());
    let cpus = positive(&r["machine"]["cpus"], "machine.cpus") as usize;
    let threads: Vec<usize> = r["threads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(threads[0], 1);
    assert_eq!(*threads.last().unwrap(), cpus);

    let items = r["items"].as_array().unwrap();
    let names: Vec<&str> = items.iter().map(|i| i["name"].as_str().unwrap()).collect();
    let mut required: Vec<String> = Vec::new();
    for n in [500, 1000] {
        for f in ["1_field", "4_fields", "10_fields"] {
            required.push(format!("solver/{n}x{n}/{f}"));
        }
    }
    for n in ["100x100x100", "500x500x40"] {
        required.push(format!("solver/{n}/4_fields"));
    }
    for phase in [
        "msc",
        "neutrophils",
        "macrophages",
        "angiogenesis",
        "secretion",
    ] {
        for n in ["1e4", "1e5"] {
            required.push(format!("agents/{phase}/{n}"));
        }
    }
    // Every phase of the registry is an item, with no list in the bench.
    for phase in woundsim::phase::Phase::ALL {
        required.push(format!("phases/{}", phase.name()));
    }
    for prefix in [
        "scenario/default-6mm-1d/wall",
        "scenario/default-6mm-1d/per_12_weeks",
        "memory/default-6mm-1d/peak_rss",
        "memory/grid_1000x1000/estimate",
        "memory/grid_1000x1000/measured",
        "sources/tissue/",
        "sweep/",
    ] {
        required.push(prefix.to_string());
    }
    for req in &required {
        assert!(
            names.iter().any(|n| n.starts_with(req.as_str())),
            "no item '{req}' in {names:?}"
        );
    }
    let mut results = 0;
    for i in items {
        let name = i["name"].as_str().unwrap();
        assert!(
            !i["unit"].as_str().unwrap().is_empty(),
            "{name} has no unit"
        );
        let res = i["results"].as_array().unwrap();
        assert!(!res.is_empty(), "{name} has no results");
        for m in res {
            positive(&m["value"], &format!("{name} value"));
            results += 1;
        }
        if i["higher_is_better"] == true {
            // Throughputs are measured at 1 thread and at every thread count.
            assert_eq!(res.len(), threads.len(), "{name}");
            if threads.len() > 1 {
                positive(&i["efficiency"], &format!("{name} efficiency"));
            }
        }
    }
    let phases = r["phases"].as_array().unwrap();
    assert_eq!(phases.len(), threads.len());
    for p in phases {
        let total: f64 = p["phases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x[2].as_f64().unwrap())
            .sum();
        assert!((total - 1.0).abs() < 1e-6, "shares sum to {total}: {p}");
    }

    // The report against itself: every ratio is 1.00.
    let out = stdout_ok(&woundsim(&["bench", "--load", f, "--compare", f]));
    let cmp: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("new/old against"))
        .skip(2)
        .collect();
    assert_eq!(cmp.len(), results, "comparison:\n{out}");
    for line in cmp {
        assert!(line.ends_with(" 1.00"), "ratio is not 1.00: {line}");
    }
}

#[test]
fn bad_reports_are_input_errors() {
    let tmp = tempdir();
    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, "{\"items\": 3}").unwrap();
    let missing = tmp.path().join("missing.json");
    for args in [
        vec!["bench", "--quick", "--compare", bad.to_str().unwrap()],
        vec!["bench", "--load", missing.to_str().unwrap()],
    ] {
        let o = woundsim(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(".json"), "{err}");
        assert!(o.stdout.is_empty(), "ran the suite anyway: {args:?}");
    }
    assert!(!Path::new(&missing).exists());
}
