//! Safety of inputs and long runs: counts bounded by the machine, a memory
//! budget that cannot switch the guard off, checkpoints validated before
//! use (checksum and structure), every birth path under `limits.max_agents`,
//! inputs that would silently give wrong results rejected, and bounded
//! reading of input files. Every simulation here is a 1 mm slice.

use proptest::prelude::*;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use woundsim::run::{self, Resumable, RunOptions};
use woundsim::scenario::{self, Params, Scenario};
use woundsim::sim::{self, SimState, Workspace};

#[macro_use]
mod common;
use common::*;

/// A 1 mm slice at 50 µm voxels: each simulated day takes milliseconds.
const TINY: [&str; 5] = [
    "domain.width_um=1000",
    "domain.height_um=1000",
    "domain.voxel_um=50",
    "wound.diameter_um=600",
    "limits.max_agents=5000",
];

fn tiny_sets(extra: &[&str]) -> Vec<String> {
    TINY.iter().chain(extra).map(|s| s.to_string()).collect()
}

fn tiny_args(extra: &[&str]) -> Vec<String> {
    let mut v = Vec::new();
    for s in TINY.iter().chain(extra) {
        v.push("--set".to_string());
        v.push(s.to_string());
    }
    v
}

fn params(extra: &[&str]) -> Params {
    Params::new(Scenario::builtin(&tiny_sets(extra)).unwrap(), "tiny").unwrap()
}

fn woundsim_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(BIN);
    c.args(args)
        .env("RUST_BACKTRACE", "1")
        .env("RAYON_NUM_THREADS", "1");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("running woundsim")
}

fn woundsim(args: &[&str]) -> Output {
    woundsim_env(args, &[])
}

/// Exit status 2, no panic, every needle in stderr; returns stderr.
fn expect_exit_2(what: &str, o: &Output, needles: &[&str]) -> String {
    let err = stderr(o);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{what}: exit {}:\n{err}",
        o.status
    );
    for bad in ["panicked", "stack backtrace", "memory allocation"] {
        assert!(!err.contains(bad), "{what}: mentions '{bad}':\n{err}");
    }
    for n in needles {
        assert!(err.contains(n), "{what}: stderr lacks '{n}':\n{err}");
    }
    err
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn counts_are_bounded_and_bad_settings_exit_2() {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    let o = out.to_str().unwrap();
    let a = write(tmp.path(), "a.toml", "name = \"a\"\n");
    let b = write(tmp.path(), "b.toml", "name = \"b\"\n");
    let tiny = tiny_args(&[]);
    let tiny: Vec<&str> = tiny.iter().map(String::as_str).collect();
    let with = |head: &[&str], tail: &[&str]| -> Vec<String> {
        head.iter()
            .chain(&tiny)
            .chain(tail)
            .map(|s| s.to_string())
            .collect()
    };
    let cases: Vec<(Vec<String>, Vec<&str>)> = vec![
        (
            with(
                &["run", "--days", "1", "--out", o],
                &["--replicates", "18446744073709551615"],
            ),
            vec!["--replicates", "1000000"],
        ),
        (
            with(
                &["run", "--days", "1", "--out", o],
                &["--replicates", "100000000"],
            ),
            vec!["--replicates"],
        ),
        (
            with(
                &["compare", &a, &b, "--days", "1", "--out", o],
                &["--replicates", "18446744073709551615"],
            ),
            vec!["--replicates"],
        ),
        (
            with(
                &["compare", &a, &b, "--days", "1", "--out", o],
                &["--replicates", "100000000"],
            ),
            vec!["--replicates"],
        ),
        (
            vec![
                "--threads".into(),
                "18446744073709551615".into(),
                "params".into(),
            ],
            vec!["--threads", "1..=256"],
        ),
        (
            vec!["--threads".into(), "0".into(), "params".into()],
            vec!["--threads"],
        ),
    ];
    let mut cases = cases;
    for v in ["-1", "0", "NaN", "inf", "-inf"] {
        cases.push((
            with(
                &["run", "--days", "1", "--out", o],
                &[&format!("--checkpoint-every={v}")],
            ),
            vec!["--checkpoint-every", "allowed"],
        ));
    }
    for (args, needles) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let what = args.join(" ");
        // woundsim_capped sets --threads itself.
        let o = if args[0] == "--threads" {
            woundsim(&args)
        } else {
            woundsim_capped(&args)
        };
        expect_exit_2(&what, &o, needles);
        assert!(!out.exists(), "{what}: a refused run created its directory");
    }
    expect_exit_2(
        "RAYON_NUM_THREADS",
        &woundsim_env(
            &["params"],
            &[("RAYON_NUM_THREADS", "18446744073709551615")],
        ),
        &["RAYON_NUM_THREADS", "256"],
    );

    // A huge budget in the scenario does not switch the memory guard off.
    let o2 = woundsim_capped(&[
        "run",
        "--days",
        "1",
        "--out",
        o,
        "--set",
        "limits.max_memory_mib=1e9",
        "--set",
        "domain.width_um=2000000",
        "--set",
        "domain.height_um=2000000",
    ]);
    expect_exit_2("max_memory_mib=1e9", &o2, &["needs about", "MiB"]);
    assert!(!out.exists());
}

