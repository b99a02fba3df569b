//! The trial's files: `patients.csv`, `lots.csv`, `trial_summary.json`,
//! `trial.md` and the figures, from a [`TrialResult`] and its
//! [`TrialSummary`].

use super::*;
use crate::cohort_run::Proportion;
use crate::plot::{self, ImageFormat, Series};
use crate::stats::{KmStep, RiskRatio};

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
