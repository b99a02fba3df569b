//! Typed errors of the woundsim library.
//!
//! The library never prints or exits; it returns these errors and the binary
//! reports them (exit status 2 for bad input, 1 for internal failures).

use std::path::PathBuf;

/// Every way a woundsim library call can fail.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A scenario (or sweep) input is malformed or out of range.
    #[error("{0}")]
    Input(#[from] InputError),
    /// Reading or writing a file failed.
    #[error("{action} '{path}': {source}")]
    Io {
        /// What was being done ("reading", "writing", ...).
        action: &'static str,
        /// The file involved.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// The simulation produced a non-finite or negative value.
    #[error(
        "numerical failure in field '{field}' at voxel (ix={ix}, iy={iy}) on step {step} (day {day:.3}): \
         value {value:?}; {cause}"
    )]
    Numerical {
        /// Field name.
        field: String,
        /// Voxel x index.
        ix: usize,
        /// Voxel y index.
        iy: usize,
        /// Base step at which the value was seen.
        step: u64,
        /// Simulated day.
        day: f64,
        /// The offending value.
        value: f64,
        /// Likely cause, in plain words.
        cause: String,
    },
    /// A physical invariant of the model failed at run time: a quantity
    /// left the range the physics allows (tissue pO₂ above the highest
    /// supplying pO₂, a perfused capillary density above the cap).
    #[error(
        "invariant violated: {quantity} at voxel (ix={ix}, iy={iy}) on step {step} (day {day:.3}) \
         is {value} {unit}, above its bound {bound} {unit}; {cause}"
    )]
    Invariant {
        /// What left its range (a field name or "perfused vessel density").
        quantity: String,
        /// Voxel x index.
        ix: usize,
        /// Voxel y index.
        iy: usize,
        /// Base step at which the value was seen.
        step: u64,
        /// Simulated day.
        day: f64,
        /// The offending value.
        value: f64,
        /// The bound it exceeds (tolerance included).
        bound: f64,
        /// Unit of value and bound.
        unit: &'static str,
        /// Likely cause, in plain words.
        cause: String,
    },
    /// The scenario would not fit in the machine's memory.
    #[error(
        "the scenario needs about {needed_mib:.0} MiB but only {available_mib:.0} MiB are available; \
         reduce {keys}"
    )]
    Resources {
        /// Estimated need.
        needed_mib: f64,
        /// What the machine offers.
        available_mib: f64,
        /// Which keys to change.
        keys: String,
    },
    /// The run was interrupted (SIGINT/SIGTERM); partial results are resumable.
    #[error("interrupted at day {day:.2}; resume with `woundsim resume {}`", run_dir.display())]
    Interrupted {
        /// Simulated day reached.
        day: f64,
        /// The run directory to resume.
        run_dir: PathBuf,
    },
    /// A cohort or comparison was interrupted (SIGINT/SIGTERM). Finished
    /// replicates are kept in the directory, if any, where `woundsim resume`
    /// runs only the missing ones.
    #[error("interrupted after {done} of {total} replicates; {}", match dir {
        Some(d) => format!("resume with `woundsim resume {}`", d.display()),
        None => "nothing was written".to_string(),
    })]
    InterruptedReplicates {
        /// Replicates finished (including those of earlier invocations).
        done: u64,
        /// Replicates in total.
        total: u64,
        /// The directory to resume, if the replicates were stored.
        dir: Option<PathBuf>,
    },
    /// An output directory is already used.
    #[error("{0}")]
    OutputInUse(String),
    /// Drawing or writing a figure failed (`woundsim-plot` converts its
    /// errors into this variant).
    #[error("{source}")]
    Plot {
        /// The figure error.
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
        /// True when the figure's input (data or options) is at fault.
        input: bool,
    },
    /// Any other failure with a message.
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// Build an I/O error for `path`.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// True when the error is the user's input (exit status 2).
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            Error::Input(_)
                | Error::Resources { .. }
                | Error::OutputInUse(_)
                | Error::Plot { input: true, .. }
        ) || matches!(self, Error::Io { action, .. } if *action == "reading")
    }
}

/// A problem with user input, naming where it is and what is allowed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "{}{}{}{}",
    location(file, key),
    message,
    allowed_text(allowed),
    hint_text(hint)
)]
pub struct InputError {
    /// The file the input came from (or `<command line>` / `<built-in>`).
    pub file: String,
    /// Dotted key path, if known.
    pub key: Option<String>,
    /// What is wrong, including the offending value.
    pub message: String,
    /// What would be accepted.
    pub allowed: Option<String>,
    /// A suggestion (nearest key for a typo, ...).
    pub hint: Option<String>,
}

fn location(file: &str, key: &Option<String>) -> String {
    match key {
        Some(k) => format!("{file}: key '{k}': "),
        None => format!("{file}: "),
    }
}
fn allowed_text(a: &Option<String>) -> String {
    a.as_ref()
        .map(|a| format!(" (allowed: {a})"))
        .unwrap_or_default()
}
fn hint_text(h: &Option<String>) -> String {
    h.as_ref().map(|h| format!("; {h}")).unwrap_or_default()
}

impl InputError {
    /// A new input error for `file` and `key`.
    pub fn new(file: impl Into<String>, key: Option<&str>, message: impl Into<String>) -> Self {
        InputError {
            file: file.into(),
            key: key.map(str::to_string),
            message: message.into(),
            allowed: None,
            hint: None,
        }
    }
    /// Attach what is allowed.
    pub fn allowed(mut self, allowed: impl Into<String>) -> Self {
        self.allowed = Some(allowed.into());
        self
    }
    /// Attach a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// Library result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
