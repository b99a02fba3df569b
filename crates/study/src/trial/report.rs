//! The trial's statistics and files: `patients.csv`, `lots.csv`,
//! `trial_summary.json`, `trial.md` and the figures.

use super::*;
use crate::cohort_run::Proportion;
use crate::plot::{self, ImageFormat, Series};
use crate::stats::{self, KmStep, LogRank, RiskRatio};

/// One arm's outcomes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArmSummary {
    /// Arm name.
    pub name: String,
    /// Its scenario argument.
    pub scenario: String,
    /// Patients allocated.
    pub n: u64,
    /// Complete healing by `healed_by_week` (Wilson interval).
    pub healed: Option<Proportion>,
    /// At least 50 % area reduction at week 12 (`None` when the trial ends before week 12).
    pub reduction50_wk12: Option<Proportion>,
    /// Median time to complete closure (Kaplan–Meier; `None` when not reached).
    pub median_closure_d: Option<f64>,
    /// The Kaplan–Meier estimate of the fraction still open (log–log Greenwood intervals).
    pub km: Vec<KmStep>,
}

/// One subgroup (stratum) of a contrast.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subgroup {
    /// Stratum name.
    pub stratum: String,
    /// Healed / patients in the treated arm.
    pub treated: (u64, u64),
    /// Healed / patients in the control arm.
    pub control: (u64, u64),
    /// Risk ratio of healing.
    pub rr: RiskRatio,
}

/// An arm against the control (arm 0).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contrast {
    /// Treated arm.
    pub arm: String,
    /// Control arm.
    pub control: String,
    /// Risk ratio of complete healing by the set week.
    pub healed_rr: RiskRatio,
    /// Risk difference of healing (treated − control).
    pub healed_difference: f64,
    /// Risk ratio of ≥ 50 % area reduction at week 12.
    pub reduction50_rr: Option<RiskRatio>,
    /// Log-rank test of time to closure and the Peto hazard ratio (of
    /// closure: above 1 = faster closure in the treated arm).
    pub logrank: LogRank,
    /// The same, stratified by the randomization strata.
    pub logrank_stratified: LogRank,
    /// Patients per arm for the target power to detect the observed healed
    /// fractions (two proportions; `None` when they are equal).
    pub n_per_arm_for_power: Option<u64>,
    /// Closures needed for the target power to detect the observed hazard
    /// ratio (log-rank, Schoenfeld).
    pub events_for_power: Option<u64>,
    /// Healing by stratum.
    pub subgroups: Vec<Subgroup>,
}

/// One product lot as used in the trial.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LotRow {
    /// Arm name.
    pub arm: String,
    /// Lot index.
    pub lot: u64,
    /// Secretion multiplier.
    pub secretion_mult: f64,
    /// Death-hazard multiplier.
    pub hazard_mult: f64,
    /// Simulated potency assay (fg VEGF per cell per day).
    pub assay_vegf_fg_per_cell_per_day: f64,
    /// Patients treated with it.
    pub patients: u64,
    /// Of them healed by the set week.
    pub healed: u64,
}

/// A release criterion: only lots whose assay reaches `threshold` are given.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Release {
    /// Arm name.
    pub arm: String,
    /// Lowest assay value released (fg VEGF per cell per day).
    pub threshold: f64,
    /// Lots released of all lots of the arm.
    pub lots_released: (u64, u64),
    /// Healing among patients treated with released lots.
    pub healed: Option<Proportion>,
    /// Risk ratio of those patients against the whole control arm.
    pub rr: RiskRatio,
}