#[test]
fn cohort_size_is_bounded_by_memory() {
    let p = params(&["time.days=84"]);
    let e = woundsim::cohort_run::check_cohort_size(std::slice::from_ref(&p), 1_000_000, 100.0)
        .unwrap_err()
        .to_string();
    assert!(e.contains("--replicates") && e.contains("100 MiB"), "{e}");
    woundsim::cohort_run::check_cohort_size(std::slice::from_ref(&p), 10, 100.0).unwrap();
    let e = woundsim::cohort_run::check_cohort_size(&[p], u64::MAX, f64::INFINITY)
        .unwrap_err()
        .to_string();
    assert!(e.contains("1000000"), "{e}");
}

/// A scenario file gives no product unless it names one.
const ADIPOSE: &str = "treatment.product.source=\"adipose\"";

/// Inputs that used to give silently wrong results, each with the words
/// its error must contain.
#[test]
fn silent_wrong_results_are_rejected_with_the_right_place() {
    let tmp = tempdir();
    let d = tmp.path();
    let plain = write(d, "plain.toml", "name = \"plain\"\n");
    let oxyg = write(d, "oxyg.toml", "[fields.oxyg]\ninitial = 30\n");
    let unused = write(d, "unused.toml", "[fields.pdgf]\nnew = true\n");
    let builtin_new = write(d, "builtin.toml", "[fields.vegf]\nnew = true\n");
    let bogus_file = write(d, "bogus.toml", "[bogus]\ny = 1\n");
    let long_name = format!("name=\"{}\"", "n".repeat(300));
    let cases: Vec<(Vec<&str>, Vec<&str>, Option<&str>)> = vec![
        (
            vec![
                "scenario",
                "show",
                &plain,
                "--set",
                "fields.vegff.half_life_min=30",
            ],
            vec![
                "<command line --set>",
                "fields.vegff",
                "did you mean 'fields.vegf'",
                "new = true",
            ],
            Some(&plain),
        ),
        (
            vec!["scenario", "show", &oxyg],
            vec!["fields.oxyg", "did you mean 'fields.oxygen'"],
            None,
        ),
        (
            vec!["scenario", "show", &unused],
            vec!["fields.pdgf", "secreted by nothing"],
            None,
        ),
        (
            vec!["scenario", "show", &builtin_new],
            vec!["fields.vegf.new", "built-in"],
            None,
        ),
        (
            vec!["scenario", "show", &plain, "--set", "bogus.x=1"],
            vec!["<command line --set>", "'bogus'", "unknown key"],
            Some(&plain),
        ),
        (
            vec!["scenario", "show", &bogus_file, "--set", "bogus.x=1"],
            vec![&bogus_file, "'bogus'"],
            Some("<command line --set>"),
        ),
        (
            vec!["scenario", "show", &plain, "--set", "time.days=1e400"],
            vec![
                "<command line --set>",
                "time.days",
                "out of range",
                "1.7e308",
            ],
            Some("invalid type"),
        ),
        (
            vec![
                "scenario",
                "show",
                &plain,
                "--set",
                "seed=99999999999999999999",
            ],
            vec!["seed", "out of range"],
            None,
        ),
        (
            vec!["scenario", "show", &plain, "--set", &long_name],
            vec!["key 'name'", "300 characters", "128"],
            Some("File name too long"),
        ),
        (
            vec![
                "scenario",
                "show",
                &plain,
                "--set",
                "time.days=1",
                "--set",
                "time.field_step_min=2880",
            ],
            vec!["time.field_step_min", "longer than the 1-day run"],
            None,
        ),
        (
            vec![
                "scenario",
                "show",
                &plain,
                "--set",
                "time.days=2",
                "--set",
                "time.tissue_step_min=4320",
            ],
            vec!["time.tissue_step_min"],
            None,
        ),
        (
            vec![
                "scenario",
                "show",
                &plain,
                "--set",
                "time.days=7",
                "--set",
                ADIPOSE,
                "--set",
                "treatment.dose.days=[0, 7]",
            ],
            vec!["treatment.dose.days[1]", "never given"],
            None,
        ),
        (
            vec![
                "scenario",
                "show",
                &plain,
                "--set",
                ADIPOSE,
                "--set",
                "treatment.dose.days=[]",
            ],
            vec!["treatment.dose.days", "never be given", "source = \"none\""],
            None,
        ),
    ];
    for (args, needles, absent) in &cases {
        let what = args.join(" ");
        let err = expect_exit_2(&what, &woundsim(args), needles);
        if let Some(a) = absent {
            assert!(!err.contains(a), "{what}: blames '{a}':\n{err}");
        }
    }

    // A declared, secreted new field is accepted and survives a round trip
    // through the resolved scenario (as checkpoints and manifests store it).
    let good = write(
        d,
        "good.toml",
        "[fields.pdgf]\nnew = true\nhalf_life_min = 30\n[msc.secretion_fg_per_cell_per_day]\npdgf = 5\n",
    );
    let o = woundsim(&["scenario", "show", &good]);
    assert!(o.status.success(), "{}", stderr(&o));
    let shown = String::from_utf8(o.stdout).unwrap();
    assert!(shown.contains("[fields.pdgf]\nnew = true"), "{shown}");
    assert!(!shown.contains("new = false"), "{shown}");
    let again = write(d, "again.toml", &shown);
    let o = woundsim(&["scenario", "show", &again]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(String::from_utf8(o.stdout).unwrap(), shown);
}

#[test]
fn input_files_are_read_only_up_to_their_cap() {
    let tmp = tempdir();
    let cap = scenario::MAX_INPUT_BYTES as usize;
    let out = tmp.path().join("sweep-out").display().to_string();
    // One byte over the cap, and an endless device.
    let big = write(tmp.path(), "big.toml", &format!("#{}\n", "x".repeat(cap)));
    let sweep_big = write(tmp.path(), "sweep.toml", &format!("#{}\n", "x".repeat(cap)));
    let at_cap = write(
        tmp.path(),
        "at-cap.toml",
        &format!("name = \"ok\"\n#{}\n", "x".repeat(cap - 14)),
    );
    assert_eq!(std::fs::metadata(&at_cap).unwrap().len() as usize, cap);
    for (args, file) in [
        (vec!["scenario", "show", big.as_str()], big.as_str()),
        (vec!["scenario", "show", "/dev/urandom"], "/dev/urandom"),
        (vec!["scenario", "show", "/dev/zero"], "/dev/zero"),
        (
            vec!["sweep", sweep_big.as_str(), "--out", out.as_str()],
            sweep_big.as_str(),
        ),
    ] {
        if !Path::new(file).exists() {
            continue;
        }
        expect_exit_2(&args.join(" "), &woundsim_capped(&args), &[file, "1 MiB"]);
    }
    let o = woundsim(&["scenario", "show", &at_cap]);
    assert!(
        o.status.success(),
        "a file of exactly the cap: {}",
        stderr(&o)
    );
}

/// Run `p` into `dir` and stop it (as SIGINT would) after `stop_at` steps,
/// leaving a checkpoint.
fn interrupted_run(p: &Params, dir: &Path, stop_at: u64, snapshots: bool) {
    let flag = Arc::new(AtomicBool::new(false));
    let f = Arc::clone(&flag);
    let cb = move |done: u64, _total: u64| {
        if done >= stop_at {
            f.store(true, Ordering::SeqCst);
        }
    };
    let opts = RunOptions {
        snapshots,
        checkpoint_every_days: Some(0.25),
        interrupt: Some(flag),
        progress: Some(&cb),
        ..RunOptions::default()
    };
    let e = run::run_in_dir(p, p.scenario.seed, dir, &opts).unwrap_err();
    assert!(
        matches!(e, woundsim::error::Error::Interrupted { .. }),
        "{e}"
    );
    assert!(dir.join("checkpoint.bin").is_file());
}

fn manifest_status(dir: &Path) -> String {
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    m["status"].as_str().unwrap_or("").to_string()
}

#[test]
fn every_single_bit_flip_of_a_checkpoint_is_detected() {
    let tmp = tempdir();
    let dir = tmp.path().join("run");
    let p = params(&["time.days=2", "output.snapshot_every_days=0"]);
    interrupted_run(&p, &dir, 150, false);
    let ck = dir.join("checkpoint.bin");
    let good = std::fs::read(&ck).unwrap();
    // The intact checkpoint opens.
    drop(Resumable::open(&dir).unwrap());
    let bits = good.len() * 8;
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 200,
        ..ProptestConfig::default()
    });
    // Header bits, then any bit of the file.
    let header = (0usize..24 * 8).boxed();
    let anywhere = (0usize..bits).boxed();
    for strategy in [header, anywhere] {
        runner
            .run(&strategy, |bit| {
                let mut b = good.clone();
                b[bit / 8] ^= 1 << (bit % 8);
                std::fs::write(&ck, &b).unwrap();
                let r = catch_unwind(AssertUnwindSafe(|| Resumable::open(&dir).map(|_| ())));
                std::fs::write(&ck, &good).unwrap();
                let r = r.map_err(|_| TestCaseError::fail(format!("bit {bit}: panicked")))?;
                let e = r.err().ok_or_else(|| {
                    TestCaseError::fail(format!("bit {bit}: a flipped checkpoint was accepted"))
                })?;
                let msg = e.to_string();
                prop_assert!(e.is_input(), "bit {}: {}", bit, msg);
                prop_assert!(msg.contains("checkpoint.bin"), "bit {}: {}", bit, msg);
                Ok(())
            })
            .unwrap();
    }
    // Cut short anywhere: refused too.
    for len in [0, 10, 24, good.len() / 2, good.len() - 1] {
        std::fs::write(&ck, &good[..len]).unwrap();
        let e = Resumable::open(&dir)
            .err()
            .expect("a cut checkpoint was accepted");
        assert!(e.to_string().contains("checkpoint"), "{e}");
    }
    // The CLI reports it with exit 2 and leaves the manifest as it was.
    let mut b = good.clone();
    let mid = b.len() / 2;
    b[mid] ^= 0x10;
    std::fs::write(&ck, &b).unwrap();
    let before = manifest_status(&dir);
    let o = woundsim(&["resume", dir.to_str().unwrap()]);
    expect_exit_2("flipped checkpoint", &o, &["checksum", "checkpoint.bin"]);
    assert_eq!(manifest_status(&dir), before);
    assert_ne!(before, "running");
    // Restored, it resumes to the end.
    std::fs::write(&ck, &good).unwrap();
    let o = woundsim(&["-q", "resume", dir.to_str().unwrap(), "--no-plots"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(manifest_status(&dir), "complete");
}

#[test]
fn resume_reports_deleted_snapshot_files() {
    let tmp = tempdir();
    // A checkpointed run whose snapshots were deleted since.
    let dir = tmp.path().join("cut");
    let p = params(&["time.days=2", "output.snapshot_every_days=0.25"]);
    interrupted_run(&p, &dir, 100, true);
    let index = dir.join("snapshots").join("index.json");
    let listed: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&index).unwrap()).unwrap();
    let first = listed["snapshots"][0]["wound"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::remove_file(dir.join("snapshots").join(&first)).unwrap();
    let o = woundsim(&["resume", dir.to_str().unwrap()]);
    expect_exit_2("deleted snapshot", &o, &["missing", &first]);
    // A complete run whose snapshots were deleted.
    let done = tmp.path().join("done");
    let opts = RunOptions {
        snapshots: true,
        ..RunOptions::default()
    };
    run::run_in_dir(&p, 1, &done, &opts).unwrap();
    std::fs::remove_dir_all(done.join("snapshots")).unwrap();
    let o = woundsim(&["resume", done.to_str().unwrap()]);
    let err = expect_exit_2("deleted snapshots/", &o, &["missing", "snapshots/"]);
    assert!(!err.contains("already complete"), "{err}");
}

