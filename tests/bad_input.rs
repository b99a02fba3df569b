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

#[test]
fn numbers_too_large_for_toml() {
    for (text, key, allowed) in [
        (
            &b"[domain]\nwidth_um = 1e400\n"[..],
            "domain.width_um",
            "1.7e308",
        ),
        (
            b"seed = 99999999999999999999\n",
            "seed",
            "9223372036854775807",
        ),
        (
            b"[limits]\nmax_agents = 99999999999999999999\n",
            "limits.max_agents",
            "9223372036854775807",
        ),
    ] {
        let c = file("big.toml", text);
        expect_input_error(&show(&c, &[]), &[&name(&c), key, "allowed", allowed]);
    }
}

#[test]
fn wrong_type_says_what_is_allowed() {
    let c = file("type.toml", b"[time]\ndays = \"ten\"\n");
    expect_input_error(
        &show(&c, &[]),
        &[&name(&c), "time.days", "allowed: a number"],
    );
    let c = file("bool.toml", b"[treatment.standard_care]\noffloading = 3\n");
    expect_input_error(
        &show(&c, &[]),
        &[
            &name(&c),
            "treatment.standard_care.offloading",
            "true or false",
        ],
    );
}

/// True when this process can read a file it made unreadable (root can).
fn can_read_unreadable(path: &Path) -> bool {
    std::fs::read(path).is_ok()
}

#[test]
fn unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let c = file("secret.toml", b"name = \"x\"\n");
    std::fs::set_permissions(&c.path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if can_read_unreadable(&c.path) {
        eprintln!("skipped: running with privileges that read any file (root)");
    } else {
        expect_input_error(&show(&c, &[]), &[&name(&c), "ermission denied"]);
        let o = woundsim(&["sweep", "check"], Some(&c.path), &[]);
        expect_input_error(&o, &[&name(&c), "ermission denied"]);
    }
    // A directory where a file is expected cannot be read either (even by root).
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("scenario.toml");
    std::fs::create_dir(&d).unwrap();
    let ds = d.display().to_string();
    expect_input_error(
        &woundsim(&["scenario", "show"], Some(&d), &[]),
        &[&ds, "reading"],
    );
    expect_input_error(&woundsim(&["sweep", "check"], Some(&d), &[]), &[&ds]);
}

const SWEEP_BASE: &str = "[base_inline.domain]\nwidth_um = 2000\nheight_um = 2000\n\
                          [base_inline.wound]\ndiameter_um = 1500\n";
const FACTOR: &str = "[[factor]]\nkey = \"treatment.dose.dose_cells\"\nvalues = [1e5, 1e6]\n";

/// `sweep check FILE` and `sweep FILE --out DIR` both fail with exit status 2
/// and `needles`, and nothing is written.
fn expect_sweep_error(c: &Case, needles: &[&str]) -> String {
    let e = expect_input_error(&woundsim(&["sweep", "check"], Some(&c.path), &[]), needles);
    let out = c.path.with_extension("out");
    let o = woundsim(
        &["sweep"],
        Some(&c.path),
        &["-q", "--out", out.to_str().unwrap()],
    );
    expect_input_error(&o, needles);
    assert!(!out.exists(), "an invalid sweep wrote {}", out.display());
    e
}

fn sweep_file(text: &str) -> Case {
    file("sweep.toml", format!("{text}\n{SWEEP_BASE}").as_bytes())
}

#[test]
fn sweep_syntax_error() {
    let c = sweep_file(&format!("days = 2\n[design\n{FACTOR}"));
    expect_sweep_error(&c, &[&name(&c), "not valid TOML", "line 2"]);
    let c = sweep_file(&format!("days = [2\n{FACTOR}"));
    expect_sweep_error(&c, &[&name(&c), "not valid TOML", "days"]);
}

#[test]
fn sweep_unknown_keys() {
    let c = sweep_file(&format!("replicatez = 2\n{FACTOR}"));
    expect_sweep_error(&c, &[&name(&c), "replicatez", "allowed", "replicates"]);
    let c = sweep_file(&format!("{FACTOR}valuez = [1]\n"));
    expect_sweep_error(&c, &[&name(&c), "valuez", "values"]);
    let c = sweep_file(&format!("[design]\nkind = \"lhs\"\nsample = 4\n{FACTOR}"));
    expect_sweep_error(&c, &[&name(&c), "design.sample", "samples"]);
    let c = sweep_file("[[factor]]\nkey = \"msc.hypoxia_deth_per_day\"\nvalues = [0.1]\n");
    expect_sweep_error(
        &c,
        &[
            &name(&c),
            "msc.hypoxia_deth_per_day",
            "hypoxia_death_per_day",
        ],
    );
}

#[test]
fn sweep_wrong_types() {
    let c = sweep_file(&format!("days = \"two\"\n{FACTOR}"));
    expect_sweep_error(&c, &[&name(&c), "days", "allowed: a number"]);
    let c = sweep_file(&format!("replicates = 2.5\n{FACTOR}"));
    expect_sweep_error(&c, &[&name(&c), "replicates", "whole number"]);
    let c = sweep_file("[[factor]]\nkey = \"time.days\"\nvalues = [\"two\"]\n");
    expect_sweep_error(&c, &[&name(&c), "time.days", "two"]);
    let c =
        sweep_file("[design]\nkind = \"grid\"\n[[factor]]\nkey = \"time.days\"\nvalues = [1]\n");
    expect_sweep_error(&c, &[&name(&c), "design.kind", "factorial", "lhs"]);
}

