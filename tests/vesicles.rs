//! Extracellular vesicles as particles (issue #21, item 5): a vesicle
//! product's depot sets free vesicles into the `ev` field as it decays;
//! they diffuse slowly and are cleared, and they act only through their
//! uptake, by macrophages (whose cargo drives them toward M2 and outlasts
//! the free vesicles) and by the endothelium of perfused vessels (more
//! sprouting). With the uptake switched off they change
//! nothing but their own field.

use woundsim::mechanisms::{angiogenesis, macrophages};
use woundsim::run::{simulate, RunOutput};
use woundsim::scenario::{Params, Rates, Scenario};
use woundsim::sim::{SimState, Workspace};

#[macro_use]
mod common;
use common::model::{col, run_steps};

const SMALL: [&str; 4] = small_domain_sets!(3000, 3000, 2400, "cohort.vary_patients=false");

/// The built-in diabetic foot ulcer on the small domain, with `extra`.
fn params(extra: &[&str]) -> Params {
    let sets: Vec<String> = SMALL.iter().chain(extra).map(|s| s.to_string()).collect();
    Params::new(Scenario::builtin(&sets).unwrap(), "test").unwrap()
}

/// One topical vesicle dose of 1e6 cell equivalents on day 0.
const VESICLES: &str = "treatment.product.form=extracellular_vesicles";
const NO_MAC_UPTAKE: &str = "macrophage.ev_clearance_nl_per_h=0";
const NO_VESSEL_UPTAKE: &str = "angiogenesis.ev_clearance_nl_per_h=0";

fn run(extra: &[&str], days: u32) -> RunOutput {
    let d = format!("time.days={days}");
    let mut sets = vec![d.as_str()];
    sets.extend_from_slice(extra);
    simulate(&params(&sets), 2).unwrap()
}

fn mean(v: &[f64]) -> f64 {
    let d: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
    d.iter().sum::<f64>() / d.len() as f64
}

#[test]
fn uptake_drives_macrophages_toward_m2_and_vessels_to_sprout() {
    let p = params(&[]);
    let r = Rates::new(&p, &p.patient);
    let pol = &r.macrophages.polarization;
    let rate = |cargo: f32| {
        macrophages::polarization_rate(pol, 1.0, 0.3, 0.0, 0.0, 0.0, cargo, 0.2, 40.0, 0.0)
    };
    assert!(rate(pol.ev_half_cell_eq) > rate(0.0));
    // A macrophage takes cargo up only with its uptake on.
    let ev = 4500.0;
    assert!(macrophages::ev_cargo_step(pol, 0.0, ev) > 0.0);
    let mut off = *pol;
    off.ev_clearance_ul_per_min = 0.0;
    assert_eq!(macrophages::ev_cargo_step(&off, 0.0, ev), 0.0);
    // The cargo follows dQ/dt = U − kQ exactly: filling from 0 at a
    // constant uptake, then emptying with its half-life once the free
    // vesicles are gone.
    let dt = p.steps.dt_min * p.steps.cell_every as f64;
    let k = std::f64::consts::LN_2 / (p.scenario.macrophage.ev_cargo_half_life_h * 60.0);
    let u = macrophages::ev_uptake_per_min(pol, ev) as f64;
    let day = (1440.0 / dt) as usize;
    let mut q = 0.0f32;
    for _ in 0..day {
        q = macrophages::ev_cargo_step(pol, q, ev);
    }
    let t = day as f64 * dt;
    let want = u / k * (1.0 - (-k * t).exp());
    assert!((q as f64 - want).abs() < 1e-3 * want, "{q} vs {want}");
    let q0 = q as f64;
    for _ in 0..day {
        q = macrophages::ev_cargo_step(pol, q, 0.0);
    }
    let want = q0 * (-k * t).exp();
    assert!((q as f64 - want).abs() < 1e-3 * want, "{q} vs {want}");
    let a = &r.angiogenesis;
    assert_eq!(angiogenesis::ev_sprout_factor(a, 0.0), 1.0);
    let f = angiogenesis::ev_sprout_factor(a, ev);
    assert!(f > 1.0 && f <= 1.0 + a.ev_sprout_gain, "{f}");
    let mut a_off = a.clone();
    a_off.ev_clearance_ul_per_min = 0.0;
    assert_eq!(angiogenesis::ev_sprout_factor(&a_off, ev), 1.0);
}

#[test]
fn vesicles_whose_uptake_is_off_change_nothing_but_their_own_field() {
    let none = run(&["treatment.product.source=\"none\""], 4);
    let inert = run(&[VESICLES, NO_MAC_UPTAKE, NO_VESSEL_UPTAKE], 4);
    let ev = |o: &RunOutput| col(o, "ev_mean_cell_eq_per_uL");
    assert!(ev(&inert)[1] > 0.0, "the dose sets vesicles free");
    assert!(ev(&none).iter().all(|&v| v == 0.0));
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    for c in none.columns.iter().filter(|c| !c.starts_with("ev_")) {
        assert_eq!(bits(&col(&none, c)), bits(&col(&inert, c)), "{c}");
    }
}

