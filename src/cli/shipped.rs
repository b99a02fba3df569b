//! The one resolver that turns a command-line scenario argument into a file
//! or a shipped scenario (`woundsim_core::shipped`, embedded in the binary
//! so that a name works from any directory).

use anyhow::Result;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use woundsim::error::InputError;
use woundsim::shipped::{Shipped, SHIPPED};

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
/// shipped names. A directory is never a scenario file, so a results
/// directory named like a shipped scenario (`--out acute`) does not hide it.
pub fn resolve(arg: &Path) -> Result<Source, InputError> {
    if arg.exists() && !arg.is_dir() {
        return Ok(Source::File(arg.to_path_buf()));
    }
    let text = arg.to_string_lossy();
    if let Some(s) = woundsim::shipped::find(&text) {
        return Ok(Source::Shipped(s));
    }
    if arg.is_dir() {
        return Err(InputError::new(
            text.to_string(),
            None,
            "a directory, not a scenario file, and no shipped scenario of that name",
        )
        .allowed(format!(
            "a scenario file, or one of: {}",
            woundsim::shipped::names().join(", ")
        )));
    }
    let name = text.strip_suffix(".toml").unwrap_or(&text);
    let names = woundsim::shipped::names();
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