/// `trial_summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrialSummary {
    /// Trial name.
    pub name: String,
    /// Master seed.
    pub seed: u64,
    /// Patients to enrol.
    pub patients: u64,
    /// Enrolled (met the criteria).
    pub enrolled: u64,
    /// Excluded after `inclusion.max_draws` failed draws.
    pub excluded: u64,
    /// Failed screening draws.
    pub screen_failures: u64,
    /// Simulated days (time to closure is censored here).
    pub days: f64,
    /// Week of the primary outcome.
    pub healed_by_week: f64,
    /// Two-sided level.
    pub alpha: f64,
    /// Target power.
    pub power: f64,
    /// How the hazard ratio is estimated.
    pub hazard_ratio_method: String,
    /// Per arm.
    pub arms: Vec<ArmSummary>,
    /// Each arm against the control.
    pub contrasts: Vec<Contrast>,
    /// Lots used.
    pub lots: Vec<LotRow>,
    /// Release criteria at the quartiles of each arm's lot assays.
    pub release: Vec<Release>,
}

/// Method statement of the hazard ratio.
pub const HR_METHOD: &str = "Peto one-step estimate from the log-rank sums, exp((O−E)/V), \
95 % CI exp((O−E)/V ± 1.96/√V); hazard of complete closure, treated vs control \
(> 1: faster closure); close to Cox's estimate for ratios within about 0.3–3";

impl TrialResult {
    fn healed(&self, i: usize) -> bool {
        let wk = self.trial.raw.healed_by_week * 7.0;
        self.outcomes[i].t_closure_d.is_some_and(|t| t <= wk + 1e-9)
    }

    fn reduced50(&self, i: usize) -> Option<bool> {
        self.outcomes[i].closure_pct_wk12.map(|c| c >= 50.0)
    }

    fn in_arm(&self, arm: usize) -> Vec<usize> {
        (0..self.outcomes.len())
            .filter(|&i| self.screening.enrolled[i].arm == arm)
            .collect()
    }

    fn count(&self, idx: &[usize]) -> (u64, u64) {
        (
            idx.iter().filter(|&&i| self.healed(i)).count() as u64,
            idx.len() as u64,
        )
    }

    /// Time to closure of patient `i`: (time, closed), censored at the end.
    fn survival(&self, i: usize) -> (f64, bool) {
        match self.outcomes[i].t_closure_d {
            Some(t) => (t, true),
            None => (self.trial.days, false),
        }
    }

