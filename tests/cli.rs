//! End-to-end tests of the `woundsim` command line.

use std::path::Path;

#[macro_use]
mod common;
use common::*;

const SMALL: [&str; 6] = small_domain_args!(6000, 6000, 4000);

fn assert_npy(path: &Path) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    assert!(
        bytes.len() > 10 && bytes.starts_with(b"\x93NUMPY"),
        "{} is not a .npy file",
        path.display()
    );
}

#[test]
fn run_writes_complete_results() {
    let tmp = tempdir();
    let dir = tmp.path().join("run");
    let mut args = vec!["run", "--days", "2", "-q", "--out", dir.to_str().unwrap()];
    args.extend(SMALL);
    stdout_ok(&woundsim(&args));

    // manifest.json
    let m = json(&dir.join("manifest.json"));
    assert_eq!(m["status"], "complete", "manifest: {m}");
    assert_eq!(m["error"], serde_json::Value::Null);
    assert!(
        (m["day_reached"].as_f64().unwrap() - 2.0).abs() < 1e-9,
        "day_reached {}",
        m["day_reached"]
    );
    let files: Vec<&str> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    for f in ["timeseries.csv", "summary.json", "snapshots/index.json"] {
        assert!(files.contains(&f), "manifest files lack {f}: {files:?}");
    }
    for f in &files {
        assert!(
            dir.join(f).is_file(),
            "manifest lists {f}, which does not exist"
        );
    }
    // No temporary, partial or lock files are left behind.
    for e in walk(&dir) {
        assert!(
            !e.ends_with(".tmp")
                && !e.contains("partial")
                && !e.contains(".lock")
                && !e.ends_with("checkpoint.bin"),
            "leftover {e}"
        );
    }

    // summary.json
    let s = json(&dir.join("summary.json"));
    let closure = s["closure_pct_final"]
        .as_f64()
        .expect("closure_pct_final is a number");
    assert!(
        (0.0..=100.0).contains(&closure),
        "closure_pct_final {closure}"
    );
    assert_eq!(s["days"].as_f64(), Some(2.0));

    // timeseries.csv
    let mut rdr = csv::Reader::from_path(dir.join("timeseries.csv")).unwrap();
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {headers:?}"))
    };
    let (t, c, o2) = (col("time_d"), col("closure_pct"), col("o2_mean_mmHg"));
    let (m1, m2, frac) = (col("mac_m1"), col("mac_m2"), col("m2_fraction"));
    let (live, sen) = (col("msc_live"), col("msc_senescent"));
    let msc_means = [col("msc_hif_mean"), col("msc_licensed_fraction")];
    let (ratio, timp) = (col("mmp_timp_molar_ratio"), col("timp_mean_ng_per_ml"));
    let rows: Vec<Vec<f64>> = rdr
        .records()
        .map(|r| {
            r.unwrap()
                .iter()
                .map(|v| match v {
                    // An undefined value (see an_undefined_value_is_empty_not_zero).
                    "" => f64::NAN,
                    v => v
                        .parse::<f64>()
                        .unwrap_or_else(|_| panic!("not a number: {v}")),
                })
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 3, "rows: {rows:?}");
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r.len(), headers.len());
        assert!((r[t] - i as f64).abs() < 1e-9, "row {i} time_d {}", r[t]);
        assert!((0.0..=100.0).contains(&r[c]), "row {i} closure {}", r[c]);
        assert!(
            r[o2].is_finite() && r[o2] > 0.0 && r[o2] < 800.0,
            "row {i} O2 {}",
            r[o2]
        );
        // Every value is finite but the M2 fraction of no macrophages, the
        // MSC state means of no (live or senescent) MSCs and the MMP/TIMP
        // ratio of no TIMP.
        let undefined = |k: usize| {
            (k == frac && r[m1] + r[m2] == 0.0)
                || (msc_means.contains(&k) && r[live] + r[sen] == 0.0)
                || (k == ratio && r[timp] == 0.0)
        };
        assert!(
            r.iter()
                .enumerate()
                .all(|(k, v)| v.is_finite() || (v.is_nan() && undefined(k))),
            "row {i} has a non-finite value: {r:?}"
        );
    }
    assert_eq!(rows[0][c], 0.0, "closure at day 0");
    assert!(
        (rows[2][c] - closure).abs() < 1e-5,
        "summary closure {closure} vs last row {}",
        rows[2][c]
    );

    // snapshots/index.json and every file it lists.
    let idx = json(&dir.join("snapshots/index.json"));
    assert_eq!(idx["nx"].as_u64(), Some(300));
    assert_eq!(idx["ny"].as_u64(), Some(300));
    let snaps = idx["snapshots"].as_array().expect("snapshots array");
    assert!(!snaps.is_empty(), "no snapshots listed");
    assert_eq!(snaps[0]["day"].as_f64(), Some(0.0));
    let mut n_npy = 0;
    for snap in snaps {
        let fields = snap["fields"].as_object().expect("fields map");
        assert!(
            fields.contains_key("oxygen") && fields.contains_key("vegf"),
            "fields {fields:?}"
        );
        for (_, f) in fields {
            assert_npy(&dir.join("snapshots").join(f.as_str().unwrap()));
            n_npy += 1;
        }
        for key in ["wound", "vessels"] {
            assert_npy(&dir.join("snapshots").join(snap[key].as_str().unwrap()));
            n_npy += 1;
        }
        let agents = dir.join("snapshots").join(snap["agents"].as_str().unwrap());
        let text = std::fs::read_to_string(&agents).unwrap();
        assert!(
            text.starts_with("kind,id,x_um,y_um,state"),
            "{}",
            agents.display()
        );
    }
    assert!(n_npy >= 9, "only {n_npy} .npy files");
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p.display().to_string());
        }
    }
    out
}

