//! Safety of output files: `--force` deletes only what woundsim wrote, no
//! writer follows a planted symbolic link (nothing outside `--out` is ever
//! written or deleted), a full disk leaves either a complete result or one
//! marked failed, and cohorts and comparisons stop on SIGINT/SIGTERM with
//! exit status 130 and resume to byte-identical results.
//!
//! Every simulation here is a 1 mm slice of one or two days, so each test
//! takes seconds.

use std::collections::BTreeMap;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use proptest::prelude::*;
use woundsim::scenario::{Params, Scenario};

#[macro_use]
mod common;
use common::*;

/// A 1 mm slice with snapshots every half day.
const SMALL: [&str; 8] = small_domain_args!(1000, 1000, 600, "output.snapshot_every_days=0.5");

fn run_args<'a>(out: &'a Path, days: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec!["run", "--days", days, "--out", p(out)];
    a.extend(SMALL);
    a.extend(extra);
    a
}

/// Everything under `dir` without following links: relative path → bytes
/// for files, `-> target` for links, `<dir>` for directories.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let path = e.path();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            // The tree may be read while a run still writes it (polling for
            // its first stored replicate): an entry renamed or removed
            // between listing and reading is skipped, any other error fails.
            let gone = |e: &std::io::Error| e.kind() == std::io::ErrorKind::NotFound;
            let ft = match e.file_type() {
                Ok(ft) => ft,
                Err(e) if gone(&e) => continue,
                Err(e) => panic!("{}: {e}", path.display()),
            };
            if ft.is_symlink() {
                match std::fs::read_link(&path) {
                    Ok(t) => out.insert(rel, format!("-> {}", t.display()).into_bytes()),
                    Err(e) if gone(&e) => continue,
                    Err(e) => panic!("{}: {e}", path.display()),
                };
            } else if ft.is_dir() {
                out.insert(rel, b"<dir>".to_vec());
                walk(root, &path, out);
            } else {
                match std::fs::read(&path) {
                    Ok(bytes) => out.insert(rel, bytes),
                    Err(e) if gone(&e) => continue,
                    Err(e) => panic!("{}: {e}", path.display()),
                };
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn names(t: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    t.keys().cloned().collect()
}

fn is_tmp(name: &str) -> bool {
    let file = name.rsplit('/').next().unwrap_or(name);
    woundsim::output::atomic::is_tmp_name(file) || file.ends_with(".tmp")
}

/// Copy a directory tree (files, directories and links as links).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let ft = e.file_type().unwrap();
        let dest = to.join(e.file_name());
        if ft.is_symlink() {
            symlink(std::fs::read_link(e.path()).unwrap(), &dest).unwrap();
        } else if ft.is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

fn small_params() -> Params {
    let sets: Vec<String> = SMALL
        .chunks(2)
        .map(|c| c[1].to_string())
        .chain(["time.days=1".to_string()])
        .collect();
    Params::new(Scenario::builtin(&sets).unwrap(), "<built-in>").unwrap()
}

/// A run directory interrupted at its very start (checkpoint, manifest,
/// marker and the first snapshot present), made in process.
fn interrupted_run(dir: &Path) {
    let p = small_params();
    let opts = woundsim::run::RunOptions {
        snapshots: true,
        checkpoint_every_days: Some(0.25),
        interrupt: Some(Arc::new(AtomicBool::new(true))),
        ..Default::default()
    };
    let e = woundsim::run::run_in_dir(&p, p.scenario.seed, dir, &opts).unwrap_err();
    assert!(
        matches!(e, woundsim::error::Error::Interrupted { .. }),
        "{e}"
    );
    assert!(dir.join("checkpoint.bin").is_file());
    assert!(dir.join("snapshots/d000.0_oxygen.npy").is_file());
}

// ---------------------------------------------------------------------------
// 1. --force deletes only what woundsim wrote
// ---------------------------------------------------------------------------

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn valid_marker(entries: &[&str]) -> String {
    serde_json::json!({
        "format": "woundsim-output",
        "version": 1,
        "kind": "run",
        "woundsim_version": "0.1.0",
        "entries": entries,
    })
    .to_string()
}

#[test]
fn force_refuses_every_directory_without_a_valid_marker() {
    let tmp = tempdir();
    let elsewhere = tmp.path().join("elsewhere");
    write(&elsewhere.join("marker"), &valid_marker(&["thesis.tex"]));
    let sweep = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sweeps/tiny.toml");
    let scen = tmp.path().join("a.toml");
    write(
        &scen,
        "name = \"a\"\n[domain]\nwidth_um = 1000\nheight_um = 1000\n[wound]\ndiameter_um = 600\n",
    );
    type Setup = fn(&Path, &Path);
    let cases: [(&str, Setup); 7] = [
        ("a web app with manifest.json", |d, _| {
            write(
                &d.join("manifest.json"),
                "{\"name\": \"webapp\", \"version\": \"1.0.0\"}",
            );
            write(&d.join("thesis.tex"), "precious");
            write(&d.join("src/main.rs"), "fn main() {}");
        }),
        ("a runs.csv of another tool", |d, _| {
            write(&d.join("runs.csv"), "run,x\n0,1\n");
            write(&d.join("notes.md"), "mine");
        }),
        ("woundsim-looking files without a marker", |d, _| {
            for f in [
                "manifest.json",
                "checkpoint.bin",
                "sweep.json",
                "summary.json",
            ] {
                write(&d.join(f), "{}");
            }
            write(&d.join("thesis.tex"), "precious");
        }),
        ("a marker of another format", |d, _| {
            write(
                &d.join(".woundsim-output"),
                "{\"format\": \"other-tool\", \"version\": 1, \"kind\": \"run\", \"woundsim_version\": \"0\", \"entries\": [\"thesis.tex\"]}",
            );
            write(&d.join("thesis.tex"), "precious");
        }),
        ("a marker naming a path outside", |d, _| {
            write(
                &d.join(".woundsim-output"),
                &valid_marker(&["../elsewhere", "x"]),
            );
            write(&d.join("x"), "precious");
        }),
        ("a marker that is a link", |d, elsewhere| {
            symlink(elsewhere.join("marker"), d.join(".woundsim-output")).unwrap();
            write(&d.join("thesis.tex"), "precious");
        }),
        ("a marker that is not JSON", |d, _| {
            write(&d.join(".woundsim-output"), "\u{1}\u{2}garbage");
            write(&d.join("thesis.tex"), "precious");
        }),
    ];
    for (i, (what, setup)) in cases.iter().enumerate() {
        let commands: Vec<Vec<String>> = vec![
            vec!["run", "--days", "1", "--no-plots", "--force"],
            vec![
                "run",
                "--days",
                "1",
                "--replicates",
                "2",
                "--no-plots",
                "--force",
            ],
            vec!["sweep", p(&sweep), "--force"],
            vec![
                "compare",
                p(&scen),
                p(&scen),
                "--days",
                "1",
                "--replicates",
                "1",
                "--force",
            ],
        ]
        .into_iter()
        .map(|v| v.into_iter().map(String::from).collect())
        .collect();
        for (j, cmd) in commands.iter().enumerate() {
            let d = tmp.path().join(format!("case{i}-{j}"));
            std::fs::create_dir(&d).unwrap();
            setup(&d, &elsewhere);
            let before = (tree(&d), tree(&elsewhere));
            let mut args: Vec<&str> = cmd.iter().map(String::as_str).collect();
            args.extend(["--out", p(&d)]);
            let o = woundsim_1t(&args);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{what}, {cmd:?}:\n{err}");
            assert!(
                err.contains(p(&d)) && err.contains("not woundsim output"),
                "{what}, {cmd:?}:\n{err}"
            );
            assert_no_panic(&err);
            assert_eq!(
                (tree(&d), tree(&elsewhere)),
                before,
                "{what}, {cmd:?}: files changed (or a lock file was left)"
            );
        }
    }
}

#[test]
fn force_removes_only_woundsim_entries_and_never_follows_links() {
    let tmp = tempdir();
    let outside = tmp.path().join("outside");
    write(&outside.join("keep.npy"), "outside data");
    write(&outside.join("summary.json"), "outside summary");
    let d = tmp.path().join("run");
    ok_1t(&run_args(&d, "1", &["--no-plots"]));
    // A user's note, a link where the snapshots were, a link at a result
    // name and a link inside a woundsim directory.
    write(&d.join("notes.txt"), "my notes");
    std::fs::remove_dir_all(d.join("snapshots")).unwrap();
    symlink(&outside, d.join("snapshots")).unwrap();
    std::fs::remove_file(d.join("summary.json")).unwrap();
    symlink(outside.join("summary.json"), d.join("summary.json")).unwrap();
    std::fs::create_dir(d.join("plots")).unwrap();
    symlink(&outside, d.join("plots").join("into-outside")).unwrap();
    let before = tree(&outside);
    ok_1t(&run_args(
        &d,
        "1",
        &["--no-plots", "--no-snapshots", "--force"],
    ));
    assert_eq!(tree(&outside), before, "a file outside --out changed");
    assert_eq!(
        std::fs::read_to_string(d.join("notes.txt")).unwrap(),
        "my notes"
    );
    assert!(!d.join("snapshots").exists() && !d.join("plots").exists());
    let summary = std::fs::symlink_metadata(d.join("summary.json")).unwrap();
    assert!(
        summary.file_type().is_file(),
        "summary.json is still a link"
    );
    assert_eq!(status(&d), "complete");
}

// ---------------------------------------------------------------------------
// 2. Writers never follow planted links
// ---------------------------------------------------------------------------

/// Names a run directory uses (files and directories).
const RUN_NAMES: [&str; 13] = [
    "manifest.json",
    "checkpoint.bin",
    "timeseries.partial.csv",
    "timeseries.csv",
    "summary.json",
    "snapshots",
    "snapshots/index.json",
    "snapshots/d000.0_oxygen.npy",
    "snapshots/d000.5_oxygen.npy",
    "plots",
    "plots/timeseries.png",
    ".woundsim.lock",
    ".woundsim-output",
];

/// Replace `dir/name` by a link into `outside`: to a copy of what was
/// there (so that the run can go on reading it), or to a file or
/// directory of its own; `dangling` links point at nothing.
fn plant(dir: &Path, outside: &Path, name: &str, dangling: bool) {
    let at = dir.join(name);
    if !at.parent().unwrap().is_dir()
        || std::fs::symlink_metadata(at.parent().unwrap())
            .unwrap()
            .file_type()
            .is_symlink()
    {
        return;
    }
    let target = outside.join(name.replace('/', "_"));
    let is_dir = !name.contains('.');
    match std::fs::symlink_metadata(&at) {
        Ok(m) if m.is_dir() => {
            copy_tree(&at, &target);
            std::fs::remove_dir_all(&at).unwrap();
        }
        Ok(_) => {
            std::fs::copy(&at, &target).unwrap();
            std::fs::remove_file(&at).unwrap();
        }
        Err(_) if dangling => {}
        Err(_) if is_dir => std::fs::create_dir_all(&target).unwrap(),
        Err(_) => write(&target, "outside file"),
    }
    if dangling {
        let _ = std::fs::remove_file(&target);
        let _ = std::fs::remove_dir_all(&target);
    }
    symlink(&target, &at).unwrap();
}

/// Plant links at `chosen` names of a copy of `template`, run `args` on it
/// and check that nothing outside the directory changed.
fn check_links(template: &Path, work: &Path, chosen: &[&str], dangling: bool, force_run: bool) {
    let dir = work.join("run");
    let outside = work.join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    write(&outside.join("unrelated.txt"), "untouched");
    copy_tree(template, &dir);
    for name in chosen {
        plant(&dir, &outside, name, dangling);
    }
    let before = tree(&outside);
    let o = if force_run {
        woundsim_1t(&run_args(
            &dir,
            "1",
            &["--force", "--checkpoint-every", "0.25"],
        ))
    } else {
        woundsim_1t(&["resume", p(&dir)])
    };
    let err = stderr(&o);
    assert_no_panic(&err);
    assert!(
        matches!(o.status.code(), Some(0) | Some(2)),
        "{chosen:?}: {}\n{err}",
        o.status
    );
    assert_eq!(
        tree(&outside),
        before,
        "{chosen:?} (dangling {dangling}, force {force_run}): a path outside --out was written or deleted\n{err}"
    );
    let leftovers: Vec<String> = names(&tree(&dir))
        .into_iter()
        .filter(|n| is_tmp(n))
        .collect();
    assert!(
        leftovers.is_empty(),
        "{chosen:?}: temporary files left: {leftovers:?}"
    );
}

fn template(tmp: &Path) -> PathBuf {
    let t = tmp.join("template");
    interrupted_run(&t);
    t
}

#[test]
fn resume_never_writes_through_a_link_at_any_name_it_uses() {
    let tmp = tempdir();
    let t = template(tmp.path());
    for (i, name) in RUN_NAMES.iter().enumerate() {
        for dangling in [false, true] {
            let work = tmp.path().join(format!("w{i}-{dangling}"));
            check_links(&t, &work, &[name], dangling, false);
            let dir = work.join("run");
            // A dangling link where a snapshot of the interrupted run was is a
            // missing snapshot: resume names it and refuses.
            let refused = ["snapshots", "plots", ".woundsim.lock"].contains(name)
                || (*name == "checkpoint.bin" && dangling)
                || (name.starts_with("snapshots/") && dangling);
            if !refused {
                // A link at a file name is replaced, not written through: the
                // run completes with a real file there.
                assert_eq!(status(&dir), "complete", "{name} (dangling {dangling})");
                for f in ["timeseries.csv", "summary.json", "manifest.json"] {
                    let m = std::fs::symlink_metadata(dir.join(f)).unwrap();
                    assert!(m.file_type().is_file(), "{f} is not a regular file");
                }
            }
        }
    }
    // Links at the directories woundsim writes into are refused with a message.
    let work = tmp.path().join("snapdir");
    std::fs::create_dir_all(work.join("outside")).unwrap();
    copy_tree(&t, &work.join("run"));
    plant(&work.join("run"), &work.join("outside"), "snapshots", false);
    let o = woundsim_1t(&["resume", p(&work.join("run"))]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("symbolic link"), "{}", stderr(&o));
}

#[test]
fn sweep_resume_and_cohort_resume_never_write_through_links() {
    let tmp = tempdir();
    let sweep = tmp.path().join("s.toml");
    write(
        &sweep,
        "seed = 1\nreplicates = 2\ndays = 1\ndry_run = true\noutcomes = [\"closure_pct_final\"]\n\
         [design]\nkind = \"factorial\"\n[[factor]]\nkey = \"treatment.dose.dose_cells\"\nvalues = [1e5, 1e6]\n",
    );
    let full = tmp.path().join("full");
    ok_1t(&["sweep", "run", p(&sweep), "--out", p(&full)]);
    let runs = std::fs::read_to_string(full.join("runs.csv")).unwrap();
    let head: String = runs.lines().take(2).map(|l| format!("{l}\n")).collect();
    for name in ["runs.csv", "sweep.toml", "base.toml", ".woundsim.lock"] {
        let d = tmp.path().join(format!("sweep-{name}"));
        let outside = tmp.path().join(format!("outside-{name}"));
        std::fs::create_dir_all(&outside).unwrap();
        copy_tree(&full, &d);
        write(&d.join("runs.csv"), &head);
        plant(&d, &outside, name, false);
        let before = tree(&outside);
        let o = woundsim_1t(&["sweep", "run", p(&sweep), "--out", p(&d), "--resume"]);
        assert_no_panic(&stderr(&o));
        assert_eq!(
            tree(&outside),
            before,
            "sweep --resume wrote through {name}:\n{}",
            stderr(&o)
        );
        if name == "runs.csv" || name == ".woundsim.lock" {
            assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        }
    }

    // `sweep report` writes into report/ and report/plots/: a link at
    // either is refused, and nothing outside the sweep changes.
    for name in ["report", "report/plots"] {
        let d = tmp
            .path()
            .join(format!("report-{}", name.replace('/', "_")));
        let outside = tmp
            .path()
            .join(format!("outside-{}", name.replace('/', "_")));
        std::fs::create_dir_all(&outside).unwrap();
        copy_tree(&full, &d);
        if name == "report/plots" {
            std::fs::create_dir_all(d.join("report")).unwrap();
        }
        plant(&d, &outside, name, false);
        let before = tree(&outside);
        let o = woundsim_1t(&["sweep", "report", p(&d)]);
        assert_no_panic(&stderr(&o));
        assert_eq!(
            tree(&outside),
            before,
            "sweep report wrote through {name}:\n{}",
            stderr(&o)
        );
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("symbolic link"),
            "{name}: {}",
            stderr(&o)
        );
    }

    // An interrupted cohort: links at its entries and replicate directories.
    let p0 = small_params();
    let cohort = tmp.path().join("cohort");
    let opts = woundsim::cohort_run::DirOptions {
        plots: true,
        run: woundsim::cohort_run::Options {
            interrupt: Some(Arc::new(AtomicBool::new(true))),
            progress: None,
        },
        ..Default::default()
    };
    let e = woundsim::cohort_run::run_in_dir(&p0, 2, &cohort, &opts).unwrap_err();
    assert!(
        matches!(e, woundsim::error::Error::InterruptedReplicates { .. }),
        "{e}"
    );
    std::fs::create_dir_all(cohort.join("replicates")).unwrap();
    for name in [
        "cohort.csv",
        "cohort_summary.json",
        "plots",
        "replicates/r001",
        "replicates",
    ] {
        let d = tmp.path().join(format!("c-{}", name.replace('/', "_")));
        let outside = tmp.path().join(format!("co-{}", name.replace('/', "_")));
        std::fs::create_dir_all(&outside).unwrap();
        copy_tree(&cohort, &d);
        plant(&d, &outside, name, false);
        let before = tree(&outside);
        let o = woundsim_1t(&["resume", p(&d)]);
        assert_no_panic(&stderr(&o));
        assert!(
            matches!(o.status.code(), Some(0) | Some(2)),
            "{name}: {}",
            stderr(&o)
        );
        assert_eq!(
            tree(&outside),
            before,
            "cohort resume wrote through {name}:\n{}",
            stderr(&o)
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, failure_persistence: None, ..ProptestConfig::default() })]

    /// With links to outside planted at any subset of the names a run uses,
    /// neither `resume` nor `run --force` writes or deletes anything outside
    /// the output directory.
    #[test]
    fn nothing_outside_out_is_written_or_deleted(mask in 1u32..(1 << RUN_NAMES.len()), dangling: bool, force_run: bool) {
        let tmp = tempdir();
        let t = template(tmp.path());
        let chosen: Vec<&str> = RUN_NAMES
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, n)| *n)
            .collect();
        check_links(&t, &tmp.path().join("w"), &chosen, dangling, force_run);
    }
}