#[test]
fn vesicles_taken_up_by_macrophages_shift_them_toward_m2() {
    let inert = run(&[VESICLES, NO_MAC_UPTAKE, NO_VESSEL_UPTAKE], 4);
    let taken = run(&[VESICLES, NO_VESSEL_UPTAKE], 4);
    let m2 = |o: &RunOutput| mean(&col(o, "m2_fraction")[1..]);
    assert!(
        m2(&taken) > m2(&inert) + 0.02,
        "M2 share, days 1–4: {} with uptake, {} without",
        m2(&taken),
        m2(&inert)
    );
    // Their uptake is a sink: fewer vesicles stay free.
    let ev = |o: &RunOutput| col(o, "ev_mean_cell_eq_per_uL")[2];
    assert!(ev(&taken) < ev(&inert));
}

#[test]
fn vesicles_taken_up_by_the_endothelium_raise_sprouting() {
    let inert = run(&[VESICLES, NO_MAC_UPTAKE, NO_VESSEL_UPTAKE], 4);
    let taken = run(&[VESICLES, NO_MAC_UPTAKE], 4);
    let tips = |o: &RunOutput| col(o, "tip_cells")[1..].iter().sum::<f64>();
    assert!(
        tips(&taken) > 1.05 * tips(&inert),
        "tip cells, days 1–4: {} with uptake, {} without",
        tips(&taken),
        tips(&inert)
    );
}

/// With no uptake, the vesicles in the depot and the field follow the
/// two-compartment solution: the depot decays at k_d = ln 2 / t½(depot)
/// into the field, which loses them at λ = ln 2 / t½(ev):
/// field(t) = D₀·k_d/(λ − k_d)·(e^(−k_d t) − e^(−λ t)).
#[test]
fn released_vesicles_follow_the_two_compartment_solution() {
    let p = params(&[VESICLES, NO_MAC_UPTAKE, NO_VESSEL_UPTAKE, "time.days=2"]);
    let mut st = SimState::new(&p, 1, p.patient);
    let mut ws = Workspace::new(&p, &st);
    let ev = p.ids.ev.expect("ev is a default field");
    let vol_ul = p.grid.voxel_volume_ml() * 1e3;
    let depot = |st: &SimState| st.tissue.depot.iter().map(|&d| d as f64).sum::<f64>();
    let field = |st: &SimState| st.fields.slice(ev).iter().map(|&c| c as f64).sum::<f64>() * vol_ul;
    // The dose is placed in the first step.
    run_steps(&p, &mut st, &mut ws, 1);
    let d0 = depot(&st) + field(&st);
    assert!(d0 > 100.0, "{d0} cell equivalents in the slice");
    let t_half_depot = p.scenario.treatment.depot_half_life_h() * 60.0;
    let t_half_ev = p.fields[ev].1.half_life_min;
    let (kd, lam) = (
        std::f64::consts::LN_2 / t_half_depot,
        std::f64::consts::LN_2 / t_half_ev,
    );
    let per_day = (1440.0 / p.steps.dt_min) as u64;
    run_steps(&p, &mut st, &mut ws, per_day - 1);
    let t = per_day as f64 * p.steps.dt_min;
    let want = d0 * kd / (lam - kd) * ((-kd * t).exp() - (-lam * t).exp());
    let got = field(&st);
    assert!(
        (got - want).abs() < 0.05 * want,
        "free vesicles after a day: {got} cell equivalents, two-compartment {want}"
    );
    let depot_want = d0 * (-kd * t).exp();
    assert!(
        (depot(&st) - depot_want).abs() < 0.02 * depot_want,
        "depot {} vs {depot_want}",
        depot(&st)
    );
}

#[test]
fn a_run_with_vesicle_cargo_resumes_bit_identically_and_a_negative_cargo_is_refused() {
    let p = params(&[VESICLES, "time.days=2"]);
    let mut st = SimState::new(&p, 5, p.patient);
    let mut ws = Workspace::new(&p, &st);
    run_steps(&p, &mut st, &mut ws, 120);
    assert!(
        st.macs.ev_cargo.iter().any(|&q| q > 0.0),
        "no cargo taken up"
    );
    let bytes = woundsim::run::checkpoint_bytes(&p, &st).unwrap();
    let (p2, mut back) = woundsim::run::restore_bytes(&bytes, "memory").unwrap();
    let mut ws2 = Workspace::new(&p2, &back);
    run_steps(&p, &mut st, &mut ws, 60);
    run_steps(&p2, &mut back, &mut ws2, 60);
    assert_eq!(back.macs, st.macs);
    assert_eq!(back.fields.data, st.fields.data);
    st.macs.ev_cargo[0] = -1.0;
    let bytes = woundsim::run::checkpoint_bytes(&p, &st).unwrap();
    let err = woundsim::run::restore_bytes(&bytes, "memory")
        .unwrap_err()
        .to_string();
    assert!(err.contains("vesicle cargo"), "{err}");
}
