//! Nothing lost, nothing silently wrong: interrupted and crashed runs resume
//! to byte-identical results, SIGINT and SIGTERM are handled by runs and
//! sweeps, the numerical guard names what went wrong, output directories are
//! locked and never overwritten by accident, and scenarios that cannot fit in
//! memory are refused before anything is allocated.
//!
//! Every simulation here is a 2 mm slice, so each test takes seconds.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

use woundsim::error::Error;
use woundsim::fields::solver::{Solver, Stage};
use woundsim::fields::{Fields, Sources};
use woundsim::scenario::{Params, Scenario};
use woundsim::sim::{self, SimState, Workspace};

#[macro_use]
mod common;
use common::*;

/// A 2 mm slice with daily snapshots, long enough to interrupt.
const SMALL: [&str; 8] = small_domain_args!(2000, 2000, 1500, "output.snapshot_every_days=1");

/// `run` arguments of the small scenario into `out`.
fn run_args<'a>(out: &'a Path, days: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec!["run", "--days", days, "--no-plots", "--out", p(out)];
    a.extend(SMALL);
    a.extend(extra);
    a
}

/// Every file under `dir` (relative path → bytes).
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let path = e.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The two run directories hold the same files with the same bytes, except
/// the wall time in `manifest.json`.
fn assert_same_results(expected: &Path, got: &Path) {
    let (a, b) = (files(expected), files(got));
    let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&b), names(&a), "the two runs wrote different files");
    for (name, bytes) in &a {
        if name == "manifest.json" {
            let strip = |d: &Path| {
                let mut m = json(&d.join("manifest.json"));
                m.as_object_mut().unwrap().remove("wall_time_s");
                m
            };
            assert_eq!(strip(got), strip(expected), "manifest.json differs");
        } else {
            assert!(
                &b[name] == bytes,
                "{name} differs between the uninterrupted and the resumed run"
            );
        }
    }
    for key in ["timeseries.csv", "summary.json"] {
        assert!(a.contains_key(key), "{key} missing");
    }
    assert!(
        a.keys().filter(|k| k.ends_with(".npy")).count()
            >= if a.contains_key("snapshots/index.json") {
                9
            } else {
                0
            },
        "too few snapshots: {:?}",
        names(&a)
    );
}

