//! Evaluating one fact from its arms' cohorts: the verdict, the expected and simulated values in words.

use super::*;

pub(super) struct Ctx<'a> {
    pub(super) settings: &'a Settings,
    pub(super) cohorts: &'a BTreeMap<String, Cohort>,
    pub(super) keys: &'a BTreeMap<String, String>,
}

impl Ctx<'_> {
    pub(super) fn values(&self, r: &ArmRun, obs: &Observable) -> Vec<Option<f64>> {
        self.keys
            .get(&r.label_with_days())
            .and_then(|k| self.cohorts.get(k))
            .map(|c| c.replicates.iter().map(|rep| observe(obs, rep)).collect())
            .unwrap_or_default()
    }
}

impl ArmRun {
    pub(super) fn label_with_days(&self) -> String {
        format!("{} @{}d", self.label(), self.days)
    }
}

pub(super) fn expect_text(e: Expect) -> String {
    match e {
        Expect::Greater => "A > B: 95 % interval of the paired difference A − B above 0".into(),
        Expect::Less => "A < B: 95 % interval of the paired difference A − B below 0".into(),
        Expect::NotBelow(m) => format!("A ≥ B − {m}: lower 95 % bound of A − B ≥ −{m}"),
        Expect::NotAbove(m) => format!("A ≤ B + {m}: upper 95 % bound of A − B ≤ {m}"),
    }
}

pub(super) fn range_text(lo: f64, hi: f64) -> String {
    format!("in [{}, {}]", fmt(Some(lo)), fmt(Some(hi)))
}

