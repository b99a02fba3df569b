//! What a new user meets on the command line: a closed stdout is not a
//! crash, `explain` gives runnable examples, shipped scenarios work by name,
//! short runs get a last-day snapshot, completions and a man page exist.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use woundsim::scenario::{param_table, Params, Scenario};

#[macro_use]
mod common;
use common::*;

/// A small, quick domain.
const SMALL: [&str; 6] = small_domain_args!(3000, 3000, 2000);

/// Run woundsim with a stdout whose reader is already gone (as after
/// `| head -1`): every write fails with a broken pipe.
fn with_closed_stdout(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    Command::new(BIN)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("running woundsim")
}

/// A one-day run of the small domain in `dir` (with its plots).
fn small_run(dir: &Path, days: &str) {
    let d = dir.to_str().unwrap();
    let mut args = vec!["run", "-q", "--days", days, "--out", d];
    args.extend(SMALL);
    stdout_ok(&woundsim(&args));
}

#[test]
fn every_printing_command_ends_quietly_on_a_closed_stdout() {
    let tmp = tempdir();
    let run = tmp.path().join("run");
    small_run(&run, "1");
    let run_s = run.to_str().unwrap();
    let overlay = tmp.path().join("overlay.png");
    let report = tmp.path().join("bench.json");
    std::fs::write(
        &report,
        r#"{"woundsim_version":"0.1.0","date_utc":"2026-01-01T00:00:00Z","suite":"quick",
            "machine":{"cpu_model":"test","cpus":1},"threads":[1],"repetitions":1,
            "items":[],"phases":[]}"#,
    )
    .unwrap();
    let report_s = report.to_str().unwrap();
    let man_dir = tmp.path().join("man");
    let commands: Vec<Vec<&str>> = vec![
        vec!["params"],
        vec!["params", "--format", "markdown"],
        vec!["params", "--format", "csv"],
        vec!["params", "msc"],
        vec!["explain", "closure.o2_low_mmhg"],
        vec!["scenario", "show"],
        vec!["scenario", "show", "acute"],
        vec!["scenario", "list"],
        vec!["completions", "bash"],
        vec!["man"],
        vec!["man", "--dir", man_dir.to_str().unwrap()],
        vec!["sweep", "check", "examples/sweeps/tiny.toml"],
        vec!["bench", "--load", report_s, "--compare", report_s],
        vec!["plot", run_s, "--fields", "oxygen"],
        vec!["overlay", run_s, run_s, "--out", overlay.to_str().unwrap()],
        vec!["--help"],
        vec!["run", "--help"],
        vec!["--version"],
    ];
    for args in &commands {
        let o = with_closed_stdout(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{args:?}: stderr:\n{err}");
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe"),
            "{args:?}: stderr:\n{err}"
        );
    }
    // The work is still done: `man --dir` wrote its pages.
    assert!(man_dir.join("woundsim.1").is_file());
    assert!(man_dir.join("woundsim-run.1").is_file());
    // And the same commands print in full to an open pipe.
    let text = stdout_ok(&woundsim(&["params"]));
    assert!(text.lines().count() > 100, "{text}");
}

/// Undo the single quotes of `shell_word` (`'a'\''b'` → `a'b`).
fn shell_unquote(word: &str) -> String {
    match word.strip_prefix('\'').and_then(|w| w.strip_suffix('\'')) {
        Some(inner) => inner.replace(r"'\''", "'"),
        None => word.to_string(),
    }
}

/// The value at dotted `key` of a scenario's TOML table.
fn value_at(s: &Scenario, key: &str) -> Option<toml::Value> {
    let mut cur = toml::Value::Table(toml::Table::try_from(s).ok()?);
    for part in key.split('.') {
        cur = cur.as_table()?.get(part)?.clone();
    }
    Some(cur)
}

