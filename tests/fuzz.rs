//! Fuzzing the scenario and sweep loaders: every scenario in `scenarios/` and
//! every sweep in `examples/sweeps/`, mutated at random (lines deleted or
//! duplicated, bytes flipped, values replaced by nasty tokens, files cut
//! short), must load or fail with a typed error whose message names the
//! input — never panic. Inputs that once found a bug are kept in
//! `tests/corpus/{scenario,sweep}/` and replayed.

use proptest::prelude::*;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use woundsim::scenario::{Params, Scenario};
use woundsim::sweep::file::SweepSpec;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The `.toml` files of a directory of the repository, sorted.
fn toml_files(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no .toml files in {dir}");
    v
}

/// Values that have broken parsers and validators before.
const TOKENS: &[&str] = &[
    "1e400",
    "-1e400",
    "99999999999999999999",
    "-99999999999999999999",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "4294967296",
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "5e-324",
    "1e-300",
    "0",
    "-0.0",
    "-1",
    "-1e-9",
    "0.5",
    "nan",
    "-nan",
    "inf",
    "-inf",
    "+inf",
    "\"\"",
    "\"ü€😀\u{202e}\"",
    "\"\\u0000\"",
    "\"adipose\"",
    "\"none\"",
    "\"../../../../etc/passwd\"",
    "[]",
    "[[]]",
    "[1, \"a\"]",
    "[1e400]",
    "[nan, inf, -1]",
    "[0, 3650, 3651]",
    "{}",
    "{ a = 1 }",
    "{ oxygen = 1e300 }",
    "true",
    "false",
    "1979-05-27T07:32:00Z",
    "0x7fffffff",
    "0o777",
    "1_000",
    "'''\nmulti\nline'''",
    "\"unterminated",
    "=",
    "",
];

/// One mutation of a file's text.
#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    FlipByte(usize, u8),
    ReplaceValue(usize, usize),
    ReplaceValueWith(usize, String),
    ReplaceNumber(usize, f64),
    InsertLine(usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => any::<usize>().prop_map(Mutation::DeleteLine),
        1 => any::<usize>().prop_map(Mutation::DuplicateLine),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::FlipByte(i, b)),
        4 => (any::<usize>(), 0..TOKENS.len()).prop_map(|(i, t)| Mutation::ReplaceValue(i, t)),
        1 => (any::<usize>(), "\\PC{0,12}").prop_map(|(i, s)| Mutation::ReplaceValueWith(i, s)),
        4 => (any::<usize>(), any::<f64>()).prop_map(|(i, x)| Mutation::ReplaceNumber(i, x)),
        1 => (any::<usize>(), 0..TOKENS.len()).prop_map(|(i, t)| Mutation::InsertLine(i, t)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
    ]
}

/// Apply `m` to `bytes` (line and byte indices are taken modulo the length).
fn apply(bytes: &[u8], m: &Mutation) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    let n = lines.len();
    let join = |lines: Vec<Vec<u8>>| lines.join(&b'\n');
    match m {
        Mutation::DeleteLine(i) => {
            lines.remove(i % n);
            join(lines)
        }
        Mutation::DuplicateLine(i) => {
            let l = lines[i % n].clone();
            lines.insert(i % n, l);
            join(lines)
        }
        Mutation::FlipByte(i, b) => {
            let mut v = bytes.to_vec();
            if !v.is_empty() {
                let k = i % v.len();
                v[k] ^= (*b).max(1);
            }
            v
        }
        Mutation::ReplaceValue(i, t) => replace_value(lines, *i, TOKENS[*t].as_bytes()),
        Mutation::ReplaceValueWith(i, s) => replace_value(lines, *i, s.as_bytes()),
        Mutation::ReplaceNumber(i, x) => replace_number(lines, *i, *x),
        Mutation::InsertLine(i, t) => {
            // A new key under the current table: a typo of an existing key or a new one.
            let line = format!("x_{} = {}", i % 7, TOKENS[*t]);
            lines.insert(i % (n + 1), line.into_bytes());
            join(lines)
        }
        Mutation::Truncate(i) => bytes[..i % (bytes.len() + 1)].to_vec(),
    }
}