    /// The summary with every statistic.
    pub fn summary(&self) -> TrialSummary {
        let t = &self.trial;
        let arms: Vec<ArmSummary> = (0..t.arms.len())
            .map(|a| {
                let idx = self.in_arm(a);
                let (h, n) = self.count(&idx);
                let red: Option<Vec<bool>> = idx.iter().map(|&i| self.reduced50(i)).collect();
                let km =
                    stats::kaplan_meier(&idx.iter().map(|&i| self.survival(i)).collect::<Vec<_>>());
                ArmSummary {
                    name: t.arms[a].name.clone(),
                    scenario: t.arms[a].scenario_arg.clone(),
                    n,
                    healed: Proportion::new(h, n),
                    reduction50_wk12: red.and_then(|r| {
                        Proportion::new(r.iter().filter(|&&x| x).count() as u64, r.len() as u64)
                    }),
                    median_closure_d: stats::km_median(&km),
                    km,
                }
            })
            .collect();
        let control = self.in_arm(0);
        let (hc, nc) = self.count(&control);
        let contrasts = (1..t.arms.len())
            .map(|a| {
                let treated = self.in_arm(a);
                let (ht, nt) = self.count(&treated);
                let both: Vec<usize> = control.iter().chain(&treated).copied().collect();
                let data = |strat: bool| -> Vec<(f64, bool, usize, usize)> {
                    both.iter()
                        .map(|&i| {
                            let (tt, ev) = self.survival(i);
                            let e = &self.screening.enrolled[i];
                            (
                                tt,
                                ev,
                                (e.arm == a) as usize,
                                if strat { e.stratum } else { 0 },
                            )
                        })
                        .collect()
                };
                let lr = stats::logrank(&data(false));
                let red = |idx: &[usize]| -> Option<(u64, u64)> {
                    let v: Option<Vec<bool>> = idx.iter().map(|&i| self.reduced50(i)).collect();
                    v.map(|v| (v.iter().filter(|&&x| x).count() as u64, v.len() as u64))
                };
                let reduction50_rr = red(&treated)
                    .zip(red(&control))
                    .map(|((a1, n1), (c0, n0))| stats::risk_ratio(a1, n1, c0, n0));
                let (pt, pc) = (ht as f64 / nt.max(1) as f64, hc as f64 / nc.max(1) as f64);
                let subgroups = (0..t.strata())
                    .filter_map(|s| {
                        let of = |idx: &[usize]| -> Vec<usize> {
                            idx.iter()
                                .copied()
                                .filter(|&i| self.screening.enrolled[i].stratum == s)
                                .collect()
                        };
                        let (tr, co) = (self.count(&of(&treated)), self.count(&of(&control)));
                        (tr.1 + co.1 > 0).then(|| Subgroup {
                            stratum: t.stratum_name(s),
                            treated: tr,
                            control: co,
                            rr: stats::risk_ratio(tr.0, tr.1, co.0, co.1),
                        })
                    })
                    .collect();
                Contrast {
                    arm: t.arms[a].name.clone(),
                    control: t.arms[0].name.clone(),
                    healed_rr: stats::risk_ratio(ht, nt, hc, nc),
                    healed_difference: pt - pc,
                    reduction50_rr,
                    logrank: lr,
                    logrank_stratified: stats::logrank(&data(true)),
                    n_per_arm_for_power: (nt > 0 && nc > 0)
                        .then(|| stats::n_two_proportions(pt, pc, t.raw.alpha, t.raw.power))
                        .flatten(),
                    events_for_power: stats::events_logrank(lr.hr, t.raw.alpha, t.raw.power),
                    subgroups,
                }
            })
            .collect();
        let (lots, release) = self.lots(hc, nc);
        TrialSummary {
            name: t.raw.name.clone(),
            seed: t.raw.seed,
            patients: t.raw.patients,
            enrolled: self.screening.enrolled.len() as u64,
            excluded: self.screening.excluded,
            screen_failures: self.screening.screen_failures,
            days: t.days,
            healed_by_week: t.raw.healed_by_week,
            alpha: t.raw.alpha,
            power: t.raw.power,
            hazard_ratio_method: HR_METHOD.into(),
            arms,
            contrasts,
            lots,
            release,
        }
    }

    fn lots(&self, hc: u64, nc: u64) -> (Vec<LotRow>, Vec<Release>) {
        let t = &self.trial;
        let mut rows: Vec<LotRow> = Vec::new();
        let mut release = Vec::new();
        for a in 0..t.arms.len() {
            let mut arm_rows: Vec<LotRow> = Vec::new();
            for i in self.in_arm(a) {
                let e = &self.screening.enrolled[i];
                let Some(lot) = e.lot else { continue };
                let healed = self.healed(i) as u64;
                match arm_rows.iter_mut().find(|r| r.lot == lot.index) {
                    Some(r) => {
                        r.patients += 1;
                        r.healed += healed;
                    }
                    None => arm_rows.push(LotRow {
                        arm: t.arms[a].name.clone(),
                        lot: lot.index,
                        secretion_mult: lot.secretion_mult,
                        hazard_mult: lot.hazard_mult,
                        assay_vegf_fg_per_cell_per_day: self.outcomes[i]
                            .assay_vegf
                            .unwrap_or(f64::NAN),
                        patients: 1,
                        healed,
                    }),
                }
            }
            arm_rows.sort_by_key(|r| r.lot);
            if !arm_rows.is_empty() {
                let mut assays: Vec<f64> = arm_rows
                    .iter()
                    .map(|r| r.assay_vegf_fg_per_cell_per_day)
                    .collect();
                assays.sort_by(f64::total_cmp);
                let mut thresholds: Vec<f64> = [0.0, 0.25, 0.5, 0.75]
                    .iter()
                    .map(|&q| assays[((assays.len() - 1) as f64 * q).round() as usize])
                    .collect();
                thresholds.dedup();
                for th in thresholds {
                    let ok: Vec<&LotRow> = arm_rows
                        .iter()
                        .filter(|r| r.assay_vegf_fg_per_cell_per_day >= th)
                        .collect();
                    let (h, n) = ok
                        .iter()
                        .fold((0, 0), |(h, n), r| (h + r.healed, n + r.patients));
                    release.push(Release {
                        arm: t.arms[a].name.clone(),
                        threshold: th,
                        lots_released: (ok.len() as u64, arm_rows.len() as u64),
                        healed: Proportion::new(h, n),
                        rr: stats::risk_ratio(h, n, hc, nc),
                    });
                }
            }
            rows.extend(arm_rows);
        }
        (rows, release)
    }
}