#[test]
fn scenario_show_prints_reparseable_toml() {
    let text = stdout_ok(&woundsim(&["scenario", "show"]));
    assert!(text.contains("[domain]"), "{text}");
    let table: toml::Table = text.parse().expect("scenario show output is TOML");
    assert!(table.contains_key("domain") && table.contains_key("fields"));
    // It is the fully resolved built-in scenario.
    let shown = woundsim::scenario::Scenario::from_toml_str(&text, "shown", &[])
        .expect("re-parses as a scenario");
    let builtin = woundsim::scenario::Scenario::builtin(&[]).unwrap();
    assert_eq!(shown, builtin);
    // Overrides show up.
    let text = stdout_ok(&woundsim(&[
        "scenario",
        "show",
        "--set",
        "domain.voxel_um=25",
        "--days",
        "3",
    ]));
    let s = woundsim::scenario::Scenario::from_toml_str(&text, "shown", &[]).unwrap();
    assert_eq!(s.domain.voxel_um, 25.0);
    assert_eq!(s.time.days, 3.0);
}

#[test]
fn params_lists_keys() {
    let text = stdout_ok(&woundsim(&["params"]));
    assert!(text.contains("msc.hypoxia_death_per_day"), "{text}");
    assert!(text.contains("closure.o2_low_mmhg"));
    let text = stdout_ok(&woundsim(&["params", "msc.hypoxia"]));
    assert!(
        text.contains("msc.hypoxia_death_per_day") && !text.contains("closure.o2_low_mmhg"),
        "{text}"
    );
}