/// Replace the value of the `i`-th (mod count) `key = value` line.
fn replace_value(lines: Vec<Vec<u8>>, i: usize, token: &[u8]) -> Vec<u8> {
    let with_eq: Vec<usize> = (0..lines.len())
        .filter(|&k| lines[k].contains(&b'=') && !lines[k].starts_with(b"#"))
        .collect();
    match with_eq.get(i % with_eq.len().max(1)) {
        Some(&k) => replace_value_at(lines, k, token),
        None => lines.join(&b'\n'),
    }
}

/// Replace the value of line `k` (which holds a `=`) by `token`.
fn replace_value_at(mut lines: Vec<Vec<u8>>, k: usize, token: &[u8]) -> Vec<u8> {
    let eq = lines[k].iter().position(|&b| b == b'=').unwrap();
    let mut l = lines[k][..=eq].to_vec();
    l.push(b' ');
    l.extend_from_slice(token);
    lines[k] = l;
    lines.join(&b'\n')
}

/// Replace the `i`-th (mod count) numeric value by `x` (as a float in TOML
/// syntax, or as an integer where the old value was one and `x` fits), so the
/// file stays valid TOML and the validators are exercised.
fn replace_number(lines: Vec<Vec<u8>>, i: usize, x: f64) -> Vec<u8> {
    let numeric: Vec<(usize, bool)> = lines
        .iter()
        .enumerate()
        .filter_map(|(k, l)| {
            let l = std::str::from_utf8(l).ok()?;
            let v = l
                .split_once('=')?
                .1
                .split('#')
                .next()?
                .trim()
                .replace('_', "");
            if v.parse::<i64>().is_ok() {
                Some((k, true))
            } else if v.parse::<f64>().is_ok() {
                Some((k, false))
            } else {
                None
            }
        })
        .collect();
    let Some(&(k, int)) = numeric.get(i % numeric.len().max(1)) else {
        return lines.join(&b'\n');
    };
    let token = if int && x.fract() == 0.0 && x.abs() < 9e18 {
        format!("{}", x as i64)
    } else if x.is_nan() {
        "nan".to_string()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.to_string()
    } else {
        format!("{x:e}")
    };
    replace_value_at(lines, k, token.as_bytes())
}

/// Text of a non-UTF-8 input goes through the file reader (which must refuse it).
fn read_via_file(bytes: &[u8], label: &str) -> Result<String, String> {
    match String::from_utf8(bytes.to_vec()) {
        Ok(t) => Ok(t),
        Err(_) => {
            // Written as `<tmp>/<label>`, so the message names the label.
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(label);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, bytes).unwrap();
            let e = woundsim::scenario::read_text(&path)
                .expect_err("non-UTF-8 bytes must be refused")
                .to_string();
            assert!(
                e.contains("UTF-8") && e.contains(&*path.to_string_lossy()),
                "{e}"
            );
            Err(e)
        }
    }
}

/// Load a (mutated) scenario: parse, validate, estimate memory. Returns the
/// error message, if any. Panics are turned into an `Err` naming the input.
fn load_scenario(bytes: &[u8], label: &str) -> Result<Option<String>, String> {
    let text = match read_via_file(bytes, label) {
        Ok(t) => t,
        Err(e) => return Ok(Some(e)),
    };
    catch_unwind(AssertUnwindSafe(|| {
        match Scenario::from_toml_str(&text, label, &[]).and_then(|s| Params::new(s, label)) {
            Ok(p) => {
                let mib = p.memory_estimate_mib();
                assert!(!mib.is_nan(), "memory estimate {mib}");
                let _ = p.scenario.hash_hex();
                None
            }
            Err(e) => Some(e.to_string()),
        }
    }))
    .map_err(|_| format!("the scenario loader panicked on {label}:\n{text}"))
}

/// Load a (mutated) sweep file as if it were in `examples/sweeps/`.
fn load_sweep(bytes: &[u8], label: &str) -> Result<Option<String>, String> {
    let text = match read_via_file(bytes, label) {
        Ok(t) => t,
        Err(e) => return Ok(Some(e)),
    };
    let dir = root().join("examples/sweeps");
    catch_unwind(AssertUnwindSafe(|| {
        match SweepSpec::from_str(&text, label, &dir) {
            Ok(s) => {
                let _ = (s.n_runs(), s.header());
                None
            }
            Err(e) => Some(e.to_string()),
        }
    }))
    .map_err(|_| format!("the sweep loader panicked on {label}:\n{text}"))
}

