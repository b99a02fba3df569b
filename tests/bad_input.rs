//! Bad input on the command line: exit status 2, a message naming the file
//! and/or key, and never a panic or backtrace.

use std::path::{Path, PathBuf};
use std::process::Output;

#[macro_use]
mod common;
use common::*;

const SMALL: [&str; 6] = small_domain_args!(6000, 6000, 4000);

fn woundsim(args: &[&str], file: Option<&Path>, extra: &[&str]) -> Output {
    let mut c = command(args);
    if let Some(f) = file {
        c.arg(f);
    }
    c.args(extra).env("RAYON_NUM_THREADS", "1");
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
    let dir = tempdir();
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

/// One bad scenario file: what `scenario show` (and, with `run`, a run
/// too) must refuse with exit status 2 and a message that names the file,
/// the key, the value and what is allowed.
struct BadScenario {
    /// File name of the case.
    file: &'static str,
    /// The file's bytes.
    text: &'static [u8],
    /// Extra arguments after the file.
    args: &'static [&'static str],
    /// The dotted key the message names, if any.
    key: Option<&'static str>,
    /// The bad value as the message shows it, if any.
    value: Option<&'static str>,
    /// Fragments of what the message says is allowed (or why the file
    /// cannot be read).
    allowed: &'static [&'static str],
    /// Also refused by `run FILE --days <n>`, before a manifest is written.
    run_days: Option<&'static str>,
}

/// Every bad scenario file of [`bad_scenario_files_are_refused_naming_file_key_value_and_allowed`].
const BAD_SCENARIOS: &[BadScenario] = &[
    BadScenario {
        file: "broken.toml",
        text: b"[domain\nwidth_um = 3\n",
        args: &[],
        key: None,
        value: None,
        allowed: &["not valid TOML"],
        run_days: None,
    },
    BadScenario {
        file: "typo.toml",
        text: b"[domain]\nvoxel_size_um = 10\n",
        args: &[],
        key: Some("domain.voxel_size_um"),
        value: None,
        allowed: &["domain.voxel_um"],
        run_days: None,
    },
    BadScenario {
        file: "type.toml",
        text: b"[time]\ndays = \"ten\"\n",
        args: &[],
        key: Some("time.days"),
        value: Some("ten"),
        allowed: &["allowed: a number"],
        run_days: None,
    },
    BadScenario {
        file: "bool.toml",
        text: b"[treatment.standard_care]\noffloading = 3\n",
        args: &[],
        key: Some("treatment.standard_care.offloading"),
        value: None,
        allowed: &["true or false"],
        run_days: None,
    },
    BadScenario {
        file: "neg.toml",
        text: b"[fields.vegf]\ndiffusion_um2_per_min = -5\n",
        args: &[],
        key: Some("fields.vegf.diffusion_um2_per_min"),
        value: Some("-5"),
        allowed: &[],
        run_days: None,
    },
    BadScenario {
        file: "voxel.toml",
        text: b"[domain]\nwidth_um = 1000\nheight_um = 1000\nvoxel_um = 5000\n",
        args: &[],
        key: Some("domain.voxel_um"),
        value: None,
        allowed: &[],
        run_days: Some("1"),
    },
    BadScenario {
        file: "empty.toml",
        text: b"",
        args: &[],
        key: None,
        value: None,
        allowed: &["empty"],
        run_days: None,
    },
    BadScenario {
        file: "comments.toml",
        text: b"# only a comment\n\n",
        args: &[],
        key: None,
        value: None,
        allowed: &["empty"],
        run_days: None,
    },
    BadScenario {
        file: "latin1.toml",
        text: b"name = \"caf\xe9\"\n\xff\xfe\n",
        args: &[],
        key: None,
        value: None,
        allowed: &["UTF-8"],
        run_days: None,
    },
    BadScenario {
        file: "huge.toml",
        text: b"[domain]\nwidth_um = 1e300\n",
        args: &[],
        key: Some("domain.width_um"),
        value: None,
        allowed: &[],
        run_days: Some("1"),
    },
    BadScenario {
        file: "late.toml",
        text: b"[treatment.product]\nsource=\"adipose\"\n[treatment.dose]\ndays=[200]\n",
        args: &["--days", "90"],
        key: Some("treatment.dose.days"),
        value: Some("200"),
        allowed: &[],
        run_days: Some("90"),
    },
    BadScenario {
        file: "gel.toml",
        text: b"[treatment.delivery]\nroute=\"hydrogel\"\nrelease_half_life_h = 0\n",
        args: &[],
        key: Some("treatment.delivery.release_half_life_h"),
        value: None,
        allowed: &[],
        run_days: None,
    },
    BadScenario {
        file: "liver.toml",
        text: b"[treatment.product]\nsource = \"liver\"\n",
        args: &[],
        key: Some("treatment.product.source"),
        value: Some("liver"),
        allowed: &["bone_marrow", "adipose", "umbilical_cord", "placenta"],
        run_days: None,
    },
    BadScenario {
        file: "big-float.toml",
        text: b"[domain]\nwidth_um = 1e400\n",
        args: &[],
        key: Some("domain.width_um"),
        value: None,
        allowed: &["allowed", "1.7e308"],
        run_days: None,
    },
    BadScenario {
        file: "big-seed.toml",
        text: b"seed = 99999999999999999999\n",
        args: &[],
        key: Some("seed"),
        value: None,
        allowed: &["allowed", "9223372036854775807"],
        run_days: None,
    },
    BadScenario {
        file: "big-count.toml",
        text: b"[limits]\nmax_agents = 99999999999999999999\n",
        args: &[],
        key: Some("limits.max_agents"),
        value: None,
        allowed: &["allowed", "9223372036854775807"],
        run_days: None,
    },
];

