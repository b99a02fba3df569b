//! Bad input on the command line: exit status 2, a message naming the file
//! and/or key, and never a panic or backtrace.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SMALL: [&str; 6] = [
    "--set",
    "domain.width_um=6000",
    "--set",
    "domain.height_um=6000",
    "--set",
    "wound.diameter_um=4000",
];

fn woundsim(args: &[&str], file: Option<&Path>, extra: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_woundsim"));
    c.args(args);
    if let Some(f) = file {
        c.arg(f);
    }
    c.args(extra)
        .env("RUST_BACKTRACE", "1")
        .env("RAYON_NUM_THREADS", "1");
    c.output().expect("running woundsim")
}

/// Assert exit status 2, no panic, and that stderr contains every `needle`.
/// Returns stderr.
fn expect_input_error(o: &Output, needles: &[&str]) -> String {
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(
        o.status.code(),
        Some(2),
        "expected exit status 2, got {}\nstderr:\n{err}\nstdout:\n{out}",
        o.status
    );
    for bad in ["panicked", "stack backtrace", "RUST_BACKTRACE"] {
        assert!(
            !err.contains(bad) && !out.contains(bad),
            "output mentions '{bad}':\n{err}"
        );
    }
    for n in needles {
        assert!(err.contains(n), "stderr does not contain '{n}':\n{err}");
    }
    assert!(
        err.starts_with("error:"),
        "stderr should start with 'error:':\n{err}"
    );
    err
}

