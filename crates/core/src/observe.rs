//! Observables: one time-series row per output step, and the run summary.

use crate::agents::msc_state;
use crate::scenario::Params;
pub use crate::series::{columns, field_column, Row};
use crate::state::SimState;
use crate::tissue::vessel;
use serde::{Deserialize, Serialize};

mod depth;
use std::collections::BTreeMap;

/// Observe the state.
pub fn observe(p: &Params, st: &SimState) -> Row {
    let t = &st.tissue;
    let foot = t.footprint.as_slice().expect("standard layout");
    let open = t.open_count() as f64;
    let n_foot = t.footprint_count.max(1) as f64;
    let area = open * p.grid.voxel_area_mm2();
    let closure = 100.0 * (1.0 - open / t.open0.max(1) as f64);
    let (mut live, mut dead, mut sen) = (0.0, 0.0, 0.0);
    // Cells, not agents: an aggregate counts its cells.
    for (&s, &n) in st.mscs.state.iter().zip(&st.mscs.cells) {
        match s {
            msc_state::LIVE => live += n as f64,
            msc_state::DEAD => dead += n as f64,
            _ => sen += n as f64,
        }
    }
    let m2 = st.macs.pol.iter().filter(|&&q| q >= 0.5).count() as f64;
    let m1 = st.macs.len() as f64 - m2;
    // Undefined (NaN, an empty cell in the CSV) when there are no macrophages.
    let m2f = if m1 + m2 > 0.0 {
        m2 / (m1 + m2)
    } else {
        f64::NAN
    };
    let ves = t.vessel.as_slice().expect("standard layout");
    let perfused = foot
        .iter()
        .zip(ves)
        .filter(|(&f, &v)| f == 1 && vessel::perfused(v))
        .count() as f64;
    let abnormal = foot
        .iter()
        .zip(ves)
        .filter(|(&f, &v)| f == 1 && v == vessel::ABNORMAL)
        .count() as f64;
    let base = p.scenario.tissue.vessel_density * st.patient.vessel_density_mult;
    let rel = |count: f64| {
        if base > 0.0 {
            count / n_foot / base
        } else {
            0.0
        }
    };
    let vdens = rel(perfused);
    let mean_in = |a: &[f32]| {
        a.iter()
            .zip(foot)
            .filter(|(_, &f)| f == 1)
            .map(|(&v, _)| v as f64)
            .sum::<f64>()
            / n_foot
    };
    // The tissue maps' layer (the whole field in 2D).
    let bed = p.depth.bed;
    let o2_all = st.fields.slice(p.ids.oxygen);
    let o2 = st.fields.layer(&p.grid, p.ids.oxygen, bed);
    let onset = p.scenario.tissue.hypoxia_onset_mmhg as f32;
    let hyp = o2
        .iter()
        .zip(foot)
        .filter(|(&v, &f)| f == 1 && v < onset)
        .count() as f64
        / n_foot;
    let mut v = vec![
        st.day(p),
        area,
        closure,
        live,
        dead,
        sen,
        m1,
        m2,
        m2f,
        vdens,
        st.tips.len() as f64,
        mean_in(o2),
        hyp,
        t.bioburden,
    ];
    for (f, (name, _)) in p.fields.iter().enumerate() {
        if name != "oxygen" {
            v.push(mean_in(st.fields.layer(&p.grid, f, bed)));
        }
    }
    v.push(mean_in(t.debris.as_slice().expect("standard layout")));
    v.push(rel(abnormal));
    // Highest tissue pO₂ anywhere in the domain (the run-time bound keeps
    // it at or below the highest supplying pO₂).
    v.push(o2_all.iter().fold(0.0f32, |m, &x| m.max(x)) as f64);
    // Neutrophils in the domain: live, and apoptotic (awaiting efferocytosis).
    let (n_live, n_apoptotic) = st.neutrophils.counts();
    v.push(n_live as f64);
    v.push(n_apoptotic as f64);
    // The MSC state: mean HIF-1α activity and licensed share of the live
    // (and senescent) MSCs (undefined without any).
    v.push(crate::mechanisms::msc_state::mean_hif(&st.mscs));
    v.push(crate::mechanisms::msc_state::licensed_fraction(&st.mscs));
    // Fibroblasts and myofibroblasts in the wound (cells), and its matrix.
    let (fib, myo) = crate::mechanisms::fibroblasts::cells_in_wound(
        &st.fibroblasts,
        t,
        &p.grid,
        p.scenario.fibroblast.cells_per_agent,
    );
    v.push(fib);
    v.push(myo);
    v.push(mean_in(t.provisional.as_slice().expect("standard layout")));
    v.push(mean_in(t.collagen.as_slice().expect("standard layout")));
    // The protease balance under the footprint (bed layer).
    let (active, ratio) = crate::mechanisms::proteases::wound_balance(p, &st.fields, foot);
    v.push(active);
    v.push(ratio);
    // Bacteria over the open wound.
    let (burden, plank, film, film_share) = crate::mechanisms::bacteria::open_means_with(
        t,
        p.scenario.bacteria.biofilm_present_threshold as f32,
    );
    v.extend([burden, plank, film, film_share]);
    // The inflammation index (series::INFLAMMATION_COLUMN).
    let wound0_mm2 = t.open0.max(1) as f64 * p.grid.voxel_area_mm2();
    v.push((n_live as f64 + m1) / wound0_mm2);
    // Immune cells inside the initial footprint (series::IMMUNE_IN_WOUND_COLUMNS).
    let foot_map = t.footprint.as_slice().expect("standard layout");
    let foot_of = |x: f32, y: f32| foot_map[p.grid.index_of(x, y)] == 1;
    let ns = &st.neutrophils;
    let neu_in = (0..ns.len())
        .filter(|&i| {
            ns.state[i] == crate::agents::neutrophil_state::LIVE && foot_of(ns.x[i], ns.y[i])
        })
        .count();
    let mac_in = (0..st.macs.len())
        .filter(|&i| foot_of(st.macs.x[i], st.macs.y[i]))
        .count();
    v.push(neu_in as f64);
    v.push(mac_in as f64);
    if p.depth.is_3d() {
        depth::observe(p, st, &mut v);
    }
    Row {
        step: st.step,
        values: v,
    }
}

