//! Mechanisms read only their converted parameter structs
//! (`scenario::rates`), never the raw scenario: no file under
//! `src/mechanisms/` names `scenario.` (a field access of
//! `Params::scenario`), nor the literal `1440` (minutes per day: rates are
//! converted once, in `scenario::rates`; the one conversion left in a
//! mechanism, the macrophage polarization step, names `MIN_PER_DAY`,
//! because converting its state-dependent rate earlier would change the
//! rounding of a continuous state).

use std::path::Path;

/// Every occurrence of `needle` in the code (comments stripped) of the
/// `.rs` files below `dir`, as `file:line: text`.
fn occurrences(dir: &Path, needle: &str) -> Vec<String> {
    let mut hits = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            hits.extend(occurrences(&p, needle));
            continue;
        }
        if p.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&p).expect("source file");
        for (n, line) in text.lines().enumerate() {
            let code = line.find("//").map_or(line, |k| &line[..k]);
            if code.contains(needle) {
                hits.push(format!("{}:{}: {}", p.display(), n + 1, line.trim()));
            }
        }
    }
    hits
}

#[test]
fn mechanisms_never_read_the_raw_scenario() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/mechanisms");
    // The scan must see the mechanisms, or an empty directory would pass.
    assert!(
        !occurrences(&dir, "pub fn update").is_empty(),
        "no mechanism found under {}",
        dir.display()
    );
    let hits = occurrences(&dir, "scenario.");
    assert!(
        hits.is_empty(),
        "mechanisms read the raw scenario (use their parameter struct in scenario::rates):\n{}",
        hits.join("\n")
    );
}

#[test]
fn mechanisms_hold_no_minutes_per_day_literal() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/mechanisms");
    let hits = occurrences(&dir, "1440");
    assert!(
        hits.is_empty(),
        "mechanisms convert per-day values at run time (convert them once in scenario::rates):\n{}",
        hits.join("\n")
    );
}

#[test]
fn the_scan_finds_what_it_looks_for() {
    // A file with a raw scenario read is found; the same text in a comment is not.
    let dir = std::env::temp_dir().join(format!("woundsim-scan-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(
        dir.join("sub/m.rs"),
        "let a = p.scenario.msc.x; // p.scenario.y\n// let b = p.scenario.z;\n",
    )
    .unwrap();
    let hits = occurrences(&dir, "scenario.");
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert!(hits[0].ends_with(":1: let a = p.scenario.msc.x; // p.scenario.y"));
}
