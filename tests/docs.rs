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