fn csv_err(e: impl std::fmt::Display) -> Error {
    Error::Other(format!("CSV: {e}"))
}

fn cell(v: Option<f64>) -> String {
    v.filter(|x| x.is_finite())
        .map(output::format_value)
        .unwrap_or_default()
}

/// `patients.csv` columns.
pub const PATIENT_CSV_COLUMNS: [&str; 20] = [
    "patient",
    "site",
    "stratum",
    "arm",
    "lot",
    "lot_secretion_mult",
    "lot_hazard_mult",
    "lot_assay_vegf_fg_per_cell_per_day",
    "draws",
    "seed",
    "patient_perfusion",
    "patient_bioburden",
    "patient_switch_mult",
    "patient_closure_speed_mult",
    "patient_angiogenesis_mult",
    "healed_by_week",
    "reduction50_wk12",
    "t_closure_d",
    "closed",
    "closure_pct_final",
];

/// `patients.csv` text: one row per enrolled patient (`t_closure_d` is the
/// day of closure, or the trial's end when `closed` is 0: censored).
pub fn patients_csv(r: &TrialResult) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(PATIENT_CSV_COLUMNS).map_err(csv_err)?;
    let t = &r.trial;
    for (i, e) in r.screening.enrolled.iter().enumerate() {
        let o = &r.outcomes[i];
        let (tt, closed) = r.survival(i);
        let pv = &e.patient;
        let rec = vec![
            e.index.to_string(),
            (e.site + 1).to_string(),
            t.stratum_name(e.stratum),
            t.arms[e.arm].name.clone(),
            e.lot.map(|l| l.index.to_string()).unwrap_or_default(),
            cell(e.lot.map(|l| l.secretion_mult)),
            cell(e.lot.map(|l| l.hazard_mult)),
            cell(o.assay_vegf),
            e.draws.to_string(),
            e.seed.to_string(),
            cell(Some(pv.perfusion)),
            cell(Some(pv.bioburden)),
            cell(Some(pv.switch_mult)),
            cell(Some(pv.closure_speed_mult)),
            cell(Some(pv.angiogenesis_mult)),
            (r.healed(i) as u8).to_string(),
            r.reduced50(i)
                .map(|b| (b as u8).to_string())
                .unwrap_or_default(),
            cell(Some(tt)),
            (closed as u8).to_string(),
            cell(Some(o.closure_pct_final)),
        ];
        w.write_record(&rec).map_err(csv_err)?;
    }
    w.into_inner().map_err(csv_err)
}

/// `lots.csv` text.
pub fn lots_csv(s: &TrialSummary) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "arm",
        "lot",
        "secretion_mult",
        "hazard_mult",
        "assay_vegf_fg_per_cell_per_day",
        "patients",
        "healed",
    ])
    .map_err(csv_err)?;
    for l in &s.lots {
        w.write_record([
            l.arm.clone(),
            l.lot.to_string(),
            cell(Some(l.secretion_mult)),
            cell(Some(l.hazard_mult)),
            cell(Some(l.assay_vegf_fg_per_cell_per_day)),
            l.patients.to_string(),
            l.healed.to_string(),
        ])
        .map_err(csv_err)?;
    }
    w.into_inner().map_err(csv_err)
}

fn pct(p: &Option<Proportion>) -> String {
    match p {
        Some(p) => format!(
            "{}/{} ({:.1} %; {:.1}–{:.1} %)",
            p.successes,
            p.n,
            100.0 * p.fraction,
            100.0 * p.wilson95_lo,
            100.0 * p.wilson95_hi
        ),
        None => "not simulated".into(),
    }
}