#[test]
fn explain_names_the_right_table_and_a_runnable_example_for_every_key() {
    let rows = param_table();
    assert!(rows.len() > 100);
    for r in &rows {
        // `fields.<name>.new` stands for any new field's name: a new field
        // also needs a secretion map, so no one-key snippet can load it
        // (tests/safety_input.rs covers declaring one).
        if r.key.contains('<') {
            continue;
        }
        let text = stdout_ok(&woundsim(&["explain", &r.key]));
        assert!(!text.contains("wound-type default"), "{}:\n{text}", r.key);
        let lines: Vec<&str> = text.lines().collect();
        // The TOML snippet: the table header (if any) and `name = value`.
        let at = lines
            .iter()
            .position(|l| l.trim_start().starts_with("In a scenario file"))
            .unwrap_or_else(|| panic!("{}: no scenario-file example:\n{text}", r.key));
        let snippet: Vec<&str> = lines[at + 2..]
            .iter()
            .take_while(|l| !l.trim().is_empty())
            .map(|l| l.trim())
            .collect();
        let (table, name) = r.key.rsplit_once('.').unwrap_or(("", r.key.as_str()));
        if table.is_empty() {
            assert!(lines[at].contains("at the top"), "{}:\n{text}", r.key);
            assert_eq!(snippet.len(), 1, "{}:\n{text}", r.key);
        } else {
            assert!(
                lines[at].contains(&format!("[{table}]")),
                "{}:\n{text}",
                r.key
            );
            assert_eq!(snippet[0], format!("[{table}]"), "{}:\n{text}", r.key);
        }
        let assignment = snippet.last().unwrap();
        assert!(
            assignment.starts_with(&format!("{name} = ")),
            "{}:\n{text}",
            r.key
        );
        // The snippet is a scenario file that loads, validates and sets the key.
        let file = snippet.join("\n");
        let s = Scenario::from_toml_str(&file, "snippet", &[])
            .unwrap_or_else(|e| panic!("{}: snippet does not load: {e}\n{file}", r.key));
        let shown: toml::Table = file.parse().unwrap();
        let mut want = toml::Value::Table(shown);
        for part in r.key.split('.') {
            want = want.as_table().unwrap()[part].clone();
        }
        let got = value_at(&s, &r.key);
        let number = |v: &toml::Value| v.as_float().or(v.as_integer().map(|i| i as f64));
        match (got.as_ref().and_then(number), number(&want)) {
            (Some(g), Some(w)) => assert_eq!(g, w, "{}", r.key),
            _ => assert_eq!(got, Some(want), "{}", r.key),
        }
        Params::new(s, "snippet").unwrap_or_else(|e| panic!("{}: {e}\n{file}", r.key));
        // The --set line parses and validates over the built-in scenario.
        let set = lines
            .iter()
            .find_map(|l| l.trim().strip_prefix("woundsim run --set "))
            .unwrap_or_else(|| panic!("{}: no --set example:\n{text}", r.key));
        let set = shell_unquote(set);
        assert!(set.starts_with(&format!("{}=", r.key)), "{}: {set}", r.key);
        let s = Scenario::builtin(std::slice::from_ref(&set))
            .unwrap_or_else(|e| panic!("{}: --set {set} does not load: {e}", r.key));
        Params::new(s, "set").unwrap_or_else(|e| panic!("{}: --set {set}: {e}", r.key));
    }
}

#[test]
fn explain_shows_the_wound_type_values_of_patient_keys() {
    let text = stdout_ok(&woundsim(&["explain", "patient.perfusion"]));
    assert!(text.contains("--set patient.perfusion=1.0"), "{text}");
    assert!(text.contains("diabetic_foot_ulcer 0.5"), "{text}");
    assert!(text.contains("[patient]\n    perfusion = 1.0"), "{text}");
}

#[test]
fn a_key_without_its_table_gets_the_full_key_suggested() {
    for args in [
        &["explain", "perfusion"][..],
        &["run", "--days", "1", "--set", "perfusion=0.5"],
    ] {
        let o = woundsim(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("did you mean 'patient.perfusion'"), "{err}");
    }
    let o = woundsim(&["explain", "source"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("treatment.product.source"), "{err}");
    // Top-level keys are listed and explained too.
    for key in ["description", "name", "seed"] {
        let text = stdout_ok(&woundsim(&["params", key]));
        assert!(text.starts_with(&format!("{key} = ")), "{key}: {text}");
        stdout_ok(&woundsim(&["explain", key]));
    }
}

fn shipped_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() > 10);
    files
}

#[test]
fn scenario_list_shows_every_shipped_file_with_its_description() {
    let text = stdout_ok(&woundsim(&["scenario", "list"]));
    let lines: Vec<&str> = text.lines().collect();
    let files = shipped_files();
    assert_eq!(lines.len(), files.len(), "{text}");
    for f in &files {
        let name = f.file_stem().unwrap().to_str().unwrap();
        let s = Scenario::load(f, &[]).unwrap();
        assert!(
            s.description.len() > 20,
            "{} has no description line",
            f.display()
        );
        assert!(
            lines
                .iter()
                .any(|l| l.split_whitespace().next() == Some(name)
                    && l.trim_end().ends_with(&s.description)),
            "{name} missing from `scenario list`:\n{text}"
        );
    }
}

