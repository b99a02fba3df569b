//! Statistics of a cohort: per-outcome descriptive statistics, healed proportions and the cohort summary.

use super::*;

// ---------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------

/// Descriptive statistics of one outcome over the replicates where it is
/// defined. Values are `None` where undefined (no replicate, or fewer than
/// two for SD and intervals).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcomeStats {
    /// Replicates where the outcome is defined.
    pub n: usize,
    /// Replicates where it is undefined (e.g. never reached, not simulated).
    pub undefined: usize,
    /// Mean.
    pub mean: Option<f64>,
    /// Sample standard deviation.
    pub sd: Option<f64>,
    /// Lower end of the 95 % interval of the mean ([`stats::ci95`] for the
    /// outcome's kind: within 0–100 % for percentages, ≥ 0 for days).
    pub ci95_lo: Option<f64>,
    /// Upper end of the 95 % interval of the mean.
    pub ci95_hi: Option<f64>,
    /// 2.5th percentile of the replicates.
    pub p2_5: Option<f64>,
    /// 97.5th percentile of the replicates.
    pub p97_5: Option<f64>,
}

pub(super) fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

impl OutcomeStats {
    /// Statistics of `values` (`None` entries count as undefined), with the
    /// 95 % interval of the mean for a quantity of kind `kind`
    /// ([`stats::ci95`]).
    pub fn of(kind: stats::Quantity, values: &[Option<f64>]) -> OutcomeStats {
        let mut xs: Vec<f64> = values.iter().flatten().copied().collect();
        let (lo, hi) = if kind == stats::Quantity::Binary {
            // The mean of 0/1 values is a proportion; its interval needs 2.
            if xs.len() < 2 {
                (f64::NAN, f64::NAN)
            } else {
                stats::ci95(kind, &xs)
            }
        } else {
            stats::ci95(kind, &xs)
        };
        xs.sort_by(f64::total_cmp);
        OutcomeStats {
            n: xs.len(),
            undefined: values.len() - xs.len(),
            mean: finite(stats::mean(&xs)),
            sd: finite(stats::sd(&xs)),
            ci95_lo: finite(lo),
            ci95_hi: finite(hi),
            p2_5: finite(stats::quantile(&xs, 0.025)),
            p97_5: finite(stats::quantile(&xs, 0.975)),
        }
    }
}

/// A proportion with its Wilson score 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Proportion {
    /// Successes.
    pub successes: u64,
    /// Trials.
    pub n: u64,
    /// successes / n.
    pub fraction: f64,
    /// Lower Wilson 95 % bound.
    pub wilson95_lo: f64,
    /// Upper Wilson 95 % bound.
    pub wilson95_hi: f64,
}

impl Proportion {
    /// `successes` of `n` (None when `n` is 0 or `successes > n`).
    pub fn new(successes: u64, n: u64) -> Option<Proportion> {
        if n == 0 || successes > n {
            return None;
        }
        let (lo, hi) = stats::wilson95(successes, n);
        Some(Proportion {
            successes,
            n,
            fraction: successes as f64 / n as f64,
            wilson95_lo: lo,
            wilson95_hi: hi,
        })
    }

    /// The proportion of `true` among 0/1 values; None if any is undefined.
    pub fn of(values: &[Option<f64>]) -> Option<Proportion> {
        let all: Option<Vec<f64>> = values.iter().copied().collect();
        let all = all?;
        Proportion::new(
            all.iter().filter(|v| **v >= 0.5).count() as u64,
            all.len() as u64,
        )
    }
}

/// The `cohort_summary.json` of a cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortSummary {
    /// Scenario name.
    pub scenario: String,
    /// Scenario source.
    pub scenario_source: String,
    /// Master seed.
    pub master_seed: u64,
    /// How replicate seeds are derived.
    pub seed_rule: String,
    /// Replicates.
    pub replicates: u64,
    /// Simulated days.
    pub days: f64,
    /// Fraction completely closed (≥ `closure.complete_pct`) by day 84; null
    /// when a replicate shorter than 84 days had not closed.
    pub healed_wk12: Option<Proportion>,
    /// Why `healed_wk12` is null, if it is.
    pub healed_wk12_note: Option<String>,
    /// Fraction completely closed by the end of the span.
    pub healed_by_end: Option<Proportion>,
    /// How the 95 % intervals were computed.
    #[serde(default)]
    pub interval_note: String,
    /// Set when there are fewer than [`stats::SMALL_SAMPLE_N`] replicates.
    #[serde(default)]
    pub small_sample_warning: Option<String>,
    /// Statistics of every outcome of [`COHORT_OUTCOMES`].
    pub outcomes: BTreeMap<String, OutcomeStats>,
}

