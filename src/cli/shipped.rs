//! The shipped scenarios (`scenarios/*.toml`), embedded in the binary so
//! that a name works from any directory, and the one resolver that turns a
//! command-line scenario argument into a file or a shipped scenario.

use anyhow::Result;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use woundsim::error::InputError;

/// One shipped scenario: its name (the file name without `.toml`) and text.
#[derive(Debug, Clone, Copy)]
pub struct Shipped {
    /// Name, e.g. `acute`.
    pub name: &'static str,
    /// The TOML text of `scenarios/<name>.toml`.
    pub toml: &'static str,
}

impl Shipped {
    /// Label used in messages and manifests.
    pub fn label(&self) -> String {
        format!("<shipped scenario {}>", self.name)
    }

    /// The scenario's `description` line (empty if it has none).
    pub fn description(&self) -> String {
        woundsim::scenario::parse_toml(self.toml, &self.label())
            .ok()
            .and_then(|t| {
                t.get("description")
                    .and_then(|d| d.as_str().map(str::to_string))
            })
            .unwrap_or_default()
    }
}

macro_rules! shipped {
    ($name:literal) => {
        Shipped {
            name: $name,
            toml: include_str!(concat!("../../scenarios/", $name, ".toml")),
        }
    };
}

/// Every file of `scenarios/`, in name order.
pub const SHIPPED: &[Shipped] = &[
    shipped!("acute"),
    shipped!("default"),
    shipped!("dfu-adipose-single"),
    shipped!("dfu-adipose-weekly"),
    shipped!("dfu-aggregates"),
    shipped!("dfu-conditioned-medium"),
    shipped!("dfu-fibrin-spray-bm"),
    shipped!("dfu-hydrogel-bm"),
    shipped!("dfu-hypoxic-uc-hydrogel"),
    shipped!("dfu-intralesional-bm"),
    shipped!("dfu-intravenous-bm"),
    shipped!("dfu-perilesional-bm"),
    shipped!("dfu-precondition-deferoxamine"),
    shipped!("dfu-precondition-dmog"),
    shipped!("dfu-precondition-hypoxia"),
    shipped!("dfu-precondition-ifn-gamma"),
    shipped!("dfu-precondition-three-d-culture"),
    shipped!("dfu-precondition-tnf-alpha"),
    shipped!("dfu-scaffold-bm"),
    shipped!("dfu-standard-care"),
    shipped!("dfu-topical-bm"),
    shipped!("dfu-uc-exosomes-weekly"),
    shipped!("dfu-vegf-engineered"),
    shipped!("pressure-ulcer-standard-care"),
    shipped!("radiation-ulcer-repeated-adipose"),
    shipped!("radiation-ulcer-standard-care"),
    shipped!("vlu-standard-care"),
];

/// Where a scenario argument points.
#[derive(Debug)]
pub enum Source {
    /// An existing file.
    File(PathBuf),
    /// A shipped scenario, by name.
    Shipped(Shipped),
}

/// Resolve a scenario argument: an existing file first, else the name of a
/// shipped scenario (with or without `.toml`), else an error that lists the
/// shipped names.
pub fn resolve(arg: &Path) -> Result<Source, InputError> {
    if arg.exists() {
        return Ok(Source::File(arg.to_path_buf()));
    }
    let text = arg.to_string_lossy();
    let name = text.strip_suffix(".toml").unwrap_or(&text);
    if let Some(s) = SHIPPED.iter().find(|s| s.name == name) {
        return Ok(Source::Shipped(*s));
    }
    let names: Vec<&str> = SHIPPED.iter().map(|s| s.name).collect();
    let mut err = InputError::new(
        text.to_string(),
        None,
        "no such file, and no shipped scenario of that name",
    )
    .allowed(format!("a scenario file, or one of: {}", names.join(", ")));
    if let Some(n) = woundsim::scenario::nearest(name, names.iter().copied()) {
        err = err.hint(format!(
            "did you mean '{n}'? `woundsim scenario list` describes each"
        ));
    }
    Err(err)
}

/// `woundsim scenario list`.
pub fn list() -> Result<ExitCode> {
    let width = SHIPPED.iter().map(|s| s.name.len()).max().unwrap_or(0);
    for s in SHIPPED {
        outln!("{:<width$}  {}", s.name, s.description())?;
    }
    Ok(ExitCode::SUCCESS)
}