/// The file name, key, value and allowed fragments of a case.
fn needles<'a>(
    name: &'a str,
    key: Option<&'a str>,
    value: Option<&'a str>,
    allowed: &[&'a str],
) -> Vec<&'a str> {
    let mut n = vec![name];
    n.extend(key);
    n.extend(value);
    n.extend(allowed);
    n
}

#[test]
fn bad_scenario_files_are_refused_naming_file_key_value_and_allowed() {
    for b in BAD_SCENARIOS {
        let c = file(b.file, b.text);
        let name = name(&c);
        let n = needles(&name, b.key, b.value, b.allowed);
        expect_input_error(&show(&c, b.args), &n);
        if let Some(days) = b.run_days {
            // `run` must fail before simulating anything.
            let out = tempdir();
            let dir = out.path().join("r");
            let o = woundsim(
                &["run"],
                Some(&c.path),
                &["--days", days, "-q", "--out", p(&dir)],
            );
            expect_input_error(&o, &needles(&name, b.key, None, &[]));
            assert!(
                !dir.join("manifest.json").exists(),
                "{}: a manifest was written for invalid input",
                b.file
            );
        }
    }
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

/// Where `{FACTOR}` stands in a case's text, the factor over the dose.
const F: &str = "{FACTOR}";

/// One bad sweep file (the text before the common small base scenario,
/// `{FACTOR}` replaced by a valid factor) and the key, value and allowed
/// fragments its message must hold (besides the file name).
type BadSweep = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static [&'static str],
);

const BAD_SWEEPS: &[BadSweep] = &[
    // Syntax.
    ("days = 2\n[design\n{FACTOR}", None, None, &["not valid TOML", "line 2"]),
    ("days = [2\n{FACTOR}", Some("days"), None, &["not valid TOML"]),
    // Unknown keys.
    ("replicatez = 2\n{FACTOR}", Some("replicatez"), None, &["allowed", "replicates"]),
    ("{FACTOR}valuez = [1]\n", Some("valuez"), None, &["values"]),
    ("[design]\nkind = \"lhs\"\nsample = 4\n{FACTOR}", Some("design.sample"), None, &["samples"]),
    (
        "[[factor]]\nkey = \"msc.hypoxia_deth_per_day\"\nvalues = [0.1]\n",
        Some("msc.hypoxia_deth_per_day"),
        None,
        &["hypoxia_death_per_day"],
    ),
    // Wrong types.
    ("days = \"two\"\n{FACTOR}", Some("days"), None, &["allowed: a number"]),
    ("replicates = 2.5\n{FACTOR}", Some("replicates"), None, &["whole number"]),
    ("[[factor]]\nkey = \"time.days\"\nvalues = [\"two\"]\n", Some("time.days"), Some("two"), &[]),
    (
        "[design]\nkind = \"grid\"\n[[factor]]\nkey = \"time.days\"\nvalues = [1]\n",
        Some("design.kind"),
        None,
        &["factorial", "lhs"],
    ),
    // Out of range.
    ("days = -3\n{FACTOR}", Some("days"), Some("-3"), &[]),
    ("replicates = 0\n{FACTOR}", Some("replicates"), None, &[]),
    (
        "[[factor]]\nkey = \"domain.voxel_um\"\nvalues = [20, -1]\n",
        Some("domain.voxel_um"),
        Some("-1"),
        &["allowed"],
    ),
    (
        "[design]\nkind = \"lhs\"\nsamples = 4\n[[factor]]\nkey = \"patient.perfusion\"\nrange = [0.1, 7]\n",
        Some("patient.perfusion"),
        Some("7"),
        &["between 0 and 2"],
    ),
    (
        "replicates = 9000000000000000000\n{FACTOR}",
        Some("replicates"),
        None,
        &["at most 100000000 runs"],
    ),
    (
        "[design]\nkind = \"lhs\"\nsamples = 9223372036854775807\n[[factor]]\nkey = \"time.days\"\nrange = [1, 2]\n",
        Some("design"),
        None,
        &["too many points"],
    ),
    // Inconsistent: a dose after the end of the (sweep-shortened) run.
    (
        "days = 2\n[base_inline.treatment.product]\nsource = \"adipose\"\n\
         [base_inline.treatment.dose]\ndays = [5]\n{FACTOR}",
        Some("treatment.dose.days"),
        Some("5"),
        &["allowed"],
    ),
    // A hydrogel that releases in no time, as one factor value.
    (
        "[base_inline.treatment.delivery]\nroute = \"hydrogel\"\n\
         [[factor]]\nkey = \"treatment.delivery.release_half_life_h\"\nvalues = [24, 0]\n",
        Some("treatment.delivery.release_half_life_h"),
        Some("0"),
        &["allowed"],
    ),
    // `base` and `[base_inline]` together; a factorial over a range.
    ("base = \"x.toml\"\n{FACTOR}", Some("base"), None, &["not both"]),
    (
        "[[factor]]\nkey = \"time.days\"\nrange = [1, 2]\n",
        Some("factor[0]"),
        None,
        &["needs `values`"],
    ),
    // Numbers too large for TOML.
    ("days = 1e400\n{FACTOR}", Some("days"), None, &["1.7e308"]),
    (
        "replicates = 99999999999999999999\n{FACTOR}",
        Some("replicates"),
        None,
        &["9223372036854775807"],
    ),
    (
        "[[factor]]\nkey = \"time.days\"\nvalues = [1e400]\n",
        Some("factor[0].values"),
        None,
        &["1.7e308"],
    ),
];

#[test]
fn bad_sweep_files_are_refused_naming_file_key_value_and_allowed() {
    for (text, key, value, allowed) in BAD_SWEEPS {
        let c = sweep_file(&text.replace(F, FACTOR));
        let name = name(&c);
        expect_sweep_error(&c, &needles(&name, *key, *value, allowed));
    }
}

#[test]
fn missing_file() {
    let dir = tempdir();
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
    let dir = tempdir();
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
    let dir = tempdir();
    let d = dir.path().join("scenario.toml");
    std::fs::create_dir(&d).unwrap();
    let ds = d.display().to_string();
    expect_input_error(
        &woundsim(&["scenario", "show"], Some(&d), &[]),
        &[&ds, "a directory, not a scenario file"],
    );
    expect_input_error(&woundsim(&["sweep", "check"], Some(&d), &[]), &[&ds]);
}

#[test]
fn sweep_missing_empty_non_utf8_and_huge_numbers() {
    let dir = tempdir();
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
