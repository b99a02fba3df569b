//! Intravenous delivery (issue #21, item 6): of an infused dose, the
//! homing fraction passes the lungs and reaches the vessels near the wound,
//! and each of those cells adheres at a perfused vessel voxel with a
//! probability set by the patient's perfusion and the endothelium's
//! activation by TNF-α; the rest stay in the lungs, where they are cleared
//! with a half-life of about a day and, when the optional systemic term is
//! on, drive every macrophage toward M2.

use std::collections::HashSet;
use woundsim::run::{simulate, RunOutput};
use woundsim::scenario::{Params, Rates, Scenario};
use woundsim::sim::{self, SimState, Workspace};

#[macro_use]
mod common;
use common::model::col;

const SMALL: [&str; 4] = small_domain_sets!(3000, 3000, 2400, "cohort.vary_patients=false");
const IV: &str = "treatment.delivery.route=\"intravenous\"";
const HOMING: &str = "treatment.delivery.homing_fraction=0.05";

/// The built-in diabetic foot ulcer on the small domain, with `extra`.
fn params(extra: &[&str]) -> Params {
    let sets: Vec<String> = SMALL.iter().chain(extra).map(|s| s.to_string()).collect();
    Params::new(Scenario::builtin(&sets).unwrap(), "test").unwrap()
}

/// Give dose 0 with the bed layer's TNF-α set to `tnf` everywhere: the
/// state after it, and the perfused vessel voxels near the wound.
fn dose_at_tnf(p: &Params, tnf: f32) -> (SimState, Vec<u32>) {
    let mut st = SimState::new(p, 1, p.patient);
    st.fields.data[p.ids.tnf].fill(tnf);
    let ws = Workspace::new(p, &st);
    sim::systems::dose(p, &mut st, &ws, 0);
    (st, ws.vessel_list.clone())
}

/// Within `sd` binomial standard deviations of `n` trials at `q`.
fn binomial_close(got: usize, n: f64, q: f64, sd: f64) -> bool {
    let mean = n * q;
    (got as f64 - mean).abs() <= sd * (n * q * (1.0 - q)).sqrt() + 1.0
}

#[test]
fn cells_adhere_only_at_perfused_vessels_in_proportion_to_their_activation() {
    let p = params(&[IV, HOMING]);
    let r = Rates::new(&p, &p.patient).dosing;
    let k = r.homing_tnf_half_ng_per_ml;
    let n = r.agents_per_dose;
    assert!(n > 100.0, "{n} homing cells in the slice");
    // No inflammation: the endothelium holds none.
    let (st, _) = dose_at_tnf(&p, 0.0);
    assert_eq!(st.mscs.len(), 0);
    // At the half-maximum, half of the cells that pass (× perfusion).
    let (st, list) = dose_at_tnf(&p, k);
    let q = r.homing_perfusion as f64 * 0.5;
    assert!(
        binomial_close(st.mscs.len(), n, q, 4.0),
        "{} adhered of {n} at probability {q}",
        st.mscs.len()
    );
    // Every one sits at a perfused vessel voxel near the wound, in the bed.
    let sites: HashSet<u32> = list.iter().copied().collect();
    let bed_z = p.grid.z_center(p.depth.bed) as f32;
    for i in 0..st.mscs.len() {
        let v = p.grid.index_of(st.mscs.x[i], st.mscs.y[i]) as u32;
        assert!(sites.contains(&v), "a cell at voxel {v}, not a vessel");
        assert_eq!(st.mscs.z[i], bed_z);
    }
    // More activation, more cells; a poorly perfused patient, fewer.
    let (high, _) = dose_at_tnf(&p, 9.0 * k);
    assert!(high.mscs.len() > st.mscs.len());
    let poor = params(&[IV, HOMING, "patient.perfusion=0.2"]);
    let rp = Rates::new(&poor, &poor.patient).dosing;
    let (low, _) = dose_at_tnf(&poor, k);
    assert!(rp.homing_perfusion < r.homing_perfusion);
    assert!(
        binomial_close(
            low.mscs.len(),
            rp.agents_per_dose,
            rp.homing_perfusion as f64 * 0.5,
            4.0
        ),
        "{} adhered with perfusion {}",
        low.mscs.len(),
        rp.homing_perfusion
    );
    assert!(low.mscs.len() < st.mscs.len());
}

#[test]
fn without_perfused_vessels_near_the_wound_none_arrive() {
    let p = params(&[IV, HOMING]);
    let mut st = SimState::new(&p, 1, p.patient);
    st.fields.data[p.ids.tnf].fill(1.0);
    let mut ws = Workspace::new(&p, &st);
    ws.vessel_list.clear();
    sim::systems::dose(&p, &mut st, &ws, 0);
    assert_eq!(st.mscs.len(), 0);
}

#[test]
fn lung_trapped_cells_clear_with_their_half_life() {
    let p = params(&[
        IV,
        HOMING,
        "treatment.dose.days=[0, 2]",
        "treatment.delivery.systemic_m2_drive=0.5",
    ]);
    let s = &Rates::new(&p, &p.patient).macrophages.systemic;
    let n = 1.0e6 * (1.0 - 0.05);
    assert_eq!(s.lung_cells_per_dose, n);
    let per_day = (1440.0 / p.steps.dt_min) as u64;
    let rel = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b;
    assert!(rel(s.lung_cells(0), n));
    // Half after the 24 h half-life, a quarter after two, then the second
    // dose adds its own.
    assert!(rel(s.lung_cells(per_day), n / 2.0));
    assert!(rel(
        s.lung_cells(2 * per_day - 1),
        n / 4.0 * (s.lung_clearance_per_step).exp()
    ));
    assert!(rel(s.lung_cells(2 * per_day), n / 4.0 + n));
    // The drive saturates with the cells: w · L/(L + K).
    let l = s.lung_cells(per_day);
    let want = 0.5 * l / (l + 1.0e6);
    assert!((s.m2_drive_at(per_day) as f64 - want).abs() < 1e-6);
    // Off by default, and for every other route.
    let off = params(&[IV, HOMING]);
    assert_eq!(
        Rates::new(&off, &off.patient)
            .macrophages
            .systemic
            .m2_drive_at(0),
        0.0
    );
    let topical = params(&["treatment.delivery.systemic_m2_drive=0.5"]);
    let t = &Rates::new(&topical, &topical.patient).macrophages.systemic;
    assert!(t.dose_steps.is_empty());
    assert_eq!(t.m2_drive_at(0), 0.0);
}

fn run(extra: &[&str]) -> RunOutput {
    let mut sets = vec![IV, "time.days=3"];
    sets.extend_from_slice(extra);
    simulate(&params(&sets), 2).unwrap()
}

#[test]
fn the_systemic_term_shifts_the_wound_toward_m2_without_a_cell_in_it() {
    // No cell homes (the default homing fraction, 0): whatever changes in
    // the wound comes from the lungs.
    let off = run(&[]);
    let on = run(&["treatment.delivery.systemic_m2_drive=0.5"]);
    assert!(col(&on, "msc_live").iter().all(|&v| v == 0.0));
    let m2 = |o: &RunOutput| col(o, "m2_fraction")[1..].iter().sum::<f64>() / 3.0;
    assert!(
        m2(&on) > m2(&off) + 0.02,
        "M2 share, days 1–3: {} with the systemic term, {} without",
        m2(&on),
        m2(&off)
    );
}