struct Case {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn file(name: &str, bytes: &[u8]) -> Case {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    Case { _dir: dir, path }
}

fn show(c: &Case, extra: &[&str]) -> Output {
    woundsim(&["scenario", "show"], Some(&c.path), extra)
}

fn name(c: &Case) -> String {
    c.path.display().to_string()
}

#[test]
fn malformed_toml() {
    let c = file("broken.toml", b"[domain\nwidth_um = 3\n");
    let e = expect_input_error(&show(&c, &[]), &[&name(&c), "not valid TOML"]);
    eprintln!("{e}");
}

#[test]
fn unknown_key_suggests_nearest() {
    let c = file("typo.toml", b"[domain]\nvoxel_size_um = 10\n");
    expect_input_error(
        &show(&c, &[]),
        &[&name(&c), "domain.voxel_size_um", "domain.voxel_um"],
    );
}

#[test]
fn wrong_type() {
    let c = file("type.toml", b"[time]\ndays = \"ten\"\n");
    expect_input_error(&show(&c, &[]), &[&name(&c), "time.days", "ten"]);
}

#[test]
fn negative_diffusion_coefficient() {
    let c = file("neg.toml", b"[fields.vegf]\ndiffusion_um2_per_min = -5\n");
    expect_input_error(
        &show(&c, &[]),
        &[&name(&c), "fields.vegf.diffusion_um2_per_min", "-5"],
    );
}

#[test]
fn voxel_larger_than_domain() {
    let c = file(
        "voxel.toml",
        b"[domain]\nwidth_um = 1000\nheight_um = 1000\nvoxel_um = 5000\n",
    );
    expect_input_error(&show(&c, &[]), &[&name(&c), "domain.voxel_um"]);
    // Also through `run`, which must fail before simulating anything.
    let out = tempfile::tempdir().unwrap();
    let o = woundsim(
        &["run"],
        Some(&c.path),
        &[
            "--days",
            "1",
            "-q",
            "--out",
            out.path().join("r").to_str().unwrap(),
        ],
    );
    expect_input_error(&o, &[&name(&c), "domain.voxel_um"]);
    assert!(
        !out.path().join("r").join("manifest.json").exists(),
        "a manifest was written for invalid input"
    );
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("does-not-exist.toml");
    let o = woundsim(&["scenario", "show"], Some(&path), &[]);
    expect_input_error(&o, &[&path.display().to_string()]);
    let o = woundsim(
        &["run"],
        Some(&path),
        &[
            "--days",
            "1",
            "-q",
            "--out",
            dir.path().join("r").to_str().unwrap(),
        ],
    );
    expect_input_error(&o, &[&path.display().to_string()]);
}

#[test]
fn empty_file() {
    let c = file("empty.toml", b"");
    expect_input_error(&show(&c, &[]), &[&name(&c), "empty"]);
    let c = file("comments.toml", b"# only a comment\n\n");
    expect_input_error(&show(&c, &[]), &[&name(&c), "empty"]);
}

#[test]
fn non_utf8_bytes() {
    let c = file("latin1.toml", b"name = \"caf\xe9\"\n\xff\xfe\n");
    expect_input_error(&show(&c, &[]), &[&name(&c), "UTF-8"]);
}

#[test]
fn huge_number() {
    let c = file("huge.toml", b"[domain]\nwidth_um = 1e300\n");
    expect_input_error(&show(&c, &[]), &[&name(&c), "domain.width_um"]);
    let out = tempfile::tempdir().unwrap();
    let o = woundsim(
        &["run"],
        Some(&c.path),
        &[
            "--days",
            "1",
            "-q",
            "--out",
            out.path().join("r").to_str().unwrap(),
        ],
    );
    expect_input_error(&o, &[&name(&c), "domain.width_um"]);
}

#[test]
fn dose_after_end_of_run() {
    let c = file(
        "late.toml",
        b"[treatment.product]\nsource=\"adipose\"\n[treatment.dose]\ndays=[200]\n",
    );
    expect_input_error(
        &show(&c, &["--days", "90"]),
        &[&name(&c), "treatment.dose.days", "200"],
    );
    let out = tempfile::tempdir().unwrap();
    let o = woundsim(
        &["run"],
        Some(&c.path),
        &[
            "--days",
            "90",
            "-q",
            "--out",
            out.path().join("r").to_str().unwrap(),
        ],
    );
    expect_input_error(&o, &[&name(&c), "treatment.dose.days"]);
}

#[test]
fn hydrogel_release_time_zero() {
    let c = file(
        "gel.toml",
        b"[treatment.delivery]\nroute=\"hydrogel\"\nrelease_half_life_h = 0\n",
    );
    expect_input_error(
        &show(&c, &[]),
        &[&name(&c), "treatment.delivery.release_half_life_h"],
    );
}

#[test]
fn unknown_msc_source_lists_allowed_values() {
    let c = file("liver.toml", b"[treatment.product]\nsource = \"liver\"\n");
    expect_input_error(
        &show(&c, &[]),
        &[
            &name(&c),
            "treatment.product.source",
            "liver",
            "bone_marrow",
            "adipose",
            "umbilical_cord",
            "placenta",
        ],
    );
}

#[test]
fn bad_set_override_names_the_key() {
    let o = woundsim(
        &["scenario", "show"],
        None,
        &["--set", "domain.voxel_size_um=10"],
    );
    expect_input_error(&o, &["domain.voxel_size_um", "domain.voxel_um"]);
}

#[test]
fn non_empty_out_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let out_s = out.to_str().unwrap();
    let mut args = vec!["--days", "1", "--no-snapshots", "-q", "--out", out_s];
    args.extend(SMALL);
    let first = woundsim(&["run"], None, &args);
    assert!(
        first.status.success(),
        "first run failed: {}",
        String::from_utf8_lossy(&first.stderr)
    );
    let ts = std::fs::read(out.join("timeseries.csv")).unwrap();
    let second = woundsim(&["run"], None, &args);
    expect_input_error(&second, &["--force", out_s]);
    // The first run's results are untouched.
    assert_eq!(std::fs::read(out.join("timeseries.csv")).unwrap(), ts);
    // With --force it succeeds.
    args.push("--force");
    let third = woundsim(&["run"], None, &args);
    assert!(
        third.status.success(),
        "--force run failed: {}",
        String::from_utf8_lossy(&third.stderr)
    );
}