#[test]
fn agent_cap_holds_with_a_high_proliferation_rate() {
    let cap = 3000u64;
    let p = params(&[
        "time.days=3",
        "msc.proliferation_per_day=40",
        &format!("limits.max_agents={cap}"),
    ]);
    let mut st = SimState::new(&p, 5, woundsim::cohort::patient_for(&p, 5));
    let mut ws = Workspace::new(&p, &st);
    let mut peak = 0;
    while st.step < p.steps.total {
        sim::step(&p, &mut st, &mut ws).unwrap();
        assert!(
            st.agent_count() as u64 <= cap,
            "step {}: {} agents over the cap of {cap}",
            st.step,
            st.agent_count()
        );
        peak = peak.max(st.agent_count());
    }
    assert_eq!(
        peak as u64, cap,
        "the cap was never reached: the test proves nothing"
    );
    let hit = st.agent_cap_hit_step.expect("the cap hit is recorded");
    // The summary and the manifest say so.
    let tmp = tempdir();
    let dir = tmp.path().join("capped");
    let out = run::run_in_dir(&p, 5, &dir, &RunOptions::default()).unwrap();
    assert_eq!(out.summary.agent_cap_hit_day, Some(p.steps.day(hit)));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        summary["agent_cap_hit_day"].as_f64(),
        Some(p.steps.day(hit))
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["agent_cap_hit_day"].as_f64(),
        Some(p.steps.day(hit))
    );
    // A cohort's manifest lists every replicate that hit the cap, with
    // the earliest day as its `agent_cap_hit_day`.
    let cdir = tmp.path().join("capped-cohort");
    let c = woundsim::cohort_run::run_in_dir(&p, 2, &cdir, &Default::default()).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(cdir.join("manifest.json")).unwrap()).unwrap();
    let days: Vec<f64> = c
        .replicates
        .iter()
        .filter_map(|r| r.output.summary.agent_cap_hit_day)
        .collect();
    assert!(!days.is_empty(), "no replicate hit the cap");
    let listed = manifest["agent_cap_hits"]
        .as_array()
        .expect("agent_cap_hits");
    assert_eq!(listed.len(), days.len(), "{manifest}");
    for (h, d) in listed.iter().zip(&days) {
        assert_eq!(h["day"].as_f64(), Some(*d), "{h}");
    }
    assert_eq!(
        manifest["agent_cap_hit_day"].as_f64(),
        days.iter().copied().reduce(f64::min)
    );
    // A run below the cap reports none, and so does its cohort.
    let calm = params(&["time.days=1", "limits.max_agents=2000000"]);
    let out = run::simulate(&calm, 1).unwrap();
    assert_eq!(out.summary.agent_cap_hit_day, None);
    let cdir = tmp.path().join("calm-cohort");
    woundsim::cohort_run::run_in_dir(&calm, 2, &cdir, &Default::default()).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(cdir.join("manifest.json")).unwrap()).unwrap();
    assert!(manifest.get("agent_cap_hits").is_none(), "{manifest}");
    assert!(manifest.get("agent_cap_hit_day").is_none(), "{manifest}");
}