// ---------------------------------------------------------------------------
// 5. A full disk
// ---------------------------------------------------------------------------

/// A small tmpfs mounted for the test, unmounted on drop.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size_kib: u64) -> Option<Tmpfs> {
        std::fs::create_dir_all(at).ok()?;
        let o = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size_kib}k"),
                "tmpfs",
                p(at),
            ])
            .output()
            .ok()?;
        if !o.status.success() {
            eprintln!(
                "skipping the disk-full test: cannot mount a tmpfs ({})",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            return None;
        }
        Some(Tmpfs(at.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Fill `fs` until only about `free_kib` KiB are left.
fn fill(fs: &Path, free_kib: u64) {
    use std::io::Write;
    let mut f = std::fs::File::create(fs.join("filler")).unwrap();
    let block = vec![0u8; 4096];
    while f.write_all(&block).is_ok() {}
    drop(f);
    // Give back whole pages until the wanted space is free.
    let len = std::fs::metadata(fs.join("filler")).unwrap().len();
    let keep = len.saturating_sub(free_kib * 1024);
    std::fs::OpenOptions::new()
        .write(true)
        .open(fs.join("filler"))
        .unwrap()
        .set_len(keep)
        .unwrap();
}

/// The guarantee after any run: a complete result, or none that looks
/// complete with the manifest (if any) saying `failed`; no temporary files.
fn check_outcome(dir: &Path, o: &Output, results: &[&str], what: &str) {
    let err = stderr(o);
    assert_no_panic(&err);
    let t = tree(dir);
    let tmp: Vec<&String> = t.keys().filter(|n| is_tmp(n)).collect();
    assert!(
        tmp.is_empty(),
        "{what}: temporary files left: {tmp:?}\n{err}"
    );
    let present: Vec<&&str> = results.iter().filter(|r| t.contains_key(**r)).collect();
    let manifest = dir.join("manifest.json");
    if o.status.success() || (manifest.exists() && status(dir) == "complete") {
        // (A complete run whose plots did not fit fails after its results.)
        assert_eq!(status(dir), "complete", "{what}");
        assert_eq!(present.len(), results.len(), "{what}: results missing");
        return;
    }
    assert!(
        matches!(o.status.code(), Some(1) | Some(2)),
        "{what}: {}\n{err}",
        o.status
    );
    assert!(
        present.is_empty(),
        "{what}: failed with result files {present:?}\n{err}"
    );
    if manifest.exists() {
        assert_eq!(status(dir), "failed", "{what}: {err}");
    }
}

#[test]
fn a_full_disk_leaves_a_complete_or_a_failed_result() {
    let tmp = tempdir();
    let Some(fs) = Tmpfs::mount(&tmp.path().join("mnt"), 2048) else {
        return;
    };
    let (mut failures, mut complete) = (0, 0);
    let small: Vec<u64> = (0..=64).step_by(4).collect();
    let large: Vec<u64> = (512..=1536).step_by(64).collect();
    // Free space from none to more than each kind of run needs, in steps of
    // one to sixteen pages, so that the disk fills up at every stage.
    for (kind, extra, results, levels) in [
        (
            "run",
            vec!["--no-plots", "--no-snapshots"],
            vec!["timeseries.csv", "summary.json"],
            &small,
        ),
        (
            "run with checkpoints, snapshots and plots",
            vec!["--checkpoint-every", "0.25"],
            vec!["timeseries.csv", "summary.json"],
            &large,
        ),
        (
            "cohort",
            vec!["--no-plots", "--replicates", "2"],
            vec!["cohort.csv", "cohort_summary.json", "cohort_timeseries.csv"],
            &small,
        ),
    ] {
        for &free in levels {
            for e in std::fs::read_dir(&fs.0).unwrap().flatten() {
                let _ = std::fs::remove_dir_all(e.path());
                let _ = std::fs::remove_file(e.path());
            }
            fill(&fs.0, free);
            let out = fs.0.join("out");
            let o = woundsim_1t(&run_args(&out, "1", &extra));
            let what = format!("{kind} with {free} KiB free");
            failures += !o.status.success() as u32;
            complete += o.status.success() as u32;
            eprintln!(
                "{what}: exit {:?}, manifest {}",
                o.status.code(),
                if out.join("manifest.json").exists() {
                    status(&out)
                } else {
                    "absent".into()
                }
            );
            check_outcome(&out, &o, &results, &what);
        }
    }
    assert!(
        complete > 0,
        "no run completed: the disk was always too full"
    );
    assert!(failures > 0, "no run failed: the disk was never full");
}

// ---------------------------------------------------------------------------
// 6. Interrupted cohorts and comparisons: exit 130 and resume
// ---------------------------------------------------------------------------

/// Same files with the same bytes, except the wall time in `manifest.json`.
fn assert_same(expected: &Path, got: &Path) {
    let (a, b) = (tree(expected), tree(got));
    assert_eq!(names(&b), names(&a), "different files");
    for (name, bytes) in &a {
        if name.ends_with("manifest.json") {
            let strip = |d: &Path| {
                let mut m = json(&d.join(name));
                m.as_object_mut().unwrap().remove("wall_time_s");
                m
            };
            assert_eq!(strip(got), strip(expected), "{name} differs");
        } else {
            assert!(&b[name] == bytes, "{name} differs");
        }
    }
}

#[test]
fn interrupted_cohorts_and_comparisons_exit_130_and_resume_identically() {
    let tmp = tempdir();
    let scen = |name: &str, cells: &str| {
        let f = tmp.path().join(format!("{name}.toml"));
        write(
            &f,
            &format!(
                "name = \"{name}\"\n[domain]\nwidth_um = 1000\nheight_um = 1000\n[wound]\ndiameter_um = 600\n\
                 [treatment.dose]\ndose_cells = {cells}\n"
            ),
        );
        f
    };
    let (a, b) = (scen("low", "100000"), scen("high", "1000000"));
    for (what, sig, args) in [
        (
            "cohort",
            "-INT",
            run_args(Path::new("OUT"), "2", &["--replicates", "6", "--no-plots"])
                .into_iter()
                .map(String::from)
                .collect::<Vec<_>>(),
        ),
        (
            "comparison",
            "-TERM",
            [
                "compare",
                p(&a),
                p(&b),
                "--days",
                "2",
                "--replicates",
                "3",
                "--no-plots",
                "--out",
                "OUT",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
        ),
    ] {
        let full = tmp.path().join(format!("{what}-full"));
        let cut = tmp.path().join(format!("{what}-cut"));
        let with_out = |d: &Path| -> Vec<String> {
            args.iter()
                .map(|s| {
                    if s == "OUT" {
                        p(d).to_string()
                    } else {
                        s.clone()
                    }
                })
                .collect()
        };
        let full_args = with_out(&full);
        ok_1t(&full_args.iter().map(String::as_str).collect::<Vec<_>>());
        let cut_args = with_out(&cut);
        let child = spawn_1t(&cut_args.iter().map(String::as_str).collect::<Vec<_>>());
        wait_for("the first stored replicate", 180, 5, || {
            tree(&cut).keys().any(|k| k.ends_with("replicate.bin"))
        });
        signal(&child, sig);
        let o = child.wait_with_output().unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(130), "{what} after {sig}:\n{err}");
        assert!(err.contains("woundsim resume"), "{err}");
        assert_eq!(status(&cut), "interrupted", "{what}");
        let stored = tree(&cut)
            .keys()
            .filter(|k| k.ends_with("replicate.bin"))
            .count();
        let total = tree(&full)
            .keys()
            .filter(|k| k.ends_with("replicate.bin"))
            .count();
        assert!(
            stored < total,
            "{what}: the signal came after the last replicate"
        );
        ok_1t(&["resume", p(&cut)]);
        assert_eq!(status(&cut), "complete");
        assert_same(&full, &cut);
        // A complete directory is not resumed again.
        let o = woundsim_1t(&["resume", p(&cut)]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("already complete"), "{}", stderr(&o));
    }
}