/// The day printed by `woundsim resume` ("resuming DIR at day X of Y").
fn resumed_day(o: &Output) -> f64 {
    let err = stderr(o);
    err.split("at day ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| panic!("no 'at day' in resume output:\n{err}"))
}

#[test]
fn sigint_then_resume_equals_uninterrupted_run() {
    let tmp = tempdir();
    let (full, cut) = (tmp.path().join("full"), tmp.path().join("cut"));
    ok_1t(&run_args(&full, "16", &["--checkpoint-every", "0.5"]));
    assert_eq!(status(&full), "complete");
    assert!(
        !full.join("checkpoint.bin").exists(),
        "a complete run keeps no checkpoint"
    );

    let child = spawn_1t(&run_args(&cut, "16", &["--checkpoint-every", "0.5"]));
    wait_for("the first checkpoint", 120, 10, || {
        cut.join("checkpoint.bin").exists()
    });
    signal(&child, "-INT");
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert_eq!(
        o.status.code(),
        Some(130),
        "exit status after SIGINT:\n{err}"
    );
    assert!(
        err.contains("interrupted") && err.contains("woundsim resume"),
        "{err}"
    );
    assert_no_panic(&err);
    assert_eq!(status(&cut), "interrupted");
    let m = json(&cut.join("manifest.json"));
    assert!(m["error"].as_str().unwrap_or("").contains("interrupted"));
    let day = m["day_reached"].as_f64().unwrap();
    assert!(day < 16.0, "day_reached {day}");
    // What is complete is written; what is not does not look finished.
    assert!(cut.join("checkpoint.bin").exists());
    assert!(cut.join("snapshots/index.json").exists());
    assert_eq!(
        cut.join("timeseries.partial.csv").exists(),
        day >= 1.0,
        "the daily rows so far (day {day})"
    );
    for f in ["timeseries.csv", "summary.json"] {
        assert!(!cut.join(f).exists(), "an interrupted run wrote {f}");
    }

    // Interrupt the resumed run too, once it has gone further.
    let at_interrupt = std::fs::read(cut.join("checkpoint.bin")).unwrap();
    let child = spawn_1t(&["resume", p(&cut), "--no-plots"]);
    wait_for("a checkpoint of the resumed run", 120, 10, || {
        std::fs::read(cut.join("checkpoint.bin")).is_ok_and(|b| b != at_interrupt)
    });
    signal(&child, "-INT");
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert_eq!(status(&cut), "interrupted");
    let first = resumed_day(&o);
    assert!(first > 0.0 && first < 16.0, "resumed at day {first}");

    let r = ok_1t(&["resume", p(&cut), "--no-plots"]);
    let second = resumed_day(&r);
    assert!(second > first, "resumed at day {second} after day {first}");
    assert_eq!(status(&cut), "complete");
    assert_same_results(&full, &cut);
}

#[test]
fn sigterm_and_crash_resume_keep_settings_and_checkpoints() {
    let tmp = tempdir();
    let (full, cut) = (tmp.path().join("full"), tmp.path().join("cut"));
    let extra = ["--checkpoint-every", "0.5", "--no-snapshots"];
    ok_1t(&run_args(&full, "16", &extra));
    assert!(!full.join("snapshots").exists());

    // SIGTERM (what Slurm and systemd send).
    let child = spawn_1t(&run_args(&cut, "16", &extra));
    wait_for("the first checkpoint", 120, 10, || {
        cut.join("checkpoint.bin").exists()
    });
    signal(&child, "-TERM");
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert_eq!(status(&cut), "interrupted");
    let at_interrupt = std::fs::read(cut.join("checkpoint.bin")).unwrap();

    // Resume, and crash the resumed run (SIGKILL: no handler runs) once it
    // has written a later checkpoint: checkpoints continue after a resume.
    let child = spawn_1t(&["resume", p(&cut), "--no-plots"]);
    wait_for("a checkpoint of the resumed run", 120, 10, || {
        std::fs::read(cut.join("checkpoint.bin")).is_ok_and(|b| b != at_interrupt)
    });
    signal(&child, "-KILL");
    let o = child.wait_with_output().unwrap();
    assert!(!o.status.success());
    assert_ne!(
        status(&cut),
        "complete",
        "a crashed run must not look complete"
    );
    assert!(!cut.join("summary.json").exists());

    // Resume from the periodic checkpoint written before the crash.
    let first = resumed_day(&o);
    let r = ok_1t(&["resume", p(&cut), "--no-plots"]);
    assert!(
        resumed_day(&r) > first,
        "the crashed resume wrote no later checkpoint"
    );
    assert_eq!(status(&cut), "complete");
    // The resumed runs kept --no-snapshots.
    assert!(
        !cut.join("snapshots").exists(),
        "resume wrote snapshots that the run did not ask for"
    );
    assert_same_results(&full, &cut);
}

#[test]
fn resume_refuses_what_it_cannot_resume() {
    let tmp = tempdir();
    let done = tmp.path().join("done");
    ok_1t(&run_args(&done, "1", &["--no-snapshots"]));
    let before = files(&done);
    for (dir, needle) in [
        (done.clone(), "already complete"),
        (tmp.path().join("missing"), "no such run directory"),
        (tmp.path().to_path_buf(), "not a woundsim run directory"),
    ] {
        let o = woundsim_1t(&["resume", p(&dir)]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "resume {}:\n{err}", dir.display());
        assert!(err.contains(needle) && err.contains(p(&dir)), "{err}");
        assert_no_panic(&err);
    }
    assert_eq!(files(&done), before, "a refused resume changed the run");

    // A damaged checkpoint is reported, not trusted.
    let cut = tmp.path().join("cut");
    let child = spawn_1t(&run_args(&cut, "16", &["--checkpoint-every", "0.5"]));
    wait_for("the first checkpoint", 120, 10, || {
        cut.join("checkpoint.bin").exists()
    });
    signal(&child, "-INT");
    assert_eq!(child.wait_with_output().unwrap().status.code(), Some(130));
    let ck = cut.join("checkpoint.bin");
    let bytes = std::fs::read(&ck).unwrap();
    std::fs::write(&ck, &bytes[..bytes.len() / 2]).unwrap();
    let o = woundsim_1t(&["resume", p(&cut)]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("checkpoint") && err.contains("damaged"),
        "{err}"
    );
    assert_no_panic(&err);
    assert_eq!(status(&cut), "interrupted");
}

#[test]
fn a_second_writer_is_refused_while_a_run_holds_the_directory() {
    let tmp = tempdir();
    let dir = tmp.path().join("busy");
    let child = spawn_1t(&run_args(&dir, "16", &["--checkpoint-every", "0.5"]));
    wait_for("the first run to start", 120, 10, || {
        dir.join("manifest.json").exists() && dir.join("checkpoint.bin").exists()
    });
    let args_force = run_args(&dir, "1", &["--force"]);
    let sweep = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sweeps/tiny.toml");
    for args in [
        args_force.clone(),
        vec!["resume", p(&dir)],
        vec!["sweep", p(&sweep), "--out", p(&dir), "--force"],
    ] {
        let o = woundsim_1t(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}:\n{err}");
        assert!(
            err.contains("in use by another woundsim process") && err.contains(p(&dir)),
            "{args:?}:\n{err}"
        );
        assert_no_panic(&err);
    }
    // The first run was not disturbed: stop it and let it finish.
    assert_eq!(status(&dir), "running");
    signal(&child, "-INT");
    assert_eq!(child.wait_with_output().unwrap().status.code(), Some(130));
    ok_1t(&["resume", p(&dir), "--no-plots"]);
    assert_eq!(status(&dir), "complete");
    assert!(
        !dir.join(".woundsim.lock").exists(),
        "the lock file is left behind"
    );
}

#[test]
fn lock_taken_in_process_refuses_runs_until_released() {
    let tmp = tempdir();
    let dir = tmp.path().join("locked");
    std::fs::create_dir(&dir).unwrap();
    let lock = woundsim::output::DirLock::acquire(&dir).unwrap();
    // A second lock in this process is refused too (the lock is per open file).
    let again = woundsim::output::DirLock::acquire(&dir).unwrap_err();
    assert!(matches!(again, Error::OutputInUse(_)), "{again}");
    let o = woundsim_1t(&run_args(&dir, "1", &["--force", "--no-snapshots"]));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("in use"), "{}", stderr(&o));
    assert!(!dir.join("manifest.json").exists());
    drop(lock);
    ok_1t(&run_args(&dir, "1", &["--no-snapshots"]));
    assert_eq!(status(&dir), "complete");
}

