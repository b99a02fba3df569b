//! Report data: items, measurements, phase shares, and the comparison of two reports.

use super::*;

// ---------------------------------------------------------------------------
// Report data
// ---------------------------------------------------------------------------

/// A benchmark report (what `--json` writes and `--compare` reads).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// woundsim version that produced the report.
    pub woundsim_version: String,
    /// When the suite ran (UTC, ISO 8601).
    pub date_utc: String,
    /// `full` or `quick`.
    pub suite: String,
    /// The machine.
    pub machine: Machine,
    /// Thread counts measured (1 and the machine's thread count).
    pub threads: Vec<usize>,
    /// Timed repetitions per item (after one warm-up).
    pub repetitions: usize,
    /// Every result.
    pub items: Vec<Item>,
    /// Time per phase of the scenario runs.
    pub phases: Vec<PhaseShares>,
    /// 1-minute load average (/proc/loadavg) before and after the suite;
    /// well above 0 means other processes competed for the CPUs.
    #[serde(default)]
    pub load_average: Option<[f64; 2]>,
}

/// The machine a report was measured on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// CPU model (`model name` in /proc/cpuinfo).
    pub cpu_model: String,
    /// Logical CPUs available to the process.
    pub cpus: usize,
}

/// One benchmark item, measured at one or more thread counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Stable name, e.g. `solver/1000x1000/4_fields` (compared by name).
    pub name: String,
    /// `solver`, `sources`, `agents`, `scenario`, `sweep` or `memory`.
    pub group: String,
    /// Unit of `value`.
    pub unit: String,
    /// True for throughputs, false for times and memory.
    pub higher_is_better: bool,
    /// One result per thread count.
    pub results: Vec<Measurement>,
    /// Parallel efficiency from 1 thread to the largest thread count:
    /// speed-up divided by the thread ratio (absent for untimed items).
    pub efficiency: Option<f64>,
}

/// One result of an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    /// Worker threads.
    pub threads: usize,
    /// The value, in the item's unit.
    pub value: f64,
    /// Best wall time of one call (s), for timed items.
    pub seconds: Option<f64>,
}

/// Time per phase of one scenario run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseShares {
    /// The scenario item.
    pub item: String,
    /// Worker threads.
    pub threads: usize,
    /// Wall time of the run (s).
    pub wall_s: f64,
    /// (phase, seconds, share of wall time); `other` is the untimed rest.
    pub phases: Vec<(String, f64, f64)>,
}

impl Item {
    pub(super) fn new(name: String, group: &str, unit: &str, higher_is_better: bool) -> Self {
        Item {
            name,
            group: group.into(),
            unit: unit.into(),
            higher_is_better,
            results: Vec::new(),
            efficiency: None,
        }
    }

    /// The result at `threads`, if measured.
    pub fn at(&self, threads: usize) -> Option<&Measurement> {
        self.results.iter().find(|m| m.threads == threads)
    }

    pub(super) fn push(&mut self, threads: usize, value: f64, seconds: Option<f64>) {
        self.results.push(Measurement {
            threads,
            value,
            seconds,
        });
        self.efficiency = efficiency(self);
    }
}

pub(super) fn efficiency(item: &Item) -> Option<f64> {
    let one = item.at(1)?;
    let many = item.results.iter().max_by_key(|m| m.threads)?;
    if many.threads <= 1 || one.seconds.is_none() || one.value <= 0.0 || many.value <= 0.0 {
        return None;
    }
    let speedup = if item.higher_is_better {
        many.value / one.value
    } else {
        one.value / many.value
    };
    Some(speedup / many.threads as f64)
}

impl Report {
    /// Read a report written by `woundsim bench --json`.
    pub fn load(path: &Path) -> Result<Report> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("reading", path, e))?;
        serde_json::from_str(&text).map_err(|e| {
            Error::Input(
                InputError::new(
                    path.display().to_string(),
                    None,
                    format!("not a woundsim bench report: {e}"),
                )
                .hint("write one with `woundsim bench --json FILE`"),
            )
        })
    }

    /// Write the report as JSON (atomically).
    pub fn save(&self, path: &Path) -> Result<()> {
        crate::output::write_json(path, self)
    }

    /// The item called `name`.
    pub fn item(&self, name: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.name == name)
    }
}

/// One line of a comparison: an item measured in both reports at `threads`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Item name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Worker threads.
    pub threads: usize,
    /// New value.
    pub new: f64,
    /// Old value.
    pub old: f64,
    /// new / old.
    pub ratio: f64,
    /// True when the new value is at least 5 % better, false when at least
    /// 5 % worse, `None` in between.
    pub improved: Option<bool>,
}

/// Everything `--compare` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComparisonReport {
    /// Items in both reports, per thread count.
    pub lines: Vec<Comparison>,
    /// Item names only in the new report.
    pub only_new: Vec<String>,
    /// Item names only in the old report.
    pub only_old: Vec<String>,
}

/// Compare two reports item by item (matched by name and thread count).
pub fn compare(new: &Report, old: &Report) -> ComparisonReport {
    let mut lines = Vec::new();
    let mut only_new = Vec::new();
    for item in &new.items {
        let Some(o) = old.item(&item.name) else {
            only_new.push(item.name.clone());
            continue;
        };
        for m in &item.results {
            let Some(om) = o.at(m.threads) else { continue };
            let ratio = m.value / om.value;
            let better = if item.higher_is_better {
                ratio
            } else {
                1.0 / ratio
            };
            let improved = if better >= 1.05 {
                Some(true)
            } else if better <= 1.0 / 1.05 {
                Some(false)
            } else {
                None
            };
            lines.push(Comparison {
                name: item.name.clone(),
                unit: item.unit.clone(),
                threads: m.threads,
                new: m.value,
                old: om.value,
                ratio,
                improved,
            });
        }
    }
    let only_old = old
        .items
        .iter()
        .filter(|i| new.item(&i.name).is_none())
        .map(|i| i.name.clone())
        .collect();
    ComparisonReport {
        lines,
        only_new,
        only_old,
    }
}