/// Key outcomes of one run (written to summary.json).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Run seed.
    pub seed: u64,
    /// Simulated days.
    pub days: f64,
    /// Final closure (%).
    pub closure_pct_final: f64,
    /// Closure at day 28 (%), if simulated.
    pub closure_pct_wk4: Option<f64>,
    /// Closure at day 56 (%), if simulated.
    pub closure_pct_wk8: Option<f64>,
    /// Closure at day 84 (%), if simulated.
    pub closure_pct_wk12: Option<f64>,
    /// First day with ≥ 50 % closure.
    pub t50_closure_d: Option<f64>,
    /// First day with complete closure (≥ `closure.complete_pct`).
    pub t100_closure_d: Option<f64>,
    /// Completely closed by the end.
    pub healed: bool,
    /// Completely closed by day 84 (None if the run is shorter and not healed).
    pub healed_wk12: Option<bool>,
    /// Days from the first dose until live MSCs fall below half their peak.
    pub msc_half_life_d: Option<f64>,
    /// Peak live MSCs in the slice.
    pub msc_peak: f64,
    /// M2 fraction at day 7, if simulated.
    pub m2_fraction_d7: Option<f64>,
    /// Peak live neutrophils in the domain.
    #[serde(default)]
    pub neutrophil_peak: f64,
    /// Day of the first peak of live neutrophils (null without any).
    #[serde(default)]
    pub neutrophil_peak_day: Option<f64>,
    /// Peak of the inflammation index (live neutrophils + M1 macrophages
    /// per mm² of the initial wound).
    #[serde(default)]
    pub inflammation_peak_per_mm2: f64,
    /// Day of the inflammation index's first peak (null without any
    /// inflammatory cell).
    #[serde(default)]
    pub inflammation_peak_day: Option<f64>,
    /// First day after the peak on which the inflammation index is at most
    /// a third of its peak: the end of the inflammatory phase (null if it
    /// never falls that far).
    #[serde(default)]
    pub inflammation_resolution_day: Option<f64>,
    /// Peak perfused vessel density (relative to intact tissue).
    pub peak_vessel_density_rel: f64,
    /// Day of the peak vessel density.
    pub peak_vessel_day: f64,
    /// Final vessel density (relative).
    pub final_vessel_density_rel: f64,
    /// Mean wound VEGF over the run (ng/mL): a time mean of the
    /// `vegf_mean_ng_per_ml` column (its last value is in `final_values`).
    #[serde(rename = "vegf_time_mean_ng_per_ml")]
    pub vegf_mean_ng_per_ml: f64,
    /// Peak wound VEGF (ng/mL).
    pub vegf_peak_ng_per_ml: f64,
    /// Mean wound TNF-α over days 7–14 (ng/mL), if simulated: a time mean.
    #[serde(rename = "tnf_time_mean_d7_14_ng_per_ml")]
    pub tnf_mean_d7_14_ng_per_ml: Option<f64>,
    /// Mean wound O₂ over the run (mmHg): a time mean of the `o2_mean_mmHg`
    /// column (its last value is in `final_values`).
    #[serde(rename = "o2_time_mean_mmHg")]
    pub o2_mean_mmhg: f64,
    /// Every final time-series value by column (None, `null` in JSON,
    /// where it is undefined, e.g. the M2 fraction of no macrophages).
    pub final_values: BTreeMap<String, Option<f64>>,
    /// First day on which `limits.max_agents` cut births or a dose short
    /// (null when the cap was never reached); from then on the run
    /// undercounts cells.
    #[serde(default)]
    pub agent_cap_hit_day: Option<f64>,
    /// Mean bacterial burden over the open wound on day 28 (0–1 of the
    /// bed's capacity), if simulated.
    #[serde(default)]
    pub bacterial_burden_d28: Option<f64>,
    /// Share of the open wound holding biofilm on day 28, if simulated.
    #[serde(default)]
    pub biofilm_fraction_d28: Option<f64>,
}