fn ratio(v: f64, lo: f64, hi: f64) -> String {
    if v.is_finite() {
        format!("{v:.2} ({lo:.2}–{hi:.2})")
    } else {
        "undefined".into()
    }
}

fn rr_text(r: &RiskRatio) -> String {
    let s = ratio(r.rr, r.lo, r.hi);
    if r.corrected {
        format!("{s} (0.5 added to each cell)")
    } else {
        s
    }
}

/// `trial.md` text.
pub fn markdown(s: &TrialSummary) -> String {
    let mut m = format!(
        "# Virtual trial: {}\n\n\
         Seed {}; {} patients to enrol, {} enrolled, {} excluded after failing every screening draw \
         ({} failed draws in all); {} days simulated (time to closure censored at day {}). \
         Primary outcome: complete healing by week {}. Intervals are 95 %: Wilson for proportions, \
         Katz (log) for risk ratios, log–log Greenwood for Kaplan–Meier curves.\n\n",
        s.name, s.seed, s.patients, s.enrolled, s.excluded, s.screen_failures, s.days, s.days, s.healed_by_week
    );
    m += &format!(
        "## Arms\n\n| arm | scenario | n | healed by week {} | ≥ 50 % area reduction at week 12 | median days to closure |\n|---|---|---|---|---|---|\n",
        s.healed_by_week
    );
    for a in &s.arms {
        let med = a
            .median_closure_d
            .map(|d| format!("{d:.0}"))
            .unwrap_or_else(|| format!("not reached (> {})", s.days));
        m += &format!(
            "| {} | `{}` | {} | {} | {} | {} |\n",
            a.name,
            a.scenario,
            a.n,
            pct(&a.healed),
            pct(&a.reduction50_wk12),
            med
        );
    }
    m += &format!(
        "\n## Each arm against the control\n\nHazard ratio: {HR_METHOD}. Sample sizes for a two-sided α = {} and power {}: \
         two proportions (Fleiss, no continuity correction) at the observed healed fractions; log-rank closures (Schoenfeld) at the observed hazard ratio.\n\n\
         | arm vs control | risk ratio of healing | risk difference | RR ≥ 50 % reduction wk 12 | log-rank χ² (p) | hazard ratio | stratified hazard ratio | patients per arm for power | closures for power |\n|---|---|---|---|---|---|---|---|---|\n",
        s.alpha, s.power
    );
    for c in &s.contrasts {
        let lr = &c.logrank;
        let sl = &c.logrank_stratified;
        m += &format!(
            "| {} vs {} | {} | {:+.1} % | {} | {:.2} ({:.3}) | {} | {} | {} | {} |\n",
            c.arm,
            c.control,
            rr_text(&c.healed_rr),
            100.0 * c.healed_difference,
            c.reduction50_rr
                .as_ref()
                .map(rr_text)
                .unwrap_or_else(|| "not simulated".into()),
            lr.chi2,
            lr.p,
            ratio(lr.hr, lr.hr_lo, lr.hr_hi),
            ratio(sl.hr, sl.hr_lo, sl.hr_hi),
            c.n_per_arm_for_power
                .map(|n| n.to_string())
                .unwrap_or_else(|| "—".into()),
            c.events_for_power
                .map(|n| n.to_string())
                .unwrap_or_else(|| "—".into()),
        );
    }
    for c in &s.contrasts {
        m += &format!(
            "\n### Subgroups (strata): {} vs {}\n\n| stratum | healed treated | healed control | risk ratio |\n|---|---|---|---|\n",
            c.arm, c.control
        );
        for g in &c.subgroups {
            m += &format!(
                "| {} | {}/{} | {}/{} | {} |\n",
                g.stratum,
                g.treated.0,
                g.treated.1,
                g.control.0,
                g.control.1,
                rr_text(&g.rr)
            );
        }
    }
    if !s.lots.is_empty() {
        m += "\n## Product lots\n\nPotency assay: VEGF a fresh cell of the lot secretes per day in culture \
              (fg/cell/day), from the arm's secretion parameters and the lot's multiplier.\n\n\
              | arm | lot | secretion × | hazard × | assay VEGF | patients | healed |\n|---|---|---|---|---|---|---|\n";
        for l in &s.lots {
            m += &format!(
                "| {} | {} | {:.3} | {:.3} | {:.3} | {} | {} |\n",
                l.arm,
                l.lot,
                l.secretion_mult,
                l.hazard_mult,
                l.assay_vegf_fg_per_cell_per_day,
                l.patients,
                l.healed
            );
        }
        m += "\n### Release criteria\n\nOnly lots whose assay reaches the threshold are given (thresholds at the quartiles \
              of the arm's lots); healing of the patients they treated against the whole control arm.\n\n\
              | arm | assay ≥ | lots released | healed | risk ratio vs control |\n|---|---|---|---|---|\n";
        for r in &s.release {
            m += &format!(
                "| {} | {:.3} | {}/{} | {} | {} |\n",
                r.arm,
                r.threshold,
                r.lots_released.0,
                r.lots_released.1,
                pct(&r.healed),
                rr_text(&r.rr)
            );
        }
    }
    m
}