/// How cohorts, comparisons and sweep reports compute their 95 % intervals,
/// in words.
pub fn interval_note() -> String {
    format!(
        "95 % intervals of the mean by kind of quantity: percentages (0-100) and fractions (0-1) use the \
         Student t interval on the logit scale, other outcomes (days, counts, concentrations, densities; all \
         >= 0) the Student t interval on the log scale, both centred on the mean (delta method) so they stay \
         within the bounds; healed fractions use the Wilson score interval. When every value is equal the \
         interval is that value. Below {} replicates intervals carry a warning.",
        stats::SMALL_SAMPLE_N
    )
}

impl Cohort {
    /// The values of a summary outcome over the replicates.
    pub fn outcome(&self, name: &str) -> Vec<Option<f64>> {
        self.replicates
            .iter()
            .map(|r| r.output.summary.outcome(name))
            .collect()
    }

    /// Statistics of the cohort.
    pub fn summary(&self) -> CohortSummary {
        let wk12 = Proportion::of(&self.outcome("healed_wk12"));
        let note = wk12.is_none().then(|| {
            format!(
                "not defined: the span ({} days) is shorter than 12 weeks and not every replicate closed",
                self.days
            )
        });
        CohortSummary {
            scenario: self.scenario.clone(),
            scenario_source: self.source.clone(),
            master_seed: self.master_seed,
            seed_rule: "replicate i runs with seed derive_seed(master_seed, [i])".into(),
            interval_note: interval_note(),
            small_sample_warning: stats::small_sample_warning(self.replicates.len()),
            replicates: self.replicates.len() as u64,
            days: self.days,
            healed_wk12: wk12,
            healed_wk12_note: note,
            healed_by_end: Proportion::of(&self.outcome("healed")),
            outcomes: COHORT_OUTCOMES
                .iter()
                .map(|o| {
                    let kind = stats::Quantity::of_name(o);
                    (o.to_string(), OutcomeStats::of(kind, &self.outcome(o)))
                })
                .collect(),
        }
    }

    /// Output times (days) shared by the replicates.
    pub fn times(&self) -> Vec<f64> {
        self.replicates
            .first()
            .map(|r| r.output.rows.iter().map(|row| row.values[0]).collect())
            .unwrap_or_default()
    }

    /// One time-series column of every replicate (`None` if no such column).
    pub fn column(&self, name: &str) -> Option<Vec<Vec<f64>>> {
        let c = self.columns.iter().position(|c| c == name)?;
        Some(
            self.replicates
                .iter()
                .map(|r| r.output.rows.iter().map(|row| row.values[c]).collect())
                .collect(),
        )
    }

    /// Mean and 95 % interval of the mean of a time-series column at each
    /// output time, as a plot series named `name` (`None` if no such column).
    /// The interval is [`stats::ci95`] for the column's kind
    /// ([`stats::Quantity::of_name`]), so a closure band stays within 0–100 %.
    pub fn band(&self, column: &str, name: &str) -> Option<Series> {
        let cols = self.column(column)?;
        let x = self.times();
        let kind = stats::Quantity::of_name(column);
        let (mut mean, mut lo, mut hi) = (vec![], vec![], vec![]);
        for t in 0..x.len() {
            // Undefined values (NaN: no macrophages for the M2 fraction)
            // are left out; a time with none defined is undefined itself.
            let v: Vec<f64> = cols
                .iter()
                .filter_map(|c| c.get(t).copied())
                .filter(|v| !v.is_nan())
                .collect();
            let (l, h) = stats::ci95(kind, &v);
            mean.push(stats::mean(&v));
            lo.push(l);
            hi.push(h);
        }
        Some(Series {
            name: name.to_string(),
            x,
            mean,
            lo,
            hi,
        })
    }
}