pub(super) fn evaluate(f: &Fact, ctx: &Ctx) -> Result<FactResult> {
    let days = ctx.settings.days(f);
    let runs = arm_runs(f, days);
    let mut res = FactResult {
        id: f.id.into(),
        statement: f.statement.into(),
        source: f.source.into(),
        experiment: String::new(),
        expected: String::new(),
        simulated: String::new(),
        verdict: Verdict::Fail,
        arms: vec![],
    };
    let arm_value = |r: &ArmRun, v: &[Option<f64>]| ArmValue {
        arm: r.label(),
        stats: OutcomeStats::of(crate::stats::Quantity::Unbounded, v),
    };
    let pass = |ok: bool| if ok { Verdict::Pass } else { Verdict::Fail };
    // Arms A and B: their values and the experiment in words.
    let two_arms = |observable: &Observable| {
        let va = ctx.values(&runs[0], observable);
        let vb = ctx.values(&runs[1], observable);
        let text = format!(
            "A = {}, B = {}; {} ({days} days)",
            runs[0].label(),
            runs[1].label(),
            describe_obs(observable)
        );
        (va, vb, text)
    };
    match f.experiment {
        Experiment::Compare {
            observable, expect, ..
        } => {
            let (va, vb, text) = two_arms(&observable);
            res.experiment = text;
            res.expected = expect_text(expect);
            res.arms = vec![arm_value(&runs[0], &va), arm_value(&runs[1], &vb)];
            match diff(&va, &vb) {
                Some(d) if d.n >= 2 => {
                    let (lo, hi) = (d.ci95_lo.unwrap_or(f64::NAN), d.ci95_hi.unwrap_or(f64::NAN));
                    res.verdict = pass(match expect {
                        Expect::Greater => lo > 0.0,
                        Expect::Less => hi < 0.0,
                        Expect::NotBelow(m) => lo >= -m,
                        Expect::NotAbove(m) => hi <= m,
                    });
                    res.simulated = format!(
                        "A − B = {}; A {}, B {}",
                        fmt_stats(&d),
                        fmt_stats(&res.arms[0].stats),
                        fmt_stats(&res.arms[1].stats)
                    );
                }
                _ => {
                    res.simulated = format!(
                        "undefined: A {}, B {} (needs ≥ 2 replicates with both defined)",
                        fmt_stats(&res.arms[0].stats),
                        fmt_stats(&res.arms[1].stats)
                    );
                }
            }
        }
        Experiment::Range {
            observable, lo, hi, ..
        } => {
            let v = ctx.values(&runs[0], &observable);
            res.experiment = format!(
                "{}; {} ({days} days)",
                runs[0].label(),
                describe_obs(&observable)
            );
            res.expected = format!("mean {}", range_text(lo, hi));
            let a = arm_value(&runs[0], &v);
            res.simulated = fmt_stats(&a.stats);
            res.verdict =
                pass(a.stats.undefined == 0 && a.stats.mean.is_some_and(|m| m >= lo && m <= hi));
            res.arms = vec![a];
        }
        Experiment::Proportion {
            observable, lo, hi, ..
        } => {
            let v = ctx.values(&runs[0], &observable);
            res.experiment = format!(
                "{}; fraction of replicates with {} ({days} days)",
                runs[0].label(),
                describe_obs(&observable)
            );
            res.expected = format!("fraction {}", range_text(lo, hi));
            match Proportion::of(&v) {
                Some(p) => {
                    res.simulated = format!(
                        "{}/{} = {} (Wilson 95 % {} to {})",
                        p.successes,
                        p.n,
                        fmt(Some(p.fraction)),
                        fmt(Some(p.wilson95_lo)),
                        fmt(Some(p.wilson95_hi))
                    );
                    res.verdict = pass(p.fraction >= lo && p.fraction <= hi);
                }
                None => res.simulated = "undefined (span too short?)".into(),
            }
            res.arms = vec![arm_value(&runs[0], &v)];
        }
        Experiment::Ratio {
            observable, lo, hi, ..
        } => {
            let (va, vb, text) = two_arms(&observable);
            res.experiment = text;
            res.expected = format!("mean A / mean B {}", range_text(lo, hi));
            res.arms = vec![arm_value(&runs[0], &va), arm_value(&runs[1], &vb)];
            let (sa, sb) = (&res.arms[0].stats, &res.arms[1].stats);
            let ratio = match (sa.mean, sb.mean) {
                (Some(a), Some(b)) if b > 0.0 && sa.undefined == 0 && sb.undefined == 0 => {
                    Some(a / b)
                }
                _ => None,
            };
            res.simulated = format!(
                "A / B = {}; A {}, B {}",
                fmt(ratio),
                fmt_stats(sa),
                fmt_stats(sb)
            );
            res.verdict = pass(ratio.is_some_and(|r| r >= lo && r <= hi));
        }
        Experiment::DoseResponse {
            key,
            observable,
            increasing,
            ..
        } => {
            let vals: Vec<Vec<Option<f64>>> =
                runs.iter().map(|r| ctx.values(r, &observable)).collect();
            res.experiment = format!(
                "{} with {key} = {}; {} ({days} days)",
                arm_label(&runs[0].arm, None),
                runs.iter()
                    .filter_map(|r| r.extra.as_deref().and_then(|e| e.split_once('=')))
                    .map(|(_, v)| v)
                    .collect::<Vec<_>>()
                    .join(", "),
                describe_obs(&observable)
            );
            res.expected = format!(
                "{} in {key}: consecutive means ordered and the 95 % interval of the paired difference last − first {} 0",
                if increasing { "increasing" } else { "decreasing" },
                if increasing { "above" } else { "below" }
            );
            res.arms = runs
                .iter()
                .zip(&vals)
                .map(|(r, v)| arm_value(r, v))
                .collect();
            let means: Vec<Option<f64>> = res.arms.iter().map(|a| a.stats.mean).collect();
            let ordered = means.windows(2).all(|w| match (w[0], w[1]) {
                (Some(x), Some(y)) => {
                    if increasing {
                        y >= x
                    } else {
                        y <= x
                    }
                }
                _ => false,
            });
            let d = match (vals.first(), vals.last()) {
                (Some(first), Some(last)) => diff(last, first),
                _ => None,
            };
            let sig = d.as_ref().is_some_and(|d| {
                d.n >= 2
                    && if increasing {
                        d.ci95_lo.is_some_and(|lo| lo > 0.0)
                    } else {
                        d.ci95_hi.is_some_and(|hi| hi < 0.0)
                    }
            });
            res.simulated = format!(
                "means {}; last − first = {}",
                res.arms
                    .iter()
                    .map(|a| fmt_stats(&a.stats))
                    .collect::<Vec<_>>()
                    .join(" → "),
                d.as_ref()
                    .map(fmt_stats)
                    .unwrap_or_else(|| "undefined".into())
            );
            res.verdict = pass(ordered && sig);
        }
        Experiment::Parameter { key, lo, hi } => {
            let p = params_for(ctx.settings, BASE_SCENARIO, vec![])?;
            let v = resolved_number(&p, key)?;
            res.experiment = format!(
                "resolved parameter {key} ({} with overrides)",
                BASE_SCENARIO
            );
            res.expected = format!("value {}", range_text(lo, hi));
            res.simulated = fmt(v);
            res.verdict = pass(v.is_some_and(|v| v >= lo && v <= hi));
        }
        Experiment::RiseThenFall { curve, xs } => {
            let p = params_for(ctx.settings, BASE_SCENARIO, vec![])?;
            let env = crate::scenario::rates::VegfEnvironment::new(&p);
            let y: Vec<f64> = xs
                .iter()
                .map(|&x| match curve {
                    Curve::MscVegfVsTnf => {
                        secretion::msc_vegf_environment(&env, 40.0, x as f32) as f64
                    }
                })
                .collect();
            res.experiment = format!(
                "MSC VEGF output factor at 40 mmHg O₂ and TNF-α = {}, {}, {} ng/mL",
                xs[0], xs[1], xs[2]
            );
            res.expected = "f(low) > f(0) and f(high) < f(0)".into();
            res.simulated = format!(
                "f = {}, {}, {}",
                fmt(Some(y[0])),
                fmt(Some(y[1])),
                fmt(Some(y[2]))
            );
            res.verdict = pass(y[1] > y[0] && y[2] < y[0]);
        }
    }
    Ok(res)
}

/// Progress callback: (cohort replicates finished, in total).
pub type Progress<'a> = cohort_run::Progress<'a>;

/// The number at dotted `key` of the resolved scenario of `p` (None: no
/// such key, or not a number).
pub(super) fn resolved_number(p: &Params, key: &str) -> Result<Option<f64>> {
    let table = toml::Table::try_from(&p.scenario)
        .map_err(|e| Error::Other(format!("rendering the scenario: {e}")))?;
    let mut cur: Option<&toml::Value> = None;
    for (i, part) in key.split('.').enumerate() {
        cur = if i == 0 {
            table.get(part)
        } else {
            cur.and_then(|v| v.get(part))
        };
    }
    Ok(cur.and_then(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64))))
}