#[test]
fn sweep_out_of_range_values() {
    let c = sweep_file(&format!("days = -3\n{FACTOR}"));
    expect_sweep_error(&c, &[&name(&c), "days", "-3"]);
    let c = sweep_file(&format!("replicates = 0\n{FACTOR}"));
    expect_sweep_error(&c, &[&name(&c), "replicates"]);
    let c = sweep_file("[[factor]]\nkey = \"domain.voxel_um\"\nvalues = [20, -1]\n");
    expect_sweep_error(&c, &[&name(&c), "domain.voxel_um", "-1", "allowed"]);
    let c = sweep_file(
        "[design]\nkind = \"lhs\"\nsamples = 4\n[[factor]]\nkey = \"patient.perfusion\"\nrange = [0.1, 7]\n",
    );
    expect_sweep_error(
        &c,
        &[&name(&c), "patient.perfusion", "7", "between 0 and 2"],
    );
    let c = sweep_file(&format!("replicates = 9000000000000000000\n{FACTOR}"));
    expect_sweep_error(&c, &[&name(&c), "replicates", "at most 100000000 runs"]);
    let c = sweep_file(
        "[design]\nkind = \"lhs\"\nsamples = 9223372036854775807\n[[factor]]\nkey = \"time.days\"\nrange = [1, 2]\n",
    );
    expect_sweep_error(&c, &[&name(&c), "design", "too many points"]);
}

#[test]
fn sweep_inconsistent_values() {
    // A dose after the end of the (sweep-shortened) run.
    let c = sweep_file(&format!(
        "days = 2\n[base_inline.treatment.product]\nsource = \"adipose\"\n\
         [base_inline.treatment.dose]\ndays = [5]\n{FACTOR}"
    ));
    expect_sweep_error(&c, &[&name(&c), "treatment.dose.days", "5", "allowed"]);
    // A hydrogel that releases in no time, as one factor value.
    let c = sweep_file(
        "[base_inline.treatment.delivery]\nroute = \"hydrogel\"\n\
         [[factor]]\nkey = \"treatment.delivery.release_half_life_h\"\nvalues = [24, 0]\n",
    );
    expect_sweep_error(
        &c,
        &[
            &name(&c),
            "treatment.delivery.release_half_life_h",
            "0",
            "allowed",
        ],
    );
    // `base` and `[base_inline]` together; a factorial over a range.
    let c = sweep_file(&format!("base = \"x.toml\"\n{FACTOR}"));
    expect_sweep_error(&c, &[&name(&c), "base", "not both"]);
    let c = sweep_file("[[factor]]\nkey = \"time.days\"\nrange = [1, 2]\n");
    expect_sweep_error(&c, &[&name(&c), "factor[0]", "needs `values`"]);
}

#[test]
fn sweep_missing_empty_non_utf8_and_huge_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.toml");
    let o = woundsim(&["sweep", "check"], Some(&missing), &[]);
    expect_input_error(&o, &[&missing.display().to_string()]);
    let o = woundsim(
        &["sweep"],
        Some(&missing),
        &["--out", dir.path().join("o").to_str().unwrap()],
    );
    expect_input_error(&o, &[&missing.display().to_string()]);
    assert!(!dir.path().join("o").exists());

    let c = file("empty.toml", b"# nothing\n");
    let e = expect_sweep_error(&c, &[&name(&c), "empty", "[[factor]]"]);
    assert!(
        !e.contains("scenario needs"),
        "scenario hint for a sweep: {e}"
    );

    let c = file("latin1.toml", b"days = 2\n# caf\xe9\n");
    expect_sweep_error(&c, &[&name(&c), "UTF-8"]);

    let c = sweep_file(&format!("days = 1e400\n{FACTOR}"));
    expect_sweep_error(&c, &[&name(&c), "days", "1.7e308"]);
    let c = sweep_file(&format!("replicates = 99999999999999999999\n{FACTOR}"));
    expect_sweep_error(&c, &[&name(&c), "replicates", "9223372036854775807"]);
    let c = sweep_file("[[factor]]\nkey = \"time.days\"\nvalues = [1e400]\n");
    expect_sweep_error(&c, &[&name(&c), "factor[0].values", "1.7e308"]);

    // A missing base scenario names the key and where it was looked for.
    let c = file(
        "based.toml",
        format!("base = \"nowhere.toml\"\n{FACTOR}").as_bytes(),
    );
    expect_sweep_error(
        &c,
        &[
            &name(&c),
            "base",
            "nowhere.toml",
            "relative to the sweep file",
        ],
    );
}

#[test]
fn bad_set_override_in_a_file_run_is_blamed_on_the_command_line() {
    let c = file("ok.toml", b"name = \"x\"\n");
    let e = expect_input_error(
        &show(&c, &["--set", "domain.voxel_size_um=10"]),
        &["--set", "domain.voxel_size_um", "domain.voxel_um"],
    );
    assert!(!e.contains(&name(&c)), "blamed on the file: {e}");
}