/// An error message must be non-empty and name the input (or, for a sweep,
/// the base scenario file it names).
fn check_message(msg: &Option<String>, label: &str) -> Result<(), String> {
    match msg {
        None => Ok(()),
        Some(m) if m.trim().is_empty() => Err(format!("empty error message for {label}")),
        Some(m) if m.contains(label) || m.contains("scenarios/") => Ok(()),
        Some(m) => Err(format!("error for {label} does not name it: {m}")),
    }
}

fn cases() -> u32 {
    std::env::var("WOUNDSIM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_scenarios_never_panic(
        file in 0usize..64,
        muts in prop::collection::vec(mutation(), 1..4),
    ) {
        let files = toml_files("scenarios");
        let path = &files[file % files.len()];
        let mut bytes = std::fs::read(path).unwrap();
        for m in &muts {
            bytes = apply(&bytes, m);
        }
        let label = format!("fuzz/{}", path.file_name().unwrap().to_string_lossy());
        let msg = load_scenario(&bytes, &label).map_err(TestCaseError::fail)?;
        check_message(&msg, &label).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn mutated_sweeps_never_panic(
        file in 0usize..64,
        muts in prop::collection::vec(mutation(), 1..4),
    ) {
        let files = toml_files("examples/sweeps");
        let path = &files[file % files.len()];
        let mut bytes = std::fs::read(path).unwrap();
        for m in &muts {
            bytes = apply(&bytes, m);
        }
        let label = format!("fuzz/{}", path.file_name().unwrap().to_string_lossy());
        let msg = load_sweep(&bytes, &label).map_err(TestCaseError::fail)?;
        check_message(&msg, &label).map_err(TestCaseError::fail)?;
    }
}

#[test]
fn unmutated_inputs_load() {
    for path in toml_files("scenarios") {
        let label = path.display().to_string();
        let msg = load_scenario(&std::fs::read(&path).unwrap(), &label).unwrap();
        assert_eq!(msg, None, "{label}");
    }
    for path in toml_files("examples/sweeps") {
        let label = path.display().to_string();
        let msg = load_sweep(&std::fs::read(&path).unwrap(), &label).unwrap();
        assert_eq!(msg, None, "{label}");
    }
}

#[test]
fn mutations_change_the_input() {
    let text = b"a = 1\n[b]\nc = \"x\"\n";
    assert_eq!(apply(text, &Mutation::DeleteLine(0)), b"[b]\nc = \"x\"\n");
    assert_eq!(
        apply(text, &Mutation::ReplaceValue(1, 0)),
        b"a = 1\n[b]\nc = 1e400\n"
    );
    assert_eq!(apply(text, &Mutation::Truncate(3)), b"a =");
    assert_ne!(apply(text, &Mutation::FlipByte(2, 0)), text);
    assert_eq!(
        apply(text, &Mutation::ReplaceNumber(0, 2.5e300)),
        b"a = 2.5e300\n[b]\nc = \"x\"\n"
    );
    assert_eq!(
        apply(text, &Mutation::ReplaceNumber(0, -7.0)),
        b"a = -7\n[b]\nc = \"x\"\n"
    );
}

/// Replays `tests/corpus/<kind>/`: each file must load or fail cleanly. A
/// file whose name starts with `ok-` must load; any other must be refused.
fn replay(kind: &str, load: fn(&[u8], &str) -> Result<Option<String>, String>) {
    let files = toml_files(&format!("tests/corpus/{kind}"));
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let label = format!("corpus/{kind}/{name}");
        let msg = load(&std::fs::read(&path).unwrap(), &label).unwrap_or_else(|e| panic!("{e}"));
        check_message(&msg, &label).unwrap_or_else(|e| panic!("{e}"));
        if name.starts_with("ok-") {
            assert_eq!(msg, None, "{label} should load");
        } else {
            assert!(msg.is_some(), "{label} should be refused");
        }
    }
}

#[test]
fn scenario_corpus_replays() {
    replay("scenario", load_scenario);
}

#[test]
fn sweep_corpus_replays() {
    replay("sweep", load_sweep);
}
