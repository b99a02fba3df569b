//! Cost estimate of a sweep (`woundsim sweep check`): runs × simulated days
//! × seconds per simulated day, the last measured by a short calibration.
//!
//! The calibration simulates [`CALIBRATION_DAYS`] day(s) of the first
//! design point (its first replicate's seed) on one thread, as a sweep runs
//! each simulation (see [`crate::sweep::run`]). The estimate assumes every
//! simulated day of every run costs what that day cost: it is rough (later
//! days may be cheaper once the wound has closed, or dearer when many
//! agents accumulate; points of other grid sizes scale with their voxel
//! count), and it is stated as such wherever it is printed.

use crate::error::Result;
use crate::sweep::file::SweepSpec;
use std::time::Instant;

/// Simulated days of the calibration run (or the whole span, if shorter).
pub const CALIBRATION_DAYS: f64 = 1.0;

/// A measured cost estimate of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct CostEstimate {
    /// Runs (points × replicates).
    pub runs: u64,
    /// Simulated days summed over every run.
    pub run_days: f64,
    /// Simulated days of the calibration run.
    pub calibration_days: f64,
    /// Wall seconds of the calibration run (one thread).
    pub calibration_s: f64,
    /// Voxels of the first design point's grid.
    pub voxels: usize,
    /// Measured seconds per simulated day of one run on one thread.
    pub s_per_day: f64,
    /// Estimated core seconds of the whole sweep: `run_days × s_per_day`.
    pub core_s: f64,
    /// Estimated peak memory of one run (MiB,
    /// [`crate::scenario::Params::memory_estimate_mib`] of the first point).
    pub mib_per_run: f64,
}

impl CostEstimate {
    /// Estimated wall seconds with `threads` runs in flight at a time.
    pub fn wall_s(&self, threads: usize) -> f64 {
        let t = threads.max(1) as f64;
        // Runs are whole: with fewer runs than threads, the rest idle.
        self.core_s / t.min(self.runs.max(1) as f64)
    }

    /// Estimated peak memory (MiB) of one process with `threads` runs in
    /// flight.
    pub fn mib(&self, threads: usize) -> f64 {
        self.mib_per_run * threads.max(1).min(self.runs.max(1) as usize) as f64
    }
}

/// Human-readable seconds: "42 s", "3.5 min", "2.1 h".
pub fn duration_text(s: f64) -> String {
    if s < 90.0 {
        format!("{s:.1} s")
    } else if s < 5400.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}

/// Measure one simulated day of the first design point on one thread and
/// extrapolate to the whole sweep (see the module documentation).
///
/// # Errors
/// [`crate::error::Error::Input`] if the first point's scenario is invalid;
/// the calibration run's error if it fails.
pub fn estimate(spec: &SweepSpec) -> Result<CostEstimate> {
    let days = spec.point_days()?;
    let run_days: f64 = days.iter().sum::<f64>() * spec.replicates as f64;
    let full = spec.params_for(0)?;
    let p = spec.params_for_days(0, CALIBRATION_DAYS)?;
    let seed = spec.run_id(0).seed;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .map_err(|e| crate::error::Error::Other(format!("a one-thread pool: {e}")))?;
    let t0 = Instant::now();
    pool.install(|| crate::run::simulate(&p, seed))?;
    let calibration_s = t0.elapsed().as_secs_f64();
    let calibration_days = p.scenario.time.days;
    let s_per_day = calibration_s / calibration_days;
    Ok(CostEstimate {
        runs: spec.n_runs(),
        run_days,
        calibration_days,
        calibration_s,
        voxels: full.grid.len(),
        s_per_day,
        core_s: run_days * s_per_day,
        mib_per_run: full.memory_estimate_mib(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn est(runs: u64, core_s: f64) -> CostEstimate {
        CostEstimate {
            runs,
            run_days: 10.0,
            calibration_days: 1.0,
            calibration_s: core_s / 10.0,
            voxels: 100,
            s_per_day: core_s / 10.0,
            core_s,
            mib_per_run: 20.0,
        }
    }

    #[test]
    fn wall_time_and_memory_scale_with_runs_in_flight() {
        let e = est(8, 80.0);
        assert_eq!(e.wall_s(1), 80.0);
        assert_eq!(e.wall_s(4), 20.0);
        // More threads than runs: only 8 run at once.
        assert_eq!(e.wall_s(16), 10.0);
        assert_eq!(e.mib(4), 80.0);
        assert_eq!(e.mib(16), 160.0);
        assert_eq!(e.wall_s(0), 80.0);
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(duration_text(42.0), "42.0 s");
        assert_eq!(duration_text(600.0), "10.0 min");
        assert_eq!(duration_text(7200.0), "2.0 h");
    }
}