#[test]
fn a_shipped_name_works_from_any_directory() {
    let tmp = tempdir();
    for f in shipped_files() {
        let name = f.file_stem().unwrap().to_str().unwrap();
        let by_name = stdout_ok(&woundsim_in(tmp.path(), &["scenario", "show", name]));
        let by_file = stdout_ok(&woundsim(&["scenario", "show", f.to_str().unwrap()]));
        assert_eq!(by_name, by_file, "{name}");
    }
    // run and compare take names too.
    let out = tmp.path().join("acute-run");
    let mut args = vec![
        "run",
        "acute",
        "-q",
        "--days",
        "1",
        "--no-plots",
        "--no-snapshots",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(SMALL);
    stdout_ok(&woundsim_in(tmp.path(), &args));
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(summary.contains("closure"), "{summary}");
    let cmp = tmp.path().join("cmp");
    let mut args = vec![
        "compare",
        "acute",
        "dfu-standard-care",
        "-q",
        "--replicates",
        "1",
        "--days",
        "1",
        "--no-plots",
        "--out",
        cmp.to_str().unwrap(),
    ];
    args.extend(SMALL);
    stdout_ok(&woundsim_in(tmp.path(), &args));
    assert!(cmp.join("comparison.md").is_file());
    // Neither a file nor a name: the names are listed.
    let o = woundsim_in(tmp.path(), &["scenario", "show", "acut"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("no shipped scenario") && err.contains("dfu-standard-care"),
        "{err}"
    );
    assert!(err.contains("did you mean 'acute'"), "{err}");
}

#[test]
fn a_short_run_snapshots_its_last_day_and_plot_names_the_day_drawn() {
    let tmp = tempdir();
    let run = tmp.path().join("run");
    small_run(&run, "2");
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("snapshots/index.json")).unwrap())
            .unwrap();
    let days: Vec<f64> = index["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["day"].as_f64().unwrap())
        .collect();
    assert_eq!(days, vec![0.0, 2.0]);
    let run_s = run.to_str().unwrap();
    // A day without a snapshot: the nearest is drawn, and stderr says which.
    let o = woundsim(&["plot", run_s, "--days", "1.6", "--fields", "oxygen"]);
    let files = stdout_ok(&o);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no snapshot on day 1.6") && err.contains("day 2 "),
        "{err}"
    );
    assert!(files.contains("fieldmap_d002.0"), "{files}");
    // An exact day draws quietly.
    let o = woundsim(&["plot", run_s, "--days", "2", "--fields", "oxygen"]);
    stdout_ok(&o);
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("no snapshot"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn completions_man_page_and_per_command_flags() {
    let bash = stdout_ok(&woundsim(&["completions", "bash"]));
    assert!(
        bash.contains("_woundsim") && bash.contains("scenario"),
        "{bash}"
    );
    let zsh = stdout_ok(&woundsim(&["completions", "zsh"]));
    assert!(zsh.contains("#compdef woundsim"), "{zsh}");
    let man = stdout_ok(&woundsim(&["man"]));
    assert!(
        man.starts_with(".ie") || man.contains(".TH woundsim"),
        "{man}"
    );
    assert!(man.contains("explain"), "{man}");
    // --threads and --quiet are shown where they do something ...
    for cmd in [
        &["run", "--help"][..],
        &["resume", "--help"],
        &["compare", "--help"],
        &["validate", "--help"],
        &["bench", "--help"],
        &["sweep", "run", "--help"],
    ] {
        let text = stdout_ok(&woundsim(cmd));
        assert!(
            text.contains("--threads") && text.contains("--quiet"),
            "{cmd:?}: {text}"
        );
    }
    // ... and nowhere else.
    for cmd in [
        &["--help"][..],
        &["params", "--help"],
        &["explain", "--help"],
        &["scenario", "show", "--help"],
        &["plot", "--help"],
        &["sweep", "check", "--help"],
    ] {
        let text = stdout_ok(&woundsim(cmd));
        assert!(
            !text.contains("--threads") && !text.contains("--quiet"),
            "{cmd:?}: {text}"
        );
    }
    let o = woundsim(&["params", "--threads", "2"]);
    assert_eq!(o.status.code(), Some(2));
    // Before the command, as older scripts write it, still works.
    stdout_ok(&woundsim(&["--threads", "1", "-q", "params", "seed"]));
}
