//! docs/parameters.md is generated from the provenance table in the code;
//! this keeps the two in step (regenerate with
//! `woundsim params --format markdown > docs/parameters.md`).

use std::process::Command;

#[test]
fn parameters_doc_matches_the_code() {
    let out = Command::new(env!("CARGO_BIN_EXE_woundsim"))
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
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/ARCHITECTURE.md"))
        .unwrap();
    let (_, rest) = doc.split_once("<!-- phase-table -->\n").expect("phase-table marker");
    let (table, _) = rest.split_once("<!-- /phase-table -->").expect("end marker");
    assert_eq!(
        table,
        woundsim::sim::Phase::markdown_table(),
        "ARCHITECTURE.md's phase table differs from the phase registry"
    );
}