/// The shortest simulated span (days) in which outcome `name` can be
/// defined at all: 28, 56 and 84 days for closure at weeks 4, 8 and 12, 7
/// for the day-7 M2 fraction and the day 7–14 TNF-α mean; `None` for
/// outcomes any span defines (some may still be undefined in a run, e.g. a
/// closure day that is never reached).
pub fn outcome_min_days(name: &str) -> Option<f64> {
    match name {
        "closure_pct_wk4" => Some(28.0),
        "closure_pct_wk8" => Some(56.0),
        "closure_pct_wk12" => Some(84.0),
        "m2_fraction_d7" | "tnf_time_mean_d7_14_ng_per_ml" => Some(7.0),
        _ => None,
    }
}

/// Outcome names usable by sweeps and compare (numeric summary keys).
pub const OUTCOMES: [&str; 13] = [
    "closure_pct_final",
    "closure_pct_wk4",
    "closure_pct_wk8",
    "closure_pct_wk12",
    "t50_closure_d",
    "t100_closure_d",
    "healed",
    "msc_half_life_d",
    "m2_fraction_d7",
    "peak_vessel_density_rel",
    "vegf_time_mean_ng_per_ml",
    "tnf_time_mean_d7_14_ng_per_ml",
    "o2_time_mean_mmHg",
];

impl Summary {
    /// Summarise a finished run's rows.
    pub fn from_rows(p: &Params, seed: u64, cols: &[String], rows: &[Row]) -> Summary {
        let col = |name: &str| cols.iter().position(|c| c == name);
        let series = |name: &str| -> Vec<(f64, f64)> {
            match col(name) {
                Some(c) => rows.iter().map(|r| (r.values[0], r.values[c])).collect(),
                None => vec![],
            }
        };
        let closure = series("closure_pct");
        let at = |s: &[(f64, f64)], day: f64| -> Option<f64> {
            if s.last().map(|l| l.0 + 1e-9 < day).unwrap_or(true) {
                return None;
            }
            s.iter().find(|(t, _)| *t + 1e-9 >= day).map(|&(_, v)| v)
        };
        let first_at =
            |s: &[(f64, f64)], thr: f64| s.iter().find(|(_, v)| *v >= thr).map(|&(t, _)| t);
        let complete = p.scenario.closure.complete_pct;
        let t100 = first_at(&closure, complete);
        let days = rows.last().map(|r| r.values[0]).unwrap_or(0.0);
        let live = series("msc_live");
        let first_dose = p.steps.doses.first().map(|&k| p.steps.day(k));
        let (peak_i, msc_peak) =
            live.iter()
                .enumerate()
                .fold((0, 0.0), |a, (i, &(_, v))| if v > a.1 { (i, v) } else { a });
        let msc_half_life_d = match first_dose {
            Some(d0) if msc_peak > 0.0 => live[peak_i..]
                .iter()
                .find(|(_, v)| *v <= msc_peak / 2.0)
                .map(|&(t, _)| t - d0),
            _ => None,
        };
        let neu = series("neutrophils");
        let (neu_day, neu_peak) = neu
            .iter()
            .fold((0.0, 0.0), |a, &(t, v)| if v > a.1 { (t, v) } else { a });
        let infl = series(crate::series::INFLAMMATION_COLUMN);
        let (infl_i, infl_peak) =
            infl.iter()
                .enumerate()
                .fold((0, 0.0), |a, (i, &(_, v))| if v > a.1 { (i, v) } else { a });
        let infl_resolved = (infl_peak > 0.0)
            .then(|| {
                infl[infl_i..]
                    .iter()
                    .find(|(_, v)| *v <= infl_peak / 3.0)
                    .map(|&(t, _)| t)
            })
            .flatten();
        let ves = series("vessel_density_rel");
        let (pv_day, pv) = ves
            .iter()
            .fold((0.0, 0.0), |a, &(t, v)| if v > a.1 { (t, v) } else { a });
        let vegf = series("vegf_mean_ng_per_ml");
        let mean = |s: &[(f64, f64)]| {
            if s.is_empty() {
                0.0
            } else {
                s.iter().map(|x| x.1).sum::<f64>() / s.len() as f64
            }
        };
        let tnf = series("tnf_mean_ng_per_ml");
        let tnf714: Vec<(f64, f64)> = tnf
            .iter()
            .copied()
            .filter(|(t, _)| (7.0..=14.0).contains(t))
            .collect();
        let final_values = rows
            .last()
            .map(|r| {
                cols.iter()
                    .cloned()
                    .zip(r.values.iter().map(|&v| (!v.is_nan()).then_some(v)))
                    .collect()
            })
            .unwrap_or_default();
        Summary {
            scenario: p.scenario.name.clone(),
            seed,
            days,
            closure_pct_final: closure.last().map(|x| x.1).unwrap_or(0.0),
            closure_pct_wk4: at(&closure, 28.0),
            closure_pct_wk8: at(&closure, 56.0),
            closure_pct_wk12: at(&closure, 84.0),
            t50_closure_d: first_at(&closure, 50.0),
            t100_closure_d: t100,
            healed: t100.is_some(),
            healed_wk12: match t100 {
                Some(t) if t <= 84.0 + 1e-9 => Some(true),
                _ if days + 1e-9 >= 84.0 => Some(false),
                _ => None,
            },
            msc_half_life_d,
            msc_peak,
            m2_fraction_d7: at(&series("m2_fraction"), 7.0).filter(|v| !v.is_nan()),
            neutrophil_peak: neu_peak,
            neutrophil_peak_day: (neu_peak > 0.0).then_some(neu_day),
            inflammation_peak_per_mm2: infl_peak,
            inflammation_peak_day: (infl_peak > 0.0).then(|| infl[infl_i].0),
            inflammation_resolution_day: infl_resolved,
            peak_vessel_density_rel: pv,
            peak_vessel_day: pv_day,
            final_vessel_density_rel: ves.last().map(|x| x.1).unwrap_or(0.0),
            vegf_mean_ng_per_ml: mean(&vegf),
            vegf_peak_ng_per_ml: vegf.iter().map(|x| x.1).fold(0.0, f64::max),
            tnf_mean_d7_14_ng_per_ml: if tnf714.is_empty() {
                None
            } else {
                Some(mean(&tnf714))
            },
            o2_mean_mmhg: mean(&series("o2_mean_mmHg")),
            final_values,
            agent_cap_hit_day: None,
            bacterial_burden_d28: at(&series("bacterial_burden"), 28.0),
            biofilm_fraction_d28: at(&series("biofilm_fraction"), 28.0),
        }
    }