#[test]
fn a_dose_larger_than_the_cap_is_cut_to_the_cap() {
    for form in ["cells", "extracellular_vesicles"] {
        let p = params(&[
            "time.days=1",
            "treatment.dose.dose_cells=1e300",
            &format!("treatment.product.form=\"{form}\""),
        ]);
        let out = run::simulate(&p, 1).unwrap();
        assert_eq!(out.summary.agent_cap_hit_day, Some(0.0), "{form}");
    }
}

/// Whether a TOML default is a number.
fn numeric(default: &str) -> bool {
    default.parse::<f64>().is_ok()
}

/// Every numeric key of `woundsim params` at 0, negative, NaN, ±inf and
/// 1e308: rejected as input (exit 2) or a complete run whose every value is
/// finite. Never a panic, a numerical failure or a non-finite result.
#[test]
fn every_numeric_key_at_extreme_values_is_rejected_or_finite() {
    let keys: Vec<String> = scenario::param_table()
        .into_iter()
        .filter(|r| numeric(&r.default) && !r.key.contains('<'))
        .map(|r| r.key)
        .collect();
    assert!(keys.len() > 100, "only {} numeric keys", keys.len());
    let values = ["0", "-1", "nan", "inf", "-inf", "1e308"];
    let mut ran = 0;
    let mut failures = Vec::new();
    for key in &keys {
        for v in values {
            let set = format!("{key}={v}");
            let r = catch_unwind(AssertUnwindSafe(|| -> Result<bool, String> {
                let s = Scenario::builtin(&tiny_sets(&["time.days=1", &set]));
                let p = match s
                    .map_err(woundsim::error::Error::from)
                    .and_then(|s| Params::new(s, "t").map_err(woundsim::error::Error::from))
                {
                    Ok(p) => p,
                    Err(e) if e.is_input() => return Ok(false),
                    Err(e) => return Err(format!("not an input error: {e}")),
                };
                if let Err(e) = run::check_memory(&p, 4096.0) {
                    return if e.is_input() {
                        Ok(false)
                    } else {
                        Err(e.to_string())
                    };
                }
                let out = run::simulate(&p, 1).map_err(|e| e.to_string())?;
                if out.steps != p.steps.total {
                    return Err(format!(
                        "stopped at step {} of {}",
                        out.steps, p.steps.total
                    ));
                }
                let at = |name: &str| out.columns.iter().position(|c| c == name).unwrap();
                let (m1, m2) = (at("mac_m1"), at("mac_m2"));
                let (live, sen) = (at("msc_live"), at("msc_senescent"));
                let timp = out.columns.iter().position(|c| c == "timp_mean_ng_per_ml");
                for row in &out.rows {
                    // The M2 fraction is undefined (NaN) without macrophages,
                    // the MSC state means without live or senescent MSCs,
                    // the MMP/TIMP ratio without TIMP.
                    let undefined = |c: &str| {
                        (c == "m2_fraction" && row.values[m1] + row.values[m2] == 0.0)
                            || ((c == "msc_hif_mean" || c == "msc_licensed_fraction")
                                && row.values[live] + row.values[sen] == 0.0)
                            || (c == "mmp_timp_molar_ratio"
                                && timp.is_none_or(|t| row.values[t] == 0.0))
                    };
                    if let Some((c, x)) = out
                        .columns
                        .iter()
                        .zip(&row.values)
                        .find(|(c, x)| !(x.is_finite() || x.is_nan() && undefined(c)))
                    {
                        return Err(format!("{c} = {x} at step {}", row.step));
                    }
                }
                let s = &out.summary;
                for (name, x) in [
                    ("closure_pct_final", s.closure_pct_final),
                    ("msc_peak", s.msc_peak),
                    ("o2_time_mean_mmHg", s.o2_mean_mmhg),
                    ("vegf_time_mean_ng_per_ml", s.vegf_mean_ng_per_ml),
                    ("peak_vessel_density_rel", s.peak_vessel_density_rel),
                ] {
                    if !x.is_finite() {
                        return Err(format!("summary {name} = {x}"));
                    }
                }
                Ok(true)
            }));
            match r {
                Ok(Ok(true)) => ran += 1,
                Ok(Ok(false)) => {}
                Ok(Err(e)) => failures.push(format!("--set {set}: {e}")),
                Err(_) => failures.push(format!("--set {set}: panicked")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        ran > 50,
        "only {ran} runs were accepted: the test proves little"
    );
}

#[test]
fn sweep_report_refuses_rows_that_do_not_belong() {
    let tmp = tempdir();
    let dir = tmp.path().join("sw");
    let tiny = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sweeps/tiny.toml");
    let o = woundsim(&["-q", "sweep", tiny, "--out", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = woundsim(&["-q", "sweep", "report", dir.to_str().unwrap()]);
    assert!(o.status.success(), "the intact sweep: {}", stderr(&o));
    let runs = std::fs::read_to_string(dir.join("runs.csv")).unwrap();
    let sweep_json = std::fs::read_to_string(dir.join("sweep.json")).unwrap();
    let lines: Vec<&str> = runs.lines().collect();
    let row1 = lines[1].to_string();
    let mut fields: Vec<String> = row1.split(',').map(String::from).collect();
    let with_run = |run: &str, f: &mut Vec<String>| {
        f[0] = run.into();
        f.join(",")
    };
    let cases: Vec<(String, String, Vec<&str>)> = vec![
        (
            format!("{runs}{row1}\n"),
            sweep_json.clone(),
            vec!["runs.csv", "line 10", "run 0 appears twice"],
        ),
        (
            format!("{runs}{}\n", with_run("99", &mut fields)),
            sweep_json.clone(),
            vec!["runs.csv", "run '99' is not a run of this sweep"],
        ),
        (
            // Run 1's identity with run 0's point, replicate and seed.
            runs.replacen(
                &format!("{}\n", lines[2]),
                &format!("{}\n", with_run("1", &mut fields)),
                1,
            ),
            sweep_json.clone(),
            vec!["runs.csv", "run 1 should be point 0, replicate 1"],
        ),
        (
            runs.clone(),
            sweep_json.replace("\"msc_peak\"", "\"msc_peek\""),
            vec![
                "sweep.json",
                "unknown outcome 'msc_peek'",
                "did you mean 'msc_peak'",
            ],
        ),
    ];
    for (i, (csv, json, needles)) in cases.iter().enumerate() {
        std::fs::write(dir.join("runs.csv"), csv).unwrap();
        std::fs::write(dir.join("sweep.json"), json).unwrap();
        let o = woundsim(&["-q", "sweep", "report", dir.to_str().unwrap()]);
        expect_exit_2(&format!("report case {i}"), &o, needles);
    }
}