#[test]
fn force_never_clears_a_directory_woundsim_did_not_write() {
    let tmp = tempdir();
    let dir = tmp.path().join("mine");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("thesis.tex"), "precious").unwrap();
    for extra in [&[][..], &["--force"][..]] {
        let mut e = vec!["--no-snapshots"];
        e.extend(extra);
        let o = woundsim_1t(&run_args(&dir, "1", &e));
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(p(&dir)), "{err}");
        assert_no_panic(&err);
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("thesis.tex")).unwrap(),
        "precious"
    );
    // A woundsim run directory is overwritten with --force (and only with it).
    let run = tmp.path().join("run");
    ok_1t(&run_args(&run, "1", &["--no-snapshots"]));
    let o = woundsim_1t(&run_args(&run, "1", &["--no-snapshots"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    ok_1t(&run_args(&run, "1", &["--no-snapshots", "--force"]));
}

/// A small in-memory simulation advanced a few steps.
fn running_sim() -> (Params, SimState, Workspace) {
    let s = Scenario::builtin(&[
        "domain.width_um=2000".into(),
        "domain.height_um=2000".into(),
        "wound.diameter_um=1500".into(),
        "time.days=1".into(),
    ])
    .unwrap();
    let p = Params::new(s, "test").unwrap();
    let mut st = SimState::new(&p, 3, woundsim::cohort::patient_for(&p, 3));
    let mut ws = Workspace::new(&p, &st);
    for _ in 0..8 {
        sim::step(&p, &mut st, &mut ws).expect("a healthy step");
    }
    (p, st, ws)
}

#[test]
fn numerical_guard_names_field_voxel_step_and_cause() {
    let (ix, iy) = (5usize, 7usize);
    for (bad, kind) in [
        (f32::NAN, "NaN"),
        (f32::INFINITY, "overflowed"),
        (-5.0, "negative"),
    ] {
        let (p, mut st, mut ws) = running_sim();
        let f = p.ids.vegf;
        // Control: the same state steps without error.
        let mut control = st.clone();
        sim::step(&p, &mut control, &mut ws).expect("control step");
        let mut ws = Workspace::new(&p, &st);
        let step = st.step;
        st.fields.data[f][[iy, ix]] = bad;
        let e = sim::step(&p, &mut st, &mut ws).expect_err("a bad value must stop the step");
        match &e {
            Error::Numerical {
                field,
                ix: ex,
                iy: ey,
                step: es,
                cause,
                ..
            } => {
                assert_eq!(field, "vegf", "{e}");
                assert_eq!((*ex, *ey), (ix, iy), "{e}");
                assert_eq!(*es, step, "{e}");
                assert!(cause.contains(kind), "{e}");
            }
            other => panic!("expected a numerical error, got {other}"),
        }
        let msg = e.to_string();
        for needle in [
            "'vegf'",
            &format!("ix={ix}, iy={iy}"),
            &format!("step {step}"),
            kind,
        ] {
            assert!(msg.contains(needle), "'{needle}' missing from: {msg}");
        }
    }
}

#[test]
fn solver_locates_a_bad_source_before_diffusion_spreads_it() {
    let grid = woundsim::grid::Grid {
        nx: 40,
        ny: 30,
        nz: 1,
        dx_um: 20.0,
        dz_um: 20.0,
    };
    let spec = woundsim::scenario::FieldSpec {
        diffusion_um2_per_min: 3000.0,
        half_life_min: 60.0,
        ..Default::default()
    };
    let specs = vec![("a".to_string(), spec.clone()), ("b".to_string(), spec)];
    let solver = Solver::new(&grid, &specs, 15.0);
    let mut f = Fields::new(&grid, &specs);
    let mut s = Sources::new(&grid, 2);
    s.add(0, grid.idx(3, 4), 1.0);
    assert_eq!(solver.step_checked(&mut f, &mut s), Ok(()));
    for (v, what) in [(f32::NAN, "NaN"), (f32::INFINITY, "inf")] {
        s.add(1, grid.idx(17, 21), v);
        let bad = solver.step_checked(&mut f, &mut s).expect_err("bad source");
        assert_eq!(bad.field, 1, "{what}");
        assert_eq!(bad.index, grid.idx(17, 21), "{what}");
        assert_eq!(bad.stage, Stage::Reaction, "{what}");
        assert!(!bad.value.is_finite(), "{what}");
        // The spread has ruined the field; start again.
        f = Fields::new(&grid, &specs);
        s = Sources::new(&grid, 2);
    }
    // A negative uptake large enough to flip the sign of a source.
    s.add(0, grid.idx(2, 9), 1.0);
    s.uptake_mut(0)[[9, 2]] = -1.0;
    let bad = solver.step_checked(&mut f, &mut s).expect_err("negative");
    assert_eq!((bad.field, bad.index), (0, grid.idx(2, 9)));
}

#[test]
fn exploding_sources_are_refused_before_the_run() {
    let tmp = tempdir();
    // Absurd rates that once overflowed the f32 fields mid-run (a numerical
    // failure) are now out of range: bad input, before any directory exists.
    // The numerical guard itself is tested in process above.
    for (set, field, key) in [
        (
            "msc.secretion_fg_per_cell_per_day.vegf=1e300",
            "vegf",
            "msc.secretion_fg_per_cell_per_day",
        ),
        (
            "tissue.damage_ros_au_per_min=1e38",
            "ros",
            "tissue.damage_ros_au_per_min",
        ),
        ("fields.tnf.far_field=1e300", "tnf", "fields.tnf.far_field"),
    ] {
        let dir = tmp.path().join(field);
        let o = woundsim_1t(&run_args(&dir, "2", &["--set", set]));
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{set}:\n{err}");
        assert!(
            err.contains(key) && err.contains("out of range"),
            "{set}:\n{err}"
        );
        assert_no_panic(&err);
        assert!(!dir.join("manifest.json").exists(), "{set}");
    }
}

#[test]
fn scenarios_too_large_for_memory_are_refused_before_allocating() {
    let tmp = tempdir();
    let out = tmp.path().join("huge");
    // 100000 × 100000 voxels: allowed per side, far beyond any machine.
    let o = woundsim_capped(&[
        "run",
        "--days",
        "1",
        "--out",
        p(&out),
        "--set",
        "domain.width_um=2000000",
        "--set",
        "domain.height_um=2000000",
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("needs about") && err.contains("MiB") && err.contains("domain.width_um"),
        "{err}"
    );
    assert!(err.contains("domain.voxel_um"), "{err}");
    assert_no_panic(&err);
    assert!(!out.exists(), "a refused run created its directory");

    // 200000 × 200000 voxels: refused by the per-side limit.
    let o = woundsim_capped(&[
        "run",
        "--days",
        "1",
        "--out",
        p(&out),
        "--set",
        "domain.width_um=4000000",
        "--set",
        "domain.height_um=4000000",
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("domain.width_um") && err.contains("100000"),
        "{err}"
    );

    // A budget in the scenario is honoured on any machine.
    let o = woundsim_1t(&run_args(
        &out,
        "1",
        &["--set", "limits.max_memory_mib=1", "--no-snapshots"],
    ));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("needs about") && err.contains("1 MiB"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn a_sweep_run_too_large_for_memory_fails_alone() {
    let tmp = tempdir();
    let f = tmp.path().join("huge.toml");
    std::fs::write(
        &f,
        "days = 1\noutcomes = [\"closure_pct_final\"]\n[[factor]]\nkey = \"domain.voxel_um\"\nvalues = [20, 0.025]\n\
         [base_inline.domain]\nwidth_um = 2000\nheight_um = 2000\n[base_inline.wound]\ndiameter_um = 1500\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = woundsim_capped(&["sweep", p(&f), "--out", p(&out)]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    let runs = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    let rows: Vec<&str> = runs.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{runs}");
    assert!(rows[0].contains(",ok,"), "{runs}");
    assert!(
        rows[1].contains(",failed,") && rows[1].contains("needs about"),
        "{runs}"
    );
}

#[test]
fn sigterm_interrupts_a_sweep_and_resume_loses_and_duplicates_nothing() {
    let tmp = tempdir();
    let f = tmp.path().join("s.toml");
    std::fs::write(
        &f,
        "seed = 5\nreplicates = 2\ndays = 1\noutcomes = [\"closure_pct_final\", \"o2_time_mean_mmHg\"]\n\
         [[factor]]\nkey = \"patient.perfusion\"\nvalues = [0.3, 0.5, 0.7, 0.9, 1.1, 1.3]\n\
         [base_inline.domain]\nwidth_um = 2000\nheight_um = 2000\n[base_inline.wound]\ndiameter_um = 1500\n",
    )
    .unwrap();
    let (full, cut) = (tmp.path().join("full"), tmp.path().join("cut"));
    ok_1t(&["sweep", p(&f), "--out", p(&full)]);
    let expected = std::fs::read_to_string(full.join("runs.csv")).unwrap();
    assert_eq!(expected.lines().count(), 13);

    let rows = |d: &Path| {
        std::fs::read_to_string(d.join("runs.csv"))
            .map(|s| s.lines().skip(1).map(str::to_string).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let child = spawn_1t(&["sweep", p(&f), "--out", p(&cut)]);
    wait_for("two finished runs", 120, 10, || rows(&cut).len() >= 2);
    signal(&child, "-TERM");
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(err.contains("--resume"), "{err}");
    assert_no_panic(&err);
    let kept = rows(&cut);
    assert!(
        (2..12).contains(&kept.len()),
        "{} rows after SIGTERM",
        kept.len()
    );
    for r in &kept {
        assert!(
            expected.lines().any(|l| l == r),
            "row written before the interruption differs from the uninterrupted sweep: {r}"
        );
    }
    let r = ok_1t(&["sweep", p(&f), "--out", p(&cut), "--resume"]);
    assert!(
        stderr(&r).contains(&format!("{} done earlier", kept.len())),
        "{}",
        stderr(&r)
    );
    assert_eq!(
        std::fs::read_to_string(cut.join("runs.csv")).unwrap(),
        expected,
        "the resumed sweep differs from the uninterrupted one"
    );
}

#[test]
fn set_overrides_are_blamed_on_the_command_line() {
    let tmp = tempdir();
    let f = tmp.path().join("s.toml");
    std::fs::write(&f, "name = \"x\"\n[domain]\nvoxel_um = 20\n").unwrap();
    for (set, key) in [
        ("domain.voxel_size_um=10", "domain.voxel_size_um"),
        ("time.days=\"ten\"", "time.days"),
        ("domain.voxel_um=-3", "domain.voxel_um"),
        ("treatment.dose.days=[1e6]", "treatment.dose.days"),
    ] {
        let o = woundsim_1t(&["scenario", "show", p(&f), "--set", set]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{set}: {err}");
        assert!(
            err.contains("--set") && err.contains(key),
            "{set}: not blamed on --set:\n{err}"
        );
        assert!(!err.contains(p(&f)), "{set}: blamed on the file:\n{err}");
    }
    // A bad key in the file is still the file's.
    std::fs::write(&f, "[domain]\nvoxel_size_um = 20\n").unwrap();
    let o = woundsim_1t(&["scenario", "show", p(&f), "--set", "time.days=3"]);
    let err = stderr(&o);
    assert!(err.contains(p(&f)) && !err.contains("--set"), "{err}");
}

#[test]
fn scenario_name_cannot_steer_the_default_output_directory() {
    let tmp = tempdir();
    let cwd = tmp.path().join("work");
    std::fs::create_dir(&cwd).unwrap();
    for name in ["../../escape", "/tmp/abs", ".hidden"] {
        let set = format!("name={name:?}");
        let mut args = vec!["run", "--days", "1", "--no-snapshots", "--no-plots"];
        args.extend(&SMALL[..6]);
        args.extend(["--set", &set]);
        let o = command_1t(&args).current_dir(&cwd).output().unwrap();
        assert!(o.status.success(), "{name}: {}", stderr(&o));
    }
    let mut made: Vec<String> = std::fs::read_dir(cwd.join("results"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    made.sort();
    assert_eq!(made, ["_.._escape-1", "_tmp_abs-1", "hidden-1"]);
    let outside: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().collect();
    assert_eq!(outside.len(), 1, "something was written outside results/");
    assert!(!Path::new("/tmp/abs-1").exists());
}

/// The workers that poll for work while a run drives its steps stop when the
/// run returns or panics, and leave the pool usable; a run under them gives
/// the same bits as without.
#[test]
fn polling_workers_stop_when_the_run_returns_or_panics() {
    use rayon::prelude::*;
    use sim::with_polling_workers;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    let sum = |n: u64| (0..n).into_par_iter().sum::<u64>();
    assert_eq!(pool.install(|| with_polling_workers(|| sum(1000))), 499_500);
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        pool.install(|| with_polling_workers(|| -> u64 { panic!("a failing run") }))
    }));
    assert!(panicked.is_err());
    assert_eq!(pool.install(|| sum(100)), 4950, "the pool still works");
    let sets: Vec<String> = [
        "time.days=1",
        "domain.width_um=4000",
        "domain.height_um=4000",
        "wound.diameter_um=2400",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let p = Params::new(Scenario::builtin(&sets).unwrap(), "built-in").unwrap();
    let rows = |poll: bool| {
        pool.install(|| {
            let out = if poll {
                with_polling_workers(|| woundsim::run::simulate(&p, 1))
            } else {
                woundsim::run::simulate(&p, 1)
            };
            let out = out.unwrap();
            out.rows
                .iter()
                .flat_map(|r| r.values.iter().map(|v| v.to_bits()))
                .collect::<Vec<_>>()
        })
    };
    assert_eq!(rows(true), rows(false));
}
