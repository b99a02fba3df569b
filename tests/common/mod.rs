//! The shared harness of the end-to-end tests (`mod common;` in each test
//! file): running the binary, small domains as `--set` arguments or
//! scenario overrides, temporary directories and the usual output checks.

// Each test file uses a part of the harness.
#![allow(dead_code, unused_macros)]

pub mod model;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The `woundsim` binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_woundsim");

/// The workspace root (where `scenarios/` and `examples/` live).
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A small square domain as command-line arguments:
/// `small_domain_args!(width_um, height_um, wound_um, "key=value", ...)` is
/// `["--set", "domain.width_um=…", "--set", "domain.height_um=…", "--set",
/// "wound.diameter_um=…", "--set", "key=value", ...]` (a constant array).
macro_rules! small_domain_args {
    ($w:literal, $h:literal, $wound:literal $(, $extra:literal)* $(,)?) => {
        [
            "--set",
            concat!("domain.width_um=", $w),
            "--set",
            concat!("domain.height_um=", $h),
            "--set",
            concat!("wound.diameter_um=", $wound),
            $("--set", $extra,)*
        ]
    };
}

/// The same domain as scenario overrides (`key=value`, for
/// `Scenario::builtin` and friends): `small_domain_sets!(width_um,
/// height_um, wound_um, "key=value", ...)`.
macro_rules! small_domain_sets {
    ($w:literal, $h:literal, $wound:literal $(, $extra:literal)* $(,)?) => {
        [
            concat!("domain.width_um=", $w),
            concat!("domain.height_um=", $h),
            concat!("wound.diameter_um=", $wound),
            $($extra,)*
        ]
    };
}

/// `key=value` overrides as owned strings (what the scenario loaders take).
pub fn sets(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// `woundsim ARGS`, with `RUST_BACKTRACE=1` so that a panic would show in
/// the output the checks read.
pub fn command(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args).env("RUST_BACKTRACE", "1");
    c
}

/// Run `woundsim ARGS` to completion.
pub fn woundsim(args: &[&str]) -> Output {
    command(args).output().expect("running woundsim")
}

/// Run `woundsim ARGS` in `dir`.
pub fn woundsim_in(dir: &Path, args: &[&str]) -> Output {
    command(args)
        .current_dir(dir)
        .output()
        .expect("running woundsim")
}

/// `woundsim --threads 1 -q ARGS` (one thread: each process stays small on
/// a shared machine).
pub fn command_1t(args: &[&str]) -> Command {
    let mut c = command(&["--threads", "1", "-q"]);
    c.args(args);
    c
}

/// Run `woundsim --threads 1 -q ARGS` to completion.
pub fn woundsim_1t(args: &[&str]) -> Output {
    command_1t(args).output().expect("running woundsim")
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Assert that the command succeeded; returns its standard output.
pub fn stdout_ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "woundsim failed: {}\nstderr:\n{}",
        o.status,
        stderr(o)
    );
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

/// Assert that `text` shows no panic or backtrace.
pub fn assert_no_panic(text: &str) {
    for bad in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
        assert!(!text.contains(bad), "output mentions '{bad}':\n{text}");
    }
}

/// A path as a command-line argument.
pub fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A fresh temporary directory (removed when dropped).
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

/// Read and parse a JSON file.
pub fn json(path: &Path) -> serde_json::Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Run `woundsim --threads 1 -q ARGS` and assert that it succeeded.
pub fn ok_1t(args: &[&str]) -> Output {
    let o = woundsim_1t(args);
    assert!(
        o.status.success(),
        "woundsim {args:?} failed ({}):\n{}",
        o.status,
        stderr(&o)
    );
    o
}

/// Start `woundsim --threads 1 -q ARGS` (standard error piped).
pub fn spawn_1t(args: &[&str]) -> Child {
    command_1t(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting woundsim")
}

/// Poll `cond` every `poll_ms` until it holds; fail after `timeout_s`.
pub fn wait_for(what: &str, timeout_s: u64, poll_ms: u64, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(timeout_s);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(poll_ms));
    }
}

/// Send `sig` (e.g. `-INT`) to `child` with kill(1).
pub fn signal(child: &Child, sig: &str) {
    let st = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .expect("running kill");
    assert!(st.success(), "kill {sig} failed");
}

/// The `status` of a run directory's `manifest.json`.
pub fn status(dir: &Path) -> String {
    json(&dir.join("manifest.json"))["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Run `woundsim --threads 1 -q ARGS` with its address space capped at
/// 2 GiB, so that a broken memory guard fails the test instead of
/// exhausting the shared machine.
pub fn woundsim_capped(args: &[&str]) -> Output {
    let mut line = format!("ulimit -v 2097152 && exec '{BIN}' --threads 1 -q");
    for a in args {
        line.push_str(&format!(" '{a}'"));
    }
    Command::new("sh")
        .args(["-c", &line])
        .output()
        .expect("running sh")
}

/// Read a text file (the test fails, naming it, when it cannot).
pub fn read_text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