#[test]
fn explain_known_and_misspelt_key() {
    let text = stdout_ok(&woundsim(&["explain", "closure.o2_low_mmhg"]));
    assert!(
        text.contains("closure.o2_low_mmhg") && text.contains("mmHg"),
        "{text}"
    );
    // The library finds the right key ...
    let keys = woundsim::scenario::all_keys();
    assert_eq!(
        woundsim::scenario::nearest("closure.o2_lo", keys.iter().map(String::as_str)),
        Some("closure.o2_low_mmhg")
    );
    // ... and the command line must pass the suggestion on.
    let o = woundsim(&["explain", "closure.o2_lo"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert!(err.contains("did you mean 'closure.o2_low_mmhg'"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn help_works_for_every_command() {
    for args in [
        &["run", "--help"][..],
        &["scenario", "show", "--help"],
        &["params", "--help"],
        &["explain", "--help"],
        &["resume", "--help"],
        &["--help"],
    ] {
        let text = stdout_ok(&woundsim(args));
        assert!(text.contains("Usage"), "{args:?}: {text}");
    }
    let text = stdout_ok(&woundsim(&["run", "--help"]));
    for flag in [
        "--out",
        "--force",
        "--set",
        "--days",
        "--seed",
        "--no-snapshots",
    ] {
        assert!(text.contains(flag), "run --help lacks {flag}: {text}");
    }
}

/// Without macrophages the M2 fraction is undefined: an empty cell in
/// `timeseries.csv` and `null` in `summary.json`, never 0.
#[test]
fn an_undefined_value_is_empty_not_zero() {
    let tmp = tempdir();
    let dir = tmp.path().join("run");
    let mut args = vec!["run", "--days", "7", "-q", "--out", dir.to_str().unwrap()];
    args.extend(SMALL);
    args.extend([
        "--set",
        "macrophage.recruit_base_per_vessel_per_day=0",
        "--set",
        "macrophage.recruit_tnf_per_vessel_per_day=0",
        "--set",
        "macrophage.recruit_debris_per_vessel_per_day=0",
    ]);
    stdout_ok(&woundsim(&args));
    let text = read_text(&dir.join("timeseries.csv"));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|c| *c == name).unwrap();
    let (m1, m2, frac) = (col("mac_m1"), col("mac_m2"), col("m2_fraction"));
    let mut rows = 0;
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!((cells[m1], cells[m2]), ("0", "0"), "{line}");
        assert_eq!(cells[frac], "", "m2_fraction without macrophages: {line}");
        rows += 1;
    }
    assert!(rows > 7, "{rows} rows");
    let s = json(&dir.join("summary.json"));
    assert_eq!(s["m2_fraction_d7"], serde_json::Value::Null, "{s}");
    assert_eq!(s["final_values"]["m2_fraction"], serde_json::Value::Null);
    assert_eq!(s["final_values"]["mac_m1"].as_f64(), Some(0.0));
}

/// The bed's tissue maps (bacteria and matrix) are written with every
/// snapshot, fibroblasts are rows of `agents.csv`, and the maps reach the
/// field-map plots and both exports.
#[test]
fn snapshots_carry_the_tissue_maps_and_fibroblasts_into_plots_and_exports() {
    let tmp = tempdir();
    let dir = tmp.path().join("run");
    // Fibroblasts arrive from day 2–3; snapshots on day 0 and at the end.
    let mut args = vec!["run", "acute", "--days", "5", "-q", "--no-plots"];
    args.extend(["--out", p(&dir)]);
    args.extend(SMALL);
    stdout_ok(&woundsim(&args));
    let idx = json(&dir.join("snapshots/index.json"));
    let (nx, ny) = (idx["nx"].as_u64().unwrap(), idx["ny"].as_u64().unwrap());
    let snaps = idx["snapshots"].as_array().unwrap();
    for snap in snaps {
        let maps = snap["maps"].as_object().expect("maps");
        let names: Vec<&str> = maps.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            ["biofilm", "collagen", "planktonic", "provisional"],
            "{snap}"
        );
        for f in maps.values() {
            assert_npy(&dir.join("snapshots").join(f.as_str().unwrap()));
        }
    }
    let last = snaps.last().unwrap();
    let agents = read_text(&dir.join("snapshots").join(last["agents"].as_str().unwrap()));
    let fib: Vec<&str> = agents
        .lines()
        .filter(|l| l.starts_with("fibroblast,"))
        .collect();
    assert!(!fib.is_empty(), "no fibroblast rows on day 5");
    assert!(
        fib.iter()
            .all(|l| l.ends_with(",fibroblast") || l.ends_with(",myofibroblast")),
        "{:?}",
        &fib[..fib.len().min(5)]
    );
    // Field maps of tissue maps and a field together.
    stdout_ok(&woundsim(&[
        "plot",
        p(&dir),
        "--fields",
        "collagen,biofilm,tnf",
    ]));
    assert!(std::fs::read_dir(dir.join("plots")).unwrap().any(|e| e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .starts_with("fieldmap_")));
    // VTK: the maps are cell data with their units.
    let vtk = tmp.path().join("vtk");
    stdout_ok(&woundsim(&[
        "export",
        p(&dir),
        "--to",
        "vtk",
        "--out",
        p(&vtk),
    ]));
    let vti = std::fs::read_dir(vtk.join("vtk"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|f| f.extension().is_some_and(|x| x == "vti"))
        .unwrap();
    let head = String::from_utf8_lossy(&std::fs::read(&vti).unwrap()).into_owned();
    for name in ["collagen [of full bed]", "biofilm [of capacity]"] {
        assert!(
            head.contains(&format!("Name=\"{name}\"")),
            "{name} in {}",
            vti.display()
        );
    }
    // Zarr: one (time, y, x) float32 array per map, a chunk per snapshot.
    let zarr = tmp.path().join("store");
    stdout_ok(&woundsim(&[
        "export",
        p(&dir),
        "--to",
        "zarr",
        "--out",
        p(&zarr),
    ]));
    let za = json(&zarr.join("collagen/.zarray"));
    assert_eq!(za["dtype"], "<f4");
    assert_eq!(za["shape"][0].as_u64(), Some(snaps.len() as u64));
    for t in 0..snaps.len() {
        let chunk = std::fs::read(zarr.join(format!("collagen/{t}.0.0"))).unwrap();
        assert_eq!(chunk.len() as u64, 4 * nx * ny);
    }
}

/// A directory is never a scenario file: one named like a shipped scenario
/// (e.g. the results of `--out acute`) does not hide the scenario, and any
/// other directory is a clear input error.
#[test]
fn a_directory_named_like_a_shipped_scenario_does_not_hide_it() {
    let tmp = tempdir();
    std::fs::create_dir(tmp.path().join("acute")).unwrap();
    std::fs::create_dir(tmp.path().join("results")).unwrap();
    let o = woundsim_in(tmp.path(), &["scenario", "show", "acute"]);
    let text = stdout_ok(&o);
    let s = woundsim::scenario::Scenario::from_toml_str(&text, "shown", &[]).unwrap();
    assert_eq!(s.name, "acute");
    let o = woundsim_in(tmp.path(), &["scenario", "show", "results"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("a directory, not a scenario file"), "{err}");
    assert_no_panic(&err);
}
