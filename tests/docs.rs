//! docs/parameters.md is generated from the provenance table in the code;
//! this keeps the two in step (regenerate with
//! `woundsim params --format markdown > docs/parameters.md`).

#[test]
fn parameters_doc_matches_the_code() {
    let out = command(&[])
        .args(["params", "--format", "markdown"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let generated = String::from_utf8(out.stdout).unwrap();
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/parameters.md"))
        .unwrap();
    assert!(
        generated.contains("msc.hypoxia_death_per_day")
            && generated.contains("Therapy multipliers")
    );
    assert_eq!(doc, generated, "docs/parameters.md is stale: regenerate it");
}

/// ARCHITECTURE.md's phase table is the registry's (`Phase::markdown_table`).
#[test]
fn architecture_phase_table_matches_the_registry() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/ARCHITECTURE.md")).unwrap();
    let (_, rest) = doc
        .split_once("<!-- phase-table -->\n")
        .expect("phase-table marker");
    let (table, _) = rest
        .split_once("<!-- /phase-table -->")
        .expect("end marker");
    assert_eq!(
        table,
        woundsim::sim::Phase::markdown_table(),
        "ARCHITECTURE.md's phase table differs from the phase registry"
    );
}
// ---------------------------------------------------------------------------
// Bibliography: every cited source resolves in docs/references.md.
// ---------------------------------------------------------------------------

use std::collections::BTreeSet;

#[macro_use]
mod common;
use common::*;

fn trim_punct(w: &str) -> &str {
    w.trim_matches(|c: char| "()[];,:.\"'*|`".contains(c))
}

fn is_year(w: &str) -> bool {
    let b = w.as_bytes();
    (b.len() == 4 || (b.len() == 5 && b[4].is_ascii_lowercase()))
        && b[..4].iter().all(u8::is_ascii_digit)
        && (w.starts_with("19") || w.starts_with("20"))
}

fn is_surname(w: &str) -> bool {
    let mut c = w.chars();
    c.next().is_some_and(|f| f.is_uppercase())
        && w.chars().count() >= 2
        && w.chars().all(|c| c.is_alphabetic() || "-'’".contains(c))
}

/// Cited keys in `text`: "Surname Year" (a capitalised word before a year
/// 1900–2099, skipping "et al."), "review §N" and "biology.md §N" (with
/// every further "§M" that follows them, as in "review §2.4, §3.3.1").
fn cited_keys(text: &str) -> BTreeSet<String> {
    let words: Vec<&str> = text.split_whitespace().map(trim_punct).collect();
    let mut keys = BTreeSet::new();
    let mut section_of: Option<&str> = None;
    for (i, w) in words.iter().enumerate() {
        if let Some(sec) = w.strip_prefix('§') {
            if let Some(src) = section_of {
                if !sec.is_empty() {
                    keys.insert(format!("{src} §{}", sec.trim_end_matches('.')));
                }
                continue;
            }
        }
        section_of = match w.to_ascii_lowercase().as_str() {
            "review" => Some("review"),
            "biology.md" => Some("biology.md"),
            _ => None,
        };
        if is_year(w) && i > 0 {
            let mut j = i - 1;
            if words[j] == "al" && j >= 2 && words[j - 1] == "et" {
                j -= 2;
            }
            if is_surname(words[j]) {
                keys.insert(format!("{} {w}", words[j]));
            }
        }
    }
    keys
}

/// The bold keys of a bibliography (`**Kalani 1999**`).
fn bibliography_keys(md: &str) -> Vec<String> {
    md.split("**")
        .skip(1)
        .step_by(2)
        .map(|k| k.to_string())
        .collect()
}

/// Cited keys that no bibliography key equals or ends with ("Sci 1994"
/// resolves to "Clin Sci 1994", "Jenssen 2013" to "Berdal & Jenssen 2013").
fn unresolved(cited: &BTreeSet<String>, bib: &[String]) -> Vec<String> {
    cited
        .iter()
        .filter(|c| !bib.iter().any(|k| k == *c || k.ends_with(&format!(" {c}"))))
        .cloned()
        .collect()
}

fn repo_file(rel: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn the_citation_checker_finds_missing_keys() {
    let bib =
        bibliography_keys("- **Kalani 1999** — ...\n- **review §2.5** ...\n- **Clin Sci 1994**");
    assert_eq!(bib, ["Kalani 1999", "review §2.5", "Clin Sci 1994"]);
    let cited = cited_keys(
        "≤ 10 mmHg never heals (Kalani 1999; Nobody 2001); review §2.5, §9.9: x; Vu et al. 2021; Clin Sci 1994",
    );
    let want: BTreeSet<String> = [
        "Kalani 1999",
        "Nobody 2001",
        "review §2.5",
        "review §9.9",
        "Vu 2021",
        "Sci 1994",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(cited, want);
    assert_eq!(
        unresolved(&cited, &bib),
        ["Nobody 2001", "Vu 2021", "review §9.9"]
    );
}

#[test]
fn every_cited_source_is_in_the_bibliography() {
    let params = command(&[]).arg("params").output().unwrap();
    assert!(params.status.success());
    let mut texts = vec![(
        "woundsim params".to_string(),
        String::from_utf8(params.stdout).unwrap(),
    )];
    for f in ["docs/parameters.md", "docs/mechanisms.md"] {
        texts.push((f.to_string(), repo_file(f)));
    }
    // The sources of the validation facts.
    let facts: String = repo_file("crates/study/facts.toml")
        .lines()
        .filter(|l| l.trim_start().starts_with("source ="))
        .collect::<Vec<_>>()
        .join("\n");
    texts.push(("crates/study/facts.toml (fact sources)".into(), facts));
    let bib = bibliography_keys(&repo_file("docs/references.md"));
    let mut all = BTreeSet::new();
    for (what, text) in &texts {
        let cited = cited_keys(text);
        let missing = unresolved(&cited, &bib);
        assert!(
            missing.is_empty(),
            "{what} cites sources missing from docs/references.md: {missing:?}"
        );
        all.extend(cited);
    }
    // The scan found the citations (a broken extractor would pass vacuously).
    for k in [
        "Kalani 1999",
        "Margolis 1999",
        "review §2.5",
        "biology.md §5",
        "Mei 2025",
    ] {
        assert!(all.contains(k), "{k} not found among {all:?}");
    }
    assert!(all.len() > 40, "{all:?}");
}
