//! Cohorts (`run --replicates`) and `compare`: files, statistics,
//! thread-count determinism, undefined outcomes.

use std::path::{Path, PathBuf};
use std::process::Output;
use woundsim::cohort_run::{replicate_seed, Proportion, COHORT_OUTCOMES, PATIENT_COLUMNS};

#[macro_use]
mod common;
use common::*;

const TINY: [&str; 6] = [
    "--set",
    "domain.width_um=1000",
    "--set",
    "domain.height_um=1000",
    "--set",
    "wound.diameter_um=600",
];

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(format!("{name}.toml"))
}

/// `woundsim ARGS` on the tiny domain, then `EXTRA`.
fn woundsim_tiny(args: &[&str], extra: &[&str]) -> Output {
    command(args)
        .args(TINY)
        .args(extra)
        .output()
        .expect("running woundsim")
}

fn run_cohort(out: &Path, threads: &str, n: &str) {
    let s = scenario("dfu-adipose-single");
    let o = woundsim_tiny(
        &[
            "run",
            s.to_str().unwrap(),
            "--days",
            "3",
            "-q",
            "--threads",
            threads,
            "--replicates",
            n,
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    stdout_ok(&o);
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn run_replicates_writes_every_file() {
    let tmp = tempdir();
    let out = tmp.path().join("c");
    run_cohort(&out, "2", "3");

    // cohort.csv: header + one row per replicate, seeds hashed from (master, i).
    let mut rd = csv::Reader::from_path(out.join("cohort.csv")).unwrap();
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(&header[..2], ["replicate", "seed"]);
    for c in PATIENT_COLUMNS.iter().chain(COHORT_OUTCOMES.iter()) {
        assert!(header.iter().any(|h| h == c), "missing column {c}");
    }
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 3);
    let seed_col = 1;
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r[0].parse::<u64>().unwrap(), i as u64);
        assert_eq!(
            r[seed_col].parse::<u64>().unwrap(),
            replicate_seed(1, i as u64)
        );
    }
    // Patients vary between replicates (cohort.vary_patients is on by default).
    let perf = header
        .iter()
        .position(|h| h == "patient_perfusion")
        .unwrap();
    assert_ne!(&rows[0][perf], &rows[1][perf]);
    // A 3-day run: week-4 closure is undefined (empty), day-3 closure is not.
    let wk4 = header.iter().position(|h| h == "closure_pct_wk4").unwrap();
    let fin = header
        .iter()
        .position(|h| h == "closure_pct_final")
        .unwrap();
    assert!(rows.iter().all(|r| r[wk4].is_empty() && !r[fin].is_empty()));

    // cohort_summary.json: counts and intervals.
    let s: serde_json::Value =
        serde_json::from_slice(&read(&out.join("cohort_summary.json"))).unwrap();
    assert_eq!(s["replicates"], 3);
    let closure = &s["outcomes"]["closure_pct_final"];
    assert_eq!(closure["n"], 3);
    let (lo, m, hi) = (
        closure["ci95_lo"].as_f64().unwrap(),
        closure["mean"].as_f64().unwrap(),
        closure["ci95_hi"].as_f64().unwrap(),
    );
    assert!(lo <= m && m <= hi);
    let vals: Vec<f64> = rows.iter().map(|r| r[fin].parse().unwrap()).collect();
    assert!((m - vals.iter().sum::<f64>() / 3.0).abs() < 1e-5);
    assert_eq!(s["outcomes"]["closure_pct_wk4"]["n"], 0);
    assert_eq!(s["outcomes"]["closure_pct_wk4"]["undefined"], 3);
    assert!(s["outcomes"]["closure_pct_wk4"]["mean"].is_null());
    // Not every tiny wound closes in 3 days, so week-12 healing is undefined.
    if s["healed_by_end"]["successes"] != 3 {
        assert!(s["healed_wk12"].is_null());
        assert!(s["healed_wk12_note"].as_str().unwrap().contains("shorter"));
    }

    // Per-replicate time series, cohort time series, plot, manifest.
    for r in ["r000", "r001", "r002"] {
        let ts = String::from_utf8(read(&out.join("replicates").join(r).join("timeseries.csv")))
            .unwrap();
        assert_eq!(ts.lines().count(), 5, "{r}: header + days 0..=3");
        assert!(out
            .join("replicates")
            .join(r)
            .join("summary.json")
            .is_file());
    }
    let cts = String::from_utf8(read(&out.join("cohort_timeseries.csv"))).unwrap();
    assert!(cts.starts_with("time_d,wound_area_mm2_mean,wound_area_mm2_ci95_lo"));
    assert_eq!(cts.lines().count(), 5);
    let png = read(&out.join("plots").join("cohort.png"));
    assert_eq!(&png[1..4], b"PNG");
    let m: serde_json::Value = serde_json::from_slice(&read(&out.join("manifest.json"))).unwrap();
    assert_eq!(m["status"], "complete");
    assert_eq!(m["replicates"], 3);
    assert_eq!(m["seed"], 1);
    let files: Vec<&str> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(files.contains(&"cohort.csv") && files.contains(&"replicates/r002/timeseries.csv"));

    // A used directory is refused (exit 2), and 0 replicates is bad input.
    let s = scenario("dfu-adipose-single");
    let o = woundsim_tiny(
        &[
            "run",
            s.to_str().unwrap(),
            "--days",
            "1",
            "-q",
            "--replicates",
            "2",
        ],
        &["--out", out.to_str().unwrap()],
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = woundsim_tiny(
        &[
            "run",
            s.to_str().unwrap(),
            "--days",
            "1",
            "-q",
            "--replicates",
            "0",
        ],
        &["--out", tmp.path().join("zero").to_str().unwrap()],
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn cohort_output_is_identical_at_one_and_two_threads() {
    let tmp = tempdir();
    let (a, b) = (tmp.path().join("t1"), tmp.path().join("t2"));
    run_cohort(&a, "1", "3");
    run_cohort(&b, "2", "3");
    for f in [
        "cohort.csv",
        "cohort_summary.json",
        "cohort_timeseries.csv",
        "replicates/r000/timeseries.csv",
        "replicates/r001/timeseries.csv",
        "replicates/r002/timeseries.csv",
        "replicates/r002/summary.json",
    ] {
        assert!(
            read(&a.join(f)) == read(&b.join(f)),
            "{f} differs between 1 and 2 threads"
        );
    }
    let threads = |d: &Path| {
        let m: serde_json::Value = serde_json::from_slice(&read(&d.join("manifest.json"))).unwrap();
        m["threads"].as_u64()
    };
    assert_eq!((threads(&a), threads(&b)), (Some(1), Some(2)));
}

#[test]
fn compare_writes_csv_markdown_and_plot() {
    let tmp = tempdir();
    let out = tmp.path().join("cmp");
    let (sc, iv) = (
        scenario("dfu-standard-care"),
        scenario("dfu-intravenous-bm"),
    );
    let o = woundsim_tiny(
        &[
            "compare",
            sc.to_str().unwrap(),
            iv.to_str().unwrap(),
            "--replicates",
            "2",
            "--days",
            "2",
            "-q",
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    stdout_ok(&o);
    let md = String::from_utf8(read(&out.join("comparison.md"))).unwrap();
    let rows: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| scenario"))
        .collect();
    assert_eq!(rows.len(), 2, "{md}");
    assert!(rows[0].starts_with("| dfu-standard-care |"));
    assert!(rows[1].starts_with("| dfu-intravenous-bm |"));
    // Undefined outcomes are reported as such, with counts, not as numbers.
    assert!(rows[0].contains("not simulated"), "{}", rows[0]);
    assert!(rows[1].contains("no live MSCs (0/2)"), "{}", rows[1]);
    assert!(rows[0].contains("not reached (0/2)"), "{}", rows[0]);

    let mut rd = csv::Reader::from_path(out.join("comparison.csv")).unwrap();
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    let recs: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    assert_eq!(recs.len(), 2);
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    assert_eq!(&recs[0][col("scenario")], "dfu-standard-care");
    assert_eq!(&recs[0][col("replicates")], "2");
    assert_eq!(&recs[1][col("msc_half_life_d_mean")], "");
    assert_eq!(&recs[1][col("msc_half_life_d_n")], "0");
    assert_eq!(&recs[0][col("closure_wk4_pct_mean")], "");
    assert!(!recs[0][col("m2_fraction_d7_n")].is_empty());

    let png = read(&out.join("plots").join("comparison.png"));
    assert_eq!(&png[1..4], b"PNG");
    for label in ["dfu-standard-care", "dfu-intravenous-bm"] {
        assert!(out.join(label).join("cohort.csv").is_file(), "{label}");
    }
    let m: serde_json::Value = serde_json::from_slice(&read(&out.join("manifest.json"))).unwrap();
    assert_eq!(m["status"], "complete");
    assert_eq!(m["scenario_sources"].as_array().unwrap().len(), 2);
}

#[test]
fn proportion_carries_the_wilson_interval() {
    // Known values: 8/10 → (0.4901624715, 0.9433178485); 0/20 → (0, 0.1611251581).
    let p = Proportion::new(8, 10).unwrap();
    assert!((p.wilson95_lo - 0.490_162_471_536_641_8).abs() < 1e-12);
    assert!((p.wilson95_hi - 0.943_317_848_545_624_8).abs() < 1e-12);
    let z = Proportion::new(0, 20).unwrap();
    assert_eq!((z.fraction, z.wilson95_lo), (0.0, 0.0));
    assert!((z.wilson95_hi - 0.161_125_158_052_819_4).abs() < 1e-12);
    assert!(Proportion::new(3, 2).is_none());
}

#[test]
fn intervals_of_a_two_replicate_cohort_respect_their_bounds() {
    let tmp = tempdir();
    let out = tmp.path().join("two");
    let s = scenario("dfu-adipose-single");
    let o = woundsim_tiny(
        &[
            "run",
            s.to_str().unwrap(),
            "--days",
            "3",
            "-q",
            "--replicates",
            "2",
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    stdout_ok(&o);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("warning: 95 % intervals from 2 values"),
        "{err}"
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&read(&out.join("cohort_summary.json"))).unwrap();
    assert!(summary["small_sample_warning"].is_string());
    let mut open_intervals = 0;
    for (name, st) in summary["outcomes"].as_object().unwrap() {
        let (Some(lo), Some(hi), Some(m)) = (
            st["ci95_lo"].as_f64(),
            st["ci95_hi"].as_f64(),
            st["mean"].as_f64(),
        ) else {
            continue;
        };
        let top = if name.contains("_pct") {
            100.0
        } else if name.contains("fraction") || name.starts_with("healed") {
            1.0
        } else {
            f64::INFINITY
        };
        assert!(lo >= 0.0 && hi <= top, "{name}: {lo} to {hi}");
        assert!(lo <= m && m <= hi, "{name}: mean {m} outside {lo} to {hi}");
        if lo < hi {
            open_intervals += 1;
        }
    }
    assert!(open_intervals > 0, "every interval is a point: {summary}");

    // The time-series bands: closure within 0-100 %, fractions within 0-1.
    let mut rd = csv::Reader::from_path(out.join("cohort_timeseries.csv")).unwrap();
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    let mut checked = 0;
    for rec in rd.records() {
        let rec = rec.unwrap();
        for (h, v) in header.iter().zip(rec.iter()) {
            let Some(base) = h
                .strip_suffix("_ci95_lo")
                .or_else(|| h.strip_suffix("_ci95_hi"))
            else {
                continue;
            };
            let Ok(v) = v.parse::<f64>() else { continue };
            let top = if base.ends_with("_pct") {
                100.0
            } else if base.contains("fraction") {
                1.0
            } else {
                f64::INFINITY
            };
            assert!((0.0..=top).contains(&v), "{h} = {v}");
            checked += 1;
        }
    }
    assert!(checked > 0);
}