    /// A numeric outcome by name (`healed` as 0/1); None when undefined
    /// (not simulated, or an undefined value such as the M2 fraction of
    /// no macrophages).
    pub fn outcome(&self, name: &str) -> Option<f64> {
        self.outcome_value(name).filter(|v| !v.is_nan())
    }

    fn outcome_value(&self, name: &str) -> Option<f64> {
        match name {
            "closure_pct_final" => Some(self.closure_pct_final),
            "closure_pct_wk4" => self.closure_pct_wk4,
            "closure_pct_wk8" => self.closure_pct_wk8,
            "closure_pct_wk12" => self.closure_pct_wk12,
            "t50_closure_d" => self.t50_closure_d,
            "t100_closure_d" => self.t100_closure_d,
            "healed" => Some(if self.healed { 1.0 } else { 0.0 }),
            "healed_wk12" => self.healed_wk12.map(|h| if h { 1.0 } else { 0.0 }),
            "msc_half_life_d" => self.msc_half_life_d,
            "msc_peak" => Some(self.msc_peak),
            "m2_fraction_d7" => self.m2_fraction_d7,
            "neutrophil_peak" => Some(self.neutrophil_peak),
            "neutrophil_peak_day" => self.neutrophil_peak_day,
            "inflammation_peak_per_mm2" => Some(self.inflammation_peak_per_mm2),
            "inflammation_peak_day" => self.inflammation_peak_day,
            "inflammation_resolution_day" => self.inflammation_resolution_day,
            "peak_vessel_density_rel" => Some(self.peak_vessel_density_rel),
            "peak_vessel_day" => Some(self.peak_vessel_day),
            "final_vessel_density_rel" => Some(self.final_vessel_density_rel),
            "vegf_time_mean_ng_per_ml" => Some(self.vegf_mean_ng_per_ml),
            "vegf_peak_ng_per_ml" => Some(self.vegf_peak_ng_per_ml),
            "tnf_time_mean_d7_14_ng_per_ml" => self.tnf_mean_d7_14_ng_per_ml,
            "o2_time_mean_mmHg" => Some(self.o2_mean_mmhg),
            other => self
                .final_values
                .get(other.strip_prefix("final.").unwrap_or(other))
                .copied()
                .flatten(),
        }
    }
}