/// A Kaplan–Meier curve as a step series of the fraction closed, 1 − S,
/// with its band, from day 0 to `end`.
fn km_series(name: &str, km: &[KmStep], end: f64) -> Series {
    let mut s = Series {
        name: name.to_string(),
        ..Series::default()
    };
    let mut push = |x: f64, v: f64, lo: f64, hi: f64| {
        s.x.push(x);
        s.mean.push(100.0 * (1.0 - v));
        s.lo.push(100.0 * (1.0 - hi));
        s.hi.push(100.0 * (1.0 - lo));
    };
    let (mut v, mut lo, mut hi) = (1.0, 1.0, 1.0);
    push(0.0, v, lo, hi);
    for k in km {
        push(k.t, v, lo, hi);
        (v, lo, hi) = (k.s, k.lo, k.hi);
        push(k.t, v, lo, hi);
    }
    push(end, v, lo, hi);
    s
}

/// Write every file of a finished trial into `dir`.
pub fn write_files(r: &TrialResult, dir: &Path, plots: bool) -> Result<()> {
    let s = r.summary();
    output::write_atomic(&dir.join("patients.csv"), &patients_csv(r)?)?;
    output::write_atomic(&dir.join("lots.csv"), &lots_csv(&s)?)?;
    output::write_json(&dir.join("trial_summary.json"), &s)?;
    output::write_atomic(&dir.join("trial.md"), markdown(&s).as_bytes())?;
    if plots {
        let pdir = output::ensure_subdir(dir, "plots")?;
        let series: Vec<Series> = s
            .arms
            .iter()
            .map(|a| km_series(&a.name, &a.km, s.days))
            .collect();
        let perr = |e: plot::PlotError| Error::Other(format!("plot: {e}"));
        plot::lines_with_bands(
            &pdir.join("km.png"),
            &format!(
                "{}: complete closure (Kaplan–Meier, 95 % log–log Greenwood bands)",
                s.name
            ),
            "days",
            "patients closed (%)",
            &series,
            ImageFormat::Png,
        )
        .map_err(perr)?;
        let mut rows = Vec::new();
        for c in &s.contrasts {
            rows.push((
                format!("{} vs {}: all", c.arm, c.control),
                c.healed_rr.rr,
                c.healed_rr.lo,
                c.healed_rr.hi,
            ));
            for g in &c.subgroups {
                rows.push((
                    format!("{}: {}", c.arm, g.stratum),
                    g.rr.rr,
                    g.rr.lo,
                    g.rr.hi,
                ));
            }
        }
        plot::forest_plot(
            &pdir.join("forest.png"),
            &format!(
                "{}: risk ratio of healing by week {} (95 % CI)",
                s.name, s.healed_by_week
            ),
            "risk ratio (log scale)",
            &rows,
            ImageFormat::Png,
        )
        .map_err(perr)?;
    }
    Ok(())
}
